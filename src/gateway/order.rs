//! The real service's key order, applied to every object ecs-mock renders.
//!
//! The real ECS service writes its response objects from Java `HashMap`s, so their keys
//! come out in `HashMap` iteration order: by bucket, where the bucket depends only on the
//! key's `String.hashCode` and the table size for that many keys. Keys that share a
//! bucket come out in the server's insertion order, which cannot be computed; for the
//! objects seen in captured responses those tie orders are recorded below as each
//! object's full captured key list. So:
//!
//! - an object of a recorded kind (Instance, Disk, Image, …) gets its keys sorted by
//!   bucket, ties by the position in the recorded list (which reproduces the captured
//!   order exactly for the captured key sets);
//! - a key the capture never shows, or an object of a kind never captured, falls into the
//!   slot its bucket gives it (ties after the recorded keys, then in insertion order), so
//!   a new field can never land in an arbitrary place.
//!
//! The error envelope (`RequestId, HostId, Code, Message, Recommend`) is written by the
//! API gateway, not from a `HashMap`; [`crate::gateway::render`] writes it in its captured
//! order and only the objects inside it go through this module.

use serde_json::{Map, Value};

/// Java's `String.hashCode` over UTF-16 code units, as `u32`.
pub fn java_hash(key: &str) -> u32 {
    key.encode_utf16()
        .fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(u32::from(c)))
}

/// The table size a default `HashMap` grows to for `n` keys (load factor 0.75).
pub fn table_size(n: usize) -> u32 {
    let mut cap = 16u32;
    while n as u64 * 4 > u64::from(cap) * 3 {
        cap *= 2;
    }
    cap
}

/// The bucket of `key` in a table of `cap` slots (`HashMap.hash` spreads the high bits).
pub fn bucket(key: &str, cap: u32) -> u32 {
    let h = java_hash(key);
    (h ^ (h >> 16)) & (cap - 1)
}

/// The kinds of object whose captured key order is recorded (or that need a rule of
/// their own); everything else is [`Kind::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A DescribeInstances `Instance`.
    Instance,
    /// The DescribeInstanceAttribute body (flat, `RequestId` among the fields).
    InstanceAttribute,
    /// The top level of a success body other than DescribeInstanceAttribute.
    TopLevel,
    /// A DescribeDisks `Disk`.
    Disk,
    /// A DescribeImages `Image`.
    Image,
    /// Any object named by its key (see [`child_kind`]) with a recorded order.
    Recorded(&'static [&'static str]),
    /// No recorded order: the bucket rule, ties in insertion order.
    Other,
}

/// DescribeInstances `Instance`, as captured (optional keys in their slots).
pub const INSTANCE: &[&str] = &[
    "ResourceGroupId",
    "Memory",
    "InstanceChargeType",
    "Cpu",
    "OSName",
    "InstanceNetworkType",
    "InnerIpAddress",
    "ExpiredTime",
    "ImageId",
    "EipAddress",
    "ImageOptions",
    "HostName",
    "Tags",
    "VlanId",
    "Status",
    "HibernationOptions",
    "MetadataOptions",
    "InstanceId",
    "StoppedMode",
    "CpuOptions",
    "StartTime",
    "PrivateDnsNameOptions",
    "DeletionProtection",
    "SecurityGroupIds",
    "VpcAttributes",
    "InternetChargeType",
    "InstanceName",
    "DeploymentSetId",
    "InternetMaxBandwidthOut",
    "SerialNumber",
    "OSType",
    "CreationTime",
    "AutoReleaseTime",
    "Description",
    "LocalStorageCapacity",
    "InstanceTypeFamily",
    "DedicatedInstanceAttribute",
    "LocalStorageAmount",
    "PublicIpAddress",
    "GPUSpec",
    "NetworkInterfaces",
    "SpotPriceLimit",
    "DeviceAvailable",
    "SaleCycle",
    "InstanceType",
    "SpotStrategy",
    "OSNameEn",
    "KeyPairName",
    "IoOptimized",
    "ZoneId",
    "ClusterId",
    "EcsCapacityReservationAttr",
    "DedicatedHostAttribute",
    "GPUAmount",
    "OperationLocks",
    "InternetMaxBandwidthIn",
    "Recyclable",
    "RegionId",
    "CreditSpecification",
];

/// The DescribeInstanceAttribute body, as captured.
pub const INSTANCE_ATTRIBUTE: &[&str] = &[
    "Description",
    "Memory",
    "InstanceChargeType",
    "Cpu",
    "InstanceNetworkType",
    "PublicIpAddress",
    "InnerIpAddress",
    "EnableJumboFrame",
    "ExpiredTime",
    "ImageId",
    "EipAddress",
    "InstanceType",
    "VlanId",
    "HostName",
    "Status",
    "IoOptimized",
    "RequestId",
    "ZoneId",
    "ClusterId",
    "InstanceId",
    "StoppedMode",
    "DedicatedHostAttribute",
    "SecurityGroupIds",
    "VpcAttributes",
    "OperationLocks",
    "InternetChargeType",
    "InstanceName",
    "InternetMaxBandwidthOut",
    "SerialNumber",
    "InternetMaxBandwidthIn",
    "CreationTime",
    "RegionId",
    "CreditSpecification",
];

/// Top-level paging fields, in their captured tie order (DescribeInstances, DescribeDisks,
/// DescribeImages, DescribeInstanceFullStatus share these).
pub const TOP_LEVEL: &[&str] = &[
    "Instances",
    "TotalCount",
    "NextToken",
    "PageSize",
    "RequestId",
    "PageNumber",
    "Disks",
    "Images",
    "InstanceFullStatusSet",
    "RegionId",
];

/// A DescribeDisks `Disk` (cloud_essd order; cloud_efficiency swaps `PerformanceLevel`
/// and `Device`).
pub const DISK: &[&str] = &[
    "DetachedTime",
    "Category",
    "Description",
    "KMSKeyId",
    "ResourceGroupId",
    "Encrypted",
    "Size",
    "DeleteAutoSnapshot",
    "DiskChargeType",
    "Throughput",
    "IOPS",
    "MultiAttach",
    "Attachments",
    "Placement",
    "ExpiredTime",
    "ImageId",
    "StorageSetId",
    "Tags",
    "Status",
    "AttachedTime",
    "StorageClusterId",
    "ZoneId",
    "InstanceId",
    "SourceSnapshotId",
    "ProductCode",
    "PerformanceLevel",
    "Device",
    "DeleteWithInstance",
    "EnableAutomatedSnapshotPolicy",
    "EnableAutoSnapshot",
    "AutoSnapshotPolicyId",
    "DiskName",
    "OperationLocks",
    "BdfId",
    "Portable",
    "Type",
    "SerialNumber",
    "CreationTime",
    "RegionId",
    "DiskId",
];

/// A DescribeImages `Image`.
pub const IMAGE: &[&str] = &[
    "ImageOwnerAlias",
    "IsSelfShared",
    "Description",
    "Platform",
    "ResourceGroupId",
    "Size",
    "IsSubscribed",
    "BootMode",
    "OSName",
    "IsPublic",
    "ImageId",
    "DetectionOptions",
    "Features",
    "OSNameEn",
    "Tags",
    "LoginAsNonRootSupported",
    "Status",
    "Progress",
    "Usage",
    "Architecture",
    "ProductCode",
    "IsCopied",
    "ImageFamily",
    "IsSupportIoOptimized",
    "IsSupportCloudinit",
    "ImageName",
    "DiskDeviceMappings",
    "ImageVersion",
    "OSType",
    "CreationTime",
];

/// A DescribeInstanceTypes `InstanceType` (ecs.g7.xlarge, 36 keys; the local-disk keys
/// `LocalStorageCapacity` and `LocalStorageAmount` in the slots their buckets give).
pub const INSTANCE_TYPE: &[&str] = &[
    "InstancePpsTx",
    "NvmeSupport",
    "PrimaryEniQueueNumber",
    "TotalEniQueueQuantity",
    "LocalStorageCapacity",
    "EniTrunkSupported",
    "InstanceTypeFamily",
    "InstancePpsRx",
    "NetworkEncryptionSupport",
    "EriQuantity",
    "InstanceBandwidthRx",
    "Clock",
    "EnhancedNetwork",
    "InstanceBandwidthTx",
    "LocalStorageAmount",
    "SecondaryEniQueueNumber",
    "PhysicalProcessorModel",
    "LocalStorageCategory",
    "GPUSpec",
    "CpuArchitecture",
    "InstanceTypeId",
    "SupportedBootModes",
    "MemorySize",
    "MaximumQueueNumberPerEni",
    "EniIpv6AddressQuantity",
    "EniTotalQuantity",
    "CpuCoreCount",
    "NetworkInfo",
    "CpuOptions",
    "InstanceCategory",
    "EniQuantity",
    "GPUAmount",
    "DiskQuantity",
    "CpuSpeedFrequency",
    "InstanceFamilyLevel",
    "JumboFrameSupport",
    "CpuTurboFrequency",
    "EniPrivateIpAddressQuantity",
];

/// The top level of DescribeInstanceTypes (captured: `RequestId` before `NextToken`).
pub const INSTANCE_TYPES_TOP: &[&str] = &["RequestId", "NextToken", "InstanceTypes"];
/// A DescribeSecurityGroups `SecurityGroup` (the 14-key form, captured).
pub const SECURITY_GROUP: &[&str] = &[
    "RuleCount",
    "EcsCount",
    "Description",
    "ResourceGroupId",
    "SecurityGroupName",
    "ServiceManaged",
    "SecurityGroupId",
    "SecurityGroupType",
    "AvailableInstanceAmount",
    "ServiceID",
    "VpcId",
    "GroupToGroupRuleCount",
    "CreationTime",
    "Tags",
];

/// A DescribeSecurityGroupAttribute `Permission` (23 captured keys, with today's
/// `SecurityGroupRuleId` after `DestGroupName`, its bucket mates).
pub const PERMISSION: &[&str] = &[
    "SourceGroupId",
    "Policy",
    "Description",
    "SourcePortRange",
    "Priority",
    "CreateTime",
    "DestPrefixListName",
    "Ipv6SourceCidrIp",
    "NicType",
    "DestGroupId",
    "Direction",
    "SourceGroupName",
    "PortRange",
    "DestGroupOwnerAccount",
    "DestPrefixListId",
    "SourceCidrIp",
    "SourcePrefixListName",
    "IpProtocol",
    "DestCidrIp",
    "DestGroupName",
    "SecurityGroupRuleId",
    "SourceGroupOwnerAccount",
    "Ipv6DestCidrIp",
    "SourcePrefixListId",
];

/// The DescribeSecurityGroupAttribute body (ties: `SecurityGroupName` before `VpcId`
/// as captured; `NextToken`, and `InnerAccessPolicy` before `RegionId`, chosen).
pub const SECURITY_GROUP_ATTRIBUTE: &[&str] = &[
    "Description",
    "RequestId",
    "SecurityGroupName",
    "VpcId",
    "NextToken",
    "SecurityGroupId",
    "Permissions",
    "InnerAccessPolicy",
    "RegionId",
];

/// The recorded order of an object found under `key` (directly, or as an element of a
/// list under `key`), or the kind that has its own rule.
pub fn child_kind(key: &str) -> Kind {
    let list: &'static [&'static str] = match key {
        "Instance" => return Kind::Instance,
        "Disk" => return Kind::Disk,
        "Image" => return Kind::Image,
        "InstanceType" => INSTANCE_TYPE,
        "AvailableZone" => &[
            "Status",
            "StatusCategory",
            "ZoneId",
            "AvailableResources",
            "RegionId",
        ],
        // Instance types: Status, StatusCategory, Value; disks: Status, Min, Max, Value,
        // Unit (captured); Min and StatusCategory share a bucket, their tie unknown.
        "SupportedResource" => &["Status", "Min", "StatusCategory", "Max", "Value", "Unit"],
        "SecurityGroup" => SECURITY_GROUP,
        "Permission" => PERMISSION,
        "EipAddress" => &[
            "Bandwidth",
            "AllocationId",
            "IpAddress",
            "IsSupportUnassociate",
            "InternetChargeType",
        ],
        "MetadataOptions" => &["HttpTokens", "HttpEndpoint"],
        // An Instance's (ThreadsPerCore, Numa, CoreCount) and an InstanceType's
        // (SupportedTopologyTypes, CoreFactor, ThreadsPerCore, HyperThreadingAdjustable,
        // Core), both captured.
        "CpuOptions" => &[
            "SupportedTopologyTypes",
            "CoreFactor",
            "ThreadsPerCore",
            "Numa",
            "HyperThreadingAdjustable",
            "CoreCount",
            "Core",
        ],
        "VpcAttributes" => &["PrivateIpAddress", "VpcId", "VSwitchId", "NatIpAddress"],
        "DedicatedInstanceAttribute" => &["Tenancy", "Affinity"],
        "NetworkInterface" => &[
            "Type",
            "PrimaryIpAddress",
            "MacAddress",
            "NetworkInterfaceId",
            "PrivateIpSets",
        ],
        "PrivateIpSet" => &["PrivateIpAddress", "Primary"],
        "EcsCapacityReservationAttr" => &["CapacityReservationPreference", "CapacityReservationId"],
        "DedicatedHostAttribute" => &[
            "DedicatedHostId",
            "DedicatedHostName",
            "DedicatedHostClusterId",
        ],
        "Tag" => &["TagKey", "TagValue"],
        "Region" => &["RegionId", "RegionEndpoint", "LocalName"],
        "Attachment" => &["AttachedTime", "InstanceId", "Device"],
        "DiskDeviceMapping" => &[
            "SnapshotId",
            "Type",
            "Progress",
            "Format",
            "Device",
            "Size",
            "ImportOSSBucket",
            "ImportOSSObject",
        ],
        "InstanceFullStatusType" => &[
            "Status",
            "InstanceId",
            "HealthStatus",
            "ScheduledSystemEventSet",
        ],
        _ => return Kind::Other,
    };
    Kind::Recorded(list)
}

fn recorded(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Instance => INSTANCE,
        Kind::InstanceAttribute => INSTANCE_ATTRIBUTE,
        Kind::TopLevel => TOP_LEVEL,
        Kind::Disk => DISK,
        Kind::Image => IMAGE,
        Kind::Recorded(list) => list,
        Kind::Other => &[],
    }
}

/// The kind of a success body's top level for `action`.
pub fn top_kind(action: &str) -> Kind {
    match action {
        "DescribeInstanceAttribute" => Kind::InstanceAttribute,
        "DescribeInstanceTypes" => Kind::Recorded(INSTANCE_TYPES_TOP),
        "DescribeSecurityGroupAttribute" => Kind::Recorded(SECURITY_GROUP_ATTRIBUTE),
        _ => Kind::TopLevel,
    }
}

/// Put every object in `value` (recursively) into the real service's key order; `kind`
/// is the kind of `value` itself when it is an object.
pub fn arrange(value: &mut Value, kind: Kind) {
    match value {
        Value::Object(map) => arrange_map(map, kind),
        Value::Array(items) => {
            for item in items {
                arrange(item, kind);
            }
        }
        _ => {}
    }
}

/// [`arrange`] for a map.
pub fn arrange_map(map: &mut Map<String, Value>, kind: Kind) {
    for (key, child) in map.iter_mut() {
        if matches!(child, Value::Object(_) | Value::Array(_)) {
            arrange(child, child_kind(key));
        }
    }
    if map.len() < 2 {
        return;
    }
    let list = recorded(kind);
    // cloud_efficiency disks list `Device` before `PerformanceLevel` (captured).
    let swap_device = kind == Kind::Disk
        && map.get("Category").and_then(Value::as_str) == Some("cloud_efficiency");
    let rank = |key: &str| -> usize {
        let key = match (swap_device, key) {
            (true, "Device") => "PerformanceLevel",
            (true, "PerformanceLevel") => "Device",
            _ => key,
        };
        list.iter().position(|k| *k == key).unwrap_or(list.len())
    };
    let cap = table_size(map.len());
    let slots: Vec<u32> = map.keys().map(|k| bucket(k, cap)).collect();
    // The common case: already in order (built that way); ranks are looked up only for
    // neighbours that share a bucket.
    let in_order = map
        .keys()
        .zip(map.keys().skip(1))
        .enumerate()
        .all(|(i, (a, b))| {
            slots[i] < slots[i + 1] || (slots[i] == slots[i + 1] && rank(a) <= rank(b))
        });
    if in_order {
        return;
    }
    let mut entries: Vec<(u32, usize, String, Value)> = std::mem::take(map)
        .into_iter()
        .zip(slots)
        .map(|((k, v), slot)| (slot, rank(&k), k, v))
        .collect();
    // Stable: equal (bucket, rank) keep insertion order.
    entries.sort_by_key(|e| (e.0, e.1));
    map.extend(entries.into_iter().map(|(_, _, k, v)| (k, v)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn java_hash_matches_java() {
        assert_eq!(java_hash(""), 0);
        assert_eq!(java_hash("a"), 97);
        assert_eq!(java_hash("Ab") as i32, 2113);
        assert_eq!(table_size(12), 16);
        assert_eq!(table_size(13), 32);
        assert_eq!(table_size(57), 128);
        assert_eq!(table_size(33), 64);
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    #[test]
    fn recorded_lists_come_out_as_captured() {
        for (list, kind) in [
            (INSTANCE, Kind::Instance),
            (INSTANCE_ATTRIBUTE, Kind::InstanceAttribute),
            (DISK, Kind::Disk),
            (IMAGE, Kind::Image),
            (INSTANCE_TYPE, Kind::Recorded(INSTANCE_TYPE)),
        ] {
            // Inserted backwards, arranged back into the captured order.
            let mut v = Value::Object(
                list.iter()
                    .rev()
                    .map(|k| (k.to_string(), json!("")))
                    .collect(),
            );
            arrange(&mut v, kind);
            assert_eq!(keys(&v), list.to_vec());
        }
    }

    #[test]
    fn cloud_efficiency_disks_swap_device_and_performance_level() {
        let mut v = Value::Object(DISK.iter().map(|k| (k.to_string(), json!(""))).collect());
        v["Category"] = json!("cloud_efficiency");
        arrange(&mut v, Kind::Disk);
        let k = keys(&v);
        let dev = k.iter().position(|k| *k == "Device").unwrap();
        let pl = k.iter().position(|k| *k == "PerformanceLevel").unwrap();
        assert_eq!(pl, dev + 1);
    }

    #[test]
    fn unknown_keys_take_their_bucket() {
        let mut v = json!({"Zeta": 1, "RequestId": "R", "Alpha": 2});
        arrange(&mut v, Kind::Other);
        let mut expect = vec!["Zeta", "RequestId", "Alpha"];
        expect.sort_by_key(|k| bucket(k, 16));
        assert_eq!(keys(&v), expect);
    }
}
