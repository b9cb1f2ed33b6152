"""Smoke test of ecs-mock through the official Python SDK, as a test suite would use it.

docker-compose.yml runs it in its `example` service once `ecs-mock` is healthy:

    docker compose up --build --abort-on-container-exit --exit-code-from example

It resets the mock (POST /_mock/reset, as a test suite does before each test), starts
i-bp1stopped0000000001 (a demo instance of the built-in fixtures), waits until it is Running, lists the instances of cn-hangzhou with their status, and exits non-zero
on any failure. Needs `alibabacloud-ecs20140526` (with `alibabacloud-tea-openapi` 0.4).
ECS_MOCK_ENDPOINT is the mock's host:port (default ecs-mock:8080, the compose service;
127.0.0.1:8080 when ecs-mock runs on this machine).
"""

import os
import sys
import time
import urllib.request

from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config

ENDPOINT = os.environ.get("ECS_MOCK_ENDPOINT", "ecs-mock:8080")
INSTANCE = "i-bp1stopped0000000001"
REGION = "cn-hangzhou"


def main() -> int:
    # The control plane is plain HTTP, unsigned: back to the fixtures loaded at startup.
    urllib.request.urlopen(
        urllib.request.Request(f"http://{ENDPOINT}/_mock/reset", method="POST"), timeout=10)

    client = Client(Config(
        access_key_id="test",          # the built-in key of ecs-mock's default fixtures
        access_key_secret="test",
        region_id=REGION,
        endpoint=ENDPOINT,             # host:port, no scheme
        protocol="http",
        connect_timeout=5000,
        read_timeout=10000,
    ))

    started = client.start_instance(ecs.StartInstanceRequest(instance_id=INSTANCE))
    print(f"StartInstance {INSTANCE}: RequestId {started.body.request_id}")

    status = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reply = client.describe_instance_attribute(
            ecs.DescribeInstanceAttributeRequest(instance_id=INSTANCE))
        status = reply.body.status
        if status == "Running":
            break
        time.sleep(0.5)
    print(f"{INSTANCE} is {status}")

    listed = client.describe_instances(
        ecs.DescribeInstancesRequest(region_id=REGION, page_size=100)).body
    print(f"DescribeInstances {REGION}: {listed.total_count} instances")
    for inst in listed.instances.instance:
        print(f"  {inst.instance_id:<24} {inst.status}")

    if status != "Running":
        print(f"FAIL: {INSTANCE} did not reach Running (last status {status})", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
