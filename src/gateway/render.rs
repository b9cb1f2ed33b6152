//! Rendering responses: JSON or XML, success or error — the only place that writes bodies.
//!
//! XML follows the ECS convention: the root is `<{Action}Response>` (or `<Error>`), an
//! object becomes nested elements, and a JSON array under key `K` becomes repeated
//! `<K>` elements, so `{"Instances":{"Instance":[a,b]}}` reads
//! `<Instances><Instance>a</Instance><Instance>b</Instance></Instances>`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::escape;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::gateway::order;

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

/// The success body as a JSON object: `RequestId` first, then the action's fields.
pub fn success_body(request_id: &str, reply: Map<String, Value>) -> Map<String, Value> {
    let mut body = Map::with_capacity(reply.len() + 1);
    body.insert("RequestId".into(), json!(request_id));
    body.extend(reply);
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

/// A success response.
pub fn success(
    action: &str,
    request_id: &str,
    reply: Map<String, Value>,
    format: Format,
) -> Response {
    let mut body = success_body(request_id, reply);
    order::arrange_map(&mut body, order::top_kind(action));
    respond(
        StatusCode::OK,
        &format!("{action}Response"),
        body,
        format,
        request_id,
    )
}

/// An error response with the error's HTTP status.
pub fn error(err: &ApiError, request_id: &str, host: &str, format: Format) -> Response {
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    respond(
        status,
        "Error",
        error_body(err, request_id, host),
        format,
        request_id,
    )
}

fn respond(
    status: StatusCode,
    root: &str,
    body: Map<String, Value>,
    format: Format,
    request_id: &str,
) -> Response {
    let (content_type, text) = match format {
        // `to_vec` writes bytes directly; `Value::to_string` goes through `fmt` and is
        // markedly slower on large Describe* bodies.
        Format::Json => (
            JSON_CONTENT_TYPE,
            serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
        ),
        Format::Xml => (XML_CONTENT_TYPE, to_xml(root, &body).into_bytes()),
    };
    let mut resp = (status, text).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", v);
    }
    resp
}

/// Render a JSON object as an ECS XML document with root element `root`.
pub fn to_xml(root: &str, body: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    open(&mut out, root);
    for (k, v) in body {
        element(&mut out, k, v);
    }
    close(&mut out, root);
    out
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Array(items) => {
            for item in items {
                element(out, name, item);
            }
        }
        Value::Object(map) => {
            open(out, name);
            for (k, v) in map {
                element(out, k, v);
            }
            close(out, name);
        }
        scalar => {
            open(out, name);
            match scalar {
                Value::String(s) => out.push_str(&escape(s.as_str())),
                Value::Null => {}
                other => out.push_str(&other.to_string()),
            }
            close(out, name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_wraps_lists_the_ecs_way() {
        let body = json!({"RequestId": "R", "Instances": {"Instance": [{"InstanceId": "i-1", "Ok": true}, {"InstanceId": "i-<2>"}]}, "Empty": {"Tag": []}});
        let Value::Object(body) = body else {
            unreachable!()
        };
        assert_eq!(
            to_xml("DescribeInstancesResponse", &body),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeInstancesResponse><RequestId>R</RequestId><Instances><Instance><InstanceId>i-1</InstanceId><Ok>true</Ok></Instance><Instance><InstanceId>i-&lt;2&gt;</InstanceId></Instance></Instances><Empty></Empty></DescribeInstancesResponse>"
        );
    }
}
