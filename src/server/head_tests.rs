//! The head scanner checked against what it stands in front of: httparse, `http::Uri`,
//! `http::Method` and `http::HeaderName`, byte by byte and on generated heads.

use axum::http::{HeaderName, Method, Uri};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::server::request_line::{encode_target, needs_encoding};

/// What hyper's parsing (httparse, then `Uri`, `Method`, `HeaderName`) makes of a head.
fn hyper_accepts(head: &[u8]) -> bool {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    if !matches!(req.parse(head), Ok(httparse::Status::Complete(_))) {
        return false;
    }
    let (Some(method), Some(path)) = (req.method, req.path) else {
        return false;
    };
    Method::from_bytes(method.as_bytes()).is_ok()
        && Uri::try_from(path).is_ok()
        && req
            .headers
            .iter()
            .all(|h| HeaderName::from_bytes(h.name.as_bytes()).is_ok())
}

fn request_with_target(target: &[u8]) -> Vec<u8> {
    [b"GET ", target, b" HTTP/1.1\r\nHost: x\r\n\r\n"].concat()
}

/// The head after the adapter's rewrite, when the scanner accepts it.
fn rewritten(data: &[u8]) -> Result<Vec<u8>, Refusal> {
    match HeadScanner::default().scan(data) {
        Scan::Complete(head) => {
            let mut out = data[..head.target.start].to_vec();
            encode_target(&data[head.target.clone()], &mut out);
            out.extend_from_slice(&data[head.target.end..head.len]);
            Ok(out)
        }
        Scan::Refused(r) => Err(r),
        Scan::Partial => panic!("a complete head was expected: {:?}", quote(data)),
    }
}

/// Feed `data` one more byte at a time, as a slow client would send it.
fn scan_bytewise(data: &[u8]) -> Scan {
    let mut scanner = HeadScanner::default();
    for n in 1..=data.len() {
        match scanner.scan(&data[..n]) {
            Scan::Partial => {}
            verdict => return verdict,
        }
    }
    Scan::Partial
}

fn refused_code(data: &[u8]) -> &'static str {
    match HeadScanner::default().scan(data) {
        Scan::Refused(r) => r.code().as_str(),
        other => panic!("{:?} was not refused: {other:?}", quote(data)),
    }
}

#[test]
fn every_target_byte_is_encoded_kept_or_refused_as_hyper_needs() {
    for b in 0..=255u8 {
        for target in [vec![b'/', b, b'z'], vec![b'/', b'?', b'a', b'=', b, b'z']] {
            let head = request_with_target(&target);
            match rewritten(&head) {
                Ok(out) => {
                    assert!(
                        hyper_accepts(&out),
                        "0x{b:02X} rewritten to {:?}",
                        quote(&out)
                    );
                    let encoded = out.len() > head.len();
                    assert_eq!(encoded, needs_encoding(b), "0x{b:02X}");
                }
                Err(r) => {
                    assert!(b < 0x20 || b == 0x7F, "0x{b:02X} refused: {r:?}");
                    assert_eq!(r.code(), Code::MalformedRequest);
                }
            }
        }
    }
}

#[test]
fn encoded_targets_parse_and_decode_to_the_same_parameters() {
    let alphabet: Vec<u8> = (0x20..=0xFFu8)
        .filter(|&b| b != 0x7F && b != b'#')
        .collect();
    // Seeded: the same cases every run.
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..2000 {
        let len = rng.gen_range(1..=60);
        let mut query: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
            .collect();
        query.push(b'z'); // a space cannot end the target
        let target = [b"/?".as_slice(), &query].concat();
        let out = rewritten(&request_with_target(&target)).expect("only non-control bytes");
        assert!(hyper_accepts(&out), "{:?}", quote(&out));
        let mut encoded = Vec::new();
        encode_target(&target, &mut encoded);
        let uri = Uri::try_from(encoded).expect("parsed above");
        let raw: Vec<_> = form_urlencoded::parse(&query).collect();
        let decoded: Vec<_> =
            form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).collect();
        assert_eq!(raw, decoded, "{:?}", quote(&query));
    }
}

#[test]
fn methods_and_header_names_are_tokens_as_hyper_reads_them() {
    for b in 0..=255u8 {
        if b == b' ' || b == b'\n' || b == b':' {
            continue;
        }
        let method = [b"GE".as_slice(), &[b], b" / HTTP/1.1\r\n\r\n"].concat();
        let name = [b"GET / HTTP/1.1\r\nX-".as_slice(), &[b], b"-y: 1\r\n\r\n"].concat();
        let value = [b"GET / HTTP/1.1\r\nX-y: a".as_slice(), &[b], b"a\r\n\r\n"].concat();
        for head in [method, name, value] {
            let ours = rewritten(&head).is_ok();
            assert_eq!(
                ours,
                hyper_accepts(&head),
                "0x{b:02X} in {:?}",
                quote(&head)
            );
        }
    }
}

/// A head from parts that are mostly valid, sometimes not; and the same head with its
/// target percent-encoded as the adapter should leave it.
fn generated_head(rng: &mut StdRng) -> (Vec<u8>, Vec<u8>) {
    let mut pick = |parts: &[&'static [u8]]| parts[rng.gen_range(0..parts.len())];
    let methods: [&[u8]; 6] = [b"GET", b"POST", b"GET", b"PUT", b"G\"T", b""];
    let gaps: [&[u8]; 6] = [b" ", b" ", b" ", b" ", b"  ", b"\t"];
    let targets: [&[u8]; 10] = [
        b"/",
        b"/?Action=DescribeInstances&InstanceIds=[\"i-1\"]",
        b"/?InstanceName={a|b}^\\<>`",
        "/?InstanceName=中文*".as_bytes(),
        b"/?a=b c",
        b"/?a=%22+&b=#x",
        b"/?a=\x00",
        b"http://h:1/?a=\"",
        b"h:1",
        b"*",
    ];
    let versions: [&[u8]; 6] = [
        b"HTTP/1.1",
        b"HTTP/1.1",
        b"HTTP/1.1",
        b"HTTP/1.0",
        b"HTTP/1.2",
        b"HTTX/1.1",
    ];
    let ends: [&[u8]; 3] = [b"\r\n", b"\n", b"\r\n"];
    let fields: [&[u8]; 10] = [
        b"Host: x",
        b"Accept: */*",
        b"X-Name: \xe4\xb8\xad",
        b"X-A:\tb\t",
        b"Content-Length: 0",
        b"Upgrade: h2c",
        b"X-A : b",
        b"X-A: b\x01",
        b"No colon",
        b" folded",
    ];
    let mut lines = Vec::new();
    for _ in 0..pick(&[b"", b"x", b"xx"]).len() {
        lines.extend_from_slice(pick(&fields));
        lines.extend_from_slice(pick(&ends));
    }
    lines.extend_from_slice(pick(&ends));
    let (method, gap, target, gap2, version, end) = (
        pick(&methods),
        pick(&gaps),
        pick(&targets),
        pick(&gaps),
        pick(&versions),
        pick(&ends),
    );
    let mut encoded = Vec::new();
    encode_target(target, &mut encoded);
    let head = |target: &[u8]| [method, gap, target, gap2, version, end, &lines].concat();
    (head(target), head(&encoded))
}

#[test]
fn generated_heads_get_the_verdict_hyper_would_give() {
    let mut rng = StdRng::seed_from_u64(11);
    let (mut served, mut refused) = (0, 0);
    for _ in 0..5000 {
        let (head, encoded) = generated_head(&mut rng);
        match rewritten(&head) {
            Ok(out) => {
                served += 1;
                assert_eq!(quote(&out), quote(&encoded));
                assert!(hyper_accepts(&out), "{:?}", quote(&out));
            }
            Err(r) => {
                // What the scanner refuses, hyper refuses too, even re-encoded.
                refused += 1;
                assert!(
                    !hyper_accepts(&encoded),
                    "{:?} refused: {r:?}",
                    quote(&head)
                );
            }
        }
    }
    assert!(
        served > 500 && refused > 500,
        "{served} served, {refused} refused"
    );
}

#[test]
fn a_head_fed_byte_by_byte_gets_the_same_verdict() {
    let heads: [&[u8]; 5] = [
        b"GET /?InstanceIds=[\"i-1\"] HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\r\n\nPOST / HTTP/1.1\nContent-Length: 5\n\nhello",
        b"GET /\x01 HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ];
    for head in heads {
        assert_eq!(
            scan_bytewise(head),
            HeadScanner::default().scan(head),
            "{:?}",
            quote(head)
        );
    }
}

#[test]
fn framing_follows_content_length_and_transfer_encoding() {
    let framing = |fields: &str| match HeadScanner::default()
        .scan(format!("POST /?a=1 HTTP/1.1\r\n{fields}\r\n").as_bytes())
    {
        Scan::Complete(head) => head.framing,
        other => panic!("{fields}: {other:?}"),
    };
    assert_eq!(framing(""), Framing::None);
    assert_eq!(framing("Content-Length: 0\r\n"), Framing::None);
    assert_eq!(
        framing("content-length: 12\r\nContent-Length: 12\r\n"),
        Framing::Length(12)
    );
    assert_eq!(
        framing("Transfer-Encoding: gzip, Chunked\r\n"),
        Framing::Chunked
    );
    assert_eq!(
        framing("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"),
        Framing::Chunked
    );
    assert_eq!(
        framing("Upgrade: websocket\r\nConnection: upgrade\r\n"),
        Framing::Opaque
    );
    assert!(matches!(
        HeadScanner::default().scan(b"CONNECT host:443 HTTP/1.1\r\n\r\n"),
        Scan::Complete(Head {
            framing: Framing::Opaque,
            ..
        })
    ));
}

#[test]
fn heads_hyper_cannot_serve_are_refused_with_their_code() {
    let cases: [(&[u8], &str); 14] = [
        (b"GET /?a=\x00 HTTP/1.1\r\n\r\n", "InvalidRequest.Malformed"),
        (b"GET /?a=\x7f HTTP/1.1\r\n\r\n", "InvalidRequest.Malformed"),
        (b"G(T / HTTP/1.1\r\n\r\n", "InvalidRequest.Malformed"),
        (b"GET /\r\n\r\n", "InvalidRequest.Malformed"),
        (b"GET / HTTP/1.1 \r\n\r\n", "InvalidRequest.Malformed"),
        (b"GET / HTTP/1.2\r\n\r\n", "InvalidRequest.HttpVersion"),
        (b"GET / HTTP/2.0\r\n\r\n", "InvalidRequest.HttpVersion"),
        (
            b"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
            "InvalidRequest.Malformed",
        ),
        (
            b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
            "InvalidRequest.Malformed",
        ),
        (
            b"GET / HTTP/1.1\r\n folded: x\r\n\r\n",
            "InvalidRequest.Malformed",
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "InvalidParameter.ContentLength",
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "InvalidParameter.ContentLength",
        ),
        (
            b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "InvalidRequest.TransferEncoding",
        ),
        (
            b"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            "InvalidRequest.TransferEncoding",
        ),
    ];
    for (head, code) in cases {
        assert_eq!(refused_code(head), code, "{:?}", quote(head));
    }
    // Non-ASCII header values (obs-text) are fine for httparse and hyper alike.
    assert!(rewritten("GET / HTTP/1.1\r\nX-Name: 中文\r\n\r\n".as_bytes()).is_ok());
}

#[test]
fn limits_are_refused_as_soon_as_they_are_passed() {
    // Once percent-encoded: 30 000 raw quotes are 90 000 bytes.
    let quotes = [
        b"GET /?a=".as_slice(),
        &[b'"'; 30_000],
        b" HTTP/1.1\r\n\r\n",
    ]
    .concat();
    assert_eq!(refused_code(&quotes), "InvalidParameter.UriTooLong");
    let fits = [
        b"GET /?a=".as_slice(),
        &vec![b'a'; MAX_TARGET_LEN - 5],
        b" HTTP/1.1\r\n\r\n",
    ]
    .concat();
    assert!(rewritten(&fits).is_ok());
    // An endless request line is refused before its end arrives.
    let endless = [b"GET /?a=".as_slice(), &vec![b'a'; MAX_TARGET_LEN + 2000]].concat();
    assert_eq!(refused_code(&endless), "InvalidParameter.UriTooLong");
    let big_field = format!("GET / HTTP/1.1\r\nX-Big: {}", "v".repeat(MAX_HEADER_BYTES));
    assert_eq!(
        refused_code(big_field.as_bytes()),
        "InvalidParameter.HeaderTooLarge"
    );
    let many = format!(
        "GET / HTTP/1.1\r\n{}\r\n",
        "X: y\r\n".repeat(MAX_HEADERS + 1)
    );
    assert_eq!(
        refused_code(many.as_bytes()),
        "InvalidParameter.HeaderTooLarge"
    );
    let enough = format!("GET / HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(MAX_HEADERS));
    assert!(rewritten(enough.as_bytes()).is_ok());
}

#[test]
fn a_raw_space_inside_the_target_is_encoded_but_not_next_to_a_delimiter() {
    let out = rewritten(b"GET /?InstanceName=a b HTTP/1.1\r\n\r\n").expect("served");
    assert_eq!(out, b"GET /?InstanceName=a%20b HTTP/1.1\r\n\r\n");
    assert_eq!(
        refused_code(b"GET  /?a=b HTTP/1.1\r\n\r\n"),
        "InvalidRequest.Malformed"
    );
    assert_eq!(
        refused_code(b"GET /?a=b  HTTP/1.1\r\n\r\n"),
        "InvalidRequest.Malformed"
    );
    assert_eq!(
        refused_code(b"GET  * HTTP/1.1\r\n\r\n"),
        "InvalidRequest.Malformed"
    );
}
