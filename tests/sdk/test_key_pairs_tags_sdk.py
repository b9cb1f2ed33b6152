"""Key pairs and tags through the official Python SDK (alibabacloud-ecs20140526).

Create (the private key is a real RSA key whose public half has the returned
fingerprint), import, describe, attach, detach and delete key pairs; tag an instance,
list its tags, untag it; and the documented refusals as the SDK raises them.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from cryptography.hazmat.primitives import serialization
from Tea.exceptions import TeaException

from test_python_sdks import tea_client

REGION = "cn-hangzhou"
STOPPED = "i-bp1stopped0000000001"
RUNNING = "i-bp1running0000000001"
RSA_PUB = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDfZjVxLvnMxgpac5nrlEFbXq8uybgg7tg5+tuoEBBNmC7osz4sTYqiW5gU"
    "flPAOZftuqv4U956/ZF++g76xd5No9vEFfCD2qdvfoGNJuTVGGEAPY/ESfmWl0ca6/KZdZZ2p+cJLGcuvGBFEUSmOBji"
    "tMDCCysKDXIG/kHpGFs5v9qVbAhFl7ZmQYnzKG65gICb+Icv/SIXeHPOg0PuWfnQZfQE3QZN8YGu22Op+go/bBH15gGb"
    "zm25JUX7sbheclGnOFz0MGXYSqi/zS7wre3Wy2T7xH1FvJXmWZcqjevArTtyypZUB2uVBJmvWo03ILnZTJETttd+2Dx8"
    "Gri1Kxvr test@ecs-mock"
)
# `ssh-keygen -l -E md5` of RSA_PUB, colons removed.
RSA_MD5 = "3304febe147f96e05165a0d28fe3e1e3"


@pytest.fixture
def client(endpoint):
    return tea_client(endpoint)


def openssh_md5(public_key) -> str:
    """The MD5 of the OpenSSH wire blob of a `cryptography` public key."""
    line = public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return hashlib.md5(base64.b64decode(line.split()[1])).hexdigest()


def key_pair_of(client, instance_id):
    body = client.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([instance_id]))
    ).body
    return body.instances.instance[0].key_pair_name


def test_create_describe_and_delete_a_key_pair(client):
    created = client.create_key_pair(
        ecs_models.CreateKeyPairRequest(region_id=REGION, key_pair_name="sdk-created")
    ).body
    assert created.key_pair_name == "sdk-created"
    assert created.key_pair_id.startswith("skp-")
    assert created.private_key_body.startswith("-----BEGIN RSA PRIVATE KEY-----")
    private = serialization.load_pem_private_key(created.private_key_body.encode(), password=None)
    assert private.key_size == 2048
    assert openssh_md5(private.public_key()) == created.key_pair_finger_print

    listed = client.describe_key_pairs(
        ecs_models.DescribeKeyPairsRequest(region_id=REGION, key_pair_name="sdk-*", include_public_key=True)
    ).body
    assert listed.total_count == 1
    kp = listed.key_pairs.key_pair[0]
    assert kp.key_pair_finger_print == created.key_pair_finger_print
    assert kp.public_key.startswith("ssh-rsa ")
    assert kp.tags.tag == []

    with pytest.raises(TeaException) as e:
        client.create_key_pair(ecs_models.CreateKeyPairRequest(region_id=REGION, key_pair_name="sdk-created"))
    assert e.value.code == "KeyPair.AlreadyExist"
    assert e.value.data["statusCode"] == 400

    client.delete_key_pairs(
        ecs_models.DeleteKeyPairsRequest(region_id=REGION, key_pair_names=json.dumps(["sdk-created"]))
    )
    gone = client.describe_key_pairs(ecs_models.DescribeKeyPairsRequest(region_id=REGION)).body
    assert gone.total_count == 0


def test_import_attach_detach_and_run_with_a_key_pair(client):
    imported = client.import_key_pair(
        ecs_models.ImportKeyPairRequest(region_id=REGION, key_pair_name="sdk-imported", public_key_body=RSA_PUB)
    ).body
    assert imported.key_pair_finger_print == RSA_MD5

    with pytest.raises(TeaException) as e:
        client.import_key_pair(
            ecs_models.ImportKeyPairRequest(region_id=REGION, key_pair_name="bad", public_key_body="ssh-rsa nope")
        )
    assert e.value.code == "InvalidPublicKeyBody.Malformed"

    attached = client.attach_key_pair(
        ecs_models.AttachKeyPairRequest(
            region_id=REGION, key_pair_name="sdk-imported", instance_ids=json.dumps([STOPPED, RUNNING])
        )
    ).body
    assert attached.total_count == "2" and attached.fail_count == "0"
    assert [r.success for r in attached.results.result] == ["true", "true"]
    assert key_pair_of(client, STOPPED) == "sdk-imported"

    with pytest.raises(TeaException) as e:
        client.delete_key_pairs(
            ecs_models.DeleteKeyPairsRequest(region_id=REGION, key_pair_names=json.dumps(["sdk-imported"]))
        )
    assert e.value.code == "InvalidParameter.KeypairAlreadyAttachedInstance"

    client.detach_key_pair(
        ecs_models.DetachKeyPairRequest(
            region_id=REGION, key_pair_name="sdk-imported", instance_ids=json.dumps([STOPPED, RUNNING])
        )
    )
    assert key_pair_of(client, STOPPED) is None

    with pytest.raises(TeaException) as e:
        client.run_instances(
            ecs_models.RunInstancesRequest(
                region_id=REGION,
                image_id="aliyun_3_x64_20G_alibase_20250101.vhd",
                instance_type="ecs.g7.large",
                zone_id="cn-hangzhou-h",
                key_pair_name="no-such-key",
            )
        )
    assert e.value.code == "InvalidKeyPairName.NotFound"
    assert e.value.data["statusCode"] == 404
    ran = client.run_instances(
        ecs_models.RunInstancesRequest(
            region_id=REGION,
            image_id="aliyun_3_x64_20G_alibase_20250101.vhd",
            instance_type="ecs.g7.large",
            zone_id="cn-hangzhou-h",
            key_pair_name="sdk-imported",
        )
    ).body
    assert key_pair_of(client, ran.instance_id_sets.instance_id_set[0]) == "sdk-imported"


def test_tag_list_and_untag_an_instance(client):
    client.tag_resources(
        ecs_models.TagResourcesRequest(
            region_id=REGION,
            resource_type="instance",
            resource_id=[STOPPED],
            tag=[ecs_models.TagResourcesRequestTag(key="owner", value="sdk")],
        )
    )
    listed = client.list_tag_resources(
        ecs_models.ListTagResourcesRequest(
            region_id=REGION,
            resource_type="instance",
            resource_id=[STOPPED],
        )
    ).body
    rows = {(r.resource_id, r.tag_key, r.tag_value, r.resource_type) for r in listed.tag_resources.tag_resource}
    assert (STOPPED, "owner", "sdk", "instance") in rows
    assert listed.next_token == ""

    described = client.describe_instances(
        ecs_models.DescribeInstancesRequest(
            region_id=REGION, tag=[ecs_models.DescribeInstancesRequestTag(key="owner", value="sdk")]
        )
    ).body
    assert [i.instance_id for i in described.instances.instance] == [STOPPED]

    client.untag_resources(
        ecs_models.UntagResourcesRequest(
            region_id=REGION, resource_type="instance", resource_id=[STOPPED], tag_key=["owner"]
        )
    )
    listed = client.list_tag_resources(
        ecs_models.ListTagResourcesRequest(
            region_id=REGION, resource_type="instance", resource_id=[STOPPED]
        )
    ).body
    assert all(r.tag_key != "owner" for r in listed.tag_resources.tag_resource)

    with pytest.raises(TeaException) as e:
        client.tag_resources(
            ecs_models.TagResourcesRequest(
                region_id=REGION,
                resource_type="instance",
                resource_id=["i-bp1nosuchinstance001"],
                tag=[ecs_models.TagResourcesRequestTag(key="owner", value="sdk")],
            )
        )
    assert e.value.code == "InvalidResourceId.NotFound"
    assert e.value.data["statusCode"] == 404
