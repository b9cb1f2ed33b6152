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

/// Shared copies this thread took from the table lately (at most this many).
const NEAR: usize = 32;

thread_local! {
    /// The table's copies this thread asked for lately, so a text asked for again
    /// (a region, a tag key, on every instance of a large fixture) takes no lock.
    static LATELY: RefCell<(Vec<Sym>, usize)> = const { RefCell::new((Vec::new(), 0)) };
}

impl Sym {
    /// The shared copy of `text`.
    pub fn new(text: &str) -> Self {
        let near = LATELY.with(|cell| {
            let lately = cell.borrow();
            lately
                .0
                .iter()
                .find(|s| same_bytes(s.0.as_bytes(), text.as_bytes()))
                .cloned()
        });
        if let Some(s) = near {
            return s;
        }
        let shared = Sym::from_table(text);
        if let Some(s) = &shared {
            LATELY.with(|cell| {
                let (lately, next) = &mut *cell.borrow_mut();
                if lately.len() < NEAR {
                    lately.push(s.clone());
                } else {
                    lately[*next] = s.clone();
                    *next = (*next + 1) % NEAR;
                }
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
        let lately = LATELY.with(|cell| cell.borrow().0.len());
        assert_eq!(lately, NEAR);
    }
}
