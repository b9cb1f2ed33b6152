//! The instance status machine (spec §3.2) and the checks shared by lifecycle actions.
//!
//! Each action moves an instance into a transitional status at once and schedules the
//! rest as [`Phase`](crate::ecs::model::Phase)s timed by the [`Timing`] profile:
//!
//! ```text
//! RunInstances     Pending ─pending→ Starting ─starting→ Running
//! CreateInstance   Pending ─pending→ Stopped
//! Start            Stopped → Starting ─starting→ Running
//! Stop             Running → Stopping ─stopping (or force-stopping)→ Stopped
//! Reboot           Running → Stopping ─force-stopping→ Starting ─starting→ Running
//! Delete (Force)   Running → Stopping ─releasing→ (gone)
//! ```

use crate::clock::{format_ecs, Millis};
use crate::ecs::model::{
    ChargeType, DiskStatus, DiskType, EcsTime, Instance, LockReason, Status, Step, StoppedMode,
};
use crate::error::{ApiError, ApiResult, Code};
use crate::timing::Timing;

/// The stopped mode a loaded instance keeps: its own while stopped (KeepCharging when
/// the fixture leaves it `Not-applicable`), `Not-applicable` otherwise.
fn loaded_stopped_mode(inst: &Instance) -> StoppedMode {
    match (inst.status, inst.stopped_mode) {
        (Status::Stopped | Status::Stopping, StoppedMode::NotApplicable) => {
            StoppedMode::KeepCharging
        }
        (Status::Stopped | Status::Stopping, mode) => mode,
        _ => StoppedMode::NotApplicable,
    }
}

/// Whether [`normalize_shape`] would change `inst`.
pub fn shape_needs_normalizing(inst: &Instance) -> bool {
    inst.instance_name.is_empty() || loaded_stopped_mode(inst) != inst.stopped_mode
}

/// The part of [`normalize_loaded`] that does not depend on time: the default name (the
/// id) and a stopped mode that matches the status.
pub fn normalize_shape(inst: &mut Instance) {
    if inst.instance_name.is_empty() {
        inst.instance_name = inst.instance_id.to_string();
    }
    inst.stopped_mode = loaded_stopped_mode(inst);
}

/// Whether a loaded instance's transitional status still needs its end scheduled.
fn needs_schedule(inst: &Instance) -> bool {
    !inst.mock_stuck
        && inst.mock_transitions.is_empty()
        && matches!(
            inst.status,
            Status::Pending | Status::Starting | Status::Stopping
        )
}

/// Whether [`normalize_loaded`] would change `inst` (most loaded instances are already
/// as it leaves them, and stay shared with the fixture document).
pub fn needs_normalizing(inst: &Instance) -> bool {
    shape_needs_normalizing(inst) || needs_schedule(inst)
}

/// Bring a freshly loaded fixture instance into a consistent shape: default name,
/// stopped mode that matches the status ([`normalize_shape`]), and a scheduled end for a
/// transitional status given without `MockTransitions` (unless `MockStuck`).
pub fn normalize_loaded(inst: &mut Instance, now: Millis, timing: &Timing) {
    normalize_shape(inst);
    if !needs_schedule(inst) {
        return;
    }
    let status = inst.status;
    match status {
        Status::Pending => inst.transition(
            now,
            status,
            &[
                (timing.pending, Step::Status(Status::Starting)),
                (timing.starting, Step::Status(Status::Running)),
            ],
        ),
        Status::Starting => inst.transition(
            now,
            status,
            &[(timing.starting, Step::Status(Status::Running))],
        ),
        Status::Stopping => inst.transition(
            now,
            status,
            &[(timing.stopping, Step::Status(Status::Stopped))],
        ),
        Status::Running | Status::Stopped => {}
    }
}

/// The detailed `IncorrectInstanceStatus` message (spec §3.3).
pub fn incorrect_status(current: Status, expected: &[Status]) -> ApiError {
    // Written into one string (a refusal is the common answer under load).
    let mut message = String::with_capacity(200);
    message.push_str("The specified instance is in an incorrect status for the requested action; Status of the specified instance is ");
    message.push_str(current.as_str());
    message.push_str(" but the expected status is in (");
    for (i, status) in expected.iter().enumerate() {
        if i > 0 {
            message.push_str(", ");
        }
        message.push_str(status.as_str());
    }
    message.push_str(").");
    ApiError::with_message(Code::IncorrectInstanceStatus, message)
}

/// Refuse with `InstanceLockedForSecurity` when a `security` lock is present.
pub fn check_security_lock(inst: &Instance) -> ApiResult<()> {
    if inst.operation_locks.has(LockReason::Security) {
        return Err(ApiError::new(Code::InstanceLockedForSecurity));
    }
    Ok(())
}

/// Whether a PrePaid instance's subscription has run out.
pub fn prepaid_expired(inst: &Instance, now: Millis) -> bool {
    inst.instance_charge_type == ChargeType::PrePaid
        && inst.expired_time.is_some_and(|t| t.0 <= now)
}

/// Whether the instance is locked for a billing reason (overdue PostPaid, refunded,
/// recycling spot, overdue dedicated host). Those locks block start/stop/reboot.
pub fn billing_locked(inst: &Instance) -> bool {
    [
        LockReason::Financial,
        LockReason::DedicatedHostFinancial,
        LockReason::Recycling,
        LockReason::Refunded,
    ]
    .into_iter()
    .any(|r| inst.operation_locks.has(r))
}

/// Stop and Reboot of an expired or overdue instance: `InstanceExpiredOrInArrears`.
pub fn check_not_in_arrears(inst: &Instance, now: Millis) -> ApiResult<()> {
    if prepaid_expired(inst, now) || billing_locked(inst) {
        return Err(ApiError::new(Code::InstanceExpiredOrInArrears));
    }
    Ok(())
}

/// Disks: any expired disk → `DiskInArrears`; a system or data disk not `In_use` →
/// `DiskError`; a failed local disk → `DiskError` unless `init_local_disk`, which the
/// caller then applies with [`restore_local_disks`].
pub fn check_disks(inst: &Instance, now: Millis, init_local_disk: bool) -> ApiResult<()> {
    if inst
        .mock_disks
        .iter()
        .any(|d| d.expired_time.is_some_and(|t: EcsTime| t.0 <= now))
    {
        return Err(ApiError::new(Code::DiskInArrears));
    }
    for d in &inst.mock_disks {
        // An `Attaching` disk is not working yet.
        let ok = d.status_at(now).is_in_use();
        match d.disk_type {
            DiskType::System | DiskType::Data if !ok => return Err(ApiError::new(Code::DiskError)),
            DiskType::Local if !ok && !init_local_disk => {
                return Err(ApiError::new(Code::DiskError))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Restore failed local disks to `In_use`, marking their data as lost. Returns how
/// many were restored.
pub fn restore_local_disks(inst: &mut Instance) -> usize {
    let mut n = 0;
    for d in inst
        .mock_disks
        .iter_mut()
        .filter(|d| d.disk_type == DiskType::Local && !d.status.is_in_use())
    {
        d.status = DiskStatus::InUse;
        d.mock_data_lost = true;
        n += 1;
    }
    n
}

/// Begin a start: Starting now, Running after the profile's delay; StartTime is now.
pub fn begin_start(inst: &mut Instance, now: Millis, timing: &Timing) {
    inst.transition(
        now,
        Status::Starting,
        &[(timing.starting, Step::Status(Status::Running))],
    );
    inst.start_time = Some(EcsTime(now));
}

/// Begin a stop: Stopping now, Stopped after the (forced) stop delay.
pub fn begin_stop(inst: &mut Instance, now: Millis, timing: &Timing, force: bool) {
    inst.transition(
        now,
        Status::Stopping,
        &[(timing.stop(force), Step::Status(Status::Stopped))],
    );
}

/// Begin a reboot: Stopping, then Starting, then Running; StartTime is the reboot request.
pub fn begin_reboot(inst: &mut Instance, now: Millis, timing: &Timing, force: bool) {
    let stop = timing.stop(force);
    inst.transition(
        now,
        Status::Stopping,
        &[
            (stop, Step::Status(Status::Starting)),
            (timing.starting, Step::Status(Status::Running)),
        ],
    );
    inst.start_time = Some(EcsTime(now));
}

/// Begin a forced release: Stopping now, gone after the releasing delay.
pub fn begin_release(inst: &mut Instance, now: Millis, timing: &Timing) {
    inst.transition(now, Status::Stopping, &[(timing.releasing, Step::Release)]);
}

/// `ExpiredTime` as DescribeInstances shows it (PostPaid: far future).
pub fn expired_time_text(inst: &Instance) -> String {
    match inst.expired_time {
        Some(t) => format_ecs(t.0),
        None => "2099-12-31T15:59Z".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incorrect_status_lists_every_expected_status() {
        let e = incorrect_status(Status::Starting, &[Status::Running, Status::Stopped]);
        assert_eq!(e.code, "IncorrectInstanceStatus");
        assert_eq!(
            e.message,
            "The specified instance is in an incorrect status for the requested action; Status of the specified instance is Starting but the expected status is in (Running, Stopped)."
        );
    }
}
