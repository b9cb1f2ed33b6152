//! The benchmark floor: a server that answers every request with exactly the bytes
//! ecs-mock answered for the same action, doing none of ecs-mock's own work.
//!
//! `scripts/bench` records one response per action from a running ecs-mock into a JSON
//! file, `{"<Action>": {"status": 200, "content_type": "...", "request_id": "...",
//! "body": "..."}, ...}`, then starts this floor on it and drives both with the same
//! pre-signed requests. The floor finds the action with a substring scan of the query
//! (no parameter decoding, no signature check) and answers the recorded status, content
//! type, `x-acs-request-id` (the recorded one, so the same length) and body. A request
//! for an action without a recording gets 500, so a wrong mix shows in wrk's errors.
//!
//! It runs on the stack ecs-mock's server is built on: `axum::serve` with its defaults
//! on tokio's multi-threaded runtime, mimalloc as the allocator (ecs-mock adds its own
//! HTTP adapter in front of hyper; `FLOOR_HTTP=ecs-mock` puts the floor behind it too).
//!
//! `FLOOR_SPIN_US=N` makes the floor spin N microseconds (a decimal) before each answer:
//! a same-bytes server that does N µs of work per request, to see what ratio a given
//! amount of work per request costs on the machine (`scripts/bench-spin`).
//!
//! `cargo run --release --example floor -- recordings.json 127.0.0.1:18090`

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde::Deserialize;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One recorded answer, as the recordings file holds it.
#[derive(Deserialize)]
struct Recording {
    status: u16,
    content_type: String,
    request_id: String,
    body: String,
}

/// A recorded answer ready to send: everything cloned by reference count.
struct Answer {
    status: StatusCode,
    content_type: HeaderValue,
    request_id: HeaderValue,
    body: Bytes,
}

/// The answers by action name (a handful: a linear scan beats hashing).
type Answers = Arc<Vec<(String, Answer)>>;

/// The value of `Action=` in a raw query, found by a substring scan.
fn action_of(query: &str) -> &str {
    let mut from = 0;
    while let Some(at) = query[from..].find("Action=") {
        let start = from + at;
        if start == 0 || query.as_bytes()[start - 1] == b'&' {
            let value = &query[start + "Action=".len()..];
            return &value[..value.find('&').unwrap_or(value.len())];
        }
        from = start + 1;
    }
    ""
}

/// `FLOOR_SPIN_US`: the work per request, if any.
static SPIN: OnceLock<Option<Duration>> = OnceLock::new();

/// Busy for the time `FLOOR_SPIN_US` says (user time on this thread, like real work).
fn spin() {
    let spin = SPIN.get_or_init(|| {
        let us: f64 = std::env::var("FLOOR_SPIN_US").ok()?.parse().ok()?;
        (us > 0.0).then(|| Duration::from_secs_f64(us / 1e6))
    });
    if let Some(spin) = *spin {
        let started = Instant::now();
        while started.elapsed() < spin {
            std::hint::spin_loop();
        }
    }
}

async fn answer(State(answers): State<Answers>, uri: Uri) -> Response {
    spin();
    let action = action_of(uri.query().unwrap_or(""));
    let Some((_, a)) = answers.iter().find(|(name, _)| name == action) else {
        let mut resp = Response::new(Body::from(format!("floor: no recording for {action:?}")));
        *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return resp;
    };
    let mut resp = Response::new(Body::from(a.body.clone()));
    *resp.status_mut() = a.status;
    let headers = resp.headers_mut();
    headers.insert("content-type", a.content_type.clone());
    headers.insert("x-acs-request-id", a.request_id.clone());
    resp
}

fn load(path: &str) -> Result<Answers, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let recordings: HashMap<String, Recording> =
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let mut answers = Vec::new();
    for (action, r) in recordings {
        let bad = |what: &str| format!("{path}: {action}: bad {what}");
        answers.push((
            action.clone(),
            Answer {
                status: StatusCode::from_u16(r.status).map_err(|_| bad("status"))?,
                content_type: HeaderValue::from_str(&r.content_type)
                    .map_err(|_| bad("content_type"))?,
                request_id: HeaderValue::from_str(&r.request_id).map_err(|_| bad("request_id"))?,
                body: Bytes::from(r.body),
            },
        ));
    }
    Ok(Arc::new(answers))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), addr) = (args.next(), args.next()) else {
        eprintln!("usage: floor RECORDINGS.json [ADDR]");
        std::process::exit(2);
    };
    let answers = load(&path).unwrap_or_else(|e| {
        eprintln!("floor: {e}");
        std::process::exit(2);
    });
    let app = Router::new()
        .route("/", any(answer))
        .fallback(any(answer))
        .with_state(answers);
    let addr = addr.unwrap_or_else(|| "127.0.0.1:18090".into());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| {
            eprintln!("floor: cannot listen on {addr}: {e}");
            std::process::exit(1);
        });
    // `FLOOR_HTTP=ecs-mock`: serve through ecs-mock's own HTTP layer (the lenient
    // adapter, idle timer, connection cap) instead of `axum::serve`, to see what that
    // layer costs on its own.
    if std::env::var("FLOOR_HTTP").is_ok_and(|v| v == "ecs-mock") {
        let settings = ecs_mock::server::Settings::default();
        ecs_mock::server::serve(listener, app, settings, std::future::pending())
            .await
            .expect("serve");
    } else {
        axum::serve(listener, app).await.expect("serve");
    }
}

#[cfg(test)]
mod tests {
    use super::action_of;

    #[test]
    fn finds_the_action_parameter_only() {
        assert_eq!(action_of("Action=StartInstance&X=1"), "StartInstance");
        assert_eq!(action_of("XAction=No&Action=Yes"), "Yes");
        assert_eq!(action_of("A=1&Action=Last"), "Last");
        assert_eq!(action_of("A=1"), "");
    }
}
