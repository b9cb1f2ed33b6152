//! RebootInstance: Running → Stopping → Starting → Running (spec §5.5).
//!
//! Checks: ownership → `security` lock → expiry/arrears → status must be `Running` →
//! disks (`DiskInArrears`, `DiskError`) → DryRun.

use crate::ecs::lifecycle::{
    self, check_disks, check_not_in_arrears, check_security_lock, incorrect_status,
};
use crate::ecs::model::Status;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// A parsed RebootInstance request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebootInstance {
    /// The instance.
    pub instance_id: String,
    /// Power off before the reboot (shorter `Stopping`).
    pub force: bool,
    /// Check only.
    pub dry_run: bool,
}

impl RebootInstance {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        Ok(RebootInstance {
            instance_id: p.required("InstanceId")?.to_string(),
            force: p.flag("ForceStop", false)?,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `{}` on success (the instance is `Stopping`, then `Starting`).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        check(w, ctx, &self.instance_id)?;
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        apply(w, ctx, &self.instance_id, self.force);
        Ok(Reply::new())
    }
}

/// Every RebootInstance rule.
pub fn check(w: &mut World, ctx: &Ctx<'_>, id: &str) -> ApiResult<()> {
    let inst = w.owned(ctx.caller, ctx.region, id, ctx.now)?;
    check_security_lock(inst)?;
    check_not_in_arrears(inst, ctx.now)?;
    if inst.status != Status::Running {
        return Err(incorrect_status(inst.status, &[Status::Running]));
    }
    check_disks(inst, ctx.now, false)
}

/// Reboot a checked instance.
pub fn apply(w: &mut World, ctx: &Ctx<'_>, id: &str, force: bool) {
    if let Some(inst) = w.instance_mut(id) {
        lifecycle::begin_reboot(inst, ctx.now, ctx.timing, force);
    }
}
