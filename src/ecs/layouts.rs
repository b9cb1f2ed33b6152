//! Stored objects prepared by shape: the text [`prepare_field`] makes of a stored
//! object (`VpcAttributes`, `NetworkInterfaces` …), without parsing it, when an object
//! of the same shape was prepared before.
//!
//! A million pasted instances each have a few objects that differ from one instance
//! to the next only in their string values (an address, an interface id). Such an
//! object's *shape* is its text with whitespace dropped and each string value replaced
//! by a hole; keys, numbers, `true`/`false`/`null` and the strings [`prepare_field`]
//! decides on ([`DECIDING_KEYS`]) stay as they are. The first object of a shape is
//! prepared with a marker string in each hole, which gives the prepared text as
//! literal runs and holes (its *layout*); later objects of the shape are written by
//! copying the runs and their own string values into the holes. A layout is kept only
//! when it gives exactly what preparing gives for the object it was made from, and an
//! object with an escape, a control character or the marker character in it is
//! prepared the ordinary way. The layouts are per thread (instances are read on every
//! core) and bounded ([`MAX_LAYOUTS`] shapes of texts up to [`MAX_SHAPED_LEN`] bytes).

use std::cell::RefCell;

use serde_json::Value;

use crate::ecs::instance_scan::{is_ws, skip_ws};
use crate::ecs::shapes::{prepare_field, DECIDING_KEYS};
use crate::ecs::world::FastMap;

/// Shapes remembered per thread; objects of further shapes are prepared each time.
pub(crate) const MAX_LAYOUTS: usize = 1024;
/// Longest object text prepared through a layout (so the layouts of a thread hold a few
/// megabytes at most); longer ones are prepared each time.
pub(crate) const MAX_SHAPED_LEN: usize = 2048;

/// Stands in a hole: a private-use character no input of a cached shape contains.
const MARK: char = '\u{E000}';
/// A hole in a shape.
const HOLE: u8 = 0x01;

/// The byte ranges of an input's string values (quotes included), in order.
type Holes = Vec<(usize, usize)>;

/// A prepared text as runs of literal text and the input's string values.
#[derive(Debug)]
struct Layout {
    /// The literal runs, one after the other.
    text: String,
    /// Per segment: the end of its literal run in `text`, then the hole after it
    /// (`usize::MAX`: none, the last run).
    segments: Vec<(usize, usize)>,
}

impl Layout {
    /// The prepared text of an input whose string values are `holes` (byte ranges of
    /// `raw`, quotes included).
    fn fill(&self, raw: &str, holes: &[(usize, usize)]) -> Option<String> {
        let extra: usize = holes.iter().map(|(a, b)| b - a).sum();
        let mut out = String::with_capacity(self.text.len() + extra);
        let mut from = 0;
        for &(end, hole) in &self.segments {
            out.push_str(&self.text[from..end]);
            from = end;
            if hole != usize::MAX {
                let (a, b) = *holes.get(hole)?;
                out.push_str(&raw[a..b]);
            }
        }
        Some(out)
    }

    /// The layout of `prepared` (made from marker strings): `None` when a marker is
    /// anywhere but as a whole string.
    fn of(prepared: &str) -> Option<Layout> {
        let mut text = String::with_capacity(prepared.len());
        let mut segments = Vec::new();
        let mut rest = prepared;
        let open = format!("\"{MARK}");
        while let Some(at) = rest.find(&open) {
            let (lit, tail) = rest.split_at(at);
            let tail = &tail[open.len()..];
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            let hole: usize = tail[..digits].parse().ok()?;
            let tail = tail[digits..].strip_prefix(MARK)?.strip_prefix('"')?;
            text.push_str(lit);
            segments.push((text.len(), hole));
            rest = tail;
        }
        text.push_str(rest);
        segments.push((text.len(), usize::MAX));
        (!text.contains(MARK)).then_some(Layout { text, segments })
    }
}

/// Whether `b` is part of a number or literal (two of them must not run together when
/// the whitespace between them is dropped).
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')
}

/// The shape of the JSON text `raw` (see the module docs), after the key name and a
/// zero byte, and the byte ranges of its holes; `None` when it has an escape, a control
/// character or [`MARK`] in a string.
fn shape(key: &str, raw: &str) -> Option<(Vec<u8>, Holes)> {
    if raw.contains(MARK) {
        return None;
    }
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(key.len() + 1 + raw.len());
    out.extend_from_slice(key.as_bytes());
    out.push(0);
    let mut holes = Vec::with_capacity(16);
    let mut deciding = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c if is_ws(c) => {
                let next = skip_ws(b, i);
                let before = out.last().copied().unwrap_or(0);
                if is_word(before) && b.get(next).copied().is_some_and(is_word) {
                    return None;
                }
                i = next;
            }
            b'"' => {
                let start = i;
                i = crate::ecs::instance_scan::string(b, i, false)?;
                let text = &b[start..i];
                if b.get(skip_ws(b, i)) == Some(&b':') {
                    let name = &raw[start + 1..i - 1];
                    deciding = DECIDING_KEYS.contains(&name);
                    out.extend_from_slice(text);
                } else if deciding {
                    out.extend_from_slice(text);
                } else {
                    out.push(HOLE);
                    holes.push((start, i));
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some((out, holes))
}

/// The text `shape` stands for with each hole a marker string (`"\u{E000}n\u{E000}"`).
fn marked(shape: &[u8]) -> Option<String> {
    let body = &shape[shape.iter().position(|&c| c == 0)? + 1..];
    let mut out = String::with_capacity(body.len() * 2);
    for (n, run) in body.split(|&c| c == HOLE).enumerate() {
        if n > 0 {
            out.push_str(&format!("\"{MARK}{}{MARK}\"", n - 1));
        }
        out.push_str(std::str::from_utf8(run).ok()?);
    }
    Some(out)
}

/// The prepared text of `raw` the ordinary way: parsed, put in shape, written compactly.
pub(crate) fn prepare_slowly(key: &str, raw: &str) -> String {
    prepare_field(key, serde_json::from_str(raw).unwrap_or(Value::Null)).to_string()
}

thread_local! {
    /// Shape → its layout (`None`: a shape that is prepared the ordinary way).
    static LAYOUTS: RefCell<FastMap<Box<[u8]>, Option<Layout>>> = RefCell::default();
}

/// What [`prepare_slowly`] gives for `raw`, a stored object's text as read under `key`,
/// through the layout of its shape when there is one.
pub(crate) fn prepare(key: &str, raw: &str) -> String {
    if raw.len() > MAX_SHAPED_LEN {
        return prepare_slowly(key, raw);
    }
    let Some((shape, holes)) = shape(key, raw) else {
        return prepare_slowly(key, raw);
    };
    LAYOUTS.with(|cell| {
        let mut layouts = cell.borrow_mut();
        if let Some(known) = layouts.get(shape.as_slice()) {
            return match known.as_ref().and_then(|l| l.fill(raw, &holes)) {
                Some(text) => text,
                None => prepare_slowly(key, raw),
            };
        }
        let slow = prepare_slowly(key, raw);
        if layouts.len() < MAX_LAYOUTS {
            let layout = marked(&shape)
                .map(|m| prepare_slowly(key, &m))
                .and_then(|p| Layout::of(&p))
                .filter(|l| l.fill(raw, &holes).as_deref() == Some(slow.as_str()));
            layouts.insert(shape.into_boxed_slice(), layout);
        }
        slow
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each text prepared through its shape's layout, twice (the first makes the
    /// layout, the second uses it), is what preparing it gives.
    fn same(key: &str, texts: &[&str]) {
        for _ in 0..2 {
            for raw in texts {
                assert_eq!(prepare(key, raw), prepare_slowly(key, raw), "{key}: {raw}");
            }
        }
    }

    #[test]
    fn layouts_give_what_preparing_gives() {
        same(
            "VpcAttributes",
            &[
                r#"{"VpcId": "vpc-1", "VSwitchId": "vsw-1", "NatIpAddress": "", "PrivateIpAddress": {"IpAddress": ["172.16.0.1"]}}"#,
                r#"{"VpcId": "vpc-2", "VSwitchId": "vsw-9", "NatIpAddress": "", "PrivateIpAddress": {"IpAddress": ["172.16.9.9"]}}"#,
                r#"{"VSwitchId":"vsw-2","VpcId":"vpc-3","PrivateIpAddress":{"IpAddress":[]}}"#,
                r#"{"VpcId": "vpc-\u0031", "VSwitchId": "vsw-1"}"#,
                "{\"VpcId\": \"vpc-\u{E000}0\u{E000}\"}",
            ],
        );
        same(
            "NetworkInterfaces",
            &[
                r#"{"NetworkInterface": [{"NetworkInterfaceId": "eni-1", "MacAddress": "00:16:3e:00:00:01", "PrimaryIpAddress": "172.16.0.1", "Type": "Primary", "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": "172.16.0.1", "Primary": true}]}}]}"#,
                r#"{"NetworkInterface": [{"NetworkInterfaceId": "eni-2", "MacAddress": "00:16:3e:00:00:02", "PrimaryIpAddress": "172.16.0.2", "Type": "Primary", "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": "172.16.0.3", "Primary": false}]}}]}"#,
            ],
        );
        // The values prepare_field decides on: a bound EIP takes five keys.
        same(
            "EipAddress",
            &[
                r#"{"AllocationId": "", "IpAddress": "", "InternetChargeType": ""}"#,
                r#"{"AllocationId": "eip-1", "IpAddress": "47.0.0.1", "InternetChargeType": "PayByTraffic"}"#,
                r#"{"AllocationId": "eip-2", "IpAddress": "47.0.0.2", "InternetChargeType": "PayByBandwidth"}"#,
            ],
        );
        same(
            "PublicIpAddress",
            &[
                r#"{"IpAddress": []}"#,
                r#"{"IpAddress": ["47.98.1.2"]}"#,
                r#"{"IpAddress": ["47.98.1.3", "47.98.1.4"]}"#,
                r#"[1 2]"#,
                r#"{"IpAddress": [1, 2.50, true, null, "x"]}"#,
                r#"{"IpAddress": "#,
            ],
        );
        let long: Vec<String> = (0..200).map(|n| format!("\"47.98.1.{n}\"")).collect();
        let long = format!(r#"{{"IpAddress": [{}]}}"#, long.join(", "));
        assert!(long.len() > MAX_SHAPED_LEN);
        same("PublicIpAddress", &[&long]);
    }

    #[test]
    fn shapes_keep_keys_and_deciding_values_and_drop_whitespace() {
        let (s, holes) = shape("K", r#"{"AllocationId": "a", "IpAddress" : "b", "N": 1}"#).unwrap();
        assert_eq!(
            s,
            b"K\0{\"AllocationId\":\"a\",\"IpAddress\":\x01,\"N\":1}".to_vec()
        );
        assert_eq!(holes.len(), 1);
        assert!(shape("K", r#"{"A": "x\"y"}"#).is_none());
        assert!(shape("K", "[1 2]").is_none());
    }
}
