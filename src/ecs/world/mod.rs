//! The whole emulated state, with the invariants that span several entities.
//!
//! [`World`] owns accounts, regions, the type catalog and instances. It is always used
//! under one lock (the store's), so stock, quota and batch all-or-nothing stay exact:
//! taking stock and quota, creating instances and releasing them happen in one critical
//! section. Instances are settled lazily — every read applies the transitions that are
//! due by the clock — so no background task is needed and a frozen clock makes
//! everything deterministic.
//!
//! Its fields are private: actions, the control plane and persistence change the world
//! through named operations (start a release, remember a ClientToken, adopt an account),
//! which keep the derived indexes (listing index, key lookup, usage, the set of
//! releasing instances) in step. Code that needs the internals lives in submodules:
//!
//! | module | holds |
//! |---|---|
//! | `accounts` | the access-key lookup and account operations |
//! | `resources` | stock and quota: the world's zones and quotas handed to its [`Capacity`] |
//! | `replay` | change tracking, records and images for persistence |
//! | `key_pairs` | key pairs by account, region and name |
//! | `tags` | the tags of any taggable resource, by kind and id |
//! | `attributes` | public IP addresses in use, instance-type changes that move stock and quota |
//! | `images` | the image store (fixture or built-in public images, implicit custom images) |
//! | `network` | VPCs, vSwitches (fixture, implied, defaults), private addresses |
//! | `security_groups` | security groups by account, members counted from instances |
//! | `disks` | standalone disks, the disk id → instance index, disks of released instances |

mod access_keys;
mod accounts;
mod attributes;
mod disks;
mod images;
mod key_pairs;
pub(crate) mod network;
mod replay;
mod resources;
mod security_groups;
mod tags;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::clock::Millis;
use crate::ecs::capacity::{Capacity, Placement};
use crate::ecs::catalog::{Account, Fixture, InstanceType, Region, Zone};
use crate::ecs::ids::new_instance_id;
use crate::ecs::model::{Instance, Status};
use crate::ecs::render_cache::{self, Slot};
use crate::ecs::sym::Sym;
use crate::error::{ApiError, ApiResult, Code};
use crate::random::Random;
pub use access_keys::changes as key_changes;
use access_keys::AccessKeys;
pub use disks::DiskHome;
use replay::Dirty;

/// Who is calling: the account (and RAM user) behind a verified access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The account the request acts in.
    pub account_id: String,
    /// The RAM user, when the key belongs to one.
    pub ram_user: Option<String>,
}

/// What a resolved access key gives: its secret and who it belongs to.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// The secret used to verify signatures.
    pub secret: Arc<str>,
    /// The owner.
    pub caller: Caller,
    /// Allowed action patterns of a RAM user; `None` for root keys.
    pub allowed_actions: Option<Vec<String>>,
    /// `false` for a key whose `Status` is `Inactive` (refused with
    /// `InvalidAccessKeyId.Inactive`).
    pub active: bool,
}

/// A hash map with a fast, non-cryptographic hasher (foldhash): the keys are ids the
/// emulator hands out or the fixture names, and a local emulator has no hash flooding
/// to fear.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// From this many fixture instances, the network scan runs on a core of its own while
/// the instances are indexed (below it, a thread costs more than it saves).
const SCAN_APART_FROM: usize = 10_000;

/// A hash set with the hasher of [`FastMap`].
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// One account's listing in one region: seq → instance id, newest last.
pub(crate) type Listing = BTreeMap<u64, Sym>;

/// (account, action, ClientToken): the key of an idempotency entry.
pub(crate) type TokenKey = (String, String, String);

/// The emulated state. See the module docs.
#[derive(Debug, Default)]
pub struct World {
    /// Accounts by id.
    accounts: BTreeMap<String, Account>,
    /// Access key id → secret and owner (root and RAM keys).
    keys: AccessKeys,
    /// Regions by id.
    regions: BTreeMap<String, Region>,
    /// The type catalog by id.
    types: BTreeMap<String, InstanceType>,
    /// Instances by id, shared with the fixture document they came from (and with page
    /// copies) until they change.
    instances: FastMap<Sym, Arc<Instance>>,
    /// Each listed instance's rendered DescribeInstances object (see
    /// [`crate::ecs::render_cache`]); dropped whenever the instance changes.
    rendered: FastMap<Sym, Arc<Slot>>,
    /// account → region → seq → instance id: ordered listing without a sort per request,
    /// looked up by `&str` without building a key.
    index: FastMap<Sym, FastMap<Sym, Listing>>,
    /// Usage per (account, region), kept in step with every hold/release; with the
    /// zones' stock, what quota and stock checks read.
    capacity: Capacity,
    /// Instances scheduled for release, swept before listings so counts stay exact.
    releasing: BTreeSet<String>,
    /// Next insertion sequence number.
    next_seq: u64,
    /// Standalone disks (not attached to an instance) by id.
    disks: BTreeMap<String, crate::ecs::model::Disk>,
    /// Disk id → instance, for attached disks with details (see `disks`).
    disk_homes: FastMap<String, Sym>,
    /// Idempotency: (account, action, ClientToken) → (parameter fingerprint, response).
    client_tokens: HashMap<TokenKey, (String, serde_json::Value)>,
    /// Accounts created through `POST /_mock/accounts` (dropped by a reset unless
    /// `--keep-accounts`).
    throwaway: BTreeSet<String>,
    /// What changed since the last flush, when persistence tracks changes (`None`: no
    /// tracking, no cost).
    dirty: Option<Dirty>,
    /// Key pairs.
    key_pairs: key_pairs::KeyPairs,
    /// Public addresses instances show, gathered on the first AllocatePublicIpAddress
    /// (`None` until then: a world that never allocates pays nothing).
    public_ips: Option<std::collections::HashSet<Box<str>>>,
    /// Images by id (the fixture's, or the built-in public ones).
    images: BTreeMap<String, crate::ecs::images::Image>,
    /// Images fixture instances refer to without defining them, found at the first
    /// lookup the store cannot answer (see `images`).
    implicit_images: std::sync::OnceLock<BTreeMap<String, crate::ecs::images::Image>>,
    /// VPCs by id (shared by every account).
    vpcs: BTreeMap<String, crate::ecs::network::Vpc>,
    /// vSwitches by id (shared by every account).
    vswitches: BTreeMap<String, crate::ecs::network::VSwitch>,
    /// Highest private address in use per vSwitch (derived from the instances).
    ip_marks: FastMap<String, u32>,
    /// Security groups by (account, id).
    groups: BTreeMap<security_groups::GroupKey, crate::ecs::network::SecurityGroup>,
}

impl World {
    /// Build a world from a validated fixture document (which stays the caller's: the
    /// world shares its instances until it changes them). `now` schedules the end of
    /// transitional statuses given without explicit `MockTransitions`.
    pub fn from_fixture(fixture: &Fixture, now: Millis, timing: &crate::timing::Timing) -> Self {
        let mut w = World::default();
        let first = fixture
            .accounts
            .first()
            .map(|a| a.account_id.clone())
            .unwrap_or_default();
        for account in &fixture.accounts {
            w.index_keys(account);
            w.accounts
                .insert(account.account_id.clone(), account.clone());
        }
        for region in &fixture.regions {
            w.regions.insert(region.region_id.clone(), region.clone());
        }
        for t in &fixture.instance_types {
            w.types.insert(t.instance_type_id.clone(), t.clone());
        }
        w.load_images(fixture.images.clone());
        // What the instances say about the network and security groups is read on
        // another core (for a large fixture) while they are indexed here.
        // The resources the instances hold are counted per placement, then added once
        // per placement (adding is all holding does: the same totals).
        let index = |w: &mut World| {
            let started = std::time::Instant::now();
            w.instances.reserve(fixture.instances.len());
            let mut held: FastMap<[Sym; 4], u64> = FastMap::default();
            for inst in &fixture.instances {
                let mut inst = inst.clone();
                if crate::ecs::lifecycle::needs_normalizing(&inst) {
                    crate::ecs::lifecycle::normalize_loaded(Arc::make_mut(&mut inst), now, timing);
                }
                if inst.holds_resources() {
                    let placement = [
                        inst.account_id.clone(),
                        inst.region_id.clone(),
                        inst.zone_id.clone(),
                        inst.instance_type.clone(),
                    ];
                    *held.entry(placement).or_default() += 1;
                }
                w.insert_uncounted(inst);
            }
            for ([account, region, zone, itype], count) in held {
                let p = Placement {
                    account_id: account.to_string(),
                    region_id: region.to_string(),
                    zone_id: zone.to_string(),
                    instance_type: itype.to_string(),
                };
                w.add_usage(&p, count);
            }
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "instances indexed"
            );
        };
        let scan = || {
            let started = std::time::Instant::now();
            let scan =
                network::scan_instances(&fixture.instances, &fixture.vpcs, &fixture.vswitches);
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "instances' network read"
            );
            scan
        };
        let mut scan = if fixture.instances.len() >= SCAN_APART_FROM {
            std::thread::scope(|s| {
                let scanning = s.spawn(scan);
                index(&mut w);
                scanning.join().expect("the instance scan panicked")
            })
        } else {
            index(&mut w);
            scan()
        };
        w.set_key_pairs(fixture.key_pairs.clone());
        w.load_network(
            fixture.vpcs.clone(),
            fixture.vswitches.clone(),
            &first,
            &mut scan,
        );
        w.load_security_groups(fixture.security_groups.clone(), &first, now, &mut scan);
        for disk in &fixture.disks {
            w.disks.insert(disk.disk_id.clone(), disk.clone());
        }
        w
    }

    /// Apply every transition due at `now` to every instance (before a dump).
    pub fn settle_all(&mut self, now: Millis) {
        let ids: Vec<Sym> = self.instances.keys().cloned().collect();
        for id in ids {
            self.settle(&id, now);
        }
    }

    /// Dump the state as a fixture document (instances in insertion order).
    pub fn to_fixture(&self) -> Fixture {
        let mut instances: Vec<Arc<Instance>> = self.instances.values().cloned().collect();
        instances.sort_by_key(|i| i.seq);
        let (vpcs, vswitches) = self.network_entries();
        Fixture {
            accounts: self.accounts.values().cloned().collect(),
            regions: self.regions.values().cloned().collect(),
            instance_types: self.types.values().cloned().collect(),
            instances,
            key_pairs: self.all_key_pairs(),
            images: Some(self.stored_images()),
            vpcs,
            vswitches,
            security_groups: self.security_group_entries(),
            disks: self.disks.values().cloned().collect(),
        }
    }

    /// Resolve an access key.
    pub fn key(&self, access_key_id: &str) -> Option<&Arc<KeyInfo>> {
        self.keys.get(access_key_id)
    }

    /// The account of the first access key listed, used when auth is off.
    pub fn default_caller(&self) -> Option<Caller> {
        self.accounts.values().next().map(|a| Caller {
            account_id: a.account_id.clone(),
            ram_user: None,
        })
    }

    /// An account by id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// A region by id, or `InvalidRegionId.NotFound`.
    pub fn region(&self, id: &str) -> ApiResult<&Region> {
        self.regions
            .get(id)
            .ok_or_else(|| ApiError::new(Code::InvalidRegionIdNotFound))
    }

    /// `InvalidRegionId.NotFound` when the request names a region the world lacks.
    pub fn check_region(&self, region: Option<&str>) -> ApiResult<()> {
        match region {
            Some(id) => self.region(id).map(|_| ()),
            None => Ok(()),
        }
    }

    /// A zone of a region.
    pub fn zone(&self, region: &str, zone: &str) -> Option<&Zone> {
        self.regions.get(region).and_then(|r| r.zone(zone))
    }

    /// A catalog type.
    pub fn instance_type(&self, id: &str) -> Option<&InstanceType> {
        self.types.get(id)
    }

    /// The type catalog, in id order.
    pub fn instance_types(&self) -> impl Iterator<Item = &InstanceType> {
        self.types.values()
    }

    /// vCPUs of a type (0 when not in the catalog, which validation prevents).
    pub fn vcpus_of(&self, type_id: &str) -> u64 {
        self.types.get(type_id).map_or(0, |t| t.cpu_core_count)
    }

    /// Add an instance, taking the next sequence number and counting its resources.
    /// Stock is *not* taken here: fixtures describe stock as what is still free, and
    /// RunInstances takes it with [`World::take_stock`].
    pub fn insert_instance(&mut self, inst: Instance) {
        self.insert_shared(Arc::new(inst));
    }

    /// [`World::insert_instance`] for an instance that may be shared (with the fixture
    /// document): it is copied only if its sequence number has to change.
    fn insert_shared(&mut self, inst: Arc<Instance>) {
        if inst.holds_resources() {
            self.add_usage(&Placement::of(&inst), 1);
        }
        self.insert_uncounted(inst);
    }

    /// [`World::insert_shared`] but for the resources the instance holds, which the
    /// caller counts.
    fn insert_uncounted(&mut self, mut inst: Arc<Instance>) {
        if !self.rendered.is_empty() {
            self.rendered.remove(&inst.instance_id);
        }
        self.mark_instance(&inst.instance_id);
        if inst.seq != self.next_seq {
            Arc::make_mut(&mut inst).seq = self.next_seq;
        }
        self.next_seq += 1;
        let (seq, id) = (inst.seq, inst.instance_id.clone());
        self.listing_of(&inst).insert(seq, id);
        self.track_release(&inst.instance_id, inst.is_releasing());
        self.index_disks(&inst);
        self.instances.insert(inst.instance_id.clone(), inst);
    }

    /// Put back an instance as it was before a rolled-back change, re-balancing stock
    /// and quota if the change took or gave them back.
    pub fn restore(&mut self, before: Instance) {
        self.rendered.remove(&before.instance_id);
        let Some(current) = self.instances.get(&before.instance_id) else {
            return;
        };
        let (from, to) = (current.holds_resources(), before.holds_resources());
        self.mark_instance(&before.instance_id);
        self.rebalance(&Placement::of(&before), from, to);
        self.instances
            .insert(before.instance_id.clone(), Arc::new(before));
    }

    /// Remove every instance whose release has fallen due.
    pub fn sweep_releases(&mut self, now: Millis) {
        let due: Vec<String> = self
            .releasing
            .iter()
            .filter(|id| {
                self.instances.get(id.as_str()).is_some_and(|i| {
                    i.mock_transitions
                        .iter()
                        .any(|p| p.at <= now && p.then == crate::ecs::model::Step::Release)
                })
            })
            .cloned()
            .collect();
        for id in due {
            self.settle(&id, now);
        }
    }

    /// Remove an instance for good, giving back stock and quota if it held them. Its
    /// disks go with it unless `DeleteWithInstance` is false (those stay, `Available`).
    pub fn remove_instance(&mut self, id: &str) -> Option<Arc<Instance>> {
        self.remove_instance_at(id, None)
    }

    /// [`World::remove_instance`] at `now` (the kept disks' `DetachedTime`).
    pub fn remove_instance_at(&mut self, id: &str, now: Option<Millis>) -> Option<Arc<Instance>> {
        let inst = self.instances.remove(id)?;
        self.release_disks(&inst, now);
        self.rendered.remove(id);
        self.mark_instance(id);
        self.track_release(id, false);
        self.unlist(&inst);
        if inst.holds_resources() {
            self.release_resources(&Placement::of(&inst), 1);
        }
        Some(inst)
    }

    /// An instance to change (an action has checked it with [`World::owned`]); marked
    /// as changed for persistence.
    pub fn instance_mut(&mut self, id: &str) -> Option<&mut Instance> {
        if self.instances.contains_key(id) {
            self.mark_instance(id);
        }
        self.rendered.remove(id);
        self.instances.get_mut(id).map(Arc::make_mut)
    }

    /// The instance `id` for a page of DescribeInstances: its rendered JSON object
    /// when a page filled it since it last changed (see
    /// [`crate::ecs::render_cache`]), else a copy to render outside the
    /// lock, with the slot to keep the rendering in.
    pub fn page_entry(&mut self, id: &str) -> Option<crate::ecs::PageEntry> {
        let inst = self.instances.get(id)?;
        let slot = match self.rendered.get(id) {
            Some(slot) => Some(slot.clone()),
            None if render_cache::held() < render_cache::BUDGET => {
                let slot = Arc::new(Slot::default());
                self.rendered.insert(inst.instance_id.clone(), slot.clone());
                Some(slot)
            }
            None => None,
        };
        let copy = match &slot {
            Some(s) if s.get().is_some() => None,
            _ => Some(Box::new((
                inst.clone(),
                self.types.get(inst.instance_type.as_str()).cloned(),
            ))),
        };
        Some(crate::ecs::PageEntry { slot, copy })
    }

    /// A new instance id no instance has.
    pub fn fresh_instance_id(&self, random: &Random, region: &str) -> String {
        loop {
            let id = new_instance_id(random, region);
            if !self.instances.contains_key(id.as_str()) {
                return id;
            }
        }
    }

    /// The instance `id` settled to `now`, if it exists (a release that fell due
    /// removes it).
    pub fn settled(&mut self, id: &str, now: Millis) -> Option<&Instance> {
        let inst = self.instances.get_mut(id)?;
        if inst.due(now) {
            self.rendered.remove(id);
            if Arc::make_mut(inst).settle(now) {
                self.remove_instance_at(id, Some(now));
                return None;
            }
        }
        self.instances.get(id).map(|i| &**i)
    }

    /// Settle `id`'s due transitions in place; whether it still exists. One lookup when
    /// nothing is due (a listing walk then reads it with [`World::instance`]).
    pub fn settle(&mut self, id: &str, now: Millis) -> bool {
        match self.instances.get(id) {
            None => false,
            Some(inst) if !inst.due(now) => true,
            Some(_) => self.settled(id, now).is_some(),
        }
    }

    /// The instance `id` as `caller` may see it: it must exist, belong to the caller's
    /// account and, when the request names a region, be in that region. Otherwise
    /// `InvalidInstanceId.NotFound` (spec §1.4).
    pub fn owned(
        &mut self,
        caller: &Caller,
        region: Option<&str>,
        id: &str,
        now: Millis,
    ) -> ApiResult<&Instance> {
        match self.settled(id, now) {
            Some(inst)
                if inst.account_id == caller.account_id
                    && region.is_none_or(|r| r == inst.region_id) =>
            {
                Ok(inst)
            }
            _ => Err(ApiError::new(Code::InvalidInstanceIdNotFound)),
        }
    }

    /// Number of instances (all accounts).
    pub fn instance_count(&self) -> usize {
        self.instances.len()
    }

    /// Status of an instance after settling, for tests and the control plane.
    pub fn status_of(&mut self, id: &str, now: Millis) -> Option<Status> {
        self.settled(id, now).map(|i| i.status)
    }

    /// An instance as stored, without settling it (an action has settled it with
    /// [`World::owned`] or [`World::settled`] first).
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.get(id).map(|i| &**i)
    }

    /// The listing index of an account in a region: insertion sequence → instance id,
    /// oldest first.
    pub(crate) fn listing(&self, account: &str, region: &str) -> Option<&Listing> {
        self.index.get(account)?.get(region)
    }

    /// The instances an account lists in a region, oldest first (as stored, not settled).
    pub(crate) fn listed_instances<'a>(
        &'a self,
        account: &'a str,
        region: &'a str,
    ) -> impl DoubleEndedIterator<Item = &'a Instance> + 'a {
        self.listing(account, region)
            .into_iter()
            .flat_map(|l| l.values())
            .filter_map(|id| self.instances.get(id.as_str()).map(|i| &**i))
    }

    /// How many instances an account lists in a region: the unfiltered `TotalCount` of
    /// Describe* (exact once due releases are swept).
    pub(crate) fn listed_count(&self, account: &str, region: &str) -> u64 {
        self.listing(account, region).map_or(0, |i| i.len() as u64)
    }

    /// The listing an instance belongs in, created if needed.
    fn listing_of(&mut self, inst: &Instance) -> &mut Listing {
        if !self.index.contains_key(inst.account_id.as_str()) {
            self.index
                .insert(inst.account_id.clone(), FastMap::default());
        }
        let regions = self
            .index
            .get_mut(inst.account_id.as_str())
            .expect("just inserted");
        if !regions.contains_key(inst.region_id.as_str()) {
            regions.insert(inst.region_id.clone(), Listing::new());
        }
        regions
            .get_mut(inst.region_id.as_str())
            .expect("just inserted")
    }

    /// Take an instance out of its listing.
    fn unlist(&mut self, inst: &Instance) {
        if let Some(listing) = self
            .index
            .get_mut(inst.account_id.as_str())
            .and_then(|r| r.get_mut(inst.region_id.as_str()))
        {
            listing.remove(&inst.seq);
        }
    }

    /// Every region, in id order.
    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// A zone to change (a control-plane patch), found by id in any region; marked as
    /// changed for persistence.
    pub(crate) fn zone_mut(&mut self, zone_id: &str) -> Option<&mut Zone> {
        let region = self
            .regions
            .values()
            .find(|r| r.zone(zone_id).is_some())?
            .region_id
            .clone();
        self.mark_zone(zone_id);
        self.regions
            .get_mut(&region)?
            .zones
            .iter_mut()
            .find(|z| z.zone_id == zone_id)
    }

    /// The next insertion sequence number (RunInstances derives its OrderId from it).
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// What a ClientToken was first answered with: (parameter fingerprint, response).
    pub(crate) fn client_token(&self, key: &TokenKey) -> Option<&(String, serde_json::Value)> {
        self.client_tokens.get(key)
    }

    /// Remember the answer to a request with a ClientToken, so a retry gets it again.
    pub(crate) fn remember_client_token(
        &mut self,
        key: TokenKey,
        fingerprint: String,
        response: serde_json::Value,
    ) {
        self.mark_token(&key);
        self.client_tokens.insert(key, (fingerprint, response));
    }

    /// Schedule the release of a checked instance: it goes through `Stopping` (unless
    /// the timing says otherwise) and is removed when the release falls due.
    pub fn begin_release(&mut self, id: &str, now: Millis, timing: &crate::timing::Timing) {
        let Some(inst) = self.instance_mut(id) else {
            return;
        };
        crate::ecs::lifecycle::begin_release(inst, now, timing);
        self.track_release(id, true);
    }

    /// Keep the set of releasing instances in step with instance `id`: the one place
    /// that changes it.
    fn track_release(&mut self, id: &str, releasing: bool) {
        if releasing {
            self.releasing.insert(id.to_string());
        } else {
            self.releasing.remove(id);
        }
    }

    /// Put `new` in place of `old` (same id), moving stock and quota with it.
    pub(crate) fn replace_instance(&mut self, old: &Instance, new: Instance) {
        let (from, to) = (Placement::of(old), Placement::of(&new));
        let (held, holds) = (old.holds_resources(), new.holds_resources());
        self.drop_raw(&old.instance_id);
        self.put_raw(old.seq, new);
        self.mark_instance(&old.instance_id);
        if from == to {
            self.rebalance(&from, held, holds);
        } else {
            if held {
                self.release_resources(&from, 1);
            }
            if holds {
                self.acquire_resources(&to, 1);
            }
        }
    }
}
