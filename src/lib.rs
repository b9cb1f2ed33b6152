//! ecs-mock: a local emulator of the Alibaba Cloud ECS OpenAPI (2014-05-26).
//!
//! Point the official SDKs at it through endpoint override and test against realistic
//! behaviour: asynchronous status transitions, locks, expiry, balance, stock, quota,
//! DryRun, signatures and every documented error code with its HTTP status.
//!
//! # Crate map
//!
//! | module | what it holds |
//! |---|---|
//! | [`config`] | command-line options (clap, each with an `ECS_MOCK_*` variable) and the `healthcheck` subcommand |
//! | [`healthcheck`] | the `healthcheck` client: `GET /_mock/health` over a plain TCP stream, exit 0 or 1 (the container's HEALTHCHECK) |
//! | [`gateway`] | the RPC protocol: signatures ([`gateway::signature`], pure), auth, HTTP statuses ([`gateway::status`]), wire forms of typed replies ([`gateway::replies`]), the real key order ([`gateway::order`]), JSON/XML rendering ([`gateway::render`], [`gateway::xml`]), the instance views ([`gateway::view`]) |
//! | [`ecs`] | the domain, free of HTTP: model, world, lifecycle rules, one module per action family |
//! | [`server`] | the HTTP/1.1 accept loop, and the adapter that re-encodes raw request targets and refuses bad heads in ECS format |
//! | [`store`] | the state facade (one lock for cross-entity invariants), the nonce cache, the per-thread access key cache, fixture loading, fault rules, the request journal, persistence |
//! | [`control`] | the `/_mock/` control plane: reset, state, clock, faults, journal, accounts, patches |
//! | [`random`] | real or seeded (`--seed`) randomness for ids, request ids and fault rolls |
//! | [`clock`] | the controllable clock and ECS time formats |
//! | [`timing`] | transition durations: profiles and overrides |
//! | [`last`] | a per-thread cache of one value, kept with the key it was made from |
//! | [`params`] | decoded request parameters with typed accessors |
//! | [`scan`] | the first byte of a class, sixteen bytes per step (decoding and encoding signed parameters), and short copies |
//! | [`error`] | the one error type: code and message, without HTTP (the statuses are [`gateway::status`]'s) |
//!
//! [`run`] serves a [`Service`] (the gateway, and the [`router`] for the control plane)
//! on a listener until a shutdown future completes; `main` and the integration tests
//! both call it.

pub mod clock;
pub mod config;
pub mod control;
pub mod ecs;
pub mod error;
pub mod gateway;
pub mod healthcheck;
pub mod last;
pub mod params;
pub mod random;
pub mod scan;
pub mod server;
pub mod store;
pub mod timing;

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use futures_util::future::{BoxFuture, Either, FutureExt};
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::Code;
use crate::gateway::auth::AuthMode;
use crate::store::Store;

/// Default limit on request bodies (ECS bodies are small forms).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// Application state shared by every handler (cheap to clone).
#[derive(Clone)]
pub struct App {
    /// The emulated state.
    pub store: Store,
    /// Authentication mode.
    pub auth: AuthMode,
    /// Largest accepted request body, in bytes.
    pub max_body: usize,
    /// Connection limits: idle and shutdown timeouts, the connection cap.
    pub server: server::Settings,
    /// `--admin-token`: the bearer token every control-plane route but health needs.
    pub admin_token: Option<String>,
}

impl App {
    /// An app over `store` with strict auth and the default limits.
    pub fn new(store: Store) -> Self {
        App {
            store,
            auth: AuthMode::Strict,
            max_body: DEFAULT_MAX_BODY,
            server: server::Settings::default(),
            admin_token: None,
        }
    }
}

/// A panic in a handler still answers in the ECS error format (500 `InternalError`).
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let request_id = gateway::new_request_id();
    let err = gateway::status::WireError::from(Code::InternalError);
    tracing::error!(request_id = request_id.as_str(), "handler panicked");
    let mut resp = gateway::render::error(
        &err,
        &request_id,
        "ecs.aliyuncs.com",
        gateway::render::Format::Json,
    );
    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    resp.into_response()
}

/// The whole HTTP surface as the server serves it: a request whose path starts with
/// `/_mock/` goes through [`router`] (the control plane); every other one is an ECS API
/// request and goes straight to the gateway, as the router would send it, without the
/// router's per-request work. A panic answers 500 `InternalError` on both paths.
#[derive(Clone)]
pub struct Service {
    app: Arc<App>,
    router: Router,
}

impl Service {
    /// The service over `app`.
    pub fn new(app: App) -> Self {
        Service {
            router: router(app.clone()),
            app: Arc::new(app),
        }
    }

    /// The answer to `request`: the router's for a `/_mock/` path, the gateway's for any
    /// other. Unboxed, so the server polls it in place ([`server::Serves`]).
    fn answer<B>(
        &self,
        request: axum::http::Request<B>,
    ) -> impl Future<Output = Response> + Send + 'static + use<B>
    where
        B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        if request.uri().path().starts_with("/_mock/") {
            // Boxed: the router's future is large, and the server moves the answer's
            // future several times per request.
            let answer = Box::pin(self.router.clone().oneshot(request));
            return Either::Left(answer.map(|r| r.unwrap_or_else(|never| match never {})));
        }
        // A request without a body (most SDK calls are a GET) gets the empty body, which
        // is not boxed: one allocation less per request.
        let request = request.map(|body| match body.is_end_stream() {
            true => axum::body::Body::empty(),
            false => axum::body::Body::new(body),
        });
        Either::Right(unless_panic(gateway::serve_shared(
            self.app.clone(),
            request,
        )))
    }
}

impl server::Serves for Service {
    fn answer(
        &self,
        request: axum::http::Request<hyper::body::Incoming>,
    ) -> impl Future<Output = Response> + Send + 'static + use<> {
        Service::answer(self, request)
    }
}

/// The same answer as a tower service (in-process callers: tests, the pipeline bench).
impl<B> tower::Service<axum::http::Request<B>> for Service
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::http::Request<B>) -> Self::Future {
        Box::pin(self.answer(request).map(Ok))
    }
}

/// `answer`, or 500 `InternalError` if it panics.
fn unless_panic(answer: impl Future<Output = Response>) -> impl Future<Output = Response> {
    AssertUnwindSafe(answer)
        .catch_unwind()
        .map(|answer| answer.unwrap_or_else(panic_response))
}

/// The whole HTTP surface as an axum router: the ECS API on `/` and every other path, the
/// control plane on `/_mock/`. [`Service`] sends it the `/_mock/` paths only.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", any(gateway::handle))
        .merge(control::router(&app))
        .fallback(any(gateway::handle))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(app)
}

/// Serve until `shutdown` completes, then finish in-flight requests (see [`server`]).
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let settings = app.server;
    server::serve(listener, Service::new(app), settings, shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server moves an answer's future several times per request (a copy of all of
    /// it each time): it stays small. It was 3 952 bytes when rarely taken awaits were
    /// inline and the panic guard an `async fn` holding a second copy.
    #[test]
    fn an_answers_future_stays_small() {
        let app = App::new(Store::new(
            store::fixtures::default_fixture(),
            clock::Clock::real(),
            timing::Timing::default(),
        ));
        let service = Service::new(app);
        let request = axum::http::Request::new(axum::body::Body::empty());
        let answer = service.answer(request);
        assert!(
            std::mem::size_of_val(&answer) <= 1536,
            "{} bytes",
            std::mem::size_of_val(&answer)
        );
    }

    #[tokio::test]
    async fn a_panic_answers_internal_error_in_the_ecs_format() {
        let answer = unless_panic(async {
            if true {
                panic!("boom");
            }
            Response::default()
        });
        let resp = answer.await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["Code"], "InternalError");
        assert_eq!(v["HostId"], "ecs.aliyuncs.com");
    }
}
