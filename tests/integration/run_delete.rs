//! RunInstances, CreateInstance, DeleteInstance and DeleteInstances (spec §5.10–5.13):
//! ids, transitions, stock and quota, idempotency, release.

use serde_json::Value;

use crate::common::{Resp, TestServer, STEP_MS};

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20250101.vhd";
const TYPE_QUOTA_MSG: &str = "The number of the specified ECS instances has exceeded the quota of the specified instance type.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";
const VCPU_QUOTA_MSG: &str = "The number of vCPUs assigned to the ECS instances has exceeded the quota in the zone.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";
const NO_STOCK_MSG: &str = "The requested resource is sold out in the specified zone; try other types of resources or other regions and zones.";

async fn run(srv: &TestServer, params: &[(&str, &str)]) -> Resp {
    let mut all: Vec<(&str, &str)> = vec![
        ("ImageId", IMAGE),
        ("InstanceType", "ecs.g7.large"),
        ("ZoneId", "cn-hangzhou-h"),
    ];
    for (k, v) in params {
        all.retain(|(name, _)| name != k);
        all.push((k, v));
    }
    srv.call("RunInstances", &all).await
}

fn id_set(body: &Value) -> Vec<String> {
    body["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .unwrap_or_else(|| panic!("InstanceIdSets.InstanceIdSet is not an array: {body}"))
        .iter()
        .map(|v| v.as_str().expect("an id string").to_string())
        .collect()
}

fn assert_instance_id(id: &str) {
    assert_eq!(id.len(), 22, "{id}");
    assert!(id.starts_with("i-bp"), "{id}");
    assert!(
        id[2..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{id}"
    );
}

async fn total(srv: &TestServer) -> u64 {
    srv.call("DescribeInstances", &[]).await.ok()["TotalCount"]
        .as_u64()
        .expect("TotalCount")
}

#[tokio::test]
async fn run_three_instances() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let body = run(&srv, &[("Amount", "3"), ("InstanceName", "web-[1,3]")])
        .await
        .ok();
    let ids = id_set(&body);
    assert_eq!(ids.len(), 3, "{body}");
    for id in &ids {
        assert_instance_id(id);
    }
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "distinct ids");
    assert!(
        body.get("OrderId").is_none(),
        "OrderId only for PrePaid: {body}"
    );
    assert_eq!(body["TradePrice"], 1.56);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock - 3);
    assert_eq!(total(&srv).await, 20);

    let mut names = Vec::new();
    for id in &ids {
        let inst = srv.describe_one(id).await.expect("listed");
        assert_eq!(inst["Status"], "Pending");
        assert_eq!(inst["ZoneId"], "cn-hangzhou-h");
        assert_eq!(inst["InstanceType"], "ecs.g7.large");
        assert_eq!(inst["ImageId"], IMAGE);
        assert_eq!(inst["CreationTime"], "2026-06-01T00:00Z");
        assert_eq!(inst["InstanceChargeType"], "PostPaid");
        assert_eq!(inst["ExpiredTime"], "2099-12-31T15:59Z");
        names.push(inst["InstanceName"].as_str().expect("name").to_string());
    }
    names.sort();
    assert_eq!(names, ["web-001", "web-002", "web-003"]);

    srv.advance(STEP_MS);
    for id in &ids {
        srv.assert_status(id, "Starting").await;
    }
    srv.advance(STEP_MS);
    for id in &ids {
        srv.assert_status(id, "Running").await;
    }
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock - 3);
}

#[tokio::test]
async fn run_default_name_and_zone() {
    let srv = TestServer::start().await;
    let body = srv
        .call(
            "RunInstances",
            &[("ImageId", IMAGE), ("InstanceType", "ecs.g7.xlarge")],
        )
        .await
        .ok();
    let ids = id_set(&body);
    assert_eq!(ids.len(), 1, "Amount defaults to 1");
    let inst = srv.describe_one(&ids[0]).await.expect("listed");
    // Real instances: an unnamed Linux instance is named like its default host name,
    // `iZ` + the id without `i-` + `Z`.
    let default_host = format!("iZ{}Z", &ids[0][2..]);
    assert_eq!(inst["HostName"], default_host.as_str());
    assert_eq!(
        inst["InstanceName"],
        default_host.as_str(),
        "the name defaults to the host name"
    );
    assert_eq!(
        inst["ZoneId"], "cn-hangzhou-h",
        "the zone with stock is chosen"
    );
}

#[tokio::test]
async fn run_in_shanghai_uses_the_region_prefix() {
    let srv = TestServer::start().await;
    let body = srv
        .call(
            "RunInstances",
            &[
                ("RegionId", "cn-shanghai"),
                ("ImageId", IMAGE),
                ("InstanceType", "ecs.c7.large"),
            ],
        )
        .await
        .ok();
    let id = &id_set(&body)[0];
    assert!(id.starts_with("i-uf") && id.len() == 22, "{id}");
}

#[tokio::test]
async fn client_token_is_idempotent() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let params = [("Amount", "2"), ("ClientToken", "token-123")];
    let first = run(&srv, &params).await.ok();
    let again = run(&srv, &params).await.ok();
    assert_eq!(
        id_set(&first),
        id_set(&again),
        "a replay returns the same ids"
    );
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock - 2,
        "and creates nothing"
    );
    assert_eq!(total(&srv).await, 19);
    run(&srv, &[("Amount", "3"), ("ClientToken", "token-123")])
        .await
        .err(
            400,
            "IdempotentParameterMismatch",
            Some("The request is retried with updated parameters."),
        );
    // Another token is another request.
    let other = run(&srv, &[("Amount", "2"), ("ClientToken", "token-456")])
        .await
        .ok();
    assert_ne!(id_set(&other), id_set(&first));
    // The XML format of a replay does not change its identity.
    let xml = srv
        .rpc("RunInstances")
        .format(Some("XML"))
        .p("ImageId", IMAGE)
        .p("InstanceType", "ecs.g7.large")
        .p("ZoneId", "cn-hangzhou-h")
        .p("Amount", "2")
        .p("ClientToken", "token-123")
        .send()
        .await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    for id in id_set(&first) {
        assert!(
            xml.body
                .contains(&format!("<InstanceIdSet>{id}</InstanceIdSet>")),
            "{}",
            xml.body
        );
    }
}

#[tokio::test]
async fn run_errors() {
    let srv = TestServer::start().await;
    run(&srv, &[("InstanceType", "ecs.nope.large")]).await.err(
        400,
        "InvalidInstanceType.ValueNotSupported",
        None,
    );
    run(
        &srv,
        &[
            ("InstanceType", "ecs.g7.xlarge"),
            ("ZoneId", "cn-hangzhou-i"),
        ],
    )
    .await
    .err(403, "OperationDenied.NoStock", Some(NO_STOCK_MSG));
    // More than the stock of every zone (4 in h, 0 in i) without a ZoneId.
    srv.call(
        "RunInstances",
        &[
            ("ImageId", IMAGE),
            ("InstanceType", "ecs.d1ne.2xlarge"),
            ("Amount", "5"),
        ],
    )
    .await
    .err(403, "OperationDenied.NoStock", None);
    run(&srv, &[("InstanceType", "ecs.c7.large")]).await.err(
        403,
        "QuotaExceed.ElasticQuota",
        Some(TYPE_QUOTA_MSG),
    );
    run(&srv, &[("InstanceType", "ecs.g7.32xlarge")]).await.err(
        403,
        "QuotaExceed.ElasticQuota",
        Some(VCPU_QUOTA_MSG),
    );
    srv.call("RunInstances", &[("InstanceType", "ecs.g7.large")])
        .await
        .err(400, "MissingParameter", Some("The input parameter ImageId that is mandatory for processing this request is not supplied."));
    srv.call("RunInstances", &[("ImageId", IMAGE)])
        .await
        .err(400, "MissingParameter", Some("The input parameter InstanceType that is mandatory for processing this request is not supplied."));
    run(&srv, &[("ZoneId", "cn-hangzhou-z")])
        .await
        .err(404, "InvalidZoneId.NotFound", None);
    srv.call(
        "RunInstances",
        &[
            ("RegionId", "cn-shanghai"),
            ("ZoneId", "cn-shanghai-l"),
            ("ImageId", IMAGE),
            ("InstanceType", "ecs.g7.xlarge"),
        ],
    )
    .await
    .err(
        403,
        "InvalidInstanceType.ZoneNotSupported",
        Some("The specified zone does not support this instancetype."),
    );
    for amount in ["0", "101"] {
        run(&srv, &[("Amount", amount)])
            .await
            .err(403, "InvalidParam.Amount", None);
    }
    run(&srv, &[("InstanceName", "1-starts-with-a-digit")])
        .await
        .err(
            400,
            "InvalidInstanceName.Malformed",
            Some("The specified parameter \"InstanceName\" is not valid."),
        );
    run(&srv, &[("InstanceChargeType", "PrePaid")])
        .await
        .err(400, "InvalidPeriod", None);
    run(&srv, &[("InternetMaxBandwidthOut", "101")]).await.err(
        400,
        "InvalidParameter",
        Some("The specified parameter \"InternetMaxBandwidthOut\" is not valid."),
    );
    // Nothing was created by any of these.
    assert_eq!(total(&srv).await, 17);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.d1ne.2xlarge").await, 4);
}

#[tokio::test]
async fn run_dry_run_takes_nothing() {
    let srv = TestServer::start().await;
    let before = srv.state().await;
    run(&srv, &[("Amount", "2"), ("DryRun", "true")]).await.err(
        400,
        "DryRunOperation",
        Some("Request validation has been passed with DryRun flag set."),
    );
    assert_eq!(srv.state().await, before);
    // DryRun checks stock too.
    run(
        &srv,
        &[
            ("InstanceType", "ecs.g7.xlarge"),
            ("ZoneId", "cn-hangzhou-i"),
            ("DryRun", "true"),
        ],
    )
    .await
    .err(403, "OperationDenied.NoStock", None);
}

#[tokio::test]
async fn min_amount_creates_what_fits() {
    let srv = TestServer::start().await;
    let body = run(
        &srv,
        &[
            ("InstanceType", "ecs.d1ne.2xlarge"),
            ("Amount", "6"),
            ("MinAmount", "2"),
        ],
    )
    .await
    .ok();
    assert_eq!(id_set(&body).len(), 4, "the zone had 4: {body}");
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.d1ne.2xlarge").await, 0);
    run(
        &srv,
        &[
            ("InstanceType", "ecs.d1ne.2xlarge"),
            ("Amount", "2"),
            ("MinAmount", "1"),
        ],
    )
    .await
    .err(403, "OperationDenied.NoStock", None);
}

#[tokio::test]
async fn run_prepaid() {
    let srv = TestServer::start().await;
    let body = run(
        &srv,
        &[
            ("InstanceChargeType", "PrePaid"),
            ("Period", "1"),
            ("PeriodUnit", "Month"),
        ],
    )
    .await
    .ok();
    assert!(
        body["OrderId"].is_string(),
        "PrePaid answers an OrderId: {body}"
    );
    let inst = srv.describe_one(&id_set(&body)[0]).await.expect("listed");
    assert_eq!(inst["InstanceChargeType"], "PrePaid");
    assert_ne!(inst["ExpiredTime"], "2099-12-31T15:59Z");
}

#[tokio::test]
async fn create_instance_ends_stopped() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let resp = srv
        .call(
            "CreateInstance",
            &[
                ("ImageId", IMAGE),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", "cn-hangzhou-h"),
                ("InstanceName", "legacy"),
            ],
        )
        .await;
    let body = resp.ok();
    let id = body["InstanceId"].as_str().expect("InstanceId").to_string();
    assert_instance_id(&id);
    assert!(body.get("InstanceIdSets").is_none());
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock - 1);
    srv.assert_status(&id, "Pending").await;
    let pending = srv.describe_one(&id).await.expect("listed");
    assert_eq!(pending["StoppedMode"], "Not-applicable");
    srv.advance(STEP_MS);
    srv.assert_status(&id, "Stopped").await;
    srv.advance(10 * STEP_MS);
    let inst = srv.describe_one(&id).await.expect("listed");
    assert_eq!(
        (
            inst["Status"].as_str(),
            inst["InstanceName"].as_str(),
            inst["StoppedMode"].as_str()
        ),
        (Some("Stopped"), Some("legacy"), Some("KeepCharging"))
    );
    srv.call("StartInstance", &[("InstanceId", &id)]).await.ok();
    srv.advance(STEP_MS);
    srv.assert_status(&id, "Running").await;
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock - 1);
    srv.call("CreateInstance", &[("ImageId", IMAGE)])
        .await
        .err(400, "MissingInstanceType", None);
}

#[tokio::test]
async fn delete_stopped_instance() {
    let srv = TestServer::start().await;
    let id = "i-bp1stopped0000000001";
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    srv.call("DeleteInstance", &[("InstanceId", id)]).await.ok();
    assert_eq!(srv.describe_one(id).await, None, "released at once");
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock + 1,
        "stock back"
    );
    assert_eq!(total(&srv).await, 16);
    srv.call("DeleteInstance", &[("InstanceId", id)]).await.err(
        404,
        "InvalidInstanceId.NotFound",
        None,
    );
    srv.call("StartInstance", &[("InstanceId", id)]).await.err(
        404,
        "InvalidInstanceId.NotFound",
        None,
    );
}

#[tokio::test]
async fn delete_requires_stopped_without_force() {
    let srv = TestServer::start().await;
    srv.call("DeleteInstance", &[("InstanceId", "i-bp1running0000000001")]).await.err(
        403,
        "IncorrectInstanceStatus",
        Some("The specified instance is in an incorrect status for the requested action; Status of the specified instance is Running but the expected status is in (Stopped)."),
    );
    srv.call(
        "DeleteInstance",
        &[("InstanceId", "i-bp1stopping000000001")],
    )
    .await
    .err(403, "IncorrectInstanceStatus", None);
    srv.call(
        "DeleteInstance",
        &[("InstanceId", "i-bp1pending0000000001")],
    )
    .await
    .err(
        403,
        "IncorrectInstanceStatus.Initializing",
        Some("The specified instance status does not support this operation."),
    );
    srv.call(
        "DeleteInstance",
        &[("InstanceId", "i-bp1stopped0000000001"), ("DryRun", "true")],
    )
    .await
    .err(400, "DryRunOperation", None);
    srv.assert_status("i-bp1running0000000001", "Running").await;
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
}

#[tokio::test]
async fn force_delete_running_instance() {
    let srv = TestServer::start().await;
    let id = "i-bp1running0000000001";
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    srv.call("DeleteInstance", &[("InstanceId", id), ("Force", "true")])
        .await
        .ok();
    srv.assert_status(id, "Stopping").await;
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock,
        "held until released"
    );
    // Deleting an instance already being released succeeds again.
    srv.call("DeleteInstance", &[("InstanceId", id), ("Force", "true")])
        .await
        .ok();
    srv.advance(STEP_MS - 1);
    srv.assert_status(id, "Stopping").await;
    srv.advance(1);
    assert_eq!(
        srv.describe_one(id).await,
        None,
        "gone after the releasing delay"
    );
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock + 1,
        "stock back"
    );
    assert_eq!(total(&srv).await, 16);
    srv.call("DescribeInstanceAttribute", &[("InstanceId", id)])
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
}

#[tokio::test]
async fn force_delete_with_a_normal_stop_takes_longer() {
    let srv = TestServer::start().await;
    let id = "i-bp1running0000000001";
    srv.call(
        "DeleteInstance",
        &[
            ("InstanceId", id),
            ("Force", "true"),
            ("ForceStop", "false"),
        ],
    )
    .await
    .ok();
    srv.advance(STEP_MS);
    srv.assert_status(id, "Stopping").await;
    srv.advance(STEP_MS);
    assert_eq!(srv.describe_one(id).await, None);
}

#[tokio::test]
async fn delete_special_cases() {
    let srv = TestServer::start().await;
    // Subscription: refused until expired and TerminateSubscription.
    srv.call(
        "DeleteInstance",
        &[("InstanceId", "i-bp1prepaidexp0000001")],
    )
    .await
    .err(
        403,
        "ChargeTypeViolation",
        Some("The operation is not permitted due to charge type of the instance."),
    );
    srv.call(
        "DeleteInstance",
        &[
            ("InstanceId", "i-bp1prepaidexp0000001"),
            ("TerminateSubscription", "true"),
        ],
    )
    .await
    .ok();
    // A security lock does not block release (spec §4, current lock table).
    srv.call(
        "DeleteInstance",
        &[("InstanceId", "i-bp1seclock0000000001")],
    )
    .await
    .ok();
    // An economical-mode instance holds no stock: deleting it gives none back.
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    srv.call(
        "DeleteInstance",
        &[("InstanceId", "i-bp1econok00000000001")],
    )
    .await
    .ok();
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock);
    // Release protection.
    let body = run(&srv, &[("DeletionProtection", "true")]).await.ok();
    let id = id_set(&body)[0].clone();
    srv.advance(2 * STEP_MS);
    srv.call("DeleteInstance", &[("InstanceId", &id), ("Force", "true")])
        .await
        .err(
            403,
            "InvalidOperation.DeletionProtection",
            Some("The operation is not allowed due to deletion protection."),
        );
    srv.assert_status(&id, "Running").await;
}

#[tokio::test]
async fn delete_instances() {
    let srv = TestServer::start().await;
    let stock_h = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let stock_i = srv.stock("cn-hangzhou-i", "ecs.g7.large").await;
    // All or nothing: a Running one without Force refuses the whole request.
    srv.call(
        "DeleteInstances",
        &[
            ("InstanceId.1", "i-bp1stopped0000000001"),
            ("InstanceId.2", "i-bp1running0000000001"),
        ],
    )
    .await
    .err(403, "IncorrectInstanceStatus", None);
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
    srv.call(
        "DeleteInstances",
        &[
            ("InstanceId.1", "i-bp1stopped0000000001"),
            ("InstanceId.2", "i-bp1stopped2000000001"),
            ("DryRun", "true"),
        ],
    )
    .await
    .err(400, "DRYRUN.SUCCESS", None);
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
    let body = srv
        .call(
            "DeleteInstances",
            &[
                ("InstanceId.1", "i-bp1stopped0000000001"),
                ("InstanceId.2", "i-bp1stopped2000000001"),
            ],
        )
        .await
        .ok();
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "only RequestId: {body}"
    );
    assert_eq!(srv.describe_one("i-bp1stopped0000000001").await, None);
    assert_eq!(srv.describe_one("i-bp1stopped2000000001").await, None);
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock_h + 1
    );
    assert_eq!(
        srv.stock("cn-hangzhou-i", "ecs.g7.large").await,
        stock_i + 1
    );
    srv.call(
        "DeleteInstances",
        &[("InstanceId.1", "i-bp1nothere0000000001")],
    )
    .await
    .err(
        404,
        "InvalidInstanceIds.NotFound",
        Some("The specified InstanceIds does not exist."),
    );
    // Force releases running instances after the delay.
    srv.call(
        "DeleteInstances",
        &[
            ("InstanceId.1", "i-bp1running0000000001"),
            ("Force", "true"),
        ],
    )
    .await
    .ok();
    srv.advance(STEP_MS);
    assert_eq!(srv.describe_one("i-bp1running0000000001").await, None);
    assert_eq!(total(&srv).await, 14);
}

#[tokio::test]
async fn released_instance_gives_stock_back_after_a_listing() {
    // The same scenario as below with a DescribeInstances in between (which sweeps due
    // releases) works: the stock comes back.
    let mut fixture = ecs_mock::store::fixtures::default_fixture();
    fixture.regions[0].zones[0]
        .stock
        .insert("ecs.r7.large".to_string(), 1);
    let srv = TestServer::builder().fixture(fixture).start().await;
    let first = run(&srv, &[("InstanceType", "ecs.r7.large")]).await.ok();
    let id = id_set(&first)[0].clone();
    srv.advance(2 * STEP_MS);
    srv.call("DeleteInstance", &[("InstanceId", &id), ("Force", "true")])
        .await
        .ok();
    srv.advance(STEP_MS);
    assert_eq!(srv.describe_one(&id).await, None);
    run(&srv, &[("InstanceType", "ecs.r7.large")]).await.ok();
}

#[tokio::test]
async fn released_instance_gives_stock_back_without_a_describe() {
    // Transitions are lazy: once the releasing delay has passed the instance is gone,
    // so its stock must be free for the next RunInstances even if nothing listed the
    // instances in between.
    let mut fixture = ecs_mock::store::fixtures::default_fixture();
    fixture.regions[0].zones[0]
        .stock
        .insert("ecs.r7.large".to_string(), 1);
    let srv = TestServer::builder().fixture(fixture).start().await;
    let first = run(&srv, &[("InstanceType", "ecs.r7.large")]).await.ok();
    let id = id_set(&first)[0].clone();
    srv.advance(2 * STEP_MS);
    srv.call("DeleteInstance", &[("InstanceId", &id), ("Force", "true")])
        .await
        .ok();
    srv.advance(STEP_MS);
    run(&srv, &[("InstanceType", "ecs.r7.large")]).await.ok();
}

#[tokio::test]
async fn delete_instances_with_an_unknown_id_deletes_nothing() {
    let srv = TestServer::start().await;
    srv.call(
        "DeleteInstances",
        &[
            ("InstanceId.1", "i-bp1stopped0000000001"),
            ("InstanceId.2", "i-bp1nothere0000000001"),
        ],
    )
    .await
    .err(404, "InvalidInstanceId.NotFound", None);
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
}
