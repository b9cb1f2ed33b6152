//! The `/_mock/` control plane: health, reset, state dump and load, clock.

use serde_json::{json, Value};

use crate::common::{TestServer, STEP_MS};

#[tokio::test]
async fn health() {
    let srv = TestServer::start().await;
    let resp = srv.raw("GET", "/_mock/health").send().await;
    assert_eq!(resp.status, 200);
    let body = resp.json();
    assert_eq!(body["Status"], "ok");
    assert_eq!(body["ApiVersion"], "2014-05-26");
    assert_eq!(body["Instances"], 21);
    assert_eq!(body["Now"], "2026-06-01T00:00:00.000Z");
}

#[tokio::test]
async fn reset_restores_the_loaded_state() {
    let srv = TestServer::start().await;
    let initial = srv.state().await;
    srv.call("StartInstance", &[("InstanceId", "i-bp1stopped0000000001")])
        .await
        .ok();
    srv.call(
        "DeleteInstance",
        &[("InstanceId", "i-bp1stopped2000000001")],
    )
    .await
    .ok();
    srv.call(
        "RunInstances",
        &[
            ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ("InstanceType", "ecs.g7.large"),
            ("Amount", "2"),
        ],
    )
    .await
    .ok();
    assert_ne!(srv.state().await, initial);
    let resp = srv.raw("POST", "/_mock/reset").send().await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        srv.state().await,
        initial,
        "reset restores the startup fixtures"
    );
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
    srv.assert_status("i-bp1stopped2000000001", "Stopped").await;
}

#[tokio::test]
async fn reset_forgets_nonces() {
    let srv = TestServer::start().await;
    let rpc = srv.rpc("DescribeRegions");
    rpc.send().await.ok();
    srv.raw("POST", "/_mock/reset").send().await;
    rpc.send().await.ok();
}

#[tokio::test]
async fn state_round_trips() {
    let srv = TestServer::start().await;
    // Put some instances mid-transition first.
    srv.call("StartInstance", &[("InstanceId", "i-bp1stopped0000000001")])
        .await
        .ok();
    srv.call(
        "StopInstance",
        &[
            ("InstanceId", "i-bp1running0000000001"),
            ("StoppedMode", "StopCharging"),
        ],
    )
    .await
    .ok();
    let dumped = srv.state().await;
    let text = serde_json::to_string(&dumped).expect("serialise");
    let resp = srv.load_state(&text).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        srv.state().await,
        dumped,
        "GET → POST → GET is the identity"
    );
    // Transitions continue after a load.
    srv.advance(STEP_MS);
    srv.assert_status("i-bp1stopped0000000001", "Running").await;
    srv.assert_status("i-bp1running0000000001", "Stopped").await;
    // The loaded state is what a second server starts from too.
    let fixture =
        ecs_mock::store::fixtures::parse("test", &text).expect("the dump parses as a fixture");
    let other = TestServer::builder().fixture(fixture).start().await;
    assert_eq!(other.state().await, dumped);
}

#[tokio::test]
async fn loaded_state_replaces_everything() {
    let srv = TestServer::start().await;
    let doc = json!({
        "Accounts": [{"AccountId": "1000000000000001", "AccessKeys": [{"AccessKeyId": "test", "AccessKeySecret": "test"}]}],
        "Regions": [{"RegionId": "cn-hangzhou", "Zones": [{"ZoneId": "cn-hangzhou-h", "Stock": {"ecs.g7.large": 1}}]}],
        "InstanceTypes": [{"InstanceTypeId": "ecs.g7.large", "CpuCoreCount": 2, "MemorySize": 8.0}],
        "Instances": [{
            "InstanceId": "i-bp1loaded00000000001", "AccountId": "1000000000000001", "RegionId": "cn-hangzhou",
            "ZoneId": "cn-hangzhou-h", "InstanceType": "ecs.g7.large", "Status": "Stopped"
        }]
    });
    let resp = srv.load_state(&doc.to_string()).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let body = srv.call("DescribeInstances", &[]).await.ok();
    assert_eq!(
        crate::common::instance_ids(&body),
        ["i-bp1loaded00000000001"]
    );
    srv.call("StartInstance", &[("InstanceId", "i-bp1loaded00000000001")])
        .await
        .ok();
    srv.call("StartInstance", &[("InstanceId", "i-bp1stopped0000000001")])
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
    srv.rpc("DescribeRegions").key("broke").send().await.err(
        404,
        "InvalidAccessKeyId.NotFound",
        None,
    );
    // Reset goes back to the startup fixtures, not to the loaded document.
    srv.raw("POST", "/_mock/reset").send().await;
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
}

fn error_message(resp: &crate::common::Resp) -> String {
    assert_eq!(resp.status, 400, "{}", resp.body);
    let body: Value = resp.json();
    body["Error"]
        .as_str()
        .unwrap_or_else(|| panic!("no Error message: {}", resp.body))
        .to_string()
}

#[tokio::test]
async fn bad_documents_name_the_entry() {
    let srv = TestServer::start().await;
    let before = srv.state().await;

    let mut doc = before.clone();
    doc["Instances"][0]["Status"] = json!("running");
    let message = error_message(&srv.load_state(&doc.to_string()).await);
    assert!(message.contains("Instances[0].Status"), "{message}");
    assert!(message.contains("running"), "{message}");

    let mut doc = before.clone();
    doc["Instances"][2]["ZoneId"] = json!("cn-hangzhou-z");
    let message = error_message(&srv.load_state(&doc.to_string()).await);
    assert!(
        message.contains("Instances[2] (i-bp1econok00000000001)"),
        "{message}"
    );
    assert!(message.contains("cn-hangzhou-z"), "{message}");

    let mut doc = before.clone();
    doc["Instances"][1]["InstanceId"] = doc["Instances"][0]["InstanceId"].clone();
    let message = error_message(&srv.load_state(&doc.to_string()).await);
    assert!(
        message.contains("Instances[1]") && message.contains("duplicate"),
        "{message}"
    );

    let message = error_message(&srv.load_state("{\"Acounts\": []}").await);
    assert!(message.contains("Acounts"), "{message}");
    let message = error_message(&srv.load_state("not json").await);
    assert!(!message.is_empty());

    assert_eq!(
        srv.state().await,
        before,
        "a refused document changes nothing"
    );
}

#[tokio::test]
async fn clock_control() {
    let srv = TestServer::start().await;
    let resp = srv.raw("GET", "/_mock/clock").send().await;
    let body = resp.json();
    assert_eq!(body["Frozen"], true);
    assert_eq!(body["Now"], "2026-06-01T00:00:00.000Z");
    srv.call("StartInstance", &[("InstanceId", "i-bp1stopped0000000001")])
        .await
        .ok();
    let resp = srv
        .raw("POST", "/_mock/clock")
        .header("content-type", "application/json")
        .body(br#"{"AdvanceMs": 1000}"#.to_vec())
        .send()
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json()["Now"], "2026-06-01T00:00:01.000Z");
    srv.assert_status("i-bp1stopped0000000001", "Running").await;
    let resp = srv
        .raw("POST", "/_mock/clock")
        .body(br#"{"At": "tomorrow"}"#.to_vec())
        .send()
        .await;
    assert_eq!(resp.status, 400, "{}", resp.body);
}

#[tokio::test]
async fn a_pasted_describe_instances_body_becomes_state() {
    // The reference body the SDK models parse, pasted as is into a fixture: no
    // AccountId (first account), a type the catalog lacks (taken from Cpu/Memory).
    // A copy of a captured real DescribeInstances example body.
    let example: Value =
        serde_json::from_str(include_str!("../reference/describe_instances_example.json")).unwrap();
    let pasted = example["Instances"]["Instance"][0].clone();
    let srv = TestServer::start().await;
    let mut state = srv.state().await;
    state["Instances"] = json!([pasted]);
    let resp = srv.load_state(&state.to_string()).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let id = pasted["InstanceId"].as_str().unwrap();
    let seen = srv
        .describe_one(id)
        .await
        .expect("the pasted instance is listed");
    for field in [
        "VpcAttributes",
        "NetworkInterfaces",
        "SecurityGroupIds",
        "Tags",
        "InstanceName",
        "Cpu",
        "Memory",
    ] {
        assert_eq!(seen[field], pasted[field], "{field}");
    }
    srv.call("StopInstance", &[("InstanceId", id)]).await.ok();
}
