#!/usr/bin/env python3
"""Write a fixture with N instances (default 100000) to stdout: the accounts, regions and
types of fixtures/default.json, and N instances in account 1000000000000001 (key
test/test), cn-hangzhou, that replace the default ones.

Each instance is a full DescribeInstances `Instance` object as the real service answers
it (what users paste into fixtures): VPC attributes, ENI, security groups, EIP, image,
OS names, tags, metadata options ... with values that differ per instance. Even indices
are Running, odd ones Stopped; all are PostPaid. Every value either has a fixed width or
repeats with a period that divides 10, so that every page of 10 (in creation order) has
the same length: the benchmark floor answers one recorded page for all of them.

    scripts/big_fixture.py 50 > /tmp/bench-fixture.json
"""
import json
import sys
import uuid

ROOT = __file__.rsplit("/", 2)[0]
ACCOUNT = "1000000000000001"
TYPES = ["ecs.g7.large", "ecs.g7.xlarge", "ecs.c7.large", "ecs.c7.xlarge", "ecs.r7.large"]
ENVS = ["dev", "test", "staging", "prod", "prod"]
ZONES = ["cn-hangzhou-h", "cn-hangzhou-i"]


def instance(i):
    """The i-th instance: a full DescribeInstances-shaped object."""
    iid = f"i-bp1bench{i:012d}"
    zone = ZONES[i % len(ZONES)]
    running = i % 2 == 0
    ip = f"172.16.{10 + i // 90 % 90}.{10 + i % 90}"
    mac = "00:16:3e:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255, i & 255)
    created = f"2026-01-{i % 28 + 1:02d}T08:{i % 60:02d}Z"
    return {
        "InstanceId": iid,
        "AccountId": ACCOUNT,
        "RegionId": "cn-hangzhou",
        "ZoneId": zone,
        "InstanceType": TYPES[i % len(TYPES)],
        "Status": "Running" if running else "Stopped",
        "InstanceChargeType": "PostPaid",
        "InstanceName": f"bench-{i:05d}",
        "HostName": f"iZbp1bench{i:012d}Z",
        "Description": f"benchmark instance {i:06d}",
        "ResourceGroupId": "rg-acfmzw2jz2z3abc",
        "SerialNumber": str(uuid.UUID(int=(0x5EED << 96) + i)),
        "CreationTime": created,
        "StartTime": created,
        "ExpiredTime": "2099-12-31T15:59Z",
        "ImageId": "aliyun_3_x64_20G_alibase_20250101.vhd",
        "OSType": "linux",
        "OSName": "Alibaba Cloud Linux  3.2104 LTS 64\u4f4d",
        "OSNameEn": "Alibaba Cloud Linux  3.2104 LTS 64 bit",
        "InstanceNetworkType": "vpc",
        "InternetChargeType": "PayByTraffic",
        "InternetMaxBandwidthOut": 5 if i % 5 == 0 else 0,
        "InternetMaxBandwidthIn": -1,
        "IoOptimized": True,
        "DeletionProtection": False,
        "DeviceAvailable": True,
        "Recyclable": False,
        "StoppedMode": "Not-applicable" if running else "KeepCharging",
        "SpotStrategy": "NoSpot",
        "SpotPriceLimit": 0.0,
        "GPUSpec": "",
        "SaleCycle": "",
        "AutoReleaseTime": "",
        "DeploymentSetId": "",
        "VlanId": "",
        "ClusterId": "",
        "KeyPairName": f"bench-key-{i % 3}",
        "OperationLocks": {"LockReason": []},
        "Tags": {"Tag": [
            {"TagKey": "env", "TagValue": ENVS[i % len(ENVS)]},
            {"TagKey": "team", "TagValue": f"team-{i % 7}"},
            {"TagKey": "acs:ecs:bench", "TagValue": f"{i:06d}"},
        ]},
        "SecurityGroupIds": {"SecurityGroupId": [f"sg-bp1bench{i % 4:011d}"]},
        "PublicIpAddress": {"IpAddress": [f"47.98.{10 + i // 90 % 90}.{10 + i % 90}"] if i % 5 == 0 else []},
        "InnerIpAddress": {"IpAddress": []},
        "VpcAttributes": {
            "VpcId": "vpc-bp1bench0000000000001",
            "VSwitchId": f"vsw-bp1bench00000000000{zone[-1]}",
            "NatIpAddress": "",
            "PrivateIpAddress": {"IpAddress": [ip]},
        },
        "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
        "NetworkInterfaces": {"NetworkInterface": [{
            "NetworkInterfaceId": f"eni-bp1bench{i:012d}",
            "MacAddress": mac,
            "PrimaryIpAddress": ip,
            "Type": "Primary",
            "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": ip, "Primary": True}]},
        }]},
        "DedicatedHostAttribute": {"DedicatedHostId": "", "DedicatedHostName": "", "DedicatedHostClusterId": ""},
        "DedicatedInstanceAttribute": {"Tenancy": "", "Affinity": ""},
        "EcsCapacityReservationAttr": {"CapacityReservationId": "", "CapacityReservationPreference": ""},
        "MetadataOptions": {"HttpTokens": "optional", "HttpEndpoint": "enabled"},
        "HibernationOptions": {"Configured": False},
        "ImageOptions": {"LoginAsNonRoot": False},
        "PrivateDnsNameOptions": {
            "HostnameType": "Custom",
            "EnableInstanceIdDnsARecord": False,
            "EnableInstanceIdDnsAAAARecord": False,
            "EnableIpDnsARecord": False,
            "EnableIpDnsPtrRecord": False,
        },
        "MockDisks": [{"DiskId": f"d-bp1bench{i:012d}", "Type": "system", "Status": "In_use"}],
    }


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with open(f"{ROOT}/fixtures/default.json", encoding="utf-8") as f:
        doc = json.load(f)
    for account in doc["Accounts"]:
        if account["AccountId"] == ACCOUNT:
            account["Quotas"] = []
    doc["Instances"] = [instance(i) for i in range(n)]
    json.dump(doc, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
