//! Decoded request parameters with typed accessors that fail with ECS errors.
//!
//! The gateway merges the query string and the form body into one [`Params`]; action
//! parsers read it with [`Params::required`], [`Params::bool`], [`Params::int`],
//! [`Params::repeat`] and [`Params::tags`], each of which turns a bad value into the
//! documented error (`Missing<Name>`, `InvalidParameter` naming the parameter …).

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult, Code};
use crate::scan;

/// Request parameters in wire order (all of them, as signed), looked up by name.
///
/// Every decoded name and value sits in one string, back to back; a pair is three
/// offsets into it. So an SDK's request is two allocations (the text, the spans; a
/// request of more than `SCANNED` pairs adds a sorted name index), not two per pair,
/// and the journal copies them into buffers of its own ([`Recorded::assign`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Decoded names and values, back to back.
    text: String,
    /// Per pair, in wire order: where its name starts, where its value starts (the
    /// name's end) and where the value ends, in `text`.
    spans: Vec<[u32; 3]>,
    /// The index in `spans` of the last occurrence of each name, sorted by name (byte
    /// order): a lookup is a binary search, and no name is copied. Empty while there
    /// are at most [`SCANNED`] pairs: a lookup scans them instead.
    index: Vec<u32>,
    /// How many of the pairs came from the query string (the first ones).
    query_len: usize,
    /// A bit per [`name_mix`] (its low six bits) of every name present: most names an action looks up
    /// are absent, and most of those are known absent from this word alone.
    present: u64,
    /// While the pairs are scanned: each name's tag (the low byte of [`name_mix`]), so
    /// that a scan compares the bytes of the few names with the wanted tag only.
    name_tags: [u8; SCANNED],
}

thread_local! {
    /// Each thread keeps the buffers of the last few parameter lists it dropped, and
    /// the next request's are decoded into them: two allocations and two frees fewer
    /// per request. Buffers of more than [`SPARE_BYTES`] together are freed.
    static SPARE: RefCell<Vec<(String, Vec<[u32; 3]>)>> = const { RefCell::new(Vec::new()) };
}

/// How many spare pairs of buffers a thread keeps.
const SPARES: usize = 4;

/// The most bytes a list's two buffers may hold and still be kept spare.
const SPARE_BYTES: usize = 16 * 1024;

impl Drop for Params {
    fn drop(&mut self) {
        let held = self.text.capacity() + self.spans.capacity() * size_of::<[u32; 3]>();
        if self.text.capacity() == 0 || held > SPARE_BYTES {
            return;
        }
        let buffers = (
            std::mem::take(&mut self.text),
            std::mem::take(&mut self.spans),
        );
        // At thread exit the spares may be gone already: the buffers are simply freed.
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARES {
                spare.push(buffers);
            }
        });
    }
}

/// Up to this many pairs, a lookup scans them (newest first) rather than keep a sorted
/// index: an SDK's request has about fifteen, and a scan of those is cheaper than
/// sorting them.
const SCANNED: usize = 32;

/// A name's mix of its length and its first and last bytes: its low six bits pick its
/// bit in [`Params::present`], its low byte is its tag in a scan.
fn name_mix(name: &[u8]) -> u32 {
    mix_with(name, |b| b)
}

/// [`name_mix`] with the first and last bytes in lower case: names compared without
/// regard to case have the same one.
fn folded_mix(name: &[u8]) -> u32 {
    mix_with(name, |b| b.to_ascii_lowercase())
}

/// The mix of a name's length and its first and last bytes, each seen through `byte`.
#[inline]
fn mix_with(name: &[u8], byte: impl Fn(u8) -> u8) -> u32 {
    let (first, last) = match name {
        [] => (0, 0),
        [first, .., last] => (byte(*first), byte(*last)),
        [only] => (byte(*only), byte(*only)),
    };
    (name.len() as u32).wrapping_mul(7) + u32::from(first) * 3 + u32::from(last)
}

/// Decoded `application/x-www-form-urlencoded` pairs (a query string or a form body), in
/// order: `+` is a space, `%XX` a byte, invalid UTF-8 replaced.
pub fn decode(raw: &[u8]) -> Vec<(String, String)> {
    let mut params = Params::default();
    params.decode_into(raw);
    params
        .pairs()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of an ASCII hex digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One pair of `text`.
fn pair_of<'a>(text: &'a str, span: &[u32; 3]) -> (&'a str, &'a str) {
    let [a, b, c] = *span;
    (&text[a as usize..b as usize], &text[b as usize..c as usize])
}

/// Request parameters as the journal keeps them: in wire order, without the ones it
/// must not show, and without a name index (see [`Params::record`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    text: String,
    spans: Vec<[u32; 3]>,
}

impl Recorded {
    /// Becomes a copy of `params`' pairs without those whose name is one of `hidden`
    /// (compared without regard to case): their text is never copied. The buffers this
    /// held are reused, so the journal, which overwrites its oldest entry, allocates
    /// nothing once its buffers have grown.
    pub fn assign(&mut self, params: &Params, hidden: &[&str]) {
        self.text.clear();
        self.spans.clear();
        self.text.reserve(params.text.len());
        self.spans.reserve(params.spans.len());
        // Most names are kept on their case-folded mix alone (length, first and last
        // byte): an SDK's `RegionId` or `Timestamp` has the length of a hidden name,
        // but not also its ends.
        let mixes = hidden
            .iter()
            .fold(0u64, |bits, h| bits | 1 << (folded_mix(h.as_bytes()) & 63));
        let hidden_name = |name: &str| {
            mixes & 1 << (folded_mix(name.as_bytes()) & 63) != 0
                && hidden.iter().any(|h| h.eq_ignore_ascii_case(name))
        };
        // The pairs' texts are back to back: each run of kept pairs is copied in one
        // piece (an SDK's request is one run before its `Signature`), and each span is
        // moved by where its run lands.
        let src = &params.text;
        // The run of kept text not yet copied; a hidden pair breaks it.
        let mut run = 0..0;
        for &[start, middle, end] in &params.spans {
            let [start, middle, end] = [start, middle, end].map(|x| x as usize);
            if hidden_name(&src[start..middle]) {
                continue;
            }
            if start != run.end {
                self.text.push_str(&src[run]);
                run = start..start;
            }
            let at = self.text.len() + (start - run.start);
            self.spans
                .push([at, at + (middle - start), at + (end - start)].map(|x| x as u32));
            run.end = end;
        }
        self.text.push_str(&src[run]);
    }

    /// Every pair kept, in wire order.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone + '_ {
        self.spans.iter().map(|s| pair_of(&self.text, s))
    }
}

/// Offsets into the text are `u32`: a request is far below 4 GiB (bodies are capped).
fn offset(text: &str) -> u32 {
    u32::try_from(text.len()).expect("parameters fit in 4 GiB")
}

impl Params {
    /// An empty list, in the buffers of one this thread dropped when there is one.
    fn reusing_spare() -> Self {
        let mut params = Params::default();
        if let Ok(Some((mut text, mut spans))) = SPARE.try_with(|spare| spare.borrow_mut().pop()) {
            text.clear();
            spans.clear();
            (params.text, params.spans) = (text, spans);
        }
        params
    }

    /// The parameters of a raw query string (`a=1&b=2`, undecoded).
    pub fn from_query(raw: &[u8]) -> Self {
        let mut params = Params::reusing_spare();
        params.decode_into(raw);
        params.query_len = params.spans.len();
        params.reindex();
        params
    }

    /// Add the pairs of a raw `application/x-www-form-urlencoded` body after the
    /// query's.
    pub fn extend_form(&mut self, raw: &[u8]) {
        let before = self.spans.len();
        self.decode_into(raw);
        if self.spans.len() > before {
            self.reindex();
        }
    }

    /// Build from decoded pairs (in-process callers: tests, fuzzing); all of them count
    /// as the query.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut params = Params::default();
        for (name, value) in &pairs {
            params.push(name, value);
        }
        params.query_len = params.spans.len();
        params.reindex();
        params
    }

    fn push(&mut self, name: &str, value: &str) {
        let start = offset(&self.text);
        self.text.push_str(name);
        let middle = offset(&self.text);
        self.text.push_str(value);
        self.spans.push([start, middle, offset(&self.text)]);
    }

    /// Decode `raw` (split at `&`, empty segments skipped, each at its first `=`) and
    /// append its pairs, in one pass that copies the runs between the bytes it acts on
    /// (`+` is a space, `%XX` a byte, a `%` without two hex digits stays).
    fn decode_into(&mut self, raw: &[u8]) {
        if raw.is_empty() {
            return;
        }
        let spans_before = self.spans.len();
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        let text_before = bytes.len();
        bytes.reserve(raw.len());
        self.spans
            .reserve(memchr::memchr_iter(b'&', raw).count() + 1);
        let (mut i, mut segment_start, mut high) = (0, 0, false);
        let (mut start, mut middle) = (bytes.len(), None);
        loop {
            let run = i + scan::first_in::<scan::QueryStops>(&raw[i..]);
            scan::push_run(&mut bytes, &raw[i..run]);
            i = run;
            if i == raw.len() || raw[i] == b'&' {
                if i > segment_start {
                    let middle = middle.unwrap_or(bytes.len());
                    self.spans
                        .push([start, middle, bytes.len()].map(|at| at as u32));
                }
                if i == raw.len() {
                    break;
                }
                i += 1;
                (segment_start, start, middle) = (i, bytes.len(), None);
                continue;
            }
            match raw[i] {
                b'=' if middle.is_none() => middle = Some(bytes.len()),
                b'+' => bytes.push(b' '),
                b'%' => match (
                    raw.get(i + 1).and_then(|&h| hex(h)),
                    raw.get(i + 2).and_then(|&l| hex(l)),
                ) {
                    (Some(h), Some(l)) => {
                        let byte = h << 4 | l;
                        high |= byte >= 0x80;
                        bytes.push(byte);
                        i += 2;
                    }
                    _ => bytes.push(b'%'),
                },
                b => {
                    high |= b >= 0x80;
                    bytes.push(b);
                }
            }
            i += 1;
        }
        let invalid = |part: &[u8]| std::str::from_utf8(part).is_err();
        let lossy = high
            && self.spans[spans_before..].iter().any(|&[a, b, c]| {
                invalid(&bytes[a as usize..b as usize]) || invalid(&bytes[b as usize..c as usize])
            });
        assert!(bytes.len() <= u32::MAX as usize, "parameters fit in 4 GiB");
        if !high {
            // SAFETY: the text before was a `String`, and every byte added is ASCII.
            self.text = unsafe { String::from_utf8_unchecked(bytes) };
            return;
        }
        if !lossy {
            match String::from_utf8(bytes) {
                Ok(text) => {
                    self.text = text;
                    return;
                }
                Err(e) => bytes = e.into_bytes(),
            }
        }
        // A name or value that is not UTF-8 on its own: each one made text apart, what
        // is invalid replaced (as `form_urlencoded` decodes).
        let decoded: Vec<[u32; 3]> = self.spans.drain(spans_before..).collect();
        let mut text = String::from_utf8_lossy(&bytes[..text_before]).into_owned();
        for [a, b, c] in decoded {
            let start = offset(&text);
            text.push_str(&String::from_utf8_lossy(&bytes[a as usize..b as usize]));
            let middle = offset(&text);
            text.push_str(&String::from_utf8_lossy(&bytes[b as usize..c as usize]));
            self.spans.push([start, middle, offset(&text)]);
        }
        self.text = text;
    }

    fn reindex(&mut self) {
        self.present = 0;
        for i in 0..self.spans.len() as u32 {
            let mix = name_mix(self.name_bytes(i));
            self.present |= 1 << (mix & 63);
            if let Some(tag) = self.name_tags.get_mut(i as usize) {
                *tag = mix as u8;
            }
        }
        self.index = if self.spans.len() <= SCANNED {
            Vec::new()
        } else {
            self.sorted_index()
        };
    }

    /// The index in `spans` of the last occurrence of each name, sorted by name.
    fn sorted_index(&self) -> Vec<u32> {
        let mut index: Vec<u32> = (0..self.spans.len() as u32).collect();
        // By name, then by position: the last of a run of equal names is the one kept.
        index.sort_unstable_by(|&a, &b| self.name_bytes(a).cmp(self.name_bytes(b)).then(a.cmp(&b)));
        index.dedup_by(|later, earlier| {
            let same = self.name_bytes(*later) == self.name_bytes(*earlier);
            if same {
                *earlier = *later;
            }
            same
        });
        index
    }

    /// A name as bytes: compared without the character-boundary checks of `str`
    /// slicing (a lookup compares several).
    fn name_bytes(&self, i: u32) -> &[u8] {
        let [start, end, _] = self.spans[i as usize];
        &self.text.as_bytes()[start as usize..end as usize]
    }

    fn name(&self, i: u32) -> &str {
        let [start, end, _] = self.spans[i as usize];
        &self.text[start as usize..end as usize]
    }

    fn value(&self, i: u32) -> &str {
        let [_, start, end] = self.spans[i as usize];
        &self.text[start as usize..end as usize]
    }

    fn pair(&self, span: &[u32; 3]) -> (&str, &str) {
        pair_of(&self.text, span)
    }

    /// Every pair, as received (the V1 signature covers these).
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone + '_ {
        self.spans.iter().map(|s| self.pair(s))
    }

    /// The pairs of the query string (the V3 canonical query covers these).
    pub fn query(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone + '_ {
        self.spans[..self.query_len].iter().map(|s| self.pair(s))
    }

    /// How many pairs there are.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The pairs to record (the journal), without those whose name is one of `hidden`
    /// (compared without regard to case): see [`Recorded::assign`].
    pub fn record(&self, hidden: &[&str]) -> Recorded {
        let mut recorded = Recorded::default();
        recorded.assign(self, hidden);
        recorded
    }

    /// A parameter's value (the last one when repeated).
    pub fn get(&self, name: &str) -> Option<&str> {
        let wanted = name.as_bytes();
        let mix = name_mix(wanted);
        if self.present & (1 << (mix & 63)) == 0 {
            return None;
        }
        if self.index.is_empty() {
            let tag = mix as u8;
            let at = (0..self.spans.len() as u32)
                .rev()
                .find(|&i| self.name_tags[i as usize] == tag && self.name_bytes(i) == wanted)?;
            return Some(self.value(at));
        }
        let at = self
            .index
            .binary_search_by(|&i| {
                // Most names differ in their first byte: compare it before the rest.
                let have = self.name_bytes(i);
                match (have.first(), wanted.first()) {
                    (Some(a), Some(b)) if a != b => a.cmp(b),
                    _ => have.cmp(wanted),
                }
            })
            .ok()?;
        Some(self.value(self.index[at]))
    }

    /// A non-empty value, or `None`.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        // A printable ASCII first byte is not whitespace: most values are not trimmed.
        self.get(name).filter(|v| {
            v.as_bytes().first().is_some_and(u8::is_ascii_graphic) || !v.trim().is_empty()
        })
    }

    /// A required non-empty value, or `Missing<Name>` (400).
    pub fn required(&self, name: &str) -> ApiResult<&str> {
        self.non_empty(name).ok_or_else(|| ApiError::missing(name))
    }

    /// A boolean, accepted case-insensitively (`true`, `True`, `false`, `False`).
    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.non_empty(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_param(name)),
        }
    }

    /// A boolean with a default.
    pub fn flag(&self, name: &str, default: bool) -> ApiResult<bool> {
        Ok(self.bool(name)?.unwrap_or(default))
    }

    /// An integer.
    pub fn int(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.non_empty(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::invalid_param(name)),
        }
    }

    /// An integer within `[min, max]`, or `InvalidParameter`.
    pub fn int_in(&self, name: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        match self.int(name)? {
            Some(v) if v < min || v > max => Err(ApiError::invalid_param(name)),
            v => Ok(v),
        }
    }

    /// A decimal number.
    pub fn float(&self, name: &str) -> ApiResult<Option<f64>> {
        match self.non_empty(name) {
            None => Ok(None),
            Some(v) => match v.trim().parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Some(f)),
                _ => Err(ApiError::invalid_param(name)),
            },
        }
    }

    /// A `RepeatList`: `Name.1`, `Name.2`, … in index order (gaps allowed).
    pub fn repeat(&self, name: &str) -> Vec<String> {
        let number =
            |k: &str| -> Option<u32> { k.strip_prefix(name)?.strip_prefix('.')?.parse().ok() };
        // Each `Name.N` once (its last value), as (N, name, value).
        let mut items: Vec<(u32, &str, &str)> = Vec::new();
        if self.index.is_empty() {
            // A small request: scanned newest first, so a name's first sight is its last
            // value.
            for i in (0..self.spans.len() as u32).rev() {
                let k = self.name(i);
                if let Some(n) = number(k) {
                    if !items.iter().any(|(_, seen, _)| *seen == k) {
                        items.push((n, k, self.value(i)));
                    }
                }
            }
        } else {
            // The names that start with `name` are one run of the index.
            let from = self.index.partition_point(|&i| self.name(i) < name);
            for &i in &self.index[from..] {
                let k = self.name(i);
                if !k.starts_with(name) {
                    break;
                }
                if let Some(n) = number(k) {
                    items.push((n, k, self.value(i)));
                }
            }
        }
        items.retain(|(_, _, v)| !v.is_empty());
        items.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        items.into_iter().map(|(_, _, v)| v.to_string()).collect()
    }

    /// `Tag.N.Key` / `Tag.N.Value` (also the legacy lower-case `key`/`value`), N = 1–20.
    /// A value without a key is `InvalidTag.Mismatch`; more than 20 is `InvalidTagCount`.
    pub fn tags(&self) -> ApiResult<Vec<(String, Option<String>)>> {
        let by_n = self.tag_slots();
        if by_n.len() > 20 || by_n.keys().any(|&n| n == 0 || n > 20) {
            return Err(ApiError::new(Code::InvalidTagCount));
        }
        by_n.into_values()
            .map(|(k, v)| match k {
                Some(k) if !k.is_empty() => Ok((k, v)),
                _ => Err(ApiError::new(Code::InvalidTagMismatch)),
            })
            .collect()
    }

    /// `Tag.N.Key` / `Tag.N.Value` (and the legacy lower-case `key` / `value`) by N, as
    /// sent: no limits checked (see [`Params::tags`]).
    pub fn tag_slots(&self) -> BTreeMap<u32, (Option<String>, Option<String>)> {
        let mut by_n: BTreeMap<u32, (Option<String>, Option<String>)> = BTreeMap::new();
        for (k, v) in self.pairs() {
            let Some((n, field)) = k.strip_prefix("Tag.").and_then(|r| r.split_once('.')) else {
                continue;
            };
            let Ok(n) = n.parse::<u32>() else { continue };
            let slot = by_n.entry(n).or_default();
            match field {
                "Key" | "key" => slot.0 = Some(v.to_string()),
                "Value" | "value" => slot.1 = Some(v.to_string()),
                _ => {}
            }
        }
        by_n
    }

    /// Absent, or one of `allowed` (exact case); otherwise the error `err` makes. For
    /// values that are checked but not used; a value the action acts on is a [`Choice`].
    pub fn one_of(
        &self,
        name: &str,
        allowed: &[&str],
        err: impl FnOnce() -> ApiError,
    ) -> ApiResult<()> {
        match self.non_empty(name) {
            Some(v) if !allowed.contains(&v) => Err(err()),
            _ => Ok(()),
        }
    }

    /// Absent, or the [`Choice`] spelled exactly as the value; otherwise the error `err`
    /// makes (only then: some errors format their message).
    pub fn choice<T: Choice>(
        &self,
        name: &str,
        err: impl FnOnce() -> ApiError,
    ) -> ApiResult<Option<T>> {
        match self.non_empty(name) {
            None => Ok(None),
            Some(v) => T::ALL
                .iter()
                .copied()
                .find(|c| c.as_str() == v)
                .map(Some)
                .ok_or_else(err),
        }
    }
}

/// A parameter that takes one of a closed set of values (exact case on the wire).
pub trait Choice: Copy + 'static {
    /// Every value.
    const ALL: &'static [Self];
    /// The wire spelling.
    fn as_str(self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_list_lends_its_buffers_to_the_next_and_nothing_else() {
        let first = Params::from_query(b"Action=StartInstance&InstanceId=i-1&Extra=%41%42");
        let buffer = first.text.as_ptr();
        drop(first);
        let next = Params::from_query(b"RegionId=cn-hangzhou&Action=StopInstance");
        assert_eq!(next.text.as_ptr(), buffer, "the text buffer was reused");
        let pairs: Vec<(&str, &str)> = next.pairs().collect();
        assert_eq!(
            pairs,
            [("RegionId", "cn-hangzhou"), ("Action", "StopInstance")]
        );
        assert_eq!(next.get("InstanceId"), None);
        assert_eq!(next.get("Extra"), None);
        assert_eq!(next.get("Action"), Some("StopInstance"));
        // A list too large to keep is freed, not lent.
        let large = Params::from_query(format!("A={}", "x".repeat(SPARE_BYTES)).as_bytes());
        let buffer = large.text.as_ptr();
        drop(large);
        assert_ne!(Params::from_query(b"B=1").text.as_ptr(), buffer);
    }

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn decode_is_form_urlencoded() {
        let cases: [&[u8]; 12] = [
            b"",
            b"&&",
            b"A=1&B=&C&=v&D=x=y",
            b"Name=a+b%20c%2B&T=2026-01-01T00%3A00%3A00Z",
            b"bad=%zz%4&odd=%E4%B8%AD%ff",
            b"raw=\xff\xfe&ok=1",
            b"k%3D=v%26w",
            b"=&=&a=",
            b"+=+",
            b"%",
            "utf=\u{4e2d}&x=\u{e9}".as_bytes(),
            b"Action=StartInstance&InstanceId=i-1&SignatureType=&Format=JSON",
        ];
        for raw in cases {
            let expected: Vec<(String, String)> =
                form_urlencoded::parse(raw).into_owned().collect();
            assert_eq!(decode(raw), expected, "{:?}", String::from_utf8_lossy(raw));
        }
    }

    proptest::proptest! {
        #[test]
        fn decode_is_form_urlencoded_for_any_bytes(
            raw in proptest::collection::vec(
                proptest::sample::select(b"ab=&%+2F3Ae\xc3\xa9\xff ".to_vec()), 0..40),
        ) {
            let expected: Vec<(String, String)> = form_urlencoded::parse(&raw).into_owned().collect();
            proptest::prop_assert_eq!(decode(&raw), expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn get_finds_the_last_pair_of_a_name(
            names in proptest::collection::vec("[ABS]{0,3}", 0..48),
            wanted in proptest::collection::vec("[ABS]{0,3}", 1..8),
        ) {
            let pairs: Vec<(String, String)> =
                names.iter().enumerate().map(|(i, n)| (n.clone(), i.to_string())).collect();
            let query = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
            let ps = Params::from_query(query.as_bytes());
            for name in names.iter().chain(&wanted) {
                let expected = pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
                proptest::prop_assert_eq!(ps.get(name), expected);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn repeat_lists_each_name_once_in_number_order(
            pairs in proptest::collection::vec(
                (proptest::sample::select(vec!["L.1", "L.01", "L.2", "L.10", "L.x", "Lx.1", "L", "M.1"]),
                 proptest::sample::select(vec!["", "a", "b", "c"])),
                0..48),
        ) {
            let ps = Params::from_pairs(
                pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            );
            // The model: each name's last value, empty ones dropped, by N then name.
            let mut last: BTreeMap<&str, &str> = BTreeMap::new();
            for (k, v) in &pairs {
                last.insert(k, v);
            }
            let mut want: Vec<(u32, &str, &str)> = last
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("L.")?.parse().ok()?, *k, *v)))
                .filter(|(_, _, v)| !v.is_empty())
                .collect();
            want.sort();
            let want: Vec<String> = want.into_iter().map(|(_, _, v)| v.to_string()).collect();
            proptest::prop_assert_eq!(ps.repeat("L"), want);
        }
    }

    #[test]
    fn the_last_of_a_repeated_name_counts() {
        let mut ps = p(&[("B", "1"), ("A", "x"), ("B", "2"), ("Ab", "y"), ("A", "z")]);
        assert_eq!(ps.get("A"), Some("z"));
        assert_eq!(ps.get("B"), Some("2"));
        assert_eq!(ps.get("Ab"), Some("y"));
        assert_eq!(ps.get("a"), None);
        assert_eq!(ps.get(""), None);
        assert_eq!(ps.query().len(), 5);
        ps.extend_form(b"A=body");
        assert_eq!(ps.get("A"), Some("body"));
        assert_eq!(ps.query().len(), 5);
        assert_eq!(ps.pairs().len(), 6);
        assert_eq!(p(&[]).get("A"), None);
    }

    #[test]
    fn query_and_form_body_keep_their_order_and_split() {
        let mut ps = Params::from_query(b"B=1&A=%41&Signature=s%2B&B=2");
        ps.extend_form(b"Password=p&A=body+x&signature=t");
        assert_eq!(ps.get("A"), Some("body x"));
        assert_eq!(ps.get("B"), Some("2"));
        assert_eq!(ps.query().len(), 4);
        assert_eq!(ps.len(), 7);
        let kept = ps.record(&["Signature", "Password"]);
        assert_eq!(
            kept.pairs().collect::<Vec<_>>(),
            [("B", "1"), ("A", "A"), ("B", "2"), ("A", "body x")]
        );
        assert!(
            !format!("{kept:?}").contains("s+"),
            "hidden text is overwritten"
        );
    }

    proptest::proptest! {
        #[test]
        fn a_name_and_its_other_cases_have_one_folded_mix(name in "[A-Za-z0-9-]{0,24}") {
            let mix = folded_mix(name.as_bytes());
            proptest::prop_assert_eq!(folded_mix(name.to_ascii_lowercase().as_bytes()), mix);
            proptest::prop_assert_eq!(folded_mix(name.to_ascii_uppercase().as_bytes()), mix);
        }
    }

    proptest::proptest! {
        #[test]
        fn an_assigned_record_is_the_kept_pairs_in_order(
            first in proptest::collection::vec(("(Signature|signature|Password|A|RegionId|B)", "[a-z%+=]{0,6}"), 0..12),
            second in proptest::collection::vec(("(Signature|PASSWORD|A|Timestamp|B)", "[a-z]{0,6}"), 0..12),
        ) {
            let hidden = ["Signature", "Password"];
            let mut recorded = Recorded::default();
            // The same record refilled: nothing of the first params stays.
            for pairs in [&first, &second] {
                let ps = Params::from_pairs(pairs.clone());
                recorded.assign(&ps, &hidden);
                let want: Vec<(&str, &str)> = pairs
                    .iter()
                    .filter(|(k, _)| !hidden.iter().any(|h| h.eq_ignore_ascii_case(k)))
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                proptest::prop_assert_eq!(recorded.pairs().collect::<Vec<_>>(), want);
                let kept: usize = recorded.pairs().map(|(k, v)| k.len() + v.len()).sum();
                proptest::prop_assert_eq!(recorded.text.len(), kept);
            }
        }
    }

    #[test]
    fn hidden_names_are_dropped_in_any_case_and_their_neighbours_kept() {
        let ps = Params::from_query(
            b"SIGNATURE=a&password=b&x-ACS-Security-Token=c&RegionId=r&Timestamp=t&SignatureType=&P=d",
        );
        let kept = ps.record(&crate::store::journal::HIDDEN_PARAMS);
        assert_eq!(
            kept.pairs().collect::<Vec<_>>(),
            [
                ("RegionId", "r"),
                ("Timestamp", "t"),
                ("SignatureType", ""),
                ("P", "d")
            ]
        );
    }

    #[test]
    fn booleans_are_case_insensitive_and_strict() {
        let ps = p(&[("A", "True"), ("B", "false"), ("C", "yes")]);
        assert_eq!(ps.bool("A").unwrap(), Some(true));
        assert_eq!(ps.bool("B").unwrap(), Some(false));
        assert_eq!(ps.bool("Z").unwrap(), None);
        let e = ps.bool("C").unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
        assert_eq!(e.message, "The specified parameter \"C\" is not valid.");
    }

    #[test]
    fn repeat_lists_sort_numerically() {
        let ps = p(&[
            ("InstanceId.10", "j"),
            ("InstanceId.2", "b"),
            ("InstanceId.1", "a"),
            ("InstanceIdX", "x"),
            ("InstanceId-1", "dash"),
            ("InstanceId.3", ""),
            ("InstanceId.2x", "nan"),
            ("InstanceId", "bare"),
        ]);
        assert_eq!(ps.repeat("InstanceId"), vec!["a", "b", "j"]);
    }

    #[test]
    fn missing_is_gateway_form() {
        let e = p(&[]).required("InstanceId").unwrap_err();
        assert_eq!(e.code, "MissingInstanceId");
        assert_eq!(e.message, "InstanceId is mandatory for this action.");
        assert_eq!(crate::gateway::status::WireError::from(e).status, 400);
    }

    #[test]
    fn tags_pair_up() {
        let ps = p(&[
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "dev"),
            ("Tag.2.key", "team"),
        ]);
        assert_eq!(
            ps.tags().unwrap(),
            vec![("env".into(), Some("dev".into())), ("team".into(), None)]
        );
        assert_eq!(
            p(&[("Tag.1.Value", "x")]).tags().unwrap_err().code,
            "InvalidTag.Mismatch"
        );
    }
}
