//! The error answer of the Start/Stop mix (403 `IncorrectInstanceStatus`), JSON and XML:
//! `gateway::render::error` (the body filled in from the thread's template of the last
//! error, then the response), next to the field map it replaced (`render::error_body` serialized), which
//! remains the path of a RAM denial's `AccessDeniedDetail`.

use std::hint::black_box;

use criterion::Criterion;
use ecs_mock::error::{ApiError, Code};
use ecs_mock::gateway::render::{self, Format};
use ecs_mock::gateway::status::WireError;
use ecs_mock::gateway::xml;

/// The allocator the ecs-mock binary runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const REQUEST_ID: &str = "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E";
const HOST: &str = "ecs.cn-hangzhou.aliyuncs.com";

fn bench(c: &mut Criterion) {
    let err = WireError {
        error: ApiError::with_message(
            Code::IncorrectInstanceStatus,
            "The specified instance is in an incorrect status for the requested action; \
             Status of the specified instance is Running but the expected status is in (Stopped).",
        ),
        status: 403,
    };
    let mut g = c.benchmark_group("error");
    g.bench_function("json", |b| {
        b.iter(|| render::error(black_box(&err), REQUEST_ID, HOST, Format::Json))
    });
    g.bench_function("xml", |b| {
        b.iter(|| render::error(black_box(&err), REQUEST_ID, HOST, Format::Xml))
    });
    g.bench_function("json_field_map_body_only", |b| {
        b.iter(|| serde_json::to_vec(&render::error_body(black_box(&err.error), REQUEST_ID, HOST)))
    });
    g.bench_function("xml_field_map_body_only", |b| {
        b.iter(|| {
            xml::to_xml(
                "Error",
                &render::error_body(black_box(&err.error), REQUEST_ID, HOST),
            )
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
