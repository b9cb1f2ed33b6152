//! `PATCH /_mock/instances|accounts|zones/{Id}`: every patch target changes what the
//! API answers at once, stock and quota stay exact, and bad patches name the field.

use serde_json::{json, Value};

use crate::common::{TestServer, STEP_MS};

const STOPPED: &str = "i-bp1stopped0000000001";
const RUNNING: &str = "i-bp1running0000000001";
const ECON: &str = "i-bp1econok00000000001";
const SPOT: &str = "i-bp1spotprice00000001";
const KMS: &str = "i-bp1kmsdisk0000000001";
const TYPE_QUOTA: &str = "i-bp1typequota00000001";

async fn patch(srv: &TestServer, path: &str, body: Value) -> Value {
    srv.control_ok("PATCH", path, Some(body)).await
}

async fn patch_instance(srv: &TestServer, id: &str, body: Value) -> Value {
    patch(srv, &format!("/_mock/instances/{id}"), body).await
}

async fn start_code(srv: &TestServer, id: &str) -> (u16, String) {
    let r = srv.call("StartInstance", &[("InstanceId", id)]).await;
    let code = r.json()["Code"].as_str().unwrap_or("200").to_string();
    (r.status, code)
}

#[tokio::test]
async fn a_patched_status_takes_effect_at_once_and_cancels_the_transition() {
    let srv = TestServer::start().await;
    srv.call("StartInstance", &[("InstanceId", STOPPED)])
        .await
        .ok();
    srv.assert_status(STOPPED, "Starting").await;
    let answer = patch_instance(&srv, STOPPED, json!({"Status": "Stopped"})).await;
    assert_eq!(answer["Status"], "Stopped");
    assert_eq!(answer["StoppedMode"], "KeepCharging");
    assert!(answer.get("MockTransitions").is_none(), "{answer}");
    assert_eq!(
        Some(answer),
        srv.state_instance(STOPPED).await,
        "the state dump's form"
    );
    srv.advance(10 * STEP_MS);
    srv.assert_status(STOPPED, "Stopped").await;

    // A transitional status ends after its usual duration, unless stuck.
    patch_instance(&srv, STOPPED, json!({"Status": "Starting"})).await;
    srv.assert_status(STOPPED, "Starting").await;
    srv.advance(STEP_MS);
    srv.assert_status(STOPPED, "Running").await;
    patch_instance(
        &srv,
        STOPPED,
        json!({"Status": "Stopping", "MockStuck": true}),
    )
    .await;
    srv.advance(100 * STEP_MS);
    srv.assert_status(STOPPED, "Stopping").await;
    patch_instance(&srv, STOPPED, json!({"MockStuck": false})).await;
    srv.advance(STEP_MS);
    srv.assert_status(STOPPED, "Stopped").await;
}

#[tokio::test]
async fn every_instance_field_changes_what_the_api_answers() {
    let srv = TestServer::start().await;
    let lock = json!({"OperationLocks": {"LockReason": [{"LockReason": "security"}]}});
    patch_instance(&srv, STOPPED, lock).await;
    assert_eq!(
        start_code(&srv, STOPPED).await,
        (403, "InstanceLockedForSecurity".into())
    );
    patch_instance(&srv, STOPPED, json!({"OperationLocks": {"LockReason": []}})).await;

    patch_instance(
        &srv,
        STOPPED,
        json!({"InstanceChargeType": "PrePaid", "ExpiredTime": "2026-05-01T00:00Z"}),
    )
    .await;
    assert_eq!(
        start_code(&srv, STOPPED).await,
        (403, "InstanceExpired".into())
    );
    patch_instance(
        &srv,
        STOPPED,
        json!({"InstanceChargeType": "PostPaid", "ExpiredTime": null}),
    )
    .await;

    let disks = json!({"MockDisks": [{"DiskId": "d-1", "Type": "system", "Status": "Error"}]});
    patch_instance(&srv, STOPPED, disks).await;
    assert_eq!(start_code(&srv, STOPPED).await, (403, "DiskError".into()));
    let disks = json!({"MockDisks": [{"DiskId": "d-1", "Type": "system"}]});
    patch_instance(&srv, STOPPED, disks).await;

    patch_instance(
        &srv,
        STOPPED,
        json!({"SpotStrategy": "SpotWithPriceLimit", "SpotPriceLimit": 0.01}),
    )
    .await;
    assert_eq!(
        start_code(&srv, STOPPED).await,
        (403, "OperationDenied.SpotPriceLowerThanPublicPrice".into())
    );
    patch_instance(&srv, STOPPED, json!({"SpotStrategy": "NoSpot"})).await;

    // Stored DescribeInstances fields, tags; null removes a stored field.
    patch_instance(
        &srv,
        STOPPED,
        json!({"HostName": "web-01", "Tags": {"Tag": [{"TagKey": "team", "TagValue": "a"}]},
               "Description": "patched", "InstanceName": "renamed"}),
    )
    .await;
    let seen = srv.describe_one(STOPPED).await.expect("listed");
    assert_eq!(seen["HostName"], "web-01");
    assert_eq!(seen["Description"], "patched");
    assert_eq!(seen["InstanceName"], "renamed");
    assert_eq!(seen["Tags"]["Tag"][0]["TagKey"], "team");
    let answer = patch_instance(&srv, STOPPED, json!({"Description": null})).await;
    assert!(answer.get("Description").is_none());

    // All clear again: it starts.
    assert_eq!(start_code(&srv, STOPPED).await, (200, "200".into()));
}

#[tokio::test]
async fn stock_and_quota_follow_a_patched_instance() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    // Economical stop gives the resources back; a running status takes them again.
    patch_instance(&srv, STOPPED, json!({"StoppedMode": "StopCharging"})).await;
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock + 1);
    patch_instance(&srv, STOPPED, json!({"Status": "Running"})).await;
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock);
    // Moving to the other zone moves the stock it holds.
    let other = srv.stock("cn-hangzhou-i", "ecs.g7.large").await;
    patch_instance(&srv, RUNNING, json!({"ZoneId": "cn-hangzhou-i"})).await;
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock + 1);
    assert_eq!(srv.stock("cn-hangzhou-i", "ecs.g7.large").await, other - 1);
}

#[tokio::test]
async fn bad_instance_patches_are_refused_naming_the_field() {
    let srv = TestServer::start().await;
    let before = srv.state().await;
    let path = format!("/_mock/instances/{STOPPED}");
    for (body, field) in [
        (json!({"Status": "running"}), "Status"),
        (json!({"ZoneId": "cn-hangzhou-z"}), "ZoneId"),
        (json!({"InstanceType": "ecs.nope"}), "InstanceType"),
        (json!({"AccountId": "42"}), "AccountId"),
        (json!({"InstanceId": "i-other"}), "InstanceId"),
        (json!({"MockStcuk": true}), "MockStcuk"),
        (json!({"ExpiredTime": "soon"}), "ExpiredTime"),
        (json!({"SpotPriceLimit": -1}), "SpotPriceLimit"),
        (
            json!({"MockDisks": [{"DiskId": "d", "Type": "local"}]}),
            "MockDisks[0].Type",
        ),
        (
            json!({"OperationLocks": {"LockReason": [{"Reason": "x"}]}}),
            "OperationLocks.LockReason[0]",
        ),
        (json!(["Status"]), "body"),
    ] {
        srv.control_refused("PATCH", &path, Some(body), field).await;
    }
    srv.control_refused(
        "PATCH",
        "/_mock/instances/i-nope",
        Some(json!({})),
        "InstanceId",
    )
    .await;
    assert_eq!(srv.state().await, before, "a refused patch changes nothing");
}

#[tokio::test]
async fn account_patches() {
    let srv = TestServer::start().await;
    let path = "/_mock/accounts/1000000000000001";
    let answer = patch(&srv, path, json!({"Balance": 0})).await;
    assert_eq!(answer["Balance"], 0.0);
    assert_eq!(
        start_code(&srv, STOPPED).await,
        (403, "InsufficientBalance".into())
    );
    patch(&srv, path, json!({"Balance": 50})).await;

    let quota =
        json!({"Quotas": [{"RegionId": "cn-hangzhou", "InstancesPerType": {"ecs.c7.large": 1}}]});
    patch(&srv, path, quota).await;
    assert_eq!(start_code(&srv, TYPE_QUOTA).await, (200, "200".into()));

    let nokms = srv.rpc("StartInstance").key("nokms").p("InstanceId", KMS);
    nokms.clone().nonce("n-1").send().await.err(
        403,
        "InvalidParameter.KMSKeyId.KMSUnauthorized",
        None,
    );
    patch(
        &srv,
        "/_mock/accounts/1000000000000003",
        json!({"KmsAuthorized": true}),
    )
    .await;
    nokms.clone().nonce("n-2").send().await.ok();

    let inactive = json!({"AccessKeys": [{"AccessKeyId": "test", "Status": "Inactive"}]});
    let answer = patch(&srv, path, inactive).await;
    assert_eq!(answer["AccessKeys"][0]["Status"], "Inactive");
    srv.call("DescribeRegions", &[]).await.err(
        400,
        "InvalidAccessKeyId.Inactive",
        Some("Specified access key is disabled."),
    );
    srv.v3("DescribeRegions")
        .send()
        .await
        .err(400, "InvalidAccessKeyId.Inactive", None);
    // A RAM user's key of the account still works; the root key again once active.
    srv.rpc("DescribeRegions").key("readonly").send().await.ok();
    let active = json!({"AccessKeys": [{"AccessKeyId": "test", "Status": "Active"}]});
    let answer = patch(&srv, path, active).await;
    assert!(
        answer["AccessKeys"][0].get("Status").is_none(),
        "Active is the default"
    );
    srv.call("DescribeRegions", &[]).await.ok();

    for (p, body, field) in [
        ("/_mock/accounts/42", json!({}), "AccountId"),
        (path, json!({"Balance": "rich"}), "Balance"),
        (path, json!({"Owner": "x"}), "Owner"),
        (
            path,
            json!({"Quotas": [{"RegionId": "mars-1"}]}),
            "Quotas[0].RegionId",
        ),
        (
            path,
            json!({"AccessKeys": [{"AccessKeyId": "broke", "Status": "Inactive"}]}),
            "AccessKeys[0].AccessKeyId",
        ),
        (
            path,
            json!({"AccessKeys": [{"AccessKeyId": "test", "Status": "Off"}]}),
            "AccessKeys[0].Status",
        ),
    ] {
        srv.control_refused("PATCH", p, Some(body), field).await;
    }
}

#[tokio::test]
async fn zone_patches() {
    let srv = TestServer::start().await;
    let path = "/_mock/zones/cn-hangzhou-h";
    let answer = patch(&srv, path, json!({"Stock": {"ecs.g7.large": 0}})).await;
    assert_eq!(answer["ZoneId"], "cn-hangzhou-h");
    assert_eq!(answer["Stock"]["ecs.g7.large"], 0);
    assert_eq!(answer["Stock"]["ecs.c7.large"], 100, "other types are kept");
    assert_eq!(
        start_code(&srv, ECON).await,
        (403, "OperationDenied.NoStock".into())
    );
    srv.call(
        "RunInstances",
        &[
            ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ("InstanceType", "ecs.g7.large"),
            ("ZoneId", "cn-hangzhou-h"),
        ],
    )
    .await
    .err(403, "OperationDenied.NoStock", None);
    patch(&srv, path, json!({"Stock": {"ecs.g7.large": 5}})).await;
    assert_eq!(start_code(&srv, ECON).await, (200, "200".into()));
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, 4);

    assert_eq!(
        start_code(&srv, SPOT).await,
        (403, "OperationDenied.SpotPriceLowerThanPublicPrice".into())
    );
    patch(&srv, path, json!({"SpotPrices": {"ecs.g7.large": 0.01}})).await;
    assert_eq!(start_code(&srv, SPOT).await, (200, "200".into()));

    let answer = patch(&srv, path, json!({"Stock": {"ecs.r7.large": null}})).await;
    assert!(answer["Stock"].get("ecs.r7.large").is_none());
    srv.call(
        "RunInstances",
        &[
            ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ("InstanceType", "ecs.r7.large"),
            ("ZoneId", "cn-hangzhou-h"),
        ],
    )
    .await
    .err(403, "InvalidInstanceType.ZoneNotSupported", None);

    for (p, body, field) in [
        ("/_mock/zones/cn-hangzhou-z", json!({}), "ZoneId"),
        (path, json!({"Stock": {"ecs.nope": 1}}), "Stock.ecs.nope"),
        (
            path,
            json!({"Stock": {"ecs.g7.large": -1}}),
            "Stock.ecs.g7.large",
        ),
        (
            path,
            json!({"SpotPrices": {"ecs.g7.large": -0.5}}),
            "SpotPrices.ecs.g7.large",
        ),
        (path, json!({"LocalName": "x"}), "LocalName"),
    ] {
        srv.control_refused("PATCH", p, Some(body), field).await;
    }
}
