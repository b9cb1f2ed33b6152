//! Reading a large fixture document's `Instances` on every core, without scanning the
//! whole document first.
//!
//! A million pasted DescribeInstances objects are most of a multi-gigabyte document.
//! [`read`] finds the top-level `Instances` array, cuts it into pieces at guessed
//! element boundaries (a `}`, a comma and a `{` near each cut that reads as an
//! instance) and reads the pieces on every core, each instance straight from the text.
//! A piece is trusted only once the piece before it ended exactly where it begins, so
//! a guess inside an element (a tag list, a string) is never taken for a boundary. The
//! rest of the document (accounts, regions …) is read as it is, with `Instances: []`.
//!
//! Anything unexpected gives up: a syntax or type error in the instances or a guess
//! that did not line up makes this reader return `None`; an error in the rest of the
//! document or a repeated `Instances` key makes its caller (`store::fixtures`) drop
//! what it read. Either way the caller reads the document the ordinary way, which reports the problem with its exact place. So this reader
//! decides nothing: it only reads well-formed documents faster.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::ecs::instance_scan::{is_ws, skip_ws};
use crate::ecs::model::Instance;

/// How one piece of the array ended.
enum End {
    /// At the start of the next piece (its guessed boundary was a real one).
    Next,
    /// At the array's closing `]`; the offset just past it.
    Close(usize),
    /// Anything else (an error, a guess that did not line up).
    Lost,
}

/// An instance read, and the offset just past it.
type Read = (Instance, usize);

/// Where a piece starts, and its first instance when that was read to find the start.
type Start = (usize, Option<Read>);

/// A piece's instances and how it ended.
type Piece = (Vec<Arc<Instance>>, End);

/// The offset just past the string starting at `at` (a `"`).
fn skip_string(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b[i] == b'\\' {
            i += 2;
        } else {
            return Some(i + 1);
        }
    }
}

/// The offset just past the value starting at `at`, without checking it (the caller
/// has `serde_json` read whatever this skips).
fn skip_value(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    let mut depth = 0usize;
    loop {
        match *b.get(i)? {
            b'"' => i = skip_string(b, i)?,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            _ if depth == 0 => {
                // A scalar: up to the next delimiter.
                while i < b.len() && !matches!(b[i], b',' | b'}' | b']') && !is_ws(b[i]) {
                    i += 1;
                }
                return Some(i);
            }
            _ => i += 1,
        }
        if depth == 0 {
            return Some(i);
        }
    }
}

/// The offset of the `[` of the document's top-level `Instances` array.
fn find_instances(b: &[u8]) -> Option<usize> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = skip_string(b, i)?;
        let key = &b[i..key_end];
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if key == b"\"Instances\"" {
            return (b.get(i) == Some(&b'[')).then_some(i);
        }
        i = skip_ws(b, skip_value(b, i)?);
        if b.get(i) != Some(&b',') {
            return None;
        }
        i = skip_ws(b, i + 1);
    }
}

/// One instance read from `text` at `at`, and the offset just past it: by
/// [`instance_scan`](crate::ecs::instance_scan) when it takes the object, else by serde.
fn read_one(text: &str, at: usize) -> Option<Read> {
    if let Some(read) = crate::ecs::instance_scan::read(text, at) {
        return Some(read);
    }
    let mut stream = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<Instance>();
    let inst = stream.next()?.ok()?;
    Some((inst, at + stream.byte_offset()))
}

/// A guessed element boundary at or after `from`: the `{` of a `}`, `,`, `{` sequence
/// whose object reads as an instance (that instance read, and where it ends).
fn guess(text: &str, from: usize, limit: usize) -> Option<(usize, Instance, usize)> {
    let b = text.as_bytes();
    let mut i = from;
    for _ in 0..256 {
        i += memchr::memchr(b'}', b.get(i..limit)?)?;
        let comma = skip_ws(b, i + 1);
        if b.get(comma) == Some(&b',') {
            let open = skip_ws(b, comma + 1);
            if b.get(open) == Some(&b'{') {
                if let Some((inst, end)) = read_one(text, open) {
                    return Some((open, inst, end));
                }
            }
        }
        i += 1;
    }
    None
}

/// Read the elements of the array from `at` (just past `[`, or the first element of a
/// guessed piece, already read as `first`) up to `stop` (the next piece's start).
fn read_piece(text: &str, mut at: usize, first: Option<Read>, stop: Option<usize>) -> Piece {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut pending = first;
    if pending.is_none() {
        // The start of the array: `]` (empty) or the first element.
        at = skip_ws(b, at);
        if b.get(at) == Some(&b']') {
            return (out, End::Close(at + 1));
        }
    }
    loop {
        if stop == Some(at) {
            return (out, End::Next);
        }
        if stop.is_some_and(|s| at > s) {
            return (out, End::Lost);
        }
        let (inst, end) = match pending.take() {
            Some(read) => read,
            None => match read_one(text, at) {
                Some(read) => read,
                None => return (out, End::Lost),
            },
        };
        out.push(Arc::new(inst));
        let next = skip_ws(b, end);
        match b.get(next) {
            Some(b',') => at = skip_ws(b, next + 1),
            Some(b']') => return (out, End::Close(next + 1)),
            _ => return (out, End::Lost),
        }
    }
}

/// The document's instances read on `threads` cores, and the document with an empty
/// `Instances` array in their place; `None` when the document is not a well-formed one
/// with a top-level `Instances` array (see the module docs).
pub fn read(text: &str, threads: usize) -> Option<(Vec<Arc<Instance>>, String)> {
    let b = text.as_bytes();
    let open = find_instances(b)?;
    // Pieces: many per core, so a core that is slowed down, or the last piece, does
    // not keep the others waiting long.
    let wanted = if threads > 1 { threads * 16 } else { 1 };
    let span = (b.len() - open) / wanted;
    let mut starts: Vec<Start> = vec![(open + 1, None)];
    for k in 1..wanted {
        let last = starts.last().map_or(open, |s| s.0);
        let from = (open + k * span).max(last + 1);
        let limit = (open + (k + 1) * span).min(b.len());
        // A guess is at or after `from`, so the starts stay in order.
        if let Some((at, inst, end)) = guess(text, from, limit) {
            starts.push((at, Some((inst, end))));
        }
    }
    let stops: Vec<Option<usize>> = (0..starts.len())
        .map(|k| starts.get(k + 1).map(|s| s.0))
        .collect();
    let jobs: Vec<Mutex<Option<Start>>> = starts.into_iter().map(|s| Mutex::new(Some(s))).collect();
    let results: Vec<Mutex<Option<Piece>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(k) else { break };
        let (at, first) = job
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("each piece is taken once");
        let read = read_piece(text, at, first, stops[k]);
        *results[k].lock().unwrap_or_else(|e| e.into_inner()) = Some(read);
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.min(jobs.len()) {
            scope.spawn(work);
        }
        work();
    });
    let mut instances = Vec::new();
    for slot in results {
        let (part, end) = slot.into_inner().unwrap_or_else(|e| e.into_inner())?;
        instances.extend(part);
        match end {
            End::Next => continue,
            End::Close(close) => {
                let mut rest = String::with_capacity(open + 2 + (text.len() - close));
                rest.push_str(&text[..open]);
                rest.push_str("[]");
                rest.push_str(&text[close..]);
                return Some((instances, rest));
            }
            End::Lost => return None,
        }
    }
    None
}

/// Read `text` as an instance (tests compare this reader with the ordinary one).
#[cfg(test)]
fn instance(text: &str) -> Instance {
    use serde::Deserialize;
    Instance::deserialize(&mut serde_json::Deserializer::from_str(text)).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(n: usize, extra: &str) -> String {
        format!(
            r#"{{"InstanceId":"i-{n}","RegionId":"cn-hangzhou","ZoneId":"cn-hangzhou-h","InstanceType":"ecs.g7.large","Status":"Running","Tags":{{"Tag":[{{"TagKey":"a","TagValue":"}}, {{x"}}, {{"TagKey":"b","TagValue":"{n}"}}]}}{extra}}}"#
        )
    }

    #[test]
    fn pieces_read_the_same_instances_as_one_reader() {
        for count in [0, 1, 2, 7, 40] {
            let list: Vec<String> = (0..count).map(|n| inst(n, "")).collect();
            let text = format!(
                "{{\"Accounts\": [{{\"X\": \"]\"}}], \"Instances\" : [\n {} \n] , \"Disks\": []}}",
                list.join(" ,\n ")
            );
            for threads in [1, 2, 3, 8] {
                let (got, rest) = read(&text, threads).unwrap();
                assert_eq!(
                    rest,
                    "{\"Accounts\": [{\"X\": \"]\"}], \"Instances\" : [] , \"Disks\": []}"
                );
                let want: Vec<Instance> = list.iter().map(|t| instance(t)).collect();
                let got: Vec<Instance> = got.iter().map(|i| (**i).clone()).collect();
                assert_eq!(got, want, "{count} instances on {threads} threads");
            }
        }
    }

    #[test]
    fn anything_unexpected_gives_up() {
        let list: Vec<String> = (0..20).map(|n| inst(n, "")).collect();
        let good = format!("{{\"Instances\":[{}]}}", list.join(","));
        assert!(read(&good, 3).is_some());
        let mut bad = list.clone();
        bad[13] = inst(13, r#","Status":"Flying""#);
        let text = format!("{{\"Instances\":[{}]}}", bad.join(","));
        assert!(read(&text, 3).is_none(), "a duplicate field");
        let text = format!("{{\"Instances\":[{},]}}", list.join(","));
        assert!(read(&text, 3).is_none(), "a trailing comma");
        let text = format!("{{\"Instances\":[{}}}", list.join(","));
        assert!(read(&text, 3).is_none(), "no closing bracket");
        assert!(read(r#"{"Accounts":[]}"#, 3).is_none(), "no Instances");
        // Instances inside another field of an instance are not the document's.
        let outer = format!(
            r#"{{"InstanceId":"i-x","RegionId":"cn-hangzhou","ZoneId":"cn-hangzhou-h","InstanceType":"ecs.g7.large","Status":"Running","Odd":[{}]}}"#,
            list.join(",")
        );
        let nested = format!("{{\"Instances\":[{outer}]}}");
        for threads in [2, 4, 8] {
            if let Some((got, _)) = read(&nested, threads) {
                assert_eq!(got.len(), 1);
                assert_eq!(*got[0], instance(&outer));
            }
        }
    }
}
