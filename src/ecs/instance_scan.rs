//! Reading one [`Instance`] object straight from fixture text, without serde's
//! scanner: the fast path of a large fixture's instances.
//!
//! [`read`] walks the object itself, checking its JSON as it goes, and hands each field
//! to the same [`Fields`] the serde path fills: a stored field as the span of its text,
//! a typed field (`InstanceId`, `Status`, `Tags` …) read from its span by serde. It is
//! stricter than serde and returns `None` on anything it does not take (a key with an
//! escape, nesting deeper than [`MAX_DEPTH`], any syntax error, a typed value serde
//! refuses, a repeated or missing typed field); its caller then reads the object the
//! serde way, which gives the result or the error with its place. So it decides
//! nothing: for what it reads, it gives exactly what serde gives. A stored value that
//! starts with the very text seen at its position in the instances read lately on this
//! thread ([`Recent::known`]) is not walked again: that text is the whole value, and
//! its stored form is known.

use std::borrow::Cow;

use serde::de::value::BorrowedStrDeserializer;
use serde::Deserialize;

use crate::ecs::instance_de::{is_typed, FieldValue, Fields, OptTime, Source};
use crate::ecs::model::{
    opt_time, Disk, DiskStatus, DiskType, EcsTime, Instance, OperationLocks, Tag, Tags,
};
use crate::ecs::recent::Recent;
use crate::ecs::sym::{CowStr, Sym};

/// Nesting a stored value may have (serde allows more; deeper values take its path).
pub(crate) const MAX_DEPTH: usize = 64;

/// A checked span of JSON text holding one value.
struct Span<'de>(&'de str);

impl<'de> Source<'de> for Span<'de> {
    type Error = serde_json::Error;
    fn typed<T: Deserialize<'de>>(self) -> Result<T, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(self.0);
        let value = T::deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }
    fn stored(self) -> Result<FieldValue<'de>, serde_json::Error> {
        Ok(FieldValue::Text(Cow::Borrowed(self.0)))
    }
    fn text(self) -> Result<CowStr<'de>, serde_json::Error> {
        // A checked string without escapes is its text between the quotes.
        match self.plain() {
            Some(plain) => Ok(CowStr(Cow::Borrowed(plain))),
            None => self.typed(),
        }
    }
    fn tags(self) -> Result<Tags, serde_json::Error> {
        match plain_tags(self.0) {
            Some(tags) => Ok(tags),
            None => self.typed(),
        }
    }
    fn word<T: Deserialize<'de>>(self) -> Result<T, serde_json::Error> {
        // A string without escapes is its text: read by the same visitor from it.
        match self.plain() {
            Some(text) => T::deserialize(BorrowedStrDeserializer::<serde_json::Error>::new(text)),
            None => self.typed(),
        }
    }
    fn time(self) -> Result<Option<EcsTime>, serde_json::Error> {
        match self.plain() {
            Some(text) => opt_time::from_text(text),
            None => self.typed::<OptTime>().map(|t| t.0),
        }
    }
    fn disks(self) -> Result<Vec<Disk>, serde_json::Error> {
        match plain_disks(self.0) {
            Some(disks) => Ok(disks),
            None => self.typed(),
        }
    }
    fn locks(self) -> Result<OperationLocks, serde_json::Error> {
        // No locks, the common case: `{"LockReason": []}` or `{}`.
        let mut c = Cursor::new(self.0);
        let none = c.eat(b'{')
            && (c.eat(b'}')
                || (c.key("LockReason").is_some() && c.eat(b'[') && c.eat(b']') && c.eat(b'}')));
        if none && c.at == c.b.len() {
            return Ok(OperationLocks::default());
        }
        self.typed()
    }
}

impl<'de> Span<'de> {
    /// The text of a string without escapes.
    fn plain(&self) -> Option<&'de str> {
        self.0
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .filter(|s| !s.contains(['\\', '"']))
    }
}

/// A walk through a span of JSON text, for its common forms (the instance scanner's
/// tags and disks, the network read's `VpcAttributes`).
pub(crate) struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// A walk from the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor {
            text,
            b: text.as_bytes(),
            at: 0,
        }
    }

    /// A list, `[item, …]`, each item read by `item`; `None` when an item or the list's
    /// syntax is not as expected.
    pub(crate) fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        if !self.eat(b']') {
            loop {
                items.push(item(self)?);
                if !self.eat(b',') {
                    self.expect(b']')?;
                    break;
                }
            }
        }
        Some(items)
    }

    /// Step past whitespace and `c`, if `c` is next.
    pub(crate) fn eat(&mut self, c: u8) -> bool {
        let at = skip_ws(self.b, self.at);
        let found = self.b.get(at) == Some(&c);
        if found {
            self.at = at + 1;
        }
        found
    }

    /// Step past whitespace and `c`, which must be next.
    pub(crate) fn expect(&mut self, c: u8) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// A string without escapes, after whitespace; checked as [`string`] checks it (no
    /// control character), so a walk that takes text not checked before takes JSON.
    pub(crate) fn plain(&mut self) -> Option<&'a str> {
        let at = skip_ws(self.b, self.at);
        if self.b.get(at) != Some(&b'"') {
            return None;
        }
        let end = string(self.b, at, false)?;
        // Cut at quotes, which are whole characters.
        let text = self.text.get(at + 1..end - 1)?;
        self.at = end;
        Some(text)
    }

    /// The key `name` and its colon.
    pub(crate) fn key(&mut self, name: &str) -> Option<()> {
        (self.plain()? == name).then_some(())?;
        self.expect(b':')
    }

    /// The key `name`, its colon and a [`Cursor::plain`] string: that string.
    fn plain_field(&mut self, name: &str) -> Option<&'a str> {
        self.key(name)?;
        self.plain()
    }

    /// Whether nothing but whitespace is left.
    pub(crate) fn finished(&self) -> bool {
        skip_ws(self.b, self.at) == self.b.len()
    }
}

/// `Tags` in their common form, `{"Tag": [{"TagKey": "k", "TagValue": "v"}, …]}` with
/// strings without escapes, as serde reads them; `None` for any other form.
fn plain_tags(span: &str) -> Option<Tags> {
    let mut c = Cursor::new(span);
    let tags = tags_from(&mut c)?;
    c.finished().then_some(tags)
}

/// [`plain_tags`] of the text from `at` (whitespace first allowed) to where the `Tags`
/// object ends, and the offset just past it: the scanner reads an instance's tags in
/// the one walk that checks them.
fn plain_tags_at(text: &str, at: usize) -> Option<(Tags, usize)> {
    let mut c = Cursor::new(text);
    c.at = at;
    let tags = tags_from(&mut c)?;
    Some((tags, c.at))
}

/// `Tags` in their common form, read from where `c` is.
fn tags_from(c: &mut Cursor<'_>) -> Option<Tags> {
    c.expect(b'{')?;
    c.key("Tag")?;
    let tag = c.list(|c| {
        c.expect(b'{')?;
        let key = c.plain_field("TagKey")?;
        c.expect(b',')?;
        let value = c.plain_field("TagValue")?;
        c.expect(b'}')?;
        Some(Tag {
            tag_key: Sym::new(key),
            tag_value: Sym::new(value),
        })
    })?;
    c.expect(b'}')?;
    Some(Tags { tag })
}

/// `MockDisks` in their common form, `[{"DiskId": "d-…", "Type": "system", "Status":
/// "In_use"}, …]` (`Status` optional; strings without escapes; a `Type` serde takes),
/// as serde reads them; `None` for any other form.
fn plain_disks(span: &str) -> Option<Vec<Disk>> {
    let mut c = Cursor::new(span);
    let disks = c.list(|c| {
        c.expect(b'{')?;
        let id = c.plain_field("DiskId")?;
        c.expect(b',')?;
        let kind = c.plain_field("Type")?;
        let disk_type =
            DiskType::deserialize(BorrowedStrDeserializer::<serde_json::Error>::new(kind)).ok()?;
        let status = if c.eat(b',') {
            DiskStatus::from(c.plain_field("Status")?)
        } else {
            DiskStatus::default()
        };
        c.expect(b'}')?;
        Some(Disk::new(id.to_string(), disk_type, status))
    })?;
    c.finished().then_some(disks)
}

/// Whitespace as JSON has it.
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// `at` moved past any whitespace.
pub(crate) fn skip_ws(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && is_ws(b[at]) {
        at += 1;
    }
    at
}

/// The eight bytes of `s` from `at`, little-endian.
fn word(s: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(s[at..at + 8].try_into().expect("eight bytes"))
}

/// How many bytes `a` and `b` have in common from their start (compared eight at a
/// time: the texts compared while loading are short, and many are the same).
pub(crate) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let mut n = 0;
    while n + 8 <= len {
        let (x, y) = (word(a, n), word(b, n));
        if x != y {
            return n + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    if n == len {
        return len;
    }
    if len >= 8 {
        // The last eight bytes, as one word: the ones before `n` in it are known to be
        // the same, so its first difference is the first one (a byte at a time, the
        // tail of each comparison cost more than its words).
        let at = len - 8;
        let (x, y) = (word(a, at), word(b, at));
        return if x == y {
            len
        } else {
            at + ((x ^ y).trailing_zeros() / 8) as usize
        };
    }
    while n < len && a[n] == b[n] {
        n += 1;
    }
    n
}

/// Whether `a` and `b` are the same bytes: eight at a time, the last eight as one
/// word; fewer than eight in two overlapping halves (cheaper than `==`'s `memcmp` call
/// for the short texts compared while loading).
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if len < 4 {
        // Bytes 0, len / 2 and len - 1 are every byte.
        return len == 0 || (a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1]);
    }
    if len < 8 {
        let half =
            |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("four bytes"));
        return half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4);
    }
    let mut n = 0;
    while n + 8 <= len {
        if word(a, n) != word(b, n) {
            return false;
        }
        n += 8;
    }
    n == len || word(a, len - 8) == word(b, len - 8)
}

/// The eight bytes in `w` (little-endian) with the high bit of each byte that is `"`,
/// `\\` or a control character set; the lowest set bit is exactly the first such byte
/// (a borrow only runs upwards from one).
fn special(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) | below_space
}

/// The offset just past the string starting at `at` (a `"`), checked as serde checks
/// it: no control character, only JSON's escapes; `escapes` says whether any is taken.
pub(crate) fn string(b: &[u8], at: usize, escapes: bool) -> Option<usize> {
    let mut i = at + 1;
    loop {
        // Eight plain bytes at a time, up to the first byte that is not plain.
        while let Some(chunk) = b.get(i..i + 8) {
            let found = special(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
            if found != 0 {
                i += (found.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' if escapes => match *b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = b.get(i + 2..i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            },
            c if c < 0x20 || c == b'\\' => return None,
            _ => i += 1,
        }
    }
}

/// The offset just past the digits from `at` (at least one).
fn digits(b: &[u8], at: usize) -> Option<usize> {
    let n = b
        .get(at..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (n > 0).then_some(at + n)
}

/// The offset just past the number starting at `at`, in JSON's grammar.
fn number(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match *b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(b, i)?,
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    Some(i)
}

/// The offset just past the value starting at `at`, checked as JSON.
fn value(b: &[u8], at: usize, depth: usize) -> Option<usize> {
    match *b.get(at)? {
        b'"' => string(b, at, true),
        b'{' | b'[' if depth >= MAX_DEPTH => None,
        b'{' => {
            let mut i = skip_ws(b, at + 1);
            if b.get(i) == Some(&b'}') {
                return Some(i + 1);
            }
            loop {
                if b.get(i) != Some(&b'"') {
                    return None;
                }
                i = skip_ws(b, string(b, i, true)?);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i = skip_ws(b, value(b, skip_ws(b, i + 1), depth + 1)?);
                match *b.get(i)? {
                    b',' => i = skip_ws(b, i + 1),
                    b'}' => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        b'[' => {
            let mut i = skip_ws(b, at + 1);
            if b.get(i) == Some(&b']') {
                return Some(i + 1);
            }
            loop {
                i = skip_ws(b, value(b, i, depth + 1)?);
                match *b.get(i)? {
                    b',' => i = skip_ws(b, i + 1),
                    b']' => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        b't' => b[at..].starts_with(b"true").then_some(at + 4),
        b'f' => b[at..].starts_with(b"false").then_some(at + 5),
        b'n' => b[at..].starts_with(b"null").then_some(at + 4),
        _ => number(b, at),
    }
}

/// The instance object at `at` (whitespace first allowed) and the offset just past it;
/// `None` when this reader does not take it (see the module docs).
pub(crate) fn read(text: &str, at: usize) -> Option<(Instance, usize)> {
    let recent = Recent::take();
    let read = read_fields(text, at, &recent);
    // Put back before the fields are stored, which reads and updates it.
    recent.put();
    let (fields, end) = read?;
    let inst = fields.finish::<serde_json::Error>().ok()?;
    Some((inst, end))
}

/// The fields of the instance object at `at`, and the offset just past it. A stored
/// value that starts with a text seen at its position lately ([`Recent::known`]) is
/// taken without walking it.
fn read_fields<'a>(text: &'a str, at: usize, recent: &Recent) -> Option<(Fields<'a>, usize)> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, at);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut fields = Fields::new();
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string(b, i, false)?;
        let key = text.get(i + 1..key_end - 1)?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let known = if is_typed(key) {
            None
        } else {
            recent.known(fields.stored_len(), key, b.get(start..)?)
        };
        // Tags in their common form are read in the walk that checks them.
        let tags = match known {
            None if key == "Tags" => plain_tags_at(text, start),
            _ => None,
        };
        let end = match (known, tags) {
            (Some((id, len, place)), _) => {
                fields.push_stored(Cow::Borrowed(key), FieldValue::Interned(id, place));
                start + len
            }
            (None, Some((tags, end))) => {
                fields.read_tags(tags).ok()?;
                end
            }
            (None, None) => {
                let end = value(b, start, 1)?;
                let span = Span(text.get(start..end)?);
                fields.read(Cow::Borrowed(key), span).ok()?.ok()?;
                end
            }
        };
        i = skip_ws(b, end);
        match *b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => break,
            _ => return None,
        }
    }
    Some((fields, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde reads at `at`: the instance and the offset past it, or nothing.
    fn serde_read(text: &str, at: usize) -> Option<(Instance, usize)> {
        let mut stream =
            serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<Instance>();
        let inst = stream.next()?.ok()?;
        Some((inst, at + stream.byte_offset()))
    }

    /// Whether the scanner takes `text`; if it does, it reads what serde reads.
    fn taken_as_serde_reads(text: &str, what: &str) -> bool {
        let Some(got) = read(text, 0) else {
            return false;
        };
        assert_eq!(Some(got), serde_read(text, 0), "{what}: {text}");
        true
    }

    fn sample() -> String {
        let f = crate::store::fixtures::default_fixture();
        let mut inst = serde_json::to_value(&*f.instances[0]).unwrap();
        inst["Tags"] = serde_json::json!({"Tag": [{"TagKey": "k", "TagValue": "v\u{4f4d}"}]});
        inst["MockDisks"] = serde_json::json!([{"DiskId": "d-1", "Type": "system"}]);
        inst["Odd"] =
            serde_json::json!({"a": [1, -2.5e3, true, false, null, "x\\\"\u{1}"], "b": {}});
        serde_json::to_string_pretty(&inst).unwrap()
    }

    /// The first byte [`special`] marks.
    fn first_special(w: [u8; 8]) -> Option<usize> {
        let found = special(u64::from_le_bytes(w));
        (found != 0).then_some((found.trailing_zeros() / 8) as usize)
    }

    #[test]
    fn common_prefixes_eight_bytes_at_a_time_are_the_byte_by_byte_ones() {
        let base = b"0123456789abcdefghijklmnopqrstuv";
        for len in 0..base.len() {
            for at in 0..=len {
                let a = &base[..len];
                let mut b = base[..len].to_vec();
                if at < len {
                    b[at] = b'#';
                }
                let naive = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
                assert_eq!(common_prefix(a, &b), naive, "{len} {at}");
                assert_eq!(common_prefix(a, &base[..]), len);
                assert_eq!(same_bytes(a, &b), a == b.as_slice());
                assert_eq!(same_bytes(a, base), len == base.len());
                // A second difference after the first: the first is the one found.
                for later in at + 1..len {
                    let mut c = b.clone();
                    c[later] = b'%';
                    let naive = a.iter().zip(&c).take_while(|(x, y)| x == y).count();
                    assert_eq!(common_prefix(a, &c), naive, "{len} {at} {later}");
                    assert_eq!(common_prefix(&c, a), naive, "{len} {at} {later}");
                    assert!(!same_bytes(a, &c));
                }
            }
        }
    }

    #[test]
    fn eight_bytes_at_a_time_find_what_one_at_a_time_finds() {
        for n in 0u8..=255 {
            for at in 0..8 {
                let mut w = *b"abcdefgh";
                w[at] = n;
                let first = w.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
                assert_eq!(first_special(w), first, "byte {n} at {at}");
            }
        }
        // Words of bytes near the ones looked for, in every mix.
        let near = [
            0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xA0, 0xDC, 0xFF,
        ];
        let mut seed = 1u64;
        for _ in 0..200_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let w: [u8; 8] = std::array::from_fn(|k| near[(seed >> (8 * k)) as usize % near.len()]);
            let first = w.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            assert_eq!(first_special(w), first, "{w:?}");
        }
    }

    #[test]
    fn reads_what_serde_reads() {
        let text = sample();
        let (fast, end) = read(&text, 0).expect("a plain instance is read");
        assert_eq!(Some((fast, end)), serde_read(&text, 0));
        let compact: serde_json::Value = serde_json::from_str(&text).unwrap();
        let compact = format!("  {compact}, ");
        assert_eq!(read(&compact, 0), serde_read(&compact, 0));
    }

    #[test]
    fn whatever_it_reads_from_mangled_text_serde_reads_the_same() {
        // Every byte of an instance deleted, doubled or replaced by a JSON mark: this
        // reader gives up or reads what serde reads.
        let text = sample();
        let mut taken = 0;
        for at in 0..text.len() {
            if !text.is_char_boundary(at) || !text.is_char_boundary(at + 1) {
                continue;
            }
            let mut variants = vec![
                format!("{}{}", &text[..at], &text[at + 1..]),
                format!("{}{}", &text[..at + 1], &text[at..]),
            ];
            for mark in [
                "\"", "{", "}", "[", "]", ",", ":", "\\", "0", "-", "\u{1}", "e",
            ] {
                variants.push(format!("{}{mark}{}", &text[..at], &text[at + 1..]));
            }
            for v in variants {
                taken += usize::from(taken_as_serde_reads(&v, "variant"));
            }
        }
        assert!(taken > 100, "only {taken} variants read");
    }

    #[test]
    fn values_seen_lately_are_taken_as_serde_reads_them() {
        let text = sample();
        for _ in 0..3 {
            assert_eq!(read(&text, 0), serde_read(&text, 0));
        }
        // Each stored value that is interned is now known at its position, from its
        // first byte on, as the whole value.
        let doc: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        let stored: Vec<&String> = doc.keys().filter(|k| !is_typed(k)).collect();
        let recent = Recent::take();
        let mut known = 0;
        for (n, key) in stored.iter().enumerate() {
            let label = format!("\n  \"{key}\": ");
            let start = text.find(&label).unwrap() + label.len();
            if let Some((_, len, _)) = recent.known(n, key, &text.as_bytes()[start..]) {
                assert_eq!(value(text.as_bytes(), start, 1), Some(start + len), "{key}");
                known += 1;
            }
        }
        recent.put();
        assert!(
            known > 5 && known + 4 > stored.len(),
            "{known} of {stored:?}"
        );
        // Whatever follows a known value, or replaces its first or last byte, is read
        // as serde reads it (or left to serde).
        let mut taken = 0;
        for (n, key) in stored.iter().enumerate() {
            let label = format!("\n  \"{key}\": ");
            let start = text.find(&label).unwrap() + label.len();
            let end = value(text.as_bytes(), start, 1).unwrap();
            for at in [start, end - 1, end, end + 1] {
                for mark in ["", "0", "5", ".", "e", "x", "}", "]", ",", " ", "\"", "{"] {
                    let v = format!("{}{mark}{}", &text[..at], &text[at + 1..]);
                    taken += usize::from(taken_as_serde_reads(&v, &n.to_string()));
                }
            }
        }
        assert!(taken > 20, "only {taken} variants read");
    }

    #[test]
    fn words_times_and_locks_read_as_serde_reads_them() {
        use crate::ecs::model::{ChargeType, Status, StoppedMode};
        let words = [
            r#""Running""#,
            r#""Stopped""#,
            r#""running""#,
            r#""Run\u006eing""#,
            r#""""#,
            r#""Not-applicable""#,
            r#""KeepCharging""#,
            r#""PrePaid""#,
            r#""web \"1\"""#,
            r#""web 1""#,
            "null",
            "7",
            "true",
            r#"["Running"]"#,
            r#"{"Running":null}"#,
        ];
        for text in words {
            let span = || Span(text);
            assert_eq!(
                span().word::<Status>().ok(),
                serde_json::from_str::<Status>(text).ok(),
                "{text}"
            );
            assert_eq!(
                span().word::<StoppedMode>().ok(),
                serde_json::from_str::<StoppedMode>(text).ok()
            );
            assert_eq!(
                span().word::<ChargeType>().ok(),
                serde_json::from_str::<ChargeType>(text).ok()
            );
            assert_eq!(
                span().word::<String>().ok(),
                serde_json::from_str::<String>(text).ok()
            );
        }
        for text in [
            r#""2026-01-02T08:05Z""#,
            r#""""#,
            r#""  ""#,
            "null",
            r#"" 2026-01-02T08:05Z ""#,
            r#""2026-01-02T08:05:07.250Z""#,
            r#""2026-13-02T08:05Z""#,
            r#""soon""#,
            r#""2026-01-02T08:05\u005a""#,
            "5",
            r#"["2026-01-02T08:05Z"]"#,
        ] {
            let serde = serde_json::from_str::<OptTime>(text).map(|t| t.0);
            let fast = Span(text).time();
            assert_eq!(fast.as_ref().ok(), serde.as_ref().ok(), "{text}");
            if let (Err(a), Err(b)) = (fast, serde) {
                assert_eq!(a.to_string(), b.to_string(), "{text}");
            }
        }
        for text in [
            r#"{"LockReason": []}"#,
            r#"{"LockReason":[]}"#,
            "{}",
            r#"{ "LockReason" : [ ] }"#,
            r#"{"LockReason": [{"LockReason": "security"}]}"#,
            r#"{"LockReason": null}"#,
            r#"{"LockReason": [], "LockReason": []}"#,
            r#"{"Lock\u0052eason": []}"#,
            r#"{"LockReason": [], "Odd": 1}"#,
            "[]",
            "null",
        ] {
            assert_eq!(
                Span(text).locks().ok(),
                serde_json::from_str::<OperationLocks>(text).ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn tags_in_their_common_form_read_as_serde_reads_them() {
        for text in [
            r#"{"Tag": []}"#,
            r#"{"Tag": [{"TagKey": "env", "TagValue": "dev"}, {"TagKey": "a:b", "TagValue": ""}]}"#,
            r#" { "Tag" : [ { "TagKey" : "k" , "TagValue" : "v\u00e9" } ] } "#,
            r#"{"Tag": [{"TagValue": "v", "TagKey": "k"}]}"#,
            r#"{"Tag": [{"TagKey": "k"}]}"#,
            r#"{"Tag": [{"TagKey": "k", "TagValue": "v", "Odd": 1}]}"#,
            r#"{"Tag": [{"TagKey": "k", "TagValue": 5}]}"#,
            r#"{"Tag": [], "Tag": []}"#,
            r#"{}"#,
            r#"[]"#,
        ] {
            let serde = serde_json::from_str::<Tags>(text).map_err(|e| e.to_string());
            let fast = Span(text).tags().map_err(|e| e.to_string());
            assert_eq!(fast, serde, "{text}");
        }
        assert!(plain_tags(r#"{"Tag": [{"TagKey": "k", "TagValue": "v"}]}"#).is_some());
        // Read from unchecked text, they end where the checking walk ends them, and a
        // string the walk refuses is not taken.
        let mut taken = 0;
        for text in [
            r#"{"Tag": []}"#,
            r#" { "Tag" : [ { "TagKey" : "k" , "TagValue" : "v" } ] } "#,
            "{\"Tag\": [{\"TagKey\": \"env\", \"TagValue\": \"dev\"}, {\"TagKey\": \"a:b\", \"TagValue\": \"\u{4f4d}\"}]}",
            "{\"Tag\": [{\"TagKey\": \"k\u{1}\", \"TagValue\": \"v\"}]}",
            "{\"Tag\": [{\"TagKey\": \"k\", \"TagValue\": \"v\t\"}]}",
            r#"{"Tag": [{"TagKey": "k", "TagValue": "v\n"}]}"#,
            r#"{"Tag": [{"TagKey": "k", "TagValue": "v"}"#,
        ] {
            let doc = format!("{text}, \"Next\": 1}}");
            let b = doc.as_bytes();
            let serde = serde_json::from_str::<Tags>(text).map_err(|e| e.to_string());
            match plain_tags_at(&doc, 0) {
                Some((tags, end)) => {
                    taken += 1;
                    assert_eq!(value(b, skip_ws(b, 0), 1), Some(end), "{text}");
                    assert_eq!(Ok(tags), serde, "{text}");
                }
                // Refused: serde refuses it too, or reads an escape.
                None => assert!(serde.is_err() || text.contains('\\'), "{text}"),
            }
        }
        assert_eq!(taken, 3);
    }

    #[test]
    fn disks_in_their_common_form_read_as_serde_reads_them() {
        let base = r#"[{"DiskId": "d-1", "Type": "system", "Status": "In_use"}, {"DiskId": "d-2", "Type": "data"}]"#;
        let mut texts: Vec<String> = [
            r#"[]"#,
            r#" [ { "DiskId" : "d-1" , "Type" : "local" , "Status" : "in_use" } ] "#,
            r#"[{"DiskId": "d-1", "Type": "System"}]"#,
            r#"[{"DiskId": "d-1", "Type": "data", "Status": "Available", "Encrypted": true}]"#,
            r#"[{"Type": "data", "DiskId": "d-1"}]"#,
            r#"[{"DiskId": "d-1", "Type": "data", "Status": "Error", "Size": 40}]"#,
            r#"[{"DiskId": "d-\u0031", "Type": "data"}]"#,
            r#"[{"DiskId": "d-1", "Type": "data", "Status": 5}]"#,
            r#"[{"DiskId": "d-1", "Type": "data", "Odd": 1}]"#,
            r#"[{"DiskId": "d-1"}]"#,
            r#"{}"#,
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        texts.push(base.to_string());
        // Every byte deleted, doubled or replaced by a few others.
        for at in 0..base.len() {
            let (head, tail) = base.split_at(at);
            texts.push(format!("{head}{}", &tail[1..]));
            texts.push(format!("{head}{}{tail}", &tail[..1]));
            for b in ["\"", ",", "}", "]", "{", " ", "x", "1"] {
                texts.push(format!("{head}{b}{}", &tail[1..]));
            }
        }
        let mut fast_reads = 0;
        for text in &texts {
            let serde = serde_json::from_str::<Vec<Disk>>(text).map_err(|e| e.to_string());
            if let Some(fast) = plain_disks(text) {
                fast_reads += 1;
                assert_eq!(Ok(fast), serde.clone(), "{text}");
            }
            let fast = Span(text).disks().map_err(|e| e.to_string());
            assert_eq!(fast, serde, "{text}");
        }
        assert!(fast_reads > 5, "{fast_reads}");
        assert!(plain_disks(base).is_some());
    }

    #[test]
    fn gives_up_where_serde_reports() {
        let text = sample();
        for bad in [
            text.replacen("\"Status\"", "\"Status\": \"Running\", \"Status\"", 1),
            text.replacen("\"ZoneId\"", "\"Zone\"", 1),
            text.replacen("\"InstanceId\"", "\"Instance\\u0049d\"", 1),
            format!("[{text}]"),
            "{}".to_string(),
        ] {
            assert!(read(&bad, 0).is_none(), "{bad}");
        }
    }
}
