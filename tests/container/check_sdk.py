"""Signed SDK calls to the ecs-mock container through its published port, against the
fixture folder mounted at /fixtures (tests/container/fixtures): its own account, key and
instances, none of which the built-in fixtures have, so every answer below proves the
mount was loaded.

    python tests/container/check_sdk.py 127.0.0.1:PORT

Uses the official SDKs from tests/sdk/.venv (V3 ACS3-HMAC-SHA256 and V1 HMAC-SHA1 through
alibabacloud-ecs20140526, V1 through aliyun-python-sdk-core). Prints one line per check
and exits 1 if any failed.
"""

import json
import sys
import time
import urllib.request

from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstanceAttributeRequest import (
    DescribeInstanceAttributeRequest,
)

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8080"
REGION = "cn-hangzhou"
KEY, SECRET = "container", "container-secret"  # tests/container/fixtures/10-world.json
STOPPED = "i-ctr0mounted00000stop"
RUNNING = "i-ctr0mounted000000run"
DEFAULT_DEMO = "i-bp1stopped0000000001"  # built-in fixtures only

failures = []


def check(name, fn):
    try:
        detail = fn()
        print(f"ok    {name}" + (f": {detail}" if detail else ""))
    except Exception as e:  # noqa: BLE001 - any failure is reported, then the next check
        failures.append(name)
        print(f"FAIL  {name}: {type(e).__name__}: {e}")


def tea(signature_algorithm=None, key=KEY, secret=SECRET):
    config = Config(access_key_id=key, access_key_secret=secret, region_id=REGION,
                    endpoint=ENDPOINT, protocol="http", connect_timeout=5000, read_timeout=10000)
    if signature_algorithm:
        config.signature_algorithm = signature_algorithm
    return Client(config)


def expect_refusal(call, code, status):
    try:
        call()
    except Exception as e:  # TeaException / ClientException
        got = (getattr(e, "code", None), getattr(e, "status_code", None)
               or (getattr(e, "data", None) or {}).get("statusCode"))
        assert got == (code, status), f"expected {code} {status}, got {got}"
        return f"{code} {status}"
    raise AssertionError(f"expected {code} {status}, got success")


def health():
    with urllib.request.urlopen(f"http://{ENDPOINT}/_mock/health", timeout=5) as r:
        body = json.load(r)
    assert body["Status"] == "ok" and body["Instances"] == 2, body
    return f"Instances {body['Instances']}"


def describe_lists_the_mounted_instances():
    body = tea().describe_instances(
        ecs.DescribeInstancesRequest(region_id=REGION, page_size=100)).body
    ids = sorted(i.instance_id for i in body.instances.instance)
    assert ids == sorted([STOPPED, RUNNING]), ids
    return ", ".join(f"{i.instance_id} {i.status}" for i in body.instances.instance)


def start_the_stopped_one_v3():
    tea().start_instance(ecs.StartInstanceRequest(instance_id=STOPPED))
    deadline = time.monotonic() + 15
    status = None
    while time.monotonic() < deadline:
        status = tea().describe_instance_attribute(
            ecs.DescribeInstanceAttributeRequest(instance_id=STOPPED)).body.status
        if status == "Running":
            return "Starting -> Running"
        time.sleep(0.3)
    raise AssertionError(f"still {status}")


def start_the_running_one_v1():
    return expect_refusal(
        lambda: tea("v2").start_instance(ecs.StartInstanceRequest(instance_id=RUNNING)),
        "IncorrectInstanceStatus", 403)


def legacy_sdk_reads_an_attribute():
    client = AcsClient(KEY, SECRET, REGION, timeout=10, connect_timeout=5)
    client.add_endpoint(REGION, "Ecs", ENDPOINT)
    req = DescribeInstanceAttributeRequest()
    req.set_InstanceId(RUNNING)
    req.set_accept_format("json")
    body = json.loads(client.do_action_with_exception(req))
    assert body["InstanceName"] == "from-the-mounted-folder", body
    return f"InstanceName {body['InstanceName']}"


def the_default_demo_instance_is_absent():
    return expect_refusal(
        lambda: tea().start_instance(ecs.StartInstanceRequest(instance_id=DEFAULT_DEMO)),
        "InvalidInstanceId.NotFound", 404)


def the_default_key_is_unknown():
    return expect_refusal(
        lambda: tea(key="test", secret="test").describe_instances(
            ecs.DescribeInstancesRequest(region_id=REGION)),
        "InvalidAccessKeyId.NotFound", 404)


def a_wrong_secret_is_refused():
    return expect_refusal(
        lambda: tea(secret="wrong").describe_instances(
            ecs.DescribeInstancesRequest(region_id=REGION)),
        "SignatureDoesNotMatch", 400)


check("GET /_mock/health counts the 2 mounted instances", health)
check("DescribeInstances (V3) lists exactly the mounted instances",
      describe_lists_the_mounted_instances)
check("StartInstance (V3) on the mounted Stopped instance", start_the_stopped_one_v3)
check("StartInstance (V1) on the mounted Running instance", start_the_running_one_v1)
check("DescribeInstanceAttribute (legacy SDK, V1)", legacy_sdk_reads_an_attribute)
check("the built-in demo instance is not there", the_default_demo_instance_is_absent)
check("the built-in key test/test is not there", the_default_key_is_unknown)
check("a wrong secret is refused", a_wrong_secret_is_refused)

if failures:
    print(f"{len(failures)} SDK check(s) failed: {', '.join(failures)}")
    sys.exit(1)
