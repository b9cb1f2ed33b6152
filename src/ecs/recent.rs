//! What the instances stored last on this thread had at each field position: the key
//! and where it goes, the values seen there lately with their fragment ids, and the
//! order the fields were encoded in.
//!
//! A large fixture's instances list the same keys in the same order, and most of their
//! values repeat (`ImageId`, an empty `EipAddress` …). [`Stored::from_texts`] checks a
//! field against what was at its position last time (comparing texts) before it hashes
//! and looks it up in the interner, and reuses the last encoding order when every key
//! is where it was. Fragment ids never change once given, so what is remembered stays
//! true; it is per thread, as instances are read on every core.
//!
//! [`Recent::known`] lets the instance scanner
//! ([`instance_scan`](crate::ecs::instance_scan)) take a value that starts with the
//! very text seen at its position lately without walking it: that text was read and
//! checked before, so it is the whole value, and the fragment it stands for is known.
//!
//! [`Stored::from_texts`]: crate::ecs::stored::Stored::from_texts

use std::cell::Cell;

use crate::ecs::instance_scan::{is_ws, same_bytes, MAX_DEPTH};

/// Values remembered per field position.
const VALUES: usize = 4;

/// Where a key goes: its key byte, key-name id and interner slot.
pub(crate) type Place = (u8, u32, u32);

/// One field position.
struct Position {
    key: Box<str>,
    place: Place,
    /// Input texts seen here under this key, their fragment ids, and whether the
    /// scanner may take the text without walking it ([`shallow`]).
    values: Vec<(Box<str>, u32, bool)>,
    /// The next of `values` to replace when full.
    next: usize,
}

/// See the module docs.
#[derive(Default)]
pub(crate) struct Recent {
    positions: Vec<Option<Position>>,
    /// The encoding order of the last fields (indexes; as many as there were fields).
    order: Vec<u32>,
}

thread_local! {
    static RECENT: Cell<Recent> = Cell::default();
}

impl Recent {
    /// This thread's memory (put back with [`Recent::put`]).
    pub(crate) fn take() -> Recent {
        RECENT.take()
    }

    /// Put this thread's memory back.
    pub(crate) fn put(self) {
        RECENT.set(self);
    }

    /// What position `i` remembers, when it was `key`'s last time.
    fn position(&self, i: usize, key: &str) -> Option<&Position> {
        match self.positions.get(i) {
            Some(Some(p)) if same_bytes(p.key.as_bytes(), key.as_bytes()) => Some(p),
            _ => None,
        }
    }

    /// Where `key` goes, when it was at position `i` last time.
    pub(crate) fn place(&self, i: usize, key: &str) -> Option<Place> {
        self.position(i, key).map(|p| p.place)
    }

    /// Remember `key` at position `i` (`None`: a key that has no place yet).
    pub(crate) fn set_place(&mut self, i: usize, key: &str, place: Option<Place>) {
        let entry = place.map(|place| Position {
            key: key.into(),
            place,
            values: Vec::new(),
            next: 0,
        });
        if i < self.positions.len() {
            self.positions[i] = entry;
        } else {
            self.positions.resize_with(i, || None);
            self.positions.push(entry);
        }
    }

    /// The fragment id of input text `text` at position `i`, when seen there lately
    /// (under the key [`Recent::place`] matched).
    pub(crate) fn value(&self, i: usize, text: &str) -> Option<u32> {
        let p = self.positions.get(i)?.as_ref()?;
        p.values
            .iter()
            .find(|(t, _, _)| same_bytes(t.as_bytes(), text.as_bytes()))
            .map(|(_, id, _)| *id)
    }

    /// The fragment id of the value `rest` starts with, its length, and where `key` goes,
    /// when `key` was at position `i` last time and that value's text is one seen there
    /// lately (so what [`Recent::value`] gives for the value once walked).
    pub(crate) fn known(&self, i: usize, key: &str, rest: &[u8]) -> Option<(u32, usize, Place)> {
        let p = self.position(i, key)?;
        p.values.iter().find_map(|(t, id, shallow)| {
            let t = t.as_bytes();
            // A string, object or list ends where its text does; a number or literal
            // ends only at a delimiter (`12` is not `123`).
            let whole = matches!(t.last(), Some(b'"' | b'}' | b']'))
                || rest
                    .get(t.len())
                    .is_none_or(|&c| matches!(c, b',' | b'}' | b']') || is_ws(c));
            let starts = rest.get(..t.len()).is_some_and(|r| same_bytes(r, t));
            (*shallow && whole && starts).then_some((*id, t.len(), p.place))
        })
    }

    /// Remember that input text `text` at position `i` is fragment `id`.
    pub(crate) fn remember(&mut self, i: usize, text: &str, id: u32) {
        let Some(Some(p)) = self.positions.get_mut(i) else {
            return;
        };
        let entry = (text.into(), id, shallow(text));
        if p.values.len() < VALUES {
            p.values.push(entry);
        } else {
            p.values[p.next] = entry;
            p.next = (p.next + 1) % VALUES;
        }
    }

    /// The last encoding order, taken out (left empty), when the last fields were
    /// `count` many.
    pub(crate) fn take_order(&mut self, count: usize) -> Option<Vec<u32>> {
        (count > 0 && self.order.len() == count).then(|| std::mem::take(&mut self.order))
    }

    /// Remember the encoding order of `order.len()` fields.
    pub(crate) fn set_order(&mut self, order: Vec<u32>) {
        self.order = order;
    }
}

/// Whether the JSON text `text` nests less deeply than the scanner takes
/// ([`MAX_DEPTH`]), so the scanner would take it as a field's value.
fn shallow(text: &str) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut bytes = text.bytes();
    while let Some(c) = bytes.next() {
        match c {
            b'\\' if in_string => {
                bytes.next();
            }
            b'"' => in_string = !in_string,
            b'{' | b'[' if !in_string => {
                depth += 1;
                if depth >= MAX_DEPTH {
                    return false;
                }
            }
            b'}' | b']' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_keys_values_and_order_per_position() {
        let mut r = Recent::default();
        assert_eq!(r.place(2, "ImageId"), None);
        r.set_place(2, "ImageId", Some((8, 0, 8)));
        assert_eq!(r.place(2, "ImageId"), Some((8, 0, 8)));
        assert_eq!(r.place(2, "OSName"), None);
        assert_eq!(r.place(0, "ImageId"), None);
        for n in 0..6 {
            r.remember(2, &format!("\"img-{n}\""), n);
        }
        assert_eq!(r.value(2, "\"img-5\""), Some(5));
        assert_eq!(r.value(2, "\"img-0\""), None, "the oldest gave way");
        r.set_place(2, "ImageId", None);
        assert_eq!(
            (r.place(2, "ImageId"), r.value(2, "\"img-5\"")),
            (None, None)
        );
        assert_eq!(r.take_order(3), None);
        r.set_order(vec![2, 0, 1]);
        assert_eq!(r.take_order(4), None);
        assert_eq!(r.take_order(3), Some(vec![2u32, 0, 1]));
    }

    #[test]
    fn known_values_are_whole_values_seen_at_their_position() {
        let mut r = Recent::default();
        r.set_place(1, "K", Some((8, 0, 8)));
        for (n, t) in ["12", "\"a\"", "{\"x\":[1]}", "true"].iter().enumerate() {
            r.remember(1, t, n as u32);
        }
        assert_eq!(r.known(1, "K", b"12, \"Next\""), Some((0, 2, (8, 0, 8))));
        assert_eq!(r.known(1, "K", b"12}"), Some((0, 2, (8, 0, 8))));
        assert_eq!(r.known(1, "K", b"12"), Some((0, 2, (8, 0, 8))));
        assert_eq!(r.known(1, "K", b"123, "), None, "a longer number");
        assert_eq!(r.known(1, "K", b"12.5"), None);
        assert_eq!(r.known(1, "K", b"\"a\"x"), Some((1, 3, (8, 0, 8))));
        assert_eq!(r.known(1, "K", b"{\"x\":[1]}  ,"), Some((2, 9, (8, 0, 8))));
        assert_eq!(r.known(1, "K", b"{\"x\":[1] }"), None);
        assert_eq!(r.known(1, "K", b"true\n}"), Some((3, 4, (8, 0, 8))));
        assert_eq!(r.known(1, "K", b"truex"), None);
        assert_eq!(r.known(1, "L", b"12,"), None, "another key");
        assert_eq!(r.known(0, "K", b"12,"), None, "another position");
        // Texts nested as deeply as the scanner refuses are walked (and refused).
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        r.remember(1, &deep, 7);
        r.remember(1, &fine, 8);
        assert_eq!(r.known(1, "K", deep.as_bytes()), None);
        assert_eq!(
            r.known(1, "K", fine.as_bytes()),
            Some((8, fine.len(), (8, 0, 8)))
        );
        assert!(shallow(r#"{"a":"[[[[\"[["}"#));
    }
}
