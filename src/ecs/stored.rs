//! An instance's stored wire fields, kept compact: the DescribeInstances fields ecs-mock
//! does not compute itself (image, OS names, VPC attributes, network interfaces …),
//! each as its compact JSON text in the real service's key order, in one shared byte
//! string per instance.
//!
//! A pasted DescribeInstances object has some fifty such fields, most of them repeated
//! across instances (`ImageId`, `OSName`, an empty `EipAddress`, `MetadataOptions` …).
//! Each value is stored once per process in an interner and referred to by a small
//! number; values that differ per instance (host names, addresses, ENIs) are written
//! inline. Keys of the captured `Instance` object are one byte (their position in
//! [`INSTANCE`]); other keys (fields the model does not know) are interned names.
//!
//! Layout of one entry: a key byte (`0..59`: position in [`INSTANCE`]; `OTHER_KEY`:
//! followed by a LEB128 key-name id), then `INTERNED` and a LEB128 fragment id, or
//! `INLINE`, a LEB128 length and the JSON text, or `DELTA` and the changes from the
//! key's template (a value of the same structure that differs in a few tokens, such as
//! a network interface's id and addresses). Entries are in the captured order,
//! other keys last in the order given, so rendering reads them in one walk.
//!
//! The interner is process-wide and only grows, within bounds: values longer than
//! [`MAX_INTERNED_LEN`] bytes, and every value of a key past its first
//! [`MAX_INTERNED_PER_KEY`] distinct ones, are written inline instead. So it holds at
//! most a few tens of megabytes whatever is loaded. Storing an instance reads it under a
//! shared lock (instances are read on every core) and takes the exclusive lock only to
//! add; reads of the fragment table take a shared lock once per instance walk.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::{Arc, LazyLock, RwLock, RwLockReadGuard};

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::ecs::instance_de::FieldValue;
use crate::ecs::instance_scan::common_prefix;
use crate::ecs::recent::Recent;
use crate::ecs::sym::CowStr;
use crate::ecs::world::FastMap;
use crate::gateway::order::INSTANCE;

/// Key byte of a key outside [`INSTANCE`].
const OTHER_KEY: u8 = 0xFF;
/// Value tag: an interned fragment id follows.
const INTERNED: u8 = 0;
/// Value tag: a length and the JSON text follow.
const INLINE: u8 = 1;
/// Value tag: the text differs from its key's template in a few tokens: the template's
/// fragment id, the number of changed tokens, then per change the distance from the
/// previous changed token, a length and the token's new text.
const DELTA: u8 = 2;
/// Shortest inline value worth comparing with its key's template.
const MIN_DELTA_LEN: usize = 48;
/// Longest value that is interned.
pub const MAX_INTERNED_LEN: usize = 256;
/// Distinct values interned per key; later ones are written inline.
pub const MAX_INTERNED_PER_KEY: u32 = 4096;

const _: () = assert!(INSTANCE.len() < OTHER_KEY as usize);

/// Each `Instance` key's position in the captured order.
static POSITION: LazyLock<FastMap<&'static str, u8>> = LazyLock::new(|| {
    INSTANCE
        .iter()
        .enumerate()
        .map(|(i, k)| (*k, i as u8))
        .collect()
});

/// The first value interned for a key, which later unique values of the key are written
/// as changes of, with where its tokens end (cut once).
struct Template {
    id: u32,
    text: &'static str,
    /// The offset just past each token of `text`, in order.
    ends: Vec<usize>,
}

/// The process-wide fragment and key-name tables.
#[derive(Default)]
struct Interner {
    /// Fragment text → id.
    ids: FastMap<&'static str, u32>,
    /// Distinct fragments interned per key (known position, or `256 + name id`).
    per_key: FastMap<u32, u32>,
    /// Key name → id (keys outside [`INSTANCE`]).
    key_ids: FastMap<&'static str, u32>,
    /// Per key: input texts already seen (as written, before preparing) → the id of
    /// their final form, so a repeated pasted value is stored without parsing it again.
    seen: FastMap<u32, FastMap<Box<str>, u32>>,
    /// Per key: the template of its unique values.
    templates: FastMap<u32, Template>,
}

/// Read under the shared lock (values seen before: the common case, on every core at
/// once while a large fixture loads); written under the exclusive one only to add.
static INTERNER: LazyLock<RwLock<Interner>> = LazyLock::new(RwLock::default);
/// Fragment id → text, read without the interner's lock.
static FRAGMENTS: RwLock<Vec<&'static str>> = RwLock::new(Vec::new());
/// Key-name id → name.
static KEY_NAMES: RwLock<Vec<&'static str>> = RwLock::new(Vec::new());

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

impl Interner {
    fn key_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.key_ids.get(name) {
            return id;
        }
        let name = leak(name);
        let mut names = KEY_NAMES.write().unwrap_or_else(|e| e.into_inner());
        let id = names.len() as u32;
        names.push(name);
        self.key_ids.insert(name, id);
        id
    }

    /// Whether `text`, not interned yet, would be interned as a value of key `slot`.
    fn may_intern(&self, slot: u32, text: &str) -> bool {
        text.len() <= MAX_INTERNED_LEN
            && self.per_key.get(&slot).copied().unwrap_or(0) < MAX_INTERNED_PER_KEY
    }

    /// The id of `text` as a value of key `slot`, if it is (or may now be) interned.
    fn fragment_id(&mut self, slot: u32, text: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(text) {
            return Some(id);
        }
        if !self.may_intern(slot, text) {
            return None;
        }
        *self.per_key.entry(slot).or_default() += 1;
        let text = leak(text);
        let mut frags = FRAGMENTS.write().unwrap_or_else(|e| e.into_inner());
        let id = frags.len() as u32;
        frags.push(text);
        self.ids.insert(text, id);
        self.templates.entry(slot).or_insert_with(|| Template {
            id,
            text,
            ends: Tokens::new(text).map(|(_, to)| to).collect(),
        });
        Some(id)
    }

    /// `text` as changes of its key's template, when that is clearly smaller: [`DELTA`]
    /// and the changes, written after what `out` holds as they are found; whether it
    /// was (else `out` is as it was).
    fn delta(&self, slot: u32, text: &str, out: &mut Vec<u8>) -> bool {
        let start = out.len();
        let written = self.write_delta(slot, text, out).is_some();
        if !written {
            out.truncate(start);
        }
        written
    }

    /// [`Interner::delta`], which drops what this wrote when it gives `None`.
    fn write_delta(&self, slot: u32, text: &str, out: &mut Vec<u8>) -> Option<()> {
        if text.len() < MIN_DELTA_LEN {
            return None;
        }
        let template = self.templates.get(&slot)?;
        let (old, ends) = (template.text.as_bytes(), &template.ends);
        let new = text.as_bytes();
        let start = out.len();
        out.push(DELTA);
        put_varint(out, u64::from(template.id));
        // The number of changes goes here, once known.
        let count_at = out.len();
        out.push(0);
        let (mut changes, mut last) = (0u64, 0);
        // Token `i` starts at `p` in the text and at `q` in the template. The tokens
        // inside a run of bytes both have in common are the same tokens; the others are
        // compared one by one.
        let (mut i, mut p, mut q) = (0usize, 0usize, 0usize);
        while p < new.len() {
            let run = common_prefix(&new[p..], &old[q..]);
            // A token is known to be the same when a byte of the common run follows it
            // (a mark ends it in both, or starts the next), or when both texts end there.
            let limit = q + run;
            let both_end = p + run == new.len() && limit == old.len();
            let same = ends[i..].partition_point(|&e| e < limit || (both_end && e == limit));
            if same > 0 {
                i += same;
                let end = ends[i - 1];
                p += end - q;
                q = end;
                if p == new.len() {
                    break;
                }
            }
            let to = p + token_len(&new[p..]);
            let token = &new[p..to];
            let old_end = *ends.get(i)?;
            if old[q..old_end] != *token {
                put_varint(out, (i - last) as u64);
                put_varint(out, token.len() as u64);
                out.extend_from_slice(token);
                last = i;
                changes += 1;
            }
            i += 1;
            p = to;
            q = old_end;
        }
        if i != ends.len() {
            return None;
        }
        if changes < 0x80 {
            // One byte: the one kept for it.
            out[count_at] = changes as u8;
        } else {
            let mut changes_varint = Vec::with_capacity(4);
            put_varint(&mut changes_varint, changes);
            out.splice(count_at..count_at + 1, changes_varint);
        }
        // Smaller than three quarters of the text, not counting the tag.
        ((out.len() - start - 1) * 4 < text.len() * 3).then_some(())
    }
}

/// A JSON text cut into tokens: each of `"{}[],:` alone, and the runs between them.
/// Cutting the template and a value the same way lets a value be stored as the tokens
/// that differ (an address, an id) when both have the same structure.
#[cfg(test)]
fn tokens(text: &str) -> Vec<&str> {
    Tokens::new(text)
        .map(|(from, to)| &text[from..to])
        .collect()
}

/// The length of the token `rest` starts with (not empty).
fn token_len(rest: &[u8]) -> usize {
    match rest.iter().position(|&b| MARKS[usize::from(b)]) {
        Some(0) => 1,
        Some(n) => n,
        None => rest.len(),
    }
}

/// The bytes that are tokens of their own (`"{}[],:`).
static MARKS: [bool; 256] = {
    let mut marks = [false; 256];
    let mut k = 0;
    while k < 7 {
        marks[b"\"{}[],:"[k] as usize] = true;
        k += 1;
    }
    marks
};

/// The byte ranges of [`tokens`], one at a time.
struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens {
            bytes: text.as_bytes(),
            at: 0,
        }
    }
}

impl Iterator for Tokens<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let start = self.at;
        let rest = self.bytes.get(start..).filter(|r| !r.is_empty())?;
        self.at = start + token_len(rest);
        Some((start, self.at))
    }
}

/// Templates whose token ends a thread keeps ([`with_token_ends`]).
const KEPT_ENDS: usize = 4;

thread_local! {
    /// The token ends of the templates this thread rebuilt values from last: fragment
    /// id and ends, the latest first. A walk over many instances (the network scan,
    /// a page rendered) rebuilds the values of a few keys, each from one template.
    static TEMPLATE_ENDS: RefCell<Vec<(usize, Vec<usize>)>> = const { RefCell::new(Vec::new()) };
}

/// `f` of the offset just past each token of fragment `id`, whose text is `base`: cut
/// once while the fragment stays among this thread's last few (fragments never change).
fn with_token_ends<R>(id: usize, base: &str, f: impl FnOnce(&[usize]) -> R) -> R {
    TEMPLATE_ENDS.with(|cell| {
        let mut kept = cell.borrow_mut();
        if kept.first().is_none_or(|(first, _)| *first != id) {
            match kept.iter().position(|(k, _)| *k == id) {
                Some(k) => kept[..=k].rotate_right(1),
                None => {
                    if kept.len() == KEPT_ENDS {
                        kept.pop();
                    }
                    kept.insert(0, (id, Tokens::new(base).map(|(_, to)| to).collect()));
                }
            }
        }
        f(&kept[0].1)
    })
}

/// Rebuild a [`DELTA`] value from `bytes` at `at` (advanced past it): the template's
/// text with the changed tokens put in, copied in runs.
fn undelta(bytes: &[u8], at: &mut usize, frags: &[&'static str]) -> Option<String> {
    let id = get_varint(bytes, at) as usize;
    let base = *frags.get(id)?;
    let count = get_varint(bytes, at) as usize;
    with_token_ends(id, base, |ends| {
        let mut out = String::with_capacity(base.len() + 8);
        let mut copied = 0;
        let mut i = 0;
        for n in 0..count {
            let step = get_varint(bytes, at) as usize;
            if n > 0 && step == 0 {
                return None;
            }
            i += step;
            let len = get_varint(bytes, at) as usize;
            let token = std::str::from_utf8(bytes.get(*at..*at + len)?).ok()?;
            *at += len;
            // Tokens follow one another from the start of the text.
            let to = *ends.get(i)?;
            let from = if i == 0 { 0 } else { ends[i - 1] };
            out.push_str(&base[copied..from]);
            out.push_str(token);
            copied = to;
        }
        out.push_str(&base[copied..]);
        Some(out)
    })
}

/// Step past a [`DELTA`] value at `at` without rebuilding it.
fn skip_delta(bytes: &[u8], at: &mut usize) {
    get_varint(bytes, at);
    for _ in 0..get_varint(bytes, at) {
        get_varint(bytes, at);
        *at += get_varint(bytes, at) as usize;
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        n |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    n
}

/// The key of one stored field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredKey {
    /// A key of the captured `Instance` object, by position in [`INSTANCE`].
    Known(usize),
    /// Any other key.
    Other(&'static str),
}

impl StoredKey {
    /// The key's name.
    pub fn name(self) -> &'static str {
        match self {
            StoredKey::Known(i) => INSTANCE[i],
            StoredKey::Other(name) => name,
        }
    }
}

/// Stored fields as read, before they are stored ([`Stored::from_texts`]).
pub(crate) type FieldList<'a> = Vec<(Cow<'a, str>, FieldValue<'a>)>;

/// One value on its way into the encoding.
enum Piece<'a> {
    /// Interned already.
    Id(u32),
    /// Not yet in its final form.
    Pending(FieldValue<'a>),
    /// Final text; `seen_as` is the input text to remember it by once interned.
    Ready {
        seen_as: Option<Cow<'a, str>>,
        text: Cow<'a, str>,
    },
    /// Encoded (a delta or inline text): this range of the instance's unshared bytes.
    Bytes(std::ops::Range<usize>),
}

/// One entry: key byte, key-name id, interner slot, key name, value.
type Entry<'a> = (u8, u32, u32, Cow<'a, str>, Piece<'a>);

thread_local! {
    /// The room of the last instance's field list, for the next one on this thread (a
    /// large fixture stores a million instances one after the other on each core).
    static SPARE_FIELDS: Cell<FieldList<'static>> = const { Cell::new(Vec::new()) };
    /// The same for the entries of [`Stored::from_texts`].
    static SPARE_ENTRIES: Cell<Vec<Entry<'static>>> = const { Cell::new(Vec::new()) };
    /// The same for the unshared bytes (one buffer for an instance's unique values, not
    /// one allocation each).
    static SPARE_BYTES: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// An empty list with the room `spare` kept (at least `min`). The list kept is empty,
/// so it is only its allocation that is reused, whatever lifetime its elements have.
fn recycled<'a, T: 'static, U: 'a>(
    spare: &'static std::thread::LocalKey<Cell<Vec<T>>>,
    min: usize,
) -> Vec<U> {
    let kept = spare.take();
    debug_assert!(kept.is_empty());
    let mut list: Vec<U> = kept
        .into_iter()
        .map(|_| -> U { unreachable!("empty") })
        .collect();
    list.reserve(min);
    list
}

/// Keep `list`'s room in `spare` (emptied; see [`recycled`]).
fn give_back<T: 'static, U>(spare: &'static std::thread::LocalKey<Cell<Vec<T>>>, mut list: Vec<U>) {
    list.clear();
    spare.set(
        list.into_iter()
            .map(|_| -> T { unreachable!("empty") })
            .collect(),
    );
}

/// An empty field list, with room for a pasted DescribeInstances object's stored
/// fields.
pub(crate) fn field_list<'a>() -> FieldList<'a> {
    recycled(&SPARE_FIELDS, 48)
}

/// An instance's stored fields (see the module docs). Cloning shares the bytes.
#[derive(Clone, Default)]
pub struct Stored(Option<Arc<[u8]>>);

impl Stored {
    /// Store `fields` given as values (objects are arranged and shapes fixed here).
    pub fn from_fields(fields: impl IntoIterator<Item = (String, Value)>) -> Self {
        Stored::from_texts(
            fields
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), FieldValue::Value(Box::new(v))))
                .collect(),
        )
    }

    /// Store `fields` as read from a fixture: each value's text is kept as it is when it
    /// is a plain scalar or a text seen before; otherwise it is parsed, put in the real
    /// service's shape and order ([`prepare_field`](crate::ecs::shapes::prepare_field)) and
    /// written compactly. Known keys go in the captured order, other keys after them as
    /// given. The interner is read under its shared lock, twice, never while preparing;
    /// its exclusive lock is taken only when something new is interned.
    pub fn from_texts(mut fields: FieldList<'_>) -> Self {
        if fields.is_empty() {
            return Stored(None);
        }
        // 1. Keys, and values seen before: at the same position in the last instance
        // read on this thread, else in the interner (under the shared lock).
        let mut recent = Recent::take();
        let count = fields.len();
        let mut same_keys = true;
        let mut entries: Vec<Entry<'_>> = recycled(&SPARE_ENTRIES, count);
        let mut new_keys = false;
        {
            let interner = INTERNER.read().unwrap_or_else(|e| e.into_inner());
            for (i, (key, value)) in fields.drain(..).enumerate() {
                // A value the scanner knew comes with its key's place (checked there).
                let known = match value {
                    FieldValue::Interned(_, place) => Some(place),
                    _ => recent.place(i, &key),
                };
                let (pos, key_id, slot) = known.unwrap_or_else(|| {
                    same_keys = false;
                    let place = match POSITION.get(key.as_ref()) {
                        Some(&p) => (p, 0, u32::from(p)),
                        None => match interner.key_ids.get(key.as_ref()) {
                            Some(&id) => (OTHER_KEY, id, 256 + id),
                            None => (OTHER_KEY, u32::MAX, u32::MAX),
                        },
                    };
                    new_keys |= place.2 == u32::MAX;
                    recent.set_place(i, &key, Some(place).filter(|p| p.2 != u32::MAX));
                    place
                });
                let piece = match value {
                    FieldValue::Text(raw) => {
                        let trimmed = raw.trim();
                        let final_text = is_final(trimmed);
                        let found = match recent.value(i, trimmed) {
                            Some(id) => Some(id),
                            None => {
                                let id = if final_text {
                                    interner.ids.get(trimmed)
                                } else {
                                    interner.seen.get(&slot).and_then(|m| m.get(trimmed))
                                };
                                if let Some(&id) = id {
                                    recent.remember(i, trimmed, id);
                                }
                                id.copied()
                            }
                        };
                        match found {
                            Some(id) => Piece::Id(id),
                            None if final_text => Piece::Ready {
                                seen_as: None,
                                text: trim_cow(raw),
                            },
                            None => Piece::Pending(FieldValue::Text(raw)),
                        }
                    }
                    value @ FieldValue::Value(_) => Piece::Pending(value),
                    FieldValue::Interned(id, _) => Piece::Id(id),
                };
                entries.push((pos, key_id, slot, key, piece));
            }
        }
        if new_keys {
            let mut interner = INTERNER.write().unwrap_or_else(|e| e.into_inner());
            for (_, key_id, slot, key, _) in entries.iter_mut().filter(|e| e.2 == u32::MAX) {
                *key_id = interner.key_id(key);
                *slot = 256 + *key_id;
            }
        }
        // 2. Final texts of the rest (outside the lock).
        for (_, _, _, key, piece) in entries.iter_mut() {
            if !matches!(piece, Piece::Pending(_)) {
                continue;
            }
            let Piece::Pending(value) = std::mem::replace(piece, Piece::Id(0)) else {
                unreachable!("matched above");
            };
            let prepare = |v: Value| crate::ecs::shapes::prepare_field(key, v).to_string();
            // Final texts were settled in step 1: a pending text needs preparing.
            *piece = match value {
                FieldValue::Text(raw) => Piece::Ready {
                    text: Cow::Owned(crate::ecs::layouts::prepare(key, &raw)),
                    seen_as: Some(trim_cow(raw)),
                },
                FieldValue::Value(v) => Piece::Ready {
                    seen_as: None,
                    text: Cow::Owned(prepare(*v)),
                },
                // Step 1 made every interned value a `Piece::Id`.
                FieldValue::Interned(..) => unreachable!("an interned value is never pending"),
            };
        }
        // 3. Intern, delta or inline: what is interned already, or cannot be, under the
        // shared lock; the rest under the exclusive one.
        let mut to_intern = false;
        let mut unshared = SPARE_BYTES.take();
        {
            let interner = INTERNER.read().unwrap_or_else(|e| e.into_inner());
            for (_, _, slot, _, piece) in entries.iter_mut() {
                let Piece::Ready { text, .. } = &*piece else {
                    continue;
                };
                if let Some(&id) = interner.ids.get(text.as_ref()) {
                    *piece = Piece::Id(id);
                } else if interner.may_intern(*slot, text) {
                    to_intern = true;
                } else {
                    *piece = Piece::Bytes(encode_unshared(&interner, *slot, text, &mut unshared));
                }
            }
        }
        if to_intern {
            let mut interner = INTERNER.write().unwrap_or_else(|e| e.into_inner());
            for (_, _, slot, _, piece) in entries.iter_mut() {
                let Piece::Ready { text, seen_as } = &*piece else {
                    continue;
                };
                *piece = match interner.fragment_id(*slot, text) {
                    Some(id) => {
                        if let Some(raw) = seen_as {
                            interner
                                .seen
                                .entry(*slot)
                                .or_default()
                                .insert(Box::from(raw.as_ref()), id);
                        }
                        Piece::Id(id)
                    }
                    None => Piece::Bytes(encode_unshared(&interner, *slot, text, &mut unshared)),
                };
            }
        }
        // 4. The encoding, in the captured order (the last one, when every key is where
        // it was).
        let remembered = if same_keys {
            recent.take_order(count)
        } else {
            None
        };
        let order: Vec<u32> = match remembered {
            Some(order) => order,
            None => {
                let mut order: Vec<u32> = (0..count as u32).collect();
                order.sort_by_key(|&i| entries[i as usize].0);
                order
            }
        };
        let mut out = Vec::with_capacity(entries.len() * 4 + 64 + unshared.len());
        for &i in &order {
            let (pos, key_id, _, _, piece) = &entries[i as usize];
            let (pos, key_id) = (*pos, *key_id);
            out.push(pos);
            if pos == OTHER_KEY {
                put_varint(&mut out, u64::from(key_id));
            }
            match piece {
                Piece::Id(id) => {
                    out.push(INTERNED);
                    put_varint(&mut out, u64::from(*id));
                }
                Piece::Bytes(range) => out.extend_from_slice(&unshared[range.clone()]),
                Piece::Pending(_) | Piece::Ready { .. } => {
                    unreachable!("every value was interned or encoded")
                }
            }
        }
        recent.set_order(order);
        recent.put();
        give_back(&SPARE_FIELDS, fields);
        give_back(&SPARE_ENTRIES, entries);
        unshared.clear();
        SPARE_BYTES.set(unshared);
        Stored(Some(out.into()))
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Every stored field: its key and its JSON text, in stored order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            bytes: self.0.as_deref().unwrap_or(&[]),
            at: 0,
            frags: self
                .0
                .as_ref()
                .map(|_| FRAGMENTS.read().unwrap_or_else(|e| e.into_inner())),
        }
    }

    /// The JSON text stored under `key`.
    pub fn raw(&self, key: &str) -> Option<Cow<'_, str>> {
        self.iter().find_key(key)
    }

    /// The JSON texts stored under each of `keys` (each key's first entry, as
    /// [`Stored::raw`] finds it), in one walk that rebuilds only the values asked for.
    pub fn raws<const N: usize>(&self, keys: [&str; N]) -> [Option<Cow<'_, str>>; N] {
        let mut found: [Option<Cow<'_, str>>; N] = std::array::from_fn(|_| None);
        // A known key is matched by its position, not its name (a walk passes a dozen).
        let positions = keys.map(|k| POSITION.get(k).map(|&p| usize::from(p)));
        let is = |k: usize, key: StoredKey| match (positions[k], key) {
            (Some(p), StoredKey::Known(i)) => p == i,
            (None, StoredKey::Other(name)) => keys[k] == name,
            _ => false,
        };
        let mut left = N;
        let mut iter = self.iter();
        while left > 0 {
            let Some(key) = iter.key() else { break };
            let wanted = (0..N).find(|&k| found[k].is_none() && is(k, key));
            let Some(value) = iter.value(wanted.is_none()) else {
                break;
            };
            if let Some(k) = wanted {
                found[k] = Some(value);
                left -= 1;
            }
        }
        found
    }

    /// The value stored under `key`, parsed.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.raw(key).and_then(|t| serde_json::from_str(&t).ok())
    }

    /// Every stored field as a map (state dumps, patches).
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .filter_map(|(k, v)| Some((k.name().to_string(), serde_json::from_str(&v).ok()?)))
            .collect()
    }

    /// These fields with `key` set to `value` (`None`: removed), in place when the key
    /// is already stored, else after the others. For actions that change a field
    /// ecs-mock does not model as its own (`SecurityGroupIds`, `KeyPairName`,
    /// `VpcAttributes` …): rare enough that rewriting the whole byte string is fine.
    pub fn with(&self, key: &str, value: Option<Value>) -> Stored {
        let mut map = self.to_map();
        match value {
            Some(v) => {
                map.insert(key.to_string(), v);
            }
            None => {
                map.shift_remove(key);
            }
        }
        Stored::from_fields(map)
    }

    /// Bytes this instance's fields take (not counting interned values).
    pub fn len_bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |b| b.len())
    }
}

/// A value that is not interned: changes of its key's template, or its text inline,
/// written after what `out` holds; where it is in `out`.
fn encode_unshared(
    interner: &Interner,
    slot: u32,
    text: &str,
    out: &mut Vec<u8>,
) -> std::ops::Range<usize> {
    let start = out.len();
    if !interner.delta(slot, text, out) {
        out.push(INLINE);
        put_varint(out, text.len() as u64);
        out.extend_from_slice(text.as_bytes());
    }
    start..out.len()
}

/// `raw` without surrounding whitespace, borrowed when `raw` is.
fn trim_cow(raw: Cow<'_, str>) -> Cow<'_, str> {
    match raw {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    }
}

/// Whether an input text is already in its final form: a scalar other than a string
/// with escapes (objects and lists are arranged; escapes are written as `serde_json`
/// writes them).
fn is_final(raw: &str) -> bool {
    !raw.is_empty() && !raw.starts_with(['{', '[']) && !raw.contains('\\')
}

/// Walks a [`Stored`]'s entries, holding the fragment table's read lock.
pub struct Iter<'a> {
    bytes: &'a [u8],
    at: usize,
    frags: Option<RwLockReadGuard<'static, Vec<&'static str>>>,
}

impl<'a> Iter<'a> {
    /// The next entry's key.
    fn key(&mut self) -> Option<StoredKey> {
        let &key = self.bytes.get(self.at)?;
        self.at += 1;
        Some(if key == OTHER_KEY {
            let id = get_varint(self.bytes, &mut self.at) as usize;
            let names = KEY_NAMES.read().unwrap_or_else(|e| e.into_inner());
            StoredKey::Other(names.get(id).copied().unwrap_or(""))
        } else {
            StoredKey::Known(usize::from(key))
        })
    }

    /// The value after [`Iter::key`]: its text, or nothing when `skip` (a walk looking
    /// for another key does not rebuild the values it passes).
    fn value(&mut self, skip: bool) -> Option<Cow<'a, str>> {
        let bytes = self.bytes;
        let tag = *bytes.get(self.at)?;
        self.at += 1;
        Some(match tag {
            INTERNED => {
                let n = get_varint(bytes, &mut self.at) as usize;
                Cow::Borrowed(self.frags.as_ref()?.get(n).copied().unwrap_or("null"))
            }
            DELTA if skip => {
                skip_delta(bytes, &mut self.at);
                Cow::Borrowed("")
            }
            DELTA => Cow::Owned(undelta(bytes, &mut self.at, self.frags.as_ref()?)?),
            _ => {
                let n = get_varint(bytes, &mut self.at) as usize;
                let raw = bytes.get(self.at..self.at + n)?;
                self.at += n;
                // A value passed over is not read, so not checked as text either.
                if skip {
                    return Some(Cow::Borrowed(""));
                }
                Cow::Borrowed(std::str::from_utf8(raw).unwrap_or("null"))
            }
        })
    }

    /// The text stored under `key`, walking past the entries before it.
    fn find_key(mut self, key: &str) -> Option<Cow<'a, str>> {
        loop {
            let found = self.key()?.name() == key;
            let value = self.value(!found)?;
            if found {
                return Some(value);
            }
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (StoredKey, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let key = self.key()?;
        Some((key, self.value(false)?))
    }
}

impl PartialEq for Stored {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k.name(), v)))
            .finish()
    }
}

/// A stored JSON text as a value of any serializer: written verbatim by `serde_json`
/// (a raw value), read back as a value by serializers that are not human-readable
/// (the XML writer declares itself so).
pub struct Fragment<'a>(pub &'a str);

impl Serialize for Fragment<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        if s.is_human_readable() {
            let raw: &serde_json::value::RawValue =
                serde_json::from_str(self.0).map_err(S::Error::custom)?;
            raw.serialize(s)
        } else {
            serde_json::from_str::<Value>(self.0)
                .map_err(S::Error::custom)?
                .serialize(s)
        }
    }
}

impl Serialize for Stored {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (k, v) in self.iter() {
            m.serialize_entry(k.name(), &Fragment(&v))?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Stored {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StoredVisitor;
        impl<'de> Visitor<'de> for StoredVisitor {
            type Value = Stored;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("instance fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Stored, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<CowStr<'de>, FieldValue<'de>>()? {
                    fields.push((k.0, v));
                }
                Ok(Stored::from_texts(fields))
            }
        }
        d.deserialize_map(StoredVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn with_sets_and_removes_one_field() {
        let s = Stored::from_fields([
            ("ImageId".to_string(), json!("img-1")),
            ("KeyPairName".to_string(), json!("k1")),
        ]);
        let changed = s.with("KeyPairName", Some(json!("k2")));
        assert_eq!(changed.get("KeyPairName"), Some(json!("k2")));
        assert_eq!(changed.get("ImageId"), Some(json!("img-1")));
        let removed = changed.with("KeyPairName", None);
        assert_eq!(removed.get("KeyPairName"), None);
        assert_eq!(removed.get("ImageId"), Some(json!("img-1")));
        assert_eq!(
            s.get("KeyPairName"),
            Some(json!("k1")),
            "the original is unchanged"
        );
    }

    #[test]
    fn fields_keep_their_text_and_the_captured_order() {
        let s = Stored::from_fields([
            ("ZZUnknown".to_string(), json!({"b": 1, "a": [true]})),
            ("ImageId".to_string(), json!("img-1")),
            ("HostName".to_string(), json!("web\"1")),
        ]);
        let got: Vec<(&str, String)> = s.iter().map(|(k, v)| (k.name(), v.into_owned())).collect();
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let image = INSTANCE.iter().position(|k| *k == "ImageId").unwrap();
        let host = INSTANCE.iter().position(|k| *k == "HostName").unwrap();
        let (first, second) = if image < host {
            (("ImageId", "\"img-1\""), ("HostName", "\"web\\\"1\""))
        } else {
            (("HostName", "\"web\\\"1\""), ("ImageId", "\"img-1\""))
        };
        assert_eq!(
            got,
            // Objects the captures never show are put in their key-order-rule order.
            vec![first, second, ("ZZUnknown", r#"{"a":[true],"b":1}"#)]
        );
        assert_eq!(s.get("HostName"), Some(json!("web\"1")));
        assert_eq!(s.raw("Nope"), None);
    }

    #[test]
    fn field_lists_reuse_the_room_of_the_last_one() {
        let text = String::from("\"x\"");
        let mut list = field_list();
        list.reserve(100);
        let room = list.capacity();
        list.push((Cow::Borrowed("K"), FieldValue::Text(Cow::Borrowed(&text))));
        give_back(&SPARE_FIELDS, list);
        let again = field_list();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), room);
        let mut fields = again;
        fields.push((
            Cow::Borrowed("ImageId"),
            FieldValue::Text(Cow::Borrowed(&text)),
        ));
        assert_eq!(
            Stored::from_texts(fields).raw("ImageId").as_deref(),
            Some("\"x\"")
        );
        assert!(field_list().capacity() >= 48);
    }

    #[test]
    fn raws_find_what_raw_finds_in_one_walk() {
        let s = Stored::from_fields([
            ("ZZOther".to_string(), json!({"a": 1})),
            ("VpcAttributes".to_string(), json!({"VpcId": "vpc-1"})),
            ("ImageId".to_string(), json!("img-1")),
            ("ImageId".to_string(), json!("img-2")),
            (
                "SecurityGroupIds".to_string(),
                json!({"SecurityGroupId": ["sg-1"]}),
            ),
        ]);
        let keys = [
            "SecurityGroupIds",
            "ImageId",
            "Nope",
            "ZZOther",
            "VpcAttributes",
        ];
        for a in keys {
            for b in keys.iter().filter(|b| **b != a) {
                let [x, y] = s.raws([a, b]);
                assert_eq!((x, y), (s.raw(a), s.raw(b)), "{a}, {b}");
            }
        }
        assert_eq!(s.raws(["ImageId"])[0].as_deref(), Some("\"img-1\""));
        assert_eq!(Stored::default().raws(["ImageId"]), [None]);
    }

    #[test]
    fn long_and_many_values_are_inline_and_equal_to_interned_ones() {
        let long = "x".repeat(MAX_INTERNED_LEN + 1);
        let a = Stored::from_fields([("Description".to_string(), json!(long))]);
        assert_eq!(a.get("Description"), Some(json!(long)));
        assert!(a.len_bytes() > MAX_INTERNED_LEN);
        let short = Stored::from_fields([("VlanId".to_string(), json!("v"))]);
        assert!(short.len_bytes() < 8, "{short:?} is interned");
        assert_eq!(
            short,
            Stored::from_fields([("VlanId".to_string(), json!("v"))])
        );
        assert_ne!(short, a);
        assert!(Stored::from_fields(Vec::new()).is_empty());
    }

    /// What [`Interner::delta`] gave when it compared every token in turn.
    fn delta_token_by_token(id: u32, template: &str, text: &str) -> Option<Vec<u8>> {
        if text.len() < MIN_DELTA_LEN {
            return None;
        }
        let old = tokens(template);
        let mut out = vec![DELTA];
        put_varint(&mut out, u64::from(id));
        let count_at = out.len();
        out.push(0);
        let (mut changes, mut last, mut count) = (0u64, 0, 0);
        for (i, (from, to)) in Tokens::new(text).enumerate() {
            let new = &text.as_bytes()[from..to];
            if old.get(i)?.as_bytes() != new {
                put_varint(&mut out, (i - last) as u64);
                put_varint(&mut out, new.len() as u64);
                out.extend_from_slice(new);
                last = i;
                changes += 1;
            }
            count = i + 1;
        }
        if count != old.len() {
            return None;
        }
        let mut changes_varint = Vec::new();
        put_varint(&mut changes_varint, changes);
        out.splice(count_at..count_at + 1, changes_varint);
        ((out.len() - 1) * 4 < text.len() * 3).then_some(out)
    }

    #[test]
    fn deltas_by_common_runs_are_deltas_token_by_token() {
        let template = r#"{"NetworkInterface":[{"MacAddress":"00:16:3e:00:00:01","NetworkInterfaceId":"eni-bp1bench000000000001","PrimaryIpAddress":"172.16.10.11","PrivateIpSets":{"PrivateIpSet":[{"Primary":true,"PrivateIpAddress":"172.16.10.11"}]},"Type":"Primary"}]}"#;
        let mut interner = Interner::default();
        let slot = u32::MAX - 7;
        let id = interner.fragment_id(slot, template).unwrap();
        let mut texts = vec![
            template.to_string(),
            template
                .replace("000001", "123456")
                .replace("10.11", "99.250"),
            template.replace("00:01", "0a:ff"),
            template.replace("Primary", "Secondary"),
            template.replace(":true", ":false"),
            template.replace("\"Type\":\"Primary\"", "\"Type\":\"Primary\",\"X\":1"),
            template[..template.len() - 2].to_string(),
            format!("{template} "),
            "x".repeat(60),
        ];
        // Every byte deleted, doubled, or replaced by a mark or a letter.
        for at in 0..template.len() {
            texts.push(format!("{}{}", &template[..at], &template[at + 1..]));
            texts.push(format!("{}{}", &template[..at + 1], &template[at..]));
            for mark in ["\"", ":", ",", "{", "]", "z", "0"] {
                texts.push(format!("{}{mark}{}", &template[..at], &template[at + 1..]));
            }
        }
        let mut deltas = 0;
        for text in &texts {
            let want = delta_token_by_token(id, template, text);
            deltas += usize::from(want.is_some());
            // Written after what the buffer holds, or not at all.
            let mut out = b"before".to_vec();
            let got = interner
                .delta(slot, text, &mut out)
                .then(|| out[6..].to_vec());
            assert_eq!(&out[..6], b"before");
            assert!(got.is_some() || out.len() == 6);
            assert_eq!(got, want, "{text}");
        }
        assert!(deltas > 1000, "{deltas}");
        assert!(common_prefix(b"abcdefghijk", b"abcdefghijx") == 10);
        assert!(common_prefix(b"abc", b"abcdef") == 3);
    }

    #[test]
    fn token_ends_kept_per_thread_are_the_template_tokens() {
        let texts: Vec<String> = (0..KEPT_ENDS + 3)
            .map(|n| format!(r#"{{"K{n}":["{}",{n}],"x":true}}"#, "v".repeat(n)))
            .collect();
        // Ids far from the real fragments', in an order that finds, adds and drops.
        for id in [0, 1, 0, 2, 3, 4, 1, 5, 6, 0, 6, 6, 2] {
            let base = texts[id].as_str();
            let got = with_token_ends(usize::MAX - id, base, |ends| ends.to_vec());
            let want: Vec<usize> = Tokens::new(base).map(|(_, to)| to).collect();
            assert_eq!(got, want, "{base}");
        }
        TEMPLATE_ENDS.with(|cell| assert!(cell.borrow().len() <= KEPT_ENDS));
    }

    #[test]
    fn deltas_of_many_changes_count_them_in_more_than_one_byte() {
        // A template longer than any interned one, so only set by hand here.
        let entry = |v: u32| format!("\"a_long_key_that_stays_the_same_{v:03}\":1");
        let template: Vec<String> = (0..150).map(entry).collect();
        let template = leak(&format!("{{{}}}", template.join(",")));
        let text = template.replace(":1", ":2");
        let mut interner = Interner::default();
        let slot = u32::MAX - 9;
        let ends = Tokens::new(template).map(|(_, to)| to).collect();
        interner.templates.insert(
            slot,
            Template {
                id: 7,
                text: template,
                ends,
            },
        );
        let want = delta_token_by_token(7, template, &text);
        assert!(want.as_ref().is_some_and(|d| d[2] >= 0x80), "{want:?}");
        let mut out = Vec::new();
        assert!(interner.delta(slot, &text, &mut out));
        assert_eq!(Some(out), want);
    }

    #[test]
    fn unique_values_past_the_cap_are_stored_as_changes_of_the_template() {
        // A key of its own, so other tests do not share its template or its count.
        let key = "ZZNetworkInterfacesDeltaTest";
        let value = |n: u32| {
            json!({"NetworkInterface": [{
                "MacAddress": format!("00:16:3e:{:02x}:{:02x}:{:02x}", n >> 16 & 255, n >> 8 & 255, n & 255),
                "NetworkInterfaceId": format!("eni-bp1bench{n:012}"),
                "PrimaryIpAddress": format!("172.16.{}.{}", n / 200 % 200, n % 200 + 10),
                "PrivateIpSets": {"PrivateIpSet": [{"Primary": true,
                    "PrivateIpAddress": format!("172.16.{}.{}", n / 200 % 200, n % 200 + 10)}]},
                "Type": "Primary"
            }]})
        };
        let total = MAX_INTERNED_PER_KEY + 50;
        for n in 0..total {
            let v = value(n);
            let s = Stored::from_fields([(key.to_string(), v.clone())]);
            assert_eq!(s.get(key), Some(v.clone()), "value {n} reads back");
            assert_eq!(
                s.raw(key).as_deref(),
                Some(
                    crate::ecs::shapes::prepare_field(key, v.clone())
                        .to_string()
                        .as_str()
                )
            );
            if n >= MAX_INTERNED_PER_KEY {
                let inline = v.to_string().len();
                assert!(
                    s.len_bytes() * 3 < inline,
                    "value {n}: {} bytes stored for {inline}",
                    s.len_bytes()
                );
            }
        }
        // A value of another structure is written inline, and still reads back.
        let odd = json!({"NetworkInterface": [], "Other": "x".repeat(80)});
        let s = Stored::from_fields([(key.to_string(), odd.clone())]);
        assert_eq!(s.get(key), Some(odd));
    }

    #[test]
    fn serializes_as_a_map_and_reads_back() {
        let s = Stored::from_fields([
            ("ImageId".to_string(), json!("img-1")),
            ("Odd".to_string(), json!(null)),
        ]);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v, json!({"ImageId": "img-1", "Odd": null}));
        let text = serde_json::to_string(&s).unwrap();
        let back: Stored = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
    }
}
