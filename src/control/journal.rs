//! `/_mock/requests`: what the ECS API received and answered.
//!
//! ```text
//! GET    /_mock/requests?Action=StartInstance&AccountId=…&Since=2026-06-01T00:00:00Z&Limit=10
//!        → {"Requests": [{"Time", "RequestId", "Action", "AccountId", "AccessKeyId",
//!                         "SignatureVersion", "Params", "HttpStatus", "Code", "DurationUs"}]}
//! DELETE /_mock/requests → {"Deleted": n}
//! ```
//!
//! Oldest first. `Since` keeps entries at or after a time of the emulator clock (the
//! clock `Time` is read from); `Limit` keeps the newest N of the matching entries.
//! `Params` is an object in wire order without `Signature`, `AccessKeySecret` or a
//! security token; `Code` is `null` on success, `AccountId` `null` when
//! authentication failed.

use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::bad_request;
use crate::clock::{format_millis, parse_time};
use crate::store::journal::{Entry, Query};
use crate::App;

/// Add the routes.
pub(crate) fn routes(r: Router<App>) -> Router<App> {
    r.route("/_mock/requests", get(list).delete(clear))
}

/// Read the query string; an unknown or bad parameter is an error naming it.
fn query_of(uri: &Uri) -> Result<Query, String> {
    let mut q = Query::default();
    for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "Action" => q.action = Some(v.into_owned()),
            "AccountId" => q.account_id = Some(v.into_owned()),
            "Since" => {
                q.since = Some(parse_time(&v).ok_or_else(|| {
                    format!("Since: {v:?} is not an RFC 3339 time like 2026-06-01T00:00:00Z")
                })?)
            }
            "Limit" => {
                q.limit = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("Limit: {v:?} is not a positive integer"))?,
                )
            }
            other => {
                return Err(format!(
                    "{other}: not a filter (Action, AccountId, Since, Limit)"
                ))
            }
        }
    }
    Ok(q)
}

/// An entry as `GET /_mock/requests` lists it.
pub fn entry_json(e: &Entry) -> Value {
    let mut params = Map::new();
    for (k, v) in e.params.pairs() {
        params.insert(k.to_string(), json!(v));
    }
    json!({
        "Time": format_millis(e.time),
        "RequestId": e.request_id,
        "Action": e.action,
        "AccountId": e.account_id,
        "AccessKeyId": e.access_key_id,
        "SignatureVersion": e.signature_version,
        "Params": params,
        "HttpStatus": e.http_status,
        "Code": e.code,
        "DurationUs": e.duration_us,
    })
}

async fn list(State(app): State<App>, uri: Uri) -> Response {
    let q = match query_of(&uri) {
        Ok(q) => q,
        Err(message) => return bad_request(message),
    };
    let requests: Vec<Value> = app
        .store
        .journal()
        .query(&q)
        .iter()
        .map(entry_json)
        .collect();
    Json(json!({ "Requests": requests })).into_response()
}

async fn clear(State(app): State<App>) -> Json<Value> {
    Json(json!({"Deleted": app.store.journal().clear()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Result<Query, String> {
        query_of(&format!("/_mock/requests?{s}").parse().expect("a uri"))
    }

    #[test]
    fn filters_parse_and_refusals_name_the_parameter() {
        let parsed = q("Action=StartInstance&Limit=5&Since=2026-06-01T00:00:00Z").unwrap();
        assert_eq!(parsed.action.as_deref(), Some("StartInstance"));
        assert_eq!(parsed.limit, Some(5));
        assert_eq!(parsed.since, parse_time("2026-06-01T00:00:00Z"));
        assert!(q("Limit=0").unwrap_err().starts_with("Limit:"));
        assert!(q("Since=yesterday").unwrap_err().starts_with("Since:"));
        assert!(q("Acton=x").unwrap_err().starts_with("Acton:"));
    }
}
