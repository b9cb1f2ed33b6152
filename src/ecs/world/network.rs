//! VPCs and vSwitches in the world: loading them from the fixture, the ones fixture
//! instances imply, the defaults every region and zone gets, and private addresses.
//!
//! Loading takes the fixture's `Vpcs` and `VSwitches`, then what one walk of the
//! instances read from each one's stored `VpcAttributes` and `SecurityGroupIds`
//! ([`scan_instances`], on another core while the world indexes the instances; no
//! per-instance state is kept): a VPC or vSwitch an instance names but the fixture
//! lacks is added, its CIDR the smallest block (at most a `/24` for a vSwitch, a `/16`
//! for a VPC) holding its instances' addresses; so is a security group (see
//! `security_groups`), first seen first in listing order. Every
//! region then has a default VPC and every zone a default vSwitch (added, with ids
//! derived from the region or zone, when the fixture has none), so RunInstances without
//! a `VSwitchId` always has somewhere to go.
//!
//! New private addresses go up from the highest address in use in the vSwitch (a
//! number per vSwitch, recomputed from the instances after loading or replaying); when
//! the top of the block is reached the lowest free address is found by scanning the
//! vSwitch's instances.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{FastMap, FastSet, World};
use crate::ecs::instance_scan::Cursor;
use crate::ecs::model::Instance;
use crate::ecs::network::{covering_cidr, format_ipv4, mask, parse_cidr, parse_ipv4};
use crate::ecs::network::{VSwitch, Vpc};
use crate::ecs::sym::CowStr;
use crate::error::{ApiError, ApiResult, Code};

/// The part of a stored `VpcAttributes` loading reads (borrowed from its text).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct VpcAttrs<'a> {
    #[serde(borrow)]
    vpc_id: Cow<'a, str>,
    #[serde(rename = "VSwitchId", borrow)]
    vswitch_id: Cow<'a, str>,
    #[serde(borrow)]
    private_ip_address: IpList<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct IpList<'a> {
    #[serde(borrow)]
    ip_address: Vec<CowStr<'a>>,
}

/// The part of a stored `SecurityGroupIds` read.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct GroupIds {
    security_group_id: Vec<String>,
}

/// What an instance's stored network fields say: VPC, vSwitch, first private address.
pub(crate) fn vpc_attributes(inst: &Instance) -> (String, String, Option<u32>) {
    with_vpc_attributes(inst, |vpc, vsw, ip| (vpc.to_string(), vsw.to_string(), ip))
}

/// [`vpc_attributes`] handed to `f` without copying the ids.
fn with_vpc_attributes<R>(inst: &Instance, f: impl FnOnce(&str, &str, Option<u32>) -> R) -> R {
    with_vpc_text(inst.extra.raw("VpcAttributes").as_deref(), f)
}

/// What a stored `VpcAttributes` text says (VPC, vSwitch, first private address; all
/// empty when it is absent or not of that shape), handed to `f`.
fn with_vpc_text<R>(text: Option<&str>, f: impl FnOnce(&str, &str, Option<u32>) -> R) -> R {
    if let Some((vpc, vsw, ip)) = text.and_then(plain_vpc_attributes) {
        return f(vpc, vsw, ip.and_then(parse_ipv4));
    }
    let attrs: VpcAttrs<'_> = text
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let ip = attrs
        .private_ip_address
        .ip_address
        .first()
        .and_then(|a| parse_ipv4(&a.0));
    f(&attrs.vpc_id, &attrs.vswitch_id, ip)
}

/// `slot` set to `value` unless already set (`None`: a repeated key).
fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

/// A `VpcAttributes` text in its common form, read as [`VpcAttrs`] reads it: strings
/// without escapes, `VpcId`, `VSwitchId` and other keys with string values and
/// `PrivateIpAddress` as `{"IpAddress":[…strings]}`, none of the three repeated; the
/// VPC, the vSwitch and the first private address. `None` for anything else.
fn plain_vpc_attributes(text: &str) -> Option<(&str, &str, Option<&str>)> {
    let mut c = Cursor::new(text);
    let (mut vpc, mut vsw, mut ips) = (None, None, None);
    c.expect(b'{')?;
    if !c.eat(b'}') {
        loop {
            let key = c.plain()?;
            c.expect(b':')?;
            match key {
                "VpcId" => set_once(&mut vpc, c.plain()?)?,
                "VSwitchId" => set_once(&mut vsw, c.plain()?)?,
                "PrivateIpAddress" => {
                    c.expect(b'{')?;
                    c.key("IpAddress")?;
                    c.expect(b'[')?;
                    let mut first = None;
                    if !c.eat(b']') {
                        loop {
                            let ip = c.plain()?;
                            first.get_or_insert(ip);
                            if !c.eat(b',') {
                                c.expect(b']')?;
                                break;
                            }
                        }
                    }
                    c.expect(b'}')?;
                    set_once(&mut ips, first)?;
                }
                _ => {
                    c.plain()?;
                }
            }
            if !c.eat(b',') {
                c.expect(b'}')?;
                break;
            }
        }
    }
    c.finished().then_some((
        vpc.unwrap_or_default(),
        vsw.unwrap_or_default(),
        ips.flatten(),
    ))
}

/// An instance's security groups, as stored.
pub(crate) fn security_group_ids(inst: &Instance) -> Vec<String> {
    inst.extra
        .raw("SecurityGroupIds")
        .map(|t| group_ids(&t))
        .unwrap_or_default()
}

/// The group ids of a stored `SecurityGroupIds` text.
fn group_ids(text: &str) -> Vec<String> {
    serde_json::from_str::<GroupIds>(text)
        .map(|g| g.security_group_id)
        .unwrap_or_default()
}

/// A vSwitch seen on instances: where it is and the addresses in use.
struct SeenVSwitch {
    vpc_id: String,
    zone_id: String,
    account_id: String,
    low: Option<u32>,
    high: Option<u32>,
}

/// Ids derived from a name: `<kind>-<region prefix>` + base-36 characters of a hash,
/// `len` characters after the dash (stable across loads).
fn derived_id(kind: &str, region: &str, name: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let prefix = crate::ecs::ids::region_prefix(region);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = format!("{kind}-{prefix}");
    while out.len() < kind.len() + 1 + len {
        for b in name.bytes().chain(out.bytes().last()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        out.push(ALPHABET[(h % 36) as usize] as char);
    }
    out
}

/// What a fixture's instances say about the network and their security groups, read in
/// one walk in listing order (by [`scan_instances`], on a core of its own while the
/// world indexes the instances) and taken by `load_network` and `load_security_groups`.
#[derive(Default)]
pub(super) struct InstanceScan {
    /// VPCs instances name that the fixture lacks, first seen first: (id, region,
    /// account).
    vpcs: Vec<(String, String, String)>,
    /// vSwitches instances name that the fixture lacks, with their addresses in use.
    vswitches: BTreeMap<String, SeenVSwitch>,
    /// Those vSwitches' ids, first seen first.
    vswitch_order: Vec<String>,
    /// The highest address in use in each fixture vSwitch (inside its block).
    marks: FastMap<String, u32>,
    /// Security groups instances name, first seen first: (account, id), region, VPC.
    pub(super) groups: Vec<(super::security_groups::GroupKey, String, String)>,
}

/// Read what `instances` (in listing order) say about VPCs, vSwitches and security
/// groups, given the fixture's own VPCs and vSwitches.
pub(super) fn scan_instances(
    instances: &[std::sync::Arc<Instance>],
    vpcs: &[Vpc],
    vswitches: &[VSwitch],
) -> InstanceScan {
    let mut scan = InstanceScan::default();
    let known_vpcs: FastSet<&str> = vpcs.iter().map(|v| v.vpc_id.as_str()).collect();
    // Each fixture vSwitch's block (the last entry of an id, as the world keeps it).
    let mut blocks: FastMap<&str, Option<(u32, u8)>> = FastMap::default();
    for v in vswitches {
        blocks.insert(v.vswitch_id.as_str(), parse_cidr(&v.cidr_block));
    }
    let mut seen_vpc_ids: FastSet<String> = FastSet::default();
    let mut seen_groups: FastSet<super::security_groups::GroupKey> = FastSet::default();
    // Most instances repeat other instances' groups: those are skipped quickly (the
    // first few thousand distinct lists are remembered, with the accounts that showed
    // them).
    let mut read: FastMap<String, Vec<crate::ecs::sym::Sym>> = FastMap::default();
    let mut last_vpc = String::new();
    for inst in instances {
        let [vpc_text, groups_text] = inst.extra.raws(["VpcAttributes", "SecurityGroupIds"]);
        with_vpc_text(vpc_text.as_deref(), |vpc, vsw, ip| {
            // The VPC of the instance before was looked at already.
            let same_vpc = last_vpc == vpc;
            if !same_vpc {
                last_vpc.clear();
                last_vpc.push_str(vpc);
            }
            if !same_vpc
                && !vpc.is_empty()
                && !known_vpcs.contains(vpc)
                && !seen_vpc_ids.contains(vpc)
            {
                seen_vpc_ids.insert(vpc.to_string());
                scan.vpcs.push((
                    vpc.to_string(),
                    inst.region_id.to_string(),
                    inst.account_id.to_string(),
                ));
            }
            match blocks.get(vsw) {
                Some(block) => {
                    if let (Some(ip), Some((base, len))) = (ip, *block) {
                        if ip & mask(len) == base {
                            match scan.marks.get_mut(vsw) {
                                Some(m) => *m = (*m).max(ip),
                                None => {
                                    scan.marks.insert(vsw.to_string(), ip);
                                }
                            }
                        }
                    }
                }
                None if !vsw.is_empty() => {
                    if !scan.vswitches.contains_key(vsw) {
                        scan.vswitch_order.push(vsw.to_string());
                        scan.vswitches.insert(
                            vsw.to_string(),
                            SeenVSwitch {
                                vpc_id: vpc.to_string(),
                                zone_id: inst.zone_id.to_string(),
                                account_id: inst.account_id.to_string(),
                                low: None,
                                high: None,
                            },
                        );
                    }
                    if let (Some(ip), Some(e)) = (ip, scan.vswitches.get_mut(vsw)) {
                        e.low = Some(e.low.map_or(ip, |l| l.min(ip)));
                        e.high = Some(e.high.map_or(ip, |h| h.max(ip)));
                    }
                }
                None => {}
            }
            let Some(text) = groups_text else {
                return;
            };
            let known = match read.get_mut(text.as_ref()) {
                Some(accounts) if accounts.contains(&inst.account_id) => return,
                Some(accounts) => {
                    accounts.push(inst.account_id.clone());
                    true
                }
                None => false,
            };
            for id in group_ids(&text) {
                let key = (inst.account_id.to_string(), id);
                if seen_groups.insert(key.clone()) {
                    scan.groups
                        .push((key, inst.region_id.to_string(), vpc.to_string()));
                }
            }
            if !known && read.len() < 4096 {
                read.insert(text.into_owned(), vec![inst.account_id.clone()]);
            }
        });
    }
    scan
}

impl World {
    /// Take the fixture's VPCs and vSwitches, add the ones instances imply and the
    /// defaults, and compute the address marks. `first_account` owns entries that name
    /// no account.
    /// `scan` is what the instances say ([`scan_instances`] of the same fixture).
    pub(super) fn load_network(
        &mut self,
        vpcs: Vec<Vpc>,
        vswitches: Vec<VSwitch>,
        first: &str,
        scan: &mut InstanceScan,
    ) {
        let mut vpc_order: Vec<String> = Vec::new();
        for mut v in vpcs {
            if v.account_id.is_empty() {
                v.account_id = first.to_string();
            }
            vpc_order.push(v.vpc_id.clone());
            self.vpcs.insert(v.vpc_id.clone(), v);
        }
        let mut vsw_order: Vec<String> = Vec::new();
        for mut s in vswitches {
            if s.account_id.is_empty() {
                s.account_id = first.to_string();
            }
            vsw_order.push(s.vswitch_id.clone());
            self.vswitches.insert(s.vswitch_id.clone(), s);
        }
        let seen_vpcs = std::mem::take(&mut scan.vpcs);
        let seen_vsw = std::mem::take(&mut scan.vswitches);
        let mut marks = std::mem::take(&mut scan.marks);
        vsw_order.append(&mut scan.vswitch_order);
        for (vpc_id, region_id, account_id) in seen_vpcs {
            let ranges: Vec<(u32, u32)> = seen_vsw
                .values()
                .filter(|s| s.vpc_id == vpc_id)
                .filter_map(|s| Some((s.low?, s.high?)))
                .collect();
            let cidr = match (
                ranges.iter().map(|r| r.0).min(),
                ranges.iter().map(|r| r.1).max(),
            ) {
                (Some(lo), Some(hi)) => covering_cidr(lo, hi, 16),
                _ => "172.16.0.0/12".to_string(),
            };
            vpc_order.push(vpc_id.clone());
            self.vpcs.insert(
                vpc_id.clone(),
                Vpc {
                    vpc_id,
                    region_id,
                    cidr_block: cidr,
                    account_id,
                    is_default: false,
                },
            );
        }
        for (vswitch_id, s) in seen_vsw {
            let cidr = match (s.low, s.high) {
                (Some(lo), Some(hi)) => covering_cidr(lo, hi, 24),
                _ => "172.16.0.0/24".to_string(),
            };
            // Every address an implied vSwitch's instances use is inside the block that
            // covers them: its mark is the highest.
            if let Some(high) = s.high {
                marks.insert(vswitch_id.clone(), high);
            }
            self.vswitches.insert(
                vswitch_id.clone(),
                VSwitch {
                    vswitch_id,
                    zone_id: s.zone_id,
                    vpc_id: s.vpc_id,
                    cidr_block: cidr,
                    account_id: s.account_id,
                    is_default: false,
                },
            );
        }
        self.add_network_defaults(&vpc_order, &vsw_order, first);
        self.ip_marks = marks;
    }

    /// One default VPC per region and one default vSwitch per zone: flag the first of
    /// each when none is flagged, create one where there is none.
    fn add_network_defaults(&mut self, vpc_order: &[String], vsw_order: &[String], first: &str) {
        let regions: Vec<(String, Vec<String>)> = self
            .regions
            .values()
            .map(|r| {
                (
                    r.region_id.clone(),
                    r.zones.iter().map(|z| z.zone_id.clone()).collect(),
                )
            })
            .collect();
        for (region, zones) in regions {
            let in_region: Vec<&String> = vpc_order
                .iter()
                .filter(|id| self.vpcs.get(*id).is_some_and(|v| v.region_id == region))
                .collect();
            let default_vpc = match in_region
                .iter()
                .find(|id| self.vpcs.get(**id).is_some_and(|v| v.is_default))
                .or(in_region.first())
            {
                Some(id) => (*id).clone(),
                None => {
                    let id = derived_id("vpc", &region, &format!("default-vpc-{region}"), 21);
                    self.vpcs.insert(
                        id.clone(),
                        Vpc {
                            vpc_id: id.clone(),
                            region_id: region.clone(),
                            cidr_block: "172.16.0.0/12".into(),
                            account_id: first.to_string(),
                            is_default: true,
                        },
                    );
                    id
                }
            };
            if let Some(v) = self.vpcs.get_mut(&default_vpc) {
                v.is_default = true;
            }
            for zone in zones {
                let in_zone: Vec<&String> = vsw_order
                    .iter()
                    .filter(|id| self.vswitches.get(*id).is_some_and(|s| s.zone_id == zone))
                    .collect();
                let flagged = in_zone
                    .iter()
                    .find(|id| self.vswitches.get(**id).is_some_and(|s| s.is_default))
                    .or_else(|| {
                        in_zone.iter().find(|id| {
                            self.vswitches
                                .get(**id)
                                .is_some_and(|s| s.vpc_id == default_vpc)
                        })
                    })
                    .or(in_zone.first())
                    .map(|id| (*id).clone());
                let id = match flagged {
                    Some(id) => id,
                    None => {
                        let id = derived_id("vsw", &region, &format!("default-vsw-{zone}"), 21);
                        let cidr = self.free_block(&default_vpc);
                        self.vswitches.insert(
                            id.clone(),
                            VSwitch {
                                vswitch_id: id.clone(),
                                zone_id: zone.clone(),
                                vpc_id: default_vpc.clone(),
                                cidr_block: cidr,
                                account_id: first.to_string(),
                                is_default: true,
                            },
                        );
                        id
                    }
                };
                if let Some(s) = self.vswitches.get_mut(&id) {
                    s.is_default = true;
                }
            }
        }
    }

    /// A `/24` of the VPC no vSwitch of it overlaps (the VPC's whole block when it is
    /// smaller).
    fn free_block(&self, vpc_id: &str) -> String {
        let (base, len) = self
            .vpcs
            .get(vpc_id)
            .and_then(|v| parse_cidr(&v.cidr_block))
            .unwrap_or((0xAC10_0000, 12));
        if len >= 24 {
            return format!("{}/{len}", format_ipv4(base));
        }
        let used: Vec<(u32, u8)> = self
            .vswitches
            .values()
            .filter(|s| s.vpc_id == vpc_id)
            .filter_map(|s| parse_cidr(&s.cidr_block))
            .collect();
        let blocks = 1u64 << (24 - len);
        for k in 0..blocks {
            let start = base + (k as u32) * 256;
            let clash = used.iter().any(|&(b, l)| {
                let m = mask(l.min(24));
                (start & m) == (b & m)
            });
            if !clash {
                return format!("{}/24", format_ipv4(start));
            }
        }
        format!("{}/24", format_ipv4(base))
    }

    /// Recompute each vSwitch's highest address in use from the instances.
    pub(super) fn recount_addresses(&mut self) {
        let mut marks: FastMap<String, u32> = FastMap::default();
        for inst in self.instances.values() {
            let (_, vsw, ip) = vpc_attributes(inst);
            let (Some(ip), Some(s)) = (ip, self.vswitches.get(&vsw)) else {
                continue;
            };
            if in_block(&s.cidr_block, ip) {
                let m = marks.entry(vsw).or_insert(ip);
                *m = (*m).max(ip);
            }
        }
        self.ip_marks = marks;
    }

    /// A VPC by id (any account: VPCs are shared).
    pub fn vpc(&self, id: &str) -> Option<&Vpc> {
        self.vpcs.get(id)
    }

    /// A vSwitch by id.
    pub fn vswitch(&self, id: &str) -> Option<&VSwitch> {
        self.vswitches.get(id)
    }

    /// The region of a vSwitch (its VPC's).
    pub fn vswitch_region(&self, s: &VSwitch) -> Option<&str> {
        self.vpcs.get(&s.vpc_id).map(|v| v.region_id.as_str())
    }

    /// The region's default VPC.
    pub fn default_vpc(&self, region: &str) -> Option<&Vpc> {
        self.vpcs
            .values()
            .find(|v| v.region_id == region && v.is_default)
    }

    /// The vSwitch new instances of a zone get: the zone's one in `vpc` (the default one
    /// when `vpc` is the default VPC), else `None`.
    pub fn zone_vswitch(&self, zone: &str, vpc: Option<&str>) -> Option<&VSwitch> {
        let mut in_zone = self.vswitches.values().filter(|s| s.zone_id == zone);
        match vpc {
            None => in_zone.find(|s| s.is_default),
            Some(vpc) => {
                let candidates: Vec<&VSwitch> = in_zone.filter(|s| s.vpc_id == vpc).collect();
                candidates
                    .iter()
                    .find(|s| s.is_default)
                    .or(candidates.first())
                    .copied()
            }
        }
    }

    /// Every VPC and vSwitch (state dumps).
    pub(super) fn network_entries(&self) -> (Vec<Vpc>, Vec<VSwitch>) {
        (
            self.vpcs.values().cloned().collect(),
            self.vswitches.values().cloned().collect(),
        )
    }

    /// Put back VPCs and vSwitches from an image (no defaults added, nothing implied).
    pub(super) fn restore_network(&mut self, vpcs: Vec<Vpc>, vswitches: Vec<VSwitch>) {
        for v in vpcs {
            self.vpcs.insert(v.vpc_id.clone(), v);
        }
        for s in vswitches {
            self.vswitches.insert(s.vswitch_id.clone(), s);
        }
    }

    /// `count` new private addresses in vSwitch `id`, unique within it.
    pub fn allocate_addresses(&mut self, id: &str, count: u64) -> ApiResult<Vec<String>> {
        let (base, len) = self
            .vswitches
            .get(id)
            .and_then(|s| parse_cidr(&s.cidr_block))
            .ok_or_else(|| ApiError::new(Code::InvalidVSwitchIdNotFound))?;
        // The first address and the last three of a block are reserved.
        let size = 1u64 << (32 - u32::from(len));
        let (first, last) = if size > 8 {
            (u64::from(base) + 1, u64::from(base) + size - 4)
        } else {
            (u64::from(base), u64::from(base) + size - 1)
        };
        let mut out = Vec::with_capacity(count as usize);
        let mark = self.ip_marks.get(id).copied().map(u64::from);
        let mut next = mark.map_or(first, |m| (m + 1).max(first));
        while (out.len() as u64) < count && next <= last {
            out.push(next as u32);
            next += 1;
        }
        if (out.len() as u64) < count {
            // The top is reached: take the lowest free addresses.
            let used: BTreeSet<u32> = self
                .instances
                .values()
                .filter_map(|i| {
                    let (_, vsw, ip) = vpc_attributes(i);
                    (vsw == id).then_some(ip).flatten()
                })
                .chain(out.iter().copied())
                .collect();
            let mut a = first;
            while (out.len() as u64) < count && a <= last {
                if !used.contains(&(a as u32)) {
                    out.push(a as u32);
                }
                a += 1;
            }
        }
        if (out.len() as u64) < count {
            return Err(ApiError::new(Code::InvalidVSwitchIdIpNotEnough));
        }
        if let Some(&top) = out.iter().max() {
            let m = self.ip_marks.entry(id.to_string()).or_insert(top);
            *m = (*m).max(top);
        }
        Ok(out.into_iter().map(format_ipv4).collect())
    }
}

/// Whether `ip` is inside `cidr`.
fn in_block(cidr: &str, ip: u32) -> bool {
    parse_cidr(cidr).is_some_and(|(b, l)| ip & mask(l) == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_look_real() {
        let id = derived_id("vsw", "cn-hangzhou", "default-vsw-cn-hangzhou-k", 21);
        assert_eq!(id.len(), 25, "{id}");
        assert!(id.starts_with("vsw-bp"));
        assert_eq!(
            id,
            derived_id("vsw", "cn-hangzhou", "default-vsw-cn-hangzhou-k", 21)
        );
    }

    /// What serde's reader makes of a `VpcAttributes` text.
    fn by_serde(text: &str) -> (String, String, Option<u32>) {
        let attrs: VpcAttrs<'_> = serde_json::from_str(text).unwrap_or_default();
        let ip = attrs
            .private_ip_address
            .ip_address
            .first()
            .and_then(|a| parse_ipv4(&a.0));
        (attrs.vpc_id.into(), attrs.vswitch_id.into(), ip)
    }

    #[test]
    fn vpc_attributes_in_their_common_form_read_as_serde_reads_them() {
        let common = r#"{"PrivateIpAddress":{"IpAddress":["172.16.3.4","10.0.0.1"]},"VpcId":"vpc-1","VSwitchId":"vsw-1","NatIpAddress":""}"#;
        assert!(plain_vpc_attributes(common).is_some());
        let mut texts = vec![
            common.to_string(),
            "{}".to_string(),
            r#"{"VpcId":"vpc-1","VpcId":"vpc-2"}"#.to_string(),
            r#"{"PrivateIpAddress":{"IpAddress":[]},"VpcId":"v"}"#.to_string(),
            r#"{"PrivateIpAddress":{},"VpcId":"v"}"#.to_string(),
            r#"{"PrivateIpAddress":{"IpAddress":[1]},"VpcId":"v"}"#.to_string(),
            r#"{"PrivateIpAddress":null,"VpcId":"v"}"#.to_string(),
            r#"{"VpcId":"v1","Odd":[1,{"a":2}]}"#.to_string(),
            r#"{"VpcId":"v"}"#.to_string(),
            r#"{"VpcId":null}"#.to_string(),
            r#" {"VpcId":"v"} "#.to_string(),
            "{\"VpcId\":\"vpc-\u{4f4d}\u{7f}\",\"VSwitchId\":\"a long vSwitch id\"}".to_string(),
        ];
        // Every byte of the common form deleted, doubled or replaced by a JSON mark.
        for at in 0..common.len() {
            texts.push(format!("{}{}", &common[..at], &common[at + 1..]));
            texts.push(format!("{}{}", &common[..at + 1], &common[at..]));
            for mark in ["\"", "{", "}", "[", "]", ",", ":", "\\", "0", " ", "\u{1}"] {
                texts.push(format!("{}{mark}{}", &common[..at], &common[at + 1..]));
            }
        }
        for text in &texts {
            let fast = with_vpc_text(Some(text), |v, s, ip| (v.to_string(), s.to_string(), ip));
            assert_eq!(fast, by_serde(text), "{text}");
        }
        assert_eq!(
            with_vpc_text(None, |v, s, ip| (v.to_string(), s.to_string(), ip)),
            (String::new(), String::new(), None)
        );
    }
}
