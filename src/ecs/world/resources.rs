//! The world's side of stock and quota: it finds the zone, the quota and the type's
//! vCPUs for a [`Placement`] and lets its [`Capacity`](crate::ecs::capacity::Capacity)
//! check and move them, marking the zone for persistence.

use super::World;
use crate::ecs::capacity::{Capacity, Limits, Placement, Usage};
use crate::ecs::catalog::Zone;
use crate::ecs::model::StoppedMode;
use crate::error::ApiResult;

impl World {
    fn placement_zone_mut(&mut self, p: &Placement) -> Option<&mut Zone> {
        self.regions
            .get_mut(&p.region_id)
            .and_then(|r| r.zones.iter_mut().find(|z| z.zone_id == p.zone_id))
    }

    /// The stock, quota and vCPUs that limit `p`.
    fn limits(&self, p: &Placement) -> Limits<'_> {
        Limits {
            stock: self
                .zone(&p.region_id, &p.zone_id)
                .and_then(|z| z.stock.get(&p.instance_type).copied())
                .unwrap_or(0),
            quota: self
                .account(&p.account_id)
                .and_then(|a| a.quota(&p.region_id)),
            vcpus: self.vcpus_of(&p.instance_type),
        }
    }

    /// Check that `count` more instances fit the zone's stock and the account's quotas,
    /// without taking anything.
    pub fn check_capacity(&self, p: &Placement, count: u64) -> ApiResult<()> {
        self.capacity.check(p, count, self.limits(p))
    }

    /// How many of `want` instances fit stock and quotas (for MinAmount).
    pub fn capacity_for(&self, p: &Placement, want: u64) -> u64 {
        self.capacity.fits(p, want, self.limits(p))
    }

    /// Take zone stock only (new instances count their quota when inserted).
    pub fn take_stock(&mut self, p: &Placement, count: u64) {
        self.mark_zone(&p.zone_id);
        if let Some(z) = self.placement_zone_mut(p) {
            Capacity::take_stock(z, p, count);
        }
    }

    /// Count `count` instances against the account's quota.
    pub(super) fn add_usage(&mut self, p: &Placement, count: u64) {
        let vcpus = self.vcpus_of(&p.instance_type);
        self.capacity.hold(p, count, vcpus);
    }

    /// Take stock and quota for `count` instances. Call only after [`World::check_capacity`].
    pub fn acquire_resources(&mut self, p: &Placement, count: u64) {
        self.take_stock(p, count);
        self.add_usage(p, count);
    }

    /// Give back stock and quota for `count` instances.
    pub fn release_resources(&mut self, p: &Placement, count: u64) {
        let vcpus = self.vcpus_of(&p.instance_type);
        self.mark_zone(&p.zone_id);
        if let Some(z) = self.placement_zone_mut(p) {
            Capacity::give_back_stock(z, p, count);
        }
        self.capacity.give_back(p, count, vcpus);
    }

    /// Take or give back one instance's stock and quota when it moves between holding
    /// resources (`from`) and not (`to`).
    pub(super) fn rebalance(&mut self, p: &Placement, from: bool, to: bool) {
        match (from, to) {
            (true, false) => self.release_resources(p, 1),
            (false, true) => self.acquire_resources(p, 1),
            _ => {}
        }
    }

    /// Switch an instance's stopped mode, taking or giving back its resources when it
    /// enters or leaves economical mode.
    pub fn set_stopped_mode(&mut self, id: &str, mode: StoppedMode) {
        let Some(inst) = self.instance_mut(id) else {
            return;
        };
        let from = inst.holds_resources();
        inst.stopped_mode = mode;
        let to = inst.holds_resources();
        if from != to {
            let p = Placement::of(inst);
            self.rebalance(&p, from, to);
        }
    }

    /// Current resource usage of an account in a region.
    pub fn usage(&self, account_id: &str, region: &str) -> Usage {
        self.capacity.usage(account_id, region)
    }
}
