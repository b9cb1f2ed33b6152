//! How instances look in responses: the DescribeInstances `Instance` object and the
//! DescribeInstanceAttribute body, with the real service's keys, values and order.
//!
//! The `Instance` object is built in the captured key order
//! ([`INSTANCE`](crate::gateway::order::INSTANCE)), one key at a time: the live value
//! when the emulator owns the field (status, times, locks, type-derived sizes …), else
//! the value the fixture or RunInstances stored in `extra`, else the real service's
//! default for an instance without it. Optional keys (`Tags`, `KeyPairName`,
//! `LocalStorage*`, `PrivateDnsNameOptions`) are left out when they do not apply, as the
//! real service does; fields the model does not know are appended and put in their
//! slot by the renderer.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{json, Map, Value};

use crate::clock::{format_ecs, format_ecs_seconds};
use crate::ecs::catalog::InstanceType;
use crate::ecs::lifecycle::expired_time_text;
use crate::ecs::model::{EcsTime, Instance};
use crate::gateway::order::{INSTANCE, INSTANCE_ATTRIBUTE};

/// The real service's value of every always-present key for an instance that has
/// nothing set (captured responses: `""` strings, wrapped empty lists, fixed-shape
/// objects with empty sub-keys).
static DEFAULTS: LazyLock<HashMap<String, Value>> = LazyLock::new(|| {
    let map: Map<String, Value> =
        serde_json::from_str(DEFAULTS_JSON).expect("the instance defaults are valid JSON");
    map.into_iter().collect()
});

const DEFAULTS_JSON: &str = r#"{
    "ResourceGroupId": "", "Memory": 0, "InstanceChargeType": "PostPaid", "Cpu": 0,
    "OSName": "", "InstanceNetworkType": "vpc", "InnerIpAddress": {"IpAddress": []},
    "ExpiredTime": "", "ImageId": "",
    "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
    "ImageOptions": {}, "HostName": "", "VlanId": "", "Status": "",
    "HibernationOptions": {"Configured": false},
    "MetadataOptions": {"HttpTokens": "", "HttpEndpoint": ""},
    "InstanceId": "", "StoppedMode": "Not-applicable",
    "CpuOptions": {"ThreadsPerCore": 2, "Numa": "", "CoreCount": 0},
    "StartTime": "", "DeletionProtection": false,
    "SecurityGroupIds": {"SecurityGroupId": []},
    "VpcAttributes": {"PrivateIpAddress": {"IpAddress": []}, "VpcId": "", "VSwitchId": "", "NatIpAddress": ""},
    "InternetChargeType": "PayByTraffic", "InstanceName": "", "DeploymentSetId": "",
    "InternetMaxBandwidthOut": 0, "SerialNumber": "", "OSType": "linux", "CreationTime": "",
    "AutoReleaseTime": "", "Description": "", "InstanceTypeFamily": "",
    "DedicatedInstanceAttribute": {"Tenancy": "", "Affinity": ""},
    "PublicIpAddress": {"IpAddress": []}, "GPUSpec": "",
    "NetworkInterfaces": {"NetworkInterface": []}, "SpotPriceLimit": 0.0,
    "DeviceAvailable": true, "SaleCycle": "", "InstanceType": "", "SpotStrategy": "NoSpot",
    "OSNameEn": "", "IoOptimized": true, "ZoneId": "", "ClusterId": "",
    "EcsCapacityReservationAttr": {"CapacityReservationPreference": "", "CapacityReservationId": ""},
    "DedicatedHostAttribute": {"DedicatedHostId": "", "DedicatedHostName": "", "DedicatedHostClusterId": ""},
    "GPUAmount": 0, "OperationLocks": {"LockReason": []}, "InternetMaxBandwidthIn": -1,
    "Recyclable": false, "RegionId": "", "CreditSpecification": ""
}"#;

/// Keys of the `Instance` object that ecs-mock decides on (everything in the captured
/// list); a stored key outside it is a field the model does not know and is echoed.
static KNOWN: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| INSTANCE.iter().chain(&NEVER_SHOWN).copied().collect());

/// Keys the API reference lists for an instance that no real response carries; a pasted
/// body that has them (SDK-model dumps do) renders without them.
const NEVER_SHOWN: [&str; 4] = [
    "HpcClusterId",
    "RdmaIpAddress",
    "SpotDuration",
    "SpotInterruptionBehavior",
];

/// An EIP bound to an instance, in its captured order.
const BOUND_EIP: [&str; 5] = [
    "Bandwidth",
    "AllocationId",
    "IpAddress",
    "IsSupportUnassociate",
    "InternetChargeType",
];

/// A fixed-shape object (`EipAddress`, `MetadataOptions`, `DedicatedHostAttribute` …) in
/// the real service's shape: exactly the default's sub-keys, each from the stored object
/// when it has it. A bound EIP (non-empty `AllocationId`) has five keys, `Bandwidth`
/// first; an unbound one three.
fn fixed_shape(key: &str, stored: &Value, default: &Value) -> Value {
    let (Some(stored), Some(default)) = (stored.as_object(), default.as_object()) else {
        return stored.clone();
    };
    if default.is_empty() {
        return stored.clone().into();
    }
    let bound = key == "EipAddress"
        && stored
            .get("AllocationId")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
    let mut out = Map::new();
    if bound {
        for k in BOUND_EIP {
            let fallback = match k {
                "Bandwidth" => json!(0),
                "IsSupportUnassociate" => json!(true),
                _ => json!(""),
            };
            out.insert(k.to_string(), stored.get(k).cloned().unwrap_or(fallback));
        }
    } else {
        for (k, v) in default {
            out.insert(
                k.clone(),
                stored.get(k).cloned().unwrap_or_else(|| v.clone()),
            );
        }
    }
    Value::Object(out)
}

/// A field ecs-mock does not own, as Describe* shows it: the stored value, else the
/// real service's default (e.g. `InstanceNetworkType` `vpc`).
pub fn stored_field<'a>(inst: &'a Instance, key: &str) -> Option<&'a Value> {
    inst.extra.get(key).or_else(|| DEFAULTS.get(key))
}

/// The DescribeInstances `Instance` object.
pub fn instance_json(itype: Option<&InstanceType>, inst: &Instance) -> Map<String, Value> {
    let mut out = Map::with_capacity(INSTANCE.len() + 2);
    for key in INSTANCE {
        if let Some(value) = instance_field(key, itype, inst) {
            out.insert((*key).to_string(), value);
        }
    }
    for (key, value) in &inst.extra {
        if !KNOWN.contains(key.as_str()) {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

fn time(t: Option<EcsTime>) -> Value {
    json!(t.map(|t| format_ecs(t.0)).unwrap_or_default())
}

/// A stored string, when set and not empty.
fn stored_str<'a>(inst: &'a Instance, key: &str) -> Option<&'a str> {
    inst.extra
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// One key of the `Instance` object, or `None` when the real service leaves it out.
fn instance_field(key: &str, itype: Option<&InstanceType>, inst: &Instance) -> Option<Value> {
    let live = match key {
        "InstanceId" => json!(inst.instance_id),
        "InstanceName" => json!(inst.instance_name),
        "HostName" => json!(stored_str(inst, "HostName").unwrap_or(&inst.instance_name)),
        "Status" => json!(inst.status.as_str()),
        "RegionId" => json!(inst.region_id),
        "ZoneId" => json!(inst.zone_id),
        "InstanceType" => json!(inst.instance_type),
        "InstanceChargeType" => json!(inst.instance_charge_type.as_str()),
        "CreationTime" => time(inst.creation_time),
        "StartTime" => time(inst.start_time),
        "ExpiredTime" => json!(expired_time_text(inst)),
        "StoppedMode" => json!(inst.stopped_mode.as_str()),
        "SpotStrategy" => json!(inst.spot_strategy.as_str()),
        "SpotPriceLimit" => json!(inst.spot_price_limit),
        "DeletionProtection" => json!(inst.deletion_protection),
        "OperationLocks" => locks_json(inst, true),
        // Absent on an untagged instance (not `{"Tag": []}`).
        "Tags" if inst.tags.tag.is_empty() => return None,
        "Tags" => {
            let tags: Vec<Value> = inst
                .tags
                .tag
                .iter()
                .map(|t| json!({"TagKey": t.tag_key, "TagValue": t.tag_value}))
                .collect();
            json!({ "Tag": tags })
        }
        // Absent when no key pair is set.
        "KeyPairName" => json!(stored_str(inst, "KeyPairName")?),
        // Present ({}) on every captured cn-hangzhou instance and on none elsewhere.
        "PrivateDnsNameOptions" => match inst.extra.get(key) {
            Some(v) => v.clone(),
            None if inst.region_id == "cn-hangzhou" => json!({}),
            None => return None,
        },
        // Only on types with local disks.
        "LocalStorageAmount" | "LocalStorageCapacity" => match itype {
            Some(t) if t.local_storage_amount == 0 => return None,
            Some(t) if key == "LocalStorageAmount" => json!(t.local_storage_amount),
            Some(t) => json!(t.local_storage_capacity),
            None => inst
                .extra
                .get(key)
                .filter(|v| v.as_u64() != Some(0))?
                .clone(),
        },
        _ => match (itype, type_field(key)) {
            (Some(t), Some(derive)) => derive(t),
            _ => {
                let default = DEFAULTS.get(key);
                return match (inst.extra.get(key), default) {
                    (Some(stored), Some(default)) => Some(fixed_shape(key, stored, default)),
                    (stored, default) => stored.or(default).cloned(),
                };
            }
        },
    };
    Some(live)
}

type Derive = fn(&InstanceType) -> Value;

/// Fields that follow from the instance type, when the catalog knows it.
fn type_field(key: &str) -> Option<Derive> {
    let derive: Derive = match key {
        "InstanceTypeFamily" => |t| json!(t.family()),
        "Cpu" => |t| json!(t.cpu_core_count),
        // MiB, as the real service answers.
        "Memory" => |t| json!((t.memory_size * 1024.0).round() as u64),
        "GPUAmount" => |t| json!(t.gpu_amount),
        "CpuOptions" => {
            |t| json!({"ThreadsPerCore": 2, "Numa": numa(t), "CoreCount": t.cpu_core_count.div_ceil(2)})
        }
        "CreditSpecification" => |t| json!(if burstable(t) { "Standard" } else { "" }),
        _ => return None,
    };
    Some(derive)
}

/// Burstable families (t5, t6): `CreditSpecification` `Standard`, `Numa` empty.
fn burstable(t: &InstanceType) -> bool {
    let family = t.family();
    family.starts_with("ecs.t5") || family.starts_with("ecs.t6")
}

/// `CpuOptions.Numa` as captured: `""` for burstable, entry-level (`e-`), GPU (`gn`) and
/// bare-metal (`ebm`) families; `"ON"` for 2 vCPUs; `"N/A"` for larger sizes.
fn numa(t: &InstanceType) -> &'static str {
    let family = t.family();
    let short = family.trim_start_matches("ecs.");
    if burstable(t)
        || short.starts_with("e-")
        || short.starts_with("gn")
        || short.starts_with("ebm")
    {
        ""
    } else if t.cpu_core_count <= 2 {
        "ON"
    } else {
        "N/A"
    }
}

/// `OperationLocks.LockReason[]`; DescribeInstanceAttribute shows only `LockReason`.
fn locks_json(inst: &Instance, with_msg: bool) -> Value {
    let locks: Vec<Value> = inst
        .operation_locks
        .lock_reason
        .iter()
        .map(|l| match (&l.lock_msg, with_msg) {
            (Some(msg), true) => json!({"LockReason": l.lock_reason, "LockMsg": msg}),
            _ => json!({"LockReason": l.lock_reason}),
        })
        .collect();
    json!({ "LockReason": locks })
}

/// The DescribeInstanceAttribute body (without `RequestId`, which the gateway adds in its
/// captured slot): the captured 33 keys, with this action's own value types —
/// `IoOptimized` the string `"optimized"`, `CreationTime` with seconds,
/// `DedicatedHostAttribute` without its cluster id, `EnableJumboFrame` `false`.
pub fn attribute_json(itype: Option<&InstanceType>, inst: &Instance) -> Map<String, Value> {
    let mut out = Map::with_capacity(INSTANCE_ATTRIBUTE.len());
    for key in INSTANCE_ATTRIBUTE {
        let value = match *key {
            "RequestId" => continue,
            "EnableJumboFrame" => json!(false),
            "IoOptimized" => {
                let optimized = instance_field(key, itype, inst).and_then(|v| v.as_bool());
                json!(if optimized == Some(false) {
                    "none"
                } else {
                    "optimized"
                })
            }
            "CreationTime" => json!(inst
                .creation_time
                .map(|t| format_ecs_seconds(t.0))
                .unwrap_or_default()),
            "DedicatedHostAttribute" => {
                let full = instance_field(key, itype, inst).unwrap_or_default();
                let get = |k: &str| full.get(k).cloned().unwrap_or_else(|| json!(""));
                json!({"DedicatedHostId": get("DedicatedHostId"), "DedicatedHostName": get("DedicatedHostName")})
            }
            "OperationLocks" => locks_json(inst, false),
            _ => match instance_field(key, itype, inst) {
                Some(v) => v,
                None => continue,
            },
        };
        out.insert((*key).to_string(), value);
    }
    out
}
