//! A request head that cannot be served, carried to the gateway as a synthetic request.
//!
//! hyper answers a head it cannot parse with a bare status and an empty body, which no
//! SDK can read as an ECS error. So when the adapter ([`super::lenient`]) meets such a
//! head, it hands hyper a small request of its own instead:
//!
//! ```text
//! GET / HTTP/1.1
//! x-ecs-mock-refusal: InvalidRequest.Malformed
//! x-ecs-mock-refusal-message: The request target contains the control byte 0x00 at offset 7.
//! connection: close
//! ```
//!
//! The gateway looks for these headers before anything else ([`from_headers`]) and
//! answers with the ECS error: the code's status, a JSON body, `x-acs-request-id`. The
//! `connection: close` makes hyper close the connection after that answer.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderName};

use crate::error::{ApiError, Code};

/// The header naming the refusal's ECS code.
pub const CODE_HEADER: &str = "x-ecs-mock-refusal";

/// The header carrying the refusal's message.
pub const MESSAGE_HEADER: &str = "x-ecs-mock-refusal-message";

/// [`CODE_HEADER`] and [`MESSAGE_HEADER`] as names, looked up on every request without
/// being parsed each time.
const CODE_HEADER_NAME: HeaderName = HeaderName::from_static(CODE_HEADER);
const MESSAGE_HEADER_NAME: HeaderName = HeaderName::from_static(MESSAGE_HEADER);

/// The codes a refusal can carry; any other value of [`CODE_HEADER`] is ignored.
const CODES: [Code; 8] = [
    Code::UriTooLong,
    Code::HeaderTooLarge,
    Code::MalformedRequest,
    Code::UnsupportedHttpVersion,
    Code::InvalidContentLength,
    Code::UnsupportedTransferEncoding,
    Code::RequestTimeout,
    Code::ServiceUnavailable,
];

/// Longest message carried (a header value; the messages written here are far shorter).
const MAX_MESSAGE: usize = 512;

/// Why a request head was refused: the ECS code (which fixes the status) and a message
/// saying what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    code: Code,
    message: Cow<'static, str>,
}

impl Refusal {
    /// A refusal with `code` and `message`.
    pub(crate) fn new(code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }

    /// The ECS code.
    pub(crate) fn code(&self) -> Code {
        self.code
    }

    /// The message.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The synthetic request that stands for this refusal. The message is reduced to
    /// printable ASCII so that it is always a valid header value.
    pub(crate) fn to_request(&self) -> Vec<u8> {
        let mut req = Vec::with_capacity(160 + self.message.len());
        req.extend_from_slice(b"GET / HTTP/1.1\r\n");
        req.extend_from_slice(CODE_HEADER.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(self.code.as_str().as_bytes());
        req.extend_from_slice(b"\r\n");
        req.extend_from_slice(MESSAGE_HEADER.as_bytes());
        req.extend_from_slice(b": ");
        req.extend(self.message.bytes().take(MAX_MESSAGE).map(|b| {
            if (0x20..0x7F).contains(&b) {
                b
            } else {
                b'?'
            }
        }));
        req.extend_from_slice(b"\r\nconnection: close\r\n\r\n");
        req
    }
}

/// The error to answer when `headers` are those of a synthetic refusal request; `None`
/// for every other request (one header lookup).
pub fn from_headers(headers: &HeaderMap) -> Option<ApiError> {
    let value = headers.get(&CODE_HEADER_NAME)?;
    let code = *CODES
        .iter()
        .find(|c| c.as_str().as_bytes() == value.as_bytes())?;
    let message = headers
        .get(&MESSAGE_HEADER_NAME)
        .and_then(|v| v.to_str().ok())
        .filter(|m| !m.trim().is_empty());
    Some(match message {
        Some(m) => ApiError::with_message(code, m.to_string()),
        None => ApiError::new(code),
    })
}

/// Client bytes quoted in a message: printable ASCII kept, anything else as `\xNN`,
/// at most 32 bytes.
pub(crate) fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().min(32) + 2);
    for &b in bytes.iter().take(32) {
        if (0x20..0x7F).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    if bytes.len() > 32 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::status::{code_status, WireError};

    fn headers_of(request: &[u8]) -> HeaderMap {
        let mut fields = [httparse::EMPTY_HEADER; 8];
        let mut req = httparse::Request::new(&mut fields);
        assert!(
            matches!(req.parse(request), Ok(httparse::Status::Complete(n)) if n == request.len())
        );
        assert_eq!(
            (req.method, req.path, req.version),
            (Some("GET"), Some("/"), Some(1))
        );
        let mut map = HeaderMap::new();
        for h in req.headers.iter() {
            map.append(
                axum::http::HeaderName::from_bytes(h.name.as_bytes()).expect("a name"),
                axum::http::HeaderValue::from_bytes(h.value).expect("a value"),
            );
        }
        map
    }

    #[test]
    fn every_code_goes_through_the_synthetic_request() {
        for code in CODES {
            let refusal = Refusal::new(code, "bad \u{0}\r\nthing é");
            let headers = headers_of(&refusal.to_request());
            assert_eq!(headers["connection"], "close");
            let err = from_headers(&headers).expect("a refusal");
            assert_eq!(
                (
                    err.code.as_ref(),
                    WireError::from(err.clone()).status,
                    err.message.as_ref()
                ),
                (code.as_str(), code_status(code), "bad ???thing ??")
            );
        }
    }

    #[test]
    fn other_requests_and_unknown_codes_are_not_refusals() {
        let mut headers = HeaderMap::new();
        assert_eq!(from_headers(&headers), None);
        headers.insert(CODE_HEADER, "InternalError".parse().expect("a value"));
        assert_eq!(from_headers(&headers), None);
        headers.insert(
            CODE_HEADER,
            "InvalidRequest.Malformed".parse().expect("a value"),
        );
        let err = from_headers(&headers).expect("a refusal");
        assert_eq!(err.message, Code::MalformedRequest.default_message());
    }

    #[test]
    fn quoting_keeps_printable_ascii_only() {
        assert_eq!(quote(b"HTTP/1.2"), "HTTP/1.2");
        assert_eq!(quote(b"a\x00\xff"), "a\\x00\\xFF");
        assert_eq!(quote(&[b'x'; 40]), format!("{}…", "x".repeat(32)));
    }
}
