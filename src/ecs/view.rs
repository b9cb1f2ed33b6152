//! How instances look in responses: the full DescribeInstances `Instance` object and
//! the DescribeInstanceAttribute subset.
//!
//! The object is built in three layers: a template with every field the SDK models
//! know (empty values, lists as `[]`, so no SDK meets a missing array), then whatever
//! the fixture or RunInstances stored in `extra`, then the live fields the emulator
//! owns (status, times, locks, type-derived Cpu/Memory …).

use std::sync::LazyLock;

use serde_json::{json, Map, Value};

use crate::clock::format_ecs;
use crate::ecs::catalog::InstanceType;
use crate::ecs::lifecycle::expired_time_text;
use crate::ecs::model::Instance;

/// Every field the SDK models know, with empty values (parsed once).
static TEMPLATE: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    serde_json::from_str(TEMPLATE_JSON).expect("the instance template is valid JSON")
});

const TEMPLATE_JSON: &str = r#"{
        "InstanceId": "", "InstanceName": "", "Description": "", "HostName": "",
        "Status": "", "RegionId": "", "ZoneId": "", "InstanceType": "", "InstanceTypeFamily": "",
        "Cpu": 0, "Memory": 0, "GPUAmount": 0, "GPUSpec": "",
        "LocalStorageAmount": 0, "LocalStorageCapacity": 0,
        "OSType": "linux", "OSName": "", "OSNameEn": "", "ImageId": "",
        "InstanceChargeType": "PostPaid", "InternetChargeType": "PayByTraffic",
        "InternetMaxBandwidthIn": -1, "InternetMaxBandwidthOut": 0,
        "InstanceNetworkType": "vpc", "IoOptimized": true,
        "CreationTime": "", "StartTime": "", "ExpiredTime": "", "AutoReleaseTime": "",
        "StoppedMode": "Not-applicable", "SpotStrategy": "NoSpot", "SpotPriceLimit": 0.0,
        "SpotDuration": 0, "SpotInterruptionBehavior": "Terminate", "SaleCycle": "",
        "DeletionProtection": false, "DeviceAvailable": true, "Recyclable": false,
        "SerialNumber": "", "KeyPairName": "", "ResourceGroupId": "", "CreditSpecification": "",
        "DeploymentSetId": "", "HpcClusterId": "", "ClusterId": "", "VlanId": "",
        "OperationLocks": {"LockReason": []},
        "Tags": {"Tag": []},
        "SecurityGroupIds": {"SecurityGroupId": []},
        "PublicIpAddress": {"IpAddress": []},
        "InnerIpAddress": {"IpAddress": []},
        "RdmaIpAddress": {"IpAddress": []},
        "VpcAttributes": {"VpcId": "", "VSwitchId": "", "NatIpAddress": "", "PrivateIpAddress": {"IpAddress": []}},
        "EipAddress": {"AllocationId": "", "IpAddress": "", "Bandwidth": 0, "InternetChargeType": "", "IsSupportUnassociate": true},
        "NetworkInterfaces": {"NetworkInterface": []},
        "DedicatedHostAttribute": {"DedicatedHostId": "", "DedicatedHostName": "", "DedicatedHostClusterId": ""},
        "EcsCapacityReservationAttr": {"CapacityReservationId": "", "CapacityReservationPreference": ""},
        "DedicatedInstanceAttribute": {"Tenancy": "", "Affinity": ""},
        "CpuOptions": {"CoreCount": 0, "ThreadsPerCore": 2, "Numa": ""},
        "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "optional", "HttpPutResponseHopLimit": 1},
        "HibernationOptions": {"Configured": false},
        "ImageOptions": {}
    }"#;

/// The DescribeInstances `Instance` object.
pub fn instance_json(itype: Option<&InstanceType>, inst: &Instance) -> Map<String, Value> {
    let mut out = TEMPLATE.clone();
    for (k, v) in &inst.extra {
        out.insert(k.clone(), v.clone());
    }
    let set = |out: &mut Map<String, Value>, k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    set(&mut out, "InstanceId", json!(inst.instance_id));
    set(&mut out, "InstanceName", json!(inst.instance_name));
    if out
        .get("HostName")
        .and_then(Value::as_str)
        .is_some_and(str::is_empty)
    {
        set(&mut out, "HostName", json!(inst.instance_name));
    }
    set(&mut out, "Status", json!(inst.status.as_str()));
    set(&mut out, "RegionId", json!(inst.region_id));
    set(&mut out, "ZoneId", json!(inst.zone_id));
    set(&mut out, "InstanceType", json!(inst.instance_type));
    if let Some(t) = itype {
        set(&mut out, "InstanceTypeFamily", json!(t.family()));
        set(&mut out, "Cpu", json!(t.cpu_core_count));
        set(
            &mut out,
            "Memory",
            json!((t.memory_size * 1024.0).round() as u64),
        );
        set(&mut out, "GPUAmount", json!(t.gpu_amount));
        set(
            &mut out,
            "LocalStorageAmount",
            json!(t.local_storage_amount),
        );
        set(
            &mut out,
            "LocalStorageCapacity",
            json!(t.local_storage_capacity),
        );
        set(
            &mut out,
            "CpuOptions",
            json!({"CoreCount": t.cpu_core_count.div_ceil(2), "ThreadsPerCore": 2, "Numa": ""}),
        );
    }
    set(
        &mut out,
        "InstanceChargeType",
        json!(inst.instance_charge_type.as_str()),
    );
    let time = |t: Option<crate::ecs::model::EcsTime>| {
        json!(t.map(|t| format_ecs(t.0)).unwrap_or_default())
    };
    set(&mut out, "CreationTime", time(inst.creation_time));
    set(&mut out, "StartTime", time(inst.start_time));
    set(&mut out, "ExpiredTime", json!(expired_time_text(inst)));
    set(&mut out, "StoppedMode", json!(inst.stopped_mode.as_str()));
    set(&mut out, "SpotStrategy", json!(inst.spot_strategy.as_str()));
    set(&mut out, "SpotPriceLimit", json!(inst.spot_price_limit));
    set(
        &mut out,
        "DeletionProtection",
        json!(inst.deletion_protection),
    );
    set(&mut out, "OperationLocks", json!(inst.operation_locks));
    set(&mut out, "Tags", json!(inst.tags));
    out
}

/// DescribeInstanceAttribute's fields, taken from the full object.
pub fn attribute_json(itype: Option<&InstanceType>, inst: &Instance) -> Map<String, Value> {
    const FIELDS: [&str; 28] = [
        "InstanceId",
        "InstanceName",
        "Description",
        "HostName",
        "Status",
        "RegionId",
        "ZoneId",
        "InstanceType",
        "Cpu",
        "Memory",
        "ImageId",
        "InstanceChargeType",
        "InternetChargeType",
        "InternetMaxBandwidthIn",
        "InternetMaxBandwidthOut",
        "InstanceNetworkType",
        "IoOptimized",
        "CreationTime",
        "ExpiredTime",
        "StoppedMode",
        "SerialNumber",
        "CreditSpecification",
        "ClusterId",
        "VlanId",
        "SecurityGroupIds",
        "PublicIpAddress",
        "InnerIpAddress",
        "VpcAttributes",
    ];
    let mut full = instance_json(itype, inst);
    let mut out = Map::new();
    for f in FIELDS {
        if let Some(v) = full.remove(f) {
            out.insert(f.to_string(), v);
        }
    }
    if let Some(eip) = full.remove("EipAddress") {
        out.insert("EipAddress".into(), eip);
    }
    if let Some(dh) = full.remove("DedicatedHostAttribute") {
        out.insert("DedicatedHostAttribute".into(), dh);
    }
    let locks: Vec<Value> = inst
        .operation_locks
        .lock_reason
        .iter()
        .map(|l| json!({"LockReason": l.lock_reason}))
        .collect();
    out.insert("OperationLocks".into(), json!({ "LockReason": locks }));
    out.insert("EnableJumboFrame".into(), json!(false));
    out
}
