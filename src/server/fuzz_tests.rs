//! Fuzz harness of the adapter (a property test, bounded for CI): arbitrary byte streams
//! and mutated SDK-like request streams — raw characters, split points, chunked framing,
//! bad lengths, cuts — go through the adapter's state machine. It never panics, never
//! loops (`read_all` bounds the reads), reads the same however the stream is split, and
//! hands hyper either the client's bytes (request targets percent-encoded at most) or
//! those of the requests before a bad head followed by one refusal request.

use proptest::prelude::*;

use super::tests::through;
use crate::server::refusal::{from_headers, CODE_HEADER};

/// `%XX` decoded everywhere (the only change the adapter makes to bytes it passes).
fn decoded(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn trim_line_ends(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

/// The refusal request at the end of `out`, if there is one: where it starts.
fn refusal_start(out: &[u8]) -> Option<usize> {
    let marker = format!("GET / HTTP/1.1\r\n{CODE_HEADER}: ");
    let start = out
        .windows(marker.len())
        .rposition(|w| w == marker.as_bytes())?;
    let mut fields = [httparse::EMPTY_HEADER; 8];
    let mut req = httparse::Request::new(&mut fields);
    let Ok(httparse::Status::Complete(len)) = req.parse(&out[start..]) else {
        panic!(
            "a cut refusal request: {:?}",
            out[start..].escape_ascii().to_string()
        );
    };
    assert_eq!(
        start + len,
        out.len(),
        "nothing follows the refusal request"
    );
    let mut headers = axum::http::HeaderMap::new();
    for h in req.headers.iter() {
        headers.append(
            axum::http::HeaderName::from_bytes(h.name.as_bytes()).expect("a name"),
            axum::http::HeaderValue::from_bytes(h.value).expect("a value"),
        );
    }
    assert!(from_headers(&headers).is_some(), "a known refusal code");
    Some(start)
}

/// The property every stream must have; `valid`: the stream is requests hyper serves
/// as they are, which must pass byte for byte.
fn check(input: &[u8], valid: bool) {
    let (out, ended) = through(input);
    if valid {
        assert_eq!(
            (out.escape_ascii().to_string(), ended),
            (input.escape_ascii().to_string(), true)
        );
        return;
    }
    match refusal_start(&out) {
        Some(start) => {
            assert!(!ended, "hyper waits for the refusal's answer");
            let before = decoded(&out[..start]);
            assert!(
                decoded(input).starts_with(&before),
                "what passed before the refusal is the client's"
            );
        }
        None => assert_eq!(
            decoded(trim_line_ends(&out)),
            decoded(trim_line_ends(input)),
            "passed as it is, targets encoded at most"
        ),
    }
}

/// One request as an SDK sends it, in one of the three framings.
fn sdk_request() -> impl Strategy<Value = Vec<u8>> {
    let action = prop::sample::select(vec![
        "DescribeRegions",
        "DescribeInstances",
        "StartInstance",
        "RunInstances",
    ]);
    let value = "[a-zA-Z0-9%._~-]{0,24}";
    (
        action,
        value,
        0u8..3,
        prop::collection::vec(1usize..16, 0..4),
    )
        .prop_map(|(action, value, framing, splits)| {
            let query = format!(
                "Action={action}&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&SignatureNonce={value}"
            );
            let form = format!("InstanceName={value}&DryRun=true");
            match framing {
                0 => format!("GET /?{query} HTTP/1.1\r\nHost: ecs.aliyuncs.com\r\nUser-Agent: AlibabaCloud (Linux) Python/3.12\r\nAccept: */*\r\n\r\n").into_bytes(),
                1 => format!("POST /?{query} HTTP/1.1\r\nHost: ecs.aliyuncs.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}", form.len()).into_bytes(),
                _ => {
                    // The form in chunks cut at the generated points, with an extension.
                    let mut body = String::new();
                    let mut rest = form.as_str();
                    for n in splits {
                        let n = n.min(rest.len());
                        if n == 0 {
                            break;
                        }
                        body.push_str(&format!("{n:x};x=y\r\n{}\r\n", &rest[..n]));
                        rest = &rest[n..];
                    }
                    if !rest.is_empty() {
                        body.push_str(&format!("{:X}\r\n{rest}\r\n", rest.len()));
                    }
                    body.push_str("0\r\nX-Trailer: t\r\n\r\n");
                    format!("POST /?{query} HTTP/1.1\r\nHost: ecs.aliyuncs.com\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n{body}").into_bytes()
                }
            }
        })
}

/// A mutation of a request stream.
#[derive(Debug, Clone)]
enum Mutation {
    /// A raw byte put in at a position (of the stream's length, scaled).
    Insert(usize, u8),
    /// A byte replaced.
    Replace(usize, u8),
    /// A byte removed.
    Remove(usize),
    /// The stream cut there.
    Cut(usize),
    /// Every Content-Length value replaced.
    Length(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let raw = prop::sample::select(vec![
        0u8, b'\r', b'\n', b' ', b'"', b'{', b'|', b'\\', b'%', b':', 0x7f, 0xff, 0xe4, b'z',
        b'\t', b';',
    ]);
    let at = any::<prop::sample::Index>();
    prop_oneof![
        (at.clone(), raw.clone()).prop_map(|(i, b)| Mutation::Insert(i.index(1 << 16), b)),
        (at.clone(), raw).prop_map(|(i, b)| Mutation::Replace(i.index(1 << 16), b)),
        at.clone().prop_map(|i| Mutation::Remove(i.index(1 << 16))),
        at.prop_map(|i| Mutation::Cut(i.index(1 << 16))),
        prop::sample::select(vec![
            "",
            "-1",
            "1e3",
            "0x10",
            "18446744073709551616",
            "3, 4",
            "99999999999",
            " 7"
        ])
        .prop_map(|v| Mutation::Length(v.to_string())),
    ]
}

fn mutate(stream: &mut Vec<u8>, m: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match *m {
        Mutation::Insert(i, b) => {
            let i = at(i, stream.len() + 1);
            stream.insert(i, b);
        }
        Mutation::Replace(i, b) if !stream.is_empty() => {
            let i = at(i, stream.len());
            stream[i] = b;
        }
        Mutation::Remove(i) if !stream.is_empty() => {
            let i = at(i, stream.len());
            stream.remove(i);
        }
        Mutation::Cut(i) => stream.truncate(at(i, stream.len() + 1)),
        Mutation::Length(ref v) => {
            let text = String::from_utf8_lossy(stream).into_owned();
            let mut out = String::new();
            for line in text.split_inclusive("\r\n") {
                if line.to_ascii_lowercase().starts_with("content-length:") {
                    out.push_str(&format!("Content-Length: {v}\r\n"));
                } else {
                    out.push_str(line);
                }
            }
            *stream = out.into_bytes();
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_loop_or_pass_a_bad_head(input in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&input, false);
    }

    #[test]
    fn arbitrary_text_lines_never_panic_loop_or_pass_a_bad_head(
        lines in prop::collection::vec("[ -~\t]{0,40}(\r\n|\n|\r)?", 0..12)
    ) {
        check(lines.concat().as_bytes(), false);
    }

    #[test]
    fn sdk_requests_pass_byte_for_byte(requests in prop::collection::vec(sdk_request(), 1..5)) {
        check(&requests.concat(), true);
    }

    #[test]
    fn mutated_sdk_requests_are_passed_or_refused(
        requests in prop::collection::vec(sdk_request(), 1..4),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut stream = requests.concat();
        for m in &mutations {
            mutate(&mut stream, m);
        }
        check(&stream, false);
    }
}
