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
//! new text. [`CowStr`] reads a string borrowed from the input when it can.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, RwLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Distinct texts shared at most.
pub const MAX_SYMBOLS: usize = 1 << 16;

static TABLE: LazyLock<RwLock<crate::ecs::world::FastSet<Arc<str>>>> =
    LazyLock::new(RwLock::default);

/// An interned string (see the module docs).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sym(Arc<str>);

impl Sym {
    /// The shared copy of `text`.
    pub fn new(text: &str) -> Self {
        {
            let table = TABLE.read().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = table.get(text) {
                return Sym(s.clone());
            }
            if table.len() >= MAX_SYMBOLS {
                // Full: a new text is not shared, and needs no exclusive lock.
                return Sym(Arc::from(text));
            }
        }
        let mut table = TABLE.write().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = table.get(text) {
            return Sym(s.clone());
        }
        let s: Arc<str> = Arc::from(text);
        if table.len() < MAX_SYMBOLS {
            table.insert(s.clone());
        }
        Sym(s)
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
}
