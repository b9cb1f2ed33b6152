"""Security groups through the official Python SDK (alibabacloud-ecs20140526, V3
signatures): create a group, authorize a rule, read it back, run an instance into a
vSwitch with the group, see the group refuse deletion while the instance uses it, and
delete it once the instance is gone (retrying DependencyViolation as Terraform does).
"""

from __future__ import annotations

import time

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi import exceptions as tea_exceptions

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-h"
VPC = "vpc-bp1demo0000000000001"
VSWITCH = "vsw-bp1demo000000000001h"
IMAGE = "aliyun_3_x64_20G_alibase_20250101.vhd"


def client(endpoint: str):
    from alibabacloud_tea_openapi.utils_models import Config
    from alibabacloud_ecs20140526.client import Client

    return Client(Config(access_key_id="test", access_key_secret="test", region_id=REGION,
                         endpoint=endpoint, protocol="http", read_timeout=15000,
                         connect_timeout=5000))


def wait_for(fn, timeout_s: float = 20.0, step_s: float = 0.2):
    deadline = time.monotonic() + timeout_s
    while True:
        result = fn()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(step_s)


def test_group_rule_instance_and_teardown(endpoint):
    ecs = client(endpoint)

    created = ecs.create_security_group(ecs_models.CreateSecurityGroupRequest(
        region_id=REGION, vpc_id=VPC, security_group_name="sdk-web", description="from the SDK",
        tag=[ecs_models.CreateSecurityGroupRequestTag(key="suite", value="sdk")],
    )).body
    group_id = created.security_group_id
    assert group_id.startswith("sg-bp"), group_id

    ecs.authorize_security_group(ecs_models.AuthorizeSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id,
        permissions=[ecs_models.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol="tcp", port_range="22/22", source_cidr_ip="0.0.0.0/0",
            policy="accept", priority="1", nic_type="intranet", description="ssh")],
    ))
    # The same rule again is accepted and not added twice.
    ecs.authorize_security_group(ecs_models.AuthorizeSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id,
        permissions=[ecs_models.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol="TCP", port_range="22/22", source_cidr_ip="0.0.0.0/0")],
    ))

    attr = ecs.describe_security_group_attribute(ecs_models.DescribeSecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=group_id, direction="ingress")).body
    assert attr.security_group_name == "sdk-web"
    assert attr.vpc_id == VPC
    assert attr.inner_access_policy == "Accept"
    rules = attr.permissions.permission
    assert len(rules) == 1
    rule = rules[0]
    assert (rule.ip_protocol, rule.port_range, rule.source_cidr_ip) == ("TCP", "22/22", "0.0.0.0/0")
    assert (rule.policy, rule.nic_type, rule.direction) == ("Accept", "intranet", "ingress")
    assert str(rule.priority) == "1"
    assert rule.security_group_rule_id.startswith("sgr-")

    listed = ecs.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
        region_id=REGION, security_group_id=group_id)).body
    assert listed.total_count == 1
    group = listed.security_groups.security_group[0]
    assert (group.security_group_id, group.ecs_count, group.rule_count) == (group_id, 0, 1)
    assert [(t.tag_key, t.tag_value) for t in group.tags.tag] == [("suite", "sdk")]

    run = ecs.run_instances(ecs_models.RunInstancesRequest(
        region_id=REGION, image_id=IMAGE, instance_type="ecs.g7.large", zone_id=ZONE,
        v_switch_id=VSWITCH, security_group_ids=[group_id], amount=1)).body
    instance_id = run.instance_id_sets.instance_id_set[0]
    inst = ecs.describe_instance_attribute(ecs_models.DescribeInstanceAttributeRequest(
        instance_id=instance_id)).body
    assert inst.security_group_ids.security_group_id == [group_id]
    assert inst.vpc_attributes.v_switch_id == VSWITCH
    assert inst.vpc_attributes.vpc_id == VPC
    address = inst.vpc_attributes.private_ip_address.ip_address[0]
    assert address.startswith("172.16.1."), address

    counted = ecs.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
        region_id=REGION, security_group_id=group_id)).body
    assert counted.security_groups.security_group[0].ecs_count == 1

    with pytest.raises(tea_exceptions.AlibabaCloudException) as refused:
        ecs.delete_security_group(ecs_models.DeleteSecurityGroupRequest(
            region_id=REGION, security_group_id=group_id))
    assert refused.value.code == "DependencyViolation"
    assert refused.value.status_code == 403

    running = wait_for(lambda: ecs.describe_instance_attribute(
        ecs_models.DescribeInstanceAttributeRequest(instance_id=instance_id)).body.status == "Running")
    assert running, "the instance never reached Running"
    ecs.delete_instance(ecs_models.DeleteInstanceRequest(instance_id=instance_id, force=True))

    def try_delete() -> bool:
        try:
            ecs.delete_security_group(ecs_models.DeleteSecurityGroupRequest(
                region_id=REGION, security_group_id=group_id))
            return True
        except tea_exceptions.AlibabaCloudException as e:
            assert e.code == "DependencyViolation", e
            return False

    assert wait_for(try_delete), "the group stayed in use after its instance was deleted"
    gone = ecs.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
        region_id=REGION, security_group_id=group_id)).body
    assert gone.security_groups.security_group == []

    with pytest.raises(tea_exceptions.AlibabaCloudException) as missing:
        ecs.delete_security_group(ecs_models.DeleteSecurityGroupRequest(
            region_id=REGION, security_group_id=group_id))
    assert (missing.value.code, missing.value.status_code) == ("InvalidSecurityGroup.NotFound", 404)


def test_join_leave_and_errors(endpoint):
    ecs = client(endpoint)
    group_id = ecs.create_security_group(ecs_models.CreateSecurityGroupRequest(
        region_id=REGION, vpc_id=VPC)).body.security_group_id
    stopped = "i-bp1stopped0000000001"
    ecs.join_security_group(ecs_models.JoinSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id, instance_id=stopped))
    groups = ecs.describe_instance_attribute(ecs_models.DescribeInstanceAttributeRequest(
        instance_id=stopped)).body.security_group_ids.security_group_id
    assert group_id in groups
    with pytest.raises(tea_exceptions.AlibabaCloudException) as again:
        ecs.join_security_group(ecs_models.JoinSecurityGroupRequest(
            region_id=REGION, security_group_id=group_id, instance_id=stopped))
    assert (again.value.code, again.value.status_code) == ("InvalidInstanceId.AlreadyExists", 403)
    ecs.leave_security_group(ecs_models.LeaveSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id, instance_id=stopped))

    with pytest.raises(tea_exceptions.AlibabaCloudException) as bad:
        ecs.authorize_security_group(ecs_models.AuthorizeSecurityGroupRequest(
            region_id=REGION, security_group_id=group_id,
            permissions=[ecs_models.AuthorizeSecurityGroupRequestPermissions(
                ip_protocol="tcp", port_range="99/1", source_cidr_ip="0.0.0.0/0")]))
    assert (bad.value.code, bad.value.status_code) == ("InvalidIpProtocol.Malformed", 400)

    with pytest.raises(tea_exceptions.AlibabaCloudException) as unknown:
        ecs.run_instances(ecs_models.RunInstancesRequest(
            region_id=REGION, image_id=IMAGE, instance_type="ecs.g7.large",
            v_switch_id="vsw-bp1nothere000000000000", security_group_id=group_id))
    assert (unknown.value.code, unknown.value.status_code) == ("InvalidVSwitchId.NotFound", 404)
