//! Stock and quota: what an instance holds, and the checks and moves that keep the
//! zone stock and each account's usage exact.
//!
//! An instance *holds resources* unless it is stopped in economical mode
//! (StopCharging). Creating or starting such an instance takes one unit of zone stock
//! and its vCPUs and type count from the account's quota in the region; releasing it or
//! stopping it economically gives them back. All of it happens under the world's lock.

use super::{Usage, World};
use crate::ecs::catalog::Zone;
use crate::ecs::model::{Instance, StoppedMode};
use crate::error::{ApiError, ApiResult, Code};

/// Where an instance's resources come from: the account's quota in a region and the
/// zone's stock of a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Whose quota.
    pub account_id: String,
    /// Quota region.
    pub region_id: String,
    /// Stock zone.
    pub zone_id: String,
    /// Catalog type.
    pub instance_type: String,
}

impl Placement {
    /// The placement of an existing instance.
    pub fn of(inst: &Instance) -> Self {
        Placement {
            account_id: inst.account_id.clone(),
            region_id: inst.region_id.clone(),
            zone_id: inst.zone_id.clone(),
            instance_type: inst.instance_type.clone(),
        }
    }

    fn scope(&self) -> (String, String) {
        (self.account_id.clone(), self.region_id.clone())
    }
}

const TYPE_QUOTA_MESSAGE: &str = "The number of the specified ECS instances has exceeded the quota of the specified instance type.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";
const VCPU_QUOTA_MESSAGE: &str = "The number of vCPUs assigned to the ECS instances has exceeded the quota in the zone.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";

impl World {
    fn placement_zone_mut(&mut self, p: &Placement) -> Option<&mut Zone> {
        self.regions
            .get_mut(&p.region_id)
            .and_then(|r| r.zones.iter_mut().find(|z| z.zone_id == p.zone_id))
    }

    /// Check that `count` more instances fit the zone's stock and the account's quotas,
    /// without taking anything.
    pub fn check_capacity(&self, p: &Placement, count: u64) -> ApiResult<()> {
        let stock = self
            .zone(&p.region_id, &p.zone_id)
            .and_then(|z| z.stock.get(&p.instance_type).copied())
            .unwrap_or(0);
        if stock < count {
            return Err(ApiError::new(Code::OperationDeniedNoStock));
        }
        let Some(quota) = self
            .account(&p.account_id)
            .and_then(|a| a.quota(&p.region_id))
        else {
            return Ok(());
        };
        let usage = self.usage.get(&p.scope());
        if let Some(limit) = quota.instances_per_type.get(&p.instance_type) {
            let used = usage
                .and_then(|u| u.per_type.get(&p.instance_type))
                .copied()
                .unwrap_or(0);
            if used + count > *limit {
                return Err(ApiError::with_message(
                    Code::QuotaExceedElasticQuota,
                    TYPE_QUOTA_MESSAGE,
                ));
            }
        }
        if let Some(limit) = quota.vcpus {
            let used = usage.map_or(0, |u| u.vcpus);
            if used + count * self.vcpus_of(&p.instance_type) > limit {
                return Err(ApiError::with_message(
                    Code::QuotaExceedElasticQuota,
                    VCPU_QUOTA_MESSAGE,
                ));
            }
        }
        Ok(())
    }

    /// How many of `want` instances fit stock and quotas (for MinAmount).
    pub fn capacity_for(&self, p: &Placement, want: u64) -> u64 {
        (1..=want)
            .rev()
            .find(|&n| self.check_capacity(p, n).is_ok())
            .unwrap_or(0)
    }

    /// Take zone stock only (new instances count their quota when inserted).
    pub fn take_stock(&mut self, p: &Placement, count: u64) {
        self.mark_zone(&p.zone_id);
        if let Some(s) = self
            .placement_zone_mut(p)
            .and_then(|z| z.stock.get_mut(&p.instance_type))
        {
            *s = s.saturating_sub(count);
        }
    }

    /// Count `count` instances against the account's quota.
    pub(super) fn add_usage(&mut self, p: &Placement, count: u64) {
        let vcpus = self.vcpus_of(&p.instance_type);
        let u = self.usage.entry(p.scope()).or_default();
        u.vcpus += vcpus * count;
        *u.per_type.entry(p.instance_type.clone()).or_default() += count;
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
            *z.stock.entry(p.instance_type.clone()).or_default() += count;
        }
        if let Some(u) = self.usage.get_mut(&p.scope()) {
            u.vcpus = u.vcpus.saturating_sub(vcpus * count);
            if let Some(n) = u.per_type.get_mut(&p.instance_type) {
                *n = n.saturating_sub(count);
            }
        }
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
        self.usage
            .get(&(account_id.to_string(), region.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}
