//! StopInstance: Running → Stopping → Stopped, in standard or economical mode (spec §5.3).
//!
//! Checks: ownership → expiry/arrears (`InstanceExpiredOrInArrears`) → status must be
//! `Running` (a `Starting` instance answers `IncorrectInstanceStatus`, which Terraform
//! retries on) → DryRun. A `security` lock does not block a stop (current lock table).
//! `StoppedMode=StopCharging` releases stock and quota at once; on an instance that
//! cannot use economical mode (PrePaid, local-disk types, spot) it is ignored and the
//! instance stops with `StoppedMode` `Not-applicable`, as the API reference says.

use crate::ecs::lifecycle::{self, check_not_in_arrears, incorrect_status};
use crate::ecs::model::{ChargeType, Instance, SpotStrategy, Status, StoppedMode};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::{Choice, Params};

/// Stop options shared by StopInstance and StopInstances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopOptions {
    /// Power off instead of a guest shutdown (shorter `Stopping`).
    pub force: bool,
    /// Requested economical mode.
    pub stop_charging: bool,
}

/// The `StoppedMode` a StopInstance request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedMode {
    /// Keep the resources (and the bill).
    KeepCharging,
    /// Economical mode: give back stock and quota while stopped.
    StopCharging,
}

impl Choice for RequestedMode {
    const ALL: &'static [Self] = &[RequestedMode::KeepCharging, RequestedMode::StopCharging];

    fn as_str(self) -> &'static str {
        match self {
            RequestedMode::KeepCharging => "KeepCharging",
            RequestedMode::StopCharging => "StopCharging",
        }
    }
}

impl StopOptions {
    /// Parse `ForceStop` and `StoppedMode`.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let mode = p.choice("StoppedMode", || ApiError::invalid_param("StoppedMode"))?;
        Ok(StopOptions {
            force: p.flag("ForceStop", false)?,
            stop_charging: mode == Some(RequestedMode::StopCharging),
        })
    }
}

/// A parsed StopInstance request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopInstance {
    /// The instance.
    pub instance_id: String,
    /// Options.
    pub options: StopOptions,
    /// Check only.
    pub dry_run: bool,
}

impl StopInstance {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        Ok(StopInstance {
            instance_id: p.required("InstanceId")?.to_string(),
            options: StopOptions::parse(p)?,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `{}` on success (the instance is `Stopping`).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        check(w, ctx, &self.instance_id)?;
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        apply(w, ctx, &self.instance_id, self.options);
        Ok(Reply::new())
    }
}

/// Whether the instance can be stopped in economical mode.
pub fn supports_economical_mode(w: &World, inst: &Instance) -> bool {
    let local_storage = w
        .instance_type(&inst.instance_type)
        .is_some_and(|t| t.local_storage);
    economical_mode_possible(inst.instance_charge_type, inst.spot_strategy, local_storage)
}

/// Economical mode exists only for pay-as-you-go, non-spot instances without local disks.
pub fn economical_mode_possible(
    charge: ChargeType,
    spot: SpotStrategy,
    local_storage: bool,
) -> bool {
    charge == ChargeType::PostPaid && spot == SpotStrategy::NoSpot && !local_storage
}

/// Every StopInstance rule.
pub fn check(w: &mut World, ctx: &Ctx<'_>, id: &str) -> ApiResult<()> {
    let inst = w.owned(ctx.caller, ctx.region, id, ctx.now)?;
    check_not_in_arrears(inst, ctx.now)?;
    if inst.status != Status::Running {
        return Err(incorrect_status(inst.status, &[Status::Running]));
    }
    Ok(())
}

/// Stop a checked instance.
pub fn apply(w: &mut World, ctx: &Ctx<'_>, id: &str, options: StopOptions) {
    let Some(inst) = w.instance(id) else {
        return;
    };
    let mode = if !supports_economical_mode(w, inst) {
        StoppedMode::NotApplicable
    } else if options.stop_charging {
        StoppedMode::StopCharging
    } else {
        StoppedMode::KeepCharging
    };
    w.set_stopped_mode(id, mode);
    if let Some(inst) = w.instance_mut(id) {
        lifecycle::begin_stop(inst, ctx.now, ctx.timing, options.force);
    }
}
