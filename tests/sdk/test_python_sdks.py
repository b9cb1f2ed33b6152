"""ecs-mock driven by the official, unmodified Alibaba Cloud Python SDKs.

Three client flavours are exercised by every parametrized test:

* ``legacy``  aliyun-python-sdk-core + aliyun-python-sdk-ecs (``AcsClient``), V1 HMAC-SHA1
  signature in the query, RegionId added to every request.
* ``tea-v3``  alibabacloud-ecs20140526 (Darabonba), default ACS3-HMAC-SHA256 signature in
  the Authorization header, Action/Version only in ``x-acs-*`` headers.
* ``tea-v2``  the same SDK with ``signature_algorithm='v2'`` (V1 HMAC-SHA1 in the query).

Each flavour is wrapped in a small adapter that calls the SDK's own request classes and
turns its exception into an :class:`ApiError` through the SDK's public accessors, so the
tests read the same for every SDK and still check what each SDK really surfaces.
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import pytest

# Legacy POP-core SDK.
from aliyunsdkcore.acs_exception.exceptions import ServerException as LegacyServerException
from aliyunsdkecs.request.v20140526.CreateInstanceRequest import CreateInstanceRequest
from aliyunsdkecs.request.v20140526.DeleteInstanceRequest import DeleteInstanceRequest
from aliyunsdkecs.request.v20140526.DeleteInstancesRequest import DeleteInstancesRequest
from aliyunsdkecs.request.v20140526.DescribeInstanceAttributeRequest import DescribeInstanceAttributeRequest
from aliyunsdkecs.request.v20140526.DescribeInstanceStatusRequest import DescribeInstanceStatusRequest
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
from aliyunsdkecs.request.v20140526.DescribeZonesRequest import DescribeZonesRequest
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest
from aliyunsdkecs.request.v20140526.RebootInstancesRequest import RebootInstancesRequest
from aliyunsdkecs.request.v20140526.RunInstancesRequest import RunInstancesRequest
from aliyunsdkecs.request.v20140526.StartInstanceRequest import StartInstanceRequest
from aliyunsdkecs.request.v20140526.StartInstancesRequest import StartInstancesRequest
from aliyunsdkecs.request.v20140526.StopInstanceRequest import StopInstanceRequest
from aliyunsdkecs.request.v20140526.StopInstancesRequest import StopInstancesRequest

# Current Darabonba SDK.
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_tea_openapi import exceptions as tea_exceptions
from Tea.exceptions import TeaException

import threading

from conftest import REPO_ROOT, EcsMockAccount, MockServer, http_json

REGION = "cn-hangzhou"
REQUEST_ID_RE = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")

# Demo instances of the default fixtures (account 1000000000000001 unless noted).
STOPPED = "i-bp1stopped0000000001"
STOPPED_ZONE_I = "i-bp1stopped2000000001"
ECON_OK = "i-bp1econok00000000001"
RUNNING = "i-bp1running0000000001"
STARTING = "i-bp1starting000000001"
STOPPING = "i-bp1stopping000000001"
PENDING = "i-bp1pending0000000001"
SECLOCK = "i-bp1seclock0000000001"
PREPAID_EXPIRED = "i-bp1prepaidexp0000001"
FINANCIAL = "i-bp1financial00000001"
BROKE = "i-bp1broke000000000001"  # account 1000000000000002, key `broke`
DISK_ARREARS = "i-bp1diskarrears000001"
DISK_ERROR = "i-bp1diskerror00000001"
LOCAL_DISK = "i-bp1localdisk00000001"
KMS_DISK = "i-bp1kmsdisk0000000001"  # account 1000000000000003, key `nokms`
NO_STOCK = "i-bp1nostock0000000001"
TYPE_QUOTA = "i-bp1typequota00000001"
CPU_QUOTA = "i-bp1cpuquota000000001"
SPOT_PRICE = "i-bp1spotprice00000001"
OTHER_ACCOUNT = "i-bp1otheracct00000001"  # account 1000000000000002
SHANGHAI = "i-uf6shanghai000000001"  # cn-shanghai
UNKNOWN = "i-bp1doesnotexist00001"

MSG_RUNNING_NOT_STOPPED = (
    "The specified instance is in an incorrect status for the requested action; "
    "Status of the specified instance is Running but the expected status is in (Stopped)."
)
MSG_INCORRECT_STATUS_GENERIC = "The current status of the resource does not support this operation."
MSG_NOT_FOUND = "The specified InstanceId does not exist."
MSG_DRY_RUN = "Request validation has been passed with DryRun flag set."

POLL_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.2

SDK_KINDS = ["legacy", "tea-v3", "tea-v2"]


# --------------------------------------------------------------------------------------
# Adapters
# --------------------------------------------------------------------------------------


@dataclass
class ApiError(Exception):
    """An error response as one SDK surfaced it."""

    sdk: str
    code: Optional[str]
    status: Optional[int]
    message: Optional[str]
    request_id: Optional[str]
    original: BaseException = field(repr=False)

    def __str__(self) -> str:
        return f"[{self.sdk}] HTTP {self.status} {self.code}: {self.message} (RequestId {self.request_id})"


def _header(headers: Optional[dict], name: str) -> Optional[str]:
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


# README:python-legacy:begin
def legacy_client(endpoint="127.0.0.1:8080", key_id="test", secret="test", region="cn-hangzhou"):
    """aliyun-python-sdk-core (+ aliyun-python-sdk-ecs), V1 HMAC-SHA1 signatures."""
    from aliyunsdkcore.client import AcsClient

    client = AcsClient(key_id, secret, region, timeout=15, connect_timeout=5)
    # Plain http is this SDK's default. Keep the default port: the endpoint carries it.
    client.add_endpoint(region, "Ecs", endpoint)
    return client
# README:python-legacy:end


# README:python-tea:begin
def tea_client(endpoint="127.0.0.1:8080", key_id="test", secret="test", region="cn-hangzhou",
               signature_algorithm=None):
    """alibabacloud-ecs20140526 on tea-openapi: V3 ACS3-HMAC-SHA256 signatures, or V1
    HMAC-SHA1 with signature_algorithm="v2"."""
    from alibabacloud_tea_openapi.utils_models import Config
    from alibabacloud_ecs20140526.client import Client

    config = Config(
        access_key_id=key_id,
        access_key_secret=secret,
        region_id=region,
        endpoint=endpoint,  # host:port, no scheme; it is the signed `host` header
        protocol="http",
        read_timeout=15000,
        connect_timeout=5000,
    )
    if signature_algorithm is not None:
        config.signature_algorithm = signature_algorithm
    return Client(config)
# README:python-tea:end


class LegacySdk:
    """aliyun-python-sdk-core ``AcsClient``, endpoint overridden per client (add_endpoint)."""

    def __init__(self, endpoint: str, ak: str, secret: str):
        self.kind = "legacy"
        self.client = legacy_client(endpoint, ak, secret, REGION)
        self.last_headers: Optional[dict] = None  # do_action_with_exception returns the body only

    def _call(self, req) -> dict:
        req.set_protocol_type("http")  # also the default of this core; explicit for clarity
        try:
            raw = self.client.do_action_with_exception(req)
        except LegacyServerException as e:
            raise ApiError(
                sdk=self.kind,
                code=e.get_error_code(),
                status=e.get_http_status(),
                message=e.get_error_msg(),
                request_id=e.get_request_id(),
                original=e,
            ) from None
        body = json.loads(raw)
        assert isinstance(body, dict), f"response body is not a JSON object: {raw!r}"
        return body

    def start_instance(self, instance_id, dry_run=None, init_local_disk=None) -> dict:
        req = StartInstanceRequest()
        req.set_InstanceId(instance_id)
        if dry_run is not None:
            req.set_DryRun(dry_run)
        if init_local_disk is not None:
            req.set_InitLocalDisk(init_local_disk)
        return self._call(req)

    def stop_instance(self, instance_id, force_stop=None, stopped_mode=None) -> dict:
        req = StopInstanceRequest()
        req.set_InstanceId(instance_id)
        if force_stop is not None:
            req.set_ForceStop(force_stop)
        if stopped_mode is not None:
            req.set_StoppedMode(stopped_mode)
        return self._call(req)

    def reboot_instance(self, instance_id, force_stop=None) -> dict:
        req = RebootInstanceRequest()
        req.set_InstanceId(instance_id)
        if force_stop is not None:
            req.set_ForceStop(force_stop)
        return self._call(req)

    def delete_instance(self, instance_id, force=None) -> dict:
        req = DeleteInstanceRequest()
        req.set_InstanceId(instance_id)
        if force is not None:
            req.set_Force(force)
        return self._call(req)

    def describe_instances(self, ids=None, status=None, page_number=None, page_size=None,
                           next_token=None, max_results=None, tags=None) -> dict:
        req = DescribeInstancesRequest()
        if ids is not None:
            req.set_InstanceIds(json.dumps(ids))  # '["i-a", "i-b"]', as py_core users write it
        if status is not None:
            req.set_Status(status)
        if page_number is not None:
            req.set_PageNumber(page_number)
        if page_size is not None:
            req.set_PageSize(page_size)
        if next_token is not None:
            req.set_NextToken(next_token)
        if max_results is not None:
            req.set_MaxResults(max_results)
        if tags:
            req.set_Tags([{"Key": k, "Value": v} for k, v in tags])
        return self._call(req)

    def run_instances(self, image_id, instance_type, zone_id, security_group_id, v_switch_id,
                      amount=1, instance_name=None, tags=None, client_token=None, dry_run=None) -> dict:
        req = RunInstancesRequest()
        req.set_ImageId(image_id)
        req.set_InstanceType(instance_type)
        req.set_ZoneId(zone_id)
        if security_group_id is not None:
            req.set_SecurityGroupId(security_group_id)
        if v_switch_id is not None:
            req.set_VSwitchId(v_switch_id)
        req.set_Amount(amount)
        if instance_name is not None:
            req.set_InstanceName(instance_name)
        if tags:
            req.set_Tags([{"Key": k, "Value": v} for k, v in tags])
        if client_token is not None:
            req.set_ClientToken(client_token)
        if dry_run is not None:
            req.set_DryRun(dry_run)
        return self._call(req)

    def create_instance(self, image_id, instance_type, zone_id, security_group_id, v_switch_id,
                        instance_name=None) -> dict:
        req = CreateInstanceRequest()
        req.set_ImageId(image_id)
        req.set_InstanceType(instance_type)
        req.set_ZoneId(zone_id)
        req.set_SecurityGroupId(security_group_id)
        req.set_VSwitchId(v_switch_id)
        if instance_name is not None:
            req.set_InstanceName(instance_name)
        return self._call(req)

    def _batch(self, req, ids, **params) -> dict:
        req.set_InstanceIds(ids)
        for name, value in params.items():
            if value is not None:
                getattr(req, "set_" + name)(value)
        return self._call(req)

    def start_instances(self, ids, batch_optimization=None) -> dict:
        return self._batch(StartInstancesRequest(), ids, BatchOptimization=batch_optimization)

    def stop_instances(self, ids, batch_optimization=None, force_stop=None) -> dict:
        return self._batch(StopInstancesRequest(), ids, BatchOptimization=batch_optimization, ForceStop=force_stop)

    def reboot_instances(self, ids, batch_optimization=None) -> dict:
        return self._batch(RebootInstancesRequest(), ids, BatchOptimization=batch_optimization)

    def delete_instances(self, ids, force=None) -> dict:
        return self._batch(DeleteInstancesRequest(), ids, Force=force)

    def describe_instance_status(self, ids) -> dict:
        return self._batch(DescribeInstanceStatusRequest(), ids)

    def describe_instance_attribute(self, instance_id) -> dict:
        req = DescribeInstanceAttributeRequest()
        req.set_InstanceId(instance_id)
        return self._call(req)

    def describe_regions(self) -> dict:
        return self._call(DescribeRegionsRequest())

    def describe_zones(self) -> dict:
        return self._call(DescribeZonesRequest())


class TeaSdk:
    """alibabacloud-ecs20140526 ``Client`` with endpoint=127.0.0.1:PORT over plain http."""

    def __init__(self, endpoint: str, ak: str, secret: str, signature_algorithm: Optional[str] = None):
        self.kind = "tea-v2" if signature_algorithm == "v2" else "tea-v3"
        self.client = tea_client(endpoint, ak, secret, REGION, signature_algorithm)
        self.last_headers: Optional[dict] = None

    def _call(self, fn: Callable, req) -> dict:
        try:
            resp = fn(req)
        except tea_exceptions.AlibabaCloudException as e:
            data = e.data if isinstance(e.data, dict) else {}
            raise ApiError(
                sdk=self.kind,
                code=e.code,
                status=e.status_code,
                message=data.get("Message"),
                request_id=data.get("RequestId"),
                original=e,
            ) from None
        assert resp.status_code == 200, f"unexpected HTTP status {resp.status_code}"
        # Python tea silently maps a body of the wrong shape (e.g. an object where the
        # model has a list) to None; that is a server bug.
        assert resp.body is not None, "the SDK could not map the response body onto its model"
        self.last_headers = dict(resp.headers or {})
        return resp.body.to_map()

    def start_instance(self, instance_id, dry_run=None, init_local_disk=None) -> dict:
        req = ecs_models.StartInstanceRequest(instance_id=instance_id, dry_run=dry_run,
                                              init_local_disk=init_local_disk)
        return self._call(self.client.start_instance, req)

    def stop_instance(self, instance_id, force_stop=None, stopped_mode=None) -> dict:
        req = ecs_models.StopInstanceRequest(instance_id=instance_id, force_stop=force_stop,
                                             stopped_mode=stopped_mode)
        return self._call(self.client.stop_instance, req)

    def reboot_instance(self, instance_id, force_stop=None) -> dict:
        req = ecs_models.RebootInstanceRequest(instance_id=instance_id, force_stop=force_stop)
        return self._call(self.client.reboot_instance, req)

    def delete_instance(self, instance_id, force=None) -> dict:
        req = ecs_models.DeleteInstanceRequest(instance_id=instance_id, force=force)
        return self._call(self.client.delete_instance, req)

    def describe_instances(self, ids=None, status=None, page_number=None, page_size=None,
                           next_token=None, max_results=None, tags=None) -> dict:
        req = ecs_models.DescribeInstancesRequest(
            region_id=REGION,
            instance_ids=json.dumps(ids) if ids is not None else None,
            status=status,
            page_number=page_number,
            page_size=page_size,
            next_token=next_token,
            max_results=max_results,
            tag=[ecs_models.DescribeInstancesRequestTag(key=k, value=v) for k, v in tags] if tags else None,
        )
        return self._call(self.client.describe_instances, req)

    def run_instances(self, image_id, instance_type, zone_id, security_group_id, v_switch_id,
                      amount=1, instance_name=None, tags=None, client_token=None, dry_run=None) -> dict:
        req = ecs_models.RunInstancesRequest(
            region_id=REGION,
            image_id=image_id,
            instance_type=instance_type,
            zone_id=zone_id,
            security_group_id=security_group_id,
            v_switch_id=v_switch_id,
            amount=amount,
            instance_name=instance_name,
            tag=[ecs_models.RunInstancesRequestTag(key=k, value=v) for k, v in tags] if tags else None,
            client_token=client_token,
            dry_run=dry_run,
        )
        return self._call(self.client.run_instances, req)

    def create_instance(self, image_id, instance_type, zone_id, security_group_id, v_switch_id,
                        instance_name=None) -> dict:
        req = ecs_models.CreateInstanceRequest(
            region_id=REGION,
            image_id=image_id,
            instance_type=instance_type,
            zone_id=zone_id,
            security_group_id=security_group_id,
            v_switch_id=v_switch_id,
            instance_name=instance_name,
        )
        return self._call(self.client.create_instance, req)

    def start_instances(self, ids, batch_optimization=None) -> dict:
        req = ecs_models.StartInstancesRequest(region_id=REGION, instance_id=list(ids),
                                               batch_optimization=batch_optimization)
        return self._call(self.client.start_instances, req)

    def stop_instances(self, ids, batch_optimization=None, force_stop=None) -> dict:
        req = ecs_models.StopInstancesRequest(region_id=REGION, instance_id=list(ids),
                                              batch_optimization=batch_optimization, force_stop=force_stop)
        return self._call(self.client.stop_instances, req)

    def reboot_instances(self, ids, batch_optimization=None) -> dict:
        req = ecs_models.RebootInstancesRequest(region_id=REGION, instance_id=list(ids),
                                                batch_optimization=batch_optimization)
        return self._call(self.client.reboot_instances, req)

    def delete_instances(self, ids, force=None) -> dict:
        req = ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=list(ids), force=force)
        return self._call(self.client.delete_instances, req)

    def describe_instance_status(self, ids) -> dict:
        req = ecs_models.DescribeInstanceStatusRequest(region_id=REGION, instance_id=list(ids))
        return self._call(self.client.describe_instance_status, req)

    def describe_instance_attribute(self, instance_id) -> dict:
        req = ecs_models.DescribeInstanceAttributeRequest(instance_id=instance_id)
        return self._call(self.client.describe_instance_attribute, req)

    def describe_regions(self) -> dict:
        return self._call(self.client.describe_regions, ecs_models.DescribeRegionsRequest())

    def describe_zones(self) -> dict:
        return self._call(self.client.describe_zones, ecs_models.DescribeZonesRequest(region_id=REGION))


def make_sdk(kind: str, endpoint: str, ak: str = "test", secret: str = "test"):
    if kind == "legacy":
        return LegacySdk(endpoint, ak, secret)
    if kind == "tea-v3":
        return TeaSdk(endpoint, ak, secret)
    if kind == "tea-v2":
        return TeaSdk(endpoint, ak, secret, signature_algorithm="v2")
    raise ValueError(kind)


@pytest.fixture(params=SDK_KINDS)
def sdk_kind(request) -> str:
    return request.param


@pytest.fixture
def sdk(sdk_kind, endpoint):
    """A client of the parametrized flavour with the well-known key test/test."""
    return make_sdk(sdk_kind, endpoint)


@pytest.fixture
def sdk_as(sdk_kind, endpoint):
    """Factory: a client of the parametrized flavour with another key pair."""
    return lambda ak, secret: make_sdk(sdk_kind, endpoint, ak, secret)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def instances_of(body: dict) -> list[dict]:
    """``Instances.Instance`` of a DescribeInstances body; it must be a JSON array."""
    assert isinstance(body.get("Instances"), dict), f"Instances is not an object: {body!r}"
    items = body["Instances"].get("Instance")
    assert isinstance(items, list), f"Instances.Instance is not a list: {body['Instances']!r}"
    return items


def status_of(sdk, instance_id: str) -> Optional[str]:
    """Status reported by DescribeInstances(InstanceIds=[id]); None if it is not listed."""
    items = instances_of(sdk.describe_instances(ids=[instance_id]))
    matching = [i for i in items if i.get("InstanceId") == instance_id]
    assert len(items) == len(matching) and len(matching) <= 1, (
        f"DescribeInstances(InstanceIds=[{instance_id}]) returned {[i.get('InstanceId') for i in items]}"
    )
    return matching[0].get("Status") if matching else None


def wait_until(sdk, instance_id: str, target: Optional[str], timeout: float = POLL_TIMEOUT_S) -> list:
    """Poll DescribeInstances until the instance has ``target`` status (None = gone).

    Returns the distinct statuses seen, in order; fails the test after ``timeout``.
    """
    seen: list = []
    deadline = time.monotonic() + timeout
    while True:
        status = status_of(sdk, instance_id)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == target:
            return seen
        if time.monotonic() >= deadline:
            pytest.fail(
                f"[{sdk.kind}] {instance_id} did not reach {target!r} within {timeout}s; statuses seen: {seen}",
                pytrace=False,
            )
        time.sleep(POLL_INTERVAL_S)


def assert_request_id(rid: Any) -> None:
    assert isinstance(rid, str) and REQUEST_ID_RE.match(rid), f"RequestId {rid!r} is not an upper-case UUID"


def expect_error(fn: Callable, *args, **kwargs) -> ApiError:
    """Call an adapter method that must fail; returns the error (its RequestId checked)."""
    try:
        result = fn(*args, **kwargs)
    except ApiError as err:
        assert_request_id(err.request_id)
        return err
    pytest.fail(f"{fn.__name__}{args} was expected to fail but succeeded: {result!r}", pytrace=False)


def assert_error(err: ApiError, code: str, status: int, message: Optional[str] = None) -> None:
    assert (err.code, err.status) == (code, status), str(err)
    if message is not None:
        assert err.message == message, str(err)
    else:
        assert err.message, f"empty Message: {err}"


def assert_ordered(seen: list, order: list) -> None:
    """``seen`` only holds statuses of ``order``, in that order (any may be skipped)."""
    positions = []
    for s in seen:
        assert s in order, f"unexpected status {s!r} (statuses seen: {seen}, expected a path through {order})"
        positions.append(order.index(s))
    assert positions == sorted(positions), f"statuses went backwards: {seen} (expected a path through {order})"


# --------------------------------------------------------------------------------------
# StartInstance: success, errors, DryRun
# --------------------------------------------------------------------------------------


def test_start_instance_then_running(sdk):
    body = sdk.start_instance(STOPPED)
    assert_request_id(body.get("RequestId"))
    if sdk.last_headers is not None:  # only the tea SDK hands out response headers
        assert _header(sdk.last_headers, "x-acs-request-id") == body["RequestId"]

    assert status_of(sdk, STOPPED) == "Starting"
    seen = wait_until(sdk, STOPPED, "Running")
    assert_ordered(seen, ["Starting", "Running"])


def test_start_running_instance_is_incorrect_status(sdk):
    err = expect_error(sdk.start_instance, RUNNING)
    assert_error(err, "IncorrectInstanceStatus", 403, MSG_RUNNING_NOT_STOPPED)
    assert status_of(sdk, RUNNING) == "Running"


def test_start_unknown_instance_is_not_found(sdk):
    err = expect_error(sdk.start_instance, UNKNOWN)
    assert_error(err, "InvalidInstanceId.NotFound", 404, MSG_NOT_FOUND)


def test_dry_run_changes_nothing(sdk):
    err = expect_error(sdk.start_instance, STOPPED, dry_run=True)
    assert_error(err, "DryRunOperation", 400, MSG_DRY_RUN)
    assert status_of(sdk, STOPPED) == "Stopped"
    time.sleep(1.5)  # longer than a `fast` transition: still nothing may have happened
    assert status_of(sdk, STOPPED) == "Stopped"


@pytest.mark.parametrize(
    "instance_id, init_local_disk",
    [(STOPPED_ZONE_I, None), (ECON_OK, None), (LOCAL_DISK, True)],
    ids=["zone-i", "stopcharging-with-stock", "localdisk-InitLocalDisk"],
)
def test_start_instance_other_successes(sdk, instance_id, init_local_disk):
    body = sdk.start_instance(instance_id, init_local_disk=init_local_disk)
    assert_request_id(body.get("RequestId"))
    assert status_of(sdk, instance_id) in ("Starting", "Running")
    wait_until(sdk, instance_id, "Running")


def _quota_type_message(msg: str) -> bool:
    return "instance type" in msg.lower()


def _quota_vcpu_message(msg: str) -> bool:
    return "vcpu" in msg.lower()


def _incorrect_status_message(current: str) -> Callable[[str], bool]:
    detailed = (
        "The specified instance is in an incorrect status for the requested action; "
        f"Status of the specified instance is {current} but the expected status is in (Stopped)."
    )
    return lambda msg: msg in (MSG_INCORRECT_STATUS_GENERIC, detailed)


# (instance, access key, code, HTTP status, exact message | predicate | None)
START_ERROR_ROWS = [
    (STARTING, "test", "IncorrectInstanceStatus", 403, _incorrect_status_message("Starting")),
    (STOPPING, "test", "IncorrectInstanceStatus", 403, _incorrect_status_message("Stopping")),
    (PENDING, "test", "InstanceNotReady", 403, "The specified instance is not ready for use."),
    (SECLOCK, "test", "InstanceLockedForSecurity", 403,
     "The specified operation is denied as your instance is locked for security reasons."),
    (PREPAID_EXPIRED, "test", "InstanceExpired", 403, "The prePaid instance has been expired."),
    (FINANCIAL, "test", "InstanceExpired", 403,
     "The postPaid instance has been expired.Please ensure your account have enough balance."),
    (BROKE, "broke", "InsufficientBalance", 403, "Your account does not have enough balance."),
    (DISK_ARREARS, "test", "DiskInArrears", 403, "The specified operation is denied as your disk has expired."),
    (DISK_ERROR, "test", "DiskError", 403, "IncorrectDiskStatus."),
    (LOCAL_DISK, "test", "DiskError", 403, "IncorrectDiskStatus."),
    (KMS_DISK, "nokms", "InvalidParameter.KMSKeyId.KMSUnauthorized", 403, None),
    (NO_STOCK, "test", "OperationDenied.NoStock", 403,
     "The requested resource is sold out in the specified zone; try other types of resources "
     "or other regions and zones."),
    (TYPE_QUOTA, "test", "QuotaExceed.ElasticQuota", 403, _quota_type_message),
    (CPU_QUOTA, "test", "QuotaExceed.ElasticQuota", 403, _quota_vcpu_message),
    (SPOT_PRICE, "test", "OperationDenied.SpotPriceLowerThanPublicPrice", 403,
     "The spot instance price is lower than public price."),
    (OTHER_ACCOUNT, "test", "InvalidInstanceId.NotFound", 404, MSG_NOT_FOUND),
]


@pytest.mark.parametrize(
    "instance_id, ak, code, status, message",
    START_ERROR_ROWS,
    ids=[f"{r[0]}-{r[2]}" for r in START_ERROR_ROWS],
)
def test_start_instance_error_table(sdk_as, instance_id, ak, code, status, message):
    client = sdk_as(ak, ak)
    before = status_of(client, instance_id) if code != "InvalidInstanceId.NotFound" else None
    err = expect_error(client.start_instance, instance_id)
    if callable(message):
        assert_error(err, code, status)
        assert message(err.message), f"unexpected message for {code}: {err}"
    else:
        assert_error(err, code, status, message)
    if before is not None:  # a refused start leaves the instance as it was
        assert status_of(client, instance_id) == before


def test_start_other_region_instance_legacy(endpoint):
    """StartInstance defines no RegionId; only the legacy core sends one (the client's region,
    cn-hangzhou here), and a cn-shanghai instance then does not exist for the request."""
    client = make_sdk("legacy", endpoint)
    err = expect_error(client.start_instance, SHANGHAI)
    assert_error(err, "InvalidInstanceId.NotFound", 404, MSG_NOT_FOUND)


def test_readonly_ram_user_can_describe_but_not_start(sdk_as):
    client = sdk_as("readonly", "readonly")
    assert status_of(client, STOPPED) == "Stopped"
    err = expect_error(client.start_instance, STOPPED)
    assert_error(
        err, "Forbidden.RAM", 403,
        "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
    )
    assert status_of(client, STOPPED) == "Stopped"


# --------------------------------------------------------------------------------------
# SDK error surfaces
# --------------------------------------------------------------------------------------


def test_error_surface_of_each_sdk(sdk):
    """What the SDK's own exception object exposes, beyond the ApiError summary."""
    err = expect_error(sdk.start_instance, RUNNING)
    exc = err.original
    if sdk.kind == "legacy":
        assert isinstance(exc, LegacyServerException)
        assert exc.get_error_code() == "IncorrectInstanceStatus"
        assert exc.get_http_status() == 403
        assert exc.get_error_msg() == MSG_RUNNING_NOT_STOPPED
        assert str(exc) == (
            f"HTTP Status: 403 Error:IncorrectInstanceStatus {MSG_RUNNING_NOT_STOPPED} "
            f"RequestID: {exc.get_request_id()}"
        )
    else:
        # 4xx -> ClientException, a TeaException (DaraException) subclass.
        assert isinstance(exc, tea_exceptions.ClientException)
        assert isinstance(exc, TeaException)
        assert exc.code == "IncorrectInstanceStatus"
        assert exc.status_code == 403
        assert exc.statusCode == 403  # DaraException copies data['statusCode']
        assert exc.request_id == exc.data["RequestId"] == err.request_id
        assert exc.data["Code"] == "IncorrectInstanceStatus"
        assert exc.data["Message"] == MSG_RUNNING_NOT_STOPPED
        assert exc.data["statusCode"] == 403
        assert exc.message == f"code: 403, {MSG_RUNNING_NOT_STOPPED} request id: {exc.request_id}"
        # The rest of the documented error body.
        assert exc.data.get("HostId"), exc.data
        assert exc.data.get("Recommend") == (
            "https://api.aliyun.com/troubleshoot?q=IncorrectInstanceStatus&product=Ecs"
            f"&requestId={exc.request_id}"
        )


def test_wrong_secret(sdk_kind, sdk_as, sdk):
    err = expect_error(sdk_as("test", "not-the-secret").start_instance, STOPPED)
    if sdk_kind == "legacy":
        # The server answers 400 SignatureDoesNotMatch with "...server string to sign is:<STS>".
        # py_core (client.py _get_server_exception) compares Message.split(':')[1] with its own
        # string-to-sign; when they are equal (only the secret differs, as here) it rewrites the
        # error to InvalidAccessKeySecret before raising.  So this is what a legacy user sees,
        # and it proves that the server's V1 string-to-sign equals the SDK's.
        assert_error(err, "InvalidAccessKeySecret", 400,
                     "The AccessKeySecret is incorrect. Please check your AccessKeyId and AccessKeySecret.")
    elif sdk_kind == "tea-v2":
        # Same V1 signature, but the Darabonba SDK passes the server's error through unchanged.
        assert_error(err, "SignatureDoesNotMatch", 400)
        assert err.message.startswith(
            "Specified signature is not matched with our calculation. server string to sign is:"
        ), str(err)
    else:
        # V3: the wording of the message is not documented; code and status are.
        assert_error(err, "SignatureDoesNotMatch", 400)
    assert status_of(sdk, STOPPED) == "Stopped"  # nothing happened


def test_unknown_access_key(sdk_as):
    err = expect_error(sdk_as("no-such-key", "whatever").start_instance, STOPPED)
    assert_error(err, "InvalidAccessKeyId.NotFound", 404, "Specified access key is not found.")


# --------------------------------------------------------------------------------------
# DescribeInstances
# --------------------------------------------------------------------------------------


def test_describe_instances_by_ids(sdk):
    body = sdk.describe_instances(ids=[STOPPED, RUNNING, UNKNOWN, OTHER_ACCOUNT, SHANGHAI])
    assert_request_id(body.get("RequestId"))
    items = instances_of(body)
    by_id = {i["InstanceId"]: i for i in items}
    # Unknown ids, other accounts' and other regions' instances are silently absent.
    assert set(by_id) == {STOPPED, RUNNING}
    assert body.get("TotalCount") == 2 and isinstance(body["TotalCount"], int)
    assert by_id[STOPPED]["Status"] == "Stopped"
    assert by_id[RUNNING]["Status"] == "Running"
    for inst in items:
        assert inst["RegionId"] == REGION
        assert inst["ZoneId"] in ("cn-hangzhou-h", "cn-hangzhou-i")
        assert isinstance(inst.get("OperationLocks", {}).get("LockReason"), list), inst.get("OperationLocks")
    assert {"TagKey": "env", "TagValue": "demo"} in by_id[STOPPED]["Tags"]["Tag"]


def test_describe_instances_paging(sdk):
    everything = instances_of(sdk.describe_instances(page_size=100))
    all_ids = {i["InstanceId"] for i in everything}
    assert STOPPED in all_ids and RUNNING in all_ids
    assert OTHER_ACCOUNT not in all_ids and BROKE not in all_ids and KMS_DISK not in all_ids
    assert SHANGHAI not in all_ids

    # PageNumber / PageSize
    seen, page = [], 1
    while True:
        body = sdk.describe_instances(page_number=page, page_size=5)
        items = instances_of(body)
        assert body["PageNumber"] == page and body["PageSize"] == 5
        assert body["TotalCount"] == len(all_ids)
        assert len(items) <= 5
        seen += [i["InstanceId"] for i in items]
        if len(items) < 5:
            break
        page += 1
        assert page <= 10, "paging does not end"
    assert len(seen) == len(set(seen)) and set(seen) == all_ids

    # NextToken / MaxResults (values < 10 count as 10)
    seen, token, calls = [], None, 0
    while True:
        body = sdk.describe_instances(max_results=10, next_token=token)
        items = instances_of(body)
        assert len(items) <= 10
        seen += [i["InstanceId"] for i in items]
        token = body.get("NextToken")
        calls += 1
        if not token:
            break
        assert calls <= 10, "NextToken paging does not end"
    assert len(seen) == len(set(seen)) and set(seen) == all_ids


def test_describe_instances_filters(sdk):
    running = instances_of(sdk.describe_instances(status="Running", page_size=100))
    assert running and all(i["Status"] == "Running" for i in running)
    assert RUNNING in {i["InstanceId"] for i in running}

    tagged = instances_of(sdk.describe_instances(tags=[("env", "demo")], page_size=100))
    assert STOPPED in {i["InstanceId"] for i in tagged}
    for inst in tagged:
        assert {"TagKey": "env", "TagValue": "demo"} in inst["Tags"]["Tag"]

    assert instances_of(sdk.describe_instances(ids=[])) == []


# --------------------------------------------------------------------------------------
# Lifecycle (issue 3)
# --------------------------------------------------------------------------------------

RUN_ARGS = dict(
    image_id="aliyun_3_x64_20G_alibase_20250101.vhd",
    instance_type="ecs.g7.large",
    zone_id="cn-hangzhou-h",
    security_group_id="sg-bp1demo00000000000001",
    v_switch_id="vsw-bp1demo000000000001h",
    amount=1,
)

# A throwaway account has no security group of its own: RunInstances without one puts
# the instance in the account's default group (created on first use).
ACCOUNT_RUN_ARGS = dict(RUN_ARGS, security_group_id=None)


def test_full_lifecycle(sdk):
    name = f"sdk-test-{sdk.kind}"
    body = sdk.run_instances(instance_name=name, tags=[("suite", "sdk")], **RUN_ARGS)
    assert_request_id(body.get("RequestId"))
    ids = body["InstanceIdSets"]["InstanceIdSet"]
    assert isinstance(ids, list) and len(ids) == 1, body
    iid = ids[0]
    assert re.match(r"^i-[a-z0-9]+$", iid), iid

    # Pending -> Starting -> Running
    seen = wait_until(sdk, iid, "Running")
    assert_ordered(seen, ["Pending", "Starting", "Running"])
    assert seen[0] == "Pending", f"a new instance should first be Pending, saw {seen}"
    inst = instances_of(sdk.describe_instances(ids=[iid]))[0]
    assert inst["InstanceName"] == name
    assert inst["InstanceType"] == RUN_ARGS["instance_type"]
    assert inst["ZoneId"] == RUN_ARGS["zone_id"]
    assert inst["ImageId"] == RUN_ARGS["image_id"]
    assert {"TagKey": "suite", "TagValue": "sdk"} in inst["Tags"]["Tag"]

    # Running -> Stopping -> Stopped
    assert_request_id(sdk.stop_instance(iid).get("RequestId"))
    seen = wait_until(sdk, iid, "Stopped")
    assert_ordered(seen, ["Stopping", "Stopped"])

    # Stopped -> Starting -> Running
    assert_request_id(sdk.start_instance(iid).get("RequestId"))
    seen = wait_until(sdk, iid, "Running")
    assert_ordered(seen, ["Starting", "Running"])

    # Reboot: leaves Running at once, comes back to Running
    assert_request_id(sdk.reboot_instance(iid).get("RequestId"))
    assert status_of(sdk, iid) in ("Stopping", "Starting"), "RebootInstance did not leave Running"
    seen = wait_until(sdk, iid, "Running")
    assert_ordered(seen, ["Stopping", "Starting", "Running"])

    # Stop, then release
    assert_request_id(sdk.stop_instance(iid).get("RequestId"))
    wait_until(sdk, iid, "Stopped")
    assert_request_id(sdk.delete_instance(iid).get("RequestId"))
    seen = wait_until(sdk, iid, None)
    assert_ordered(seen, ["Stopped", None])
    err = expect_error(sdk.start_instance, iid)
    assert_error(err, "InvalidInstanceId.NotFound", 404, MSG_NOT_FOUND)


def test_stop_stopped_instance_is_incorrect_status(sdk):
    err = expect_error(sdk.stop_instance, STOPPED)
    assert_error(err, "IncorrectInstanceStatus", 403)
    assert err.message in (
        MSG_INCORRECT_STATUS_GENERIC,
        "The specified instance is in an incorrect status for the requested action; "
        "Status of the specified instance is Stopped but the expected status is in (Running).",
    ), str(err)


def test_start_instances_success_first(sdk):
    body = sdk.start_instances([STOPPED, RUNNING], batch_optimization="SuccessFirst")
    assert_request_id(body.get("RequestId"))
    responses = body["InstanceResponses"]["InstanceResponse"]
    assert isinstance(responses, list) and len(responses) == 2, body
    by_id = {r["InstanceId"]: r for r in responses}
    assert set(by_id) == {STOPPED, RUNNING}

    ok = by_id[STOPPED]
    assert ok["Code"] == "200", ok  # a string, as every SDK types it
    assert ok["PreviousStatus"] == "Stopped"
    assert ok["CurrentStatus"] == "Starting"

    bad = by_id[RUNNING]
    assert bad["Code"] == "IncorrectInstanceStatus", bad
    assert bad["PreviousStatus"] == "Running"
    assert bad["CurrentStatus"] == "Running"
    assert bad.get("Message"), bad

    wait_until(sdk, STOPPED, "Running")
    assert status_of(sdk, RUNNING) == "Running"


def test_run_instances_amount_client_token_and_dry_run(sdk):
    before = instances_of(sdk.describe_instances(page_size=100))

    err = expect_error(sdk.run_instances, dry_run=True, **RUN_ARGS)
    assert_error(err, "DryRunOperation", 400, MSG_DRY_RUN)
    assert len(instances_of(sdk.describe_instances(page_size=100))) == len(before)

    token = f"sdk-test-token-{sdk.kind}"
    args = dict(RUN_ARGS, amount=2)
    first = sdk.run_instances(client_token=token, **args)["InstanceIdSets"]["InstanceIdSet"]
    assert isinstance(first, list) and len(first) == 2 and len(set(first)) == 2, first
    again = sdk.run_instances(client_token=token, **args)["InstanceIdSets"]["InstanceIdSet"]
    assert sorted(again) == sorted(first), "the same ClientToken must return the same instances"
    assert len(instances_of(sdk.describe_instances(page_size=100))) == len(before) + 2
    for iid in first:
        wait_until(sdk, iid, "Running")


def test_create_instance_ends_stopped(sdk):
    body = sdk.create_instance(instance_name="created-stopped", **{k: v for k, v in RUN_ARGS.items() if k != "amount"})
    assert_request_id(body.get("RequestId"))
    iid = body.get("InstanceId")
    assert isinstance(iid, str) and iid.startswith("i-"), body
    seen = wait_until(sdk, iid, "Stopped")
    assert_ordered(seen, ["Pending", "Stopped"])
    time.sleep(1.5)  # CreateInstance does not start the instance
    assert status_of(sdk, iid) == "Stopped"
    sdk.start_instance(iid)
    wait_until(sdk, iid, "Running")


def test_describe_instance_attribute_and_status(sdk):
    attr = sdk.describe_instance_attribute(STOPPED)
    assert_request_id(attr.get("RequestId"))
    assert attr["InstanceId"] == STOPPED
    assert attr["Status"] == "Stopped"
    assert attr["RegionId"] == REGION and attr["ZoneId"] == "cn-hangzhou-h"
    assert attr["InstanceType"] == "ecs.g7.large"
    err = expect_error(sdk.describe_instance_attribute, UNKNOWN)
    assert_error(err, "InvalidInstanceId.NotFound", 404, MSG_NOT_FOUND)

    body = sdk.describe_instance_status([STOPPED, RUNNING])
    statuses = body["InstanceStatuses"]["InstanceStatus"]
    assert isinstance(statuses, list), body
    assert {s["InstanceId"]: s["Status"] for s in statuses} == {STOPPED: "Stopped", RUNNING: "Running"}
    assert body["TotalCount"] == 2


def test_stop_instance_stopped_mode_stop_charging(sdk):
    sdk.stop_instance(RUNNING, stopped_mode="StopCharging")
    wait_until(sdk, RUNNING, "Stopped")
    inst = instances_of(sdk.describe_instances(ids=[RUNNING]))[0]
    assert inst["StoppedMode"] == "StopCharging", inst.get("StoppedMode")


def test_stop_and_reboot_batches(sdk):
    # AllTogether (the default): one refused instance fails the whole request, nothing changes.
    err = expect_error(sdk.stop_instances, [RUNNING, STOPPED])
    assert_error(err, "IncorrectInstanceStatus", 403)
    assert status_of(sdk, RUNNING) == "Running"

    body = sdk.reboot_instances([RUNNING], batch_optimization="SuccessFirst")
    (resp,) = body["InstanceResponses"]["InstanceResponse"]
    assert (resp["InstanceId"], resp["Code"], resp["PreviousStatus"]) == (RUNNING, "200", "Running"), resp
    assert resp["CurrentStatus"] in ("Stopping", "Starting"), resp
    wait_until(sdk, RUNNING, "Running")

    body = sdk.stop_instances([RUNNING, STOPPED], batch_optimization="SuccessFirst", force_stop=True)
    by_id = {r["InstanceId"]: r for r in body["InstanceResponses"]["InstanceResponse"]}
    assert by_id[RUNNING]["Code"] == "200", by_id
    assert (by_id[RUNNING]["PreviousStatus"], by_id[RUNNING]["CurrentStatus"]) == ("Running", "Stopping")
    assert by_id[STOPPED]["Code"] == "IncorrectInstanceStatus", by_id
    wait_until(sdk, RUNNING, "Stopped")


def test_delete_instances(sdk):
    err = expect_error(sdk.delete_instance, RUNNING)  # without Force only Stopped may go
    assert_error(err, "IncorrectInstanceStatus", 403)
    assert status_of(sdk, RUNNING) == "Running"

    assert_request_id(sdk.delete_instances([RUNNING, STOPPED], force=True).get("RequestId"))
    wait_until(sdk, RUNNING, None)
    wait_until(sdk, STOPPED, None)
    err = expect_error(sdk.start_instance, STOPPED)
    assert_error(err, "InvalidInstanceId.NotFound", 404, MSG_NOT_FOUND)


def test_describe_regions_and_zones(sdk):
    regions = sdk.describe_regions()["Regions"]["Region"]
    assert isinstance(regions, list)
    by_id = {r["RegionId"]: r for r in regions}
    assert {"cn-hangzhou", "cn-shanghai"} <= set(by_id)
    assert by_id["cn-hangzhou"].get("LocalName") and by_id["cn-hangzhou"].get("RegionEndpoint")

    zones = sdk.describe_zones()["Zones"]["Zone"]
    assert isinstance(zones, list)
    assert {z["ZoneId"] for z in zones} == {"cn-hangzhou-h", "cn-hangzhou-i"}


# --------------------------------------------------------------------------------------
# Test controls: throwaway accounts (the ecs_account fixture), faults, journal, patches
# --------------------------------------------------------------------------------------


def account_sdk(kind: str, endpoint: str, account: EcsMockAccount):
    """A client of flavour ``kind`` signing with a throwaway account's key."""
    return make_sdk(kind, endpoint, account.access_key_id, account.access_key_secret)


def test_own_account_sees_only_its_instances(sdk_kind, endpoint, ecs_account):
    client = account_sdk(sdk_kind, endpoint, ecs_account)
    assert instances_of(client.describe_instances(page_size=100)) == []
    ids = client.run_instances(**dict(ACCOUNT_RUN_ARGS, amount=2))["InstanceIdSets"]["InstanceIdSet"]
    listed = {i["InstanceId"] for i in instances_of(client.describe_instances(page_size=100))}
    assert listed == set(ids)
    default = make_sdk(sdk_kind, endpoint)
    assert not {i["InstanceId"] for i in instances_of(default.describe_instances(page_size=100))} & set(ids)
    assert_error(expect_error(client.start_instance, STOPPED), "InvalidInstanceId.NotFound", 404, MSG_NOT_FOUND)


def test_two_accounts_in_parallel_threads(base_url, endpoint):
    accounts = [EcsMockAccount(base_url), EcsMockAccount(base_url)]
    results: dict = {}

    def worker(n: int) -> None:
        client = account_sdk("tea-v3", endpoint, accounts[n])
        created, views = [], []
        for _ in range(4):
            created += client.run_instances(**ACCOUNT_RUN_ARGS)["InstanceIdSets"]["InstanceIdSet"]
            views.append({i["InstanceId"] for i in instances_of(client.describe_instances(page_size=100))})
        results[n] = (created, views)

    try:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert set(results) == {0, 1}, "a worker failed"
        for created, views in results.values():
            assert len(created) == 4
            assert all(view <= set(created) for view in views), "a worker saw another's instance"
            assert views[-1] == set(created)
        assert not set(results[0][0]) & set(results[1][0])
    finally:
        for a in accounts:
            a.cleanup()


def test_fault_by_code_through_each_sdk(sdk_kind, endpoint, ecs_account):
    client = account_sdk(sdk_kind, endpoint, ecs_account)
    ecs_account.fault(Match={"Action": "DescribeInstances"}, Error={"Code": "Throttling.User"}, Times=1)
    err = expect_error(client.describe_instances)
    assert_error(err, "Throttling.User", 400, "Request was denied due to user flow control.")
    assert instances_of(client.describe_instances()) == []
    # The default account is not affected by this account's faults.
    make_sdk(sdk_kind, endpoint).describe_regions()


def test_legacy_sdk_retries_a_503_and_tea_reports_it(endpoint, ecs_account):
    ecs_account.fault(Match={"Action": "DescribeInstances"}, Error={"Code": "ServiceUnavailable"}, Times=2)
    legacy = account_sdk("legacy", endpoint, ecs_account)
    assert instances_of(legacy.describe_instances()) == []
    statuses = [r["HttpStatus"] for r in ecs_account.requests(Action="DescribeInstances")]
    assert statuses == [503, 503, 200], "py_core retries DescribeInstances on 503"

    ecs_account.fault(Match={"Action": "DescribeInstances"}, Error={"Code": "ServiceUnavailable"}, Times=1)
    err = expect_error(account_sdk("tea-v3", endpoint, ecs_account).describe_instances)
    assert_error(err, "ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server.")


def test_latency_fault_delays_the_real_answer(endpoint, ecs_account):
    ecs_account.fault(Match={"Action": "DescribeRegions"}, LatencyMs=300)
    client = account_sdk("tea-v3", endpoint, ecs_account)
    started = time.monotonic()
    body = client.describe_regions()
    assert time.monotonic() - started >= 0.3
    assert body["Regions"]["Region"], body


def test_journal_after_sdk_calls_holds_no_secret(endpoint, ecs_account):
    for kind in SDK_KINDS:
        account_sdk(kind, endpoint, ecs_account).describe_regions()
    entries = ecs_account.requests(Action="DescribeRegions")
    assert [e["AccessKeyId"] for e in entries] == [ecs_account.access_key_id] * 3
    assert sorted(e["SignatureVersion"] for e in entries) == ["1.0", "1.0", "ACS3-HMAC-SHA256"]
    assert all(e["HttpStatus"] == 200 and e["Code"] is None for e in entries)
    text = json.dumps(entries)
    assert ecs_account.access_key_secret not in text
    assert all("Signature" not in e["Params"] for e in entries)


def test_patches_put_an_instance_and_a_zone_in_any_situation(endpoint, ecs_account):
    client = account_sdk("tea-v3", endpoint, ecs_account)
    iid = client.run_instances(**ACCOUNT_RUN_ARGS)["InstanceIdSets"]["InstanceIdSet"][0]
    patched = ecs_account.patch_instance(
        iid, Status="Stopped", OperationLocks={"LockReason": [{"LockReason": "security"}]}
    )
    assert patched["Status"] == "Stopped"
    assert status_of(client, iid) == "Stopped"
    assert_error(expect_error(client.start_instance, iid), "InstanceLockedForSecurity", 403)

    ecs_account.patch_zone("cn-hangzhou-h", Stock={"ecs.g7.large": 0})
    assert_error(expect_error(client.run_instances, **ACCOUNT_RUN_ARGS), "OperationDenied.NoStock", 403)


def test_account_cleanup_puts_back_what_it_touched(base_url, endpoint):
    def zone(state):
        return next(z for r in state["Regions"] for z in r["Zones"] if z["ZoneId"] == "cn-hangzhou-h")

    before = http_json("GET", base_url + "/_mock/state")[1]
    account = EcsMockAccount(base_url, Balance=5)
    account_sdk("legacy", endpoint, account).run_instances(**ACCOUNT_RUN_ARGS)
    account.patch_zone("cn-hangzhou-h", Stock={"ecs.g7.large": 0, "ecs.r7.large": None}, SpotPrices={"ecs.r7.large": 1.5})
    account.fault(LatencyMs=1)
    account.cleanup()
    after = http_json("GET", base_url + "/_mock/state")[1]
    assert zone(after) == zone(before)
    assert after["Accounts"] == before["Accounts"]
    assert after["Instances"] == before["Instances"]
    assert http_json("GET", base_url + "/_mock/faults")[1]["Faults"] == []


# --------------------------------------------------------------------------------------
# Control plane and command line
# --------------------------------------------------------------------------------------


def test_control_plane_state_replace_and_reset(base_url, endpoint):
    sdk = make_sdk("legacy", endpoint)
    status, state = http_json("GET", base_url + "/_mock/state")
    assert status == 200 and isinstance(state, dict), (status, state)

    with open(REPO_ROOT / "fixtures" / "default.json", encoding="utf-8") as f:
        doc = json.load(f)
    doc = copy.deepcopy(doc)
    doc["Instances"] = [i for i in doc["Instances"] if i["InstanceId"] != RUNNING]
    status, answer = http_json("POST", base_url + "/_mock/state", json.dumps(doc).encode())
    assert status == 200, (status, answer)
    assert {i["InstanceId"] for i in instances_of(sdk.describe_instances(ids=[STOPPED, RUNNING]))} == {STOPPED}

    status, answer = http_json("POST", base_url + "/_mock/reset")
    assert status == 200, (status, answer)
    assert {i["InstanceId"] for i in instances_of(sdk.describe_instances(ids=[STOPPED, RUNNING]))} == {STOPPED, RUNNING}


def test_env_configuration_and_sigterm():
    """ECS_MOCK_LISTEN / ECS_MOCK_TIMING instead of flags; SIGTERM ends the process."""
    env = dict(os.environ, ECS_MOCK_LISTEN="127.0.0.1:0", ECS_MOCK_TIMING="instant")
    server = MockServer([], env=env, name="ecs-mock (env-configured)")
    try:
        base = server.wait_ready()
        client = make_sdk("legacy", base.split("://", 1)[1])
        client.start_instance(STOPPED)
        wait_until(client, STOPPED, "Running", timeout=2.0)
    finally:
        started = time.monotonic()
        code = server.stop()
    assert time.monotonic() - started < 5, "ecs-mock took more than 5 s to exit after SIGTERM"
    assert code in (0, -15), f"exit code after SIGTERM: {code}\n{server.log_tail()}"
