//! Rendering responses: JSON or XML, success or error — the only place that writes bodies.
//!
//! One serializer per format: `serde_json` for JSON and [`xml`]
//! for the ECS XML convention (root `<{Action}Response>` or `<Error>`, a list under key
//! `K` as repeated `<K>` elements). Typed answers (DescribeInstances pages,
//! DescribeInstanceAttribute) are written straight from the state into the buffer in the
//! real service's key order; the other actions' field maps are put in that order by
//! [`order`] first.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::ecs::view::AttributeView;
use crate::ecs::{Answer, Reply};
use crate::error::ApiError;
use crate::gateway::status::WireError;
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
        json!(format!(
            "https://api.aliyun.com/troubleshoot?q={}&product=Ecs&requestId={request_id}",
            err.code
        )),
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
    let root = format!("{action}Response");
    let body = match answer {
        Answer::Ready(reply) => serialize(&success_body(action, request_id, reply), &root, format),
        Answer::Instances(page) if format == Format::Json => page.json(request_id),
        Answer::Instances(page) => serialize(&page.body(request_id), &root, format),
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
    let body = serialize(&error_body(&err.error, request_id, host), "Error", format);
    respond(status, body, format, request_id)
}

/// Serialize a body; a value that cannot be written (never expected: every body is a
/// map with string keys) becomes an empty document rather than a panic.
fn serialize<T: Serialize + ?Sized>(body: &T, root: &str, format: Format) -> Vec<u8> {
    match format {
        Format::Json => serde_json::to_vec(body).unwrap_or_default(),
        Format::Xml => xml::to_xml(root, body).unwrap_or_default(),
    }
}

fn respond(status: StatusCode, body: Vec<u8>, format: Format, request_id: &str) -> Response {
    let content_type = match format {
        Format::Json => JSON_CONTENT_TYPE,
        Format::Xml => XML_CONTENT_TYPE,
    };
    let mut resp = (status, body).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", v);
    }
    resp
}
