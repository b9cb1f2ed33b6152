//! Patches in fixture field names: an instance (any stored field), an account
//! (balance, KMS, quotas, key status), a zone (stock, spot prices), a disk (any disk
//! field: `Status`, `ExpiredTime`, `Size`, …).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{refuse, Refusal};
use crate::clock::Millis;
use crate::ecs::catalog::{Account, KeyStatus, Quota, Zone};
use crate::ecs::lifecycle::normalize_loaded;
use crate::ecs::model::{Disk, DiskType, Instance};
use crate::ecs::world::DiskHome;
use crate::ecs::world::World;
use crate::timing::Timing;

/// Changes to an account (`PATCH /_mock/accounts/{AccountId}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AccountPatch {
    /// New balance.
    pub balance: Option<f64>,
    /// New KMS authorisation.
    pub kms_authorized: Option<bool>,
    /// New quotas (replace the list).
    pub quotas: Option<Vec<Quota>>,
    /// New statuses of access keys (root or RAM users') of the account.
    pub access_keys: Option<Vec<KeyPatch>>,
}

/// A key's new status.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct KeyPatch {
    /// Which key.
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: KeyStatus,
}

/// Changes to a zone (`PATCH /_mock/zones/{ZoneId}`): per type, `null` removes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ZonePatch {
    /// Free stock per type (`null`: the zone no longer sells it).
    pub stock: Option<BTreeMap<String, Option<u64>>>,
    /// Spot price per type (`null`: no spot price).
    pub spot_prices: Option<BTreeMap<String, Option<f64>>>,
    /// Types the zone is retiring (replaces the list).
    pub closed: Option<Vec<String>>,
}

/// `current` in its fixture form, for a patch; `what` names it in the refusal.
pub(crate) fn fixture_doc<T: serde::Serialize>(
    current: &T,
    what: &str,
) -> Result<Map<String, Value>, Refusal> {
    match serde_json::to_value(current) {
        Ok(Value::Object(doc)) => Ok(doc),
        _ => refuse(format!("{what}: cannot be written as JSON")),
    }
}

/// `doc` with `patch` applied (`null` removes a field), read back as a `T`; a type error
/// names the field's path.
pub(crate) fn merged<T: serde::de::DeserializeOwned>(
    mut doc: Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<T, Refusal> {
    for (k, v) in patch {
        if v.is_null() {
            doc.remove(k);
        } else {
            doc.insert(k.clone(), v.clone());
        }
    }
    serde_path_to_error::deserialize(Value::Object(doc)).map_err(|e| {
        match e.path().to_string().as_str() {
            "." => Refusal(e.inner().to_string()),
            path => Refusal(format!("{path}: {}", e.inner())),
        }
    })
}

/// Mock-only instance fields; any other `Mock*` key is a typo, not a stored field.
const MOCK_FIELDS: [&str; 3] = ["MockDisks", "MockStuck", "MockTransitions"];

impl World {
    /// Patch an instance with fixture fields (`null` removes a stored field). A new
    /// `Status` or `MockStuck` cancels the scheduled transition and is then treated as a
    /// loaded fixture's (a transitional status ends after its usual duration unless
    /// stuck). Returns the instance as the state dump shows it.
    pub fn patch_instance(
        &mut self,
        id: &str,
        patch: &Map<String, Value>,
        now: Millis,
        timing: &Timing,
    ) -> Result<Instance, Refusal> {
        let Some(current) = self.settled(id, now).cloned() else {
            return refuse(format!("InstanceId: {id} is not an instance"));
        };
        for (k, v) in patch {
            if k == "InstanceId" && v.as_str() != Some(id) {
                return refuse("InstanceId: an instance's id cannot change");
            }
            if k.starts_with("Mock") && !MOCK_FIELDS.contains(&k.as_str()) {
                return refuse(format!(
                    "{k}: not an instance field (mock fields: {})",
                    MOCK_FIELDS.join(", ")
                ));
            }
        }
        let mut inst: Instance = merged(fixture_doc(&current, "InstanceId")?, patch)?;
        inst.seq = current.seq;
        let restarts = patch.contains_key("Status") || patch.contains_key("MockStuck");
        if restarts && !patch.contains_key("MockTransitions") {
            inst.mock_transitions.clear();
            normalize_loaded(&mut inst, now, timing);
        }
        self.check_instance(&inst)?;
        self.replace_instance(&current, inst.clone());
        Ok(inst)
    }

    /// What a fixture file would refuse in this instance.
    fn check_instance(&self, inst: &Instance) -> Result<(), Refusal> {
        if self.account(&inst.account_id).is_none() {
            return refuse(format!("AccountId: {} is not an account", inst.account_id));
        }
        let Ok(region) = self.region(&inst.region_id) else {
            return refuse(format!("RegionId: {} is not a region", inst.region_id));
        };
        if region.zone(&inst.zone_id).is_none() {
            return refuse(format!(
                "ZoneId: {} is not a zone of region {}",
                inst.zone_id, inst.region_id
            ));
        }
        let Some(t) = self.instance_type(&inst.instance_type) else {
            return refuse(format!(
                "InstanceType: {} is not in the instance-type catalog",
                inst.instance_type
            ));
        };
        let mut disks = HashSet::new();
        for (i, d) in inst.mock_disks.iter().enumerate() {
            if d.disk_id.is_empty() || !disks.insert(d.disk_id.as_str()) {
                return refuse(format!("MockDisks[{i}].DiskId: empty or duplicated"));
            }
            if d.disk_type == DiskType::Local && !t.local_storage {
                return refuse(format!(
                    "MockDisks[{i}].Type: a local disk on {}, which has no local storage",
                    t.instance_type_id
                ));
            }
        }
        if inst.spot_price_limit < 0.0 {
            return refuse("SpotPriceLimit: must not be negative");
        }
        Ok(())
    }

    /// Patch a disk, attached or standalone, with fixture disk fields (`null` removes
    /// one). Its id and type cannot change; an attached disk's account, region and zone
    /// are its instance's. Returns the disk as the state dump shows it.
    pub fn patch_disk(&mut self, id: &str, patch: &Map<String, Value>) -> Result<Disk, Refusal> {
        let Some(home) = self.disk_home(id) else {
            return refuse(format!("DiskId: {id} is not a disk"));
        };
        let current = match &home {
            DiskHome::Standalone => self.standalone_disks().find(|d| d.disk_id == id),
            DiskHome::Attached(i) => self
                .instance(i)
                .and_then(|i| i.mock_disks.iter().find(|d| d.disk_id == id)),
        };
        let Some(current) = current.cloned() else {
            return refuse(format!("DiskId: {id} is not a disk"));
        };
        let doc = fixture_doc(&current, "DiskId")?;
        for (k, v) in patch {
            if k == "DiskId" && v.as_str() != Some(id) {
                return refuse("DiskId: a disk's id cannot change");
            }
            if k == "Type" && doc.get("Type") != Some(v) {
                return refuse("Type: a disk's type cannot change");
            }
            let placement = ["AccountId", "RegionId", "ZoneId"].contains(&k.as_str());
            if placement && matches!(home, DiskHome::Attached(_)) {
                return refuse(format!("{k}: an attached disk's is its instance's"));
            }
        }
        let disk: Disk = merged(doc, patch)?;
        if home == DiskHome::Standalone {
            let x = disk.details();
            let account = x.and_then(|x| x.account_id.as_deref()).unwrap_or_default();
            let region = x.and_then(|x| x.region_id.as_deref()).unwrap_or_default();
            let zone = x.and_then(|x| x.zone_id.as_deref()).unwrap_or_default();
            if self.account(account).is_none() {
                return refuse(format!("AccountId: {account} is not an account"));
            }
            if self.zone(region, zone).is_none() {
                return refuse(format!("ZoneId: {zone} is not a zone of region {region}"));
            }
        }
        if let Some(slot) = self.disk_mut(id) {
            *slot = disk.clone();
        }
        Ok(disk)
    }

    /// Patch an account: balance, KMS, quotas, key statuses. Returns the account.
    pub fn patch_account(&mut self, id: &str, patch: AccountPatch) -> Result<Account, Refusal> {
        let Some(mut account) = self.account(id).cloned() else {
            return refuse(format!("AccountId: {id} is not an account"));
        };
        if let Some(quotas) = &patch.quotas {
            self.check_quotas("Quotas", quotas)?;
        }
        if let Some(b) = patch.balance {
            account.balance = b;
        }
        if let Some(k) = patch.kms_authorized {
            account.kms_authorized = k;
        }
        if let Some(q) = patch.quotas {
            account.quotas = q;
        }
        for (i, kp) in patch
            .access_keys
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let key = account
                .access_keys
                .iter_mut()
                .chain(
                    account
                        .ram_users
                        .iter_mut()
                        .flat_map(|u| u.access_keys.iter_mut()),
                )
                .find(|k| k.access_key_id == kp.access_key_id);
            match key {
                Some(k) => k.status = kp.status,
                None => {
                    return refuse(format!(
                        "AccessKeys[{i}].AccessKeyId: {} is not a key of account {id}",
                        kp.access_key_id
                    ))
                }
            }
        }
        self.replace_account(account.clone());
        Ok(account)
    }

    /// Patch a zone's stock and spot prices. Returns the zone.
    pub fn patch_zone(&mut self, zone_id: &str, patch: ZonePatch) -> Result<Zone, Refusal> {
        for t in patch.stock.iter().flat_map(|m| m.keys()) {
            if self.instance_type(t).is_none() {
                return refuse(format!("Stock.{t}: not in the instance-type catalog"));
            }
        }
        for (t, p) in patch.spot_prices.iter().flat_map(|m| m.iter()) {
            if self.instance_type(t).is_none() {
                return refuse(format!("SpotPrices.{t}: not in the instance-type catalog"));
            }
            if p.is_some_and(|p| p < 0.0) {
                return refuse(format!("SpotPrices.{t}: must not be negative"));
            }
        }
        for t in patch.closed.iter().flatten() {
            if self.instance_type(t).is_none() {
                return refuse(format!("Closed: {t} is not in the instance-type catalog"));
            }
        }
        let Some(zone) = self.zone_mut(zone_id) else {
            return refuse(format!("ZoneId: {zone_id} is not a zone"));
        };
        for (t, n) in patch.stock.unwrap_or_default() {
            match n {
                Some(n) => zone.stock.insert(t, n),
                None => zone.stock.remove(&t),
            };
        }
        if let Some(closed) = patch.closed {
            zone.closed = closed;
        }
        for (t, p) in patch.spot_prices.unwrap_or_default() {
            match p {
                Some(p) => zone.spot_prices.insert(t, p),
                None => zone.spot_prices.remove(&t),
            };
        }
        Ok(zone.clone())
    }
}
