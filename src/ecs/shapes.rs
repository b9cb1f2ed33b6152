//! The shape of an instance's stored fields, as the real service has them: the value of
//! every always-present `Instance` key for an instance that has nothing set, and the
//! fixed shape of objects such as `EipAddress` or `MetadataOptions`. Stored fields are
//! put in that shape once, when an instance is read ([`prepare_field`]); filters read
//! them through [`stored_field`]; the gateway's views fall back to [`DEFAULTS`].

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::ecs::model::Instance;
use crate::gateway::order;

/// The real service's value of every always-present key for an instance that has
/// nothing set (captured responses: `""` strings, wrapped empty lists, fixed-shape
/// objects with empty sub-keys).
pub static DEFAULTS: LazyLock<HashMap<String, Value>> = LazyLock::new(|| {
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

/// The keys whose values [`prepare_field`] decides on; every other value it only moves:
/// `AllocationId` (a bound EIP takes five keys) and `Category` (a `cloud_efficiency`
/// disk's key order, in [`order::arrange`]). A rule that reads another value names its
/// key here: `ecs::layouts` reuses a prepared layout for objects that differ
/// only in the values of other keys.
pub const DECIDING_KEYS: &[&str] = &["AllocationId", "Category"];

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
