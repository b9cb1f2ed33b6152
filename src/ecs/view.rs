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
use crate::ecs::model::{EcsTime, Instance};

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

/// A field ecs-mock does not own, as Describe* shows it: the stored value, else the
/// template default (e.g. `InstanceNetworkType` `vpc`).
pub fn stored_field<'a>(inst: &'a Instance, key: &str) -> Option<&'a Value> {
    inst.extra.get(key).or_else(|| TEMPLATE.get(key))
}

/// The DescribeInstances `Instance` object, built in one pass over the template's
/// fields (each taken from the live state, else the stored `extra`, else the template
/// default), then the `extra` fields the template does not know.
pub fn instance_json(itype: Option<&InstanceType>, inst: &Instance) -> Map<String, Value> {
    let mut out = Map::with_capacity(TEMPLATE.len() + 4);
    for (key, default) in TEMPLATE.iter() {
        let value = live_field(key, itype, inst)
            .or_else(|| inst.extra.get(key).cloned())
            .unwrap_or_else(|| default.clone());
        out.insert(key.clone(), value);
    }
    for (key, value) in &inst.extra {
        if !TEMPLATE.contains_key(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// A field the emulator owns (status, times, locks, type-derived sizes), or `None`
/// when the stored value or the template default stands.
fn live_field(key: &str, itype: Option<&InstanceType>, inst: &Instance) -> Option<Value> {
    let time = |t: Option<EcsTime>| json!(t.map(|t| format_ecs(t.0)).unwrap_or_default());
    Some(match key {
        "InstanceId" => json!(inst.instance_id),
        "InstanceName" => json!(inst.instance_name),
        "HostName" => {
            let stored = inst
                .extra
                .get("HostName")
                .and_then(Value::as_str)
                .unwrap_or("");
            json!(if stored.is_empty() {
                inst.instance_name.as_str()
            } else {
                stored
            })
        }
        "Status" => json!(inst.status.as_str()),
        "RegionId" => json!(inst.region_id),
        "ZoneId" => json!(inst.zone_id),
        "InstanceType" => json!(inst.instance_type),
        "InstanceTypeFamily" => json!(itype?.family()),
        "Cpu" => json!(itype?.cpu_core_count),
        "Memory" => json!((itype?.memory_size * 1024.0).round() as u64),
        "GPUAmount" => json!(itype?.gpu_amount),
        "LocalStorageAmount" => json!(itype?.local_storage_amount),
        "LocalStorageCapacity" => json!(itype?.local_storage_capacity),
        "CpuOptions" => {
            json!({"CoreCount": itype?.cpu_core_count.div_ceil(2), "ThreadsPerCore": 2, "Numa": ""})
        }
        "InstanceChargeType" => json!(inst.instance_charge_type.as_str()),
        "CreationTime" => time(inst.creation_time),
        "StartTime" => time(inst.start_time),
        "ExpiredTime" => json!(expired_time_text(inst)),
        "StoppedMode" => json!(inst.stopped_mode.as_str()),
        "SpotStrategy" => json!(inst.spot_strategy.as_str()),
        "SpotPriceLimit" => json!(inst.spot_price_limit),
        "DeletionProtection" => json!(inst.deletion_protection),
        "OperationLocks" => locks_json(inst),
        "Tags" => {
            let tags: Vec<Value> = inst
                .tags
                .tag
                .iter()
                .map(|t| json!({"TagKey": t.tag_key, "TagValue": t.tag_value}))
                .collect();
            json!({ "Tag": tags })
        }
        _ => return None,
    })
}

fn locks_json(inst: &Instance) -> Value {
    let locks: Vec<Value> = inst
        .operation_locks
        .lock_reason
        .iter()
        .map(|l| match &l.lock_msg {
            Some(msg) => json!({"LockReason": l.lock_reason, "LockMsg": msg}),
            None => json!({"LockReason": l.lock_reason}),
        })
        .collect();
    json!({ "LockReason": locks })
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
