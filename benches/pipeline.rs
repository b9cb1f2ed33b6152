//! One signed request through the whole handler, in process: the service that serves
//! `/` (parameters, V1 signature and nonce check, action, typed request, the world under
//! its lock, rendering, the journal) for the two mixes `scripts/bench` drives over the
//! network — DescribeInstances and DescribeInstanceStatus pages of 10, and
//! StartInstance/StopInstance — with the default fixtures, strict auth and a fresh
//! `SignatureNonce` per request. What it leaves out is the HTTP layer (hyper, the lenient
//! adapter, the socket), the same for ecs-mock and for the same-bytes floor.

use std::hint::black_box;

use axum::body::{to_bytes, Body};
use axum::http::Request;
use criterion::{BatchSize, Criterion};
use ecs_mock::clock::Clock;
use ecs_mock::gateway::signature::{percent_encode, v1_signature, v1_string_to_sign};
use ecs_mock::store::fixtures::default_fixture;
use ecs_mock::store::Store;
use ecs_mock::timing::Timing;
use ecs_mock::App;
use tower::ServiceExt;

/// The allocator the ecs-mock binary runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The default fixtures' root key of account 1000000000000001.
const KEY_ID: &str = "test";
const SECRET: &str = "test";

/// A V1-signed `GET /?…` path with a unique nonce, as aliyun-python-sdk-core sends it.
fn signed_path(n: u64, action: &str, extra: &[(&str, String)]) -> String {
    let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let nonce = format!("bench-{n}-{}", uuid::Uuid::new_v4());
    let mut params: Vec<(&str, String)> = extra.to_vec();
    params.extend([
        ("Action", action.to_string()),
        ("Version", "2014-05-26".to_string()),
        ("Format", "JSON".to_string()),
        ("AccessKeyId", KEY_ID.to_string()),
        ("SignatureMethod", "HMAC-SHA1".to_string()),
        ("SignatureVersion", "1.0".to_string()),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
        ("SignatureType", String::new()),
    ]);
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signature = v1_signature(SECRET, &v1_string_to_sign("GET", &pairs));
    let mut query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect();
    query.push(format!("Signature={}", percent_encode(&signature)));
    format!("/?{}", query.join("&"))
}

/// Request `n` of a mix, as `scripts/bench_sign.py` builds them.
fn mix_request(mix: &str, n: u64, ids: &[String]) -> String {
    let region = ("RegionId", "cn-hangzhou".to_string());
    match mix {
        "describe" => {
            let page = ("PageNumber", (n % 2 + 1).to_string());
            let size = ("PageSize", "10".to_string());
            let action = if n.is_multiple_of(2) {
                "DescribeInstances"
            } else {
                "DescribeInstanceStatus"
            };
            signed_path(n, action, &[region, page, size])
        }
        _ => {
            let id = ("InstanceId", ids[(n / 2) as usize % ids.len()].clone());
            let action = if n.is_multiple_of(2) {
                "StartInstance"
            } else {
                "StopInstance"
            };
            signed_path(n, action, &[region, id])
        }
    }
}

/// Send every request in turn (an exact count for instruction-level profilers: with
/// `PIPELINE_ITERS=N`, the bench signs N requests per mix, runs them through this
/// function and exits without criterion; e.g. `valgrind --tool=callgrind
/// --collect-atstart=no --toggle-collect='pipeline::run_all*'`).
#[inline(never)]
fn run_all(rt: &tokio::runtime::Runtime, service: &ecs_mock::Service, paths: Vec<String>) -> usize {
    rt.block_on(async {
        let mut bytes = 0;
        for path in paths {
            let req = Request::get(path).body(Body::empty()).expect("a request");
            let resp = service.clone().oneshot(req).await.expect("an answer");
            bytes += to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("a body")
                .len();
        }
        bytes
    })
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let fixture = default_fixture();
    let ids: Vec<String> = fixture
        .instances
        .iter()
        .filter(|i| i.account_id == "1000000000000001" && i.region_id.as_str() == "cn-hangzhou")
        .map(|i| i.instance_id.to_string())
        .collect();
    let app = App::new(Store::new(fixture, Clock::real(), Timing::default()));
    let service = ecs_mock::Service::new(app);
    if let Some(n) = std::env::var("PIPELINE_ITERS")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
    {
        let only = std::env::var("PIPELINE_MIX").unwrap_or_default();
        for mix in ["describe", "startstop"] {
            if !only.is_empty() && only != mix {
                continue;
            }
            let paths = (1..=n).map(|i| mix_request(mix, i, &ids)).collect();
            println!(
                "{mix}: {n} requests, {} bytes",
                run_all(&rt, &service, paths)
            );
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    for mix in ["describe", "startstop"] {
        let mut n = 0u64;
        // Each answer is checked once: a bench of refusals would measure the wrong path.
        let first = rt.block_on(async {
            let req = Request::get(mix_request(mix, 0, &ids))
                .body(Body::empty())
                .expect("a request");
            let resp = service.clone().oneshot(req).await.expect("an answer");
            let status = resp.status().as_u16();
            let body = to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("a body");
            (status, String::from_utf8_lossy(&body).into_owned())
        });
        assert!(
            first.0 == 200 || first.1.contains("IncorrectInstanceStatus"),
            "{mix}: {first:?}"
        );
        c.bench_function(&format!("pipeline {mix} (V1, strict)"), |b| {
            b.iter_batched(
                || {
                    n += 1;
                    Request::get(mix_request(mix, n, &ids))
                        .body(Body::empty())
                        .expect("a request")
                },
                |req| {
                    rt.block_on(async {
                        let resp = service.clone().oneshot(req).await.expect("an answer");
                        let body = to_bytes(resp.into_body(), usize::MAX).await;
                        black_box(body.expect("a body").len())
                    })
                },
                BatchSize::SmallInput,
            )
        });
    }
    c.final_summary();
}
