"""The actions no other Python SDK test calls, through the official SDK
(alibabacloud-ecs20140526, V3 signatures): AuthorizeSecurityGroupEgress,
RevokeSecurityGroupEgress, ModifySecurityGroupAttribute and the legacy tag actions
AddTags, RemoveTags and DescribeTags, and the reads Terraform makes of a new instance
(DescribeNetworkInterfaces, DescribeInstanceMaintenanceAttributes,
DescribeInstanceAttachmentAttributes) — each one's success read back, and its documented
refusals with their exact code and HTTP status.
"""

from __future__ import annotations

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi import exceptions as tea_exceptions

from test_python_sdks import tea_client

REGION = "cn-hangzhou"
VPC = "vpc-bp1demo0000000000001"
STOPPED = "i-bp1stopped0000000001"  # fixture tags: env=demo
DEMO_GROUP = "sg-bp1demo00000000000001"  # the default account's Hangzhou group, no tags
MISSING_GROUP = "sg-bp1nosuchgroup000000"
MISSING_INSTANCE = "i-bp1nosuchinstance001"

# DescribeTags' ResourceTypeCount, every key written, zeros included.
NO_COUNTS = {
    "Ddh": 0, "Disk": 0, "Eni": 0, "Image": 0, "Instance": 0, "KeyPair": 0,
    "LaunchTemplate": 0, "ReservedInstance": 0, "Securitygroup": 0, "Snapshot": 0,
    "SnapshotPolicy": 0, "Volume": 0,
}


@pytest.fixture
def client(endpoint):
    return tea_client(endpoint)


def refused(call, req, status: int, code: str) -> None:
    """Call and expect an ECS error with exactly this code and HTTP status."""
    with pytest.raises(tea_exceptions.AlibabaCloudException) as info:
        call(req)
    assert (info.value.code, info.value.status_code) == (code, status), info.value
    assert info.value.data["statusCode"] == status


def new_group(client, name: str, description: str = "") -> str:
    return client.create_security_group(ecs_models.CreateSecurityGroupRequest(
        region_id=REGION, vpc_id=VPC, security_group_name=name,
        description=description or None)).body.security_group_id


def rules(client, group_id: str, direction: str) -> list:
    """The group's rules of one direction, as comparable tuples with their ids."""
    attr = client.describe_security_group_attribute(ecs_models.DescribeSecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=group_id, direction=direction)).body
    return [
        (r.direction, r.ip_protocol, r.port_range, r.dest_cidr_ip, r.source_cidr_ip,
         r.policy, int(r.priority), r.nic_type, r.description, r.security_group_rule_id)
        for r in attr.permissions.permission
    ]


def without_ids(rows: list) -> list:
    return [row[:-1] for row in rows]


# ---------------------------------------------------------------------------
# AuthorizeSecurityGroupEgress / RevokeSecurityGroupEgress
# ---------------------------------------------------------------------------

def test_egress_rules_authorize_describe_revoke(client):
    group_id = new_group(client, "cov-egress")
    Perm = ecs_models.AuthorizeSecurityGroupEgressRequestPermissions
    https_out = Perm(ip_protocol="tcp", port_range="443/443", dest_cidr_ip="10.0.0.0/8",
                     policy="drop", priority="5", description="https out")
    ping_out = Perm(ip_protocol="icmp", port_range="-1/-1", dest_cidr_ip="192.168.0.0/16")
    client.authorize_security_group_egress(ecs_models.AuthorizeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, permissions=[https_out, ping_out]))
    # The same rule again is accepted and not added twice.
    client.authorize_security_group_egress(ecs_models.AuthorizeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, permissions=[
            Perm(ip_protocol="TCP", port_range="443/443", dest_cidr_ip="10.0.0.0/8",
                 policy="Drop", priority="5")]))

    egress = rules(client, group_id, "egress")
    assert without_ids(egress) == [
        ("egress", "TCP", "443/443", "10.0.0.0/8", "", "Drop", 5, "intranet", "https out"),
        ("egress", "ICMP", "-1/-1", "192.168.0.0/16", "", "Accept", 1, "intranet", ""),
    ]
    assert all(row[-1].startswith("sgr-") for row in egress)
    assert rules(client, group_id, "ingress") == []
    listed = client.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
        region_id=REGION, security_group_id=group_id)).body.security_groups.security_group
    assert listed[0].rule_count == 2

    # Documented refusals; a request is all or nothing (the good rule is not added).
    call = client.authorize_security_group_egress
    refused(call, ecs_models.AuthorizeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, permissions=[
            Perm(ip_protocol="udp", port_range="53/53", dest_cidr_ip="0.0.0.0/0"),
            Perm(ip_protocol="tcp", port_range="80/80", source_cidr_ip="0.0.0.0/0")]),
        400, "MissingParameter.Dest")
    refused(call, ecs_models.AuthorizeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, permissions=[
            Perm(ip_protocol="tcp", port_range="80/80", dest_cidr_ip="10.0.0.300/8")]),
        400, "InvalidDestCidrIp.Malformed")
    refused(call, ecs_models.AuthorizeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=MISSING_GROUP, permissions=[
            Perm(ip_protocol="tcp", port_range="80/80", dest_cidr_ip="0.0.0.0/0")]),
        404, "InvalidSecurityGroupId.NotFound")
    assert rules(client, group_id, "egress") == egress

    # Revoke by fields: a rule matches on policy and priority too, so the Accept/1
    # variant of the https rule matches nothing and is a success that removes nothing.
    Revoke = ecs_models.RevokeSecurityGroupEgressRequestPermissions
    client.revoke_security_group_egress(ecs_models.RevokeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, permissions=[
            Revoke(ip_protocol="tcp", port_range="443/443", dest_cidr_ip="10.0.0.0/8")]))
    assert rules(client, group_id, "egress") == egress
    client.revoke_security_group_egress(ecs_models.RevokeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, permissions=[
            Revoke(ip_protocol="tcp", port_range="443/443", dest_cidr_ip="10.0.0.0/8",
                   policy="drop", priority="5")]))
    assert rules(client, group_id, "egress") == [egress[1]]

    # Revoke by rule id: an unknown id refuses the whole request, the known one stays.
    ping_id = egress[1][-1]
    revoke = client.revoke_security_group_egress
    refused(revoke, ecs_models.RevokeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id,
        security_group_rule_id=[ping_id, "sgr-bp1nosuchrule0000000"]),
        403, "InvalidGroupAuthItem.NotFound")
    assert rules(client, group_id, "egress") == [egress[1]]
    revoke(ecs_models.RevokeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=group_id, security_group_rule_id=[ping_id]))
    assert rules(client, group_id, "egress") == []
    refused(revoke, ecs_models.RevokeSecurityGroupEgressRequest(
        region_id=REGION, security_group_id=MISSING_GROUP, security_group_rule_id=[ping_id]),
        404, "InvalidSecurityGroupId.NotFound")


# ---------------------------------------------------------------------------
# ModifySecurityGroupAttribute
# ---------------------------------------------------------------------------

def test_modify_security_group_attribute(client):
    group_id = new_group(client, "cov-before", "first description")

    def name_and_description():
        g = client.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
            region_id=REGION, security_group_id=group_id)).body.security_groups.security_group[0]
        attr = client.describe_security_group_attribute(ecs_models.DescribeSecurityGroupAttributeRequest(
            region_id=REGION, security_group_id=group_id)).body
        assert (attr.security_group_name, attr.description) == (g.security_group_name, g.description)
        return g.security_group_name, g.description

    modify = client.modify_security_group_attribute
    modify(ecs_models.ModifySecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=group_id, security_group_name="cov-after"))
    assert name_and_description() == ("cov-after", "first description")  # absent: unchanged
    modify(ecs_models.ModifySecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=group_id, description="second description"))
    assert name_and_description() == ("cov-after", "second description")
    modify(ecs_models.ModifySecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=group_id, security_group_name="cov-both",
        description="third description"))
    assert name_and_description() == ("cov-both", "third description")

    refused(modify, ecs_models.ModifySecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=group_id, security_group_name="1starts-with-a-digit"),
        400, "InvalidSecurityGroupName.Malformed")
    refused(modify, ecs_models.ModifySecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=group_id, description="http://example.com"),
        400, "InvalidDescription.Malformed")
    refused(modify, ecs_models.ModifySecurityGroupAttributeRequest(
        region_id=REGION, security_group_id=MISSING_GROUP, security_group_name="cov-x"),
        404, "InvalidSecurityGroupId.NotFound")
    # A group of another region answers as if it did not exist.
    refused(modify, ecs_models.ModifySecurityGroupAttributeRequest(
        region_id="cn-shanghai", security_group_id=group_id, security_group_name="cov-x"),
        404, "InvalidSecurityGroupId.NotFound")
    assert name_and_description() == ("cov-both", "third description")


# ---------------------------------------------------------------------------
# AddTags / RemoveTags (legacy, one resource)
# ---------------------------------------------------------------------------

def instance_tags(client, instance_id: str) -> list:
    rows = client.list_tag_resources(ecs_models.ListTagResourcesRequest(
        region_id=REGION, resource_type="instance", resource_id=[instance_id])).body
    return sorted((r.tag_key, r.tag_value) for r in rows.tag_resources.tag_resource)


def test_add_and_remove_tags(client):
    Tag = ecs_models.AddTagsRequestTag
    add = client.add_tags
    add(ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=STOPPED,
        tag=[Tag(key="cov-team", value="core"), Tag(key="cov-stage", value="beta")]))
    assert instance_tags(client, STOPPED) == [("cov-stage", "beta"), ("cov-team", "core"), ("env", "demo")]
    # An existing key is overwritten.
    add(ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=STOPPED,
        tag=[Tag(key="cov-stage", value="prod")]))
    assert instance_tags(client, STOPPED) == [("cov-stage", "prod"), ("cov-team", "core"), ("env", "demo")]
    # Any kind the README lists, in any case: a security group.
    add(ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="SecurityGroup", resource_id=DEMO_GROUP,
        tag=[Tag(key="cov-team", value="core")]))
    group = client.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
        region_id=REGION, security_group_id=DEMO_GROUP)).body.security_groups.security_group[0]
    assert [(t.tag_key, t.tag_value) for t in group.tags.tag] == [("cov-team", "core")]

    refused(add, ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=MISSING_INSTANCE,
        tag=[Tag(key="cov-team", value="core")]),
        404, "InvalidResourceId.NotFound")
    refused(add, ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=STOPPED,
        tag=[Tag(key="cov-ok", value="x"), Tag(key="aliyun-reserved", value="x")]),
        400, "InvalidTagKey.Malformed")
    refused(add, ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=STOPPED,
        tag=[Tag(key="cov-url", value="see https://example.com")]),
        400, "InvalidTagValue.Malformed")
    refused(add, ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="bucket", resource_id=STOPPED,
        tag=[Tag(key="cov-team", value="core")]),
        404, "InvalidResourceType.NotFound")
    assert instance_tags(client, STOPPED) == [("cov-stage", "prod"), ("cov-team", "core"), ("env", "demo")]

    Untag = ecs_models.RemoveTagsRequestTag
    remove = client.remove_tags
    # A value only removes the tag when it matches.
    remove(ecs_models.RemoveTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=STOPPED,
        tag=[Untag(key="cov-stage", value="beta")]))
    assert instance_tags(client, STOPPED) == [("cov-stage", "prod"), ("cov-team", "core"), ("env", "demo")]
    remove(ecs_models.RemoveTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=STOPPED,
        tag=[Untag(key="cov-stage", value="prod"), Untag(key="cov-team")]))
    assert instance_tags(client, STOPPED) == [("env", "demo")]
    # Removing a key the resource lacks succeeds and changes nothing.
    remove(ecs_models.RemoveTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=STOPPED,
        tag=[Untag(key="cov-never-set")]))
    assert instance_tags(client, STOPPED) == [("env", "demo")]

    refused(remove, ecs_models.RemoveTagsRequest(
        region_id=REGION, resource_type="instance", resource_id=MISSING_INSTANCE,
        tag=[Untag(key="env")]),
        404, "InvalidResourceId.NotFound")
    refused(remove, ecs_models.RemoveTagsRequest(
        region_id=REGION, resource_type="bucket", resource_id=STOPPED,
        tag=[Untag(key="env")]),
        404, "InvalidResourceType.NotFound")
    assert instance_tags(client, STOPPED) == [("env", "demo")]


# ---------------------------------------------------------------------------
# DescribeTags (legacy)
# ---------------------------------------------------------------------------

def counts(**nonzero) -> dict:
    return {**NO_COUNTS, **nonzero}


def described(body) -> list:
    return [(t.tag_key, t.tag_value, t.resource_type_count.to_map()) for t in body.tags.tag]


def test_describe_tags_counts_resources_per_kind(endpoint, ecs_account):
    """In a throwaway account (nothing tagged but what the test tags) the counts are exact."""
    client = tea_client(endpoint, key_id=ecs_account.access_key_id, secret=ecs_account.access_key_secret)
    describe = client.describe_tags

    empty = describe(ecs_models.DescribeTagsRequest(region_id=REGION)).body
    assert (empty.total_count, empty.page_number, empty.page_size, described(empty)) == (0, 1, 50, [])

    group_id = new_group(client, "cov-tags")
    client.create_key_pair(ecs_models.CreateKeyPairRequest(region_id=REGION, key_pair_name="cov-pair"))
    Tag = ecs_models.AddTagsRequestTag
    client.add_tags(ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="securitygroup", resource_id=group_id,
        tag=[Tag(key="team", value="core")]))
    client.add_tags(ecs_models.AddTagsRequest(
        region_id=REGION, resource_type="keypair", resource_id="cov-pair",
        tag=[Tag(key="team", value="core"), Tag(key="tier", value="gold")]))

    every = describe(ecs_models.DescribeTagsRequest(region_id=REGION)).body
    assert (every.total_count, every.page_number, every.page_size) == (2, 1, 50)
    assert described(every) == [
        ("team", "core", counts(Securitygroup=1, KeyPair=1)),
        ("tier", "gold", counts(KeyPair=1)),
    ]

    one_kind = describe(ecs_models.DescribeTagsRequest(region_id=REGION, resource_type="securitygroup")).body
    assert described(one_kind) == [("team", "core", counts(Securitygroup=1))]

    one_resource = describe(ecs_models.DescribeTagsRequest(
        region_id=REGION, resource_type="keypair", resource_id="cov-pair")).body
    assert described(one_resource) == [
        ("team", "core", counts(KeyPair=1)),
        ("tier", "gold", counts(KeyPair=1)),
    ]

    by_key = describe(ecs_models.DescribeTagsRequest(
        region_id=REGION, tag=[ecs_models.DescribeTagsRequestTag(key="tier")])).body
    assert (by_key.total_count, described(by_key)) == (1, [("tier", "gold", counts(KeyPair=1))])

    second_page = describe(ecs_models.DescribeTagsRequest(region_id=REGION, page_number=2, page_size=1)).body
    assert (second_page.total_count, second_page.page_number, second_page.page_size) == (2, 2, 1)
    assert described(second_page) == [("tier", "gold", counts(KeyPair=1))]

    refused(describe, ecs_models.DescribeTagsRequest(region_id=REGION, resource_type="bucket"),
            404, "InvalidResourceType.NotFound")
    refused(describe, ecs_models.DescribeTagsRequest(region_id="xx-nowhere-1"),
            404, "InvalidRegionId.NotFound")


RUNNING = "i-bp1running0000000001"  # fixture ENI eni-bp1ddef293259e470522


def test_terraform_instance_reads(client):
    """The reads Terraform's provider makes of an instance beyond DescribeInstances:
    its primary ENI, its maintenance attributes, its attachment attributes."""
    enis = client.describe_network_interfaces(ecs_models.DescribeNetworkInterfacesRequest(
        region_id=REGION, instance_id=RUNNING)).body
    assert enis.total_count == 1
    eni = enis.network_interface_sets.network_interface_set[0]
    assert (eni.network_interface_id, eni.type, eni.instance_id) == (
        "eni-bp1ddef293259e470522", "Primary", RUNNING)
    assert (eni.mac_address, eni.private_ip_address) == ("00:16:3e:b0:c2:b6", "172.16.1.13")
    maintenance = client.describe_instance_maintenance_attributes(
        ecs_models.DescribeInstanceMaintenanceAttributesRequest(
            region_id=REGION, instance_id=[RUNNING])).body
    attr = maintenance.maintenance_attributes.maintenance_attribute[0]
    assert attr.instance_id == RUNNING
    assert attr.action_on_maintenance.value == "AutoRecover"
    attachment = client.describe_instance_attachment_attributes(
        ecs_models.DescribeInstanceAttachmentAttributesRequest(
            region_id=REGION, instance_ids=f'["{RUNNING}"]')).body
    inst = attachment.instances.instance[0]
    assert (inst.instance_id, inst.private_pool_options_match_criteria) == (RUNNING, "Open")
    refused(client.describe_instance_attachment_attributes,
            ecs_models.DescribeInstanceAttachmentAttributesRequest(
                region_id=REGION, instance_ids="not-json"),
            400, "InvalidInstanceIds.Malformed")
