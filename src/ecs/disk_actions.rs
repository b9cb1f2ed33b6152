//! CreateDisk, AttachDisk, DetachDisk, DeleteDisk and ResizeDisk, and the disks
//! RunInstances / CreateInstance give a new instance (`SystemDisk.*`, `DataDisk.N.*`).
//!
//! Disks move between two homes (see [`crate::ecs::world`]'s `disks`): attached, in
//! their instance's `MockDisks`, or standalone. Transitions follow the emulator clock
//! like instance ones: CreateDisk shows `Creating` and AttachDisk `Attaching` for the
//! profile's `attaching` duration, DetachDisk `Detaching` for `detaching`; the
//! disk already sits in its new home, so nothing needs settling. Checks run in the
//! order of each action's docs below; the first failure wins. AttachDisk, DetachDisk,
//! DeleteDisk and ResizeDisk take no `RegionId` (a disk is found by id in the caller's
//! account, in the named region only when one is sent).

use serde_json::json;

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

/// `DiskName`: 2–128 characters, starting with a letter, not with `http(s)://`.
fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (2..=128).contains(&n)
        && name.chars().next().is_some_and(char::is_alphabetic)
        && !name.starts_with("http://")
        && !name.starts_with("https://")
}

/// `Description`: 2–256 characters, not starting with `http(s)://`.
fn valid_description(text: &str) -> bool {
    let n = text.chars().count();
    (2..=256).contains(&n) && !text.starts_with("http://") && !text.starts_with("https://")
}

/// Name and description parameters, checked.
fn name_and_description(
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
        return Err(ApiError::new(Code::InvalidDescriptionMalformed));
    }
    Ok((name, description))
}

/// A performance level parameter: absent, or PL0–PL3.
fn performance_level(p: &Params, key: &str) -> ApiResult<Option<String>> {
    match p.non_empty(key) {
        None => Ok(None),
        Some(pl) if PERFORMANCE_LEVELS.contains(&pl) => Ok(Some(pl.to_string())),
        Some(_) => Err(ApiError::new(Code::InvalidPerformanceLevelMalformed)),
    }
}

/// The documented size rule of a data disk: within its category's range, and an ESSD
/// at least its level's minimum.
fn check_data_size(category: &str, pl: Option<&str>, size: u64) -> ApiResult<()> {
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

/// Tag parameters as tags.
fn tags(p: &Params) -> ApiResult<Vec<Tag>> {
    Ok(p.tags()?
        .into_iter()
        .map(|(k, v)| Tag {
            tag_key: k.into(),
            tag_value: v.unwrap_or_default().into(),
        })
        .collect())
}

/// An instance status that allows attaching or detaching a data disk.
fn check_attachable(inst: &Instance) -> ApiResult<()> {
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
fn attach(
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
            tags: tags(p)?,
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
                return Err(ApiError::new(Code::DiskDependencyViolation))
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
        let (account_id, region, zone, created) = (
            inst.account_id.to_string(),
            inst.region_id.to_string(),
            inst.zone_id.to_string(),
            inst.creation_time,
        );
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
        let x = disk.details_mut();
        x.device = None;
        x.attached_time = None;
        x.detached_time = Some(EcsTime(ctx.now));
        x.account_id = Some(account_id);
        x.region_id = Some(region);
        x.zone_id = Some(zone);
        if x.creation_time.is_none() {
            x.creation_time = created;
        }
        w.insert_standalone_disk(disk);
        Ok(Reply::new())
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

/// One disk a RunInstances request describes (`SystemDisk.*` or `DataDisk.N.*`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiskSpec {
    category: Option<String>,
    size: Option<u64>,
    performance_level: Option<String>,
    name: Option<String>,
    description: Option<String>,
    delete_with_instance: Option<bool>,
    encrypted: bool,
    kms_key_id: Option<String>,
    device: Option<String>,
}

impl DiskSpec {
    fn parse(p: &Params, prefix: &str) -> ApiResult<Self> {
        let key = |k: &str| format!("{prefix}.{k}");
        let size = match p.non_empty(&key("Size")) {
            None => None,
            Some(s) => Some(
                s.trim()
                    .parse::<u64>()
                    .map_err(|_| ApiError::invalid_param(&key("Size")))?,
            ),
        };
        let (name, description) = name_and_description(p, &key("DiskName"), &key("Description"))?;
        Ok(DiskSpec {
            category: p.non_empty(&key("Category")).map(str::to_string),
            size,
            performance_level: performance_level(p, &key("PerformanceLevel"))?,
            name,
            description,
            delete_with_instance: p.bool(&key("DeleteWithInstance"))?,
            encrypted: p.flag(&key("Encrypted"), false)?,
            kms_key_id: p.non_empty(&key("KMSKeyId")).map(str::to_string),
            device: p.non_empty(&key("Device")).map(str::to_string),
        })
    }

    /// A disk of this spec, boxing details only when something is set.
    fn disk(&self, id: String, disk_type: DiskType) -> Disk {
        let mut d = Disk::new(id, disk_type, DiskStatus::InUse);
        d.encrypted = self.encrypted;
        d.kms_key_id = self.kms_key_id.clone();
        let plain = DiskSpec {
            encrypted: self.encrypted,
            kms_key_id: self.kms_key_id.clone(),
            ..DiskSpec::default()
        };
        if *self != plain {
            let x = d.details_mut();
            x.category = self.category.clone();
            x.size = self.size;
            x.performance_level = self.performance_level.clone();
            x.disk_name = self.name.clone();
            x.description = self.description.clone();
            x.delete_with_instance = self.delete_with_instance;
            x.device = self.device.clone();
        }
        d
    }
}

/// The disks of a RunInstances / CreateInstance request: `SystemDisk.*` and up to 16
/// `DataDisk.N.*`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InstanceDisks {
    system: DiskSpec,
    data: Vec<DiskSpec>,
}

impl InstanceDisks {
    /// Parse and check: known categories, sizes within their ranges.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let system = DiskSpec::parse(p, "SystemDisk")?;
        if let Some(c) = &system.category {
            if !CATEGORIES.contains(&c.as_str()) {
                return Err(ApiError::new(Code::InvalidDiskCategoryValueNotSupported));
            }
        }
        if let Some(size) = system.size {
            let category = system.category.as_deref().unwrap_or("cloud_essd");
            let (min, max) = system_size_range(
                category,
                system.performance_level.as_deref().unwrap_or("PL1"),
            );
            if size < min || size > max {
                return Err(ApiError::invalid_param("SystemDisk.Size"));
            }
        }
        let mut numbers: Vec<u32> = p
            .pairs()
            .iter()
            .filter_map(|(k, _)| k.strip_prefix("DataDisk.")?.split_once('.')?.0.parse().ok())
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.len() > MAX_DISKS - 1 {
            return Err(ApiError::invalid_param("DataDisk"));
        }
        let mut data = Vec::with_capacity(numbers.len());
        for n in numbers {
            let spec = DiskSpec::parse(p, &format!("DataDisk.{n}"))?;
            let category = spec.category.as_deref().unwrap_or("cloud_essd");
            if !CATEGORIES.contains(&category) {
                return Err(ApiError::new(
                    Code::InvalidDataDiskCategoryValueNotSupported,
                ));
            }
            if let Some(size) = spec.size {
                check_data_size(category, spec.performance_level.as_deref(), size)?;
            }
            data.push(spec);
        }
        Ok(InstanceDisks { system, data })
    }

    /// The disks of a new instance in `region`: the system disk first (`In_use`).
    pub fn build(&self, ctx: &Ctx<'_>, region: &str) -> Vec<Disk> {
        let mut disks = Vec::with_capacity(1 + self.data.len());
        disks.push(
            self.system
                .disk(new_id(ctx.random, "d", region), DiskType::System),
        );
        for spec in &self.data {
            disks.push(spec.disk(new_id(ctx.random, "d", region), DiskType::Data));
        }
        disks
    }
}
