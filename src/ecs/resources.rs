//! Stock and quota: what an instance holds, and the checks and moves that keep the
//! zone stock and each account's usage exact.
//!
//! An instance *holds resources* unless it is stopped in economical mode
//! (StopCharging). Creating or starting such an instance takes one unit of zone stock
//! and its vCPUs and type count from the account's quota in the region; releasing it or
//! stopping it economically gives them back. All of it happens under the world's lock.

use crate::ecs::catalog::Zone;
use crate::ecs::model::{Instance, StoppedMode};
use crate::ecs::world::{Usage, World};
use crate::error::{ApiError, ApiResult, Code};

impl World {
    pub(crate) fn zone_mut(&mut self, region: &str, zone: &str) -> Option<&mut Zone> {
        self.regions
            .get_mut(region)
            .and_then(|r| r.zones.iter_mut().find(|z| z.zone_id == zone))
    }

    /// Take or give back one instance's stock and quota when it moves between holding
    /// resources (`from`) and not (`to`).
    pub(crate) fn rebalance(&mut self, inst: &Instance, from: bool, to: bool) {
        let (a, r, z, t) = (
            &inst.account_id,
            &inst.region_id,
            &inst.zone_id,
            &inst.instance_type,
        );
        match (from, to) {
            (true, false) => self.release_resources(a, r, z, t, 1),
            (false, true) => self.acquire_resources(a, r, z, t, 1),
            _ => {}
        }
    }

    /// Check that `count` more instances of `type_id` fit the zone's stock and the
    /// account's quotas, without taking anything.
    pub fn check_capacity(
        &self,
        account_id: &str,
        region: &str,
        zone: &str,
        type_id: &str,
        count: u64,
    ) -> ApiResult<()> {
        let stock = self
            .zone(region, zone)
            .and_then(|z| z.stock.get(type_id).copied())
            .unwrap_or(0);
        if stock < count {
            return Err(ApiError::new(Code::OperationDeniedNoStock));
        }
        let Some(quota) = self.account(account_id).and_then(|a| a.quota(region)) else {
            return Ok(());
        };
        let usage = self
            .usage
            .get(&(account_id.to_string(), region.to_string()));
        if let Some(limit) = quota.instances_per_type.get(type_id) {
            let used = usage
                .and_then(|u| u.per_type.get(type_id))
                .copied()
                .unwrap_or(0);
            if used + count > *limit {
                return Err(ApiError::with_message(
                    Code::QuotaExceedElasticQuota,
                    "The number of the specified ECS instances has exceeded the quota of the specified instance type.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.",
                ));
            }
        }
        if let Some(limit) = quota.vcpus {
            let used = usage.map_or(0, |u| u.vcpus);
            if used + count * self.vcpus_of(type_id) > limit {
                return Err(ApiError::with_message(
                    Code::QuotaExceedElasticQuota,
                    "The number of vCPUs assigned to the ECS instances has exceeded the quota in the zone.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.",
                ));
            }
        }
        Ok(())
    }

    /// How many more instances of a type fit stock and quotas (for MinAmount).
    pub fn capacity_for(
        &self,
        account_id: &str,
        region: &str,
        zone: &str,
        type_id: &str,
        want: u64,
    ) -> u64 {
        (0..=want)
            .rev()
            .find(|&n| {
                n == 0
                    || self
                        .check_capacity(account_id, region, zone, type_id, n)
                        .is_ok()
            })
            .unwrap_or(0)
    }

    /// Take stock and quota for `count` instances. Call only after [`World::check_capacity`].
    pub fn acquire_resources(
        &mut self,
        account_id: &str,
        region: &str,
        zone: &str,
        type_id: &str,
        count: u64,
    ) {
        self.take_stock(region, zone, type_id, count);
        self.add_usage(account_id, region, type_id, count);
    }

    /// Take zone stock only (new instances count their quota when inserted).
    pub fn take_stock(&mut self, region: &str, zone: &str, type_id: &str, count: u64) {
        if let Some(z) = self.zone_mut(region, zone) {
            if let Some(s) = z.stock.get_mut(type_id) {
                *s = s.saturating_sub(count);
            }
        }
    }

    pub(crate) fn add_usage(&mut self, account_id: &str, region: &str, type_id: &str, count: u64) {
        let vcpus = self.vcpus_of(type_id);
        let u = self
            .usage
            .entry((account_id.to_string(), region.to_string()))
            .or_default();
        u.vcpus += vcpus * count;
        *u.per_type.entry(type_id.to_string()).or_default() += count;
    }

    /// Give back stock and quota for `count` instances.
    pub fn release_resources(
        &mut self,
        account_id: &str,
        region: &str,
        zone: &str,
        type_id: &str,
        count: u64,
    ) {
        let vcpus = self.vcpus_of(type_id);
        if let Some(z) = self.zone_mut(region, zone) {
            *z.stock.entry(type_id.to_string()).or_default() += count;
        }
        if let Some(u) = self
            .usage
            .get_mut(&(account_id.to_string(), region.to_string()))
        {
            u.vcpus = u.vcpus.saturating_sub(vcpus * count);
            if let Some(n) = u.per_type.get_mut(type_id) {
                *n = n.saturating_sub(count);
            }
        }
    }

    /// Switch an instance's stopped mode, taking or giving back its resources when it
    /// enters or leaves economical mode.
    pub fn set_stopped_mode(&mut self, id: &str, mode: StoppedMode) {
        let Some(inst) = self.instances.get_mut(id) else {
            return;
        };
        let from = inst.holds_resources();
        inst.stopped_mode = mode;
        let to = inst.holds_resources();
        if from != to {
            let snapshot = inst.clone();
            self.rebalance(&snapshot, from, to);
        }
    }

    /// Current resource usage of an account in a region.
    pub fn usage(&self, account_id: &str, region: &str) -> Usage {
        self.usage
            .get(&(account_id.to_string(), region.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}
