//! The state behind one small facade: the world under a lock, the loaded fixtures for
//! reset, the clock, the timing profile, the nonce cache, and the test controls —
//! randomness, fault rules, the request journal and persistence.
//!
//! [`Store`] is a cheap `Clone` handle (`Arc` inside). The world sits behind one
//! `Mutex` because the invariants that matter — stock, quota, all-or-nothing batches,
//! exactly one winner among concurrent StartInstance calls — span several entities;
//! critical sections are short and never cross an `.await`. Replay protection uses a
//! sharded, bounded cache of recent nonces ([`nonces`]), outside that lock. Fault
//! rules ([`faults`]) and the journal ([`journal`]) have their own small locks. With a
//! data dir ([`persist`]), [`Store::change`] queues a record of what its closure
//! changed before the world lock is released, and hands back a [`Ticket`] to wait on
//! (outside the lock) before answering.

pub mod faults;
pub mod fixtures;
pub mod journal;
mod key_cache;
pub mod nonces;
pub mod persist;
pub mod split;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::clock::{system_now, Clock, Millis};
use crate::ecs::catalog::Fixture;
use crate::ecs::world::{key_changes, KeyInfo, World};
use crate::random::Random;
use crate::timing::Timing;
use faults::Faults;
use fixtures::FixtureError;
use journal::Journal;
use nonces::Nonces;
use persist::{Persist, PersistError, Ticket};

/// Default number of requests the journal keeps.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;

/// Store options beyond the fixtures, clock and timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Seed of every random value (`None`: real randomness).
    pub seed: Option<u64>,
    /// Requests the journal keeps (0: no journal).
    pub journal_size: usize,
    /// Keep throwaway accounts across `POST /_mock/reset`.
    pub keep_accounts: bool,
    /// Persist the state in this folder.
    pub data_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: None,
            journal_size: DEFAULT_JOURNAL_SIZE,
            keep_accounts: false,
            data_dir: None,
        }
    }
}

/// Shared emulator state.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    world: Mutex<World>,
    /// The document the server started with, for `/_mock/reset`.
    loaded: Fixture,
    clock: Clock,
    timing: Timing,
    /// Recently seen (access key, nonce) pairs (system time).
    nonces: Nonces,
    /// Ids, addresses, request ids, account keys, fault rolls.
    random: Random,
    /// Fault rules of the control plane.
    faults: Faults,
    /// The newest requests received.
    journal: Journal,
    /// Whether a reset keeps throwaway accounts.
    keep_accounts: bool,
    /// The data dir, when the state is persisted.
    persist: Option<Persist>,
}

impl Store {
    /// A store holding `fixture` (validated by the caller or by [`fixtures`]), with the
    /// default [`Options`] (nothing persisted).
    pub fn new(fixture: Fixture, clock: Clock, timing: Timing) -> Self {
        Store::open(fixture, clock, timing, Options::default())
            .expect("a store without a data dir has nothing to open")
    }

    /// A store with `options`; with a data dir, the state it holds wins over `fixture`
    /// (which stays what a reset goes back to).
    pub fn open(
        fixture: Fixture,
        clock: Clock,
        timing: Timing,
        options: Options,
    ) -> Result<Self, PersistError> {
        let random = options.seed.map_or_else(Random::real, Random::seeded);
        let (world, persist) = match &options.data_dir {
            Some(dir) => {
                let (p, restored) = persist::open(dir, &fixture, clock.now(), &timing, &random)?;
                tracing::info!(
                    dir = %dir.display(),
                    records = restored.records,
                    torn = restored.torn,
                    instances = restored.world.instance_count(),
                    "state restored"
                );
                (restored.world, Some(p))
            }
            None => (World::from_fixture(&fixture, clock.now(), &timing), None),
        };
        Ok(Store {
            inner: Arc::new(Inner {
                world: Mutex::new(world),
                loaded: fixture,
                clock,
                timing,
                nonces: Nonces::default(),
                random,
                faults: Faults::default(),
                journal: Journal::new(options.journal_size),
                keep_accounts: options.keep_accounts,
                persist,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic inside a critical section cannot leave half-applied state behind a
        // poisoned flag forever: actions validate before they mutate.
        self.inner.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The access key `id`, read under the world's lock only when some key changed
    /// since this thread last read it: each thread keeps its own copy of the last key
    /// it resolved, valid until any key of the process changes.
    pub fn access_key(&self, id: &str) -> Option<Arc<KeyInfo>> {
        let store = Arc::as_ptr(&self.inner) as usize;
        key_cache::lookup(store, id, || {
            self.with_world(|w| (key_changes(), w.key(id).cloned()))
        })
    }

    /// Run `f` with exclusive access to the world (reads, and changes that need not
    /// be saved at once: what `f` changes is saved with the next [`Store::change`]).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.lock())
    }

    /// Run `f` with exclusive access to the world and, when the state is persisted,
    /// queue a record of what it changed. Wait on the ticket (outside any lock) before
    /// acknowledging the change.
    pub fn change<R>(&self, f: impl FnOnce(&mut World) -> R) -> (R, Option<Ticket>) {
        let mut w = self.lock();
        let r = f(&mut w);
        let ticket = self
            .inner
            .persist
            .as_ref()
            .and_then(|p| p.log_changes(&mut w, &self.inner.random));
        (r, ticket)
    }

    /// Wait until a change is on disk (no-op without a ticket).
    pub async fn durable(ticket: Option<Ticket>) -> Result<(), PersistError> {
        match ticket {
            Some(t) => t.wait().await,
            None => Ok(()),
        }
    }

    /// The emulator clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The emulator clock's reading.
    pub fn now(&self) -> Millis {
        self.inner.clock.now()
    }

    /// Emulator time when the system clock reads `system` ([`Clock::at`]).
    pub fn now_at(&self, system: Millis) -> Millis {
        self.inner.clock.at(system)
    }

    /// Transition durations.
    pub fn timing(&self) -> &Timing {
        &self.inner.timing
    }

    /// Randomness (seeded with `--seed`).
    pub fn random(&self) -> &Random {
        &self.inner.random
    }

    /// Fault rules.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// The request journal.
    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    /// Whether a reset keeps throwaway accounts.
    pub fn keeps_accounts(&self) -> bool {
        self.inner.keep_accounts
    }

    /// Whether the state is persisted.
    pub fn is_persistent(&self) -> bool {
        self.inner.persist.is_some()
    }

    /// Install `world` in place of the current one and, when persisted, snapshot it.
    fn install(&self, mut world: World) -> Option<Ticket> {
        let mut w = self.lock();
        let ticket = self.inner.persist.as_ref().map(|p| {
            world.track_changes();
            p.snapshot(&mut world, &self.inner.random)
        });
        *w = world;
        ticket
    }

    /// Back to the fixtures loaded at startup: the world (throwaway accounts stay
    /// with `--keep-accounts`, without their instances), nonces, fault rules, the
    /// journal and the random sequences.
    pub fn reset(&self) -> Option<Ticket> {
        let kept = match self.inner.keep_accounts {
            true => self.with_world(|w| w.throwaway_accounts()),
            false => Vec::new(),
        };
        let mut world = World::from_fixture(&self.inner.loaded, self.now(), &self.inner.timing);
        for account in kept {
            if world.account(&account.account_id).is_none() {
                world.adopt_account(account);
            }
        }
        self.inner.random.restart();
        self.inner.nonces.clear();
        self.inner.faults.clear();
        self.inner.journal.clear();
        self.install(world)
    }

    /// The whole state in fixture format.
    pub fn dump(&self) -> Fixture {
        let now = self.now();
        let mut w = self.lock();
        w.settle_all(now);
        w.to_fixture()
    }

    /// Replace the state with a fixture document (validated first).
    pub fn replace(
        &self,
        mut fixture: Fixture,
        source: &str,
    ) -> Result<Option<Ticket>, FixtureError> {
        fixtures::complete(&mut fixture);
        fixtures::validate(source, &fixture)?;
        let world = World::from_fixture(&fixture, self.now(), &self.inner.timing);
        Ok(self.install(world))
    }

    /// Record a signature nonce; `false` if it was used within the replay window.
    pub fn use_nonce(&self, access_key_id: &str, nonce: &str) -> bool {
        self.use_nonce_at(access_key_id, nonce, system_now())
    }

    /// [`Store::use_nonce`] at `now`, a reading of the system clock the caller has.
    pub fn use_nonce_at(&self, access_key_id: &str, nonce: &str, now: Millis) -> bool {
        self.inner.nonces.use_once(access_key_id, nonce, now)
    }
}
