#!/usr/bin/env python3
"""One measurement of scripts/bench-scale: load time, memory and latency of ecs-mock.

    bench_scale.py BIN PORT N REPS [FIXTURE]

Starts `BIN --listen 127.0.0.1:PORT --auth strict --log warn [--fixtures FIXTURE]` (no
FIXTURE: the built-in default fixtures) and, from the exec, asks `GET /_mock/health`
every 10 ms until it answers 200 (ecs-mock binds its port only once the fixtures are
loaded); checks that health counts N instances. Load time is exec to that first answer.
One second later it reads VmRSS and VmHWM (peak) from /proc/PID/status.

With a FIXTURE (one of scripts/big_fixture.py, i.e. examples/scale_fixture.rs, of N
instances) and REPS above 0, it then times signed V1 requests (scripts/bench_sign.py, key test/test,
account 1000000000000001, a fresh SignatureNonce each, all signed before the timing),
REPS of each, sequentially over one keep-alive connection, each from sending the request
to having read the whole answer (so Python's client side is included, the same at
every N):
  describe    DescribeInstances, cn-hangzhou, PageSize 10, PageNumber 1 (200; the first
              answer must show TotalCount N)
  attribute   DescribeInstanceAttribute of the fixture's last instance (200)
  start       StartInstance of REPS distinct Stopped instances (odd indices) spread over
              the fixture: each answered 200, each a transition Stopped -> Starting
  start403    StartInstance of REPS distinct Running instances (even indices) spread over
              the fixture: each refused 403 IncorrectInstanceStatus
after 100 unrecorded requests to warm up (DescribeInstances, DescribeInstanceAttribute). Prints one line:
`BENCH n=N load_s=.. rss_kib=.. hwm_kib=.. [describe_med_us=.. describe_p99_us=.. ...]`.
The server is stopped before exiting.
"""
import http.client
import json
import math
import statistics
import subprocess
import sys
import time

import bench_sign

REGION = "cn-hangzhou"


def fail(msg):
    raise SystemExit(f"bench_scale: FAILED: {msg}")


def wait_health(proc, port, n):
    """Until health answers 200 (asked every 10 ms); checks its instance count."""
    while True:
        if proc.poll() is not None:
            fail(f"ecs-mock exited with {proc.returncode} while loading")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/_mock/health")
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.01)
            continue
        if resp.status != 200:
            fail(f"health answered {resp.status}: {body[:300]!r}")
        count = json.loads(body)["Instances"]
        if n is not None and count != n:
            fail(f"health counts {count} instances, the fixture has {n}")
        return


def proc_status(pid):
    """VmRSS and VmHWM of PID in KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out["VmRSS"], out["VmHWM"]


def signed(params, gen, ts):
    return "/?" + bench_sign.signed_query(params + bench_sign.common(next(gen), ts))


def spread(n, reps, odd):
    """`reps` distinct instance indices of one parity spread evenly over 0..n."""
    if n < 2 * reps:
        fail(f"N={n} is too small for {reps} distinct instances of each status")
    return [(k * n // reps) | 1 if odd else (k * n // reps) & ~1 for k in range(reps)]


def timed(conn, paths, expect_status, expect_code=None):
    """Microseconds of each request, sent in order over `conn`; checks every answer."""
    out = []
    for path in paths:
        t0 = time.perf_counter_ns()
        conn.request("GET", path, headers={"Host": bench_sign.HOST})
        resp = conn.getresponse()
        body = resp.read()
        out.append((time.perf_counter_ns() - t0) / 1000)
        if resp.status != expect_status:
            fail(f"{path[:80]}... answered {resp.status}, not {expect_status}: {body[:300]!r}")
        if expect_code is not None and json.loads(body).get("Code") != expect_code:
            fail(f"{path[:80]}... answered {body[:300]!r}, not Code {expect_code}")
    return out


def p99(xs):
    return sorted(xs)[math.ceil(0.99 * len(xs)) - 1]


def latencies(port, n, reps):
    gen, ts = bench_sign.nonces(), bench_sign.timestamp()
    describe = [("Action", "DescribeInstances"), ("RegionId", REGION),
                ("PageSize", "10"), ("PageNumber", "1")]

    def start(i):
        return [("Action", "StartInstance"), ("RegionId", REGION),
                ("InstanceId", bench_sign.instance_id(i))]

    attribute = [("Action", "DescribeInstanceAttribute"), ("RegionId", REGION),
                 ("InstanceId", bench_sign.instance_id(n - 1))]
    plans = {
        "describe": ([signed(describe, gen, ts) for _ in range(reps)], 200, None),
        "attribute": ([signed(attribute, gen, ts) for _ in range(reps)], 200, None),
        "start": ([signed(start(i), gen, ts) for i in spread(n, reps, True)], 200, None),
        "start403": ([signed(start(i), gen, ts) for i in spread(n, reps, False)], 403,
                     "IncorrectInstanceStatus"),
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", signed(describe, gen, ts), headers={"Host": bench_sign.HOST})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    if resp.status != 200 or body.get("TotalCount") != n:
        fail(f"DescribeInstances answered {resp.status}, TotalCount {body.get('TotalCount')}"
             f" (want 200, {n}): {str(body)[:300]}")
    timed(conn, [signed(p, gen, ts) for _ in range(50) for p in (describe, attribute)], 200)
    out = {}
    for name, (paths, status, code) in plans.items():
        us = timed(conn, paths, status, code)
        out[f"{name}_med_us"] = f"{statistics.median(us):.0f}"
        out[f"{name}_p99_us"] = f"{p99(us):.0f}"
    conn.close()
    return out


def main(binary, port, n, reps, fixture=None):
    port, n, reps = int(port), int(n), int(reps)
    cmd = [binary, "--listen", f"127.0.0.1:{port}", "--auth", "strict", "--log", "warn"]
    if fixture:
        cmd += ["--fixtures", fixture]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=sys.stderr)  # stdout is for the BENCH line
    try:
        wait_health(proc, port, n if fixture else None)
        load = time.perf_counter() - t0
        time.sleep(1)
        rss, hwm = proc_status(proc.pid)
        fields = {"n": n if fixture else 0, "load_s": f"{load:.3f}", "rss_kib": rss,
                  "hwm_kib": hwm}
        if fixture and reps > 0:
            fields.update(latencies(port, n, reps))
        if proc.poll() is not None:
            fail(f"ecs-mock exited with {proc.returncode} during the run")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print("BENCH " + " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    main(*sys.argv[1:])
