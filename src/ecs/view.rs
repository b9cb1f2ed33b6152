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
//!
//! [`InstanceView`] and [`AttributeView`] serialize straight into the output (JSON or
//! XML) in that order, without building an intermediate map; only an instance that
//! carries fields the model does not know takes the slower path through a map that the
//! key-order rule arranges.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::clock::{format_ecs, format_ecs_seconds};
use crate::ecs::catalog::InstanceType;
use crate::ecs::lifecycle::expired_time_text;
use crate::ecs::model::{EcsTime, Instance, OperationLocks};
use crate::ecs::stored::{Fragment, StoredKey};
use crate::gateway::order::{self, INSTANCE, INSTANCE_ATTRIBUTE};

/// The real service's value of every always-present key for an instance that has
/// nothing set (captured responses: `""` strings, wrapped empty lists, fixed-shape
/// objects with empty sub-keys).
static DEFAULTS: LazyLock<HashMap<String, Value>> = LazyLock::new(|| {
    let map: Map<String, Value> =
        serde_json::from_str(DEFAULTS_JSON).expect("the instance defaults are valid JSON");
    map.into_iter().collect()
});

/// Each `Instance` key's position in the captured order, for one-pass lookups.
static POSITION: LazyLock<HashMap<&'static str, usize>> =
    LazyLock::new(|| INSTANCE.iter().enumerate().map(|(i, k)| (*k, i)).collect());

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
/// first; an unbound one three. An option object whose default is `{}` is echoed.
struct FixedShape<'a> {
    key: &'a str,
    stored: &'a Value,
    default: &'a Value,
}

impl Serialize for FixedShape<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (Some(stored), Some(default)) = (self.stored.as_object(), self.default.as_object())
        else {
            return self.stored.serialize(s);
        };
        if default.is_empty() {
            return self.stored.serialize(s);
        }
        let bound = self.key == "EipAddress"
            && stored
                .get("AllocationId")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty());
        let mut m = s.serialize_map(None)?;
        if bound {
            for k in BOUND_EIP {
                let fallback = match k {
                    "Bandwidth" => json!(0),
                    "IsSupportUnassociate" => json!(true),
                    _ => json!(""),
                };
                m.serialize_entry(k, stored.get(k).unwrap_or(&fallback))?;
            }
        } else {
            for (k, v) in default {
                m.serialize_entry(k, stored.get(k).unwrap_or(v))?;
            }
        }
        m.end()
    }
}

/// A field ecs-mock does not own, as Describe* shows it: the stored value, else the
/// real service's default (e.g. `InstanceNetworkType` `vpc`).
pub fn stored_field(inst: &Instance, key: &str) -> Option<Value> {
    inst.extra.get(key).or_else(|| DEFAULTS.get(key).cloned())
}

/// One value of a response object, borrowed from the state where it can be.
enum Field<'a> {
    Str(&'a str),
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A default value.
    Stored(&'a Value),
    Owned(Value),
    /// A stored field's JSON text.
    Raw(&'a str),
    Locks(&'a OperationLocks),
    /// `OperationLocks` with `LockReason` only (DescribeInstanceAttribute).
    LockReasons(&'a OperationLocks),
    Tags(&'a crate::ecs::model::Tags),
    EmptyObject,
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Str(v) => s.serialize_str(v),
            Field::Text(v) => s.serialize_str(v),
            Field::Int(v) => s.serialize_i64(*v),
            Field::Float(v) => s.serialize_f64(*v),
            Field::Bool(v) => s.serialize_bool(*v),
            Field::Stored(v) => v.serialize(s),
            Field::Owned(v) => v.serialize(s),
            Field::Raw(text) => Fragment(text).serialize(s),
            Field::Locks(locks) => locks.serialize(s),
            Field::LockReasons(locks) => {
                #[derive(Serialize)]
                #[serde(rename_all = "PascalCase")]
                struct Reason<'a> {
                    lock_reason: &'a str,
                }
                #[derive(Serialize)]
                #[serde(rename_all = "PascalCase")]
                struct Reasons<'a> {
                    lock_reason: Vec<Reason<'a>>,
                }
                Reasons {
                    lock_reason: locks
                        .lock_reason
                        .iter()
                        .map(|l| Reason {
                            lock_reason: &l.lock_reason,
                        })
                        .collect(),
                }
                .serialize(s)
            }
            Field::Tags(tags) => tags.serialize(s),
            Field::EmptyObject => s.serialize_map(Some(0))?.end(),
        }
    }
}

/// The stored JSON text of each captured key (by position), and whether the instance
/// carries keys the model does not know.
fn stored_by_position(inst: &Instance) -> ([Option<&str>; INSTANCE_KEYS], bool) {
    let mut stored = [None; INSTANCE_KEYS];
    let mut unknown = false;
    // Stored fields are kept in the captured order: one walk finds them all.
    for (key, text) in inst.extra.iter() {
        match key {
            StoredKey::Known(i) => stored[i] = Some(text),
            StoredKey::Other(name) => unknown |= !NEVER_SHOWN.contains(&name),
        }
    }
    (stored, unknown)
}

/// How many keys the captured `Instance` has (optional ones included).
const INSTANCE_KEYS: usize = 59;
const _: () = assert!(INSTANCE.len() == INSTANCE_KEYS);

/// Ready a stored field for rendering, once, whenever an instance is read
/// (fixtures, patches, persisted state) or created: stored objects (VpcAttributes,
/// NetworkInterfaces …) are put in the real service's key order, and fixed-shape objects
/// (`EipAddress`, `MetadataOptions`, `VpcAttributes` …) take the real service's shape,
/// so rendering copies each field's text as it is.
pub fn prepare_field(key: &str, mut value: Value) -> Value {
    if let Some(default) = DEFAULTS.get(key).filter(|d| d.is_object()) {
        let fixed = FixedShape {
            key,
            stored: &value,
            default,
        };
        if let Ok(v) = serde_json::to_value(&fixed) {
            value = v;
        }
    }
    order::arrange(&mut value, order::child_kind(key));
    value
}

/// The DescribeInstances `Instance` object, serialized straight into the output.
pub struct InstanceView<'a> {
    /// The instance.
    pub inst: &'a Instance,
    /// Its catalog type, when known.
    pub itype: Option<&'a InstanceType>,
}

impl Serialize for InstanceView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (stored, unknown) = stored_by_position(self.inst);
        if unknown {
            // Fields the model does not know: place them by the key-order rule.
            return Value::Object(instance_json(self.itype, self.inst)).serialize(s);
        }
        let mut m = s.serialize_map(None)?;
        for (key, stored) in INSTANCE.iter().zip(stored) {
            if let Some(value) = instance_field(key, self.itype, self.inst, stored) {
                m.serialize_entry(key, &value)?;
            }
        }
        m.end()
    }
}

/// The DescribeInstances `Instance` object as a map (for callers that need one, and for
/// instances with fields the model does not know, arranged by the key-order rule).
pub fn instance_json(itype: Option<&InstanceType>, inst: &Instance) -> Map<String, Value> {
    let (stored, _) = stored_by_position(inst);
    let mut out = Map::with_capacity(INSTANCE.len() + 2);
    for (key, stored) in INSTANCE.iter().zip(stored) {
        if let Some(value) = instance_field(key, itype, inst, stored) {
            let value = serde_json::to_value(&value).unwrap_or_default();
            out.insert((*key).to_string(), value);
        }
    }
    for (key, text) in inst.extra.iter() {
        if let StoredKey::Other(name) = key {
            if !KNOWN.contains(name) {
                let value = serde_json::from_str(text).unwrap_or(Value::Null);
                out.insert(name.to_string(), value);
            }
        }
    }
    order::arrange_map(&mut out, order::Kind::Instance);
    out
}

fn time(t: Option<EcsTime>) -> Field<'static> {
    Field::Text(t.map(|t| format_ecs(t.0)).unwrap_or_default())
}

/// A stored string (its JSON text), when it is a string and not empty.
fn non_empty(stored: Option<&str>) -> Option<&str> {
    stored.filter(|t| t.starts_with('"') && *t != "\"\"")
}

/// One key of the `Instance` object, or `None` when the real service leaves it out.
/// `stored` is what the fixture or RunInstances stored under that key.
fn instance_field<'a>(
    key: &'a str,
    itype: Option<&'a InstanceType>,
    inst: &'a Instance,
    stored: Option<&'a str>,
) -> Option<Field<'a>> {
    let live = match key {
        "InstanceId" => Field::Str(&inst.instance_id),
        "InstanceName" => Field::Str(&inst.instance_name),
        "HostName" => match non_empty(stored) {
            Some(text) => Field::Raw(text),
            None => Field::Str(&inst.instance_name),
        },
        "Status" => Field::Str(inst.status.as_str()),
        "RegionId" => Field::Str(&inst.region_id),
        "ZoneId" => Field::Str(&inst.zone_id),
        "InstanceType" => Field::Str(&inst.instance_type),
        "InstanceChargeType" => Field::Str(inst.instance_charge_type.as_str()),
        "CreationTime" => time(inst.creation_time),
        "StartTime" => time(inst.start_time),
        "ExpiredTime" => Field::Text(expired_time_text(inst)),
        "StoppedMode" => Field::Str(inst.stopped_mode.as_str()),
        "SpotStrategy" => Field::Str(inst.spot_strategy.as_str()),
        "SpotPriceLimit" => Field::Float(inst.spot_price_limit),
        "DeletionProtection" => Field::Bool(inst.deletion_protection),
        "OperationLocks" => Field::Locks(&inst.operation_locks),
        // Absent on an untagged instance (not `{"Tag": []}`).
        "Tags" if inst.tags.tag.is_empty() => return None,
        "Tags" => Field::Tags(&inst.tags),
        // Absent when no key pair is set.
        "KeyPairName" => Field::Raw(non_empty(stored)?),
        // Present ({}) on every captured cn-hangzhou instance and on none elsewhere.
        "PrivateDnsNameOptions" => match stored {
            Some(v) => Field::Raw(v),
            None if inst.region_id == "cn-hangzhou" => Field::EmptyObject,
            None => return None,
        },
        // Only on types with local disks.
        "LocalStorageAmount" | "LocalStorageCapacity" => match itype {
            Some(t) if t.local_storage_amount == 0 => return None,
            Some(t) if key == "LocalStorageAmount" => Field::Int(t.local_storage_amount as i64),
            Some(t) => Field::Int(t.local_storage_capacity as i64),
            None => Field::Raw(stored.filter(|t| *t != "0")?),
        },
        _ => match (itype, type_field(key)) {
            (Some(t), Some(derive)) => derive(t),
            _ => {
                // Stored fixed-shape objects already have the real shape
                // (see [`prepare_fields`]).
                return match stored {
                    Some(text) => Some(Field::Raw(text)),
                    None => DEFAULTS.get(key).map(Field::Stored),
                };
            }
        },
    };
    Some(live)
}

type Derive = fn(&InstanceType) -> Field<'static>;

/// Fields that follow from the instance type, when the catalog knows it.
fn type_field(key: &str) -> Option<Derive> {
    let derive: Derive = match key {
        "InstanceTypeFamily" => |t| Field::Text(t.family()),
        "Cpu" => |t| Field::Int(t.cpu_core_count as i64),
        // MiB, as the real service answers.
        "Memory" => |t| Field::Int((t.memory_size * 1024.0).round() as i64),
        "GPUAmount" => |t| Field::Int(t.gpu_amount as i64),
        "CpuOptions" => |t| {
            Field::Owned(
                json!({"ThreadsPerCore": 2, "Numa": numa(t), "CoreCount": t.cpu_core_count.div_ceil(2)}),
            )
        },
        "CreditSpecification" => |t| Field::Str(if burstable(t) { "Standard" } else { "" }),
        _ => return None,
    };
    Some(derive)
}

/// Burstable families (t5, t6): `CreditSpecification` `Standard`, `Numa` empty.
fn burstable(t: &InstanceType) -> bool {
    let id = t.instance_type_id.as_str();
    id.starts_with("ecs.t5") || id.starts_with("ecs.t6")
}

/// `CpuOptions.Numa` as captured: `""` for burstable, entry-level (`e-`), GPU (`gn`) and
/// bare-metal (`ebm`) families; `"ON"` for 2 vCPUs; `"N/A"` for larger sizes.
fn numa(t: &InstanceType) -> &'static str {
    let short = t.instance_type_id.trim_start_matches("ecs.");
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

/// The DescribeInstanceAttribute body, `RequestId` included in its captured slot: the
/// captured 33 keys, with this action's own value types — `IoOptimized` the string
/// `"optimized"`, `CreationTime` with seconds, `DedicatedHostAttribute` without its
/// cluster id, `EnableJumboFrame` `false`.
pub struct AttributeView<'a> {
    /// The instance.
    pub inst: &'a Instance,
    /// Its catalog type, when known.
    pub itype: Option<&'a InstanceType>,
    /// The request id, written among the fields.
    pub request_id: &'a str,
}

impl Serialize for AttributeView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (stored, _) = stored_by_position(self.inst);
        let at = |key: &str| POSITION.get(key).and_then(|&i| stored[i]);
        let (inst, itype) = (self.inst, self.itype);
        let mut m = s.serialize_map(Some(INSTANCE_ATTRIBUTE.len()))?;
        for key in INSTANCE_ATTRIBUTE {
            let value = match *key {
                "RequestId" => Field::Str(self.request_id),
                "EnableJumboFrame" => Field::Bool(false),
                "IoOptimized" => Field::Str(if at(key) == Some("false") {
                    "none"
                } else {
                    "optimized"
                }),
                "CreationTime" => Field::Text(
                    inst.creation_time
                        .map(|t| format_ecs_seconds(t.0))
                        .unwrap_or_default(),
                ),
                "DedicatedHostAttribute" => {
                    let stored: Option<Value> = at(key).and_then(|t| serde_json::from_str(t).ok());
                    let get = |k: &str| {
                        stored
                            .as_ref()
                            .and_then(|v| v.get(k))
                            .cloned()
                            .unwrap_or_else(|| json!(""))
                    };
                    Field::Owned(
                        json!({"DedicatedHostId": get("DedicatedHostId"), "DedicatedHostName": get("DedicatedHostName")}),
                    )
                }
                "OperationLocks" => Field::LockReasons(&inst.operation_locks),
                _ => match instance_field(key, itype, inst, at(key)) {
                    Some(v) => v,
                    None => continue,
                },
            };
            m.serialize_entry(key, &value)?;
        }
        m.end()
    }
}
