//! The access key lookup the gateway authenticates with, and a process-wide count of
//! its changes, so that a lookup can be remembered outside the world's lock (the
//! store's per-thread key cache) and forgotten as soon as any key changes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::KeyInfo;

/// How many times any [`AccessKeys`] of the process changed (or was dropped).
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// The number of key changes so far, process-wide. A lookup made while it read `n`
/// is still the answer while it reads `n`: every change adds one (under the world's
/// lock, with the change).
pub fn changes() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

fn changed() {
    CHANGES.fetch_add(1, Ordering::AcqRel);
}

/// Access key id → secret and owner (root and RAM keys). Every change, and dropping
/// the table (a world replaced by a reset or a restore), counts in [`changes`].
#[derive(Debug, Default)]
pub(super) struct AccessKeys {
    by_id: HashMap<String, Arc<KeyInfo>>,
}

impl AccessKeys {
    /// The key `id`.
    pub(super) fn get(&self, id: &str) -> Option<&Arc<KeyInfo>> {
        self.by_id.get(id)
    }

    /// Whether `id` is a key.
    pub(super) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Add (or replace) the key `id`.
    pub(super) fn insert(&mut self, id: String, info: KeyInfo) {
        self.by_id.insert(id, Arc::new(info));
        changed();
    }

    /// Keep only the keys for which `keep` holds.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&KeyInfo) -> bool) {
        self.by_id.retain(|_, info| keep(info));
        changed();
    }

    /// Forget every key.
    pub(super) fn clear(&mut self) {
        self.by_id.clear();
        changed();
    }
}

impl Drop for AccessKeys {
    fn drop(&mut self) {
        changed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::world::Caller;

    fn info(secret: &str) -> KeyInfo {
        KeyInfo {
            secret: secret.into(),
            caller: Caller {
                account_id: "1".into(),
                ram_user: None,
            },
            allowed_actions: None,
            active: true,
        }
    }

    #[test]
    fn every_change_and_the_drop_count() {
        let mut keys = AccessKeys::default();
        let steps: [&dyn Fn(&mut AccessKeys); 3] = [
            &|k| k.insert("a".into(), info("s")),
            &|k| k.retain(|i| &*i.secret != "s"),
            &|k| k.clear(),
        ];
        for step in steps {
            let before = changes();
            step(&mut keys);
            assert!(changes() > before);
        }
        assert!(!keys.contains("a"));
        let before = changes();
        drop(keys);
        assert!(changes() > before);
    }
}
