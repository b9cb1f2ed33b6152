//! The benchmark baseline: bare axum answering a fixed JSON body on `/`, to compare
//! ecs-mock's throughput with what axum itself serves on the same machine.
//! `cargo run --release --example axum_baseline -- 127.0.0.1:18090`

use axum::routing::any;
use axum::Router;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18090".into());
    let app = Router::new().route(
        "/",
        any(|| async {
            (
                [("content-type", "application/json;charset=utf-8")],
                r#"{"RequestId":"473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E"}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
