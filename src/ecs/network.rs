//! Network resources as fixture entries and world state: VPCs, vSwitches, security
//! groups and their rules (`Vpcs`, `VSwitches`, `SecurityGroups` in the fixture), and the
//! IPv4 arithmetic private addresses are allocated with.
//!
//! ecs-mock does not serve the VPC API: VPCs and vSwitches come from the fixture (or are
//! implied by the instances that refer to them) and are shared by every account, as a
//! VPC shared through resource sharing is. Security groups belong to one account.

use serde::{Deserialize, Serialize};

use crate::ecs::model::Tags;

/// A VPC (`Vpcs` in the fixture).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Vpc {
    /// `vpc-…`.
    pub vpc_id: String,
    /// The region.
    pub region_id: String,
    /// e.g. `172.16.0.0/12`.
    #[serde(default = "default_vpc_cidr")]
    pub cidr_block: String,
    /// The owner; the fixture's first account when left out.
    #[serde(default)]
    pub account_id: String,
    /// The region's default VPC (exactly one per region after loading).
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_default: bool,
}

/// A vSwitch (`VSwitches` in the fixture).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct VSwitch {
    /// `vsw-…`.
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    /// The zone.
    pub zone_id: String,
    /// The VPC.
    pub vpc_id: String,
    /// e.g. `172.16.1.0/24`; private addresses of new instances come from it.
    #[serde(default = "default_vswitch_cidr")]
    pub cidr_block: String,
    /// The owner; the fixture's first account when left out.
    #[serde(default)]
    pub account_id: String,
    /// The zone's default vSwitch (exactly one per zone after loading).
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_default: bool,
}

fn default_vpc_cidr() -> String {
    "172.16.0.0/12".into()
}

fn default_vswitch_cidr() -> String {
    "172.16.0.0/24".into()
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn normal() -> String {
    "normal".into()
}

/// A security group (`SecurityGroups` in the fixture).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SecurityGroup {
    /// `sg-…`.
    pub security_group_id: String,
    /// The region.
    pub region_id: String,
    /// The owner; the fixture's first account when left out.
    #[serde(default)]
    pub account_id: String,
    /// The VPC.
    #[serde(default)]
    pub vpc_id: String,
    /// Name (may be empty).
    #[serde(default)]
    pub security_group_name: String,
    /// Description (may be empty).
    #[serde(default)]
    pub description: String,
    /// `normal` or `enterprise`.
    #[serde(default = "normal")]
    pub security_group_type: String,
    /// Resource group (may be empty).
    #[serde(default)]
    pub resource_group_id: String,
    /// `2021-04-30T09:57:23Z` (seconds).
    #[serde(default)]
    pub creation_time: String,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
    /// Rules, both directions, oldest first.
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

impl SecurityGroup {
    /// `Accept` for normal groups, `Drop` for enterprise ones.
    pub fn inner_access_policy(&self) -> &'static str {
        if self.security_group_type == "enterprise" {
            "Drop"
        } else {
            "Accept"
        }
    }

    /// Most instances the group may hold.
    pub fn instance_limit(&self) -> u64 {
        if self.security_group_type == "enterprise" {
            65_536
        } else {
            2_000
        }
    }
}

/// A rule of a security group, as DescribeSecurityGroupAttribute shows it (the stored
/// fields; the names of referenced groups are looked up when rendering).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub struct Permission {
    /// `sgr-…`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub security_group_rule_id: String,
    /// `ingress` or `egress`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub direction: String,
    /// Upper case: `TCP`, `UDP`, `ICMP`, `GRE`, `ALL`, `ICMPV6`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip_protocol: String,
    /// `22/22`; `-1/-1` for ICMP, GRE and ALL.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub port_range: String,
    /// Source port range (may be empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source_port_range: String,
    /// Source IPv4 CIDR, as given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source_cidr_ip: String,
    /// Source IPv6 CIDR, as given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv6_source_cidr_ip: String,
    /// Source group.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source_group_id: String,
    /// Source group's owner account.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source_group_owner_account: String,
    /// Source prefix list.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source_prefix_list_id: String,
    /// Destination IPv4 CIDR, as given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dest_cidr_ip: String,
    /// Destination IPv6 CIDR, as given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv6_dest_cidr_ip: String,
    /// Destination group (egress).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dest_group_id: String,
    /// Destination group's owner account.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dest_group_owner_account: String,
    /// Destination prefix list.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dest_prefix_list_id: String,
    /// `intranet` (the only VPC value) or `internet`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub nic_type: String,
    /// `Accept` or `Drop`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub policy: String,
    /// 1–100.
    pub priority: i64,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `2021-04-29T22:40:41Z` (seconds).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub create_time: String,
}

impl Permission {
    /// Whether `other` is the same rule (everything but id, description and time).
    pub fn same_rule(&self, other: &Permission) -> bool {
        self.direction == other.direction
            && self.ip_protocol == other.ip_protocol
            && self.port_range == other.port_range
            && self.source_port_range == other.source_port_range
            && self.source_cidr_ip == other.source_cidr_ip
            && self.ipv6_source_cidr_ip == other.ipv6_source_cidr_ip
            && self.source_group_id == other.source_group_id
            && self.source_prefix_list_id == other.source_prefix_list_id
            && self.dest_cidr_ip == other.dest_cidr_ip
            && self.ipv6_dest_cidr_ip == other.ipv6_dest_cidr_ip
            && self.dest_group_id == other.dest_group_id
            && self.dest_prefix_list_id == other.dest_prefix_list_id
            && self.nic_type == other.nic_type
            && self.policy == other.policy
            && self.priority == other.priority
    }

    /// Whether the rule names group `id` as its source or destination.
    pub fn refers_to(&self, id: &str) -> bool {
        self.source_group_id == id || self.dest_group_id == id
    }
}

/// Check the fixture's network sections: unique ids, known regions, zones, VPCs and
/// accounts, CIDR blocks that parse. `Err((entry, problem))`.
pub fn validate(f: &crate::ecs::catalog::Fixture) -> Result<(), (String, String)> {
    use std::collections::HashSet;
    let known_account = |a: &str| a.is_empty() || f.accounts.iter().any(|x| x.account_id == a);
    let mut vpcs: HashSet<&str> = HashSet::new();
    for (i, v) in f.vpcs.iter().enumerate() {
        let entry = format!("Vpcs[{i}] ({})", v.vpc_id);
        if !v.vpc_id.starts_with("vpc-") || !vpcs.insert(v.vpc_id.as_str()) {
            return Err((entry, "VpcId must look like vpc-… and be unique".into()));
        }
        if !f.regions.iter().any(|r| r.region_id == v.region_id) {
            return Err((
                entry,
                format!("RegionId {:?} is not a region of the fixtures", v.region_id),
            ));
        }
        if parse_cidr(&v.cidr_block).is_none() {
            return Err((
                entry,
                format!("CidrBlock {:?} is not a CIDR block", v.cidr_block),
            ));
        }
        if !known_account(&v.account_id) {
            return Err((
                entry,
                format!(
                    "AccountId {:?} is not an account of the fixtures",
                    v.account_id
                ),
            ));
        }
    }
    let mut vswitches: HashSet<&str> = HashSet::new();
    for (i, s) in f.vswitches.iter().enumerate() {
        let entry = format!("VSwitches[{i}] ({})", s.vswitch_id);
        if !s.vswitch_id.starts_with("vsw-") || !vswitches.insert(s.vswitch_id.as_str()) {
            return Err((entry, "VSwitchId must look like vsw-… and be unique".into()));
        }
        let Some(vpc) = f.vpcs.iter().find(|v| v.vpc_id == s.vpc_id) else {
            return Err((entry, format!("VpcId {:?} is not in Vpcs", s.vpc_id)));
        };
        let in_region = f
            .regions
            .iter()
            .any(|r| r.region_id == vpc.region_id && r.zone(&s.zone_id).is_some());
        if !in_region {
            return Err((
                entry,
                format!(
                    "ZoneId {:?} is not a zone of the VPC's region {}",
                    s.zone_id, vpc.region_id
                ),
            ));
        }
        if parse_cidr(&s.cidr_block).is_none() {
            return Err((
                entry,
                format!("CidrBlock {:?} is not a CIDR block", s.cidr_block),
            ));
        }
        if !known_account(&s.account_id) {
            return Err((
                entry,
                format!(
                    "AccountId {:?} is not an account of the fixtures",
                    s.account_id
                ),
            ));
        }
    }
    let mut groups: HashSet<(&str, &str)> = HashSet::new();
    for (i, g) in f.security_groups.iter().enumerate() {
        let entry = format!("SecurityGroups[{i}] ({})", g.security_group_id);
        let account = if g.account_id.is_empty() {
            f.accounts.first().map_or("", |a| a.account_id.as_str())
        } else {
            g.account_id.as_str()
        };
        if !g.security_group_id.starts_with("sg-")
            || !groups.insert((account, g.security_group_id.as_str()))
        {
            return Err((
                entry,
                "SecurityGroupId must look like sg-… and be unique".into(),
            ));
        }
        if !f.regions.iter().any(|r| r.region_id == g.region_id) {
            return Err((
                entry,
                format!("RegionId {:?} is not a region of the fixtures", g.region_id),
            ));
        }
        if !known_account(&g.account_id) {
            return Err((
                entry,
                format!(
                    "AccountId {:?} is not an account of the fixtures",
                    g.account_id
                ),
            ));
        }
        if !matches!(g.security_group_type.as_str(), "normal" | "enterprise") {
            return Err((
                entry,
                "SecurityGroupType must be normal or enterprise".into(),
            ));
        }
    }
    Ok(())
}

/// An IPv4 address as a number.
pub fn parse_ipv4(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut n = 0u32;
    for part in parts {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        n = (n << 8) | v;
    }
    Some(n)
}

/// An address written the usual way.
pub fn format_ipv4(n: u32) -> String {
    let b = n.to_be_bytes();
    format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
}

/// `a.b.c.d/len` as (first address, prefix length); a bare address is a `/32`.
pub fn parse_cidr(s: &str) -> Option<(u32, u8)> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, l.parse::<u8>().ok().filter(|l| *l <= 32)?),
        None => (s, 32),
    };
    let addr = parse_ipv4(addr)?;
    Some((addr & mask(len), len))
}

/// The network mask of a prefix length.
pub fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

/// The smallest CIDR, at most `/max_len`, holding every address from `lo` to `hi`.
pub fn covering_cidr(lo: u32, hi: u32, max_len: u8) -> String {
    let mut len = max_len;
    while len > 0 && (lo & mask(len)) != (hi & mask(len)) {
        len -= 1;
    }
    format!("{}/{len}", format_ipv4(lo & mask(len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_arithmetic() {
        assert_eq!(parse_ipv4("172.16.1.10"), Some(0xAC10_010A));
        assert_eq!(parse_ipv4("172.16.1"), None);
        assert_eq!(parse_ipv4("172.16.1.256"), None);
        assert_eq!(parse_cidr("172.16.1.7/24"), Some((0xAC10_0100, 24)));
        assert_eq!(parse_cidr("0.0.0.0/0"), Some((0, 0)));
        assert_eq!(parse_cidr("1.2.3.4/33"), None);
        assert_eq!(format_ipv4(0xAC10_010A), "172.16.1.10");
        let (a, b) = (
            parse_ipv4("172.16.1.10").unwrap(),
            parse_ipv4("172.16.1.30").unwrap(),
        );
        assert_eq!(covering_cidr(a, b, 24), "172.16.1.0/24");
        let c = parse_ipv4("172.16.3.1").unwrap();
        assert_eq!(covering_cidr(a, c, 24), "172.16.0.0/22");
    }
}
