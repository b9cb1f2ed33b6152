"""An infrastructure-as-code flow through the official Python SDK (alibabacloud-ecs20140526,
V3 signatures): the calls Terraform's alicloud provider makes for a security group with a
rule, an imported key pair, an instance in a vSwitch, a tag and a data disk attachment,
the reads that follow, then the teardown in reverse order, with every resource gone at
the end.

The server runs the ``fast`` profile on the real clock: a transition lasts about a
second, so the test polls as the provider does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi import exceptions as tea_exceptions
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from test_python_sdks import tea_client

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-h"
VPC = "vpc-bp1demo0000000000001"
VSWITCH = "vsw-bp1demo000000000001h"
IMAGE = "aliyun_3_x64_20G_alibase_20250101.vhd"
TYPE = "ecs.g7.large"
KEY_PAIR = "sdk-py-deploy"
UUID_UPPER = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
POLL_TIMEOUT_S = 15.0
POLL_STEP_S = 0.2


@pytest.fixture
def client(endpoint):
    return tea_client(endpoint)


def ok(resp):
    """A successful SDK response: HTTP 200 and an upper-case UUID request id; its body."""
    assert resp.status_code == 200
    assert UUID_UPPER.match(resp.body.request_id), resp.body.request_id
    return resp.body


def wait_for(what: str, read, want, timeout_s: float = POLL_TIMEOUT_S):
    """Poll ``read()`` until it returns ``want``; fail with the values seen."""
    deadline = time.monotonic() + timeout_s
    seen = []
    while True:
        value = read()
        if not seen or seen[-1] != value:
            seen.append(value)
        if value == want:
            return seen
        assert time.monotonic() < deadline, f"{what} did not become {want!r} within {timeout_s}s; seen {seen}"
        time.sleep(POLL_STEP_S)


def ssh_rsa_public_key(comment: str) -> tuple[str, str]:
    """A fresh 2048-bit RSA key as an OpenSSH ``ssh-rsa`` line, and the MD5 of its wire
    blob (the KeyPairFingerPrint ECS reports)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    md5 = hashlib.md5(base64.b64decode(line.split()[1])).hexdigest()
    return f"{line} {comment}", md5


def describe_instance(client, instance_id):
    body = ok(client.describe_instances(ecs_models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps([instance_id]))))
    listed = body.instances.instance
    assert len(listed) <= 1, f"DescribeInstances({instance_id}) listed {len(listed)} instances"
    if listed:
        assert listed[0].instance_id == instance_id
    return listed[0] if listed else None


def describe_disk(client, disk_id):
    body = ok(client.describe_disks(ecs_models.DescribeDisksRequest(
        region_id=REGION, disk_ids=json.dumps([disk_id]))))
    listed = body.disks.disk
    assert len(listed) <= 1, f"DescribeDisks({disk_id}) listed {len(listed)} disks"
    return listed[0] if listed else None


def group_rules(client, group_id):
    body = ok(client.describe_security_group_attribute(ecs_models.DescribeSecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=group_id)))
    assert body.security_group_id == group_id
    return body.permissions.permission


def ssh_rule(model):
    return model(ip_protocol="tcp", port_range="22/22", source_cidr_ip="10.0.0.0/8",
                 policy="accept", priority="1")


def test_create_describe_and_tear_down_as_terraform_does(client):
    # alicloud_security_group + alicloud_security_group_rule
    group_id = ok(client.create_security_group(ecs_models.CreateSecurityGroupRequest(
        region_id=REGION, vpc_id=VPC, security_group_name="sdk-py-web", description="web tier",
    ))).security_group_id
    assert re.match(r"^sg-bp[0-9a-z]+$", group_id), group_id
    ok(client.authorize_security_group(ecs_models.AuthorizeSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id,
        permissions=[ssh_rule(ecs_models.AuthorizeSecurityGroupRequestPermissions)],
    )))
    rules = group_rules(client, group_id)
    assert len(rules) == 1
    rule = rules[0]
    assert (rule.ip_protocol, rule.port_range, rule.source_cidr_ip, rule.policy, rule.direction) == (
        "TCP", "22/22", "10.0.0.0/8", "Accept", "ingress")

    # alicloud_ecs_key_pair (public_key)
    public_key, md5 = ssh_rsa_public_key("deploy@ci")
    imported = ok(client.import_key_pair(ecs_models.ImportKeyPairRequest(
        region_id=REGION, key_pair_name=KEY_PAIR, public_key_body=public_key)))
    assert imported.key_pair_name == KEY_PAIR
    assert imported.key_pair_finger_print == md5

    # alicloud_instance: RunInstances, then DescribeInstances until Running
    run = ok(client.run_instances(ecs_models.RunInstancesRequest(
        region_id=REGION, image_id=IMAGE, instance_type=TYPE, zone_id=ZONE, v_switch_id=VSWITCH,
        security_group_ids=[group_id], key_pair_name=KEY_PAIR, instance_name="sdk-py-web-1", amount=1,
    )))
    ids = run.instance_id_sets.instance_id_set
    assert len(ids) == 1, ids
    instance_id = ids[0]
    assert re.match(r"^i-[0-9a-z]+$", instance_id), instance_id
    wait_for(f"{instance_id} status", lambda: describe_instance(client, instance_id).status, "Running")

    # tags
    ok(client.tag_resources(ecs_models.TagResourcesRequest(
        region_id=REGION, resource_type="instance", resource_id=[instance_id],
        tag=[ecs_models.TagResourcesRequestTag(key="managed-by", value="terraform")],
    )))

    # alicloud_ecs_disk + alicloud_ecs_disk_attachment
    disk_id = ok(client.create_disk(ecs_models.CreateDiskRequest(
        region_id=REGION, zone_id=ZONE, size=100, disk_category="cloud_essd", disk_name="sdk-py-data",
    ))).disk_id
    assert re.match(r"^d-[0-9a-z]+$", disk_id), disk_id
    wait_for(f"{disk_id} status", lambda: describe_disk(client, disk_id).status, "Available")
    ok(client.attach_disk(ecs_models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id)))
    wait_for(f"{disk_id} status", lambda: describe_disk(client, disk_id).status, "In_use")

    # the reads the provider makes
    inst = describe_instance(client, instance_id)
    assert inst.status == "Running"
    assert inst.instance_name == "sdk-py-web-1"
    assert (inst.instance_type, inst.zone_id, inst.image_id) == (TYPE, ZONE, IMAGE)
    assert inst.instance_network_type == "vpc"
    assert inst.key_pair_name == KEY_PAIR
    assert inst.security_group_ids.security_group_id == [group_id]
    assert inst.vpc_attributes.vpc_id == VPC
    assert inst.vpc_attributes.v_switch_id == VSWITCH
    addresses = inst.vpc_attributes.private_ip_address.ip_address
    assert len(addresses) == 1, addresses
    assert re.match(r"^172\.16\.1\.\d{1,3}$", addresses[0]), f"{addresses[0]} is in the vSwitch's 172.16.1.0/24"
    assert [(t.tag_key, t.tag_value) for t in inst.tags.tag] == [("managed-by", "terraform")]

    disks = ok(client.describe_disks(ecs_models.DescribeDisksRequest(region_id=REGION, instance_id=instance_id)))
    assert disks.total_count == 2
    by_type = {d.type: d for d in disks.disks.disk}
    assert sorted(by_type) == ["data", "system"]
    data = by_type["data"]
    assert (data.disk_id, data.status, data.instance_id, data.size) == (disk_id, "In_use", instance_id, 100)
    system = by_type["system"]
    assert (system.status, system.instance_id) == ("In_use", instance_id)
    system_disk_id = system.disk_id
    assert system_disk_id != disk_id

    groups = ok(client.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
        region_id=REGION, security_group_id=group_id)))
    assert len(groups.security_groups.security_group) == 1
    group = groups.security_groups.security_group[0]
    assert (group.security_group_id, group.vpc_id, group.ecs_count, group.rule_count) == (group_id, VPC, 1, 1)

    pairs = ok(client.describe_key_pairs(ecs_models.DescribeKeyPairsRequest(
        region_id=REGION, key_pair_name=KEY_PAIR)))
    assert pairs.total_count == 1
    assert [(k.key_pair_name, k.key_pair_finger_print) for k in pairs.key_pairs.key_pair] == [(KEY_PAIR, md5)]

    tags = ok(client.list_tag_resources(ecs_models.ListTagResourcesRequest(
        region_id=REGION, resource_type="instance", resource_id=[instance_id])))
    assert [(t.resource_type, t.resource_id, t.tag_key, t.tag_value) for t in tags.tag_resources.tag_resource] == [
        ("instance", instance_id, "managed-by", "terraform")]

    # teardown in reverse order; the group cannot go while the instance is in it
    with pytest.raises(tea_exceptions.AlibabaCloudException) as refused:
        client.delete_security_group(ecs_models.DeleteSecurityGroupRequest(
            region_id=REGION, security_group_id=group_id))
    assert (refused.value.code, refused.value.status_code) == ("DependencyViolation", 403)

    ok(client.detach_disk(ecs_models.DetachDiskRequest(instance_id=instance_id, disk_id=disk_id)))
    wait_for(f"{disk_id} status", lambda: describe_disk(client, disk_id).status, "Available")
    ok(client.delete_disk(ecs_models.DeleteDiskRequest(disk_id=disk_id)))
    assert describe_disk(client, disk_id) is None, "the data disk is gone"

    ok(client.delete_instance(ecs_models.DeleteInstanceRequest(instance_id=instance_id, force=True)))
    wait_for(f"{instance_id} listed", lambda: describe_instance(client, instance_id) is not None, False)
    assert describe_disk(client, system_disk_id) is None, "the system disk goes with the instance"

    ok(client.delete_key_pairs(ecs_models.DeleteKeyPairsRequest(
        region_id=REGION, key_pair_names=json.dumps([KEY_PAIR]))))
    ok(client.revoke_security_group(ecs_models.RevokeSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id,
        permissions=[ssh_rule(ecs_models.RevokeSecurityGroupRequestPermissions)],
    )))
    assert group_rules(client, group_id) == []
    ok(client.delete_security_group(ecs_models.DeleteSecurityGroupRequest(
        region_id=REGION, security_group_id=group_id)))

    # everything is gone
    no_groups = ok(client.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
        region_id=REGION, security_group_id=group_id)))
    assert no_groups.security_groups.security_group == []
    with pytest.raises(tea_exceptions.AlibabaCloudException) as missing:
        client.describe_security_group_attribute(ecs_models.DescribeSecurityGroupAttributeRequest(
            region_id=REGION, security_group_id=group_id))
    assert (missing.value.code, missing.value.status_code) == ("InvalidSecurityGroupId.NotFound", 404)
    no_pairs = ok(client.describe_key_pairs(ecs_models.DescribeKeyPairsRequest(
        region_id=REGION, key_pair_name=KEY_PAIR)))
    assert no_pairs.total_count == 0
    assert no_pairs.key_pairs.key_pair == []
    no_tags = ok(client.list_tag_resources(ecs_models.ListTagResourcesRequest(
        region_id=REGION, resource_type="instance", resource_id=[instance_id])))
    assert no_tags.tag_resources.tag_resource == [], "the instance is gone, so are its tags"
    no_disks = ok(client.describe_disks(ecs_models.DescribeDisksRequest(
        region_id=REGION, disk_ids=json.dumps([disk_id, system_disk_id]))))
    assert no_disks.total_count == 0
    assert no_disks.disks.disk == []
    assert describe_instance(client, instance_id) is None
