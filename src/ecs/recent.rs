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
//! [`Stored::from_texts`]: crate::ecs::stored::Stored::from_texts

use std::cell::Cell;

/// Values remembered per field position.
const VALUES: usize = 4;

/// Where a key goes: its key byte, key-name id and interner slot.
pub type Place = (u8, u32, u32);

/// One field position.
struct Position {
    key: Box<str>,
    place: Place,
    /// Input texts seen here under this key, and their fragment ids.
    values: Vec<(Box<str>, u32)>,
    /// The next of `values` to replace when full.
    next: usize,
}

/// See the module docs.
#[derive(Default)]
pub struct Recent {
    positions: Vec<Option<Position>>,
    /// The encoding order of the last fields (indexes; as many as there were fields).
    order: Vec<u32>,
}

thread_local! {
    static RECENT: Cell<Recent> = Cell::default();
}

impl Recent {
    /// This thread's memory (put back with [`Recent::put`]).
    pub fn take() -> Recent {
        RECENT.take()
    }

    /// Put this thread's memory back.
    pub fn put(self) {
        RECENT.set(self);
    }

    /// Where `key` goes, when it was at position `i` last time.
    pub fn place(&self, i: usize, key: &str) -> Option<Place> {
        match self.positions.get(i) {
            Some(Some(p)) if *p.key == *key => Some(p.place),
            _ => None,
        }
    }

    /// Remember `key` at position `i` (`None`: a key that has no place yet).
    pub fn set_place(&mut self, i: usize, key: &str, place: Option<Place>) {
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
    pub fn value(&self, i: usize, text: &str) -> Option<u32> {
        let p = self.positions.get(i)?.as_ref()?;
        p.values
            .iter()
            .find(|(t, _)| **t == *text)
            .map(|(_, id)| *id)
    }

    /// Remember that input text `text` at position `i` is fragment `id`.
    pub fn remember(&mut self, i: usize, text: &str, id: u32) {
        let Some(Some(p)) = self.positions.get_mut(i) else {
            return;
        };
        if p.values.len() < VALUES {
            p.values.push((text.into(), id));
        } else {
            p.values[p.next] = (text.into(), id);
            p.next = (p.next + 1) % VALUES;
        }
    }

    /// The last encoding order, taken out (left empty), when the last fields were
    /// `count` many.
    pub fn take_order(&mut self, count: usize) -> Option<Vec<u32>> {
        (count > 0 && self.order.len() == count).then(|| std::mem::take(&mut self.order))
    }

    /// Remember the encoding order of `order.len()` fields.
    pub fn set_order(&mut self, order: Vec<u32>) {
        self.order = order;
    }
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
}
