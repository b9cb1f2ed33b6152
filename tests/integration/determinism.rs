//! `--seed`: the same calls give the same instance, disk and ENI ids, addresses, serial
//! numbers, request ids and account keys — after a reset, in another server, and in a
//! second process; another seed gives others.

use serde_json::{json, Value};

use crate::binary::start_with_env;
use crate::common::{control_json, TestServer};

/// The values a seed fixes, from one instance's state entry.
fn generated(inst: &Value) -> Value {
    json!({
        "InstanceId": inst["InstanceId"],
        "HostName": inst["HostName"],
        "SerialNumber": inst["SerialNumber"],
        "PrivateIp": inst["VpcAttributes"]["PrivateIpAddress"],
        "Interfaces": inst["NetworkInterfaces"],
        "Disks": inst["MockDisks"],
    })
}

/// A fixed sequence of calls; returns everything random it was answered.
async fn sequence(srv: &TestServer) -> Vec<Value> {
    let mut seen = Vec::new();
    let account = srv
        .control_ok("POST", "/_mock/accounts", Some(json!({})))
        .await;
    seen.push(account);
    let r = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
                ("InstanceType", "ecs.g7.large"),
                ("Amount", "3"),
            ],
        )
        .await;
    let body = r.ok();
    seen.push(json!(r.request_id()));
    for id in body["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .expect("ids")
    {
        let inst = srv
            .state_instance(id.as_str().unwrap())
            .await
            .expect("in the state");
        seen.push(generated(&inst));
    }
    for action in ["DescribeRegions", "DescribeZones", "DescribeInstances"] {
        seen.push(json!(srv.call(action, &[]).await.request_id()));
    }
    let refused = srv
        .call("StartInstance", &[("InstanceId", "i-bp1running0000000001")])
        .await;
    seen.push(json!(refused.request_id()));
    seen
}

#[tokio::test]
async fn a_seed_repeats_after_a_reset_and_in_another_server() {
    let srv = TestServer::builder().seed(7).start().await;
    let first = sequence(&srv).await;
    srv.control_ok("POST", "/_mock/reset", None).await;
    assert_eq!(sequence(&srv).await, first, "after a reset");
    let other = TestServer::builder().seed(7).start().await;
    assert_eq!(sequence(&other).await, first, "in another server");
    let different = TestServer::builder().seed(8).start().await;
    let third = sequence(&different).await;
    for (a, b) in first.iter().zip(&third) {
        assert_ne!(a, b, "seed 8 repeated a value of seed 7");
    }
    let unseeded = TestServer::start().await;
    assert_ne!(sequence(&unseeded).await, first);
}

/// One unsigned call (`--auth off`): the request id header and the body.
async fn call(base: &str, query: &str) -> (String, Value) {
    let resp = reqwest::get(format!(
        "{base}/?Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&{query}"
    ))
    .await
    .expect("an answer");
    let rid = resp.headers()["x-acs-request-id"]
        .to_str()
        .expect("ascii")
        .to_string();
    (rid, resp.json().await.expect("json"))
}

async fn process_sequence(base: &str) -> Vec<Value> {
    let account = control_json(reqwest::Method::POST, format!("{base}/_mock/accounts")).await;
    let mut seen = vec![account];
    let (rid, body) = call(
        base,
        "Action=RunInstances&ImageId=aliyun_3_x64_20G_alibase_20250101.vhd&InstanceType=ecs.g7.large&Amount=2",
    )
    .await;
    seen.push(json!(rid));
    let ids = body["InstanceIdSets"]["InstanceIdSet"].clone();
    let state = control_json(reqwest::Method::GET, format!("{base}/_mock/state")).await;
    for inst in state["Instances"].as_array().expect("Instances") {
        if ids.as_array().expect("ids").contains(&inst["InstanceId"]) {
            seen.push(generated(inst));
        }
    }
    for action in ["DescribeRegions", "DescribeInstances"] {
        seen.push(json!(call(base, &format!("Action={action}")).await.0));
    }
    seen
}

#[tokio::test]
async fn a_seeded_run_repeats_in_a_second_process() {
    let first = {
        let proc = start_with_env(&["--seed", "1234"], &[]);
        process_sequence(&proc.base).await
    };
    assert_eq!(first.len(), 6, "{first:?}");
    let again = {
        let proc = start_with_env(&[], &[("ECS_MOCK_SEED", "1234")]);
        process_sequence(&proc.base).await
    };
    assert_eq!(again, first, "ECS_MOCK_SEED=1234 repeats --seed 1234");
    let other = {
        let proc = start_with_env(&["--seed", "4321"], &[]);
        process_sequence(&proc.base).await
    };
    assert_ne!(other, first);
}
