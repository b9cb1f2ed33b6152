//! Replay protection: the signature nonces seen in the last 30 minutes, bounded in time
//! per request and in memory.
//!
//! Each (access key, nonce) pair is remembered as a 64-bit keyed hash (foldhash with a
//! random seed) with the time it was first seen, in a fixed table of [`MAX_NONCES`]
//! slots (16 bytes each, 8 MiB, allocated zeroed: pages count only once touched). The
//! table is set-associative, like a CPU cache: the hash picks a bucket of [`WAYS`]
//! slots (two cache lines), a nonce is looked for only there, and a new one takes the
//! bucket's empty or expired slot, else its oldest. So a request costs one hash, one
//! short lock (the table is split into shards) and one bucket read — no map probe, no
//! expiry queue, nothing allocated — and expired nonces need no sweeping: an expired
//! slot is free.
//!
//! A new nonce is taken for a replay by mistake only if its 64-bit hash equals a
//! remembered one (which then sits in the same bucket): with the table full, a
//! probability of about 2^19 in 2^64, one in 35 trillion requests.
//!
//! A bucket holds the eight newest nonces that fall in it: with fewer than about 100 000
//! nonces in the window, an earlier one is forgotten before its 30 minutes with a
//! probability below one in 10^4 (its bucket would need eight newer ones); when
//! requests come faster, the oldest are forgotten first (documented in the README's
//! limits table).

use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use crate::clock::Millis;

/// How long a nonce is remembered (the timestamp window is ±15 minutes).
pub const NONCE_TTL: Millis = 30 * 60 * 1000;

/// At most this many nonces are remembered: the slots of the table.
pub const MAX_NONCES: usize = 1 << 19;

/// The longest `SignatureNonce` accepted (the SDKs send 32 or 64 characters).
pub const MAX_NONCE_LEN: usize = 256;

/// Slots per bucket: a nonce can only be in its bucket's.
pub const WAYS: usize = 8;

const SHARDS: usize = 16;

/// Buckets per shard (a power of two).
const SHARD_BUCKETS: usize = MAX_NONCES / WAYS / SHARDS;

/// A shard's slots: a hash (0: empty) and when it was first seen (as `u64` bits, so the
/// table is plain zeroed words).
struct Shard {
    slots: Box<[[u64; 2]]>,
}

impl Default for Shard {
    fn default() -> Self {
        Shard {
            // Zeroed: the allocator maps fresh pages, resident only once written.
            slots: vec![[0u64; 2]; SHARD_BUCKETS * WAYS].into_boxed_slice(),
        }
    }
}

impl Shard {
    /// Record `hash` at `now` in its bucket; `false` if it is there and fresh.
    fn use_once(&mut self, hash: u64, now: Millis) -> bool {
        let bucket = (hash as usize) % SHARD_BUCKETS;
        let slots = &mut self.slots[bucket * WAYS..][..WAYS];
        // The slot to take: this hash's own (expired), an empty or expired one, or the
        // oldest.
        let mut victim = 0;
        let mut victim_at = Millis::MAX;
        for (way, &[seen, at]) in slots.iter().enumerate() {
            let at = at as Millis;
            let fresh = seen != 0 && now - at < NONCE_TTL;
            if seen == hash {
                if fresh {
                    return false;
                }
                victim = way;
                break;
            }
            let age_key = if fresh { at } else { Millis::MIN };
            if age_key < victim_at {
                (victim, victim_at) = (way, age_key);
            }
        }
        slots[victim] = [hash, now as u64];
        true
    }

    /// Slots holding a nonce still fresh at `now`.
    fn fresh(&self, now: Millis) -> usize {
        self.slots
            .iter()
            .filter(|&&[hash, at]| hash != 0 && now - (at as Millis) < NONCE_TTL)
            .count()
    }
}

/// The nonce cache.
pub struct Nonces {
    shards: Vec<Mutex<Shard>>,
    key: foldhash::quality::RandomState,
}

impl Default for Nonces {
    fn default() -> Self {
        Nonces {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            key: Default::default(),
        }
    }
}

impl Nonces {
    /// The keyed hash of a pair, never 0 (the empty slot).
    fn hash(&self, key_id: &str, nonce: &str) -> u64 {
        let mut h = self.key.build_hasher();
        h.write(key_id.as_bytes());
        h.write_u8(0xff);
        h.write(nonce.as_bytes());
        h.finish().max(1)
    }

    fn shard(&self, hash: u64) -> std::sync::MutexGuard<'_, Shard> {
        // The top bits choose the shard, the low bits the bucket.
        self.shards[(hash >> 60) as usize % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Record a nonce at `now`; `false` if it was seen within the replay window.
    pub fn use_once(&self, key_id: &str, nonce: &str, now: Millis) -> bool {
        let hash = self.hash(key_id, nonce);
        self.shard(hash).use_once(hash, now)
    }

    /// How many nonces are remembered at `now` (used within the window before it).
    pub fn remembered(&self, now: Millis) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).fresh(now))
            .sum()
    }

    /// Forget everything (`/_mock/reset`).
    pub fn clear(&self) {
        for s in &self.shards {
            *s.lock().unwrap_or_else(|e| e.into_inner()) = Shard::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_refused_within_the_window_and_accepted_after() {
        let n = Nonces::default();
        assert!(n.use_once("test", "abc", 0));
        assert!(!n.use_once("test", "abc", NONCE_TTL - 1));
        assert!(n.use_once("other", "abc", 1), "nonces are per access key");
        assert!(n.use_once("test", "abc", NONCE_TTL + 1), "expired");
        assert!(!n.use_once("test", "abc", NONCE_TTL + 2));
    }

    #[test]
    fn expired_nonces_are_forgotten() {
        let n = Nonces::default();
        for i in 0..10_000 {
            assert!(n.use_once("test", &i.to_string(), i));
        }
        assert_eq!(n.remembered(10_000), 10_000);
        // Much later, none of them is remembered, and each may be used again.
        for i in 0..1_000 {
            assert!(n.use_once("test", &format!("late-{i}"), 10 * NONCE_TTL));
        }
        assert_eq!(n.remembered(10 * NONCE_TTL), 1_000);
        assert!(n.use_once("test", "7", 10 * NONCE_TTL));
        assert!(!n.use_once("test", "7", 10 * NONCE_TTL + 1));
    }

    #[test]
    fn a_full_table_forgets_its_oldest() {
        let n = Nonces::default();
        let total = MAX_NONCES + 5_000;
        for i in 0..total {
            n.use_once("k", &i.to_string(), 0);
        }
        assert!(
            n.remembered(1) <= MAX_NONCES,
            "bounded: {}",
            n.remembered(1)
        );
        // The most recent nonce is still remembered.
        assert!(!n.use_once("k", &(total - 1).to_string(), 1));
    }

    /// Hashes that all fall in bucket 5 of a shard.
    fn same_bucket(k: usize) -> u64 {
        (5 + k * SHARD_BUCKETS) as u64
    }

    #[test]
    fn a_full_bucket_forgets_its_oldest_nonce_first() {
        let mut shard = Shard::default();
        for k in 0..WAYS {
            assert!(shard.use_once(same_bucket(k), 100 + k as Millis));
        }
        // A ninth nonce in the bucket takes the oldest one's slot.
        assert!(shard.use_once(same_bucket(WAYS), 200));
        assert!(
            shard.use_once(same_bucket(0), 201),
            "the oldest was forgotten"
        );
        // That took the then oldest slot (the second nonce's); the others are kept.
        assert!(
            shard.use_once(same_bucket(1), 202),
            "the next oldest was forgotten"
        );
        for k in 3..=WAYS {
            assert!(
                !shard.use_once(same_bucket(k), 203),
                "nonce {k} is remembered"
            );
        }
        assert_eq!(shard.fresh(203), WAYS);
    }

    #[test]
    fn an_expired_slot_is_taken_before_the_oldest_fresh_one() {
        let mut shard = Shard::default();
        assert!(shard.use_once(same_bucket(0), 0));
        for k in 1..WAYS {
            assert!(shard.use_once(same_bucket(k), NONCE_TTL + k as Millis));
        }
        // Nonce 0 has expired: the ninth takes its slot, and all the fresh ones stay.
        assert!(shard.use_once(same_bucket(WAYS), NONCE_TTL + 50));
        for k in 1..=WAYS {
            assert!(!shard.use_once(same_bucket(k), NONCE_TTL + 60), "nonce {k}");
        }
    }

    #[test]
    fn no_pair_hashes_to_the_empty_slot() {
        let n = Nonces::default();
        for i in 0..10_000 {
            assert_ne!(n.hash("k", &i.to_string()), 0);
        }
    }
}
