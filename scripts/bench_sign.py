#!/usr/bin/env python3
"""Pre-signed V1 requests for scripts/bench.

V1 (HMAC-SHA1) signing exactly as the official SDKs do it: every parameter but
`Signature`, sorted by key, each `pe(k)=pe(v)` (RFC 3986: only `A-Z a-z 0-9 - _ . ~`
pass), joined by `&`; string to sign `GET&%2F&pe(canonical)`; signature
`base64(HMAC-SHA1(secret + "&", string_to_sign))`, sent percent-encoded as the last
query parameter. The query carries the parameters in the order aliyun-python-sdk-core
sends them (request parameters, then the common ones, `SignatureType=` empty).

    bench_sign.py self-test
        checks `sign` against every V1 vector in tests/vectors
    bench_sign.py paths MIX COUNT THREADS PREFIX [HOST]
        writes PREFIX.0 .. PREFIX.<THREADS-1>: COUNT requests in all, each a complete
        `GET /?... HTTP/1.1` request with a fresh SignatureNonce, ready for wrk to send
    bench_sign.py url MIX N
        prints one signed path: request N of MIX (for curl and the recorder)

MIX is `describe` (DescribeInstances and DescribeInstanceStatus, PageSize=10,
PageNumber 1..5) or `startstop` (StartInstance and StopInstance over the benchmark
fixture's instances).
"""
import base64
import datetime
import glob
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
from urllib.parse import quote

KEY_ID = "test"
SECRET = "test"
HOST = "ecs.aliyuncs.com"
FIXTURE_INSTANCES = 50

_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")


def pe(s):
    """RFC 3986 percent-encoding of the UTF-8 bytes, upper-case hex."""
    if _SAFE.fullmatch(s):
        return s
    return quote(s.encode("utf-8"), safe="-_.~")


def canonicalized(params):
    """Sorted `pe(k)=pe(v)` joined by `&` (ties by value, byte order)."""
    pairs = sorted((k.encode(), v.encode(), k, v) for k, v in params)
    return "&".join(f"{pe(k)}={pe(v)}" for _, _, k, v in pairs)


def string_to_sign(method, params):
    return f"{method.upper()}&%2F&{pe(canonicalized(params))}"


def sign(secret, sts):
    mac = hmac.digest(f"{secret}&".encode(), sts.encode("utf-8"), "sha1")
    return base64.b64encode(mac).decode()


def timestamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def common(nonce, ts):
    """The common parameters, in the order aliyun-python-sdk-core sends them."""
    return [
        ("Version", "2014-05-26"),
        ("Format", "JSON"),
        ("Timestamp", ts),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureType", ""),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("AccessKeyId", KEY_ID),
    ]


def instance_id(i):
    """The i-th instance of scripts/big_fixture.py."""
    return f"i-bp1bench{i:012d}"


def shapes(mix):
    """The distinct requests of a mix, in the order they repeat: (action, params)."""
    if mix == "describe":
        out = []
        for page in range(1, 6):
            for action in ("DescribeInstances", "DescribeInstanceStatus"):
                out.append((action, [("Action", action), ("RegionId", "cn-hangzhou"),
                                     ("PageSize", "10"), ("PageNumber", str(page))]))
        return out
    if mix == "startstop":
        out = []
        for i in range(FIXTURE_INSTANCES):
            for action in ("StartInstance", "StopInstance"):
                out.append((action, [("Action", action), ("RegionId", "cn-hangzhou"),
                                     ("InstanceId", instance_id(i))]))
        return out
    raise SystemExit(f"unknown mix {mix!r} (describe, startstop)")


def signed_query(params, secret=SECRET):
    """The wire query of `params` (in order) with its signature appended."""
    sig = sign(secret, string_to_sign("GET", params))
    query = "&".join(f"{pe(k)}={pe(v)}" for k, v in params)
    return f"{query}&Signature={pe(sig)}"


class Template:
    """One request shape with everything fixed but the nonce, pre-split so that signing a
    request is one HMAC: the canonical string is `pe`'d piecewise (percent-encoding works
    byte by byte, so encoding the parts encodes the whole)."""

    MARK = "\x00NONCE\x00"

    def __init__(self, params, ts):
        self.params = params
        full = params + common(self.MARK, ts)
        canon = canonicalized(full).replace(pe(self.MARK), self.MARK)
        before, after = canon.split(self.MARK)
        self.sts = (f"GET&%2F&{pe(before)}", pe(after))
        query = "&".join(f"{pe(k)}={pe(v)}" for k, v in full).replace(pe(self.MARK), self.MARK)
        self.query = tuple(query.split(self.MARK))
        self.key = f"{SECRET}&".encode()

    def path(self, nonce):
        """`/?query&Signature=...` for a nonce made of unreserved characters."""
        sts = f"{self.sts[0]}{nonce}{self.sts[1]}".encode("utf-8")
        sig = base64.b64encode(hmac.digest(self.key, sts, "sha1")).decode()
        sig = sig.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
        return f"/?{self.query[0]}{nonce}{self.query[1]}&Signature={sig}"


def nonces():
    """Fresh 32-hex-digit nonces (as the SDKs send): a random prefix, then a counter."""
    prefix = secrets.token_hex(8)
    n = 0
    while True:
        yield f"{prefix}{n:016x}"
        n += 1


def write_paths(mix, count, threads, prefix, host=HOST):
    ts = timestamp()
    templates = [Template(p, ts) for _, p in shapes(mix)]
    gen = nonces()
    # Each template checked once against the plain signer.
    for t in templates:
        nonce = next(gen)
        expect = "/?" + signed_query(t.params + common(nonce, ts))
        assert t.path(nonce) == expect, (t.path(nonce), expect)
    tail = f" HTTP/1.1\r\nHost: {host}\r\n\r\n"
    per_thread = -(-count // threads)
    for th in range(threads):
        with open(f"{prefix}.{th}", "w", encoding="ascii", buffering=1 << 20) as f:
            chunk = []
            for k in range(per_thread):
                chunk.append(f"GET {templates[k % len(templates)].path(next(gen))}{tail}")
                if len(chunk) == 4096:
                    f.write("".join(chunk))
                    chunk.clear()
            f.write("".join(chunk))


def self_test():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors")
    checked = 0
    for path in sorted(glob.glob(os.path.join(root, "v1_*.json"))):
        with open(path, encoding="utf-8") as f:
            v = json.load(f)
        req = v["request"]
        from urllib.parse import parse_qsl
        params = parse_qsl(req["raw_query"], keep_blank_values=True)
        ctype = next((val for name, val in req["headers"] if name.lower() == "content-type"), "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            params += parse_qsl(req["body"], keep_blank_values=True)
        params = [(k, val) for k, val in params if k != "Signature"]
        exp = v["expected"]
        assert canonicalized(params) == exp["canonicalized_query"], path
        sts = string_to_sign(req["method"], params)
        assert sts == exp["string_to_sign"], path
        assert sign(v["secret"], sts) == exp["signature_calc"], path
        checked += 1
    if checked == 0:
        raise SystemExit("no V1 vectors found")
    print(f"bench_sign: {checked} V1 vectors agree")


def main(argv):
    if len(argv) >= 1 and argv[0] == "self-test":
        return self_test()
    if len(argv) >= 5 and argv[0] == "paths":
        return write_paths(argv[1], int(argv[2]), int(argv[3]), argv[4], *argv[5:6])
    if len(argv) >= 3 and argv[0] == "url":
        action_params = shapes(argv[1])
        _, params = action_params[int(argv[2]) % len(action_params)]
        print("/?" + signed_query(params + common(next(nonces()), timestamp())))
        return None
    raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
