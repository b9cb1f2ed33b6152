//! Replay protection: the signature nonces seen in the last 30 minutes, bounded in time
//! per request and in memory.
//!
//! Each (access key, nonce) pair is remembered as a 64-bit keyed hash (foldhash with a
//! random seed) with the time it was first seen: 16 bytes in the map and 16 in the
//! queue, so a full cache holds about 13 MiB (the map's spare room included), half of
//! what the 128-bit hashes it held before took, and misses the CPU caches less. Two different nonces share a hash with a probability of about one in
//! 2^46 per request at the full count (one in 70 trillion requests is refused as a
//! replay by mistake). Entries expire in arrival order from a queue, a few per
//! request, so expiry is O(1) amortized and no
//! request ever scans the whole set. The set is split into shards by hash, each behind
//! its own short lock. When a shard is full, its oldest entry is forgotten early: replay
//! protection then covers the most recent [`MAX_NONCES`] nonces rather than the whole
//! window (documented in the README's limits table).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use crate::clock::Millis;

/// How long a nonce is remembered (the timestamp window is ±15 minutes).
pub const NONCE_TTL: Millis = 30 * 60 * 1000;

/// At most this many nonces are remembered (about 50 bytes each: the hash map with its
/// spare room, and the queue).
pub const MAX_NONCES: usize = 1 << 18;

/// The longest `SignatureNonce` accepted (the SDKs send 32 or 64 characters).
pub const MAX_NONCE_LEN: usize = 256;

const SHARDS: usize = 16;

#[derive(Default)]
struct Shard {
    /// Hash → when first seen (the keys are keyed hashes already: a fast hasher).
    seen: HashMap<u64, Millis, foldhash::fast::RandomState>,
    /// Hashes in arrival order, for expiry.
    order: VecDeque<(Millis, u64)>,
}

impl Shard {
    /// Forget what expired, oldest first, and the oldest beyond `cap`.
    fn expire(&mut self, now: Millis, cap: usize) {
        while let Some(&(at, hash)) = self.order.front() {
            if now - at < NONCE_TTL && self.order.len() < cap {
                break;
            }
            self.order.pop_front();
            // Only drop the map entry if it still belongs to this queue slot.
            if let Entry::Occupied(seen) = self.seen.entry(hash) {
                if *seen.get() == at {
                    seen.remove();
                }
            }
        }
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
    fn hash(&self, key_id: &str, nonce: &str) -> u64 {
        let mut h = self.key.build_hasher();
        h.write(key_id.as_bytes());
        h.write_u8(0xff);
        h.write(nonce.as_bytes());
        h.finish()
    }

    fn shard(&self, hash: u64) -> std::sync::MutexGuard<'_, Shard> {
        // The top bits choose the shard; the map's own hasher mixes the rest again.
        self.shards[(hash >> 60) as usize % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Record a nonce at `now`; `false` if it was seen within the replay window.
    pub fn use_once(&self, key_id: &str, nonce: &str, now: Millis) -> bool {
        let hash = self.hash(key_id, nonce);
        let mut shard = self.shard(hash);
        shard.expire(now, MAX_NONCES / SHARDS);
        // One probe of the map: found and still fresh, or (re)placed.
        match shard.seen.entry(hash) {
            Entry::Occupied(seen) if now - *seen.get() < NONCE_TTL => return false,
            Entry::Occupied(mut seen) => {
                seen.insert(now);
            }
            Entry::Vacant(slot) => {
                slot.insert(now);
            }
        }
        shard.order.push_back((now, hash));
        true
    }

    /// How many nonces are remembered.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).seen.len())
            .sum()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    fn expiry_keeps_the_set_small() {
        let n = Nonces::default();
        for i in 0..10_000 {
            assert!(n.use_once("test", &i.to_string(), i));
        }
        // Much later, each shard drops its expired entries as it is used.
        for i in 0..1_000 {
            n.use_once("test", &format!("late-{i}"), 10 * NONCE_TTL);
        }
        assert!(n.len() <= 1_000, "expired nonces were dropped: {}", n.len());
    }

    #[test]
    fn a_full_shard_forgets_its_oldest() {
        let n = Nonces::default();
        let total = MAX_NONCES + 5_000;
        for i in 0..total {
            n.use_once("k", &i.to_string(), 0);
        }
        assert!(n.len() <= MAX_NONCES, "bounded: {}", n.len());
        // The most recent nonce is still remembered.
        assert!(!n.use_once("k", &(total - 1).to_string(), 1));
    }
}
