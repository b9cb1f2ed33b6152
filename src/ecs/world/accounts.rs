//! Accounts and their access keys: the key lookup the gateway authenticates with, kept
//! in step with every account that is added, patched or removed.

use super::World;
use crate::ecs::catalog::{AccessKey, Account, RamUser};
use crate::ecs::sym::Sym;
use crate::ecs::world::{Caller, KeyInfo};

impl World {
    /// Register the access keys of `account` (root and RAM users) for lookup.
    pub(super) fn index_keys(&mut self, account: &Account) {
        let mut add_keys = |keys: &[AccessKey], ram_user: Option<&RamUser>| {
            for key in keys {
                let info = KeyInfo {
                    secret: key.access_key_secret.as_str().into(),
                    caller: Caller {
                        account_id: account.account_id.clone(),
                        ram_user: ram_user.map(|u| u.user_name.clone()),
                    },
                    allowed_actions: ram_user.map(|u| u.allowed_actions.clone()),
                    active: key.status.is_active(),
                };
                self.keys.insert(key.access_key_id.clone(), info);
            }
        };
        add_keys(&account.access_keys, None);
        for user in &account.ram_users {
            add_keys(&user.access_keys, Some(user));
        }
    }

    /// Forget the access keys of an account.
    fn unindex_keys(&mut self, account_id: &str) {
        self.keys.retain(|k| k.caller.account_id != account_id);
    }

    /// Whether an access key id is taken (by any account).
    pub fn key_in_use(&self, access_key_id: &str) -> bool {
        self.keys.contains(access_key_id)
    }

    /// Whether `id` is a region of the world.
    pub fn has_region(&self, id: &str) -> bool {
        self.regions.contains_key(id)
    }

    /// Add `account` as a throwaway account (also used to keep them across a reset).
    pub fn adopt_account(&mut self, account: Account) {
        let id = account.account_id.clone();
        self.index_keys(&account);
        self.accounts.insert(id.clone(), account);
        self.throwaway.insert(id.clone());
        self.mark_account(&id);
    }

    /// Put `account` in place of the account with its id (its keys re-indexed, so a
    /// key's new status takes effect at once).
    pub fn replace_account(&mut self, account: Account) {
        let id = account.account_id.clone();
        self.unindex_keys(&id);
        self.index_keys(&account);
        self.accounts.insert(id.clone(), account);
        self.mark_account(&id);
    }

    /// The throwaway accounts.
    pub fn throwaway_accounts(&self) -> Vec<Account> {
        self.throwaway
            .iter()
            .filter_map(|id| self.accounts.get(id).cloned())
            .collect()
    }

    /// Remove an account with its instances (giving back their stock), keys,
    /// idempotency entries, usage and listing index. Returns how many instances went,
    /// or `None` when there is no such account.
    pub fn remove_account(&mut self, id: &str) -> Option<usize> {
        if !self.accounts.contains_key(id) {
            return None;
        }
        let ids: Vec<Sym> = self
            .instances
            .values()
            .filter(|i| i.account_id == id)
            .map(|i| i.instance_id.clone())
            .collect();
        for inst in &ids {
            self.remove_instance(inst);
        }
        self.drop_account_disks(id);
        self.accounts.remove(id);
        self.throwaway.remove(id);
        self.unindex_keys(id);
        self.client_tokens.retain(|k, _| k.0 != id);
        self.capacity.forget_account(id);
        self.index.remove(id);
        self.remove_account_groups(id);
        self.mark_account(id);
        Some(ids.len())
    }
}
