//! Signature verification, V1 and V3 separately, as `gateway::auth` does it: rebuild the
//! string to sign from the decoded request, compute the HMAC and compare in constant
//! time. Inputs are SDK-captured requests from tests/vectors (aliyun-python-sdk-core V1
//! and the Tea SDK's V3 DescribeInstances), checked to verify before measuring.

use std::hint::black_box;

use criterion::Criterion;
use ecs_mock::gateway::signature as sig;
use serde_json::Value;

/// The allocator the ecs-mock binary runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const V1: &str = include_str!("../tests/vectors/v1_py_core_DescribeInstances.json");
const V3: &str = include_str!("../tests/vectors/v3_py_tea_DescribeInstances.json");

fn decode(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

/// V1: every parameter but `Signature`, string to sign, HMAC-SHA1, compare.
fn verify_v1(method: &str, params: &[(String, String)], secret: &str) -> bool {
    let sent = params
        .iter()
        .find(|(k, _)| k == "Signature")
        .map_or("", |(_, v)| v.as_str());
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sts = sig::v1_string_to_sign_sorting(method, &mut pairs);
    sig::v1_signature_matches(secret, &sts, sent)
}

/// The parts of a V3 request the verifier reads.
struct V3Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    secret: String,
}

/// V3: parse `Authorization`, canonical request, string to sign, HMAC-SHA256, compare.
fn verify_v3(r: &V3Request) -> bool {
    let authorization = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map_or("", |(_, v)| v.as_str());
    let Ok(auth) = sig::parse_v3_authorization(authorization) else {
        return false;
    };
    let headers: Vec<(&str, &str)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let query: Vec<(&str, &str)> = r
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let canonical = sig::v3_canonical_request(
        &r.method,
        &r.path,
        &sig::v3_canonical_query(&query),
        &headers,
        &auth.signed_headers,
        &sig::sha256_hex(&r.body),
    );
    let sts = sig::v3_string_to_sign(&canonical);
    sig::v3_signature_matches(&r.secret, &sts, &auth.signature)
}

fn bench(c: &mut Criterion) {
    let v1: Value = serde_json::from_str(V1).expect("a vector");
    let v1_method = v1["request"]["method"].as_str().expect("method").to_owned();
    let v1_params = decode(v1["request"]["raw_query"].as_str().expect("query"));
    let v1_secret = v1["secret"].as_str().expect("secret").to_owned();
    assert!(verify_v1(&v1_method, &v1_params, &v1_secret));

    let v3: Value = serde_json::from_str(V3).expect("a vector");
    let req = &v3["request"];
    let v3 = V3Request {
        method: req["method"].as_str().expect("method").to_owned(),
        path: req["path"].as_str().expect("path").to_owned(),
        query: decode(req["raw_query"].as_str().expect("query")),
        headers: req["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|h| {
                let s = |i: usize| h[i].as_str().expect("a header").to_owned();
                (s(0), s(1))
            })
            .collect(),
        body: req["body"].as_str().expect("body").as_bytes().to_vec(),
        secret: v3["secret"].as_str().expect("secret").to_owned(),
    };
    assert!(verify_v3(&v3));

    let mut g = c.benchmark_group("signature");
    g.bench_function("v1_verify", |b| {
        b.iter(|| verify_v1(black_box(&v1_method), black_box(&v1_params), &v1_secret))
    });
    g.bench_function("v3_verify", |b| b.iter(|| verify_v3(black_box(&v3))));
    g.finish();
}

/// What `criterion_main!` would write, without its undocumented `pub fn`.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
