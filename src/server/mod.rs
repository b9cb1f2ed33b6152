//! The HTTP/1.1 server: an accept loop that serves every connection with hyper behind
//! the lenient adapter, and a graceful shutdown.
//!
//! hyper alone refuses request lines that real Alibaba Cloud clients send — a JSON array
//! left unencoded in the query (`InstanceIds=["i-…"]`), raw `{ | } \ ^ < >`, raw UTF-8 —
//! with a bare 400 before the gateway sees them, and answers oversized heads with a bare
//! 414 or 431. So each connection reads through an adapter (`lenient.rs`) that follows
//! the requests on it (`head.rs`, `chunked.rs`), re-encodes those request targets
//! (`request_line.rs`) and turns a head hyper cannot serve into a synthetic request the
//! gateway answers as an ECS error (`refusal.rs`, [`refusal_from_headers`]). Keep-alive
//! and pipelining work as with hyper alone; `TCP_NODELAY` is set on every connection.
//!
//! Limits ([`Settings`]): a connection whose client stays silent while the server waits
//! for it closes after the idle timeout (`idle.rs`; a head cut short is answered 408
//! `InvalidRequest.Timeout` first); past the connection cap, a new connection is answered
//! 503 `ServiceUnavailable` at once and closed; an accept error such as `EMFILE` pauses
//! the loop instead of spinning.
//!
//! On shutdown the loop stops accepting, idle connections close, and requests in flight
//! are answered before their connections close ([`GracefulShutdown`]), for at most the
//! shutdown timeout: then the remaining connections are dropped.

mod chunked;
mod head;
mod idle;
mod lenient;
mod refusal;
mod request_line;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use std::convert::Infallible;

use axum::http::Request;
use axum::response::Response;
use futures_util::FutureExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

pub use head::{MAX_HEADERS, MAX_HEADER_BYTES, MAX_TARGET_LEN};
pub use lenient::LINGER;
pub use refusal::{from_headers as refusal_from_headers, CODE_HEADER, MESSAGE_HEADER};

use crate::error::Code;
use idle::{IdleTimer, InFlight};
use lenient::Lenient;
use refusal::Refusal;

/// Pause after an accept error that is not about one connection (EMFILE, ENFILE, …):
/// retrying at once would spin while the process is out of descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How long a connection refused for the cap waits for the client's first bytes before
/// it is answered (so that the 503 answers a request; an HTTP client that gets an answer
/// before it has sent its request treats it as a broken connection, not as a 503).
const OVER_CAP_WAIT: Duration = Duration::from_secs(1);

/// Longest life of a connection refused for the cap: the wait, the answer, [`LINGER`].
const OVER_CAP_LIFETIME: Duration = Duration::from_secs(3);

/// Default of [`Settings::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Default of [`Settings::shutdown_timeout`].
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Default of [`Settings::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// The connection limits of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long the client may stay silent while the server waits for it (for a request,
    /// the rest of a head, or body bytes), before the connection is closed.
    pub idle_timeout: Duration,
    /// How long a graceful shutdown waits for connections before dropping them.
    pub shutdown_timeout: Duration,
    /// Most connections served at once; a connection beyond is answered 503 and closed.
    pub max_connections: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// What every connection task shares.
struct Shared {
    builder: http1::Builder,
    graceful: GracefulShutdown,
    settings: Settings,
    /// Becomes `true` when the shutdown timeout has passed: connections still open end.
    abort: watch::Receiver<bool>,
}

/// What the server serves: ecs-mock's [`Service`](crate::Service), or a plain axum
/// `Router` (the floor of `scripts/bench`).
pub trait Serves: Clone + Send + Sync + 'static {
    /// The answer to `request`.
    fn answer(
        &self,
        request: Request<Incoming>,
    ) -> impl Future<Output = Response> + Send + 'static + use<Self>;
}

impl Serves for axum::Router {
    fn answer(
        &self,
        request: Request<Incoming>,
    ) -> impl Future<Output = Response> + Send + 'static + use<> {
        self.clone()
            .oneshot(request)
            .map(|r| r.unwrap_or_else(|never| match never {}))
    }
}

/// Serve `service` on `listener` until `shutdown` completes, then let requests in flight
/// finish for at most [`Settings::shutdown_timeout`]. Accept errors are logged and
/// retried; they never end the loop.
pub async fn serve(
    listener: TcpListener,
    service: impl Serves,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (abort_tx, abort) = watch::channel(false);
    let shared = Shared {
        builder: http1::Builder::new(),
        graceful: GracefulShutdown::new(),
        settings,
        abort,
    };
    let permits = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, peer)) => match permits.clone().try_acquire_owned() {
                Ok(permit) => serve_connection(&shared, stream, peer, service.clone(), permit),
                Err(_) => refuse_connection(&shared, stream, peer, service.clone()),
            },
            Err(e) if is_connection_error(&e) => {
                tracing::warn!(error = %e, "accept failed for one connection");
            }
            Err(e) => {
                tracing::warn!(error = %e, backoff_ms = ACCEPT_BACKOFF.as_millis() as u64, "accept failed");
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                    () = &mut shutdown => break,
                }
            }
        }
    }
    drop(listener);
    let Shared { graceful, .. } = shared;
    if tokio::time::timeout(settings.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            timeout = %humantime::format_duration(settings.shutdown_timeout),
            "shutdown timeout passed: dropping the connections still open"
        );
        let _ = abort_tx.send(true);
    }
    Ok(())
}

/// Serve one connection in its own task, watched by the graceful shutdown; `permit`
/// counts it against the cap until it ends.
fn serve_connection(
    shared: &Shared,
    stream: TcpStream,
    peer: SocketAddr,
    service: impl Serves,
    permit: OwnedSemaphorePermit,
) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(%peer, error = %e, "cannot set TCP_NODELAY");
    }
    let in_flight = InFlight::default();
    let timeout = shared.settings.idle_timeout.max(Duration::from_millis(1));
    let timer = IdleTimer::new(timeout, in_flight.clone());
    let io = TokioIo::new(Lenient::new(stream).with_idle_timer(timer));
    let hyper_service = hyper::service::service_fn(move |request| {
        let handling = in_flight.enter();
        let answer = service.answer(request);
        async move {
            let answer = answer.await;
            drop(handling);
            Ok::<_, Infallible>(answer)
        }
    });
    let conn = shared
        .graceful
        .watch(shared.builder.serve_connection(io, hyper_service));
    let mut abort = shared.abort.clone();
    tokio::spawn(async move {
        tokio::select! {
            ended = conn => if let Err(e) = ended {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            },
            _ = abort.wait_for(|&abort| abort) => {
                tracing::debug!(%peer, "connection dropped at the shutdown timeout");
            }
        }
        drop(permit);
    });
}

/// A connection beyond the cap: answered 503 `ServiceUnavailable` as soon as the client
/// has sent something (hyper reads the refusal's request, not the client's), then
/// closed; it lives at most [`OVER_CAP_LIFETIME`] and is not counted.
fn refuse_connection(shared: &Shared, stream: TcpStream, peer: SocketAddr, service: impl Serves) {
    tracing::warn!(%peer, max_connections = shared.settings.max_connections, "connection refused: too many connections");
    let refusal = Refusal::new(
        Code::ServiceUnavailable,
        format!(
            "The server already serves {} connections; try again later.",
            shared.settings.max_connections
        ),
    );
    let builder = shared.builder.clone();
    tokio::spawn(async move {
        let answered = async move {
            // The client's first bytes (or its end of stream), for a little while.
            let _ = tokio::time::timeout(OVER_CAP_WAIT, stream.peek(&mut [0u8; 1])).await;
            let io = TokioIo::new(Lenient::refusing(stream, refusal));
            let service = hyper::service::service_fn(move |request| {
                let answer = service.answer(request);
                async move { Ok::<_, Infallible>(answer.await) }
            });
            builder.serve_connection(io, service).await
        };
        match tokio::time::timeout(OVER_CAP_LIFETIME, answered).await {
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "refused connection ended with an error")
            }
            Ok(Ok(())) => {}
            Err(_) => tracing::debug!(%peer, "refused connection dropped"),
        }
    });
}

/// An accept error about the one connection being accepted (the next accept is fine).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
