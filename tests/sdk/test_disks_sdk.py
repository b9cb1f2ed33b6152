"""Disks through the official Python SDK (alibabacloud_ecs20140526 on tea-openapi):
create, attach, describe by InstanceId, detach, resize, delete, and the SDK models
reading every Disk field with its type.

The server runs the ``fast`` profile on the real clock: a transitional disk status
lasts about a second, so the tests poll DescribeDisks as Terraform does.
"""

from __future__ import annotations

import time

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from Tea.exceptions import TeaException

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-h"
RUNNING = "i-bp1running0000000001"


@pytest.fixture
def ecs(endpoint) -> Client:
    return Client(
        Config(
            access_key_id="test",
            access_key_secret="test",
            region_id=REGION,
            endpoint=endpoint,
            protocol="http",
            read_timeout=15000,
            connect_timeout=5000,
        )
    )


def describe(ecs: Client, **kw):
    req = ecs_models.DescribeDisksRequest(region_id=REGION, **kw)
    return ecs.describe_disks(req).body


def one(ecs: Client, disk_id: str):
    disks = describe(ecs, disk_ids=f'["{disk_id}"]').disks.disk
    return disks[0] if disks else None


def wait_status(ecs: Client, disk_id: str, want: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        d = one(ecs, disk_id)
        if d is not None and d.status == want:
            return d
        assert time.monotonic() < deadline, f"{disk_id} never reached {want}: {d and d.status}"
        time.sleep(0.2)


def test_disk_lifecycle(ecs):
    created = ecs.create_disk(
        ecs_models.CreateDiskRequest(
            region_id=REGION,
            zone_id=ZONE,
            size=20,
            disk_category="cloud_essd",
            disk_name="sdk-data",
            tag=[ecs_models.CreateDiskRequestTag(key="env", value="sdk")],
        )
    ).body
    disk_id = created.disk_id
    assert disk_id.startswith("d-")
    d = wait_status(ecs, disk_id, "Available")
    assert d.size == 20
    assert d.category == "cloud_essd"
    assert d.portable is True
    assert d.delete_with_instance is False
    assert d.tags.tag[0].tag_key == "env"

    ecs.attach_disk(ecs_models.AttachDiskRequest(instance_id=RUNNING, disk_id=disk_id))
    d = wait_status(ecs, disk_id, "In_use")
    assert d.instance_id == RUNNING
    assert d.device == "/dev/xvdb"
    assert d.attachments.attachment[0].instance_id == RUNNING

    by_instance = describe(ecs, instance_id=RUNNING)
    assert by_instance.total_count == 2
    assert {x.type for x in by_instance.disks.disk} == {"system", "data"}
    system = describe(ecs, instance_id=RUNNING, disk_type="system").disks.disk
    assert len(system) == 1 and system[0].device == "/dev/xvda"

    ecs.resize_disk(ecs_models.ResizeDiskRequest(disk_id=disk_id, new_size=40, type="online"))
    assert one(ecs, disk_id).size == 40

    ecs.detach_disk(ecs_models.DetachDiskRequest(instance_id=RUNNING, disk_id=disk_id))
    d = wait_status(ecs, disk_id, "Available")
    assert d.instance_id == ""
    assert d.detached_time != ""

    ecs.delete_disk(ecs_models.DeleteDiskRequest(disk_id=disk_id))
    assert one(ecs, disk_id) is None


def test_disk_errors_reach_the_sdk(ecs):
    with pytest.raises(TeaException) as e:
        ecs.delete_disk(ecs_models.DeleteDiskRequest(disk_id="d-bp1nosuchdisk0000001"))
    assert e.value.code == "InvalidDiskId.NotFound"
    assert e.value.data.get("statusCode") == 404
    with pytest.raises(TeaException) as e:
        ecs.detach_disk(
            ecs_models.DetachDiskRequest(instance_id=RUNNING, disk_id="d-bp1running0000000001")
        )
    assert e.value.code == "DiskTypeViolation"
    with pytest.raises(TeaException) as e:
        ecs.resize_disk(ecs_models.ResizeDiskRequest(disk_id="d-bp1running0000000001", new_size=10))
    assert e.value.code == "InvalidDiskSize.TooSmall"
