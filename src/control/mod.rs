//! The control plane under `/_mock/` (plain JSON, no signature): health, reset, state
//! dump and load, and the clock.
//!
//! | route | effect |
//! |---|---|
//! | `GET /_mock/health` | `{"Status":"ok", …}` |
//! | `POST /_mock/reset` | back to the fixtures loaded at startup |
//! | `GET /_mock/state` | the whole state in fixture format |
//! | `POST /_mock/state` | replace the state with a fixture document |
//! | `GET /_mock/clock` | `{"Now", "NowMillis", "Frozen"}` |
//! | `POST /_mock/clock` | `{"Freeze": true, "At": "…", "AdvanceMs": 1000}` or `{"Freeze": false}` |

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::clock::{format_millis, parse_time};
use crate::store::fixtures;
use crate::App;

/// The control-plane routes.
pub fn router() -> Router<App> {
    Router::new()
        .route("/_mock/health", get(health))
        .route("/_mock/reset", post(reset))
        .route("/_mock/state", get(get_state).post(put_state))
        .route("/_mock/clock", get(get_clock).post(set_clock))
        .route("/_mock/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        // State documents can be large (100 000 instances are ~30 MB).
        .layer(DefaultBodyLimit::max(512 * 1024 * 1024))
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

fn bad_request(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"Error": message.into()})),
    )
        .into_response()
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

async fn reset(State(app): State<App>) -> Json<Value> {
    app.store.reset();
    Json(json!({"Status": "reset"}))
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
        Ok(()) => Json(json!({"Status": "loaded"})).into_response(),
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
    let change: ClockChange = match serde_json::from_str(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(format!("clock change: {e}")),
    };
    let at = match change.at.as_deref().map(parse_time) {
        Some(None) => return bad_request("At is not a time like 2026-01-01T00:00:00Z"),
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
