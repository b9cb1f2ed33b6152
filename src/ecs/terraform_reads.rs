//! The reads Terraform's alicloud provider makes of an instance besides
//! DescribeInstances: DescribeNetworkInterfaces, DescribeInstanceMaintenanceAttributes
//! and DescribeInstanceAttachmentAttributes.
//!
//! ecs-mock has no elastic network interfaces of its own: each instance's primary ENI
//! is its stored `NetworkInterfaces.NetworkInterface[0]` (id, MAC, primary address)
//! with the VPC, vSwitch and security groups of the instance. An instance without
//! stored network interfaces lists none. Only the caller's instances in the request's
//! region are seen, newest instance first (as DescribeDisks walks them).
//!
//! Maintenance attributes are the documented defaults (no ModifyInstanceMaintenanceAttributes
//! is served) and attachment attributes the defaults of an instance outside any private
//! pool. Ids that name no instance of the caller in the region are simply not listed,
//! as unknown `InstanceId.N` are in DescribeInstanceStatus.

use serde_json::{json, Value};

use crate::clock::format_ecs_seconds;
use crate::ecs::describe::{page_numbers, page_of, Paging};
use crate::ecs::model::Instance;
use crate::ecs::world::network::security_group_ids;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// The caller's instances in the region, newest first.
fn instances<'w>(w: &'w World, account: &'w str, region: &'w str) -> Vec<&'w Instance> {
    w.listed_instances(account, region).rev().collect()
}

/// The caller's instances in the region that `ids` name, newest first (as
/// [`instances`] lists them): each id is looked up, so a request naming a few instances
/// costs the same among a million.
fn named<'w>(w: &'w World, account: &str, region: &str, ids: &[String]) -> Vec<&'w Instance> {
    let Some(listing) = w.listing(account, region) else {
        return Vec::new();
    };
    let mut found: Vec<&Instance> = ids
        .iter()
        .filter_map(|id| w.instance(id))
        .filter(|i| listing.get(&i.seq) == Some(&i.instance_id))
        .collect();
    found.sort_by_key(|i| std::cmp::Reverse(i.seq));
    found.dedup_by_key(|i| i.seq);
    found
}

/// A primary ENI as read from an instance's stored fields.
struct Eni {
    id: String,
    mac: String,
    ip: String,
    vpc_id: String,
    vswitch_id: String,
    groups: Vec<String>,
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

/// The instance's primary ENI, when it stores one.
fn primary_eni(inst: &Instance) -> Option<Eni> {
    let nics = inst.extra.get("NetworkInterfaces")?;
    let nic = nics.get("NetworkInterface")?.as_array()?.first()?.clone();
    let vpc = inst.extra.get("VpcAttributes").unwrap_or(Value::Null);
    let stored_ip = vpc
        .pointer("/PrivateIpAddress/IpAddress/0")
        .and_then(Value::as_str)
        .map(str::to_string);
    let ip = match text(nic.get("PrimaryIpAddress")) {
        s if s.is_empty() => stored_ip.unwrap_or_default(),
        s => s,
    };
    Some(Eni {
        id: text(nic.get("NetworkInterfaceId")),
        mac: text(nic.get("MacAddress")),
        ip,
        vpc_id: text(vpc.get("VpcId")),
        vswitch_id: text(vpc.get("VSwitchId")),
        groups: security_group_ids(inst),
    })
}

/// A parsed DescribeNetworkInterfaces request.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeNetworkInterfaces {
    /// `NetworkInterfaceId.N` (empty: any).
    pub ids: Vec<String>,
    /// `InstanceId`.
    pub instance_id: Option<String>,
    /// `VSwitchId`.
    pub vswitch_id: Option<String>,
    /// `VpcId`.
    pub vpc_id: Option<String>,
    /// `SecurityGroupId`.
    pub security_group_id: Option<String>,
    /// `Type` (`Primary` or `Secondary`; every listed ENI is primary).
    pub kind: Option<String>,
    /// `PrivateIpAddress.N` (empty: any).
    pub ips: Vec<String>,
    /// Paging.
    pub paging: Paging,
}

impl DescribeNetworkInterfaces {
    /// Parse the parameters (`RegionId` is required).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let paging = Paging::parse(p, 500)?;
        let own = |name: &str| p.non_empty(name).map(str::to_string);
        Ok(DescribeNetworkInterfaces {
            ids: p.repeat("NetworkInterfaceId"),
            instance_id: own("InstanceId"),
            vswitch_id: own("VSwitchId"),
            vpc_id: own("VpcId"),
            security_group_id: own("SecurityGroupId"),
            kind: own("Type"),
            ips: p.repeat("PrivateIpAddress"),
            paging,
        })
    }

    fn matches(&self, inst: &Instance, eni: &Eni) -> bool {
        let is = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        (self.ids.is_empty() || self.ids.contains(&eni.id))
            && (self.ips.is_empty() || self.ips.contains(&eni.ip))
            && is(&self.instance_id, &inst.instance_id)
            && is(&self.vswitch_id, &eni.vswitch_id)
            && is(&self.vpc_id, &eni.vpc_id)
            && is(&self.kind, "Primary")
            && self
                .security_group_id
                .as_ref()
                .is_none_or(|g| eni.groups.contains(g))
    }

    /// Apply: `NetworkInterfaceSets.NetworkInterfaceSet[]` and paging fields.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        let w: &World = w;
        let (skip, take) = match self.paging {
            Paging::Pages { number, size } => ((number - 1).saturating_mul(size), size),
            Paging::Token { from, max } => (from.unwrap_or(0), max),
        };
        let mut total = 0u64;
        let mut page = Vec::new();
        let candidates = match &self.instance_id {
            Some(id) => named(w, &ctx.caller.account_id, &region, std::slice::from_ref(id)),
            None => instances(w, &ctx.caller.account_id, &region),
        };
        for inst in candidates {
            let Some(eni) = primary_eni(inst) else {
                continue;
            };
            if !self.matches(inst, &eni) {
                continue;
            }
            if total >= skip && total < skip.saturating_add(take) {
                page.push(render_eni(inst, eni));
            }
            total += 1;
        }
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(total));
        match self.paging {
            Paging::Pages { number, size } => {
                reply.insert("PageSize".into(), json!(size));
                reply.insert("PageNumber".into(), json!(number));
            }
            Paging::Token { .. } => {
                let end = skip.saturating_add(take);
                let next = if end < total {
                    format!("{end:x}")
                } else {
                    String::new()
                };
                reply.insert("NextToken".into(), json!(next));
            }
        }
        reply.insert(
            "NetworkInterfaceSets".into(),
            json!({ "NetworkInterfaceSet": page }),
        );
        Ok(reply)
    }
}

/// One `NetworkInterfaceSet` entry.
fn render_eni(inst: &Instance, eni: Eni) -> Value {
    let created = inst
        .creation_time
        .map(|t| format_ecs_seconds(t.0))
        .unwrap_or_default();
    json!({
        "NetworkInterfaceId": eni.id,
        "Status": "InUse",
        "Type": "Primary",
        "VpcId": eni.vpc_id,
        "VSwitchId": eni.vswitch_id,
        "ZoneId": inst.zone_id.as_str(),
        "PrivateIpAddress": eni.ip,
        "MacAddress": eni.mac,
        "SecurityGroupIds": { "SecurityGroupId": eni.groups },
        "InstanceId": inst.instance_id.as_str(),
        "CreationTime": created,
        "PrivateIpSets": { "PrivateIpSet": [{ "PrivateIpAddress": eni.ip, "Primary": true }] },
        "Ipv6Sets": { "Ipv6Set": [] },
        "Ipv4PrefixSets": { "Ipv4PrefixSet": [] },
        "Ipv6PrefixSets": { "Ipv6PrefixSet": [] },
        "Tags": { "Tag": [] },
        "ResourceGroupId": "",
        "Description": "",
        "NetworkInterfaceName": "",
        "ServiceManaged": false,
        "DeleteOnRelease": true,
        "QueuePairNumber": 0,
        "QueueNumber": 0,
        "OwnerId": inst.account_id.as_str(),
        "AssociatedPublicIp": { "PublicIpAddress": "", "AllocationId": "" },
        "Attachment": { "InstanceId": inst.instance_id.as_str(), "DeviceIndex": 0 },
    })
}

/// A parsed DescribeInstanceMaintenanceAttributes request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeInstanceMaintenanceAttributes {
    /// `InstanceId.N` (empty: every instance).
    pub ids: Vec<String>,
    /// Page number.
    pub number: u64,
    /// Page size.
    pub size: u64,
}

impl DescribeInstanceMaintenanceAttributes {
    /// Parse the parameters (`RegionId` is required; at most 100 ids).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let ids = p.repeat("InstanceId");
        if ids.len() > 100 {
            return Err(ApiError::new(Code::TooManyInstanceIds));
        }
        let (number, size) = page_numbers(p, 100, 10)?;
        Ok(DescribeInstanceMaintenanceAttributes { ids, number, size })
    }

    /// Apply: `MaintenanceAttributes.MaintenanceAttribute[]` with the documented defaults.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        let listed = if self.ids.is_empty() {
            instances(w, &ctx.caller.account_id, &region)
        } else {
            named(w, &ctx.caller.account_id, &region, &self.ids)
        };
        let total = listed.len();
        let page: Vec<Value> = page_of(listed, self.number, self.size)
            .into_iter()
            .map(|i| {
                json!({
                    "InstanceId": i.instance_id.as_str(),
                    "NotifyOnMaintenance": false,
                    "MaintenanceWindows": { "MaintenanceWindow": [
                        { "StartTime": "18:00:00Z", "EndTime": "21:00:00Z" }
                    ] },
                    "ActionOnMaintenance": {
                        "Value": "AutoRecover",
                        "DefaultValue": "AutoRecover",
                        "SupportedValues": { "SupportedValue": ["Stop", "AutoRecover", "AutoRedeploy"] },
                    },
                })
            })
            .collect();
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(total));
        reply.insert("PageSize".into(), json!(self.size));
        reply.insert("PageNumber".into(), json!(self.number));
        reply.insert(
            "MaintenanceAttributes".into(),
            json!({ "MaintenanceAttribute": page }),
        );
        Ok(reply)
    }
}

/// A parsed DescribeInstanceAttachmentAttributes request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeInstanceAttachmentAttributes {
    /// `InstanceIds` (JSON array of at most 100).
    pub ids: Vec<String>,
    /// Page number.
    pub number: u64,
    /// Page size.
    pub size: u64,
}

impl DescribeInstanceAttachmentAttributes {
    /// Parse the parameters (`RegionId` and `InstanceIds` are required; a value that is
    /// not a JSON array of strings is `InvalidInstanceIds.Malformed`).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let raw = p.required("InstanceIds")?;
        let ids: Vec<String> = serde_json::from_str(raw.trim())
            .map_err(|_| ApiError::new(Code::InvalidInstanceIdsMalformed))?;
        if ids.len() > 100 {
            return Err(ApiError::new(Code::TooManyInstanceIds));
        }
        let (number, size) = page_numbers(p, 100, 10)?;
        Ok(DescribeInstanceAttachmentAttributes { ids, number, size })
    }

    /// Apply: `Instances.Instance[]` {InstanceId, PrivatePoolOptionsId,
    /// PrivatePoolOptionsMatchCriteria}.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        let listed = named(w, &ctx.caller.account_id, &region, &self.ids);
        let total = listed.len();
        let page: Vec<Value> = page_of(listed, self.number, self.size)
            .into_iter()
            .map(|i| {
                json!({
                    "InstanceId": i.instance_id.as_str(),
                    "PrivatePoolOptionsId": "",
                    "PrivatePoolOptionsMatchCriteria": "Open",
                })
            })
            .collect();
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(total));
        reply.insert("PageSize".into(), json!(self.size));
        reply.insert("PageNumber".into(), json!(self.number));
        reply.insert("Instances".into(), json!({ "Instance": page }));
        Ok(reply)
    }
}
