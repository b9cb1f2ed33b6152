//! ModifyInstanceSpec for a pay-as-you-go instance: change its type (when Stopped) or
//! its public bandwidth (Running or Stopped), one kind of change per call.
//!
//! Checks, the first failure wins: the parameters (`InternetMaxBandwidthOut` 0–100,
//! `InternetMaxBandwidthIn` 1–10240, a type and a bandwidth together is
//! `InvalidParameter.Mismatch`, nothing to change is `MissingParameter`) → the instance
//! → a `security` lock → PrePaid is `ChargeTypeViolation` → a balance that is not
//! positive → then, for a type: `Stopped` only (`InvalidInstanceStatus.NotStopped`), a
//! catalog type (`InvalidInstanceType.ValueNotSupported`), sold in the instance's zone
//! (the same code, "does not offer"), not the current type and no local disks on either
//! side (`DependencyViolation.InstanceType`), then stock and quota exactly as
//! StartInstance and RunInstances check them (`OperationDenied.NoStock`,
//! `QuotaExceed.ElasticQuota`); for a bandwidth: `Running` or `Stopped`
//! (`InvalidStatus.ValueNotSupported`). DryRun answers `DryRunOperation` after every
//! check.
//!
//! A type change moves the instance's stock and quota from the old type to the new one
//! in one step under the world's lock; DescribeInstances then shows the new type's
//! `Cpu`, `Memory` and `InstanceTypeFamily`.

use serde_json::{json, Value};

use crate::ecs::attributes::with_fields;
use crate::ecs::lifecycle::check_security_lock;
use crate::ecs::model::{ChargeType, Status};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// What one ModifyInstanceSpec call changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecChange {
    /// A new instance type.
    Type(String),
    /// New public bandwidth, out and/or in (Mbit/s).
    Bandwidth {
        /// `InternetMaxBandwidthOut`.
        out: Option<i64>,
        /// `InternetMaxBandwidthIn`.
        inbound: Option<i64>,
    },
}

/// A parsed ModifyInstanceSpec request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifyInstanceSpec {
    /// The instance.
    pub instance_id: String,
    /// The change.
    pub change: SpecChange,
    /// Check only.
    pub dry_run: bool,
}

impl ModifyInstanceSpec {
    /// Parse the parameters (no RegionId: the instance is found by id).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let instance_id = p.required("InstanceId")?.to_string();
        let out = p.int_in("InternetMaxBandwidthOut", 0, 100)?;
        let inbound = p.int_in("InternetMaxBandwidthIn", 1, 10_240)?;
        let change = match (p.non_empty("InstanceType"), out.is_some() || inbound.is_some()) {
            (Some(_), true) => {
                return Err(ApiError::with_message(
                    Code::InvalidParameterMismatch,
                    "Too many parameters in one request.",
                ))
            }
            (Some(t), false) => SpecChange::Type(t.to_string()),
            (None, true) => SpecChange::Bandwidth { out, inbound },
            (None, false) => {
                return Err(ApiError::with_message(
                    Code::MissingParameter,
                    "The input parameter InstanceType that is mandatory for processing this request is not supplied.",
                ))
            }
        };
        Ok(ModifyInstanceSpec {
            instance_id,
            change,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `{}`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        w.owned(ctx.caller, ctx.region, &self.instance_id, ctx.now)?;
        // Settled and owned; the checks only read.
        let Some(inst) = w.instance(&self.instance_id) else {
            return Err(ApiError::new(Code::InvalidInstanceIdNotFound));
        };
        check_security_lock(inst)?;
        if inst.instance_charge_type == ChargeType::PrePaid {
            return Err(ApiError::new(Code::ChargeTypeViolation));
        }
        if w.account(&inst.account_id)
            .is_some_and(|a| a.balance <= 0.0)
        {
            return Err(ApiError::new(Code::InvalidAccountStatusNotEnoughBalance));
        }
        match self.change {
            SpecChange::Type(new_type) => {
                check_type_change(w, &self.instance_id, &new_type)?;
                w.change_instance_type(&self.instance_id, &new_type, self.dry_run)?;
            }
            SpecChange::Bandwidth { out, inbound } => {
                let status = inst.status;
                if !matches!(status, Status::Running | Status::Stopped) {
                    return Err(ApiError::new(Code::InvalidStatusValueNotSupported));
                }
                if !self.dry_run {
                    let mut changes: Vec<(&str, Value)> = Vec::new();
                    if let Some(out) = out {
                        changes.push(("InternetMaxBandwidthOut", json!(out)));
                    }
                    if let Some(inbound) = inbound {
                        changes.push(("InternetMaxBandwidthIn", json!(inbound)));
                    }
                    if let Some(inst) = w.instance_mut(&self.instance_id) {
                        inst.extra = with_fields(&inst.extra, changes);
                    }
                }
            }
        }
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        Ok(Reply::new())
    }
}

/// The rules of a type change that do not touch stock or quota.
fn check_type_change(w: &World, id: &str, new_type: &str) -> ApiResult<()> {
    let Some(inst) = w.instance(id) else {
        return Err(ApiError::new(Code::InvalidInstanceIdNotFound));
    };
    if inst.status != Status::Stopped {
        return Err(ApiError::new(Code::InvalidInstanceStatusNotStopped));
    }
    let target = w
        .instance_type(new_type)
        .ok_or_else(|| ApiError::new(Code::InvalidInstanceTypeValueNotSupported))?;
    let sold = w
        .zone(&inst.region_id, &inst.zone_id)
        .is_some_and(|z| z.stock.contains_key(new_type));
    if !sold {
        return Err(ApiError::with_message(
            Code::InvalidInstanceTypeValueNotSupported,
            "The specified zone does not offer the specified instancetype.",
        ));
    }
    let local_now = w
        .instance_type(&inst.instance_type)
        .is_some_and(|t| t.local_storage);
    if new_type == inst.instance_type.as_str() || target.local_storage || local_now {
        return Err(ApiError::new(Code::DependencyViolationInstanceType));
    }
    Ok(())
}
