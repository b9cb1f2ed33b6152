//! Each instance's DescribeInstances object, rendered once as JSON and reused by every
//! page that shows it until the instance changes.
//!
//! An [`Instance`](crate::ecs::model::Instance) carries a [`RenderCache`]: an optional
//! shared [`Slot`] that the first JSON page showing the instance fills, outside the
//! state lock, with the object's bytes. Later pages copy those bytes instead of cloning
//! the instance under the lock and serializing it again. Every way of changing an
//! instance in the [`World`](crate::ecs::world::World) (`instance_mut`, settling a due
//! transition, inserting, restoring, replacing) drops its slot, so a page can only ever
//! show bytes rendered from the instance as it is; a page that rendered from a copy
//! taken before a change fills the old slot, which nothing refers to any more.
//!
//! All slots together hold at most [`BUDGET`] bytes: past it, pages render instances
//! each time (correct, only slower), which keeps memory flat with a million instances.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

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

/// An instance's slot, if it has one. Clones share the slot (a page holds it while it
/// renders); equality ignores it (it is derived data).
#[derive(Default, Clone)]
pub struct RenderCache(Option<Arc<Slot>>);

impl RenderCache {
    /// The slot to read or fill, created on first use; `None` once the budget is
    /// spent and no slot exists yet (the page then renders the instance itself).
    pub fn slot(&mut self) -> Option<Arc<Slot>> {
        if self.0.is_none() && held() < BUDGET {
            self.0 = Some(Arc::default());
        }
        self.0.clone()
    }

    /// Forget the rendered bytes (the instance changed).
    pub fn clear(&mut self) {
        self.0 = None;
    }
}

impl PartialEq for RenderCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for RenderCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filled = self.0.as_ref().is_some_and(|s| s.get().is_some());
        write!(
            f,
            "RenderCache({})",
            if filled { "filled" } else { "empty" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_shared_by_clones_and_dropped_by_clear() {
        let mut cache = RenderCache::default();
        let slot = cache.slot().expect("budget free");
        slot.fill(serde_json::value::to_raw_value(&serde_json::json!({"A": 1})).unwrap());
        let copy = cache.clone();
        assert_eq!(
            copy.0.as_ref().and_then(|s| s.get()).map(RawValue::get),
            Some(r#"{"A":1}"#)
        );
        cache.clear();
        assert!(format!("{cache:?}").contains("empty"));
        assert!(cache.slot().unwrap().get().is_none());
    }
}
