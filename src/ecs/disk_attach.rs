//! AttachDisk and DetachDisk: a disk moves between the standalone map and an
//! instance's `MockDisks`, showing `Attaching` / `Detaching` for the profile's
//! durations (see [`disk_actions`](crate::ecs::disk_actions)).

use crate::ecs::disk_actions::{attach, check_attachable, MAX_DISKS};
use crate::ecs::disk_model::LeftFrom;
use crate::ecs::disks::{devices, free_device};
use crate::ecs::lifecycle::check_security_lock;
use crate::ecs::model::{Disk, DiskStatus, DiskType};
use crate::ecs::world::{DiskHome, World};
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// A parsed AttachDisk request.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachDisk {
    instance: String,
    disk: String,
    delete_with_instance: Option<bool>,
    device: Option<String>,
}

impl AttachDisk {
    /// Parse the parameters (`Bootable`, `Password`, `KeyPairName` and `Force` are
    /// accepted and ignored: a disk is always attached as a data disk).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let device = p.non_empty("Device").map(str::to_string);
        if let Some(d) = &device {
            let ok = d
                .strip_prefix("/dev/xvd")
                .is_some_and(|c| c.len() == 1 && ("b"..="z").contains(&c));
            if !ok {
                return Err(ApiError::new(Code::InvalidDeviceMalformed));
            }
        }
        Ok(AttachDisk {
            instance: p.required("InstanceId")?.to_string(),
            disk: p.required("DiskId")?.to_string(),
            delete_with_instance: p.bool("DeleteWithInstance")?,
            device,
        })
    }

    /// Apply: `{}`. Checks: disk → instance → security lock → portable → disk
    /// `Available` → same zone → instance Running or Stopped → device.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let account = ctx.caller.account_id.as_str();
        let (home, zone) = match w.owned_disk(account, ctx.region, &self.disk) {
            Some((home, d)) => {
                let zone = d
                    .details()
                    .and_then(|x| x.zone_id.clone())
                    .unwrap_or_default();
                (home, zone)
            }
            None => return Err(ApiError::new(Code::InvalidDiskIdNotFound)),
        };
        let inst = w.owned(ctx.caller, ctx.region, &self.instance, ctx.now)?;
        check_security_lock(inst)?;
        let (disk_portable, disk_available) = match &home {
            DiskHome::Standalone => {
                let d = w
                    .owned_disk(account, ctx.region, &self.disk)
                    .map(|(_, d)| d);
                (
                    d.is_some_and(Disk::portable),
                    d.is_some_and(|d| *d.status_at(ctx.now) == DiskStatus::Available),
                )
            }
            DiskHome::Attached(_) => (true, false),
        };
        let inst = w
            .instance(&self.instance)
            .ok_or_else(|| ApiError::new(Code::InvalidInstanceIdNotFound))?;
        if !disk_portable {
            return Err(ApiError::new(Code::DiskNotPortable));
        }
        if !disk_available {
            return Err(ApiError::with_message(
                Code::IncorrectDiskStatus,
                "The current status of the disk does not support this operation. The expected disk status is Available.",
            ));
        }
        if zone != inst.zone_id.as_str() {
            return Err(ApiError::new(Code::ResourcesNotInSameZone));
        }
        check_attachable(inst)?;
        let taken = devices(inst);
        let device = match self.device {
            Some(d) if taken.contains(&d) => return Err(ApiError::new(Code::InvalidDeviceInUse)),
            Some(d) => Some(d),
            None => free_device(&taken),
        };
        let device = device
            .filter(|_| inst.mock_disks.len() < MAX_DISKS)
            .ok_or_else(|| ApiError::new(Code::InstanceDiskLimitExceeded))?;
        let Some(mut disk) = w.take_standalone_disk(&self.disk) else {
            return Err(ApiError::new(Code::InvalidDiskIdNotFound));
        };
        if let Some(v) = self.delete_with_instance {
            disk.details_mut().delete_with_instance = Some(v);
        }
        attach(w, ctx, &self.instance, disk, device, DiskStatus::Attaching);
        Ok(Reply::new())
    }
}

/// A parsed DetachDisk request.
#[derive(Debug, Clone, PartialEq)]
pub struct DetachDisk {
    instance: String,
    disk: String,
}

impl DetachDisk {
    /// Parse the parameters (`DeleteWithInstance` is accepted and ignored).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.bool("DeleteWithInstance")?;
        Ok(DetachDisk {
            instance: p.required("InstanceId")?.to_string(),
            disk: p.required("DiskId")?.to_string(),
        })
    }

    /// Apply: `{}`. Checks: disk → instance → attached here (still `Detaching` from it:
    /// `InvalidOperation.DiskDetachingFromThisEcs`; detached: `InvalidDisk.AlreadyDetached`;
    /// elsewhere: `DependencyViolation`) → not a system disk → portable → security
    /// lock → disk `In_use` → instance Running or Stopped.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let account = ctx.caller.account_id.as_str();
        let Some((home, disk)) = w.owned_disk(account, ctx.region, &self.disk) else {
            return Err(ApiError::new(Code::InvalidDiskIdNotFound));
        };
        let leaving = disk
            .details()
            .and_then(|x| x.mock_phase.as_ref())
            .filter(|p| ctx.now < p.until && p.status == DiskStatus::Detaching)
            .and_then(|p| p.instance_id.clone());
        let (is_system, portable, in_use) = (
            disk.disk_type == DiskType::System,
            disk.portable(),
            disk.status_at(ctx.now).is_in_use(),
        );
        let inst = w.owned(ctx.caller, ctx.region, &self.instance, ctx.now)?;
        match home {
            DiskHome::Standalone if leaving.as_deref() == Some(&self.instance) => {
                return Err(ApiError::new(Code::DiskDetachingFromThisEcs))
            }
            DiskHome::Standalone => return Err(ApiError::new(Code::InvalidDiskAlreadyDetached)),
            DiskHome::Attached(i) if i.as_str() != self.instance => {
                return Err(ApiError::with_message(
                    Code::DependencyViolation,
                    "The specified disk has not been attached on the specified instance.",
                ))
            }
            DiskHome::Attached(_) => {}
        }
        if is_system {
            return Err(ApiError::new(Code::DiskTypeViolation));
        }
        if !portable {
            return Err(ApiError::new(Code::DiskNotPortable));
        }
        check_security_lock(inst)?;
        if !in_use {
            return Err(ApiError::new(Code::IncorrectDiskStatus));
        }
        check_attachable(inst)?;
        let from = LeftFrom::of(inst);
        let Some(mut disk) = w.detach_disk(&self.instance, &self.disk) else {
            return Err(ApiError::new(Code::InvalidDiskIdNotFound));
        };
        disk.settle_phase(ctx.now);
        disk.begin_phase(
            DiskStatus::Detaching,
            ctx.now + ctx.timing.detaching,
            DiskStatus::Available,
            Some(self.instance.clone()),
        );
        disk.make_standalone(from, Some(ctx.now));
        w.insert_standalone_disk(disk);
        Ok(Reply::new())
    }
}
