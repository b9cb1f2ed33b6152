//! Throwaway accounts: created with a fresh id and keys, deleted with their instances
//! (their stock given back), kept across a reset with `--keep-accounts`.

use std::collections::HashSet;

use serde::Deserialize;

use super::{refuse, Refusal};
use crate::ecs::catalog::{AccessKey, Account, KeyStatus, Quota, RamUser};
use crate::ecs::world::World;
use crate::random::{Random, Stream};

/// The settings of a throwaway account (`POST /_mock/accounts`); all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NewAccount {
    /// Balance (default 100).
    pub balance: Option<f64>,
    /// Whether ECS may use the account's KMS keys (default true).
    pub kms_authorized: Option<bool>,
    /// Quotas per region (default: none, unlimited).
    #[serde(default)]
    pub quotas: Vec<Quota>,
    /// RAM users; one without `AccessKeys` gets a generated key.
    #[serde(default)]
    pub ram_users: Vec<NewRamUser>,
}

/// A RAM user of a new account.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NewRamUser {
    /// Name.
    pub user_name: String,
    /// Keys; absent = one generated key.
    pub access_keys: Option<Vec<AccessKey>>,
    /// Patterns like `ecs:Describe*`.
    #[serde(default)]
    pub allowed_actions: Vec<String>,
}

const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl World {
    fn new_key(&self, random: &Random, taken: &HashSet<String>) -> AccessKey {
        loop {
            let id = format!(
                "LTAI5t{}",
                random.string(Stream::Accounts, KEY_ALPHABET, 18)
            );
            if !self.key_in_use(&id) && !taken.contains(&id) {
                let secret = random.string(Stream::Accounts, KEY_ALPHABET, 30);
                return AccessKey {
                    access_key_id: id,
                    access_key_secret: secret,
                    status: KeyStatus::Active,
                };
            }
        }
    }

    pub(crate) fn check_quotas(&self, field: &str, quotas: &[Quota]) -> Result<(), Refusal> {
        let mut seen = HashSet::new();
        for (i, q) in quotas.iter().enumerate() {
            if !self.has_region(&q.region_id) {
                return refuse(format!(
                    "{field}[{i}].RegionId: {} is not a region",
                    q.region_id
                ));
            }
            if !seen.insert(&q.region_id) {
                return refuse(format!(
                    "{field}[{i}].RegionId: {} is listed twice",
                    q.region_id
                ));
            }
        }
        Ok(())
    }

    /// Create a throwaway account with a fresh id and root key; returns it.
    pub fn create_account(
        &mut self,
        spec: NewAccount,
        random: &Random,
    ) -> Result<Account, Refusal> {
        self.check_quotas("Quotas", &spec.quotas)?;
        let mut taken = HashSet::new();
        let mut names = HashSet::new();
        let mut ram_users = Vec::new();
        for (i, u) in spec.ram_users.into_iter().enumerate() {
            if u.user_name.trim().is_empty() || !names.insert(u.user_name.clone()) {
                return refuse(format!("RamUsers[{i}].UserName: empty or used twice"));
            }
            let keys = match u.access_keys {
                Some(keys) => {
                    for (j, k) in keys.iter().enumerate() {
                        if k.access_key_id.is_empty()
                            || self.key_in_use(&k.access_key_id)
                            || !taken.insert(k.access_key_id.clone())
                        {
                            return refuse(format!(
                                "RamUsers[{i}].AccessKeys[{j}].AccessKeyId: {:?} is empty or already in use",
                                k.access_key_id
                            ));
                        }
                    }
                    keys
                }
                None => {
                    let key = self.new_key(random, &taken);
                    taken.insert(key.access_key_id.clone());
                    vec![key]
                }
            };
            ram_users.push(RamUser {
                user_name: u.user_name,
                access_keys: keys,
                allowed_actions: u.allowed_actions,
            });
        }
        let account_id = loop {
            let id = format!("1{}", random.string(Stream::Accounts, b"0123456789", 15));
            if self.account(&id).is_none() {
                break id;
            }
        };
        let root = self.new_key(random, &taken);
        let account = Account {
            account_id: account_id.clone(),
            balance: spec.balance.unwrap_or(100.0),
            kms_authorized: spec.kms_authorized.unwrap_or(true),
            access_keys: vec![root],
            ram_users,
            quotas: spec.quotas,
        };
        self.adopt_account(account.clone());
        Ok(account)
    }

    /// Remove an account with its instances (giving back their stock), keys and
    /// idempotency entries. Returns how many instances went.
    pub fn delete_account(&mut self, id: &str) -> Result<usize, Refusal> {
        match self.remove_account(id) {
            Some(n) => Ok(n),
            None => refuse(format!("AccountId: {id} is not an account")),
        }
    }
}
