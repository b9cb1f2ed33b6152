//! The world's disks: attached disks live in their instance's `MockDisks` (the one
//! place StartInstance reads), standalone ones (CreateDisk, DetachDisk, disks kept when
//! their instance went) in a map of their own (fixture key `Disks`).
//!
//! Finding a disk by id: the standalone map; then `disk_homes`, an index disk id →
//! instance id holding only disks that have a [`DiskDetails`] box (those the emulator
//! created, attached or changed, and fixture disks given extra fields) — a plain fixture
//! disk costs nothing; then, as a last resort, a walk over every instance (a disk id
//! is unique across accounts, and the owner is checked once it is found). That walk is
//! what a by-id lookup of a plain fixture disk costs (DeleteDisk, ResizeDisk,
//! DescribeDisks with `DiskIds` and no `InstanceId`): linear in the instances, a
//! fraction of a second even at a million. DescribeDisks with `InstanceId`, the common
//! case, reads one instance.

use super::World;
use crate::clock::Millis;
use crate::ecs::disk_model::LeftFrom;
use crate::ecs::model::{Disk, DiskStatus, Instance, Tags};
use crate::ecs::sym::Sym;

/// Where a disk is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskHome {
    /// In the standalone map (not attached).
    Standalone,
    /// Attached to this instance.
    Attached(Sym),
}

impl World {
    /// Index the disks of `inst` that have details (no cost for plain fixture disks).
    pub(super) fn index_disks(&mut self, inst: &Instance) {
        for d in inst.mock_disks.iter().filter(|d| d.details.is_some()) {
            self.disk_homes
                .insert(d.disk_id.clone(), inst.instance_id.clone());
        }
    }

    /// Forget the index entries of `inst`'s disks.
    pub(super) fn unindex_disks(&mut self, inst: &Instance) {
        if self.disk_homes.is_empty() {
            return;
        }
        for d in &inst.mock_disks {
            if self
                .disk_homes
                .get(d.disk_id.as_str())
                .is_some_and(|i| *i == inst.instance_id)
            {
                self.disk_homes.remove(d.disk_id.as_str());
            }
        }
    }

    /// Where disk `id` is, if it exists (in any account).
    pub fn disk_home(&self, id: &str) -> Option<DiskHome> {
        if self.disks.contains_key(id) {
            return Some(DiskHome::Standalone);
        }
        if let Some(inst) = self.disk_homes.get(id) {
            if self
                .instances
                .get(inst.as_str())
                .is_some_and(|i| i.mock_disks.iter().any(|d| d.disk_id == id))
            {
                return Some(DiskHome::Attached(inst.clone()));
            }
        }
        self.instances
            .values()
            .find(|i| i.mock_disks.iter().any(|d| d.disk_id == id))
            .map(|i| DiskHome::Attached(i.instance_id.clone()))
    }

    /// Disk `id` as `account` may see it (and in `region` when the request names one):
    /// where it is and the disk.
    pub fn owned_disk(
        &self,
        account: &str,
        region: Option<&str>,
        id: &str,
    ) -> Option<(DiskHome, &Disk)> {
        match self.disk_home(id)? {
            DiskHome::Standalone => {
                let d = self.disks.get(id)?;
                let x = d.details()?;
                (x.account_id.as_deref() == Some(account)
                    && region.is_none_or(|r| x.region_id.as_deref() == Some(r)))
                .then_some((DiskHome::Standalone, d))
            }
            DiskHome::Attached(inst) => {
                let i = self.instances.get(inst.as_str())?;
                if i.account_id != account || region.is_some_and(|r| r != i.region_id) {
                    return None;
                }
                let d = i.mock_disks.iter().find(|d| d.disk_id == id)?;
                Some((DiskHome::Attached(inst), d))
            }
        }
    }

    /// The standalone disks (in id order).
    pub fn standalone_disks(&self) -> impl Iterator<Item = &Disk> {
        self.disks.values()
    }

    /// The standalone disks `account` has in `region` (in id order).
    pub fn standalone_disks_in<'a>(
        &'a self,
        account: &'a str,
        region: &'a str,
    ) -> impl Iterator<Item = &'a Disk> + 'a {
        self.disks.values().filter(move |d| {
            d.details().is_some_and(|x| {
                x.account_id.as_deref() == Some(account) && x.region_id.as_deref() == Some(region)
            })
        })
    }

    /// Whether a standalone or indexed disk has this id (no walk: for new ids).
    pub fn disk_id_taken(&self, id: &str) -> bool {
        self.disks.contains_key(id) || self.disk_homes.contains_key(id)
    }

    /// Add a standalone disk.
    pub fn insert_standalone_disk(&mut self, disk: Disk) {
        self.mark_disk(&disk.disk_id);
        self.disks.insert(disk.disk_id.clone(), disk);
    }

    /// Take a standalone disk out of the map (to attach or delete it).
    pub fn take_standalone_disk(&mut self, id: &str) -> Option<Disk> {
        self.mark_disk(id);
        self.disks.remove(id)
    }

    /// A standalone disk to change.
    pub fn standalone_disk_mut(&mut self, id: &str) -> Option<&mut Disk> {
        if self.disks.contains_key(id) {
            self.mark_disk(id);
        }
        self.disks.get_mut(id)
    }

    /// Attach `disk` to instance `instance` (checked by the caller), indexing it.
    pub fn attach_disk(&mut self, instance: &str, mut disk: Disk) {
        disk.details_mut();
        let id = disk.disk_id.clone();
        let Some(inst) = self.instance_mut(instance) else {
            return;
        };
        inst.mock_disks.push(disk);
        let key = inst.instance_id.clone();
        self.disk_homes.insert(id, key);
    }

    /// Take disk `id` off instance `instance`. The other disks keep the devices they
    /// showed (a derived device is written down first, so it cannot shift).
    pub fn detach_disk(&mut self, instance: &str, id: &str) -> Option<Disk> {
        let devices = crate::ecs::disks::devices(self.instance(instance)?);
        let inst = self.instance_mut(instance)?;
        let at = inst.mock_disks.iter().position(|d| d.disk_id == id)?;
        let disk = inst.mock_disks.remove(at);
        let mut pinned = Vec::new();
        for (i, d) in inst.mock_disks.iter_mut().enumerate() {
            let keep = if i < at { i } else { i + 1 };
            if d.details().is_none_or(|x| x.device.is_none()) {
                d.details_mut().device = devices.get(keep).cloned();
                pinned.push(d.disk_id.clone());
            }
        }
        let key = inst.instance_id.clone();
        self.disk_homes.remove(id);
        for p in pinned {
            self.disk_homes.insert(p, key.clone());
        }
        Some(disk)
    }

    /// A disk to change wherever it is (marked for persistence).
    pub fn disk_mut(&mut self, id: &str) -> Option<&mut Disk> {
        match self.disk_home(id)? {
            DiskHome::Standalone => self.standalone_disk_mut(id),
            DiskHome::Attached(inst) => {
                let key = inst.clone();
                self.disk_homes.insert(id.to_string(), key);
                self.instance_mut(inst.as_str())?
                    .mock_disks
                    .iter_mut()
                    .find(|d| d.disk_id == id)
            }
        }
    }

    /// The tags of disk `id` (any account).
    pub fn disk_tags(&self, id: &str) -> Option<&Tags> {
        static NONE: Tags = Tags { tag: Vec::new() };
        let disk = match self.disk_home(id)? {
            DiskHome::Standalone => self.disks.get(id)?,
            DiskHome::Attached(inst) => self
                .instances
                .get(inst.as_str())?
                .mock_disks
                .iter()
                .find(|d| d.disk_id == id)?,
        };
        Some(disk.details().map_or(&NONE, |d| &d.tags))
    }

    /// The tags of disk `id` to change (any account; boxes the disk's details).
    pub fn disk_tags_mut(&mut self, id: &str) -> Option<&mut Tags> {
        Some(&mut self.disk_mut(id)?.details_mut().tags)
    }

    /// What happens to the disks of an instance that is released at `now`: those with
    /// `DeleteWithInstance` go, the others become standalone and `Available`.
    pub(super) fn release_disks(&mut self, inst: &Instance, now: Option<Millis>) {
        self.unindex_disks(inst);
        for d in &inst.mock_disks {
            if d.delete_with_instance(true) {
                continue;
            }
            let mut kept = d.clone();
            kept.status = DiskStatus::Available;
            kept.details_mut().mock_phase = None;
            kept.make_standalone(LeftFrom::of(inst), now);
            self.insert_standalone_disk(kept);
        }
    }

    /// Drop every standalone disk of an account (the account is going).
    pub(super) fn drop_account_disks(&mut self, account: &str) {
        let ids: Vec<String> = self
            .disks
            .values()
            .filter(|d| d.details().and_then(|x| x.account_id.as_deref()) == Some(account))
            .map(|d| d.disk_id.clone())
            .collect();
        for id in ids {
            self.take_standalone_disk(&id);
        }
    }
}
