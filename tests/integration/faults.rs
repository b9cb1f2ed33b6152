//! `/_mock/faults`: each effect (documented code, custom error, latency, `Times`, a
//! seeded probability), matching, order, removal, and that a fault changes nothing.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::TestServer;

const STOPPED: &str = "i-bp1stopped0000000001";
const RUNNING: &str = "i-bp1running0000000001";

async fn add(srv: &TestServer, fault: Value) -> String {
    let body = srv.control_ok("POST", "/_mock/faults", Some(fault)).await;
    body["FaultId"]
        .as_str()
        .unwrap_or_else(|| panic!("no FaultId: {body}"))
        .to_string()
}

async fn faults(srv: &TestServer) -> Vec<Value> {
    let body = srv.control_ok("GET", "/_mock/faults", None).await;
    body["Faults"].as_array().expect("Faults").clone()
}

#[tokio::test]
async fn a_code_alone_answers_with_its_documented_status_and_message() {
    let srv = TestServer::start().await;
    let cases = [
        (
            "InternalError",
            500,
            "The request processing has failed due to some unknown error.",
        ),
        (
            "ServiceUnavailable",
            503,
            "The request has failed due to a temporary failure of the server.",
        ),
        (
            "InstanceNotReady",
            500,
            "The specified instance is not ready for use.",
        ),
        ("Throttling", 400, "Request was denied due to flow control."),
        (
            "Throttling.User",
            400,
            "Request was denied due to user flow control.",
        ),
        (
            "InvalidInstanceId.NotFound",
            404,
            "The specified InstanceId does not exist.",
        ),
        (
            "OperationDenied.HostRepairing",
            403,
            "The specified operation is denied as the host of ECS instance is being repaired.",
        ),
        (
            "ServiceUnavailable.RegionMaintaining",
            503,
            "System maintenance is in progress on the selected region, please wait a few minutes before trying again.",
        ),
    ];
    for (code, status, message) in cases {
        add(
            &srv,
            json!({"Match": {"Action": "StartInstance"}, "Error": {"Code": code}, "Times": 1}),
        )
        .await;
        let rpc = srv.rpc("StartInstance").p("InstanceId", STOPPED);
        let resp = if status >= 500 {
            rpc.send_expecting_5xx().await
        } else {
            rpc.send().await
        };
        resp.err(status, code, Some(message));
        srv.assert_status(STOPPED, "Stopped").await;
    }
    let listed = faults(&srv).await;
    assert_eq!(listed.len(), cases.len());
    assert_eq!(listed[1]["Error"]["HttpStatus"], 503);
    assert!(listed
        .iter()
        .all(|f| f["Hits"] == 1 && f["Active"] == false));
}

#[tokio::test]
async fn a_custom_error_is_answered_as_given() {
    let srv = TestServer::start().await;
    srv.control_refused(
        "POST",
        "/_mock/faults",
        Some(json!({"Error": {"Code": "Custom.Failure"}})),
        "Error.HttpStatus",
    )
    .await;
    srv.control_refused(
        "POST",
        "/_mock/faults",
        Some(json!({"Error": {"Code": "Custom.Failure", "HttpStatus": 418}})),
        "Error.Message",
    )
    .await;
    add(
        &srv,
        json!({"Match": {"Action": "DescribeRegions"},
               "Error": {"Code": "Custom.Failure", "HttpStatus": 418, "Message": "I'm a teapot."}}),
    )
    .await;
    srv.call("DescribeRegions", &[])
        .await
        .err(418, "Custom.Failure", Some("I'm a teapot."));
    // A documented code with its own message keeps its status.
    srv.control_ok("DELETE", "/_mock/faults", None).await;
    add(
        &srv,
        json!({"Error": {"Code": "IncorrectInstanceStatus", "Message": "Try again later."}}),
    )
    .await;
    srv.call("DescribeRegions", &[]).await.err(
        403,
        "IncorrectInstanceStatus",
        Some("Try again later."),
    );
}

#[tokio::test]
async fn a_fault_that_fires_changes_no_state() {
    let srv = TestServer::start().await;
    let before = srv.state().await;
    add(&srv, json!({"Error": {"Code": "Throttling"}})).await;
    let calls: [(&str, Vec<(&str, &str)>); 4] = [
        ("StartInstance", vec![("InstanceId", STOPPED)]),
        ("StopInstance", vec![("InstanceId", RUNNING)]),
        ("DeleteInstance", vec![("InstanceId", STOPPED)]),
        (
            "RunInstances",
            vec![
                ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
                ("InstanceType", "ecs.g7.large"),
                ("Amount", "3"),
            ],
        ),
    ];
    for (action, params) in &calls {
        srv.call(action, params).await.err(
            400,
            "Throttling",
            Some("Request was denied due to flow control."),
        );
    }
    assert_eq!(srv.state().await, before, "a fault changed the state");
    assert_eq!(faults(&srv).await[0]["Hits"], 4);
}

#[tokio::test]
async fn latency_alone_delays_the_real_answer() {
    let srv = TestServer::start().await;
    add(
        &srv,
        json!({"Match": {"Action": "StartInstance"}, "LatencyMs": 300}),
    )
    .await;
    let started = Instant::now();
    srv.call("StartInstance", &[("InstanceId", STOPPED)])
        .await
        .ok();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300),
        "answered after {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "answered after {elapsed:?}"
    );
    srv.assert_status(STOPPED, "Starting").await;
    // Latency and an error: the error, late.
    add(
        &srv,
        json!({"Match": {"Action": "DescribeRegions"}, "LatencyMs": 200, "Error": {"Code": "Throttling"}}),
    )
    .await;
    let started = Instant::now();
    srv.call("DescribeRegions", &[])
        .await
        .err(400, "Throttling", None);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn times_fires_on_the_next_n_matching_calls_only() {
    let srv = TestServer::start().await;
    let id = add(
        &srv,
        json!({"Match": {"Action": "DescribeRegions"}, "Error": {"Code": "Throttling"}, "Times": 2}),
    )
    .await;
    srv.call("DescribeInstances", &[]).await.ok();
    srv.call("DescribeRegions", &[])
        .await
        .err(400, "Throttling", None);
    srv.call("DescribeRegions", &[])
        .await
        .err(400, "Throttling", None);
    srv.call("DescribeRegions", &[]).await.ok();
    let listed = faults(&srv).await;
    assert_eq!(listed[0]["FaultId"], id.as_str());
    assert_eq!(listed[0]["Hits"], 2);
    assert_eq!(listed[0]["Times"], 2);
    assert_eq!(listed[0]["Active"], false);
}

async fn hit_pattern(srv: &TestServer) -> Vec<bool> {
    add(
        srv,
        json!({"Match": {"Action": "DescribeRegions"}, "Error": {"Code": "Throttling"}, "Probability": 0.5}),
    )
    .await;
    let mut pattern = Vec::new();
    for _ in 0..24 {
        let r = srv.call("DescribeRegions", &[]).await;
        pattern.push(r.status == 400);
    }
    pattern
}

#[tokio::test]
async fn a_seeded_probability_gives_the_same_hit_pattern_twice() {
    let srv = TestServer::builder().seed(42).start().await;
    let first = hit_pattern(&srv).await;
    assert!(first.contains(&true) && first.contains(&false), "{first:?}");
    assert_eq!(
        faults(&srv).await[0]["Hits"],
        first.iter().filter(|h| **h).count()
    );
    // Reset restarts the sequence (and removes the rule).
    srv.control_ok("POST", "/_mock/reset", None).await;
    assert!(faults(&srv).await.is_empty());
    assert_eq!(hit_pattern(&srv).await, first);
    // Another server with the same seed, too.
    let other = TestServer::builder().seed(42).start().await;
    assert_eq!(hit_pattern(&other).await, first);
    let unseeded = TestServer::builder().seed(43).start().await;
    assert_ne!(hit_pattern(&unseeded).await, first);
}

#[tokio::test]
async fn match_criteria() {
    let srv = TestServer::start().await;
    add(
        &srv,
        json!({"Match": {"InstanceId": RUNNING}, "Error": {"Code": "OperationConflict"}}),
    )
    .await;
    srv.call("StopInstance", &[("InstanceId", RUNNING)])
        .await
        .err(409, "OperationConflict", None);
    srv.call(
        "StartInstances",
        &[("InstanceId.1", STOPPED), ("InstanceId.2", RUNNING)],
    )
    .await
    .err(409, "OperationConflict", None);
    let ids = format!("[\"{RUNNING}\"]");
    srv.call("DescribeInstances", &[("InstanceIds", &ids)])
        .await
        .err(409, "OperationConflict", None);
    srv.call("StartInstance", &[("InstanceId", STOPPED)])
        .await
        .ok();
    srv.control_ok("DELETE", "/_mock/faults", None).await;

    add(
        &srv,
        json!({"Match": {"Action": "Describe*", "AccountId": "1000000000000002"},
               "Error": {"Code": "Throttling.User"}}),
    )
    .await;
    srv.call("DescribeInstances", &[]).await.ok();
    srv.rpc("DescribeInstances")
        .key("broke")
        .send()
        .await
        .err(400, "Throttling.User", None);
    srv.rpc("StartInstance")
        .key("broke")
        .p("InstanceId", "i-bp1broke000000000001")
        .send()
        .await
        .err(403, "InsufficientBalance", None);
    srv.control_ok("DELETE", "/_mock/faults", None).await;

    add(
        &srv,
        json!({"Match": {"RegionId": "cn-shanghai"}, "Error": {"Code": "Throttling"}}),
    )
    .await;
    srv.call("DescribeInstances", &[]).await.ok();
    srv.rpc("DescribeInstances")
        .region(Some("cn-shanghai"))
        .send()
        .await
        .err(400, "Throttling", None);
}

#[tokio::test]
async fn rules_are_checked_in_creation_order_and_removed_by_id() {
    let srv = TestServer::start().await;
    let first = add(&srv, json!({"Error": {"Code": "Throttling"}})).await;
    let second = add(&srv, json!({"Error": {"Code": "OperationConflict"}})).await;
    srv.call("DescribeRegions", &[])
        .await
        .err(400, "Throttling", None);
    let deleted = srv
        .control_ok("DELETE", &format!("/_mock/faults/{first}"), None)
        .await;
    assert_eq!(deleted["Deleted"], 1);
    srv.call("DescribeRegions", &[])
        .await
        .err(409, "OperationConflict", None);
    srv.control_refused("DELETE", &format!("/_mock/faults/{first}"), None, "FaultId")
        .await;
    let listed = faults(&srv).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["FaultId"], second.as_str());
    assert_eq!(
        srv.control_ok("DELETE", "/_mock/faults", None).await["Deleted"],
        1
    );
    srv.call("DescribeRegions", &[]).await.ok();
}

#[tokio::test]
async fn faults_are_checked_after_authentication() {
    let srv = TestServer::start().await;
    add(&srv, json!({"Error": {"Code": "Throttling"}})).await;
    srv.rpc("DescribeRegions")
        .secret("wrong")
        .send()
        .await
        .err(400, "SignatureDoesNotMatch", None);
    srv.rpc("DescribeRegions").key("nobody").send().await.err(
        404,
        "InvalidAccessKeyId.NotFound",
        None,
    );
    assert_eq!(faults(&srv).await[0]["Hits"], 0);
}

#[tokio::test]
async fn bad_rules_are_refused_naming_the_field() {
    let srv = TestServer::start().await;
    let cases = [
        (json!({}), "Error"),
        (json!({"LatencyMs": 1, "Foo": 1}), "Foo"),
        (
            json!({"Error": {"Code": "Throttling", "Cod": 1}}),
            "Error.Cod",
        ),
        (json!({"LatencyMs": "soon"}), "LatencyMs"),
        (json!({"LatencyMs": 600001}), "LatencyMs"),
        (json!({"LatencyMs": 1, "Times": 0}), "Times"),
        (json!({"LatencyMs": 1, "Probability": 2}), "Probability"),
        (
            json!({"LatencyMs": 1, "Match": {"Action": ""}}),
            "Match.Action",
        ),
        (
            json!({"LatencyMs": 1, "Match": {"Instance": "i-1"}}),
            "Match.Instance",
        ),
        (
            json!({"Error": {"Code": "Throttling", "HttpStatus": 200}}),
            "Error.HttpStatus",
        ),
    ];
    for (body, field) in cases {
        srv.control_refused("POST", "/_mock/faults", Some(body), field)
            .await;
    }
    let r = srv
        .raw("POST", "/_mock/faults")
        .body(b"{not json".to_vec())
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["Error"].as_str().unwrap().starts_with("body:"),
        "{}",
        r.body
    );
    assert!(faults(&srv).await.is_empty());
}
