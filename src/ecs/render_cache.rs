//! Each instance's DescribeInstances object, rendered once as JSON and reused by every
//! page that shows it until the instance changes.
//!
//! The [`World`](crate::ecs::world::World) keeps a shared [`Slot`] per instance shown on
//! a page, which the first JSON page showing the instance fills, outside the state
//! lock, with the object's bytes. Later pages copy those bytes instead of serializing
//! the instance again. Every way of changing an instance in the world (`instance_mut`,
//! settling a due transition, inserting, restoring, replacing, removing) drops its
//! slot, so a page can only ever show bytes rendered from the instance as it is; a page
//! that rendered from a copy taken before a change fills the old slot, which nothing
//! refers to any more.
//!
//! All slots together hold at most [`BUDGET`] bytes: past it, pages render instances
//! each time (correct, only slower), which keeps memory flat with a million instances.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde_json::value::RawValue;

/// The most bytes all filled slots may hold together.
pub const BUDGET: usize = 48 << 20;

/// Bytes held by filled slots (process-wide: slots of every world count).
static HELD: AtomicUsize = AtomicUsize::new(0);

/// Bytes currently held by all filled slots.
pub fn held() -> usize {
    HELD.load(Ordering::Relaxed)
}

/// The rendered JSON object of one instance, once filled.
#[derive(Default)]
pub struct Slot(OnceLock<Rendered>);

/// Filled bytes, counted in [`HELD`] while they live.
struct Rendered(Box<RawValue>);

impl Drop for Rendered {
    fn drop(&mut self) {
        HELD.fetch_sub(self.0.get().len(), Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let filled = if self.get().is_some() {
            "filled"
        } else {
            "empty"
        };
        write!(f, "Slot({filled})")
    }
}

impl Slot {
    /// The rendered object, if a page filled it.
    pub fn get(&self) -> Option<&RawValue> {
        self.0.get().map(|r| &*r.0)
    }

    /// Keep `raw` when the budget allows (another page may have filled the slot first;
    /// both rendered the same instance, so either is right).
    pub fn fill(&self, raw: Box<RawValue>) {
        let len = raw.get().len();
        if HELD.fetch_add(len, Ordering::Relaxed) + len > BUDGET {
            HELD.fetch_sub(len, Ordering::Relaxed);
            return;
        }
        // Counted above; a lost race drops `Rendered`, which gives the count back.
        let _ = self.0.set(Rendered(raw));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_slot_counts_its_bytes_until_dropped() {
        let slot = Slot::default();
        assert!(slot.get().is_none());
        slot.fill(serde_json::value::to_raw_value(&serde_json::json!({"A": 1})).unwrap());
        assert_eq!(slot.get().map(RawValue::get), Some(r#"{"A":1}"#));
        assert!(held() >= 7);
    }
}
