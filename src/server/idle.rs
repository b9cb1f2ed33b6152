//! The idle timeout of one connection: how long the server waits for client bytes.
//!
//! The clock runs only while the server waits for the client: for a request (a fresh or
//! kept-alive connection), for the rest of a head, or for body bytes the handler is
//! reading. While a request is being handled and its body is not being read — a slow
//! answer — it is stopped: [`InFlight`] marks those requests. Every byte read and every
//! byte written counts as activity, so the wait for the next request starts when the
//! previous answer has been written. Moving bytes only marks the timer; the clock is read
//! when the server next waits for the client, which is when the silence starts (one
//! clock reading per request instead of one per read and per write).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Context;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// Whether a request on this connection is with the handler (shared by the connection's
/// adapter and its service; both run in the connection's task).
#[derive(Debug, Clone, Default)]
pub(crate) struct InFlight(Arc<AtomicBool>);

impl InFlight {
    /// Mark a request as being handled until the returned guard is dropped.
    pub(crate) fn enter(&self) -> InFlightGuard {
        self.0.store(true, Ordering::Relaxed);
        InFlightGuard(self.0.clone())
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Clears [`InFlight`] when the handler's future ends (answered or dropped).
pub(crate) struct InFlightGuard(Arc<AtomicBool>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// The deadline of one connection.
pub(crate) struct IdleTimer {
    timeout: Duration,
    in_flight: InFlight,
    /// When the server started waiting for the client after the last bytes moved.
    last: Instant,
    /// Bytes moved since `last` was set: the wait starts again at the next check.
    moved: bool,
    /// Wakes the connection's task at `last + timeout` or earlier; moved on lazily when
    /// it fires early, so a request costs clock reads, not timer updates.
    sleep: Pin<Box<Sleep>>,
}

impl IdleTimer {
    /// A timer of `timeout`, stopped while `in_flight` says a request is being handled.
    pub(crate) fn new(timeout: Duration, in_flight: InFlight) -> Self {
        let now = Instant::now();
        IdleTimer {
            timeout,
            in_flight,
            last: now,
            moved: false,
            sleep: Box::pin(tokio::time::sleep_until(now + timeout)),
        }
    }

    /// The timeout.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Bytes moved: the wait starts again when the server next waits for the client.
    pub(crate) fn touch(&mut self) {
        self.moved = true;
    }

    /// Whether the client has been silent for the whole timeout while the server waited
    /// for it; otherwise the task is woken when that may become true. `reading_body`:
    /// the bytes waited for belong to a request body (its handler is reading it).
    pub(crate) fn expired(&mut self, cx: &mut Context<'_>, reading_body: bool) -> bool {
        // A request is being handled: its answer is no client silence. The wait starts
        // again once it is written; until then the task is woken once per timeout to
        // look again (hyper may not read again by itself). Bytes moved since the last
        // look: the server waits for the client from now on.
        if std::mem::take(&mut self.moved) || (self.in_flight.get() && !reading_body) {
            self.last = Instant::now();
        }
        loop {
            let deadline = self.last + self.timeout;
            // The sleep only ever lags behind the deadline (`last` only moves on): it
            // is moved when it fires early, not on every request.
            debug_assert!(self.sleep.deadline() <= deadline);
            if self.sleep.as_mut().poll(cx).is_pending() {
                return false;
            }
            if deadline <= Instant::now() {
                return true;
            }
            self.sleep.as_mut().reset(deadline);
        }
    }
}
