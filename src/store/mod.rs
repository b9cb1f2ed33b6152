//! The state behind one small facade: the world under a lock, the loaded fixtures for
//! reset, the clock, the timing profile and the nonce cache.
//!
//! [`Store`] is a cheap `Clone` handle (`Arc` inside). The world sits behind one
//! `Mutex` because the invariants that matter — stock, quota, all-or-nothing batches,
//! exactly one winner among concurrent StartInstance calls — span several entities;
//! critical sections are short and never cross an `.await`. Replay protection uses a
//! sharded, bounded cache of recent nonces ([`nonces`]), outside that lock.

pub mod fixtures;
pub mod nonces;

use std::sync::{Arc, Mutex, MutexGuard};

use crate::clock::{system_now, Clock, Millis};
use crate::ecs::catalog::Fixture;
use crate::ecs::world::World;
use crate::timing::Timing;
use fixtures::FixtureError;
use nonces::Nonces;

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
}

impl Store {
    /// A store holding `fixture` (validated by the caller or by [`fixtures`]).
    pub fn new(fixture: Fixture, clock: Clock, timing: Timing) -> Self {
        let world = World::from_fixture(fixture.clone(), clock.now(), &timing);
        Store {
            inner: Arc::new(Inner {
                world: Mutex::new(world),
                loaded: fixture,
                clock,
                timing,
                nonces: Nonces::default(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic inside a critical section cannot leave half-applied state behind a
        // poisoned flag forever: actions validate before they mutate.
        self.inner.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` with exclusive access to the world.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.lock())
    }

    /// The emulator clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The emulator clock's reading.
    pub fn now(&self) -> Millis {
        self.inner.clock.now()
    }

    /// Transition durations.
    pub fn timing(&self) -> &Timing {
        &self.inner.timing
    }

    /// Back to the fixtures loaded at startup.
    pub fn reset(&self) {
        let world = World::from_fixture(self.inner.loaded.clone(), self.now(), &self.inner.timing);
        *self.lock() = world;
        self.inner.nonces.clear();
    }

    /// The whole state in fixture format.
    pub fn dump(&self) -> Fixture {
        let now = self.now();
        let mut w = self.lock();
        w.settle_all(now);
        w.to_fixture()
    }

    /// Replace the state with a fixture document (validated first).
    pub fn replace(&self, mut fixture: Fixture, source: &str) -> Result<(), FixtureError> {
        fixtures::complete(&mut fixture);
        fixtures::validate(source, &fixture)?;
        let world = World::from_fixture(fixture, self.now(), &self.inner.timing);
        *self.lock() = world;
        Ok(())
    }

    /// Record a signature nonce; `false` if it was used within the replay window.
    pub fn use_nonce(&self, access_key_id: &str, nonce: &str) -> bool {
        self.inner
            .nonces
            .use_once(access_key_id, nonce, system_now())
    }
}
