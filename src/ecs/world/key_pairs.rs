//! The world's key pairs: stored per (account, region, name), in name order.
//!
//! Key pairs that fixture instances name in `KeyPairName` exist without being listed
//! under `KeyPairs`: the first key-pair operation walks the instances once and adds
//! the distinct names it finds (nothing is kept per instance). Such a pair has no
//! public key; its fingerprint is a stand-in, the MD5 of `account/region/name`.

use std::collections::BTreeMap;

use super::World;
use crate::ecs::key_pairs::KeyPair;

/// (account, region, name): where a key pair is stored.
pub(crate) type KeyPairKey = (String, String, String);

/// The key pairs and whether the instances' implicit ones were added.
#[derive(Debug, Default)]
pub(crate) struct KeyPairs {
    /// Every key pair.
    pub(crate) map: BTreeMap<KeyPairKey, KeyPair>,
    /// The instances were walked for the pairs they name.
    pub(crate) implicit_added: bool,
}

fn key(account: &str, region: &str, name: &str) -> KeyPairKey {
    (account.to_string(), region.to_string(), name.to_string())
}

impl World {
    /// Add the key pairs instances name but `KeyPairs` does not list (once).
    pub(crate) fn add_implicit_key_pairs(&mut self) {
        if self.key_pairs.implicit_added {
            return;
        }
        self.key_pairs.implicit_added = true;
        // Each named pair once, with the earliest creation time among its instances.
        let mut found: BTreeMap<KeyPairKey, Option<crate::ecs::model::EcsTime>> = BTreeMap::new();
        for inst in self.instances.values() {
            let Some(name) = inst
                .extra
                .raw("KeyPairName")
                .and_then(|t| serde_json::from_str::<String>(&t).ok())
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            let k = key(&inst.account_id, &inst.region_id, &name);
            if self.key_pairs.map.contains_key(&k) {
                continue;
            }
            let at = found.entry(k).or_insert(inst.creation_time);
            *at = match (*at, inst.creation_time) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if found.is_empty() {
            return;
        }
        for (k, created) in found {
            let pair = KeyPair::implicit(&k.0, &k.1, &k.2, created);
            self.key_pairs.map.insert(k, pair);
        }
        self.mark_key_pairs();
    }

    /// A key pair of `account` in `region`, by name (or by `KeyPairId`).
    pub fn key_pair(&mut self, account: &str, region: &str, name: &str) -> Option<&KeyPair> {
        self.add_implicit_key_pairs();
        let k = self.key_pair_key(account, region, name)?;
        self.key_pairs.map.get(&k)
    }

    /// [`World::key_pair`] to change; marked for persistence.
    pub fn key_pair_mut(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Option<&mut KeyPair> {
        self.add_implicit_key_pairs();
        let k = self.key_pair_key(account, region, name)?;
        self.mark_key_pairs();
        self.key_pairs.map.get_mut(&k)
    }

    /// Where the pair named `name` (or whose `KeyPairId` is `name`) is stored.
    fn key_pair_key(&self, account: &str, region: &str, name: &str) -> Option<KeyPairKey> {
        let k = key(account, region, name);
        if self.key_pairs.map.contains_key(&k) {
            return Some(k);
        }
        self.key_pairs_in(account, region)
            .find(|p| !p.key_pair_id.is_empty() && p.key_pair_id == name)
            .map(|p| key(account, region, &p.key_pair_name))
    }

    /// The key pairs of `account` in `region`, in name order (call
    /// [`World::add_implicit_key_pairs`] first).
    pub(crate) fn key_pairs_in<'a>(
        &'a self,
        account: &str,
        region: &str,
    ) -> impl Iterator<Item = &'a KeyPair> + 'a {
        let (account, region) = (account.to_string(), region.to_string());
        self.key_pairs
            .map
            .range(key(&account, &region, "")..)
            .take_while(move |((a, r, _), _)| *a == account && *r == region)
            .map(|(_, p)| p)
    }

    /// Add a new key pair (its name is free: the caller checked).
    pub fn insert_key_pair(&mut self, pair: KeyPair) {
        let k = key(&pair.account_id, &pair.region_id, &pair.key_pair_name);
        self.mark_key_pairs();
        self.key_pairs.map.insert(k, pair);
    }

    /// Remove a key pair.
    pub fn remove_key_pair(&mut self, account: &str, region: &str, name: &str) -> Option<KeyPair> {
        self.mark_key_pairs();
        self.key_pairs.map.remove(&key(account, region, name))
    }

    /// Whether an instance of `account` in `region` uses one of the key pairs `names`
    /// (one walk of the listing, whatever the number of names).
    pub fn key_pairs_in_use(&self, account: &str, region: &str, names: &[String]) -> bool {
        !names.is_empty()
            && self.listed_instances(account, region).any(|i| {
                i.extra
                    .raw("KeyPairName")
                    .and_then(|t| serde_json::from_str::<String>(&t).ok())
                    .is_some_and(|n| names.contains(&n))
            })
    }

    /// Every key pair (dumps and images).
    pub(crate) fn all_key_pairs(&self) -> Vec<KeyPair> {
        self.key_pairs.map.values().cloned().collect()
    }

    /// Replace every key pair (loading a document, an image or a record).
    pub(crate) fn set_key_pairs(&mut self, pairs: Vec<KeyPair>) {
        self.key_pairs.map = pairs
            .into_iter()
            .map(|p| (key(&p.account_id, &p.region_id, &p.key_pair_name), p))
            .collect();
    }
}
