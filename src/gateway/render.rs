//! Rendering responses: JSON or XML, success or error — the only place that writes bodies.
//!
//! One serializer per format: `serde_json` for JSON and [`xml`]
//! for the ECS XML convention (root `<{Action}Response>` or `<Error>`, a list under key
//! `K` as repeated `<K>` elements). Typed answers (DescribeInstances pages,
//! DescribeInstanceStatus, DescribeInstanceAttribute) are written straight from the state
//! into the buffer in the real service's key order; the other actions' field maps are put
//! in that order by [`order`] first. The hottest bodies skip the serializer in JSON: a
//! DescribeInstanceStatus page ([`status_json`]) and an error (`error_bytes`) are
//! written by hand, with tests that they are the bytes the serializer writes.

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

/// The error body's bytes: what [`error_body`] serializes to, written straight into the
/// buffer in its fixed order. A RAM denial's `AccessDeniedDetail` (rare) goes through
/// [`error_body`].
fn error_bytes(err: &ApiError, request_id: &str, host: &str, format: Format) -> Vec<u8> {
    if err.detail.is_some() {
        return serialize(&error_body(err, request_id, host), "Error", format);
    }
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
                    assert_eq!(
                        String::from_utf8(error_bytes(err, rid, host, format)).unwrap(),
                        String::from_utf8(old).unwrap(),
                        "{format:?} {err:?}"
                    );
                }
            }
        }
    }
}
