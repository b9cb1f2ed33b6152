//! Robustness: every action fed random, mostly malformed parameters. Whatever comes in,
//! the answer is a documented 2xx/4xx in the ECS format — never a 5xx, never an empty
//! body — and the state stays consistent enough to dump and load back.

use ecs_mock::ecs::action::Action;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::TestServer;

const NAMES: &[&str] = &[
    "InstanceId",
    "InstanceId.1",
    "InstanceId.2",
    "InstanceId.101",
    "InstanceIds",
    "RegionId",
    "ZoneId",
    "Status",
    "DryRun",
    "Force",
    "ForceStop",
    "StoppedMode",
    "InitLocalDisk",
    "BatchOptimization",
    "PageNumber",
    "PageSize",
    "NextToken",
    "MaxResults",
    "Amount",
    "MinAmount",
    "ImageId",
    "InstanceType",
    "InstanceName",
    "Tag.1.Key",
    "Tag.1.Value",
    "Tag.21.Key",
    "ClientToken",
    "InstanceChargeType",
    "Period",
    "PeriodUnit",
    "SpotStrategy",
    "SpotPriceLimit",
    "LockReason",
    "InternetMaxBandwidthOut",
    "AcceptLanguage",
    "Verbose",
];

const VALUES: &[&str] = &[
    "",
    "true",
    "False",
    "maybe",
    "0",
    "-1",
    "1",
    "100",
    "101",
    "99999999999999999999999",
    "1e308",
    "NaN",
    "[",
    "[]",
    "[\"i-bp1stopped0000000001\"]",
    "{\"a\":1}",
    "i-bp1stopped0000000001",
    "i-bp1running0000000001",
    "i-bp1localdisk00000001",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-hangzhou-h",
    "nowhere",
    "ecs.g7.large",
    "ecs.d1ne.2xlarge",
    "ecs.nope",
    "PrePaid",
    "StopCharging",
    "SuccessFirst",
    "Running",
    "web-[1,3]",
    "x-[99999999999,9]",
    "中文名字",
    "a\u{0}b",
    "%",
    "ffffffffffffffffffff",
    "security",
    "SpotWithPriceLimit",
];

#[tokio::test]
async fn random_parameters_never_break_the_gateway() {
    let srv = TestServer::start().await;
    // Seeded: the same cases every run.
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let (mut accepted, mut refused) = (0, 0);
    for &action in Action::ALL {
        for _ in 0..40 {
            let mut rpc = srv.rpc(action.as_str());
            for _ in 0..rng.gen_range(0..6) {
                let (k, v) = (
                    NAMES[rng.gen_range(0..NAMES.len())],
                    VALUES[rng.gen_range(0..VALUES.len())],
                );
                rpc = rpc.p(k, v);
            }
            if rng.gen_ratio(1, 4) {
                rpc = rpc.region(None);
            }
            let resp = rpc.send().await; // asserts < 500 and a non-empty body
            assert!(
                [200, 400, 403, 404, 409].contains(&resp.status),
                "{action:?}: unexpected status {}: {}",
                resp.status,
                resp.body
            );
            let body = resp.json();
            if resp.status == 200 {
                accepted += 1;
            } else {
                refused += 1;
            }
            resp.request_id();
            if resp.status != 200 {
                assert!(
                    body["Code"].as_str().is_some_and(|c| !c.is_empty()),
                    "{}",
                    resp.body
                );
                assert!(
                    body["Message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{}",
                    resp.body
                );
            }
        }
        srv.advance(1_000);
    }
    // The cases reach both the success and the refusal paths.
    assert!(
        accepted > 50 && refused > 50,
        "accepted {accepted}, refused {refused}"
    );
    // Whatever happened, the state dumps and loads back.
    let state = srv.state().await;
    let resp = srv.load_state(&state.to_string()).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
}
