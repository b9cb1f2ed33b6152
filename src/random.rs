//! The emulator's randomness: the operating system's, or one seeded sequence per use.
//!
//! Everything random a client can see — instance, disk and ENI ids, MAC and private
//! IPs, serial numbers, request ids, throwaway account keys, probabilistic faults —
//! is drawn through [`Random`]. Without a seed it uses `rand::thread_rng`. With
//! `--seed N` each [`Stream`] is its own ChaCha8 generator seeded from `N` and the
//! stream, so the same sequence of calls gives the same values in every run, and one
//! kind of draw does not shift another (adding a probabilistic fault leaves the next
//! instance id unchanged). ChaCha8's output is fixed by its specification (unlike
//! `StdRng`'s, which may change between `rand` releases). [`Random::restart`]
//! (`POST /_mock/reset`) starts every stream again.

use std::sync::Mutex;

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a value is drawn for: each stream of a seeded [`Random`] is independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Resource ids, addresses and serial numbers of new instances.
    Resources,
    /// Request ids of ECS answers.
    RequestIds,
    /// Throwaway account ids and keys.
    Accounts,
    /// Probability rolls of faults.
    Faults,
}

impl Stream {
    const ALL: [Stream; 4] = [
        Stream::Resources,
        Stream::RequestIds,
        Stream::Accounts,
        Stream::Faults,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// A request id, an upper-case hyphenated UUID, held inline: every answer makes one,
/// and the journal keeps it, without an allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId([u8; uuid::fmt::Hyphenated::LENGTH]);

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        // SAFETY: only `Random::request_id` makes one, from `encode_upper`'s ASCII.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

impl std::ops::Deref for RequestId {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for RequestId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Real or seeded randomness (see the module docs).
#[derive(Debug)]
pub struct Random {
    seed: Option<u64>,
    /// One generator per [`Stream`] when seeded; empty otherwise.
    streams: Vec<Mutex<ChaCha8Rng>>,
}

impl Default for Random {
    fn default() -> Self {
        Random::real()
    }
}

fn stream_rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8] = stream.index() as u8 + 1;
    ChaCha8Rng::from_seed(key)
}

impl Random {
    /// The operating system's randomness.
    pub fn real() -> Self {
        Random {
            seed: None,
            streams: Vec::new(),
        }
    }

    /// Repeatable sequences from `seed`.
    pub fn seeded(seed: u64) -> Self {
        Random {
            seed: Some(seed),
            streams: Stream::ALL
                .iter()
                .map(|&s| Mutex::new(stream_rng(seed, s)))
                .collect(),
        }
    }

    /// `Some(seed)` when seeded.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// Start every stream again (no effect without a seed).
    pub fn restart(&self) {
        if let Some(seed) = self.seed {
            for (&s, m) in Stream::ALL.iter().zip(&self.streams) {
                *m.lock().unwrap_or_else(|e| e.into_inner()) = stream_rng(seed, s);
            }
        }
    }

    /// Draw from `stream` with `f`.
    pub fn with<R>(&self, stream: Stream, f: impl FnOnce(&mut dyn RngCore) -> R) -> R {
        match self.streams.get(stream.index()) {
            Some(m) => f(&mut *m.lock().unwrap_or_else(|e| e.into_inner())),
            None => f(&mut rand::thread_rng()),
        }
    }

    /// `len` characters of `alphabet`.
    pub fn string(&self, stream: Stream, alphabet: &[u8], len: usize) -> String {
        self.with(stream, |rng| {
            (0..len)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
                .collect()
        })
    }

    /// A version-4 UUID.
    pub fn uuid(&self, stream: Stream) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        self.with(stream, |rng| rng.fill_bytes(&mut bytes));
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A request id: an upper-case UUID.
    pub fn request_id(&self) -> RequestId {
        let mut id = RequestId([0; uuid::fmt::Hyphenated::LENGTH]);
        self.uuid(Stream::RequestIds)
            .hyphenated()
            .encode_upper(&mut id.0);
        id
    }

    /// `true` with probability `p` (no draw when `p >= 1`).
    pub fn chance(&self, stream: Stream, p: f64) -> bool {
        if p >= 1.0 {
            return true;
        }
        self.with(stream, |rng| rng.gen::<f64>() < p)
    }

    /// Where each seeded stream stands (to continue after a restart), or `None`.
    pub fn positions(&self) -> Option<Vec<u128>> {
        self.seed?;
        Some(
            self.streams
                .iter()
                .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()).get_word_pos())
                .collect(),
        )
    }

    /// Continue each seeded stream from a position [`Random::positions`] gave.
    pub fn set_positions(&self, positions: &[u128]) {
        for (m, &pos) in self.streams.iter().zip(positions) {
            m.lock()
                .unwrap_or_else(|e| e.into_inner())
                .set_word_pos(pos);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_repeats_and_streams_are_independent() {
        let a = Random::seeded(7);
        let b = Random::seeded(7);
        assert_eq!(a.request_id(), b.request_id());
        // Drawing from another stream does not shift this one.
        b.string(Stream::Faults, b"ab", 10);
        assert_eq!(a.request_id(), b.request_id());
        let first = Random::seeded(7).request_id();
        a.restart();
        assert_eq!(a.request_id(), first);
        assert_ne!(Random::seeded(8).request_id(), first);
        assert_ne!(Random::real().request_id(), Random::real().request_id());
    }

    #[test]
    fn positions_continue_a_sequence() {
        let a = Random::seeded(3);
        a.request_id();
        let pos = a.positions().expect("seeded");
        let next = a.request_id();
        let b = Random::seeded(3);
        b.set_positions(&pos);
        assert_eq!(b.request_id(), next);
        assert_eq!(Random::real().positions(), None);
    }

    #[test]
    fn request_ids_are_upper_case_v4_uuids() {
        let id = Random::seeded(1).request_id();
        let parsed = uuid::Uuid::parse_str(&id).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(id.as_str(), id.to_uppercase());
        assert_eq!(id.as_str(), parsed.to_string().to_uppercase());
        assert_eq!(
            format!("{id} {id:?}"),
            format!("{} {:?}", id.as_str(), id.as_str())
        );
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            serde_json::to_string(id.as_str()).unwrap()
        );
    }
}
