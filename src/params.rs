//! Decoded request parameters with typed accessors that fail with ECS errors.
//!
//! The gateway merges the query string and the form body into one [`Params`]; action
//! parsers read it with [`Params::required`], [`Params::bool`], [`Params::int`],
//! [`Params::repeat`] and [`Params::tags`], each of which turns a bad value into the
//! documented error (`Missing<Name>`, `InvalidParameter` naming the parameter …).

use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult, Code};

/// Request parameters in wire order (all of them, as signed) with a name index.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// The index in `pairs` of the last occurrence of each name, sorted by name (byte
    /// order): a lookup is a binary search, and no name is copied.
    index: Vec<u32>,
    /// How many of `pairs` came from the query string (the first ones).
    query_len: usize,
}

/// Decoded `application/x-www-form-urlencoded` pairs (a query string or a form body), in
/// order: `+` is a space, `%XX` a byte, invalid UTF-8 replaced.
pub fn decode(raw: &[u8]) -> Vec<(String, String)> {
    if raw.is_empty() {
        return Vec::new();
    }
    // One pair per `&` and one more: the list is allocated once.
    let mut pairs = Vec::with_capacity(memchr::memchr_iter(b'&', raw).count() + 1);
    for segment in raw.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
        // Most parameters are plain text: copied as they are. One with an escape, a
        // `+` or invalid UTF-8 is decoded by `form_urlencoded` (a segment without `&`
        // is exactly one pair to it).
        let plain = memchr::memchr2(b'%', b'+', segment).is_none();
        match std::str::from_utf8(segment) {
            Ok(text) if plain => {
                let (name, value) = text.split_once('=').unwrap_or((text, ""));
                pairs.push((name.to_owned(), value.to_owned()));
            }
            _ => pairs.extend(form_urlencoded::parse(segment).into_owned()),
        }
    }
    pairs
}

impl Params {
    /// Build from decoded pairs (query first, then body); all of them count as the
    /// query until [`Params::extend_body`] adds a body's.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut params = Params {
            query_len: pairs.len(),
            pairs,
            index: Vec::new(),
        };
        params.reindex();
        params
    }

    /// Add the pairs of a form body after the query's.
    pub fn extend_body(&mut self, body: impl IntoIterator<Item = (String, String)>) {
        self.pairs.extend(body);
        self.reindex();
    }

    fn reindex(&mut self) {
        let pairs = &self.pairs;
        let mut index: Vec<u32> = (0..pairs.len() as u32).collect();
        // By name, then by position: the last of a run of equal names is the one kept.
        index.sort_unstable_by(|&a, &b| {
            pairs[a as usize]
                .0
                .cmp(&pairs[b as usize].0)
                .then(a.cmp(&b))
        });
        index.dedup_by(|later, earlier| {
            let same = pairs[*later as usize].0 == pairs[*earlier as usize].0;
            if same {
                *earlier = *later;
            }
            same
        });
        self.index = index;
    }

    fn name(&self, i: u32) -> &str {
        &self.pairs[i as usize].0
    }

    /// Every pair, as received (the V1 signature covers these).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The pairs of the query string (the V3 canonical query covers these).
    pub fn query(&self) -> &[(String, String)] {
        &self.pairs[..self.query_len]
    }

    /// Every pair, as received, by value.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }

    /// A parameter's value (the last one when repeated).
    pub fn get(&self, name: &str) -> Option<&str> {
        let at = self
            .index
            .binary_search_by(|&i| self.name(i).cmp(name))
            .ok()?;
        Some(self.pairs[self.index[at] as usize].1.as_str())
    }

    /// A non-empty value, or `None`.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
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
        // The names that start with `name` are one run of the index; those followed by
        // a `.` are the list's.
        let from = self.index.partition_point(|&i| self.name(i) < name);
        let mut items: Vec<(u32, &str)> = self.index[from..]
            .iter()
            .map(|&i| (self.name(i), i))
            .take_while(|(k, _)| k.starts_with(name))
            .filter_map(|(k, i)| {
                let n: u32 = k[name.len()..].strip_prefix('.')?.parse().ok()?;
                Some((n, self.pairs[i as usize].1.as_str()))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v.to_string()).collect()
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
        for (k, v) in &self.pairs {
            let Some((n, field)) = k.strip_prefix("Tag.").and_then(|r| r.split_once('.')) else {
                continue;
            };
            let Ok(n) = n.parse::<u32>() else { continue };
            let slot = by_n.entry(n).or_default();
            match field {
                "Key" | "key" => slot.0 = Some(v.clone()),
                "Value" | "value" => slot.1 = Some(v.clone()),
                _ => {}
            }
        }
        by_n
    }

    /// Absent, or one of `allowed` (exact case); otherwise the given error. For values
    /// that are checked but not used; a value the action acts on is a [`Choice`].
    pub fn one_of(&self, name: &str, allowed: &[&str], err: ApiError) -> ApiResult<()> {
        match self.non_empty(name) {
            Some(v) if !allowed.contains(&v) => Err(err),
            _ => Ok(()),
        }
    }

    /// Absent, or the [`Choice`] spelled exactly as the value; otherwise the given error.
    pub fn choice<T: Choice>(&self, name: &str, err: ApiError) -> ApiResult<Option<T>> {
        match self.non_empty(name) {
            None => Ok(None),
            Some(v) => T::ALL
                .iter()
                .copied()
                .find(|c| c.as_str() == v)
                .map(Some)
                .ok_or(err),
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

    #[test]
    fn the_last_of_a_repeated_name_counts() {
        let mut ps = p(&[("B", "1"), ("A", "x"), ("B", "2"), ("Ab", "y"), ("A", "z")]);
        assert_eq!(ps.get("A"), Some("z"));
        assert_eq!(ps.get("B"), Some("2"));
        assert_eq!(ps.get("Ab"), Some("y"));
        assert_eq!(ps.get("a"), None);
        assert_eq!(ps.get(""), None);
        assert_eq!(ps.query().len(), 5);
        ps.extend_body([("A".to_string(), "body".to_string())]);
        assert_eq!(ps.get("A"), Some("body"));
        assert_eq!(ps.query().len(), 5);
        assert_eq!(ps.pairs().len(), 6);
        assert_eq!(p(&[]).get("A"), None);
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
