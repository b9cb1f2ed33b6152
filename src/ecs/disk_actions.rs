//! CreateDisk, DeleteDisk and ResizeDisk, and the checks and helpers every disk action
//! shares (AttachDisk and DetachDisk are in [`disk_attach`](crate::ecs::disk_attach),
//! RunInstances' `SystemDisk.*` / `DataDisk.N.*` in [`disk_specs`](crate::ecs::disk_specs)).
//!
//! Disks move between two homes (see [`crate::ecs::world`]'s `disks`): attached, in
//! their instance's `MockDisks`, or standalone. Transitions follow the emulator clock
//! like instance ones: CreateDisk shows `Creating` and AttachDisk `Attaching` for the
//! profile's `attaching` duration, DetachDisk `Detaching` for `detaching`; the
//! disk already sits in its new home, so nothing needs settling. Checks run in the
//! order of each action's docs; the first failure wins. AttachDisk, DetachDisk,
//! DeleteDisk and ResizeDisk take no `RegionId` (a disk is found by id in the caller's
//! account, in the named region only when one is sent).

use serde_json::json;

use crate::ecs::attributes::{valid_description, valid_name};
use crate::ecs::disk_model::{
    data_size_range, essd_min_size, system_size_range, CATEGORIES, PERFORMANCE_LEVELS,
};
use crate::ecs::disks::{devices, free_device};
use crate::ecs::ids::new_id;
use crate::ecs::lifecycle::check_security_lock;
use crate::ecs::model::{Disk, DiskStatus, DiskType, EcsTime, Instance, Status, Tag};
use crate::ecs::world::{DiskHome, World};
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// Most disks an instance holds (its system disk and 16 data disks).
pub const MAX_DISKS: usize = 17;

/// Name and description parameters, checked.
pub(crate) fn name_and_description(
    p: &Params,
    name_key: &str,
    description_key: &str,
) -> ApiResult<(Option<String>, Option<String>)> {
    let name = p.non_empty(name_key).map(str::to_string);
    if name.as_deref().is_some_and(|n| !valid_name(n)) {
        return Err(ApiError::new(Code::InvalidDiskNameMalformed));
    }
    let description = p.non_empty(description_key).map(str::to_string);
    if description
        .as_deref()
        .is_some_and(|d| !valid_description(d))
    {
        return Err(ApiError::with_message(
            Code::InvalidDescriptionMalformed,
            "The specified description is wrongly formed.",
        ));
    }
    Ok((name, description))
}

/// A performance level parameter: absent, or PL0–PL3.
pub(crate) fn performance_level(p: &Params, key: &str) -> ApiResult<Option<String>> {
    match p.non_empty(key) {
        None => Ok(None),
        Some(pl) if PERFORMANCE_LEVELS.contains(&pl) => Ok(Some(pl.to_string())),
        Some(_) => Err(ApiError::new(Code::InvalidPerformanceLevelMalformed)),
    }
}

/// The documented size rule of a data disk: within its category's range, and an ESSD
/// at least its level's minimum.
pub(crate) fn check_data_size(category: &str, pl: Option<&str>, size: u64) -> ApiResult<()> {
    let pl = pl.unwrap_or("PL1");
    let (min, max) = data_size_range(category, pl);
    if category == "cloud_essd" && size < min && size >= essd_min_size("PL0") && size <= max {
        return Err(ApiError::new(Code::PerformanceLevelNotMatch));
    }
    if size < min || size > max {
        return Err(ApiError::new(Code::InvalidDataDiskSizeValueNotSupported));
    }
    Ok(())
}

/// An instance status that allows attaching or detaching a data disk.
pub(crate) fn check_attachable(inst: &Instance) -> ApiResult<()> {
    match inst.status {
        Status::Running | Status::Stopped => Ok(()),
        _ => Err(ApiError::new(Code::IncorrectInstanceStatus)),
    }
}

/// A fresh disk id (checked against the standalone disks and the disk index; ids are
/// random enough that a plain fixture disk is not walked for).
fn fresh_disk_id(w: &World, ctx: &Ctx<'_>, region: &str) -> String {
    loop {
        let id = new_id(ctx.random, "d", region);
        if !w.disk_id_taken(&id) {
            return id;
        }
    }
}

/// Put `disk` on instance `inst` as `Attaching` (the phase named `shown`) until the
/// attaching delay ends, on `device`.
pub(crate) fn attach(
    w: &mut World,
    ctx: &Ctx<'_>,
    inst: &str,
    mut disk: Disk,
    device: String,
    shown: DiskStatus,
) {
    disk.settle_phase(ctx.now);
    disk.begin_phase(
        shown,
        ctx.now + ctx.timing.attaching,
        DiskStatus::InUse,
        None,
    );
    let x = disk.details_mut();
    x.device = Some(device);
    x.attached_time = Some(EcsTime(ctx.now));
    x.account_id = None;
    x.region_id = None;
    x.zone_id = None;
    w.attach_disk(inst, disk);
}

/// A parsed CreateDisk request.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateDisk {
    zone: Option<String>,
    instance: Option<String>,
    category: String,
    performance_level: Option<String>,
    size: u64,
    name: Option<String>,
    description: Option<String>,
    encrypted: bool,
    kms_key_id: Option<String>,
    tags: Vec<Tag>,
    dry_run: bool,
}

impl CreateDisk {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let zone = p.non_empty("ZoneId").map(str::to_string);
        let instance = p.non_empty("InstanceId").map(str::to_string);
        if zone.is_some() && instance.is_some() {
            return Err(ApiError::new(Code::ZoneIdAndInstanceIdConflict));
        }
        if zone.is_none() && instance.is_none() {
            return Err(ApiError::missing("ZoneId"));
        }
        let category = p.non_empty("DiskCategory").unwrap_or("cloud");
        if !CATEGORIES.contains(&category) {
            return Err(ApiError::new(Code::InvalidDiskCategoryValueNotSupported));
        }
        let performance_level = performance_level(p, "PerformanceLevel")?;
        // SnapshotId is accepted and ignored (snapshots are not emulated): a disk
        // "from a snapshot" without a Size gets 40 GiB.
        let size =
            match (p.non_empty("Size"), p.non_empty("SnapshotId")) {
                (Some(s), _) => s
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| ApiError::new(Code::InvalidSizeValueNotSupported))?,
                (None, Some(_)) => 40,
                (None, None) => return Err(ApiError::with_message(
                    Code::MissingParameter,
                    "The input parameter either \"SnapshotId\" or \"Size\" should be specified.",
                )),
            };
        check_data_size(category, performance_level.as_deref(), size)?;
        let (name, description) = name_and_description(p, "DiskName", "Description")?;
        Ok(CreateDisk {
            zone,
            instance,
            category: category.to_string(),
            performance_level,
            size,
            name,
            description,
            encrypted: p.flag("Encrypted", false)?,
            kms_key_id: p.non_empty("KMSKeyId").map(str::to_string),
            tags: crate::ecs::tags::new_tags(p)?,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `{DiskId}`. The disk is `Creating`, then `Available` (with `InstanceId`:
    /// created on that instance, then `In_use`).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        let r = w.region(&region)?;
        let target = match (&self.zone, &self.instance) {
            (Some(z), _) => {
                if r.zone(z).is_none() {
                    return Err(ApiError::with_message(
                        Code::InvalidZoneIdNotFound,
                        "The specified zone does not exist.",
                    ));
                }
                None
            }
            (None, Some(i)) => {
                let inst = w.owned(ctx.caller, ctx.region, i, ctx.now)?;
                check_attachable(inst)?;
                let taken = devices(inst);
                let device = free_device(&taken)
                    .filter(|_| inst.mock_disks.len() < MAX_DISKS)
                    .ok_or_else(|| ApiError::new(Code::InstanceDiskLimitExceeded))?;
                Some((
                    inst.instance_id.to_string(),
                    inst.zone_id.to_string(),
                    device,
                ))
            }
            (None, None) => return Err(ApiError::missing("ZoneId")),
        };
        if self.encrypted
            && w.account(&ctx.caller.account_id)
                .is_some_and(|a| !a.kms_authorized)
        {
            return Err(ApiError::new(Code::KmsUnauthorized));
        }
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        let id = fresh_disk_id(w, ctx, &region);
        let mut disk = Disk::new(id.clone(), DiskType::Data, DiskStatus::Available);
        disk.encrypted = self.encrypted;
        disk.kms_key_id = self.kms_key_id;
        let zone = target
            .as_ref()
            .map_or_else(|| self.zone.clone().unwrap_or_default(), |t| t.1.clone());
        let x = disk.details_mut();
        x.size = Some(self.size);
        x.category = Some(self.category);
        x.performance_level = self.performance_level;
        x.disk_name = self.name;
        x.description = self.description;
        x.delete_with_instance = Some(false);
        x.portable = Some(true);
        x.creation_time = Some(EcsTime(ctx.now));
        x.tags.tag = self.tags;
        x.account_id = Some(ctx.caller.account_id.clone());
        x.region_id = Some(region);
        x.zone_id = Some(zone);
        match target {
            Some((inst, _, device)) => attach(w, ctx, &inst, disk, device, DiskStatus::Creating),
            None => {
                disk.begin_phase(
                    DiskStatus::Creating,
                    ctx.now + ctx.timing.attaching,
                    DiskStatus::Available,
                    None,
                );
                w.insert_standalone_disk(disk);
            }
        }
        let mut reply = Reply::new();
        reply.insert("DiskId".into(), json!(id));
        Ok(reply)
    }
}

/// A parsed DeleteDisk request.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteDisk {
    disk: String,
    dry_run: bool,
}

impl DeleteDisk {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        Ok(DeleteDisk {
            disk: p.required("DiskId")?.to_string(),
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `{}`. Only an `Available` disk goes: attached is `DiskStillAttached`,
    /// `Creating` is `IncorrectDiskStatus.Initializing`, any other status
    /// `IncorrectDiskStatus`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let Some((home, disk)) = w.owned_disk(&ctx.caller.account_id, ctx.region, &self.disk)
        else {
            return Err(ApiError::new(Code::InvalidDiskIdNotFound));
        };
        if let DiskHome::Attached(_) = home {
            return Err(ApiError::new(if disk.portable() {
                Code::DiskStillAttached
            } else {
                Code::DiskNotPortable
            }));
        }
        match disk.status_at(ctx.now) {
            DiskStatus::Available => {}
            DiskStatus::Creating => {
                return Err(ApiError::new(Code::IncorrectDiskStatusInitializing))
            }
            _ => return Err(ApiError::new(Code::IncorrectDiskStatus)),
        }
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        w.take_standalone_disk(&self.disk);
        Ok(Reply::new())
    }
}

/// A parsed ResizeDisk request.
#[derive(Debug, Clone, PartialEq)]
pub struct ResizeDisk {
    disk: String,
    new_size: i64,
    online: bool,
}

impl ResizeDisk {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let disk = p.required("DiskId")?.to_string();
        let new_size = p
            .int("NewSize")?
            .ok_or_else(|| ApiError::missing("NewSize"))?;
        let online = match p.non_empty("Type") {
            None | Some("offline") => false,
            Some("online") => true,
            Some(_) => return Err(ApiError::new(Code::InvalidParamType)),
        };
        Ok(ResizeDisk {
            disk,
            new_size,
            online,
        })
    }

    /// Apply: `{}`. Checks: disk → (attached) security lock and instance Running or
    /// Stopped, Running when online → disk `In_use` or `Available` → grow only, within
    /// the category's maximum.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let Some((home, disk)) = w.owned_disk(&ctx.caller.account_id, ctx.region, &self.disk)
        else {
            return Err(ApiError::new(Code::InvalidDiskIdNotFound));
        };
        let inst = match &home {
            DiskHome::Attached(i) => w.instance(i),
            DiskHome::Standalone => None,
        };
        if let Some(inst) = inst {
            check_security_lock(inst)?;
            check_attachable(inst)?;
            if self.online && inst.status != Status::Running {
                return Err(ApiError::new(Code::InvalidInstanceStatusNotRunning));
            }
        }
        let status = disk.status_at(ctx.now);
        if disk.disk_type == DiskType::Local
            || !(status.is_in_use() || *status == DiskStatus::Available)
        {
            return Err(ApiError::new(Code::IncorrectDiskStatus));
        }
        let itype = inst.map(|i| i.instance_type.as_str());
        let category = disk.category(itype);
        let pl = disk.performance_level(&category);
        let local_capacity = 0;
        let current = disk.size(local_capacity) as i64;
        let (_, max) = if disk.disk_type == DiskType::System {
            system_size_range(&category, &pl)
        } else {
            data_size_range(&category, &pl)
        };
        if self.new_size < current {
            return Err(ApiError::new(Code::InvalidDiskSizeTooSmall));
        }
        if self.new_size == current {
            return Err(ApiError::new(Code::InvalidDiskSize));
        }
        if self.new_size > max as i64 {
            return Err(ApiError::new(Code::InvalidDiskSizeTooLarge));
        }
        if let Some(d) = w.disk_mut(&self.disk) {
            d.details_mut().size = Some(self.new_size as u64);
        }
        Ok(Reply::new())
    }
}
