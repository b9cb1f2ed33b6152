"""pytest fixtures for the SDK-driven tests of ecs-mock.

The session starts the real ``ecs-mock`` binary on an ephemeral port with
``--timing fast``, reads the port from its ``listening on HOST:PORT`` stderr line,
waits for ``GET /_mock/health`` and hands the base URL to the tests. Before every
test the state is reset with ``POST /_mock/reset``.

The binary is ``$ECS_MOCK_BIN`` or ``<repo>/target/release/ecs-mock`` (build it with
``cargo build --release``; ``scripts/test`` does that).

``ecs_account`` gives a test its own throwaway account (``EcsMockAccount``) and
deletes it afterwards, with everything it touched.

When a test fails, the server's log lines written while that test ran are attached to
the test report, and the tail of the whole server log is printed in the summary.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Optional

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "target" / "release" / "ecs-mock"
LISTEN_RE = re.compile(r"listening on (\S+:\d+)")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # colour codes, in case the log is coloured

STARTUP_TIMEOUT_S = 30.0
HEALTH_TIMEOUT_S = 10.0
SHUTDOWN_TIMEOUT_S = 10.0


def mock_binary() -> pathlib.Path:
    """The ecs-mock binary under test."""
    env = os.environ.get("ECS_MOCK_BIN")
    return pathlib.Path(env) if env else DEFAULT_BIN


def http_json(method: str, url: str, body: Optional[bytes] = None, timeout: float = 10.0):
    """Plain HTTP call to the control plane; returns (status, parsed JSON or text)."""
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class MockServer:
    """A running ecs-mock process and everything it has logged."""

    def __init__(self, args: list[str], env: Optional[dict] = None, name: str = "ecs-mock"):
        self.name = name
        self.binary = mock_binary()
        self.args = args
        self.lines: list[str] = []  # stderr and stdout lines, in arrival order
        self._lock = threading.Lock()
        self._listen = threading.Event()
        self.address: Optional[str] = None
        if not self.binary.is_file():
            pytest.fail(
                f"ecs-mock binary not found at {self.binary}; run `cargo build --release` "
                f"or set ECS_MOCK_BIN",
                pytrace=False,
            )
        self.proc = subprocess.Popen(
            [str(self.binary), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        threading.Thread(target=self._pump, args=(self.proc.stderr, "", True), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stdout, "[stdout] ", False), daemon=True).start()

    def _pump(self, stream, prefix: str, look_for_listen: bool) -> None:
        for raw in iter(stream.readline, b""):
            line = ANSI_RE.sub("", raw.decode("utf-8", "replace").rstrip("\n"))
            with self._lock:
                self.lines.append(prefix + line)
            if look_for_listen and self.address is None:
                m = LISTEN_RE.search(line)
                if m:
                    self.address = m.group(1)
                    self._listen.set()
        stream.close()

    def log_mark(self) -> int:
        with self._lock:
            return len(self.lines)

    def log_since(self, mark: int) -> str:
        with self._lock:
            return "\n".join(self.lines[mark:])

    def log_tail(self, n: int = 200) -> str:
        with self._lock:
            return "\n".join(self.lines[-n:])

    def wait_ready(self) -> str:
        """Wait for the listening line, then for /_mock/health; returns the base URL."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._listen.wait(0.1):
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the pump threads drain
                self.fail_startup(f"exited with code {self.proc.returncode} before listening")
            if time.monotonic() > deadline:
                self.fail_startup(f"no 'listening on HOST:PORT' line on stderr within {STARTUP_TIMEOUT_S}s")
        base = f"http://{self.address}"
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        last = None
        while True:
            try:
                status, body = http_json("GET", base + "/_mock/health", timeout=2)
                if status == 200 and isinstance(body, dict) and body.get("Status") == "ok":
                    return base
                last = (status, body)
            except OSError as e:  # connection refused / reset while starting
                last = e
            if self.proc.poll() is not None:
                self.fail_startup(f"exited with code {self.proc.returncode} while waiting for health")
            if time.monotonic() > deadline:
                self.fail_startup(f"/_mock/health not ok within {HEALTH_TIMEOUT_S}s (last answer: {last!r})")
            time.sleep(0.1)

    def fail_startup(self, why: str) -> None:
        self.stop()
        pytest.fail(
            f"{self.name} ({self.binary} {' '.join(self.args)}) {why}.\n"
            f"--- its output ---\n{self.log_tail()}",
            pytrace=False,
        )

    def stop(self) -> Optional[int]:
        """SIGTERM, wait, SIGKILL as a last resort. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with self._lock:
                    self.lines.append(f"[conftest] no exit {SHUTDOWN_TIMEOUT_S}s after SIGTERM; sending SIGKILL")
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


_SERVERS: list[MockServer] = []


@pytest.fixture(scope="session")
def mock_server():
    """The shared ecs-mock process (``--timing fast``)."""
    server = MockServer(["--listen", "127.0.0.1:0", "--timing", "fast"])
    _SERVERS.append(server)
    try:
        server.base_url = server.wait_ready()
        yield server
    finally:
        code = server.stop()
        with server._lock:
            server.lines.append(f"[conftest] ecs-mock exited with code {code}")


@pytest.fixture(scope="session")
def base_url(mock_server) -> str:
    """``http://127.0.0.1:PORT`` of the shared server."""
    return mock_server.base_url


@pytest.fixture(scope="session")
def endpoint(base_url) -> str:
    """``127.0.0.1:PORT``: the endpoint form the SDKs take."""
    return base_url.split("://", 1)[1]


# README:pytest-account:begin
class EcsMockAccount:
    """A throwaway ecs-mock account: its own AccessKey, and instances no other account
    sees. ``fault()`` adds a fault rule that matches only this account's calls;
    ``cleanup()`` deletes the account (its instances and faults go with it) and puts
    back every zone ``patch_zone()`` changed, so tests need no global reset and can run
    in parallel against one server."""

    def __init__(self, base_url: str, **settings):
        self.base_url = base_url
        created = self._call("POST", "/_mock/accounts", settings)
        self.account_id = created["AccountId"]
        self.access_key_id = created["AccessKeyId"]
        self.access_key_secret = created["AccessKeySecret"]
        self._zones = {}  # zone id -> {"Stock": {...}, "SpotPrices": {...}} to put back

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{method} {path}: {e.code} {e.read().decode()}") from None

    def fault(self, **rule) -> str:
        """Add a fault for this account's calls, e.g. ``fault(Error={"Code": "Throttling"}, Times=1)``."""
        rule.setdefault("Match", {})["AccountId"] = self.account_id
        return self._call("POST", "/_mock/faults", rule)["FaultId"]

    def patch_instance(self, instance_id: str, **fields) -> dict:
        """Change any stored field of one of this account's instances (fixture names)."""
        return self._call("PATCH", f"/_mock/instances/{instance_id}", fields)

    def patch_zone(self, zone_id: str, **fields) -> dict:
        """Change a zone's ``Stock`` / ``SpotPrices`` per type; cleanup() puts them back."""
        saved = self._zones.setdefault(zone_id, {"Stock": {}, "SpotPrices": {}})
        new = [(k, t) for k in ("Stock", "SpotPrices") for t in fields.get(k, {}) if t not in saved[k]]
        if new:
            state = self._call("GET", "/_mock/state")
            zone = next(z for r in state["Regions"] for z in r["Zones"] if z["ZoneId"] == zone_id)
            for key, t in new:
                saved[key][t] = zone[key].get(t)
                if key == "Stock" and saved[key][t] is not None:
                    # Stock this account's instances hold comes back when it is deleted.
                    saved[key][t] += sum(
                        1 for i in state["Instances"]
                        if (i["AccountId"], i["ZoneId"], i["InstanceType"]) == (self.account_id, zone_id, t)
                        and i.get("StoppedMode") != "StopCharging"
                    )
        return self._call("PATCH", f"/_mock/zones/{zone_id}", fields)

    def requests(self, **filters) -> list:
        """This account's requests from the journal (``Action=…``, ``Limit=…``)."""
        query = urllib.parse.urlencode({"AccountId": self.account_id, **filters})
        return self._call("GET", f"/_mock/requests?{query}")["Requests"]

    def cleanup(self) -> None:
        self._call("DELETE", f"/_mock/accounts/{self.account_id}")
        for zone_id, original in self._zones.items():
            self._call("PATCH", f"/_mock/zones/{zone_id}", original)


@pytest.fixture
def ecs_account(base_url):
    """Each test its own account; what it touched is put back afterwards."""
    account = EcsMockAccount(base_url)
    yield account
    account.cleanup()
# README:pytest-account:end


@pytest.fixture(autouse=True)
def _reset_state(request, mock_server):
    """Back to the loaded fixtures before every test; remember where the log was."""
    status, body = http_json("POST", mock_server.base_url + "/_mock/reset")
    assert status == 200, f"POST /_mock/reset answered {status}: {body!r}"
    request.node._ecs_mock_log_mark = mock_server.log_mark()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _SERVERS:
        mark = getattr(item, "_ecs_mock_log_mark", None)
        if mark is not None:
            text = _SERVERS[0].log_since(mark)
            report.sections.append(("ecs-mock log during this test", text or "(nothing logged)"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _SERVERS:
        return
    if terminalreporter.stats.get("failed") or terminalreporter.stats.get("error"):
        for server in _SERVERS:
            terminalreporter.section(f"{server.name} output (last 200 lines)")
            terminalreporter.write_line(server.log_tail(200) or "(nothing logged)")
