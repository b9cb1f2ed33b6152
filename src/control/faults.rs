//! `/_mock/faults`: make the next matching ECS calls fail or answer late.
//!
//! ```text
//! POST   /_mock/faults             {"Match": {"Action", "InstanceId", "AccountId", "RegionId"},
//!                                   "Error": {"Code", "HttpStatus", "Message"},
//!                                   "LatencyMs", "Times", "Probability"}  → {"FaultId"}
//! GET    /_mock/faults             {"Faults": [{…, "Hits", "Active"}]}
//! DELETE /_mock/faults/{FaultId}   {"Deleted": 1}
//! DELETE /_mock/faults             {"Deleted": n}
//! ```
//!
//! Every `Match` field is optional (absent matches all; `Action` takes `*`
//! wildcards). `Error` and `LatencyMs` are each optional, one is required. An error
//! given by code alone takes its status and message from the code table
//! ([`crate::error::Code`]) — `InstanceNotReady` with the 500 the StartInstance table
//! documents for it as a server-side failure; a code the table lacks needs
//! `HttpStatus` and `Message`. How rules combine is described in
//! [`crate::store::faults`].

use std::borrow::Cow;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{bad_request, parse_body};
use crate::error::{ApiError, Code};
use crate::gateway::status::{code_status, WireError};
use crate::store::faults::{Fault, Matcher, Rule};
use crate::App;

/// Longest accepted `LatencyMs` (10 minutes).
pub const MAX_LATENCY_MS: u64 = 600_000;

/// Add the routes.
pub(crate) fn routes(r: Router<App>) -> Router<App> {
    r.route("/_mock/faults", post(add).get(list).delete(clear))
        .route("/_mock/faults/{fault_id}", delete(remove))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct FaultBody {
    #[serde(default, rename = "Match")]
    matcher: MatchBody,
    error: Option<ErrorBody>,
    latency_ms: Option<u64>,
    times: Option<u64>,
    probability: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct MatchBody {
    action: Option<String>,
    instance_id: Option<String>,
    account_id: Option<String>,
    region_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ErrorBody {
    code: String,
    http_status: Option<u16>,
    message: Option<String>,
}

/// The status an injected `code` answers with: the code table's, except the 500 of
/// `InstanceNotReady` (a server-side failure in the StartInstance table).
fn injected_status(code: Code) -> u16 {
    match code {
        Code::InstanceNotReady => 500,
        c => code_status(c),
    }
}

fn error_of(e: ErrorBody) -> Result<WireError, String> {
    if e.code.trim().is_empty() {
        return Err("Error.Code: must not be empty".into());
    }
    let known = Code::from_wire(&e.code);
    let status = match (e.http_status, known) {
        (Some(s), _) => s,
        (None, Some(c)) => injected_status(c),
        (None, None) => {
            return Err(format!(
                "Error.HttpStatus: required for {}, which is not in the code table",
                e.code
            ))
        }
    };
    if !(400..=599).contains(&status) {
        return Err(format!(
            "Error.HttpStatus: {status} is not an error status (400–599)"
        ));
    }
    let message: Cow<'static, str> = match (e.message, known) {
        (Some(m), _) if !m.is_empty() => m.into(),
        (Some(_), _) => return Err("Error.Message: must not be empty".into()),
        (None, Some(c)) => c.default_message().into(),
        (None, None) => {
            return Err(format!(
                "Error.Message: required for {}, which is not in the code table",
                e.code
            ))
        }
    };
    let error = match known {
        Some(c) => ApiError::with_message(c, message),
        None => ApiError::other(e.code, message),
    };
    Ok(WireError { error, status })
}

fn non_empty(field: &str, v: Option<String>) -> Result<Option<String>, String> {
    match v {
        Some(s) if s.trim().is_empty() => Err(format!("Match.{field}: must not be empty")),
        v => Ok(v),
    }
}

fn rule_of(body: FaultBody) -> Result<Rule, String> {
    if body.error.is_none() && body.latency_ms.is_none() {
        return Err("Error: a fault needs an Error, a LatencyMs or both".into());
    }
    let latency_ms = body.latency_ms.unwrap_or(0);
    if latency_ms > MAX_LATENCY_MS {
        return Err(format!("LatencyMs: at most {MAX_LATENCY_MS}"));
    }
    if body.times == Some(0) {
        return Err("Times: must be at least 1 (leave it out for no limit)".into());
    }
    let probability = body.probability.unwrap_or(1.0);
    if !(0.0..=1.0).contains(&probability) {
        return Err("Probability: must be between 0 and 1".into());
    }
    let m = body.matcher;
    Ok(Rule {
        matcher: Matcher {
            action: non_empty("Action", m.action)?,
            instance_id: non_empty("InstanceId", m.instance_id)?,
            account_id: non_empty("AccountId", m.account_id)?,
            region_id: non_empty("RegionId", m.region_id)?,
        },
        error: body.error.map(error_of).transpose()?,
        latency_ms,
        times: body.times,
        probability,
    })
}

async fn add(State(app): State<App>, body: String) -> Response {
    let body: FaultBody = match parse_body(&body) {
        Ok(b) => b,
        Err(message) => return bad_request(message),
    };
    match rule_of(body) {
        Ok(rule) => Json(json!({"FaultId": app.store.faults().add(rule)})).into_response(),
        Err(message) => bad_request(message),
    }
}

/// A fault as `GET /_mock/faults` lists it.
pub fn fault_json(f: &Fault) -> Value {
    let m = &f.rule.matcher;
    let mut matcher = Map::new();
    for (k, v) in [
        ("Action", &m.action),
        ("InstanceId", &m.instance_id),
        ("AccountId", &m.account_id),
        ("RegionId", &m.region_id),
    ] {
        if let Some(v) = v {
            matcher.insert(k.into(), json!(v));
        }
    }
    let mut out = Map::new();
    out.insert("FaultId".into(), json!(f.id));
    out.insert("Match".into(), Value::Object(matcher));
    if let Some(e) = &f.rule.error {
        out.insert(
            "Error".into(),
            json!({"Code": e.error.code, "HttpStatus": e.status, "Message": e.error.message}),
        );
    }
    out.insert("LatencyMs".into(), json!(f.rule.latency_ms));
    if let Some(t) = f.rule.times {
        out.insert("Times".into(), json!(t));
    }
    out.insert("Probability".into(), json!(f.rule.probability));
    out.insert("Hits".into(), json!(f.hits));
    out.insert("Active".into(), json!(f.is_active()));
    Value::Object(out)
}

async fn list(State(app): State<App>) -> Json<Value> {
    let faults: Vec<Value> = app.store.faults().list().iter().map(fault_json).collect();
    Json(json!({ "Faults": faults }))
}

async fn remove(State(app): State<App>, Path(fault_id): Path<String>) -> Response {
    if app.store.faults().remove(&fault_id) {
        Json(json!({"Deleted": 1})).into_response()
    } else {
        bad_request(format!("FaultId: {fault_id} is not a fault"))
    }
}

async fn clear(State(app): State<App>) -> Json<Value> {
    Json(json!({"Deleted": app.store.faults().clear()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(body: &str) -> Result<Rule, String> {
        rule_of(serde_json::from_str(body).expect("a fault body"))
    }

    #[test]
    fn a_code_alone_takes_its_status_and_message() {
        let r = rule(r#"{"Error": {"Code": "ServiceUnavailable"}}"#).unwrap();
        let e = r.error.unwrap();
        assert_eq!(
            (e.status, e.error.message.as_ref()),
            (503, Code::ServiceUnavailable.default_message())
        );
        let e = rule(r#"{"Error": {"Code": "InstanceNotReady"}}"#)
            .unwrap()
            .error
            .unwrap();
        assert_eq!(e.status, 500);
        let e = rule(r#"{"Error": {"Code": "Throttling.User"}}"#)
            .unwrap()
            .error
            .unwrap();
        assert_eq!(
            (e.status, e.error.message.as_ref()),
            (400, "Request was denied due to user flow control.")
        );
    }

    #[test]
    fn refusals_name_the_field() {
        let starts = |body: &str, field: &str| {
            let e = rule(body).expect_err("refused");
            assert!(e.starts_with(field), "{e}");
        };
        starts(r#"{}"#, "Error:");
        starts(r#"{"Error": {"Code": "Nope"}}"#, "Error.HttpStatus:");
        starts(
            r#"{"Error": {"Code": "Nope", "HttpStatus": 418}}"#,
            "Error.Message:",
        );
        starts(
            r#"{"Error": {"Code": "InternalError", "HttpStatus": 200}}"#,
            "Error.HttpStatus:",
        );
        starts(r#"{"LatencyMs": 600001}"#, "LatencyMs:");
        starts(r#"{"LatencyMs": 1, "Times": 0}"#, "Times:");
        starts(r#"{"LatencyMs": 1, "Probability": 1.5}"#, "Probability:");
        starts(
            r#"{"LatencyMs": 1, "Match": {"Action": ""}}"#,
            "Match.Action:",
        );
    }
}
