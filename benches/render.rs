//! Rendering a DescribeInstances page of 10 instances, JSON and XML, through the path
//! the gateway takes after the state lock is released: `gateway::render::answer` writes
//! the typed page straight into the body. The page comes from the default fixtures,
//! answered by the real DescribeInstances action on a `World`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion};
use ecs_mock::clock::system_now;
use ecs_mock::ecs::action::{Action, Request};
use ecs_mock::ecs::world::{Caller, World};
use ecs_mock::ecs::{Answer, Ctx};
use ecs_mock::gateway::render::{self, Format};
use ecs_mock::params::Params;
use ecs_mock::random::Random;
use ecs_mock::store::fixtures::default_fixture;
use ecs_mock::timing::Timing;

/// The allocator the ecs-mock binary runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const REQUEST_ID: &str = "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E";

/// DescribeInstances, PageSize=10, in the default fixtures' first account.
fn page_of_ten() -> Answer {
    let timing = Timing::default();
    let now = system_now();
    let mut world = World::from_fixture(&default_fixture(), now, &timing);
    let params = Params::from_pairs(
        [("RegionId", "cn-hangzhou"), ("PageSize", "10")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    let request = Request::parse(Action::DescribeInstances, &params).expect("parses");
    let caller = Caller {
        account_id: "1000000000000001".into(),
        ram_user: None,
    };
    let random = Random::seeded(1);
    let ctx = Ctx {
        caller: &caller,
        region: Some("cn-hangzhou"),
        now,
        timing: &timing,
        random: &random,
    };
    let answer = request.apply(&mut world, &ctx).expect("answers");
    match &answer {
        Answer::Instances(page) => assert_eq!(page.instances.len(), 10),
        other => panic!("not a page of instances: {other:?}"),
    }
    answer
}

fn render(answer: Answer, format: Format) -> axum::response::Response {
    render::answer("DescribeInstances", REQUEST_ID, answer, format)
}

fn bench(c: &mut Criterion) {
    let answer = page_of_ten();
    // The same page without render-cache slots: every instance is serialized each time.
    let uncached = match &answer {
        Answer::Instances(page) => {
            let mut page = (**page).clone();
            for entry in &mut page.instances {
                entry.slot = None;
            }
            Answer::Instances(Box::new(page))
        }
        other => panic!("not a page of instances: {other:?}"),
    };
    let mut g = c.benchmark_group("render_describe_instances_10");
    g.bench_function("json_uncached", |b| {
        b.iter_batched(
            || uncached.clone(),
            |a| black_box(render(a, Format::Json)),
            BatchSize::SmallInput,
        )
    });
    // Through the render cache: the first call fills it, later ones copy the bytes.
    g.bench_function("json", |b| {
        b.iter_batched(
            || answer.clone(),
            |a| black_box(render(a, Format::Json)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("xml", |b| {
        b.iter_batched(
            || answer.clone(),
            |a| black_box(render(a, Format::Xml)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// What `criterion_main!` would write, without its undocumented `pub fn`.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
