#!/usr/bin/env python3
"""Record what a running ecs-mock answers for each action of a benchmark mix, for the
floor (examples/floor.rs) to answer the same bytes.

    bench_record.py MIX PORT OUT

MIX is `describe` or `startstop` (see bench_sign.py). The StartInstance/StopInstance
mix is recorded in its steady state: one Stop and one Start on every instance first, so
that each is Starting or Stopping, as under load, where nearly every call is refused
with 403 IncorrectInstanceStatus and an instance only now and then finishes its
transition and accepts one (200).

Writes OUT (JSON: Action -> status, content_type, request_id, body, as floor.rs reads
it) and two lists for scripts/bench.lua's verify mode, `Action status code length
slack` per line: OUT.floor (the floor must answer the recorded bytes exactly) and
OUT.mock (ecs-mock: same status and code; the length may differ by a page's NextToken
or the status name in an IncorrectInstanceStatus message; `+200` allows the occasional
accepted transition).
Fails unless the Describe mix answers 200 and the Start/Stop mix 403
IncorrectInstanceStatus.
"""
import http.client
import json
import re
import sys
import time

import bench_sign

def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": bench_sign.HOST})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, resp.getheader("content-type"), resp.getheader("x-acs-request-id"), body


def signed(action_params):
    _, params = action_params
    nonce = next(bench_sign.nonces())
    return "/?" + bench_sign.signed_query(params + bench_sign.common(nonce, bench_sign.timestamp()))


def main(mix, port, out):
    port = int(port)
    shapes = bench_sign.shapes(mix)
    if mix == "startstop":
        for shape in shapes:  # Stop then Start on each instance: all in transition
            get(port, signed(shape))
        want_status, want_code, slack = 403, "IncorrectInstanceStatus", 1
    else:
        # Pages differ only in NextToken, the next instance's sequence number in hex.
        want_status, want_code, slack = 200, "-", 2
    recordings = {}
    for shape in shapes:
        action = shape[0]
        if action in recordings:
            continue
        status, ctype, request_id, body = get(port, signed(shape))
        text = body.decode("utf-8")
        m = re.search(r'"Code":"([^"]*)"', text)
        code = m.group(1) if m else "-"
        if (status, code) != (want_status, want_code):
            sys.exit(f"bench_record: {action} answered {status} {code}, expected "
                     f"{want_status} {want_code}: {text[:300]}")
        recordings[action] = {"status": status, "content_type": ctype,
                              "request_id": request_id, "body": text}
        print(f"recorded {action}: {status} {code}, {len(body)} bytes")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(recordings, f, ensure_ascii=False)
    for suffix, s, extra in (("floor", 0, []), ("mock", slack, ["+200 200 - 0 0"] if mix == "startstop" else [])):
        with open(f"{out}.{suffix}", "w", encoding="utf-8") as f:
            for action, r in recordings.items():
                m = re.search(r'"Code":"([^"]*)"', r["body"])
                f.write(f"{action} {r['status']} {m.group(1) if m else '-'} "
                        f"{len(r['body'].encode())} {s}\n")
            for line in extra:
                f.write(line + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
