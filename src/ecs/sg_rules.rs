//! Security group rules: AuthorizeSecurityGroup, RevokeSecurityGroup and their Egress
//! pair, and the rendering of a rule (DescribeSecurityGroupAttribute's `Permission`).
//!
//! Rules arrive as `Permissions.N.<Field>` or in the deprecated top-level form
//! (`IpProtocol=…&PortRange=…&SourceCidrIp=…`); both are read the same way. An
//! Authorize naming a rule the group already has succeeds without adding it; a Revoke
//! naming no rule of the group succeeds without removing anything; a Revoke by
//! `SecurityGroupRuleId.N` refuses unknown ids. A request is all or nothing.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::clock::format_ecs_seconds;
use crate::ecs::ids::new_id;
use crate::ecs::network::{parse_cidr, Permission};
use crate::ecs::security_groups::owned_group;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// Most rules a group holds (both directions).
pub const RULES_PER_GROUP: usize = 200;

/// An Authorize or Revoke request, either direction.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleChange {
    revoke: bool,
    group_id: String,
    rules: Vec<Permission>,
    rule_ids: Vec<String>,
}

/// Whether `s` is a port range `from/to` within 1–65535.
fn port_range_ok(s: &str) -> bool {
    let Some((a, b)) = s.split_once('/') else {
        return false;
    };
    match (a.parse::<u32>(), b.parse::<u32>()) {
        (Ok(a), Ok(b)) => (1..=65535).contains(&a) && (a..=65535).contains(&b),
        _ => false,
    }
}

fn ipv4_ok(s: &str) -> bool {
    parse_cidr(s).is_some()
}

fn ipv6_ok(s: &str) -> bool {
    let addr = s.split_once('/').map_or(s, |(a, l)| {
        if l.parse::<u8>().is_ok_and(|l| l <= 128) {
            a
        } else {
            ""
        }
    });
    addr.parse::<std::net::Ipv6Addr>().is_ok()
}

/// One rule from its fields (`get` reads `Field`); `direction` is `ingress` or
/// `egress`.
fn read_rule(
    get: &dyn Fn(&str) -> Option<String>,
    direction: &str,
    revoke: bool,
) -> ApiResult<Permission> {
    let text = |k: &str| get(k).filter(|v| !v.trim().is_empty()).unwrap_or_default();
    let protocol = match text("IpProtocol").to_ascii_lowercase().as_str() {
        "" => return Err(ApiError::missing("IpProtocol")),
        "tcp" => "TCP",
        "udp" => "UDP",
        "icmp" => "ICMP",
        "gre" => "GRE",
        "all" => "ALL",
        "icmpv6" => "ICMPv6",
        _ => return Err(ApiError::new(Code::InvalidIpProtocolValueNotSupported)),
    };
    let malformed = || {
        ApiError::new(if revoke {
            Code::InvalidIpPortRangeMalformed
        } else {
            Code::InvalidIpProtocolMalformed
        })
    };
    let ports = text("PortRange");
    let port_range = match protocol {
        "TCP" | "UDP" if ports == "-1/-1" => return Err(ApiError::new(Code::OperationDenied)),
        "TCP" | "UDP" if port_range_ok(&ports) => ports,
        "TCP" | "UDP" => return Err(malformed()),
        _ if ports.is_empty() || ports == "-1/-1" => "-1/-1".to_string(),
        _ if port_range_ok(&ports) => return Err(ApiError::new(Code::OperationDenied)),
        _ => return Err(malformed()),
    };
    let source_ports = text("SourcePortRange");
    if !source_ports.is_empty() && source_ports != "-1/-1" && !port_range_ok(&source_ports) {
        return Err(malformed());
    }
    let source_cidr = text("SourceCidrIp");
    if !source_cidr.is_empty() && !ipv4_ok(&source_cidr) {
        return Err(ApiError::new(Code::InvalidSourceCidrIpMalformed));
    }
    let ipv6_source = text("Ipv6SourceCidrIp");
    if !ipv6_source.is_empty() && !ipv6_ok(&ipv6_source) {
        return Err(ApiError::new(Code::InvalidSourceCidrIpMalformed));
    }
    let dest_cidr = text("DestCidrIp");
    if !dest_cidr.is_empty() && !ipv4_ok(&dest_cidr) {
        return Err(ApiError::new(Code::InvalidDestCidrIpMalformed));
    }
    let ipv6_dest = text("Ipv6DestCidrIp");
    if !ipv6_dest.is_empty() && !ipv6_ok(&ipv6_dest) {
        return Err(ApiError::new(Code::InvalidDestCidrIpMalformed));
    }
    let policy = match text("Policy").to_ascii_lowercase().as_str() {
        "" | "accept" => "Accept",
        "drop" => "Drop",
        _ => return Err(ApiError::new(Code::InvalidPolicyMalformed)),
    };
    let priority = match text("Priority").as_str() {
        "" => 1,
        p => p
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::new(Code::InvalidPriorityValueNotSupported))?,
    };
    let nic_type = match text("NicType").as_str() {
        "" | "intranet" => "intranet",
        "internet" => "internet",
        _ => return Err(ApiError::new(Code::InvalidNicTypeValueNotSupported)),
    };
    let description = get("Description").unwrap_or_default();
    if description.chars().count() > 512
        || description.starts_with("http://")
        || description.starts_with("https://")
    {
        return Err(ApiError::new(Code::InvalidRuleDescriptionMalformed));
    }
    let rule = Permission {
        security_group_rule_id: String::new(),
        direction: direction.to_string(),
        ip_protocol: protocol.to_string(),
        port_range,
        source_port_range: source_ports,
        source_cidr_ip: source_cidr,
        ipv6_source_cidr_ip: ipv6_source,
        source_group_id: text("SourceGroupId"),
        source_group_owner_account: text("SourceGroupOwnerAccount"),
        source_prefix_list_id: text("SourcePrefixListId"),
        dest_cidr_ip: dest_cidr,
        ipv6_dest_cidr_ip: ipv6_dest,
        dest_group_id: if direction == "egress" {
            text("DestGroupId")
        } else {
            String::new()
        },
        dest_group_owner_account: text("DestGroupOwnerAccount"),
        dest_prefix_list_id: text("DestPrefixListId"),
        nic_type: nic_type.to_string(),
        policy: policy.to_string(),
        priority,
        description,
        create_time: String::new(),
    };
    let has_source = !rule.source_cidr_ip.is_empty()
        || !rule.ipv6_source_cidr_ip.is_empty()
        || !rule.source_group_id.is_empty()
        || !rule.source_prefix_list_id.is_empty();
    let has_dest = !rule.dest_cidr_ip.is_empty()
        || !rule.ipv6_dest_cidr_ip.is_empty()
        || !rule.dest_group_id.is_empty()
        || !rule.dest_prefix_list_id.is_empty();
    if direction == "ingress" && !has_source {
        return Err(ApiError::new(Code::MissingParameterSource));
    }
    if direction == "egress" && !has_dest {
        return Err(ApiError::new(Code::MissingParameterDest));
    }
    Ok(rule)
}

impl RuleChange {
    /// Parse Authorize / Revoke (`revoke`) for `direction` (`ingress` / `egress`).
    pub fn parse(p: &Params, direction: &str, revoke: bool) -> ApiResult<Self> {
        p.required("RegionId")?;
        let group_id = p.required("SecurityGroupId")?.to_string();
        let mut numbered: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
        for (k, v) in p.pairs() {
            let Some(rest) = k.strip_prefix("Permissions.") else {
                continue;
            };
            let Some((n, field)) = rest.split_once('.') else {
                continue;
            };
            match n.parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => {
                    numbered
                        .entry(n)
                        .or_default()
                        .insert(field.to_string(), v.to_string());
                }
                _ => return Err(ApiError::invalid_param("Permissions")),
            }
        }
        let rule_ids = if revoke {
            p.repeat("SecurityGroupRuleId")
        } else {
            Vec::new()
        };
        let mut rules = Vec::new();
        if numbered.is_empty() {
            // The deprecated top-level form (Terraform revokes with it).
            let flat = |k: &str| p.get(k).map(str::to_string);
            if !(revoke && !rule_ids.is_empty() && p.get("IpProtocol").is_none()) {
                rules.push(read_rule(&flat, direction, revoke)?);
            }
        } else {
            for fields in numbered.values() {
                let get = |k: &str| fields.get(k).cloned();
                rules.push(read_rule(&get, direction, revoke)?);
            }
        }
        Ok(RuleChange {
            revoke,
            group_id,
            rules,
            rule_ids,
        })
    }

    /// Apply: `{}`.
    pub fn apply(mut self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        let account = ctx.caller.account_id.clone();
        let g = owned_group(w, ctx, &self.group_id, Code::InvalidSecurityGroupIdNotFound)?;
        let vpc = g.vpc_id.clone();
        if self.revoke {
            for id in &self.rule_ids {
                if !g
                    .permissions
                    .iter()
                    .any(|r| r.security_group_rule_id == *id)
                {
                    return Err(ApiError::new(Code::InvalidGroupAuthItemNotFound));
                }
            }
            let (rules, ids) = (self.rules, self.rule_ids);
            if let Some(g) = w.security_group_mut(&account, &self.group_id) {
                g.permissions.retain(|r| {
                    !ids.contains(&r.security_group_rule_id)
                        && !rules.iter().any(|x| x.same_rule(r))
                });
            }
            return Ok(Reply::new());
        }
        for rule in &self.rules {
            if !rule.source_group_id.is_empty() {
                let s = w
                    .security_group(&account, &rule.source_group_id)
                    .filter(|s| s.region_id == region)
                    .ok_or_else(|| ApiError::new(Code::InvalidSourceGroupIdNotFound))?;
                if s.vpc_id != vpc {
                    return Err(ApiError::new(Code::InvalidSourceGroupIdMismatch));
                }
            }
            if !rule.dest_group_id.is_empty()
                && w.security_group(&account, &rule.dest_group_id)
                    .filter(|s| s.region_id == region)
                    .is_none()
            {
                return Err(ApiError::new(Code::InvalidDestGroupIdNotFound));
            }
        }
        let existing = &g.permissions;
        let mut added: Vec<Permission> = Vec::new();
        for rule in self.rules.drain(..) {
            if existing
                .iter()
                .chain(added.iter())
                .any(|r| r.same_rule(&rule))
            {
                continue;
            }
            added.push(rule);
        }
        if existing.len() + added.len() > RULES_PER_GROUP {
            return Err(ApiError::new(Code::AuthorizationLimitExceed));
        }
        for rule in &mut added {
            rule.security_group_rule_id = new_id(ctx.random, "sgr", &region);
            rule.create_time = format_ecs_seconds(ctx.now);
        }
        if let Some(g) = w.security_group_mut(&account, &self.group_id) {
            g.permissions.extend(added);
        }
        Ok(Reply::new())
    }
}

/// A rule as DescribeSecurityGroupAttribute shows it (24 keys; names of referenced
/// groups looked up in `account`).
pub fn render_rule(w: &World, account: &str, r: &Permission) -> Value {
    let name_of = |id: &str| {
        if id.is_empty() {
            String::new()
        } else {
            w.security_group(account, id)
                .map(|g| g.security_group_name.clone())
                .unwrap_or_default()
        }
    };
    json!({
        "SourceGroupId": r.source_group_id,
        "Policy": r.policy,
        "Description": r.description,
        "SourcePortRange": r.source_port_range,
        "Priority": r.priority,
        "CreateTime": r.create_time,
        "DestPrefixListName": "",
        "Ipv6SourceCidrIp": r.ipv6_source_cidr_ip,
        "NicType": r.nic_type,
        "DestGroupId": r.dest_group_id,
        "Direction": r.direction,
        "SourceGroupName": name_of(&r.source_group_id),
        "PortRange": r.port_range,
        "DestGroupOwnerAccount": r.dest_group_owner_account,
        "DestPrefixListId": r.dest_prefix_list_id,
        "SourceCidrIp": r.source_cidr_ip,
        "SourcePrefixListName": "",
        "IpProtocol": r.ip_protocol,
        "DestCidrIp": r.dest_cidr_ip,
        "DestGroupName": name_of(&r.dest_group_id),
        "SecurityGroupRuleId": r.security_group_rule_id,
        "SourceGroupOwnerAccount": r.source_group_owner_account,
        "Ipv6DestCidrIp": r.ipv6_dest_cidr_ip,
        "SourcePrefixListId": r.source_prefix_list_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pairs: &[(&str, &str)], direction: &str) -> ApiResult<Permission> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        read_rule(&|k: &str| map.get(k).cloned(), direction, false)
    }

    #[test]
    fn rules_are_checked_and_normalised() {
        let r = rule(
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceCidrIp", "0.0.0.0/0"),
            ],
            "ingress",
        )
        .unwrap();
        assert_eq!(
            (r.ip_protocol.as_str(), r.policy.as_str(), r.priority),
            ("TCP", "Accept", 1)
        );
        let icmp = rule(
            &[("IpProtocol", "ICMP"), ("SourceCidrIp", "10.0.0.1")],
            "ingress",
        )
        .unwrap();
        assert_eq!(icmp.port_range, "-1/-1");
        let code = |pairs: &[(&str, &str)], d: &str| rule(pairs, d).unwrap_err().code.to_string();
        assert_eq!(
            code(&[("IpProtocol", "tcpx")], "ingress"),
            "InvalidIpProtocol.ValueNotSupported"
        );
        assert_eq!(
            code(
                &[
                    ("IpProtocol", "tcp"),
                    ("PortRange", "22/1"),
                    ("SourceCidrIp", "1.1.1.1")
                ],
                "ingress"
            ),
            "InvalidIpProtocol.Malformed"
        );
        assert_eq!(
            code(
                &[
                    ("IpProtocol", "tcp"),
                    ("PortRange", "-1/-1"),
                    ("SourceCidrIp", "1.1.1.1")
                ],
                "ingress"
            ),
            "OperationDenied"
        );
        assert_eq!(
            code(&[("IpProtocol", "tcp"), ("PortRange", "22/22")], "ingress"),
            "MissingParameter.Source"
        );
        assert_eq!(
            code(
                &[
                    ("IpProtocol", "tcp"),
                    ("PortRange", "22/22"),
                    ("SourceCidrIp", "1.1.1.1")
                ],
                "egress"
            ),
            "MissingParameter.Dest"
        );
        assert_eq!(
            code(
                &[
                    ("IpProtocol", "tcp"),
                    ("PortRange", "22/22"),
                    ("SourceCidrIp", "1.1.1.300")
                ],
                "ingress"
            ),
            "InvalidSourceCidrIp.Malformed"
        );
        assert_eq!(
            code(
                &[
                    ("IpProtocol", "all"),
                    ("SourceCidrIp", "1.1.1.1"),
                    ("Priority", "101")
                ],
                "ingress"
            ),
            "InvalidPriority.ValueNotSupported"
        );
    }
}
