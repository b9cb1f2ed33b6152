//! Security group actions: CreateSecurityGroup, DescribeSecurityGroups,
//! DescribeSecurityGroupAttribute, ModifySecurityGroupAttribute, DeleteSecurityGroup,
//! JoinSecurityGroup and LeaveSecurityGroup (rules are in [`sg_rules`](crate::ecs::sg_rules)),
//! and the network checks of RunInstances / CreateInstance.
//!
//! Groups belong to one account and one region; a request naming a group of another
//! account or region is answered as if it did not exist. Members are the instances
//! whose stored `SecurityGroupIds` name the group (see `world::security_groups`).

use serde_json::{json, Value};

use crate::clock::format_ecs_seconds;
use crate::ecs::attributes::{valid_description, valid_name};
use crate::ecs::lifecycle::{check_security_lock, incorrect_status};
use crate::ecs::model::{Status, Tag, Tags};
use crate::ecs::network::SecurityGroup;
use crate::ecs::world::network::{security_group_ids, vpc_attributes};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// Most groups an instance may be in.
pub const GROUPS_PER_INSTANCE: usize = 5;

/// The caller's group `id` in the request's region, or `code`.
pub(crate) fn owned_group<'w>(
    w: &'w World,
    ctx: &Ctx<'_>,
    id: &str,
    code: Code,
) -> ApiResult<&'w SecurityGroup> {
    match w.security_group(&ctx.caller.account_id, id) {
        Some(g) if ctx.region.is_none_or(|r| r == g.region_id) => Ok(g),
        _ => Err(ApiError::new(code)),
    }
}

fn name_param(p: &Params) -> ApiResult<Option<String>> {
    match p.get("SecurityGroupName") {
        Some(n) if !n.is_empty() && !valid_name(n) => {
            Err(ApiError::new(Code::InvalidSecurityGroupNameMalformed))
        }
        Some(n) if !n.is_empty() => Ok(Some(n.to_string())),
        _ => Ok(None),
    }
}

fn description_param(p: &Params) -> ApiResult<Option<String>> {
    match p.get("Description") {
        Some(d) if !d.is_empty() && !valid_description(d) => {
            Err(ApiError::new(Code::InvalidDescriptionMalformed))
        }
        Some(d) if !d.is_empty() => Ok(Some(d.to_string())),
        _ => Ok(None),
    }
}

fn group_type(p: &Params) -> ApiResult<Option<String>> {
    match p.non_empty("SecurityGroupType") {
        None => Ok(None),
        Some(t @ ("normal" | "enterprise")) => Ok(Some(t.to_string())),
        Some(_) => Err(ApiError::new(Code::InvalidParameterSecurityGroupType)),
    }
}

/// CreateSecurityGroup.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSecurityGroup {
    vpc_id: Option<String>,
    name: String,
    description: String,
    group_type: String,
    resource_group_id: String,
    tags: Vec<Tag>,
}

impl CreateSecurityGroup {
    /// Parse.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        Ok(CreateSecurityGroup {
            vpc_id: p.non_empty("VpcId").map(str::to_string),
            name: name_param(p)?.unwrap_or_default(),
            description: description_param(p)?.unwrap_or_default(),
            group_type: group_type(p)?.unwrap_or_else(|| "normal".into()),
            resource_group_id: p.non_empty("ResourceGroupId").unwrap_or_default().into(),
            tags: crate::ecs::tags::new_tags(p)?,
        })
    }

    /// Apply: `SecurityGroupId`. Without `VpcId` the group goes into the region's
    /// default VPC.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        let vpc = match &self.vpc_id {
            Some(id) => w.vpc(id).filter(|v| v.region_id == region),
            None => w.default_vpc(&region),
        }
        .ok_or_else(|| ApiError::new(Code::InvalidVpcIdNotFound))?
        .vpc_id
        .clone();
        let id = w.fresh_group_id(ctx.random, &region);
        w.insert_security_group(SecurityGroup {
            security_group_id: id.clone(),
            region_id: region,
            account_id: ctx.caller.account_id.clone(),
            vpc_id: vpc,
            security_group_name: self.name,
            description: self.description,
            security_group_type: self.group_type,
            resource_group_id: self.resource_group_id,
            creation_time: format_ecs_seconds(ctx.now),
            tags: Tags { tag: self.tags },
            permissions: Vec::new(),
        });
        let mut reply = Reply::new();
        reply.insert("SecurityGroupId".into(), json!(id));
        Ok(reply)
    }
}

/// How a DescribeSecurityGroups page is chosen.
#[derive(Debug, Clone, PartialEq)]
enum Paging {
    /// `PageNumber` / `PageSize`.
    Pages { number: u64, size: u64 },
    /// `NextToken` (the id of the page's first group) / `MaxResults`.
    Token { token: Option<String>, max: u64 },
}

/// DescribeSecurityGroups.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeSecurityGroups {
    ids: Option<Vec<String>>,
    vpc_id: Option<String>,
    name: Option<String>,
    group_type: Option<String>,
    network_type: Option<String>,
    resource_group_id: Option<String>,
    tags: Vec<(String, Option<String>)>,
    paging: Paging,
    dry_run: bool,
}

impl DescribeSecurityGroups {
    /// Parse.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let mut ids: Option<Vec<String>> = match p.non_empty("SecurityGroupIds") {
            None => None,
            Some(text) => match serde_json::from_str::<Vec<String>>(text) {
                Ok(list) if list.len() <= 100 => Some(list),
                _ => return Err(ApiError::new(Code::InvalidSecurityGroupIdMalformed)),
            },
        };
        if let Some(one) = p.non_empty("SecurityGroupId") {
            ids = Some(match ids {
                Some(list) => list.into_iter().filter(|i| i == one).collect(),
                None => vec![one.to_string()],
            });
        }
        let network_type = match p.non_empty("NetworkType") {
            None => None,
            Some(t @ ("vpc" | "classic")) => Some(t.to_string()),
            Some(_) => return Err(ApiError::invalid_param("NetworkType")),
        };
        let token_mode = p.non_empty("NextToken").is_some() || p.non_empty("MaxResults").is_some();
        let paging = if token_mode {
            Paging::Token {
                token: p.non_empty("NextToken").map(str::to_string),
                max: p.int_in("MaxResults", 1, 100)?.unwrap_or(10) as u64,
            }
        } else {
            Paging::Pages {
                number: p.int_in("PageNumber", 1, i64::from(u32::MAX))?.unwrap_or(1) as u64,
                size: p.int_in("PageSize", 1, 100)?.unwrap_or(10) as u64,
            }
        };
        Ok(DescribeSecurityGroups {
            ids,
            vpc_id: p.non_empty("VpcId").map(str::to_string),
            name: p.non_empty("SecurityGroupName").map(str::to_string),
            group_type: group_type(p)?,
            network_type,
            resource_group_id: p.non_empty("ResourceGroupId").map(str::to_string),
            tags: p.tags()?,
            paging,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    fn matches(&self, g: &SecurityGroup) -> bool {
        self.ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&g.security_group_id))
            && self.vpc_id.as_ref().is_none_or(|v| *v == g.vpc_id)
            && self
                .name
                .as_ref()
                .is_none_or(|n| *n == g.security_group_name)
            && self
                .group_type
                .as_ref()
                .is_none_or(|t| *t == g.security_group_type)
            && self
                .network_type
                .as_ref()
                .is_none_or(|t| (t == "vpc") != g.vpc_id.is_empty())
            && self
                .resource_group_id
                .as_ref()
                .is_none_or(|r| *r == g.resource_group_id)
            && crate::ecs::model::has_tags(&g.tags.tag, &self.tags)
    }

    /// Apply: `SecurityGroups.SecurityGroup[]` with the paging fields.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        let account = ctx.caller.account_id.as_str();
        let all: Vec<&SecurityGroup> = w
            .security_groups_in(account, &region)
            .into_iter()
            .filter(|g| self.matches(g))
            .collect();
        let mut reply = Reply::new();
        let (page, next): (Vec<&SecurityGroup>, String) = match &self.paging {
            Paging::Pages { number, size } => {
                let start = (number - 1).saturating_mul(*size) as usize;
                reply.insert("TotalCount".into(), json!(all.len()));
                reply.insert("PageSize".into(), json!(size));
                reply.insert("PageNumber".into(), json!(number));
                let page: Vec<&SecurityGroup> = all
                    .iter()
                    .skip(start)
                    .take(*size as usize)
                    .copied()
                    .collect();
                (page, String::new())
            }
            Paging::Token { token, max } => {
                let (range, next) =
                    token_page(&all, token.as_deref(), *max, |g| &g.security_group_id)?;
                reply.insert("PageSize".into(), json!(max));
                (all[range].to_vec(), next)
            }
        };
        let ids: Vec<&str> = page.iter().map(|g| g.security_group_id.as_str()).collect();
        let members = w.group_members(account, &region, &ids);
        let groups: Vec<Value> = page
            .iter()
            .map(|g| {
                let n = members.get(&g.security_group_id).copied().unwrap_or(0);
                render_group(g, n)
            })
            .collect();
        reply.insert("SecurityGroups".into(), json!({ "SecurityGroup": groups }));
        reply.insert("NextToken".into(), json!(next));
        reply.insert("RegionId".into(), json!(region));
        Ok(reply)
    }
}

/// `NextToken` paging over `items`, where a token is the id of the page's first item:
/// the page's range and the next page's token (empty after the last page). A token that
/// names no item is `InValidParameter.NextToken`.
fn token_page<T>(
    items: &[T],
    token: Option<&str>,
    max: u64,
    id: impl Fn(&T) -> &str,
) -> ApiResult<(std::ops::Range<usize>, String)> {
    let start = match token {
        None => 0,
        Some(t) => items
            .iter()
            .position(|item| id(item) == t)
            .ok_or_else(|| ApiError::new(Code::InValidParameterNextToken))?,
    };
    let end = start.saturating_add(max as usize).min(items.len());
    let next = items.get(end).map(|item| id(item).to_string());
    Ok((start..end, next.unwrap_or_default()))
}

/// A DescribeSecurityGroups `SecurityGroup` (the 14-key form).
fn render_group(g: &SecurityGroup, members: u64) -> Value {
    let group_rules = g
        .permissions
        .iter()
        .filter(|r| !r.source_group_id.is_empty() || !r.dest_group_id.is_empty())
        .count();
    json!({
        "RuleCount": g.permissions.len(),
        "EcsCount": members,
        "Description": g.description,
        "ResourceGroupId": g.resource_group_id,
        "SecurityGroupName": g.security_group_name,
        "ServiceManaged": false,
        "SecurityGroupId": g.security_group_id,
        "SecurityGroupType": g.security_group_type,
        "AvailableInstanceAmount": g.instance_limit().saturating_sub(members),
        "ServiceID": 0,
        "VpcId": g.vpc_id,
        "GroupToGroupRuleCount": group_rules,
        "CreationTime": g.creation_time,
        "Tags": { "Tag": g.tags.tag },
    })
}

/// DescribeSecurityGroupAttribute.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeSecurityGroupAttribute {
    id: String,
    direction: Option<String>,
    nic_type: Option<String>,
    max_results: Option<u64>,
    next_token: Option<String>,
}

impl DescribeSecurityGroupAttribute {
    /// Parse.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let id = p.required("SecurityGroupId")?.to_string();
        let direction = match p.non_empty("Direction") {
            None | Some("all") => None,
            Some(d @ ("ingress" | "egress")) => Some(d.to_string()),
            Some(_) => return Err(ApiError::invalid_param("Direction")),
        };
        let nic_type = match p.non_empty("NicType") {
            None => None,
            Some(n @ ("intranet" | "internet")) => Some(n.to_string()),
            Some(_) => return Err(ApiError::new(Code::InvalidNicTypeValueNotSupported)),
        };
        if p.non_empty("Attribute")
            .is_some_and(|a| a != "snapshotPolicyIds")
        {
            return Err(ApiError::new(Code::InvalidParameterAttributeNotSupported));
        }
        Ok(DescribeSecurityGroupAttribute {
            id,
            direction,
            nic_type,
            max_results: p.int_in("MaxResults", 10, 1000)?.map(|n| n as u64),
            next_token: p.non_empty("NextToken").map(str::to_string),
        })
    }

    /// Apply: the group's fields and `Permissions.Permission[]`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        let g = owned_group(w, ctx, &self.id, Code::InvalidSecurityGroupIdNotFound)?;
        let rules: Vec<&crate::ecs::network::Permission> = g
            .permissions
            .iter()
            .filter(|r| self.direction.as_ref().is_none_or(|d| *d == r.direction))
            .filter(|r| self.nic_type.as_ref().is_none_or(|n| *n == r.nic_type))
            .collect();
        let paged = self.max_results.is_some() || self.next_token.is_some();
        let (range, next) = if paged {
            let max = self.max_results.unwrap_or(500);
            token_page(&rules, self.next_token.as_deref(), max, |r| {
                &r.security_group_rule_id
            })?
        } else {
            (0..rules.len(), String::new())
        };
        let account = ctx.caller.account_id.as_str();
        let permissions: Vec<Value> = rules[range]
            .iter()
            .map(|r| crate::ecs::sg_rules::render_rule(w, account, r))
            .collect();
        let mut reply = Reply::new();
        reply.insert("Description".into(), json!(g.description));
        reply.insert("SecurityGroupName".into(), json!(g.security_group_name));
        reply.insert("VpcId".into(), json!(g.vpc_id));
        reply.insert("SecurityGroupId".into(), json!(g.security_group_id));
        reply.insert("Permissions".into(), json!({ "Permission": permissions }));
        reply.insert("InnerAccessPolicy".into(), json!(g.inner_access_policy()));
        reply.insert("RegionId".into(), json!(region));
        if paged {
            reply.insert("NextToken".into(), json!(next));
        }
        Ok(reply)
    }
}

/// ModifySecurityGroupAttribute.
#[derive(Debug, Clone, PartialEq)]
pub struct ModifySecurityGroupAttribute {
    id: String,
    name: Option<String>,
    description: Option<String>,
}

impl ModifySecurityGroupAttribute {
    /// Parse.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        Ok(ModifySecurityGroupAttribute {
            id: p.required("SecurityGroupId")?.to_string(),
            name: name_param(p)?,
            description: description_param(p)?,
        })
    }

    /// Apply: `{}`; an absent field is left unchanged.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        w.check_region(ctx.region)?;
        let not_found = || {
            ApiError::with_message(
                Code::InvalidSecurityGroupIdNotFound,
                "The specified security group does not exist.",
            )
        };
        owned_group(w, ctx, &self.id, Code::InvalidSecurityGroupIdNotFound)
            .map_err(|_| not_found())?;
        let g = w
            .security_group_mut(&ctx.caller.account_id, &self.id)
            .ok_or_else(not_found)?;
        if let Some(n) = self.name {
            g.security_group_name = n;
        }
        if let Some(d) = self.description {
            g.description = d;
        }
        Ok(Reply::new())
    }
}

/// DeleteSecurityGroup.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteSecurityGroup {
    id: String,
}

impl DeleteSecurityGroup {
    /// Parse.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        Ok(DeleteSecurityGroup {
            id: p.required("SecurityGroupId")?.to_string(),
        })
    }

    /// Apply: `{}`; refused while an instance is in the group or another group's rule
    /// names it.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        w.check_region(ctx.region)?;
        let account = ctx.caller.account_id.as_str();
        let g = owned_group(w, ctx, &self.id, Code::InvalidSecurityGroupNotFound)?;
        let region = g.region_id.clone();
        let members = w.group_members(account, &region, &[self.id.as_str()]);
        if members.get(&self.id).copied().unwrap_or(0) > 0 {
            return Err(ApiError::new(Code::DependencyViolation));
        }
        let referenced = w
            .security_groups_in(account, &region)
            .into_iter()
            .filter(|o| o.security_group_id != self.id)
            .any(|o| o.permissions.iter().any(|r| r.refers_to(&self.id)));
        if referenced {
            return Err(ApiError::with_message(
                Code::DependencyViolation,
                "The specified security group has been authorized in another one.",
            ));
        }
        w.remove_security_group(account, &self.id);
        Ok(Reply::new())
    }
}

/// JoinSecurityGroup (`leave = false`) or LeaveSecurityGroup.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    leave: bool,
    group_id: String,
    instance_id: Option<String>,
    interface_id: Option<String>,
}

impl Membership {
    /// Parse.
    pub fn parse(p: &Params, leave: bool) -> ApiResult<Self> {
        let group_id = p.required("SecurityGroupId")?.to_string();
        let instance_id = p.non_empty("InstanceId").map(str::to_string);
        let interface_id = p.non_empty("NetworkInterfaceId").map(str::to_string);
        match (&instance_id, &interface_id) {
            (None, None) => return Err(ApiError::missing("InstanceId")),
            (None, Some(_)) => {
                p.required("RegionId")?;
            }
            _ => {}
        }
        Ok(Membership {
            leave,
            group_id,
            instance_id,
            interface_id,
        })
    }

    /// Apply: `{}`; the instance's `SecurityGroupIds` gain or lose the group.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        w.check_region(ctx.region)?;
        owned_group(w, ctx, &self.group_id, Code::InvalidSecurityGroupIdNotFound)?;
        let instance_id = match (&self.instance_id, &self.interface_id) {
            (Some(id), _) => id.clone(),
            (None, Some(eni)) => w
                .instance_with_interface(
                    &ctx.caller.account_id,
                    ctx.region.unwrap_or_default(),
                    eni,
                )
                .ok_or_else(|| ApiError::new(Code::InvalidNetworkInterfaceIdNotFound))?,
            (None, None) => return Err(ApiError::missing("InstanceId")),
        };
        w.owned(ctx.caller, ctx.region, &instance_id, ctx.now)?;
        let groups = self.new_groups(w, ctx, &instance_id)?;
        w.set_instance_groups(&instance_id, groups);
        Ok(Reply::new())
    }

    /// The instance's groups after the change, or why it is refused.
    fn new_groups(&self, w: &World, ctx: &Ctx<'_>, instance_id: &str) -> ApiResult<Vec<String>> {
        let account = ctx.caller.account_id.as_str();
        let inst = w
            .instance(instance_id)
            .ok_or_else(|| ApiError::new(Code::InvalidInstanceIdNotFound))?;
        let g = w
            .security_group(account, &self.group_id)
            .filter(|g| *g.region_id == *inst.region_id)
            .ok_or_else(|| ApiError::new(Code::InvalidSecurityGroupIdNotFound))?;
        check_security_lock(inst)?;
        if !matches!(inst.status, Status::Running | Status::Stopped) {
            return Err(incorrect_status(
                inst.status,
                &[Status::Running, Status::Stopped],
            ));
        }
        let mut groups = security_group_ids(inst);
        let present = groups.contains(&self.group_id);
        if self.leave {
            if !present {
                return Err(ApiError::new(Code::InstanceNotInSecurityGroup));
            }
            if groups.len() == 1 {
                return Err(ApiError::new(Code::InstanceLastSecurityGroup));
            }
            groups.retain(|id| *id != self.group_id);
            return Ok(groups);
        }
        if present {
            return Err(ApiError::new(Code::InvalidInstanceIdAlreadyExists));
        }
        if groups.len() >= GROUPS_PER_INSTANCE {
            return Err(ApiError::new(Code::InstanceSecurityGroupLimitExceeded));
        }
        let (vpc, _, _) = vpc_attributes(inst);
        if !vpc.is_empty() && !g.vpc_id.is_empty() && vpc != g.vpc_id {
            return Err(ApiError::new(Code::InvalidInstanceIdMismatch));
        }
        let members = w.group_members(account, &g.region_id, &[self.group_id.as_str()]);
        if members.get(&self.group_id).copied().unwrap_or(0) >= g.instance_limit() {
            return Err(ApiError::new(Code::SecurityGroupInstanceLimitExceeded));
        }
        groups.push(self.group_id.clone());
        Ok(groups)
    }
}

/// The network a RunInstances / CreateInstance instance gets.
#[derive(Debug, Clone, PartialEq)]
pub struct RunNetwork {
    /// The VPC (the vSwitch's).
    pub vpc_id: String,
    /// The vSwitch.
    pub vswitch_id: String,
    /// The security groups.
    pub groups: Vec<String>,
}

/// `SecurityGroupId` or `SecurityGroupIds.N` of RunInstances: not both, no repeats,
/// at most five.
pub fn run_groups(p: &Params) -> ApiResult<Vec<String>> {
    let many = p.repeat("SecurityGroupIds");
    let one = p.non_empty("SecurityGroupId");
    if one.is_some() && !many.is_empty() {
        return Err(ApiError::new(
            Code::SecurityGroupIdSingleIdAndMultiIdConflict,
        ));
    }
    if let Some(one) = one {
        return Ok(vec![one.to_string()]);
    }
    let mut seen = std::collections::HashSet::new();
    if !many.iter().all(|g| seen.insert(g.as_str())) {
        return Err(ApiError::new(Code::SecurityGroupIdRepeated));
    }
    if many.len() > GROUPS_PER_INSTANCE {
        return Err(ApiError::new(Code::JoinedGroupLimitExceed));
    }
    Ok(many)
}

/// RunInstances' checks before the zone is chosen: the vSwitch exists in the region
/// (and in `zone`, when given), the groups exist, share one VPC, and it is the
/// vSwitch's. Answers the vSwitch's zone, when a vSwitch is named.
pub fn check_run(
    w: &World,
    ctx: &Ctx<'_>,
    region: &str,
    zone: Option<&str>,
    vswitch: &str,
    groups: &[String],
) -> ApiResult<Option<String>> {
    let vsw = if vswitch.is_empty() {
        None
    } else {
        let s = w
            .vswitch(vswitch)
            .filter(|s| w.vswitch_region(s) == Some(region))
            .ok_or_else(|| ApiError::new(Code::InvalidVSwitchIdNotFound))?;
        if zone.is_some_and(|z| z != s.zone_id) {
            return Err(ApiError::new(Code::InvalidParameterMismatch));
        }
        Some(s)
    };
    let mut vpc: Option<&str> = None;
    for id in groups {
        let g = w
            .security_group(&ctx.caller.account_id, id)
            .filter(|g| g.region_id == region)
            .ok_or_else(|| {
                ApiError::with_message(
                    Code::InvalidSecurityGroupIdNotFound,
                    "The SecurityGroupId provided does not exist in our records.",
                )
            })?;
        match vpc {
            Some(v) if v != g.vpc_id => {
                return Err(ApiError::new(Code::InvalidSecurityGroupVpcMismatch))
            }
            _ => vpc = Some(g.vpc_id.as_str()),
        }
    }
    if let (Some(s), Some(v)) = (vsw, vpc) {
        if s.vpc_id != v {
            return Err(ApiError::with_message(
                Code::InvalidParameterMismatch,
                "Specified security group and virtual switch are not in the same VPC.",
            ));
        }
    }
    Ok(vsw.map(|s| s.zone_id.clone()))
}

/// RunInstances' network once the zone is known (after [`check_run`] and the DryRun
/// check): the named vSwitch, else the zone's vSwitch in the groups' VPC (the zone's
/// default vSwitch without groups); the named groups, else the account's default group
/// in that VPC (created on first use).
pub fn place_run(
    w: &mut World,
    ctx: &Ctx<'_>,
    region: &str,
    zone: &str,
    vswitch: &str,
    groups: &[String],
) -> ApiResult<RunNetwork> {
    let account = ctx.caller.account_id.as_str();
    let group_vpc = groups
        .first()
        .and_then(|id| w.security_group(account, id))
        .map(|g| g.vpc_id.clone());
    let vsw = if vswitch.is_empty() {
        w.zone_vswitch(zone, group_vpc.as_deref())
    } else {
        w.vswitch(vswitch)
    }
    .ok_or_else(|| ApiError::new(Code::InvalidVSwitchIdNecessary))?;
    let (vpc_id, vswitch_id) = (vsw.vpc_id.clone(), vsw.vswitch_id.clone());
    let groups = if groups.is_empty() {
        vec![w.default_security_group(account, region, &vpc_id, ctx.random, ctx.now)]
    } else {
        groups.to_vec()
    };
    Ok(RunNetwork {
        vpc_id,
        vswitch_id,
        groups,
    })
}
