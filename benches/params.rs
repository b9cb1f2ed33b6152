//! Parameter parsing as the gateway does it: decode the raw query string into `Params`
//! (`Params::from_query`), then a form body's pairs after it (`Params::extend_form`);
//! and, for comparison, building `Params` from pairs already decoded
//! (`Params::from_pairs`, what in-process callers do).
//!
//! Inputs are requests captured from the official SDKs (tests/vectors): a V1
//! DescribeInstances query of aliyun-python-sdk-core, and a RunInstances whose
//! parameters travel in a form body.

use std::hint::black_box;

use criterion::{BatchSize, Criterion};
use ecs_mock::params::{decode, Params};
use serde_json::Value;

/// The allocator the ecs-mock binary runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const V1_QUERY: &str = include_str!("../tests/vectors/v1_py_core_DescribeInstances.json");
const V1_FORM: &str = include_str!("../tests/vectors/v1_py_tea_v2mode_formbody_RunInstances.json");

fn request_part(vector: &str, key: &str) -> String {
    let v: Value = serde_json::from_str(vector).expect("a vector");
    v["request"][key].as_str().expect("a string").to_owned()
}

fn bench(c: &mut Criterion) {
    let query = request_part(V1_QUERY, "raw_query");
    let pairs = decode(query.as_bytes());
    let form_query = request_part(V1_FORM, "raw_query");
    let form_body = request_part(V1_FORM, "body");
    assert_eq!(
        Params::from_query(query.as_bytes()).get("Action"),
        Some("DescribeInstances")
    );

    let mut g = c.benchmark_group("params");
    g.bench_function("v1_query_decode_and_index", |b| {
        b.iter(|| Params::from_query(black_box(query.as_bytes())))
    });
    g.bench_function("from_pairs", |b| {
        b.iter_batched(|| pairs.clone(), Params::from_pairs, BatchSize::SmallInput)
    });
    g.bench_function("form_body_decode_and_index", |b| {
        b.iter(|| {
            // The gateway's order: the query first, the body's pairs once it is read.
            let mut params = Params::from_query(black_box(form_query.as_bytes()));
            params.extend_form(black_box(form_body.as_bytes()));
            params
        })
    });
    g.finish();
}

/// What `criterion_main!` would write, without its undocumented `pub fn`.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
