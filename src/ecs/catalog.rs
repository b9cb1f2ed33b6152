//! Accounts (keys, RAM users, balance, KMS, quotas), regions and zones (stock, spot
//! prices), the instance-type catalog, and the whole fixture document that holds them
//! with the instances (the README's "Fixture format").

use std::collections::BTreeMap;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ecs::images::Image;
use crate::ecs::key_pairs::KeyPair;
use crate::ecs::model::{Disk, Instance};

/// An access key pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AccessKey {
    /// The id sent by clients.
    pub access_key_id: String,
    /// The secret used to sign.
    pub access_key_secret: String,
    /// `Active` (default, not written in dumps) or `Inactive`.
    #[serde(default, skip_serializing_if = "KeyStatus::is_active")]
    pub status: KeyStatus,
}

/// Whether an access key may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum KeyStatus {
    /// Usable.
    #[default]
    Active,
    /// Refused with `InvalidAccessKeyId.Inactive`.
    Inactive,
}

impl KeyStatus {
    /// Whether the key is usable.
    pub fn is_active(&self) -> bool {
        *self == KeyStatus::Active
    }
}

/// A RAM user of an account with its own keys and allowed actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RamUser {
    /// Name.
    pub user_name: String,
    /// Keys of the user.
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// Patterns like `ecs:Describe*`, `ecs:StartInstance`, `*`.
    #[serde(default)]
    pub allowed_actions: Vec<String>,
}

/// Whether RAM `patterns` allow `action` (`ecs:StartInstance`, `ecs:Describe*`, `*`;
/// the `ecs:` prefix may be left out).
pub fn action_allowed(patterns: &[String], action: &str) -> bool {
    let full = format!("ecs:{action}");
    patterns
        .iter()
        .any(|p| wildcard_match(p, &full) || wildcard_match(p, action))
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    Wildcard::new(pattern).matches(text)
}

/// A `*` pattern compiled once, before any lock is taken: the literal parts between
/// stars, with runs of stars collapsed, so matching costs O(text) per candidate however
/// many stars the caller sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Wildcard {
    /// `[prefix, middle…, suffix]`; a single part means no star (exact match).
    parts: Vec<String>,
}

impl Wildcard {
    /// Compile `pattern`.
    pub fn new(pattern: &str) -> Self {
        let split: Vec<&str> = pattern.split('*').collect();
        let last = split.len() - 1;
        let parts = split
            .iter()
            .enumerate()
            .filter(|(i, p)| *i == 0 || *i == last || !p.is_empty())
            .map(|(_, p)| p.to_string())
            .collect();
        Wildcard { parts }
    }

    /// Whether `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let [first, middle @ .., last] = self.parts.as_slice() else {
            return self.parts.first().is_some_and(|p| p == text);
        };
        let Some(mut rest) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        for part in middle {
            match rest.find(part.as_str()) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
        rest.ends_with(last.as_str())
    }
}

/// Quotas of an account in one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Quota {
    /// The region.
    pub region_id: String,
    /// Total vCPUs of instances holding resources; absent = unlimited.
    #[serde(default, rename = "VCpus", skip_serializing_if = "Option::is_none")]
    pub vcpus: Option<u64>,
    /// Maximum instances holding resources, per type; absent type = unlimited.
    #[serde(default)]
    pub instances_per_type: BTreeMap<String, u64>,
}

/// An account: keys, money, KMS and quotas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Account {
    /// 16-digit id.
    pub account_id: String,
    /// Balance; PostPaid instances cannot start at ≤ 0.
    #[serde(default = "default_balance")]
    pub balance: f64,
    /// Whether ECS may use the account's KMS keys (encrypted disks).
    #[serde(default = "yes")]
    pub kms_authorized: bool,
    /// Root access keys.
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// RAM users.
    #[serde(default)]
    pub ram_users: Vec<RamUser>,
    /// Quotas per region.
    #[serde(default)]
    pub quotas: Vec<Quota>,
}

fn default_balance() -> f64 {
    100.0
}

fn yes() -> bool {
    true
}

impl Account {
    /// The quota entry of a region.
    pub fn quota(&self, region: &str) -> Option<&Quota> {
        self.quotas.iter().find(|q| q.region_id == region)
    }
}

/// A zone with stock per instance type and current spot prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Zone {
    /// `<region>-<letter>`.
    pub zone_id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub local_name: String,
    /// Instances of each type that can still be created or started; absent = not sold here.
    #[serde(default)]
    pub stock: BTreeMap<String, u64>,
    /// Current spot market price per type.
    #[serde(default)]
    pub spot_prices: BTreeMap<String, f64>,
    /// Types the zone is retiring: still sold from their stock, but
    /// DescribeAvailableResource shows them `ClosedWithStock` (`ClosedWithoutStock` at 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<String>,
}

/// A region and its zones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Region {
    /// e.g. `cn-hangzhou`.
    pub region_id: String,
    /// Display name, e.g. `China (Hangzhou)`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub local_name: String,
    /// Zones.
    #[serde(default)]
    pub zones: Vec<Zone>,
}

impl Region {
    /// A zone by id.
    pub fn zone(&self, zone_id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.zone_id == zone_id)
    }
}

/// An entry of the instance-type catalog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct InstanceType {
    /// e.g. `ecs.g7.large`.
    pub instance_type_id: String,
    /// vCPUs.
    pub cpu_core_count: u64,
    /// GiB.
    pub memory_size: f64,
    /// Whether the type has local disks (d1, i2 …).
    #[serde(default)]
    pub local_storage: bool,
    /// Hourly pay-as-you-go price.
    #[serde(default)]
    pub public_price: f64,
    /// Number of local disks.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub local_storage_amount: u64,
    /// Capacity of each local disk, GiB.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub local_storage_capacity: u64,
    /// GPUs.
    #[serde(default, rename = "GPUAmount", skip_serializing_if = "is_zero")]
    pub gpu_amount: u64,
    // What DescribeInstanceTypes shows beyond the fields above (wire names): each
    // absent one is derived from the id, vCPUs and memory (see `ecs::instance_types`).
    /// e.g. `ecs.g7` (default: the id without its last part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type_family: Option<String>,
    /// e.g. `General-purpose`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_category: Option<String>,
    /// `EntryLevel`, `EnterpriseLevel` or `CreditEntryLevel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_family_level: Option<String>,
    /// `X86` or `ARM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_architecture: Option<String>,
    /// e.g. `Intel Xeon (Ice Lake) Platinum 8369B`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_processor_model: Option<String>,
    /// Base clock, GHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_speed_frequency: Option<f64>,
    /// Turbo clock, GHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_turbo_frequency: Option<f64>,
    /// GPU model (`""` without GPUs).
    #[serde(default, rename = "GPUSpec", skip_serializing_if = "Option::is_none")]
    pub gpu_spec: Option<String>,
    /// GPU memory, GiB (shown only when set).
    #[serde(
        default,
        rename = "GPUMemorySize",
        skip_serializing_if = "Option::is_none"
    )]
    pub gpu_memory_size: Option<f64>,
    /// `local_ssd_pro`, `local_hdd_pro`, or `""` without local disks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_storage_category: Option<String>,
    /// `required` or `unsupported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nvme_support: Option<String>,
    /// ENIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_quantity: Option<u64>,
    /// Private IPv4 addresses per ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_private_ip_address_quantity: Option<u64>,
    /// IPv6 addresses per ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_ipv6_address_quantity: Option<u64>,
    /// ENIs including trunked ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_total_quantity: Option<u64>,
    /// Elastic RDMA interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eri_quantity: Option<u64>,
    /// Cloud disks that can be attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_quantity: Option<u64>,
    /// Inbound bandwidth, kbit/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_bandwidth_rx: Option<u64>,
    /// Outbound bandwidth, kbit/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_bandwidth_tx: Option<u64>,
    /// Inbound packets per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_pps_rx: Option<u64>,
    /// Outbound packets per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_pps_tx: Option<u64>,
    /// Queues of the primary ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_eni_queue_number: Option<u64>,
    /// Queues of a secondary ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_eni_queue_number: Option<u64>,
    /// Most queues one ENI may have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_queue_number_per_eni: Option<u64>,
    /// Queues of all ENIs together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_eni_queue_quantity: Option<u64>,
    /// Whether ENI trunking is supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_trunk_supported: Option<bool>,
    /// Whether jumbo frames are supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jumbo_frame_support: Option<bool>,
    /// Whether in-transit encryption is supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_encryption_support: Option<bool>,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl InstanceType {
    /// The family: `InstanceTypeFamily` when given, else `ecs.g7.large` → `ecs.g7`.
    pub fn family(&self) -> String {
        if let Some(f) = &self.instance_type_family {
            return f.clone();
        }
        match self.instance_type_id.rsplit_once('.') {
            Some((family, _)) => family.to_string(),
            None => self.instance_type_id.clone(),
        }
    }
}

/// A whole fixture document: the state of the emulator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Fixture {
    /// Accounts.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Regions with zones.
    #[serde(default)]
    pub regions: Vec<Region>,
    /// The instance-type catalog.
    #[serde(default)]
    pub instance_types: Vec<InstanceType>,
    /// Instances (shared with the worlds built from the document until they change).
    #[serde(default)]
    pub instances: Vec<Arc<Instance>>,
    /// SSH key pairs (those instances name exist without being listed here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_pairs: Vec<KeyPair>,
    /// Images; absent: the built-in public images (`fixtures/public-images.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// VPCs (see [`crate::ecs::network`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpcs: Vec<crate::ecs::network::Vpc>,
    /// vSwitches.
    #[serde(default, rename = "VSwitches", skip_serializing_if = "Vec::is_empty")]
    pub vswitches: Vec<crate::ecs::network::VSwitch>,
    /// Security groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<crate::ecs::network::SecurityGroup>,
    /// Standalone disks (not attached to an instance), with their `AccountId`,
    /// `RegionId` and `ZoneId`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disks: Vec<Disk>,
}

impl Fixture {
    /// Merge another document into this one (folder loading: files in name order).
    pub fn merge(&mut self, other: Fixture) {
        self.accounts.extend(other.accounts);
        self.regions.extend(other.regions);
        self.instance_types.extend(other.instance_types);
        self.instances.extend(other.instances);
        self.key_pairs.extend(other.key_pairs);
        if let Some(images) = other.images {
            self.images.get_or_insert_with(Vec::new).extend(images);
        }
        self.vpcs.extend(other.vpcs);
        self.vswitches.extend(other.vswitches);
        self.security_groups.extend(other.security_groups);
        self.disks.extend(other.disks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("ecs:Describe*", "ecs:DescribeInstances"));
        assert!(wildcard_match("*", "ecs:StartInstance"));
        assert!(wildcard_match("ecs:*Instance", "ecs:StartInstance"));
        assert!(!wildcard_match("ecs:Describe*", "ecs:StartInstance"));
        assert!(wildcard_match("ecs:StartInstance", "ecs:StartInstance"));
        assert!(wildcard_match("web-**-1", "web-a-1"));
        assert!(
            !wildcard_match("ab*ba", "aba"),
            "prefix and suffix may not overlap"
        );
        assert!(wildcard_match(&"*".repeat(900_000), "anything"));
        assert_eq!(Wildcard::new(&"*".repeat(900_000)), Wildcard::new("*"));
    }

    #[test]
    fn ram_patterns() {
        let p = vec!["ecs:Describe*".to_string()];
        assert!(action_allowed(&p, "DescribeInstances"));
        assert!(!action_allowed(&p, "StartInstance"));
    }
}
