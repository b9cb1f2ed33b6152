//! Stock and quota: what an instance holds, and the checks and moves that keep the
//! zone stock and each account's usage exact.
//!
//! An instance *holds resources* unless it is stopped in economical mode
//! (StopCharging). Creating or starting such an instance takes one unit of zone stock
//! and its vCPUs and type count from the account's quota in the region; releasing it or
//! stopping it economically gives them back.
//!
//! [`Capacity`] is a value the world owns: the usage per (account, region) and the
//! arithmetic on it. The zone stock stays in the catalog's [`Zone`] (fixtures, dumps and
//! patches name it there); [`Capacity`] takes and gives it back on the zone it is
//! handed. Nothing here knows the world: the world looks up the zone, the quota and the
//! type's vCPUs and passes them in, all under its one lock.

use std::collections::HashMap;

use crate::ecs::catalog::{Quota, Zone};
use crate::ecs::model::Instance;
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
            account_id: inst.account_id.to_string(),
            region_id: inst.region_id.to_string(),
            zone_id: inst.zone_id.to_string(),
            instance_type: inst.instance_type.to_string(),
        }
    }

    fn scope(&self) -> (String, String) {
        (self.account_id.clone(), self.region_id.clone())
    }
}

/// Resources an account holds in a region (instances not stopped in economical mode).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Total vCPUs.
    pub vcpus: u64,
    /// Instance count per type.
    pub per_type: HashMap<String, u64>,
}

/// What limits a placement besides the usage: the zone's free stock of the type, the
/// account's quota in the region (`None`: unlimited) and the type's vCPUs.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'a> {
    /// Free units of the type in the zone (0 when the zone does not sell it).
    pub stock: u64,
    /// The account's quota entry for the region.
    pub quota: Option<&'a Quota>,
    /// vCPUs of one instance of the type.
    pub vcpus: u64,
}

const TYPE_QUOTA_MESSAGE: &str = "The number of the specified ECS instances has exceeded the quota of the specified instance type.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";
const VCPU_QUOTA_MESSAGE: &str = "The number of vCPUs assigned to the ECS instances has exceeded the quota in the zone.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";

/// Usage per (account, region), kept in step with every hold and give-back.
#[derive(Debug, Clone, Default)]
pub struct Capacity {
    /// Why a map: quota checks read one (account, region) at a time, on every
    /// RunInstances and StartInstance.
    usage: HashMap<(String, String), Usage>,
}

impl Capacity {
    /// Check that `count` more instances fit the zone's stock and the account's quotas,
    /// without taking anything.
    pub fn check(&self, p: &Placement, count: u64, limits: Limits<'_>) -> ApiResult<()> {
        if limits.stock < count {
            return Err(ApiError::new(Code::OperationDeniedNoStock));
        }
        let Some(quota) = limits.quota else {
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
            if used + count * limits.vcpus > limit {
                return Err(ApiError::with_message(
                    Code::QuotaExceedElasticQuota,
                    VCPU_QUOTA_MESSAGE,
                ));
            }
        }
        Ok(())
    }

    /// How many of `want` instances fit stock and quotas (for MinAmount).
    pub fn fits(&self, p: &Placement, want: u64, limits: Limits<'_>) -> u64 {
        (1..=want)
            .rev()
            .find(|&n| self.check(p, n, limits).is_ok())
            .unwrap_or(0)
    }

    /// Count `count` instances of `vcpus` each against the account's quota.
    pub fn hold(&mut self, p: &Placement, count: u64, vcpus: u64) {
        let u = self.usage.entry(p.scope()).or_default();
        u.vcpus += vcpus * count;
        *u.per_type.entry(p.instance_type.clone()).or_default() += count;
    }

    /// Stop counting `count` instances of `vcpus` each.
    pub fn give_back(&mut self, p: &Placement, count: u64, vcpus: u64) {
        if let Some(u) = self.usage.get_mut(&p.scope()) {
            u.vcpus = u.vcpus.saturating_sub(vcpus * count);
            if let Some(n) = u.per_type.get_mut(&p.instance_type) {
                *n = n.saturating_sub(count);
            }
        }
    }

    /// Take `count` units of the placement's type from `zone`'s stock.
    pub fn take_stock(zone: &mut Zone, p: &Placement, count: u64) {
        if let Some(s) = zone.stock.get_mut(&p.instance_type) {
            *s = s.saturating_sub(count);
        }
    }

    /// Give `count` units of the placement's type back to `zone`'s stock.
    pub fn give_back_stock(zone: &mut Zone, p: &Placement, count: u64) {
        *zone.stock.entry(p.instance_type.clone()).or_default() += count;
    }

    /// Current usage of an account in a region.
    pub fn usage(&self, account_id: &str, region: &str) -> Usage {
        self.usage
            .get(&(account_id.to_string(), region.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    /// Forget an account's usage in every region (the account is gone).
    pub fn forget_account(&mut self, account_id: &str) {
        self.usage.retain(|k, _| k.0 != account_id);
    }

    /// Forget all usage (before a recount).
    pub fn clear(&mut self) {
        self.usage.clear();
    }
}
