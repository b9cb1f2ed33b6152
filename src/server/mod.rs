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
//! On shutdown the loop stops accepting, idle connections close, and requests in flight
//! are answered before their connections close ([`GracefulShutdown`]).

mod chunked;
mod head;
mod lenient;
mod refusal;
mod request_line;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};

pub use head::{MAX_HEADERS, MAX_HEADER_BYTES, MAX_TARGET_LEN};
pub use lenient::LINGER;
pub use refusal::{from_headers as refusal_from_headers, CODE_HEADER, MESSAGE_HEADER};

use lenient::Lenient;

/// Pause after an accept error that is not about one connection (EMFILE, ENFILE, …):
/// retrying at once would spin while the process is out of descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serve `router` on `listener` until `shutdown` completes, then let requests in flight
/// finish. Accept errors are logged and retried; they never end the loop.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    let builder = http1::Builder::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                serve_connection(&builder, &graceful, stream, peer, router.clone());
            }
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
    graceful.shutdown().await;
    Ok(())
}

/// Serve one connection in its own task, watched by the graceful shutdown.
fn serve_connection(
    builder: &http1::Builder,
    graceful: &GracefulShutdown,
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(%peer, error = %e, "cannot set TCP_NODELAY");
    }
    let io = TokioIo::new(Lenient::new(stream));
    let conn = builder.serve_connection(io, TowerToHyperService::new(router));
    let conn = graceful.watch(conn);
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(%peer, error = %e, "connection ended with an error");
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
