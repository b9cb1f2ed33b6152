//! The control plane under `/_mock/` (plain JSON, no signature): what a test uses to
//! put the emulator in any situation and to look at what its code sent.
//!
//! | route | effect | module |
//! |---|---|---|
//! | `GET /_mock/health` | `{"Status":"ok", …}` (never needs the admin token) | here |
//! | `POST /_mock/reset` | back to the fixtures loaded at startup; clears faults and the journal | here |
//! | `GET /_mock/state` | the whole state in fixture format | here |
//! | `POST /_mock/state` | replace the state with a fixture document | here |
//! | `GET /_mock/clock` | `{"Now", "NowMillis", "Frozen"}` | here |
//! | `POST /_mock/clock` | `{"Freeze": true, "At": "…", "AdvanceMs": 1000}` or `{"Freeze": false}` | here |
//! | `POST /_mock/faults` | add a fault rule → `{"FaultId"}` | [`faults`] |
//! | `GET /_mock/faults` | the rules with their `Hits` | [`faults`] |
//! | `DELETE /_mock/faults[/{FaultId}]` | remove one rule, or all | [`faults`] |
//! | `GET /_mock/requests` | the journal, oldest first (`Action`, `AccountId`, `Since`, `Limit`) | [`journal`] |
//! | `DELETE /_mock/requests` | clear the journal | [`journal`] |
//! | `POST /_mock/accounts` | a throwaway account → `{"AccountId", "AccessKeyId", "AccessKeySecret"}` | [`accounts`] |
//! | `DELETE /_mock/accounts/{AccountId}` | remove an account, its instances and its faults | [`accounts`] |
//! | `PATCH /_mock/instances/{InstanceId}` | change any stored instance field | [`patches`] |
//! | `PATCH /_mock/accounts/{AccountId}` | balance, KMS, quotas, key status | [`patches`] |
//! | `PATCH /_mock/zones/{ZoneId}` | stock, spot prices | [`patches`] |
//!
//! Every refusal is a 400 `{"Error": "…"}` whose message starts with the field at
//! fault (`Error.HttpStatus: …`, `Since: …`); with `--admin-token T` every route but
//! health answers 401 without `Authorization: Bearer T`. Unknown routes are 404 and
//! wrong methods 405, in JSON too. A change is on disk before its answer when the state
//! is persisted.

pub mod accounts;
pub mod faults;
pub mod journal;
pub mod patches;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::clock::{format_millis, parse_time};
use crate::store::fixtures;
use crate::store::persist::Ticket;
use crate::store::Store;
use crate::App;

/// The control-plane routes; `app` gives the admin token.
pub fn router(app: &App) -> Router<App> {
    let mut guarded = Router::new()
        .route("/_mock/reset", post(reset))
        .route("/_mock/state", get(get_state).post(put_state))
        .route("/_mock/clock", get(get_clock).post(set_clock));
    guarded = faults::routes(guarded);
    guarded = journal::routes(guarded);
    guarded = accounts::routes(guarded);
    guarded = patches::routes(guarded);
    let guarded = guarded
        .route("/_mock/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), require_admin))
        // State documents can be large (100 000 instances are ~30 MB).
        .layer(DefaultBodyLimit::max(512 * 1024 * 1024));
    Router::new()
        .route("/_mock/health", get(health))
        .method_not_allowed_fallback(method_not_allowed)
        .merge(guarded)
}

/// `--admin-token T`: `Authorization: Bearer T` or 401.
async fn require_admin(State(app): State<App>, req: Request, next: Next) -> Response {
    if let Some(token) = &app.admin_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                Json(json!({"Error": "Authorization: the control plane needs `Authorization: Bearer <admin token>`"})),
            )
                .into_response();
        }
    }
    next.run(req).await
}

/// A control-plane route called with a method it does not serve: JSON, like every
/// control-plane answer.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({"Error": format!("{} does not accept {method}", uri.path())})),
    )
        .into_response()
}

/// An unknown `/_mock/` path.
async fn not_found(uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"Error": format!("no control-plane route {}", uri.path())})),
    )
        .into_response()
}

/// 400 `{"Error": message}`; the message starts with the field at fault.
pub(crate) fn bad_request(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"Error": message.into()})),
    )
        .into_response()
}

/// Parse a JSON body (empty = `{}`); a problem is a message naming its field.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &str) -> Result<T, String> {
    let text = if body.trim().is_empty() { "{}" } else { body };
    let de = &mut serde_json::Deserializer::from_str(text);
    // The path names the field at fault, an unknown one included; a body that is not
    // JSON at all is the body's fault.
    serde_path_to_error::deserialize(de).map_err(|e| {
        let data = e.inner().classify() == serde_json::error::Category::Data;
        match e.path().to_string().as_str() {
            path if data && path != "." => format!("{path}: {}", e.inner()),
            _ => format!("body: {}", e.inner()),
        }
    })
}

/// `answer` once `ticket`'s change is on disk; a 500 when it cannot be saved.
pub(crate) async fn saved(ticket: Option<Ticket>, answer: Value) -> Response {
    match Store::durable(ticket).await {
        Ok(()) => Json(answer).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"Error": format!("the change could not be saved: {e}")})),
        )
            .into_response(),
    }
}

async fn health(State(app): State<App>) -> Json<Value> {
    let now = app.store.now();
    let instances = app.store.with_world(|w| {
        w.sweep_releases(now);
        w.instance_count()
    });
    Json(json!({
        "Status": "ok",
        "Version": env!("CARGO_PKG_VERSION"),
        "ApiVersion": crate::gateway::API_VERSION,
        "Instances": instances,
        "Now": format_millis(app.store.now()),
    }))
}

async fn reset(State(app): State<App>) -> Response {
    let ticket = app.store.reset();
    saved(ticket, json!({"Status": "reset"})).await
}

async fn get_state(State(app): State<App>) -> Json<Value> {
    Json(serde_json::to_value(app.store.dump()).unwrap_or(Value::Null))
}

async fn put_state(State(app): State<App>, body: String) -> Response {
    let source = "POST /_mock/state";
    let doc = match fixtures::parse(source, &body) {
        Ok(doc) => doc,
        Err(e) => return bad_request(e.to_string()),
    };
    match app.store.replace(doc, source) {
        Ok(ticket) => saved(ticket, json!({"Status": "loaded"})).await,
        Err(e) => bad_request(e.to_string()),
    }
}

fn clock_json(app: &App) -> Json<Value> {
    let now = app.store.now();
    Json(
        json!({"Now": format_millis(now), "NowMillis": now, "Frozen": app.store.clock().is_frozen()}),
    )
}

async fn get_clock(State(app): State<App>) -> Json<Value> {
    clock_json(&app)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ClockChange {
    freeze: Option<bool>,
    at: Option<String>,
    advance_ms: Option<i64>,
}

async fn set_clock(State(app): State<App>, body: String) -> Response {
    let change: ClockChange = match parse_body(&body) {
        Ok(c) => c,
        Err(message) => return bad_request(message),
    };
    let at = match change.at.as_deref().map(parse_time) {
        Some(None) => return bad_request("At: not a time like 2026-01-01T00:00:00Z"),
        Some(Some(t)) => Some(t),
        None => None,
    };
    let clock = app.store.clock();
    match change.freeze {
        Some(true) => clock.freeze(at),
        Some(false) => clock.unfreeze(),
        None if at.is_some() => clock.freeze(at),
        None => {}
    }
    if let Some(ms) = change.advance_ms {
        clock.advance(ms);
    }
    clock_json(&app).into_response()
}
