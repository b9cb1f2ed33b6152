//! Interned strings for values that repeat across instances (tag keys and values):
//! each distinct text is allocated once per process and shared.
//!
//! A [`Sym`] reads like a `&str` (it derefs to one, compares with strings, is written
//! and read as a JSON string). The table only grows, within a bound: past
//! [`MAX_SYMBOLS`] distinct texts, new ones are allocated per use instead of shared, so
//! unique values (a tag per instance) cannot grow it without limit.
//!
//! [`Sym::unshared`] makes a `Sym` outside the table, for a value unique to one thing
//! (an instance id): one allocation that the instance, its map key and its index entry
//! share by reference count.
//!
//! The table is read under a shared lock (a text seen before, the common case while a
//! large fixture loads on every core) and written under the exclusive one only for a
//! new text; each thread also keeps the shared copies it took lately and hands those
//! out again without the lock. [`CowStr`] reads a string borrowed from the input when
//! it can.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, RwLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ecs::instance_scan::same_bytes;

/// Distinct texts shared at most.
pub const MAX_SYMBOLS: usize = 1 << 16;

static TABLE: LazyLock<RwLock<crate::ecs::world::FastSet<Arc<str>>>> =
    LazyLock::new(RwLock::default);

/// An interned string (see the module docs).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sym(Arc<str>);

/// Sets of the thread's cache of table copies ([`LATELY`]), two copies each.
const SETS: usize = 32;
/// Shared copies this thread keeps from the table (at most this many).
const NEAR: usize = 2 * SETS;

thread_local! {
    /// The table's copies this thread asked for lately, so a text asked for again
    /// (a region, a tag key, on every instance of a large fixture) takes no lock: two
    /// per set, the newer first, a text only ever in its own set ([`set_of`]), so
    /// finding it is one or two comparisons.
    static LATELY: RefCell<[Option<Sym>; NEAR]> = const { RefCell::new([const { None }; NEAR]) };
}

/// The first of the two [`LATELY`] slots of `text`'s set: a cheap mix of its length
/// and its first and last eight bytes (texts that differ anywhere in a short text, or
/// at either end of a long one, mostly fall in different sets).
fn set_of(text: &[u8]) -> usize {
    let n = text.len();
    let ends = if n >= 8 {
        let word =
            |at: usize| u64::from_le_bytes(text[at..at + 8].try_into().expect("eight bytes"));
        word(0) ^ word(n - 8).rotate_left(32)
    } else {
        text.iter().fold(0u64, |h, &c| h << 8 | u64::from(c))
    };
    let mixed = (ends ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // The top bits of the product depend on every bit of the mix.
    2 * (mixed >> (64 - SETS.trailing_zeros())) as usize
}

impl Sym {
    /// The shared copy of `text`.
    pub fn new(text: &str) -> Self {
        let set = set_of(text.as_bytes());
        let near = LATELY.with(|cell| {
            let mut lately = cell.borrow_mut();
            let way = lately[set..set + 2].iter().position(|s| {
                s.as_ref()
                    .is_some_and(|s| same_bytes(s.0.as_bytes(), text.as_bytes()))
            })?;
            // The one found is now the newer of the two.
            lately.swap(set, set + way);
            lately[set].clone()
        });
        if let Some(s) = near {
            return s;
        }
        let shared = Sym::from_table(text);
        if let Some(s) = &shared {
            LATELY.with(|cell| {
                let mut lately = cell.borrow_mut();
                // The older of the set's two gives way.
                lately[set + 1] = lately[set].take();
                lately[set] = Some(s.clone());
            });
        }
        shared.unwrap_or_else(|| Sym(Arc::from(text)))
    }

    /// The table's copy of `text`, added if there is room; `None` when the table is
    /// full and lacks it.
    fn from_table(text: &str) -> Option<Self> {
        {
            let table = TABLE.read().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = table.get(text) {
                return Some(Sym(s.clone()));
            }
            if table.len() >= MAX_SYMBOLS {
                // Full: a new text is not shared, and needs no exclusive lock.
                return None;
            }
        }
        let mut table = TABLE.write().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = table.get(text) {
            return Some(Sym(s.clone()));
        }
        if table.len() >= MAX_SYMBOLS {
            return None;
        }
        let s: Arc<str> = Arc::from(text);
        table.insert(s.clone());
        Some(Sym(s))
    }

    /// A string of its own, not interned: for values unique to one thing (an instance
    /// id), shared by reference count between the maps and indexes that hold it.
    pub fn unshared(text: &str) -> Self {
        Sym(Arc::from(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Self {
        Sym::new(s)
    }
}

impl From<String> for Sym {
    fn from(s: String) -> Self {
        Sym::new(&s)
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Sym {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Sym> for String {
    fn eq(&self, other: &Sym) -> bool {
        self.as_str() == &*other.0
    }
}

impl PartialEq<Sym> for &str {
    fn eq(&self, other: &Sym) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Sym> for str {
    fn eq(&self, other: &Sym) -> bool {
        self == &*other.0
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Sym {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sym {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = CowStr::deserialize(d)?;
        Ok(Sym::new(&s.0))
    }
}

/// A string read from the input: borrowed when the input has it as is (JSON text
/// without escapes), owned otherwise. (`Cow<str>`'s own `Deserialize` always copies.)
#[derive(Default)]
pub struct CowStr<'de>(pub Cow<'de, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a str>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = CowStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_allocation() {
        let a = Sym::new("env");
        let b: Sym = serde_json::from_str("\"env\"").unwrap();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "env");
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"env\"");
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn texts_asked_for_again_are_the_table_copies() {
        let texts: Vec<String> = (0..3 * NEAR).map(|n| format!("sym-test-{n}")).collect();
        for _ in 0..3 {
            for t in &texts {
                let a = Sym::new(t);
                let table = TABLE.read().unwrap();
                assert!(Arc::ptr_eq(&a.0, table.get(t.as_str()).unwrap()), "{t}");
            }
        }
        // The thread keeps at most NEAR copies, the last one asked for among them.
        let last = texts.last().unwrap();
        let (kept, has_last) = LATELY.with(|cell| {
            let lately = cell.borrow();
            let kept = lately.iter().flatten().count();
            (kept, lately.iter().flatten().any(|s| s == last))
        });
        assert!(kept > NEAR / 2 && kept <= NEAR, "{kept}");
        assert!(has_last);
    }

    #[test]
    fn texts_that_differ_anywhere_are_mostly_in_other_sets() {
        let texts = [
            "ecs.g7.large",
            "ecs.c7.large",
            "ecs.g7.xlarge",
            "cn-hangzhou-h",
            "cn-hangzhou-i",
            "team-1",
            "team-2",
            "dev",
            "env",
            "",
        ];
        for t in texts {
            assert!(set_of(t.as_bytes()) + 1 < NEAR && set_of(t.as_bytes()).is_multiple_of(2));
        }
        let sets: std::collections::HashSet<usize> =
            texts.iter().map(|t| set_of(t.as_bytes())).collect();
        assert!(sets.len() >= 6, "{sets:?}");
    }
}
