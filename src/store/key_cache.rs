//! The last access key each thread looked up, remembered outside the world's lock.
//!
//! Every signed request resolves its access key id. Under the world's lock that is a
//! lock taken twice per request (the action takes it again) and a reference count that
//! both worker threads bump on one shared key. A thread keeps instead its own copy of
//! the last key it resolved, with the store it came from and the process-wide count of
//! key changes at the time ([`key_changes`]): while that count has not moved, no key of
//! any store has changed, and the copy is the answer. Any change (a key added, patched
//! or removed, a world reset or restored) moves the count, and the next lookup takes
//! the lock again.

use std::sync::Arc;

use crate::ecs::world::{key_changes, KeyInfo};
use crate::last::Last;

/// What a thread's last lookup was made from: the store (the address of its shared
/// state: a store dropped and another made at the same address are told apart by the
/// count, which dropping the first one's keys moved), [`key_changes`] when the key was
/// read under the world's lock, and the key id.
type Made = (usize, u64, Box<str>);

thread_local! {
    /// This thread's own copy of the key it looked up last (or that there is none).
    static LAST: Last<Made, Option<Arc<KeyInfo>>> = const { Last::new() };
}

/// The key `id` of `store`: this thread's copy of it when no key has changed since it
/// was made, else `read()`, which returns the key with [`key_changes`] read under the
/// same lock.
pub(super) fn lookup(
    store: usize,
    id: &str,
    read: impl FnOnce() -> (u64, Option<Arc<KeyInfo>>),
) -> Option<Arc<KeyInfo>> {
    let now = key_changes();
    LAST.with(|last| {
        last.get_or(
            |(kept_store, changes, kept_id)| {
                *kept_store == store && *changes == now && **kept_id == *id
            },
            || {
                let (changes, key) = read();
                let own = key.map(|shared| Arc::new(KeyInfo::clone(&shared)));
                ((store, changes, id.into()), own)
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::clock::Clock;
    use crate::ecs::catalog::KeyStatus;
    use crate::store::fixtures::default_fixture;
    use crate::store::Store;
    use crate::timing::{Profile, Timing};

    fn store_with_secret(secret: &str) -> (Store, String, String) {
        let mut fixture = default_fixture();
        let account = &mut fixture.accounts[0];
        account.access_keys[0].access_key_secret = secret.to_string();
        let (account_id, key_id) = (
            account.account_id.clone(),
            account.access_keys[0].access_key_id.clone(),
        );
        let store = Store::new(fixture, Clock::frozen(0), Timing::profile(Profile::Fast));
        (store, account_id, key_id)
    }

    fn secret(store: &Store, key_id: &str) -> Option<String> {
        store.access_key(key_id).map(|k| k.secret.to_string())
    }

    #[test]
    fn stores_with_the_same_key_id_each_answer_their_own() {
        let (a, _, key_id) = store_with_secret("secret-a");
        let (b, _, _) = store_with_secret("secret-b");
        for _ in 0..3 {
            assert_eq!(secret(&a, &key_id).as_deref(), Some("secret-a"));
            assert_eq!(secret(&a, &key_id).as_deref(), Some("secret-a"));
            assert_eq!(secret(&b, &key_id).as_deref(), Some("secret-b"));
        }
        assert_eq!(secret(&a, "no-such-key"), None);
    }

    #[test]
    fn a_change_is_seen_by_the_next_lookup() {
        let (store, account_id, key_id) = store_with_secret("s");
        assert!(store.access_key(&key_id).is_some_and(|k| k.active));
        let mut account = store
            .with_world(|w| w.account(&account_id).cloned())
            .unwrap();
        account.access_keys[0].status = KeyStatus::Inactive;
        store.with_world(|w| w.replace_account(account.clone()));
        assert!(store.access_key(&key_id).is_some_and(|k| !k.active));
        // A reset goes back to the loaded fixture: the key is active again.
        store.reset();
        assert!(store.access_key(&key_id).is_some_and(|k| k.active));
        store.with_world(|w| w.remove_account(&account_id));
        assert!(store.access_key(&key_id).is_none());
    }

    #[test]
    fn a_store_dropped_and_one_made_in_its_place_are_told_apart() {
        for round in 0..20 {
            let secret_now = format!("secret-{round}");
            let (store, _, key_id) = store_with_secret(&secret_now);
            assert_eq!(secret(&store, &key_id), Some(secret_now));
        }
    }
}
