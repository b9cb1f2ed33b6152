//! The request line: method, request target and version, and how the target's bytes
//! are treated — kept, percent-encoded, or refused.
//!
//! hyper reads the request target with httparse, then `http::Uri`; a byte either refuses
//! is answered with a bare 400. The bytes real clients send raw (a JSON array in the
//! query, `{ | } \ ^ < >`, UTF-8) mean the same once percent-encoded, since the gateway
//! form-decodes the query and signatures are computed over decoded values; so those are
//! encoded. Control bytes are not: a head with one is refused.

use std::ops::Range;

use memchr::{memchr, memrchr};

use super::head::malformed;
use super::refusal::{quote, Refusal};
use crate::error::Code;

/// Longest request target served, in bytes once re-encoded: hyper's own limit
/// (`u16::MAX - 1`). A RunInstances `UserData` (up to 32 KiB of base64) fits.
pub const MAX_TARGET_LEN: usize = 65_534;

/// How a byte of a request target is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Class {
    /// Passed as it is.
    Keep = 0,
    /// Percent-encoded.
    Encode = 1,
    /// A control byte: the head is refused.
    Control = 2,
}

/// A byte's class: [`not_kept`] bytes are encoded, except control bytes, which refuse
/// the head.
const fn class(b: u8) -> Class {
    if !not_kept(b) {
        Class::Keep
    } else if b < 0x20 || b == 0x7F {
        Class::Control
    } else {
        Class::Encode
    }
}

const CLASSES: [Class; 256] = {
    let mut table = [Class::Keep; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = class(i as u8);
        i += 1;
    }
    table
};

/// Whether `b` is not passed as it is, by comparisons alone (the compiler runs them on
/// many bytes at once): a control byte, or one of the bytes hyper refuses in a request
/// target that mean the same percent-encoded: the space, `"`, `<`, `>`, the backtick and
/// every byte ≥ 0x80 (refused by httparse or `http::Uri` today), and `\`, `^`, `{`, `|`,
/// `}` (accepted today, refused by earlier `http` releases). `%`, `+`, `&`, `=`, `?`, `#`,
/// `[` and `]` are kept.
const fn not_kept(b: u8) -> bool {
    (b <= b' ')
        | (b >= 0x7F)
        | (b == b'"')
        | (b == b'<')
        | (b == b'>')
        | (b == b'\\')
        | (b == b'^')
        | (b == b'`')
        | (b == b'{')
        | (b == b'|')
        | (b == b'}')
}

/// Whether the adapter percent-encodes `b` in a request target.
pub(crate) fn needs_encoding(b: u8) -> bool {
    CLASSES[b as usize] == Class::Encode
}

/// Append `target` to `out` with every byte of [`needs_encoding`] as `%XX` (upper-case).
pub(crate) fn encode_target(target: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in target {
        if needs_encoding(b) {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        } else {
            out.push(b);
        }
    }
}

/// The `tchar`s of RFC 9110: what httparse and `http` accept in methods and header names.
const TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        i += 1;
    }
    table
};

/// Whether `b` may appear in a method or a header name.
pub(super) fn is_token(b: u8) -> bool {
    TOKEN[b as usize]
}

/// What the rest of the head needs to know of its request line.
#[derive(Debug)]
pub(super) struct RequestLine {
    /// Where the target lies in the head.
    pub(super) target: Range<usize>,
    /// How many of its bytes must be percent-encoded.
    pub(super) to_encode: usize,
    /// HTTP/1.1 (else HTTP/1.0).
    pub(super) http11: bool,
    /// The method is CONNECT.
    pub(super) connect: bool,
}

/// `METHOD SP TARGET SP HTTP/1.x` at `offset`. The target runs from the first space to
/// the last, so a raw space inside it is re-encoded like the other raw bytes (as nginx
/// reads it); a space next to a delimiter is refused, as hyper would.
pub(super) fn request_line(line: &[u8], offset: usize) -> Result<RequestLine, Refusal> {
    let (Some(first), Some(last)) = (memchr(b' ', line), memrchr(b' ', line)) else {
        return Err(malformed(
            "The request line is not of the form METHOD TARGET HTTP/1.1.",
        ));
    };
    let method = &line[..first];
    if method.is_empty() || !method.iter().all(|&b| is_token(b)) {
        return Err(malformed(format!(
            "The request method \"{}\" is not a valid HTTP token.",
            quote(method)
        )));
    }
    let version = &line[last + 1..];
    let http11 = match version {
        b"HTTP/1.1" => true,
        b"HTTP/1.0" => false,
        _ if first == last => {
            return Err(malformed(
                "The request line is not of the form METHOD TARGET HTTP/1.1.",
            ))
        }
        v if v.starts_with(b"HTTP/") => {
            return Err(Refusal::new(
                Code::UnsupportedHttpVersion,
                format!(
                    "The HTTP version {} is not supported; use HTTP/1.1.",
                    quote(v)
                ),
            ))
        }
        _ => {
            return Err(malformed(
                "The request line does not end with an HTTP version (HTTP/1.1).",
            ))
        }
    };
    let target = &line[first + 1..last];
    if target.is_empty() {
        return Err(malformed("The request target is empty."));
    }
    if target.starts_with(b" ") || target.ends_with(b" ") {
        return Err(malformed(
            "The parts of the request line are separated by more than one space.",
        ));
    }
    // Most targets need nothing: one branch-free pass of comparisons (which the compiler
    // runs on many bytes at once, unlike table lookups) tells, before a closer look.
    let seen = target.iter().fold(false, |seen, &b| seen | not_kept(b));
    let mut to_encode = 0;
    for (i, &b) in target.iter().enumerate().filter(|_| seen) {
        match CLASSES[b as usize] {
            Class::Keep => {}
            Class::Encode => to_encode += 1,
            Class::Control => {
                return Err(malformed(format!(
                    "The request target contains the control byte 0x{b:02X} at offset {i}."
                )))
            }
        }
    }
    let encoded_len = target.len() + 2 * to_encode;
    if encoded_len > MAX_TARGET_LEN {
        return Err(Refusal::new(
            Code::UriTooLong,
            format!("The request target is {encoded_len} bytes long once percent-encoded; the limit is {MAX_TARGET_LEN}."),
        ));
    }
    // An origin-form target (`/…`) always parses once encoded (pinned by the tests);
    // absolute-form, authority-form and `*` are checked the way hyper will check them.
    if target[0] != b'/' {
        let mut encoded = Vec::with_capacity(encoded_len);
        encode_target(target, &mut encoded);
        if axum::http::Uri::try_from(encoded).is_err() {
            return Err(malformed(format!(
                "The request target \"{}\" is not a valid URI.",
                quote(target)
            )));
        }
    }
    Ok(RequestLine {
        target: offset + first + 1..offset + last,
        to_encode,
        http11,
        connect: method == b"CONNECT",
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_byte_has_its_documented_class() {
        for b in 0..=255u8 {
            let expected = match b {
                0x00..=0x1F | 0x7F => super::Class::Control,
                b' '
                | b'"'
                | b'<'
                | b'>'
                | b'\\'
                | b'^'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | 0x80..=0xFF => super::Class::Encode,
                _ => super::Class::Keep,
            };
            assert_eq!(super::CLASSES[b as usize], expected, "byte 0x{b:02X}");
            assert_eq!(
                super::not_kept(b),
                expected != super::Class::Keep,
                "byte 0x{b:02X}"
            );
        }
    }

    use super::*;

    /// Whether hyper's parsing (httparse, then `http::Uri`) accepts a request target.
    fn hyper_accepts(target: &[u8]) -> bool {
        let request = [b"GET ", target, b" HTTP/1.1\r\n\r\n"].concat();
        let mut fields = [httparse::EMPTY_HEADER; 1];
        let mut req = httparse::Request::new(&mut fields);
        matches!(req.parse(&request), Ok(httparse::Status::Complete(_)))
            && req
                .path
                .is_some_and(|p| axum::http::Uri::try_from(p).is_ok())
    }

    #[test]
    fn refused_target_bytes_are_pinned() {
        // Each byte alone in the path and in a query value.
        let refused: Vec<u8> = (0..=255u8)
            .filter(|&b| !hyper_accepts(&[b'/', b]) || !hyper_accepts(&[b'/', b'?', b'a', b'=', b]))
            .collect();
        let mut want: Vec<u8> = (0x00..=0x20).collect();
        want.extend_from_slice(b"\"<>`");
        want.push(0x7F);
        want.extend(0x80..=0xFF);
        assert_eq!(refused, want, "hyper's refused set changed; review `class`");
        for b in 0..=255u8 {
            let control = b < 0x20 || b == 0x7F;
            assert_eq!(
                needs_encoding(b),
                !control && (refused.contains(&b) || b"\\^{|}".contains(&b)),
                "byte 0x{b:02X}"
            );
            assert_eq!(CLASSES[b as usize] == Class::Control, control);
        }
    }

    #[test]
    fn encoding_is_upper_case_hex_and_keeps_the_rest() {
        let mut out = Vec::new();
        encode_target("/?a=[\"x\"]&b=%22+{|}\\^`<>中 #".as_bytes(), &mut out);
        assert_eq!(
            String::from_utf8(out).expect("ASCII"),
            "/?a=[%22x%22]&b=%22+%7B%7C%7D%5C%5E%60%3C%3E%E4%B8%AD%20#"
        );
    }
}
