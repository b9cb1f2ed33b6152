"""The catalog and images through the official Python SDK (alibabacloud-ecs20140526):
DescribeInstanceTypes (NextToken paging, the typed model fields), DescribeInstanceTypeFamilies,
DescribeAvailableResource, DescribeImages, and the RunInstances image check.

Run: ECS_MOCK_BIN=target/debug/ecs-mock tests/sdk/.venv/bin/python -m pytest tests/sdk/test_catalog_sdk.py -q
"""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi import exceptions as tea_exceptions

from conftest import http_json
from test_python_sdks import tea_client

IMAGE = "aliyun_3_x64_20G_alibase_20250101.vhd"
REGION = "cn-hangzhou"


@pytest.fixture
def client(endpoint):
    return tea_client(endpoint)


def test_describe_instance_types_pages_and_maps_every_field(client):
    seen = []
    token = None
    while True:
        req = ecs_models.DescribeInstanceTypesRequest(max_results=4, next_token=token)
        body = client.describe_instance_types(req).body
        assert body is not None
        types = body.instance_types.instance_type
        assert len(types) <= 4
        seen.extend(types)
        token = body.next_token
        if not token:
            break
    assert len(seen) == 10
    g7 = next(t for t in seen if t.instance_type_id == "ecs.g7.xlarge")
    assert g7.instance_type_family == "ecs.g7"
    assert g7.cpu_core_count == 4
    assert g7.memory_size == 16
    assert g7.eni_quantity == 4
    assert g7.cpu_architecture == "X86"
    assert g7.cpu_options.core == 2
    assert g7.cpu_options.threads_per_core == 2
    assert g7.supported_boot_modes.supported_boot_mode == ["BIOS", "UEFI"]
    assert g7.instance_family_level == "EnterpriseLevel"
    d1 = next(t for t in seen if t.instance_type_id == "ecs.d1ne.2xlarge")
    assert d1.local_storage_amount == 4 and d1.local_storage_capacity == 5500


def test_describe_instance_types_filters(client):
    req = ecs_models.DescribeInstanceTypesRequest(
        instance_type_family="ecs.g7", minimum_cpu_core_count=4, maximum_cpu_core_count=8
    )
    body = client.describe_instance_types(req).body
    ids = [t.instance_type_id for t in body.instance_types.instance_type]
    assert ids == ["ecs.g7.2xlarge", "ecs.g7.xlarge"]
    req = ecs_models.DescribeInstanceTypesRequest(instance_types=["ecs.c7.large"])
    body = client.describe_instance_types(req).body
    assert [t.instance_type_id for t in body.instance_types.instance_type] == ["ecs.c7.large"]


def test_describe_instance_type_families(client):
    req = ecs_models.DescribeInstanceTypeFamiliesRequest(region_id=REGION, generation="ecs-6")
    body = client.describe_instance_type_families(req).body
    families = [f.instance_type_family_id for f in body.instance_type_families.instance_type_family]
    assert "ecs.g7" in families
    assert all(f.generation == "ecs-6" for f in body.instance_type_families.instance_type_family)


def test_describe_available_resource_follows_stock(client, base_url):
    req = ecs_models.DescribeAvailableResourceRequest(
        region_id=REGION, destination_resource="InstanceType", instance_type="ecs.g7.xlarge",
        io_optimized="optimized",
    )
    zones = client.describe_available_resource(req).body.available_zones.available_zone
    by_zone = {
        z.zone_id: [
            (s.value, s.status, s.status_category)
            for r in z.available_resources.available_resource
            for s in r.supported_resources.supported_resource
        ]
        for z in zones
    }
    assert by_zone == {
        "cn-hangzhou-h": [("ecs.g7.xlarge", "Available", "WithStock")],
        "cn-hangzhou-i": [("ecs.g7.xlarge", "SoldOut", "WithoutStock")],
    }
    status, _ = http_json(
        "PATCH", base_url + "/_mock/zones/cn-hangzhou-h",
        json.dumps({"Stock": {"ecs.g7.xlarge": 0}}).encode(),
    )
    assert status == 200
    zones = client.describe_available_resource(req).body.available_zones.available_zone
    assert all(z.status == "SoldOut" for z in zones)

    req = ecs_models.DescribeAvailableResourceRequest(
        region_id=REGION, destination_resource="DataDisk", zone_id="cn-hangzhou-h",
    )
    zones = client.describe_available_resource(req).body.available_zones.available_zone
    disks = zones[0].available_resources.available_resource[0].supported_resources.supported_resource
    assert {d.value for d in disks} == {"cloud_efficiency", "cloud_ssd", "cloud_essd"}
    assert all(isinstance(d.min, int) and d.unit == "GiB" for d in disks)

    with pytest.raises(tea_exceptions.AlibabaCloudException) as e:
        client.describe_available_resource(
            ecs_models.DescribeAvailableResourceRequest(region_id=REGION, destination_resource="Moon")
        )
    assert e.value.code == "Invalid.DestinationResource"
    assert e.value.status_code == 404


def test_describe_images(client):
    req = ecs_models.DescribeImagesRequest(region_id=REGION, image_owner_alias="system", page_size=100)
    body = client.describe_images(req).body
    assert body.total_count == len(body.images.image)
    img = next(i for i in body.images.image if i.image_id == IMAGE)
    assert img.ostype == "linux"
    assert img.is_public is True
    assert img.size == 20
    assert img.status == "Available"
    assert img.tags.tag == []
    req = ecs_models.DescribeImagesRequest(region_id=REGION, ostype="windows", page_size=1)
    body = client.describe_images(req).body
    assert body.total_count == 2 and len(body.images.image) == 1 and body.page_size == 1
    with pytest.raises(tea_exceptions.AlibabaCloudException) as e:
        client.describe_images(ecs_models.DescribeImagesRequest(region_id=REGION, image_owner_alias="friends"))
    assert e.value.code == "InvalidImageOwnerAlias.ValueNotSupported"
    assert e.value.status_code == 400


def test_run_instances_checks_the_image(client, base_url):
    def run(image_id):
        return client.run_instances(ecs_models.RunInstancesRequest(
            region_id=REGION, image_id=image_id, instance_type="ecs.g7.large", zone_id="cn-hangzhou-h",
        ))

    with pytest.raises(tea_exceptions.AlibabaCloudException) as e:
        run("m-bp1nosuchimage000001")
    assert (e.value.code, e.value.status_code) == ("InvalidImageId.NotFound", 404)
    status, _ = http_json(
        "PATCH", base_url + f"/_mock/images/{IMAGE}", json.dumps({"Status": "UnAvailable"}).encode()
    )
    assert status == 200
    with pytest.raises(tea_exceptions.AlibabaCloudException) as e:
        run(IMAGE)
    assert (e.value.code, e.value.status_code) == ("OperationDenied.ImageNotValid", 404)
    http_json("PATCH", base_url + f"/_mock/images/{IMAGE}", json.dumps({"Status": "Available"}).encode())
    assert run(IMAGE).body.instance_id_sets.instance_id_set
