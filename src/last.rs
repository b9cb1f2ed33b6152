//! The last value a thread made, kept with what it was made from: a per-thread cache of
//! one entry, for work that successive requests repeat with the same input (keying
//! HMAC-SHA1 with one secret, parsing one second's timestamp, resolving one access
//! key).
//!
//! ```ignore
//! thread_local! {
//!     static LAST: Last<Box<str>, Hmac<Sha1>> = const { Last::new() };
//! }
//! let mac = LAST.with(|last| last.get_or(|kept| **kept == *secret, || (secret.into(), keyed(secret))));
//! ```

use std::cell::RefCell;

/// One value and the key it was made from.
pub struct Last<K, V>(RefCell<Option<(K, V)>>);

impl<K, V: Clone> Last<K, V> {
    /// Nothing kept yet.
    pub const fn new() -> Self {
        Last(RefCell::new(None))
    }

    /// A copy of the kept value when `same` holds for its key, else the value of
    /// `make()`, which is kept with its key in place of the one before.
    pub fn get_or(&self, same: impl FnOnce(&K) -> bool, make: impl FnOnce() -> (K, V)) -> V {
        if let Some((key, value)) = &*self.0.borrow() {
            if same(key) {
                return value.clone();
            }
        }
        let (key, value) = make();
        *self.0.borrow_mut() = Some((key, value.clone()));
        value
    }
}

impl<K, V: Clone> Default for Last<K, V> {
    fn default() -> Self {
        Last::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_made_once_per_run_of_one_key() {
        let last: Last<u32, String> = Last::new();
        let mut made = Vec::new();
        for key in [1, 1, 2, 2, 2, 1, 3] {
            let value = last.get_or(
                |&kept| kept == key,
                || {
                    made.push(key);
                    (key, format!("v{key}"))
                },
            );
            assert_eq!(value, format!("v{key}"));
        }
        assert_eq!(made, [1, 2, 1, 3]);
    }
}
