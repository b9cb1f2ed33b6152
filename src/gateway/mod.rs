//! The ECS RPC gateway: `GET`/`POST /` → parameters → action → auth → domain → body.
//!
//! One handler serves every action. It merges the query string with a form body, finds
//! the action in `Action` or the `x-acs-action` header, checks `Version`, authenticates
//! ([`auth`]), applies RAM rules, lets the control plane's fault rules answer instead
//! ([`crate::store::faults`]), parses a typed request, applies it to the world under
//! the store's lock, waits for the change to reach the disk when the state is
//! persisted, and renders JSON or XML ([`render`]). Every failure on the way is an
//! [`ApiError`] rendered in the ECS error format with its HTTP status. Each answered
//! request is then added to the journal ([`crate::store::journal`]).

pub mod auth;
pub mod order;
pub mod render;
pub mod replies;
pub mod signature;
pub mod status;
pub mod view;
pub mod xml;

use std::borrow::Cow;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body, Bytes, HttpBody};
use axum::extract::{Request as HttpRequest, State};
use axum::http::header::{AsHeaderName, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::json;

use crate::clock::Millis;
use crate::ecs::action::{Action, Request};
use crate::ecs::catalog::action_allowed;
use crate::ecs::{Answer, Ctx};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::faults::Call;
use crate::store::journal::Record;
use crate::App;
use auth::{authenticate, SignedRequest, Verified};
use render::Format;
use status::WireError;

/// The only API version served.
pub const API_VERSION: &str = "2014-05-26";

/// A new request id: an upper-case UUID (always random; answers of the API draw theirs
/// from the store's [`Random`](crate::random::Random), seeded with `--seed`).
pub fn new_request_id() -> crate::random::RequestId {
    crate::random::Random::real().request_id()
}

/// A header's value, when it is present, valid text and not empty. The names read on
/// every request are `HeaderName` constants, not parsed from text each time.
pub(crate) fn header(headers: &HeaderMap, name: impl AsHeaderName) -> Option<&str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// Choose the response format: `Format` (case-insensitive) when given; otherwise JSON
/// for V3 (Authorization header) and XML for V1, the documented RPC default.
fn choose_format(format: Option<&str>, headers: &HeaderMap) -> Format {
    match format.filter(|f| !f.trim().is_empty()) {
        Some(f) if f.eq_ignore_ascii_case("xml") => Format::Xml,
        Some(_) => Format::Json,
        None if headers.contains_key(AUTHORIZATION) => Format::Json,
        None => Format::Xml,
    }
}

/// What the handler has learned about a request so far; an error is rendered in the
/// format and logged under the action known at the point it happened, and the journal
/// records what was known.
struct Seen {
    format: Format,
    /// The action as sent; a known one is its static name.
    action: Cow<'static, str>,
    /// The verified caller's key (its account is journaled).
    verified: Option<Verified>,
    /// Whether the signer was looked for (all the parameters were read): the journal
    /// then records the access key id and signature version sent ([`signer`]).
    signer_noted: bool,
}

impl Seen {
    /// Nothing learned yet: until the body is read, the query's Format decides how an
    /// error looks (`query` holds only the query's parameters then).
    fn new(query: &Params, headers: &HeaderMap) -> Self {
        Seen {
            format: choose_format(query.get("Format"), headers),
            action: Cow::Borrowed(""),
            verified: None,
            signer_noted: false,
        }
    }
}

/// One request through the same pipeline as [`handle`] (method, parameters, action,
/// version, auth, RAM and the empty-list rule, faults, typed request, apply), up to the
/// answer that `handle` renders. The in-process rule tests (`ecs::testkit`) call this,
/// so they cannot skip a step by accident.
#[cfg(test)]
pub(crate) async fn answer(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Action, Answer), WireError> {
    let mut params = Params::from_query(uri.query().unwrap_or("").as_bytes());
    let mut seen = Seen::new(&params, headers);
    let incoming = Incoming {
        method,
        uri,
        headers,
        system_now: crate::clock::system_now(),
    };
    process(app, incoming, body, &mut seen, &mut params).await
}

/// The RPC handler as an axum route ([`router`](crate::router)'s `/` and fallback).
pub async fn handle(State(app): State<App>, request: HttpRequest) -> Response {
    serve(&app, request).await
}

/// The RPC answer to `request` (what [`handle`] answers; [`crate::Service`] calls
/// [`serve_shared`] without the router).
pub fn serve(app: &App, request: HttpRequest) -> impl Future<Output = Response> + '_ {
    let (method, uri, headers, body) = taken_apart(request);
    serve_parts(app, method, uri, headers, body)
}

/// [`serve`] with the application shared: the future owns its handle on it.
pub fn serve_shared(
    app: Arc<App>,
    request: HttpRequest,
) -> impl Future<Output = Response> + Send + 'static {
    let (method, uri, headers, body) = taken_apart(request);
    serve_parts(app, method, uri, headers, body)
}

/// The request taken apart, not its head cloned piece by piece by extractors. Done
/// before the answer's future is made, which then holds the parts only once (the server
/// moves that future several times per request, so its size counts).
fn taken_apart(request: HttpRequest) -> (Method, Uri, HeaderMap, Body) {
    let (head, body) = request.into_parts();
    let axum::http::request::Parts {
        method,
        uri,
        headers,
        ..
    } = head;
    (method, uri, headers, body)
}

async fn serve_parts(
    app: impl Deref<Target = App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let app: &App = &app;
    let started = Instant::now();
    let journal = app.store.journal();
    // The system clock, read once: the journal's time and the signature's timestamp
    // window and nonce all use this reading.
    let system_now = crate::clock::system_now();
    let received = journal.is_enabled().then(|| app.store.now_at(system_now));
    let request_id = app.store.random().request_id();
    let host = header(&headers, HOST).unwrap_or("ecs.aliyuncs.com");
    // A head the HTTP layer could not serve arrives as a synthetic request; its error
    // is the answer, in JSON (the client's Format cannot be known), and the connection
    // closes after it.
    if let Some(err) = crate::server::refusal_from_headers(&headers) {
        let err = WireError::from(err);
        tracing::info!(status = err.status, code = %err.error.code, request_id = request_id.as_str(), detail = %err.error.message, "refused at the HTTP layer");
        return render::error(&err, &request_id, host, Format::Json);
    }
    // The query's parameters; the form body's join them once it is read.
    let mut params = Params::from_query(uri.query().unwrap_or("").as_bytes());
    let mut seen = Seen::new(&params, &headers);
    let incoming = Incoming {
        method: &method,
        uri: &uri,
        headers: &headers,
        system_now,
    };
    let result = process(app, incoming, body, &mut seen, &mut params).await;
    let (response, failure) = match result {
        Ok((action, reply)) => {
            let response = render::answer(action.as_str(), &request_id, reply, seen.format);
            (response, None)
        }
        Err(err) => (
            render::error(&err, &request_id, host, seen.format),
            Some(err),
        ),
    };
    // One clock reading for the log and the journal.
    let elapsed_us = started.elapsed().as_micros() as u64;
    let action: &str = &seen.action;
    match &failure {
        None => tracing::info!(
            action,
            status = 200,
            elapsed_us,
            request_id = request_id.as_str(),
            "ok"
        ),
        Some(err) if err.status >= 500 => {
            tracing::warn!(action, status = err.status, code = %err.error.code, elapsed_us, request_id = request_id.as_str(), message = %err.error.message, "server error");
        }
        Some(err) => {
            tracing::info!(action, status = err.status, code = %err.error.code, elapsed_us, request_id = request_id.as_str(), "refused");
        }
    }
    if let Some(received) = received {
        let (access_key_id, signature_version) = if seen.signer_noted {
            signer(&params, &headers)
        } else {
            (None, None)
        };
        journal.record(Record {
            time: received,
            request_id,
            action: seen.action,
            account_id: seen
                .verified
                .as_ref()
                .map(|v| v.caller().account_id.as_str()),
            access_key_id: access_key_id.as_deref(),
            signature_version,
            params: &params,
            http_status: response.status().as_u16(),
            code: failure.map(|e| e.error.code),
            duration_us: elapsed_us,
        });
    }
    response
}

/// The request line and headers.
#[derive(Clone, Copy)]
struct Incoming<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    /// The system clock when the request arrived.
    system_now: Millis,
}

/// Method → body → parameters → action and version → auth → RAM → faults → typed
/// request → apply under the state lock → on disk → render the answer's fields.
/// `merged` holds the query's parameters and receives the form body's once it is read
/// (the journal records them).
async fn process(
    app: &App,
    incoming: Incoming<'_>,
    body: Body,
    seen: &mut Seen,
    merged: &mut Params,
) -> Result<(Action, Answer), WireError> {
    let Incoming {
        method,
        uri,
        headers,
        system_now,
    } = incoming;
    if method != Method::GET && method != Method::POST {
        return Err(Code::UnsupportedHttpMethod.into());
    }
    // Most SDK requests are a GET without a body: nothing to wait for. The other awaits
    // here are boxed where they are taken, so this future (moved several times per
    // request by the server) stays small.
    let body = if body.is_end_stream() {
        Bytes::new()
    } else {
        Box::pin(read_body(body, headers, app.max_body)).await?
    };
    merge_params(merged, headers, &body);
    let params: &Params = merged;
    seen.format = choose_format(params.get("Format"), headers);
    seen.signer_noted = true;
    let name = params
        .non_empty("Action")
        .or_else(|| header(headers, "x-acs-action"))
        .ok_or_else(|| ApiError::missing("Action"))?;
    let action = Action::parse(name);
    seen.action = match action {
        Some(known) => Cow::Borrowed(known.as_str()),
        None => Cow::Owned(name.to_string()),
    };
    let version = params
        .non_empty("Version")
        .or_else(|| header(headers, "x-acs-version"))
        .ok_or_else(|| ApiError::missing("Version"))?;
    if version != API_VERSION {
        return Err(Code::InvalidVersion.into());
    }
    let action = action.ok_or_else(|| ApiError::new(Code::InvalidActionNotFound))?;
    let signed = SignedRequest {
        method: method.as_str(),
        path: uri.path(),
        params,
        headers,
        body: &body,
        system_now,
    };
    let verified: &Verified = seen
        .verified
        .insert(authenticate(&app.store, app.auth, &signed)?);
    // A RAM user without permission gets Forbidden.RAM, except on an action documented
    // to answer an empty list instead (DescribeInstances).
    let denied = match check_ram(verified, action) {
        Err(e) if !action.empty_when_denied() => return Err(e.into()),
        result => result.is_err(),
    };
    let call = Call {
        action: action.as_str(),
        account_id: &verified.caller().account_id,
        params,
    };
    if let Some(effect) = app.store.faults().check(&call, app.store.random()) {
        if effect.delay_ms > 0 {
            Box::pin(tokio::time::sleep(Duration::from_millis(effect.delay_ms))).await;
        }
        if let Some(err) = effect.error {
            return Err(err);
        }
    }
    // In a block of its own: the typed request's storage ends before the await below.
    let (answer, ticket) = {
        let mut request =
            Request::parse(action, params).map_err(|e| WireError::of_action(action, e))?;
        if denied {
            request.show_nothing();
        }
        request.prepare(app.store.random());
        app.store.change(|w| {
            let ctx = Ctx {
                caller: verified.caller(),
                region: params.non_empty("RegionId"),
                now: app.store.now(),
                timing: app.store.timing(),
                random: app.store.random(),
            };
            request.apply(w, &ctx)
        })
    };
    // The change is on disk before it is acknowledged.
    if let Some(ticket) = ticket {
        Box::pin(ticket.wait()).await.map_err(|e| {
            tracing::error!(error = %e, "a change could not be saved");
            ApiError::new(Code::InternalError)
        })?;
    }
    // Large answers (instance objects) are rendered by the caller, outside the lock.
    Ok((action, answer.map_err(|e| WireError::of_action(action, e))?))
}

/// Who signed the request, as far as it says: the access key id and the signature
/// version (V3: the algorithm of the `Authorization` header).
fn signer<'a>(
    params: &'a Params,
    headers: &HeaderMap,
) -> (Option<Cow<'a, str>>, Option<Cow<'static, str>>) {
    match header(headers, AUTHORIZATION) {
        Some(auth) => (
            signature::parse_v3_authorization(auth)
                .ok()
                .map(|a| Cow::Owned(a.access_key_id)),
            auth.split_whitespace().next().map(signature_version),
        ),
        None => (
            params.non_empty("AccessKeyId").map(Cow::Borrowed),
            params.non_empty("SignatureVersion").map(signature_version),
        ),
    }
}

/// A signature version as the journal keeps it: the two the SDKs send are not copied.
fn signature_version(sent: &str) -> Cow<'static, str> {
    match sent {
        "1.0" => Cow::Borrowed("1.0"),
        "ACS3-HMAC-SHA256" => Cow::Borrowed("ACS3-HMAC-SHA256"),
        other => Cow::Owned(other.to_string()),
    }
}

/// The body, up to `max_body` bytes. A body announced larger than that is refused before
/// any of it is read (so `Expect: 100-continue` gets no `100 Continue`); a body that turns
/// out larger is 413 too; a body that cannot be read (bad chunk framing, early end of the
/// connection) is 400 `InvalidRequest.Body` with the reason.
async fn read_body(body: Body, headers: &HeaderMap, max_body: usize) -> ApiResult<Bytes> {
    let announced = header(headers, CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max_body as u64) {
        return Err(ApiError::new(Code::RequestBodyTooLarge));
    }
    to_bytes(body, max_body).await.map_err(|e| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        let mut reason = e.to_string();
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return ApiError::new(Code::RequestBodyTooLarge);
            }
            // The idle timeout says what happened in its own words.
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::TimedOut {
                    reason = io.to_string();
                }
            }
            source = err.source();
        }
        ApiError::with_message(
            Code::InvalidRequestBody,
            format!("The request body could not be read: {reason}."),
        )
    })
}

/// The query's parameters, then an `application/x-www-form-urlencoded` body's.
fn merge_params(params: &mut Params, headers: &HeaderMap, body: &[u8]) {
    const FORM: &str = "application/x-www-form-urlencoded";
    let is_form = header(headers, CONTENT_TYPE).is_some_and(|ct| {
        ct.get(..FORM.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(FORM))
    });
    if is_form && !body.is_empty() {
        params.extend_form(body);
    }
}

/// RAM users may only call the actions their patterns allow.
fn check_ram(verified: &Verified, action: Action) -> ApiResult<()> {
    let Some(patterns) = verified.allowed_actions() else {
        return Ok(());
    };
    if action_allowed(patterns, action.as_str()) {
        return Ok(());
    }
    let user = verified.caller().ram_user.clone().unwrap_or_default();
    Err(ApiError {
        detail: Some(Box::new(json!({
            "AuthAction": format!("ecs:{}", action.as_str()),
            "AuthPrincipalType": "SubUser",
            "AuthPrincipalOwnerId": verified.caller().account_id,
            "AuthPrincipalDisplayName": user,
            "NoPermissionType": "ImplicitDeny",
            "PolicyType": "AccountLevelIdentityBasedPolicy",
            "EncodedDiagnosticMessage": ""
        }))),
        ..ApiError::new(Code::ForbiddenRam)
    })
}
