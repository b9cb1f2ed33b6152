//! StartInstance: every documented outcome, decided from state (spec §5.1).
//!
//! Checks run in this order, the first failure wins: ownership and region →
//! `security` lock → expiry (PrePaid past `ExpiredTime`; PostPaid with a `financial`
//! lock) → other billing locks → PostPaid balance → status (`Pending` is
//! `InstanceNotReady`, anything but `Stopped` is `IncorrectInstanceStatus`) → disks
//! (arrears, then status; failed local disks pass with `InitLocalDisk`) → KMS → spot
//! price → for an economical-mode (StopCharging) instance, stock and quota → DryRun.

use crate::ecs::capacity::Placement;
use crate::ecs::lifecycle::{
    self, billing_locked, check_disks, check_security_lock, incorrect_status, prepaid_expired,
};
use crate::ecs::model::{ChargeType, LockReason, SpotStrategy, Status, StoppedMode};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// A parsed StartInstance request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartInstance {
    /// The instance.
    pub instance_id: String,
    /// Restore failed local disks (their data is lost).
    pub init_local_disk: bool,
    /// Check only.
    pub dry_run: bool,
}

impl StartInstance {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        Ok(StartInstance {
            instance_id: p.required("InstanceId")?.to_string(),
            init_local_disk: p.flag("InitLocalDisk", false)?,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `{}` on success (the instance is `Starting`).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        check(w, ctx, &self.instance_id, self.init_local_disk)?;
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        apply(w, ctx, &self.instance_id, self.init_local_disk);
        Ok(Reply::new())
    }
}

/// Every StartInstance rule; `Ok` means the start may proceed.
pub fn check(w: &mut World, ctx: &Ctx<'_>, id: &str, init_local_disk: bool) -> ApiResult<()> {
    w.owned(ctx.caller, ctx.region, id, ctx.now)?;
    // Settled and owned; the rest only reads.
    let w: &World = w;
    let inst = w
        .instance(id)
        .ok_or_else(|| ApiError::new(Code::InvalidInstanceIdNotFound))?;
    check_security_lock(inst)?;
    let postpaid = inst.instance_charge_type == ChargeType::PostPaid;
    if prepaid_expired(inst, ctx.now) {
        return Err(ApiError::with_message(
            Code::InstanceExpired,
            "The prePaid instance has been expired.",
        ));
    }
    if postpaid && inst.operation_locks.has(LockReason::Financial) {
        return Err(ApiError::with_message(
            Code::InstanceExpired,
            "The postPaid instance has been expired.Please ensure your account have enough balance.",
        ));
    }
    if billing_locked(inst) {
        return Err(ApiError::new(Code::InstanceExpiredOrInArrears));
    }
    let account = w.account(&inst.account_id);
    if postpaid && account.is_some_and(|a| a.balance <= 0.0) {
        return Err(ApiError::new(Code::InsufficientBalance));
    }
    match inst.status {
        Status::Stopped => {}
        Status::Pending => return Err(ApiError::new(Code::InstanceNotReady)),
        other => return Err(incorrect_status(other, &[Status::Stopped])),
    }
    check_disks(inst, ctx.now, init_local_disk)?;
    if inst.mock_disks.iter().any(|d| d.encrypted) && account.is_some_and(|a| !a.kms_authorized) {
        return Err(ApiError::new(Code::KmsUnauthorized));
    }
    if inst.spot_strategy == SpotStrategy::SpotWithPriceLimit {
        let price = w
            .zone(&inst.region_id, &inst.zone_id)
            .and_then(|z| z.spot_prices.get(inst.instance_type.as_str()).copied());
        if price.is_some_and(|p| inst.spot_price_limit < p) {
            return Err(ApiError::new(Code::OperationDeniedSpotPrice));
        }
    }
    if inst.stopped_mode == StoppedMode::StopCharging {
        w.check_capacity(&Placement::of(inst), 1)?;
    }
    Ok(())
}

/// Start a checked instance: resources back if it was StopCharging, failed local disks
/// restored when asked, `Starting` now and `Running` after the profile's delay.
pub fn apply(w: &mut World, ctx: &Ctx<'_>, id: &str, init_local_disk: bool) {
    w.set_stopped_mode(id, StoppedMode::NotApplicable);
    if let Some(inst) = w.instance_mut(id) {
        if init_local_disk {
            lifecycle::restore_local_disks(inst);
        }
        lifecycle::begin_start(inst, ctx.now, ctx.timing);
    }
}
