//! Rendering responses: JSON or XML, success or error — the only place that writes bodies.
//!
//! One serializer per format: `serde_json` for JSON and [`xml`]
//! for the ECS XML convention (root `<{Action}Response>` or `<Error>`, a list under key
//! `K` as repeated `<K>` elements). Typed answers (DescribeInstances pages,
//! DescribeInstanceStatus, DescribeInstanceAttribute) are written straight from the state
//! into the buffer in the real service's key order; the other actions' field maps are put
//! in that order by [`order`] first. The hottest bodies skip the serializer: a
//! DescribeInstanceStatus page in JSON ([`status_json`]) and an error (`error_bytes`, in
//! both formats) are written by hand, an error from a template kept per thread for the
//! last code, message and host (the refusal repeated under load is escaped and laid out
//! once), with tests that they are the bytes the serializer writes.

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use quick_xml::escape::escape;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::ecs::{Answer, Reply};
use crate::error::ApiError;
use crate::gateway::status::WireError;
use crate::gateway::view::{
    json_str, json_str_of, page_body, page_json, status_body, status_json, AttributeView,
};
use crate::gateway::{order, xml};

/// JSON content type, as the real gateway sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";
/// XML content type; the Darabonba SDKs parse XML errors only with exactly this value.
pub const XML_CONTENT_TYPE: &str = "text/xml;charset=utf-8";

/// Response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// XML.
    Xml,
}

/// A success body from a map of fields: `RequestId` added, then every object put in the
/// real service's key order.
pub fn success_body(action: &str, request_id: &str, reply: Reply) -> Map<String, Value> {
    let mut body = Map::with_capacity(reply.len() + 1);
    body.insert("RequestId".into(), json!(request_id));
    body.extend(reply);
    order::arrange_map(&mut body, order::top_kind(action));
    body
}

/// The error body as a JSON object, in the gateway's captured order
/// (`RequestId, HostId, Code, Message, Recommend`; a RAM denial's `AccessDeniedDetail`
/// last).
pub fn error_body(err: &ApiError, request_id: &str, host: &str) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("RequestId".into(), json!(request_id));
    body.insert("HostId".into(), json!(host));
    body.insert("Code".into(), json!(err.code));
    body.insert("Message".into(), json!(err.message));
    body.insert(
        "Recommend".into(),
        json!(recommend(&err.code, request_id).concat()),
    );
    if let Some(detail) = &err.detail {
        let mut detail = (**detail).clone();
        order::arrange(&mut detail, order::Kind::Other);
        body.insert("AccessDeniedDetail".into(), detail);
    }
    body
}

/// A success response from an action's answer.
pub fn answer(action: &str, request_id: &str, answer: Answer, format: Format) -> Response {
    let root = match format {
        Format::Json => String::new(),
        Format::Xml => format!("{action}Response"),
    };
    let body = match answer {
        Answer::Ready(reply) => serialize(&success_body(action, request_id, reply), &root, format),
        Answer::Instances(page) if format == Format::Json => page_json(&page, request_id),
        Answer::Instances(page) => serialize(&page_body(&page, request_id), &root, format),
        Answer::Statuses(page) if format == Format::Json => status_json(&page, request_id),
        Answer::Statuses(page) => serialize(&status_body(&page, request_id), &root, format),
        Answer::Attribute(pair) => serialize(
            &AttributeView {
                inst: &pair.0,
                itype: pair.1.as_ref(),
                request_id,
            },
            &root,
            format,
        ),
    };
    respond(StatusCode::OK, body, format, request_id)
}

/// An error response with the error's HTTP status.
pub fn error(err: &WireError, request_id: &str, host: &str, format: Format) -> Response {
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = error_bytes(&err.error, request_id, host, format);
    respond(status, body, format, request_id)
}

/// The pieces of an error's `Recommend` link, in order.
fn recommend<'a>(code: &'a str, request_id: &'a str) -> [&'a str; 4] {
    [
        "https://api.aliyun.com/troubleshoot?q=",
        code,
        "&product=Ecs&requestId=",
        request_id,
    ]
}

/// The error body's bytes: what [`error_body`] serializes to. A RAM denial's
/// `AccessDeniedDetail` (rare) goes through [`error_body`]; every other error is an
/// [`ErrorTemplate`] of its code, message, host and format (one of the thread's
/// [`RecentErrors`]) filled in with the request id — a refusal repeated under load, such
/// as `IncorrectInstanceStatus`, is escaped and laid out once — or written straight
/// ([`write_error`]).
fn error_bytes(err: &ApiError, request_id: &str, host: &str, format: Format) -> Vec<u8> {
    if err.detail.is_some() {
        return serialize(&error_body(err, request_id, host), "Error", format);
    }
    if !plain_id(request_id) {
        return write_error(err, request_id, host, format);
    }
    thread_local! {
        static RECENT: std::cell::RefCell<RecentErrors> =
            const { std::cell::RefCell::new(RecentErrors { kept: Vec::new(), next: 0 }) };
    }
    RECENT.with_borrow_mut(|recent| match recent.find(err, host, format) {
        Some(template) => template.fill(request_id),
        None => write_error(err, request_id, host, format),
    })
}

/// A thread's templates of the last few errors it answered (a mix of two actions
/// refused alternately has two messages), replaced in turn.
struct RecentErrors {
    kept: Vec<ErrorTemplate>,
    next: usize,
}

impl RecentErrors {
    /// How many templates a thread keeps.
    const KEPT: usize = 4;

    /// The template of this error, made (in place of the oldest) if need be; `None` when
    /// it cannot have one.
    fn find(&mut self, err: &ApiError, host: &str, format: Format) -> Option<&ErrorTemplate> {
        if let Some(at) = self.kept.iter().position(|t| t.is_for(err, host, format)) {
            return Some(&self.kept[at]);
        }
        let template = ErrorTemplate::new(err, host, format)?;
        let at = if self.kept.len() < Self::KEPT {
            self.kept.push(template);
            self.kept.len() - 1
        } else {
            let at = self.next;
            self.kept[at] = template;
            self.next = (at + 1) % Self::KEPT;
            at
        };
        Some(&self.kept[at])
    }
}

/// Whether a request id is written as it is in JSON and XML (the ids ecs-mock draws are
/// upper-case UUIDs).
fn plain_id(request_id: &str) -> bool {
    request_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// An error body cut where its request id goes (twice: `RequestId` and the end of the
/// `Recommend` link), for one code, message, host and format.
struct ErrorTemplate {
    format: Format,
    code: String,
    message: String,
    host: String,
    /// The body with the request ids left out, and where they go.
    bytes: Vec<u8>,
    cuts: [usize; 2],
}

impl ErrorTemplate {
    /// Stands where the request id goes while the template is written: no byte of it is
    /// escaped in JSON or XML, and no request id (an upper-case UUID) looks like it.
    const MARK: &'static str = "~request-id~";

    /// The template of `err` for `host` in `format`; `None` when the mark cannot be told
    /// apart (the host or the message contains it).
    fn new(err: &ApiError, host: &str, format: Format) -> Option<Self> {
        let mark = Self::MARK;
        let written = write_error(err, mark, host, format);
        let mut at = memchr::memmem::find_iter(&written, mark.as_bytes());
        let (first, second) = (at.next()?, at.next()?);
        if at.next().is_some() {
            return None;
        }
        let mut bytes = written;
        bytes.drain(second..second + mark.len());
        bytes.drain(first..first + mark.len());
        Some(ErrorTemplate {
            format,
            code: err.code.to_string(),
            message: err.message.to_string(),
            host: host.to_string(),
            bytes,
            cuts: [first, second - mark.len()],
        })
    }

    fn is_for(&self, err: &ApiError, host: &str, format: Format) -> bool {
        self.format == format
            && self.code == err.code
            && self.host == host
            && self.message == err.message
    }

    /// The body with `request_id` in place (letters, digits and `-` only: nothing to
    /// escape; see [`plain_id`]).
    fn fill(&self, request_id: &str) -> Vec<u8> {
        let [first, second] = self.cuts;
        let mut out = Vec::with_capacity(self.bytes.len() + 2 * request_id.len());
        out.extend_from_slice(&self.bytes[..first]);
        out.extend_from_slice(request_id.as_bytes());
        out.extend_from_slice(&self.bytes[first..second]);
        out.extend_from_slice(request_id.as_bytes());
        out.extend_from_slice(&self.bytes[second..]);
        out
    }
}

/// The error body written straight into the buffer in its fixed order.
fn write_error(err: &ApiError, request_id: &str, host: &str, format: Format) -> Vec<u8> {
    let code: &str = &err.code;
    let message: &str = &err.message;
    let mut out = Vec::with_capacity(
        200 + 2 * request_id.len() + host.len() + 2 * code.len() + message.len(),
    );
    match format {
        Format::Json => {
            out.extend_from_slice(b"{\"RequestId\":");
            json_str(&mut out, request_id);
            out.extend_from_slice(b",\"HostId\":");
            json_str(&mut out, host);
            out.extend_from_slice(b",\"Code\":");
            json_str(&mut out, code);
            out.extend_from_slice(b",\"Message\":");
            json_str(&mut out, message);
            out.extend_from_slice(b",\"Recommend\":");
            json_str_of(&mut out, &recommend(code, request_id));
            out.push(b'}');
        }
        Format::Xml => {
            out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error>");
            xml_text(&mut out, "RequestId", request_id);
            xml_text(&mut out, "HostId", host);
            xml_text(&mut out, "Code", code);
            xml_text(&mut out, "Message", message);
            out.extend_from_slice(b"<Recommend>");
            for piece in recommend(code, request_id) {
                out.extend_from_slice(escape(piece).as_bytes());
            }
            out.extend_from_slice(b"</Recommend></Error>");
        }
    }
    out
}

/// `<name>escaped text</name>`, as the XML serializer writes a string field.
fn xml_text(out: &mut Vec<u8>, name: &str, text: &str) {
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
    out.extend_from_slice(escape(text).as_bytes());
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

/// Serialize a body; a value that cannot be written (never expected: every body is a
/// map with string keys) becomes an empty document rather than a panic.
fn serialize<T: Serialize + ?Sized>(body: &T, root: &str, format: Format) -> Vec<u8> {
    match format {
        Format::Json => serde_json::to_vec(body).unwrap_or_default(),
        Format::Xml => xml::to_xml(root, body).unwrap_or_default(),
    }
}

/// The header carrying the request id.
const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-acs-request-id");

fn respond(status: StatusCode, body: Vec<u8>, format: Format, request_id: &str) -> Response {
    let content_type = match format {
        Format::Json => JSON_CONTENT_TYPE,
        Format::Xml => XML_CONTENT_TYPE,
    };
    // What `(status, body).into_response()` gives, without its octet-stream content
    // type replaced at once, and with the request id header's name parsed once.
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID_HEADER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::model::Status;
    use crate::ecs::sym::Sym;
    use crate::ecs::StatusPage;
    use crate::error::Code;

    /// The status page written straight into the buffer is the bytes `serde_json` writes
    /// for the typed body, with ids that need escaping too.
    #[test]
    fn status_json_is_the_status_body_serialized() {
        for ids in [
            vec![],
            vec!["i-bp1abc", "i-bp2def"],
            vec!["i-\"quoted\"", "i-back\\slash", "i-ctl\u{1}\u{7f}", "i-中"],
        ] {
            let page = StatusPage {
                total_count: 123,
                page_size: 10,
                page_number: 2,
                statuses: ids
                    .iter()
                    .map(|id| (Sym::unshared(id), Status::Running))
                    .collect(),
            };
            for rid in ["6C2D0E37-3B46-5D0A-9B84-76A6F9D2E0B1", "r\"<id>\u{2}"] {
                let typed = serde_json::to_vec(&status_body(&page, rid)).unwrap();
                assert_eq!(
                    String::from_utf8(status_json(&page, rid)).unwrap(),
                    String::from_utf8(typed).unwrap()
                );
            }
        }
    }

    /// The error bodies written straight into the buffer are the bytes the field map
    /// serializes to, in both formats, with text that needs escaping.
    #[test]
    fn error_bytes_are_the_error_body_serialized() {
        let mut awkward = ApiError::with_message(
            Code::InvalidParameter,
            "a \"quoted\" <tag> & 'apos' \\ back\nslash\t\u{1}中",
        );
        awkward.code = "Odd<&>\"Code".into();
        let errors = [
            ApiError::new(Code::SignatureNonceUsed),
            ApiError::missing("InstanceId"),
            awkward,
        ];
        for err in &errors {
            for (rid, host) in [
                ("6C2D0E37-3B46-5D0A-9B84-76A6F9D2E0B1", "ecs.aliyuncs.com"),
                ("r&<\"id\u{7f}", "h<o>st&\"x\""),
            ] {
                for format in [Format::Json, Format::Xml] {
                    let old = serialize(&error_body(err, rid, host), "Error", format);
                    // Twice: the second is written from the template the first made.
                    for _ in 0..2 {
                        assert_eq!(
                            String::from_utf8(error_bytes(err, rid, host, format)).unwrap(),
                            String::from_utf8(old.clone()).unwrap(),
                            "{format:?} {err:?}"
                        );
                    }
                }
            }
        }
    }

    /// Two refusals in turn (Start and Stop) keep one template each; a fifth error
    /// replaces the oldest of four.
    #[test]
    fn recent_errors_keep_a_few_templates() {
        let mut recent = RecentErrors {
            kept: Vec::new(),
            next: 0,
        };
        let message =
            |n: usize| ApiError::with_message(Code::IncorrectInstanceStatus, format!("m{n}"));
        for n in 0..10 {
            let t = recent.find(&message(n % 2), "h", Format::Json).unwrap();
            assert_eq!(t.message, format!("m{}", n % 2));
        }
        assert_eq!(recent.kept.len(), 2);
        for n in 0..5 {
            recent.find(&message(n), "h", Format::Json).unwrap();
        }
        let kept: Vec<&str> = recent.kept.iter().map(|t| t.message.as_str()).collect();
        assert_eq!(kept, ["m4", "m1", "m2", "m3"]);
    }

    /// A template serves its own code, message, host and format only, with any request
    /// id; a host or message that contains the template's mark is written straight.
    #[test]
    fn error_templates_fill_in_the_request_id_and_follow_the_error() {
        let mark = ErrorTemplate::MARK;
        let marked = ApiError::with_message(Code::InvalidParameter, format!("see {mark}"));
        let errors = [
            ApiError::new(Code::SignatureNonceUsed),
            ApiError::new(Code::SignatureNonceUsed),
            ApiError::new(Code::IncorrectInstanceStatus),
            ApiError::with_message(Code::IncorrectInstanceStatus, "another message"),
            marked,
        ];
        let hosts = ["ecs.aliyuncs.com", "localhost:8080", "a~request-id~b"];
        for (n, err) in errors.iter().cycle().take(40).enumerate() {
            let host = hosts[n % hosts.len()];
            let rid = format!("6C2D0E37-3B46-5D0A-9B84-{n:012}");
            for format in [Format::Json, Format::Xml] {
                let want = serialize(&error_body(err, &rid, host), "Error", format);
                assert_eq!(
                    String::from_utf8(error_bytes(err, &rid, host, format)).unwrap(),
                    String::from_utf8(want).unwrap(),
                    "{format:?} {err:?} {host}"
                );
            }
        }
        assert!(ErrorTemplate::new(&errors[4], "h", Format::Json).is_none());
        assert!(ErrorTemplate::new(&errors[0], hosts[2], Format::Xml).is_none());
        assert!(ErrorTemplate::new(&errors[0], hosts[0], Format::Xml).is_some());
    }
}
