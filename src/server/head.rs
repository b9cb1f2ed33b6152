//! One request head as it arrives: where it ends, whether hyper can serve it, which
//! bytes of its request target must be percent-encoded, and what follows it.
//!
//! [`HeadScanner`] reads the bytes received so far line by line and remembers where it
//! stopped, so a head that arrives a byte at a time is still looked at once. It accepts
//! exactly what hyper's parser (httparse) and `http` accept, plus request targets
//! carrying the raw bytes real clients send unencoded (see [`super::request_line`]):
//! those are re-encoded, which changes no decoded parameter. Everything else hyper would
//! answer with a bare status becomes a [`Refusal`] (`src/server/head_tests.rs` compares
//! the verdicts with httparse and `http`, byte by byte and on generated heads).

use std::ops::Range;

use memchr::memchr;

use super::refusal::{quote, Refusal};
use super::request_line::{is_token, request_line, RequestLine};
use crate::error::Code;

pub use super::request_line::MAX_TARGET_LEN;

/// Largest header block served: the header lines after the request line, line ends
/// included.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Most header fields in one request (hyper's limit).
pub const MAX_HEADERS: usize = 100;

/// Longest request line: the target's limit plus room for a method and the version.
const MAX_REQUEST_LINE: usize = MAX_TARGET_LEN + 1024;

/// What follows a head on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body: the next byte starts the next request.
    None,
    /// A body of this many bytes.
    Length(u64),
    /// A chunked body.
    Chunked,
    /// Something not followed (CONNECT, Upgrade): every later byte passes as it is.
    Opaque,
}

/// A complete head that hyper can serve once its target is re-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// Its length, leading empty lines and the final empty line included.
    pub(crate) len: usize,
    /// Where the request target lies in it.
    pub(crate) target: Range<usize>,
    /// How many target bytes must be percent-encoded (0: the head passes as it is).
    pub(crate) to_encode: usize,
    /// What follows it.
    pub(crate) framing: Framing,
}

/// The verdict on the bytes received so far.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// No complete head yet, and nothing wrong so far.
    Partial,
    /// A head.
    Complete(Head),
    /// A head hyper cannot serve.
    Refused(Refusal),
}

/// Scans one head; reset (by [`Scan::Complete`] or [`Scan::Refused`]) for the next.
#[derive(Debug, Default)]
pub(crate) struct HeadScanner {
    /// First byte not yet looked at.
    pos: usize,
    /// Where the current line starts.
    line_start: usize,
    /// The request line, once read.
    request: Option<RequestLine>,
    /// Header fields so far.
    fields: usize,
    /// Bytes of header lines so far (leading empty lines count too).
    header_bytes: usize,
    /// The Content-Length, once seen.
    content_length: Option<u64>,
    /// Whether the last Transfer-Encoding field ends with `chunked`, once seen.
    chunked_last: Option<bool>,
    /// Whether an Upgrade field was seen.
    upgrade: bool,
}

impl HeadScanner {
    /// Look at `data`: the bytes of this head received so far (a longer slice than on the
    /// previous call, same start), possibly followed by what comes after the head.
    pub(crate) fn scan(&mut self, data: &[u8]) -> Scan {
        while let Some(i) = memchr(b'\n', &data[self.pos..]) {
            let newline = self.pos + i;
            let start = self.line_start;
            let end = if newline > start && data[newline - 1] == b'\r' {
                newline - 1
            } else {
                newline
            };
            self.pos = newline + 1;
            self.line_start = newline + 1;
            match self.line(&data[start..end], start, newline + 1 - start) {
                Ok(false) => {}
                Ok(true) => {
                    let verdict = self.finish(newline + 1);
                    *self = HeadScanner::default();
                    return verdict;
                }
                Err(refusal) => {
                    *self = HeadScanner::default();
                    return Scan::Refused(refusal);
                }
            }
        }
        self.pos = data.len();
        let unfinished = data.len() - self.line_start;
        let refusal = if self.request.is_none() && unfinished > MAX_REQUEST_LINE {
            Refusal::new(
                Code::UriTooLong,
                format!("The request line is over {MAX_REQUEST_LINE} bytes long; the request target may be at most {MAX_TARGET_LEN} bytes once percent-encoded."),
            )
        } else if self.request.is_some() && self.header_bytes + unfinished > MAX_HEADER_BYTES {
            too_large()
        } else {
            return Scan::Partial;
        };
        *self = HeadScanner::default();
        Scan::Refused(refusal)
    }

    /// One line without its line end (`raw_len` bytes with it) at `offset`; `Ok(true)`
    /// when it is the empty line that ends the head.
    fn line(&mut self, line: &[u8], offset: usize, raw_len: usize) -> Result<bool, Refusal> {
        if self.request.is_none() && line.is_empty() {
            // Empty lines before a request line are skipped by httparse (RFC 9112 §2.2).
            self.header_bytes += raw_len;
            return match self.header_bytes > MAX_HEADER_BYTES {
                true => Err(too_large()),
                false => Ok(false),
            };
        }
        if self.request.is_none() {
            self.request = Some(request_line(line, offset)?);
            return Ok(false);
        }
        if line.is_empty() {
            return Ok(true);
        }
        self.fields += 1;
        self.header_bytes += raw_len;
        if self.fields > MAX_HEADERS {
            return Err(Refusal::new(
                Code::HeaderTooLarge,
                format!("The request has more than {MAX_HEADERS} header fields."),
            ));
        }
        if self.header_bytes > MAX_HEADER_BYTES {
            return Err(too_large());
        }
        self.field(line)
    }

    /// One header field line.
    fn field(&mut self, line: &[u8]) -> Result<bool, Refusal> {
        // The name runs to the first byte that is not a token byte, which must be the
        // colon (one pass; the reasons are worked out only for a bad line).
        let colon = line
            .iter()
            .position(|&b| !is_token(b))
            .unwrap_or(line.len());
        if colon == 0 || line.get(colon) != Some(&b':') {
            return Err(match memchr(b':', line) {
                _ if matches!(line[0], b' ' | b'\t') => malformed(
                    "A header line starts with whitespace; folded header lines are not accepted.",
                ),
                None => malformed("A header line has no colon."),
                Some(end) => malformed(format!(
                    "The header name \"{}\" is not a valid HTTP token.",
                    quote(&line[..end])
                )),
            });
        }
        let name = &line[..colon];
        let value = trim_ows(&line[colon + 1..]);
        let control = |b: u8| (b < 0x20) & (b != b'\t') | (b == 0x7F);
        // A branch-free pass first (values are most of a head), then the offender.
        if let Some(&b) = value
            .iter()
            .fold(false, |seen, &b| seen | control(b))
            .then(|| value.iter().find(|&&b| control(b)))
            .flatten()
        {
            return Err(malformed(format!(
                "The value of header {} contains the control byte 0x{b:02X}.",
                quote(name)
            )));
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            let length = digits(value).ok_or_else(|| {
                Refusal::new(
                    Code::InvalidContentLength,
                    format!(
                        "The Content-Length \"{}\" is not a decimal number of bytes.",
                        quote(value)
                    ),
                )
            })?;
            if self.content_length.is_some_and(|l| l != length) {
                return Err(Refusal::new(
                    Code::InvalidContentLength,
                    "The request has two different Content-Length values.",
                ));
            }
            self.content_length = Some(length);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            let last = value.rsplit(|&b| b == b',').next().unwrap_or_default();
            self.chunked_last = Some(trim_ows(last).eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            self.upgrade = true;
        }
        Ok(false)
    }

    /// The verdict on a head of `len` bytes whose lines were all accepted.
    fn finish(&self, len: usize) -> Scan {
        let Some(request) = &self.request else {
            return Scan::Refused(malformed("The request has no request line."));
        };
        let framing = match self.chunked_last {
            Some(_) if !request.http11 => {
                return Scan::Refused(Refusal::new(
                    Code::UnsupportedTransferEncoding,
                    "Transfer-Encoding cannot be used with HTTP/1.0.",
                ))
            }
            Some(false) => {
                return Scan::Refused(Refusal::new(
                    Code::UnsupportedTransferEncoding,
                    "The only Transfer-Encoding accepted is chunked, as the last coding.",
                ))
            }
            _ if request.connect || self.upgrade => Framing::Opaque,
            Some(true) => Framing::Chunked,
            None => match self.content_length {
                Some(n) if n > 0 => Framing::Length(n),
                _ => Framing::None,
            },
        };
        Scan::Complete(Head {
            len,
            target: request.target.clone(),
            to_encode: request.to_encode,
            framing,
        })
    }
}

/// `bytes` without leading and trailing spaces and tabs (the only whitespace httparse
/// trims around a header value).
fn trim_ows(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ' && b != b'\t');
    let end = bytes.iter().rposition(|&b| b != b' ' && b != b'\t');
    match (start, end) {
        (Some(s), Some(e)) => &bytes[s..=e],
        _ => &[],
    }
}

/// A Content-Length value as hyper reads it: decimal digits only, no sign, no overflow.
fn digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| match b {
        b'0'..=b'9' => n.checked_mul(10)?.checked_add(u64::from(b - b'0')),
        _ => None,
    })
}

pub(super) fn malformed(message: impl Into<std::borrow::Cow<'static, str>>) -> Refusal {
    Refusal::new(Code::MalformedRequest, message)
}

fn too_large() -> Refusal {
    Refusal::new(
        Code::HeaderTooLarge,
        format!("The request header block is over {MAX_HEADER_BYTES} bytes."),
    )
}

#[cfg(test)]
#[path = "head_tests.rs"]
mod tests;
