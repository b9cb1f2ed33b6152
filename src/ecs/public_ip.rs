//! AllocatePublicIpAddress: give an instance a public IP address.
//!
//! Checks, the first failure wins: a well-formed `IpAddress` when one is named → the
//! instance (`InvalidInstanceId.NotFound`) → a `security` lock → billing locks
//! (`InstanceExpiredOrInArrears`) → `Running` or `Stopped` (`IncorrectInstanceStatus`)
//! → no public IP or EIP yet (`AllocatedAlready`) → public bandwidth above 0
//! (`AllocateIpInvalidInstanceBandwidth`) → a named address no instance uses (`IpInUse`).
//!
//! The address is a free one of `47.96.0.0/15`, drawn from the emulator's randomness
//! (so `--seed` runs repeat it), unique among all instances; DescribeInstances then
//! shows it in `PublicIpAddress.IpAddress`.

use std::net::Ipv4Addr;

use serde_json::{json, Value};

use crate::ecs::attributes::with_fields;
use crate::ecs::lifecycle::{
    billing_locked, check_security_lock, incorrect_status, prepaid_expired,
};
use crate::ecs::model::Status;
use crate::ecs::shapes::stored_field;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// A parsed AllocatePublicIpAddress request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocatePublicIpAddress {
    /// The instance.
    pub instance_id: String,
    /// A specific address to take.
    pub ip_address: Option<String>,
}

impl AllocatePublicIpAddress {
    /// Parse the parameters (no RegionId: the instance is found by id).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let instance_id = p.required("InstanceId")?.to_string();
        let ip_address = match p.non_empty("IpAddress") {
            None => None,
            Some(ip) => match ip.trim().parse::<Ipv4Addr>() {
                Ok(a) if !a.is_unspecified() && !a.is_broadcast() => Some(a.to_string()),
                _ => return Err(ApiError::new(Code::InvalidIpAddressMalformed)),
            },
        };
        Ok(AllocatePublicIpAddress {
            instance_id,
            ip_address,
        })
    }

    /// Apply: `IpAddress`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let inst = w.owned(ctx.caller, ctx.region, &self.instance_id, ctx.now)?;
        check_security_lock(inst)?;
        if billing_locked(inst) || prepaid_expired(inst, ctx.now) {
            return Err(ApiError::new(Code::InstanceExpiredOrInArrears));
        }
        if !matches!(inst.status, Status::Running | Status::Stopped) {
            return Err(incorrect_status(
                inst.status,
                &[Status::Running, Status::Stopped],
            ));
        }
        if has_address(inst) {
            return Err(ApiError::new(Code::AllocatedAlready));
        }
        let bandwidth = stored_field(inst, "InternetMaxBandwidthOut")
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        if bandwidth <= 0 {
            return Err(ApiError::new(Code::AllocateIpInvalidInstanceBandwidth));
        }
        let ip = match self.ip_address {
            Some(ip) if w.public_ip_in_use(&ip) => return Err(ApiError::new(Code::IpInUse)),
            Some(ip) => ip,
            None => w
                .free_public_ip(ctx.random)
                .ok_or_else(|| ApiError::new(Code::InternalError))?,
        };
        w.claim_public_ip(&ip);
        if let Some(inst) = w.instance_mut(&self.instance_id) {
            inst.extra = with_fields(
                &inst.extra,
                vec![("PublicIpAddress", json!({ "IpAddress": [ip] }))],
            );
        }
        let mut reply = Reply::new();
        reply.insert("IpAddress".into(), json!(ip));
        Ok(reply)
    }
}

/// Whether the instance shows a public IP address or a bound EIP.
fn has_address(inst: &crate::ecs::model::Instance) -> bool {
    let public = stored_field(inst, "PublicIpAddress")
        .and_then(|v| v.get("IpAddress").cloned())
        .and_then(|v| match v {
            Value::Array(list) => Some(!list.is_empty()),
            _ => None,
        })
        .unwrap_or(false);
    let eip = stored_field(inst, "EipAddress")
        .and_then(|v| {
            v.get("IpAddress")
                .and_then(Value::as_str)
                .map(|s| !s.is_empty())
        })
        .unwrap_or(false);
    public || eip
}
