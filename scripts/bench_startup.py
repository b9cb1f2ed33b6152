#!/usr/bin/env python3
"""Startup to the first signed answer, and idle resident memory, of ecs-mock.

    bench_startup.py BIN PORT RUNS [ecs-mock options...]

Starts BIN RUNS times and, from the exec, sends a signed DescribeInstanceStatus (a fresh
nonce on every try) until one is answered 200. Prints
`BENCH startup_ms=<median> startup_max_ms=<max> rss_mib=<idle RSS one second after the
first answer, median>`.
"""
import http.client
import statistics
import subprocess
import sys
import time

import bench_sign


def first_answer(port):
    shape = bench_sign.shapes("describe")[1]
    while True:
        path = "/?" + bench_sign.signed_query(
            shape[1] + bench_sign.common(next(bench_sign.nonces()), bench_sign.timestamp()))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Host": bench_sign.HOST})
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
        except ConnectionRefusedError:
            time.sleep(0.0005)
            continue
        if resp.status != 200:
            raise SystemExit(f"bench_startup: answered {resp.status}: {body[:300]!r}")
        return


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise SystemExit("bench_startup: no VmRSS")


def main(binary, port, runs, *options):
    port, runs = int(port), int(runs)
    times, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", *options])
        try:
            first_answer(port)
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(1)
            rss.append(rss_mib(proc.pid))
        finally:
            proc.terminate()
            proc.wait()
    print(f"BENCH startup_ms={statistics.median(times):.1f} startup_max_ms={max(times):.1f} "
          f"rss_mib={statistics.median(rss):.1f}")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
