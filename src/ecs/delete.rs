//! DeleteInstance and DeleteInstances: release instances (spec §5.12–5.13).
//!
//! Checks: ownership → release protection → subscription (an unexpired PrePaid
//! instance is `ChargeTypeViolation`; an expired one needs `TerminateSubscription`) →
//! `Pending` is `IncorrectInstanceStatus.Initializing` → without `Force` only a
//! `Stopped` instance → DryRun. A stopped instance disappears at once and gives back
//! stock and quota; with `Force` a running one goes `Stopping` and disappears after the
//! releasing delay (plus a normal stop when `ForceStop=false`). A `security` lock does
//! not block release. Deleting an instance already being released succeeds again.

use crate::ecs::batch::parse_ids;
use crate::ecs::lifecycle::{incorrect_status, prepaid_expired};
use crate::ecs::model::{ChargeType, Status};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// Options shared by both delete actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Release a running instance.
    pub force: bool,
    /// With `force`: power off (default) rather than shut down.
    pub force_stop: bool,
    /// Release an expired subscription instance.
    pub terminate_subscription: bool,
    /// Check only.
    pub dry_run: bool,
}

impl DeleteOptions {
    /// Parse `Force`, `ForceStop`, `TerminateSubscription`, `DryRun`.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        Ok(DeleteOptions {
            force: p.flag("Force", false)?,
            force_stop: p.flag("ForceStop", true)?,
            terminate_subscription: p.flag("TerminateSubscription", false)?,
            dry_run: p.flag("DryRun", false)?,
        })
    }
}

/// A parsed DeleteInstance request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteInstance {
    /// The instance.
    pub instance_id: String,
    /// Options.
    pub options: DeleteOptions,
}

impl DeleteInstance {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        Ok(DeleteInstance {
            instance_id: p.required("InstanceId")?.to_string(),
            options: DeleteOptions::parse(p)?,
        })
    }

    /// Apply: `{}`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        check(w, ctx, &self.instance_id, self.options)?;
        if self.options.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        apply(w, ctx, &self.instance_id, self.options);
        Ok(Reply::new())
    }
}

/// A parsed DeleteInstances request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteInstances {
    /// Distinct ids.
    pub ids: Vec<String>,
    /// Options.
    pub options: DeleteOptions,
}

impl DeleteInstances {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        Ok(DeleteInstances {
            ids: parse_ids(p)?,
            options: DeleteOptions::parse(p)?,
        })
    }

    /// Apply: all or nothing; `{}`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        w.check_region(ctx.region)?;
        let known = self
            .ids
            .iter()
            .filter(|id| w.owned(ctx.caller, ctx.region, id, ctx.now).is_ok())
            .count();
        if known == 0 {
            return Err(ApiError::new(Code::InvalidInstanceIdsNotFound));
        }
        for id in &self.ids {
            check(w, ctx, id, self.options)?;
        }
        if self.options.dry_run {
            return Err(ApiError::new(Code::DryRunSuccess));
        }
        for id in &self.ids {
            apply(w, ctx, id, self.options);
        }
        Ok(Reply::new())
    }
}

/// Every delete rule.
pub fn check(w: &mut World, ctx: &Ctx<'_>, id: &str, o: DeleteOptions) -> ApiResult<()> {
    let inst = w.owned(ctx.caller, ctx.region, id, ctx.now)?;
    if inst.is_releasing() {
        return Ok(());
    }
    if inst.deletion_protection {
        return Err(ApiError::new(Code::InvalidOperationDeletionProtection));
    }
    if inst.instance_charge_type == ChargeType::PrePaid
        && !(prepaid_expired(inst, ctx.now) && o.terminate_subscription)
    {
        return Err(ApiError::new(Code::ChargeTypeViolation));
    }
    match inst.status {
        Status::Pending => Err(ApiError::new(Code::IncorrectInstanceStatusInitializing)),
        Status::Stopped => Ok(()),
        other if !o.force => Err(incorrect_status(other, &[Status::Stopped])),
        _ => Ok(()),
    }
}

/// Release a checked instance.
pub fn apply(w: &mut World, ctx: &Ctx<'_>, id: &str, o: DeleteOptions) {
    let Some(inst) = w.instance_mut(id) else {
        return;
    };
    if inst.is_releasing() {
        return;
    }
    if inst.status == Status::Stopped {
        w.remove_instance_at(id, Some(ctx.now));
        return;
    }
    let mut timing = *ctx.timing;
    if !o.force_stop {
        timing.releasing += timing.stopping;
    }
    w.begin_release(id, ctx.now, &timing);
}
