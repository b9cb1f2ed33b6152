"""Instance attributes through the official Python SDKs: ModifyInstanceAttribute,
DescribeUserData, AllocatePublicIpAddress and ModifyInstanceSpec.

The current SDK (alibabacloud-ecs20140526) is driven with both of its signatures
(``tea-v3``: ACS3-HMAC-SHA256, ``tea-v2``: HMAC-SHA1); the legacy aliyun-python-sdk-ecs
request classes are used where the package has them. Every test works on fixture
instances of the default account; the state is reset before each test.
"""

from __future__ import annotations

import base64
import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi import exceptions as tea_exceptions
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.DescribeUserDataRequest import DescribeUserDataRequest
from aliyunsdkecs.request.v20140526.ModifyInstanceAttributeRequest import ModifyInstanceAttributeRequest
from aliyunsdkecs.request.v20140526.ModifyInstanceSpecRequest import ModifyInstanceSpecRequest

from conftest import http_json
from test_python_sdks import legacy_client, tea_client

REGION = "cn-hangzhou"
STOPPED = "i-bp1stopped0000000001"  # ecs.g7.large, cn-hangzhou-h, KeepCharging
RUNNING = "i-bp1running0000000001"  # has a public IP
PREPAID = "i-bp1prepaidexp0000001"
PASSWORD = "Sup3r$ecretPw"
USER_DATA = base64.b64encode(b"#!/bin/sh\necho hello\n").decode()


@pytest.fixture(params=["tea-v3", "tea-v2"])
def client(request, endpoint):
    return tea_client(endpoint, signature_algorithm="v2" if request.param == "tea-v2" else None)


def refused(call, req, status: int, code: str) -> str:
    """Call and expect an ECS error; returns its message."""
    with pytest.raises(tea_exceptions.AlibabaCloudException) as info:
        call(req)
    assert (info.value.status_code, info.value.code) == (status, code), info.value
    return info.value.data.get("Message") if isinstance(info.value.data, dict) else ""


def describe(client, instance_id: str):
    req = ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([instance_id]))
    body = client.describe_instances(req).body
    assert body.total_count == 1
    return body.instances.instance[0]


def stock(base_url: str, zone: str, itype: str) -> int:
    status, state = http_json("GET", base_url + "/_mock/state")
    assert status == 200
    for region in state["Regions"]:
        for z in region["Zones"]:
            if z["ZoneId"] == zone:
                return z["Stock"][itype]
    raise AssertionError(zone)


def test_modify_instance_attribute(client, base_url):
    req = ecs_models.ModifyInstanceAttributeRequest(
        instance_id=STOPPED,
        instance_name="web-renamed",
        description="the web tier",
        host_name="web-01",
        password=PASSWORD,
    )
    resp = client.modify_instance_attribute(req)
    assert resp.status_code == 200 and resp.body.request_id
    inst = describe(client, STOPPED)
    assert (inst.instance_name, inst.description, inst.host_name) == ("web-renamed", "the web tier", "web-01")
    attr = client.describe_instance_attribute(
        ecs_models.DescribeInstanceAttributeRequest(instance_id=STOPPED)
    ).body
    assert attr.host_name == "web-01"
    status, state = http_json("GET", base_url + "/_mock/state")
    assert status == 200 and PASSWORD not in json.dumps(state)

    call = client.modify_instance_attribute
    refused(call, ecs_models.ModifyInstanceAttributeRequest(instance_id=STOPPED, instance_name="1x"),
            400, "InvalidInstanceName.Malformed")
    refused(call, ecs_models.ModifyInstanceAttributeRequest(instance_id=STOPPED, host_name="bad_host"),
            400, "InvalidHostName.Malformed")
    refused(call, ecs_models.ModifyInstanceAttributeRequest(instance_id=STOPPED, password="weakpassword"),
            400, "InvalidPassword.Malformed")
    refused(call, ecs_models.ModifyInstanceAttributeRequest(instance_id=STOPPED, description="x"),
            400, "InvalidDescription.Malformed")
    refused(call, ecs_models.ModifyInstanceAttributeRequest(instance_id="i-bp1doesnotexist00001", instance_name="web"),
            404, "InvalidInstanceId.NotFound")


def test_deletion_protection(client):
    client.modify_instance_attribute(
        ecs_models.ModifyInstanceAttributeRequest(instance_id=STOPPED, deletion_protection=True))
    assert describe(client, STOPPED).deletion_protection is True
    message = refused(client.delete_instance, ecs_models.DeleteInstanceRequest(instance_id=STOPPED, force=True),
                      403, "InvalidOperation.DeletionProtection")
    assert message == "The operation is not allowed due to deletion protection."
    refused(client.modify_instance_attribute,
            ecs_models.ModifyInstanceAttributeRequest(instance_id=PREPAID, deletion_protection=True),
            403, "InvalidChargeType.ValueNotSupported")
    client.modify_instance_attribute(
        ecs_models.ModifyInstanceAttributeRequest(instance_id=STOPPED, deletion_protection=False))
    client.delete_instance(ecs_models.DeleteInstanceRequest(instance_id=STOPPED))
    body = client.describe_instances(ecs_models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps([STOPPED]))).body
    assert body.total_count == 0


def test_user_data(client):
    empty = client.describe_user_data(
        ecs_models.DescribeUserDataRequest(region_id=REGION, instance_id=STOPPED)).body
    assert (empty.user_data, empty.instance_id, empty.region_id) == ("", STOPPED, REGION)
    client.modify_instance_attribute(
        ecs_models.ModifyInstanceAttributeRequest(instance_id=STOPPED, user_data=USER_DATA))
    body = client.describe_user_data(
        ecs_models.DescribeUserDataRequest(region_id=REGION, instance_id=STOPPED)).body
    assert base64.b64decode(body.user_data) == b"#!/bin/sh\necho hello\n"
    assert "UserData" not in json.dumps(describe(client, STOPPED).to_map())
    call = client.modify_instance_attribute
    refused(call, ecs_models.ModifyInstanceAttributeRequest(instance_id=STOPPED, user_data="not base64!"),
            403, "InvalidUserData.Base64FormatInvalid")
    refused(call, ecs_models.ModifyInstanceAttributeRequest(instance_id=RUNNING, user_data=USER_DATA),
            400, "InvalidStatus.StoppedRequired")
    refused(client.describe_user_data,
            ecs_models.DescribeUserDataRequest(region_id=REGION, instance_id="i-bp1doesnotexist00001"),
            404, "InvalidInstanceId.NotFound")


def test_allocate_public_ip_address(client):
    call = client.allocate_public_ip_address
    refused(call, ecs_models.AllocatePublicIpAddressRequest(instance_id=STOPPED),
            400, "AllocateIpInvalidInstanceBandwidth")
    client.modify_instance_spec(
        ecs_models.ModifyInstanceSpecRequest(instance_id=STOPPED, internet_max_bandwidth_out=10))
    ip = call(ecs_models.AllocatePublicIpAddressRequest(instance_id=STOPPED)).body.ip_address
    assert ip.startswith(("47.96.", "47.97."))
    inst = describe(client, STOPPED)
    assert inst.public_ip_address.ip_address == [ip]
    assert inst.internet_max_bandwidth_out == 10
    refused(call, ecs_models.AllocatePublicIpAddressRequest(instance_id=STOPPED), 403, "AllocatedAlready")
    refused(call, ecs_models.AllocatePublicIpAddressRequest(instance_id=RUNNING), 403, "AllocatedAlready")


def test_modify_instance_spec(client, base_url):
    zone = "cn-hangzhou-h"
    large, xlarge = stock(base_url, zone, "ecs.g7.large"), stock(base_url, zone, "ecs.g7.xlarge")
    status, _ = http_json("PATCH", base_url + f"/_mock/zones/{zone}",
                          json.dumps({"Stock": {"ecs.g7.xlarge": 0}}).encode())
    assert status == 200
    call = client.modify_instance_spec
    refused(call, ecs_models.ModifyInstanceSpecRequest(instance_id=STOPPED, instance_type="ecs.g7.xlarge"),
            403, "OperationDenied.NoStock")
    http_json("PATCH", base_url + f"/_mock/zones/{zone}",
              json.dumps({"Stock": {"ecs.g7.xlarge": xlarge}}).encode())
    call(ecs_models.ModifyInstanceSpecRequest(instance_id=STOPPED, instance_type="ecs.g7.xlarge"))
    inst = describe(client, STOPPED)
    assert (inst.instance_type, inst.cpu, inst.memory) == ("ecs.g7.xlarge", 4, 16384)
    assert stock(base_url, zone, "ecs.g7.xlarge") == xlarge - 1
    assert stock(base_url, zone, "ecs.g7.large") == large + 1
    refused(call, ecs_models.ModifyInstanceSpecRequest(instance_id=STOPPED, instance_type="ecs.nope"),
            400, "InvalidInstanceType.ValueNotSupported")
    refused(call, ecs_models.ModifyInstanceSpecRequest(instance_id=STOPPED, instance_type="ecs.g7.xlarge"),
            400, "DependencyViolation.InstanceType")
    refused(call, ecs_models.ModifyInstanceSpecRequest(instance_id=RUNNING, instance_type="ecs.g7.xlarge"),
            400, "InvalidInstanceStatus.NotStopped")
    refused(call, ecs_models.ModifyInstanceSpecRequest(instance_id=PREPAID, internet_max_bandwidth_out=5),
            403, "ChargeTypeViolation")


def test_legacy_sdk(endpoint):
    client = legacy_client(endpoint)
    req = ModifyInstanceAttributeRequest()
    req.set_InstanceId(STOPPED)
    req.set_HostName("legacy-host")
    req.set_UserData(USER_DATA)
    req.set_Password(PASSWORD)
    json.loads(client.do_action_with_exception(req))
    req = DescribeUserDataRequest()
    req.set_InstanceId(STOPPED)
    body = json.loads(client.do_action_with_exception(req))
    assert body["UserData"] == USER_DATA and body["InstanceId"] == STOPPED
    req = ModifyInstanceSpecRequest()
    req.set_InstanceId(STOPPED)
    req.set_InstanceType("ecs.g7.large")
    with pytest.raises(ServerException) as info:
        client.do_action_with_exception(req)
    assert (info.value.get_http_status(), info.value.get_error_code()) == (400, "DependencyViolation.InstanceType")
