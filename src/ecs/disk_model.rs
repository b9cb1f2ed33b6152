//! What makes a [`Disk`] a full Disk object: the rarely-set fields, boxed, and the
//! defaults a DescribeDisks `Disk` shows when a fixture leaves them out.
//!
//! A fixture disk (`MockDisks` of an instance) is usually just `DiskId`, `Type` and
//! `Status`: everything else — size, category, device, times, region and zone — is
//! derived from the disk's type and its instance when rendered, so a million fixture
//! instances cost nothing more. A disk gets a [`DiskDetails`] box only when one of its
//! fields is set (by the fixture, RunInstances parameters, CreateDisk or a later action).
//!
//! In fixtures every field is flat next to `DiskId` (`Size`, `Category`, `Device`,
//! `DeleteWithInstance`, `Tags`, …); [`DiskDoc`] is that flat form. A standalone disk
//! (fixture key `Disks`) also names its `AccountId`, `RegionId` and `ZoneId`.
//!
//! Transitional statuses (`Creating`, `Attaching`, `Detaching`) follow the emulator
//! clock without any settling: a disk stores its *final* status and a [`DiskPhase`]
//! saying which transitional status it shows until when ([`Disk::status_at`]).

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::ecs::model::{opt_time, Disk, DiskStatus, DiskType, EcsTime, Instance, Tags};

/// A transitional status a disk shows until a time, before its stored status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DiskPhase {
    /// `Creating`, `Attaching` or `Detaching`.
    pub status: DiskStatus,
    /// When the stored status takes over (ms since epoch; RFC 3339 in fixtures).
    #[serde(with = "crate::ecs::model::millis_rfc3339")]
    pub until: Millis,
    /// The instance a `Detaching` disk is leaving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
}

/// The optional fields of a disk (see the module docs). `None` means "derived".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiskDetails {
    /// GiB.
    pub size: Option<u64>,
    /// `cloud_essd`, `cloud_efficiency`, …
    pub category: Option<String>,
    /// `PL0`–`PL3` (ESSD only).
    pub performance_level: Option<String>,
    /// `/dev/xvdb`, … (attached disks).
    pub device: Option<String>,
    /// Released with its instance.
    pub delete_with_instance: Option<bool>,
    /// Snapshots deleted with the disk.
    pub delete_auto_snapshot: Option<bool>,
    /// May be detached and attached elsewhere.
    pub portable: Option<bool>,
    /// The image a system disk was made from.
    pub image_id: Option<String>,
    /// Display name.
    pub disk_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// When created.
    pub creation_time: Option<EcsTime>,
    /// When attached (attached disks).
    pub attached_time: Option<EcsTime>,
    /// When last detached.
    pub detached_time: Option<EcsTime>,
    /// Tags (empty: none).
    pub tags: Tags,
    /// Owner of a standalone disk (an attached disk's is its instance's).
    pub account_id: Option<String>,
    /// Region of a standalone disk.
    pub region_id: Option<String>,
    /// Zone of a standalone disk.
    pub zone_id: Option<String>,
    /// The transitional status shown until a time.
    pub mock_phase: Option<DiskPhase>,
}

/// A disk as fixtures and state dumps write it: every field flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DiskDoc {
    disk_id: String,
    #[serde(rename = "Type")]
    disk_type: DiskType,
    #[serde(default)]
    status: DiskStatus,
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    expired_time: Option<EcsTime>,
    #[serde(default)]
    encrypted: bool,
    #[serde(default, rename = "KMSKeyId", skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    mock_data_lost: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zone_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    performance_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delete_with_instance: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delete_auto_snapshot: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    portable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    image_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    disk_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    creation_time: Option<EcsTime>,
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    attached_time: Option<EcsTime>,
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    detached_time: Option<EcsTime>,
    #[serde(default, skip_serializing_if = "tags_empty")]
    tags: Tags,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mock_phase: Option<DiskPhase>,
}

fn tags_empty(t: &Tags) -> bool {
    t.tag.is_empty()
}

impl From<DiskDoc> for Disk {
    fn from(d: DiskDoc) -> Self {
        let mut tags = d.tags;
        tags.tag.shrink_to_fit();
        let details = DiskDetails {
            size: d.size,
            category: d.category,
            performance_level: d.performance_level,
            device: d.device,
            delete_with_instance: d.delete_with_instance,
            delete_auto_snapshot: d.delete_auto_snapshot,
            portable: d.portable,
            image_id: d.image_id,
            disk_name: d.disk_name,
            description: d.description,
            creation_time: d.creation_time,
            attached_time: d.attached_time,
            detached_time: d.detached_time,
            tags,
            account_id: d.account_id,
            region_id: d.region_id,
            zone_id: d.zone_id,
            mock_phase: d.mock_phase,
        };
        Disk {
            disk_id: d.disk_id,
            disk_type: d.disk_type,
            status: d.status,
            expired_time: d.expired_time,
            encrypted: d.encrypted,
            kms_key_id: d.kms_key_id,
            mock_data_lost: d.mock_data_lost,
            details: (details != DiskDetails::default()).then(|| Box::new(details)),
        }
    }
}

impl From<Disk> for DiskDoc {
    fn from(d: Disk) -> Self {
        let x = d.details.map(|b| *b).unwrap_or_default();
        DiskDoc {
            disk_id: d.disk_id,
            disk_type: d.disk_type,
            status: d.status,
            expired_time: d.expired_time,
            encrypted: d.encrypted,
            kms_key_id: d.kms_key_id,
            mock_data_lost: d.mock_data_lost,
            account_id: x.account_id,
            region_id: x.region_id,
            zone_id: x.zone_id,
            size: x.size,
            category: x.category,
            performance_level: x.performance_level,
            device: x.device,
            delete_with_instance: x.delete_with_instance,
            delete_auto_snapshot: x.delete_auto_snapshot,
            portable: x.portable,
            image_id: x.image_id,
            disk_name: x.disk_name,
            description: x.description,
            creation_time: x.creation_time,
            attached_time: x.attached_time,
            detached_time: x.detached_time,
            tags: x.tags,
            mock_phase: x.mock_phase,
        }
    }
}

/// Categories a cloud disk may have (CreateDisk `DiskCategory`, RunInstances
/// `SystemDisk.Category` / `DataDisk.N.Category`).
pub const CATEGORIES: [&str; 6] = [
    "cloud",
    "cloud_efficiency",
    "cloud_ssd",
    "cloud_essd",
    "cloud_auto",
    "cloud_essd_entry",
];

/// ESSD performance levels.
pub const PERFORMANCE_LEVELS: [&str; 4] = ["PL0", "PL1", "PL2", "PL3"];

/// The smallest size (GiB) of an ESSD performance level.
pub fn essd_min_size(pl: &str) -> u64 {
    match pl {
        "PL0" => 1,
        "PL2" => 461,
        "PL3" => 1261,
        _ => 20,
    }
}

/// The size range (GiB) of a data disk of `category` (ESSD: of its level).
pub fn data_size_range(category: &str, pl: &str) -> (u64, u64) {
    match category {
        "cloud" => (5, 2000),
        "cloud_efficiency" | "cloud_ssd" => (20, 32_768),
        "cloud_essd" => (essd_min_size(pl), 65_536),
        "cloud_auto" => (1, 65_536),
        "cloud_essd_entry" => (10, 32_768),
        _ => (20, 32_768),
    }
}

/// The size range (GiB) of a system disk of `category` (ESSD: of its level).
pub fn system_size_range(category: &str, pl: &str) -> (u64, u64) {
    match category {
        "cloud" => (20, 500),
        "cloud_essd" => (essd_min_size(pl), 2048),
        "cloud_auto" => (1, 2048),
        _ => (20, 2048),
    }
}

/// Default size (GiB) of a system disk given without one.
pub const SYSTEM_SIZE: u64 = 40;
/// Default size (GiB) of a fixture data disk given without one.
pub const DATA_SIZE: u64 = 100;
/// Default category of a cloud disk given without one.
pub const DEFAULT_CATEGORY: &str = "cloud_essd";

/// The instance a disk leaves (DetachDisk, or the instance released): the disk stays in
/// its account, region and zone, and takes its creation time when it has none.
#[derive(Debug, Clone)]
pub struct LeftFrom {
    /// The instance's account.
    pub account_id: String,
    /// The instance's region.
    pub region_id: String,
    /// The instance's zone.
    pub zone_id: String,
    /// The instance's creation time.
    pub creation_time: Option<EcsTime>,
}

impl LeftFrom {
    /// Where `inst`'s disks stay.
    pub fn of(inst: &Instance) -> Self {
        LeftFrom {
            account_id: inst.account_id.to_string(),
            region_id: inst.region_id.to_string(),
            zone_id: inst.zone_id.to_string(),
            creation_time: inst.creation_time,
        }
    }
}

impl Disk {
    /// The disk as it is once off `from`, detached at `at`: no device, no attach time,
    /// kept in `from`'s account, region and zone (the standalone disks' fields).
    pub fn make_standalone(&mut self, from: LeftFrom, at: Option<Millis>) {
        let x = self.details_mut();
        x.device = None;
        x.attached_time = None;
        x.detached_time = at.map(EcsTime);
        x.account_id = Some(from.account_id);
        x.region_id = Some(from.region_id);
        x.zone_id = Some(from.zone_id);
        if x.creation_time.is_none() {
            x.creation_time = from.creation_time;
        }
    }

    /// A disk with only the fields StartInstance reads.
    pub fn new(disk_id: String, disk_type: DiskType, status: DiskStatus) -> Self {
        Disk {
            disk_id,
            disk_type,
            status,
            expired_time: None,
            encrypted: false,
            kms_key_id: None,
            mock_data_lost: false,
            details: None,
        }
    }

    /// The optional fields, when any is set.
    pub fn details(&self) -> Option<&DiskDetails> {
        self.details.as_deref()
    }

    /// The optional fields, boxed on first write.
    pub fn details_mut(&mut self) -> &mut DiskDetails {
        self.details.get_or_insert_with(Box::default)
    }

    /// The status shown at `now`: a phase's transitional status until it ends, else
    /// the stored status.
    pub fn status_at(&self, now: Millis) -> &DiskStatus {
        match self.details().and_then(|d| d.mock_phase.as_ref()) {
            Some(p) if now < p.until => &p.status,
            _ => &self.status,
        }
    }

    /// Start a phase: show `shown` until `until`, then `status`.
    pub fn begin_phase(
        &mut self,
        shown: DiskStatus,
        until: Millis,
        status: DiskStatus,
        instance: Option<String>,
    ) {
        self.status = status;
        self.details_mut().mock_phase = Some(DiskPhase {
            status: shown,
            until,
            instance_id: instance,
        });
    }

    /// Drop a phase that has ended.
    pub fn settle_phase(&mut self, now: Millis) {
        if let Some(d) = self.details.as_deref_mut() {
            if d.mock_phase.as_ref().is_some_and(|p| p.until <= now) {
                d.mock_phase = None;
            }
        }
    }

    /// The category (derived: `cloud_essd`; local disks `local_ssd_pro`, or
    /// `local_hdd_pro` on a d-family type).
    pub fn category(&self, instance_type: Option<&str>) -> String {
        if let Some(c) = self.details().and_then(|d| d.category.clone()) {
            return c;
        }
        match self.disk_type {
            DiskType::Local if instance_type.is_some_and(|t| t.starts_with("ecs.d")) => {
                "local_hdd_pro".into()
            }
            DiskType::Local => "local_ssd_pro".into(),
            _ => DEFAULT_CATEGORY.into(),
        }
    }

    /// The performance level: ESSD `PL1` unless set, `""` for other categories.
    pub fn performance_level(&self, category: &str) -> String {
        if category != "cloud_essd" {
            return String::new();
        }
        self.details()
            .and_then(|d| d.performance_level.clone())
            .unwrap_or_else(|| "PL1".into())
    }

    /// Size in GiB (derived: system 40, data 100, local the type's local disk size).
    pub fn size(&self, local_capacity: u64) -> u64 {
        if let Some(s) = self.details().and_then(|d| d.size) {
            return s;
        }
        match self.disk_type {
            DiskType::System => SYSTEM_SIZE,
            DiskType::Data => DATA_SIZE,
            DiskType::Local if local_capacity > 0 => local_capacity,
            DiskType::Local => DATA_SIZE,
        }
    }

    /// Released with its instance (derived: true when attached — system, local and
    /// data disks created with the instance — false for a standalone disk).
    pub fn delete_with_instance(&self, attached: bool) -> bool {
        self.details()
            .and_then(|d| d.delete_with_instance)
            .unwrap_or(attached || self.disk_type != DiskType::Data)
    }

    /// Portable (derived: all but local disks).
    pub fn portable(&self) -> bool {
        self.details()
            .and_then(|d| d.portable)
            .unwrap_or(self.disk_type != DiskType::Local)
    }

    /// The tags.
    pub fn tags(&self) -> &[crate::ecs::model::Tag] {
        self.details().map_or(&[], |d| d.tags.tag.as_slice())
    }
}

/// IOPS and throughput (MB/s) of a disk, by the documented formulas.
pub fn performance(category: &str, pl: &str, size: u64) -> (u64, u64) {
    let s = size as f64;
    let (iops, tp) = match (category, pl) {
        ("cloud_essd", "PL0") => (
            (1800.0 + 12.0 * s).min(10_000.0),
            (100.0 + 0.25 * s).min(180.0),
        ),
        ("cloud_essd", "PL2") => (
            (1800.0 + 50.0 * s).min(100_000.0),
            (120.0 + 0.5 * s).min(750.0),
        ),
        ("cloud_essd", "PL3") => (
            (1800.0 + 50.0 * s).min(1_000_000.0),
            (120.0 + 0.5 * s).min(4000.0),
        ),
        ("cloud_essd", _) => (
            (1800.0 + 50.0 * s).min(50_000.0),
            (120.0 + 0.5 * s).min(350.0),
        ),
        ("cloud_efficiency", _) => (
            (1800.0 + 8.0 * s).min(5000.0),
            (100.0 + 0.15 * s).min(140.0),
        ),
        ("cloud_ssd", _) => (
            (1800.0 + 30.0 * s).min(25_000.0),
            (120.0 + 0.5 * s).min(300.0),
        ),
        ("cloud_auto", _) | ("cloud_essd_entry", _) => (
            (1800.0 + 50.0 * s).min(50_000.0),
            (120.0 + 0.5 * s).min(350.0),
        ),
        _ => (0.0, 0.0),
    };
    (iops as u64, tp as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_fixture_disk_has_no_details_and_round_trips() {
        let v = serde_json::json!({"DiskId": "d-1", "Type": "system", "Status": "In_use", "Encrypted": false});
        let d: Disk = serde_json::from_value(v.clone()).unwrap();
        assert!(d.details.is_none());
        assert_eq!(serde_json::to_value(&d).unwrap(), v);
        let v = serde_json::json!({"DiskId": "d-2", "Type": "data", "Status": "Available",
            "Encrypted": false, "ZoneId": "z", "Size": 20, "Tags": {"Tag": [{"TagKey": "a", "TagValue": "b"}]}});
        let d: Disk = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(d.details().unwrap().size, Some(20));
        assert_eq!(serde_json::to_value(&d).unwrap(), v);
        assert!(serde_json::from_value::<Disk>(
            serde_json::json!({"DiskId": "d", "Type": "data", "Sise": 1})
        )
        .is_err());
    }

    #[test]
    fn phases_follow_the_clock() {
        let mut d = Disk::new("d-1".into(), DiskType::Data, DiskStatus::Available);
        d.begin_phase(DiskStatus::Attaching, 10, DiskStatus::InUse, None);
        assert_eq!(d.status_at(9), &DiskStatus::Attaching);
        assert_eq!(d.status_at(10), &DiskStatus::InUse);
        d.settle_phase(10);
        assert!(d.details().unwrap().mock_phase.is_none());
    }

    #[test]
    fn performance_formulas() {
        assert_eq!(performance("cloud_essd", "PL1", 40), (3800, 140));
        assert_eq!(performance("cloud_efficiency", "", 40), (2120, 106));
    }
}
