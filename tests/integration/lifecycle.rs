//! StopInstance, RebootInstance and the batch actions StartInstances, StopInstances and
//! RebootInstances (spec §3, §5.2–5.6), stepped with the frozen clock.

use serde_json::Value;

use crate::common::{TestServer, STEP_MS};

const RUNNING: &str = "i-bp1running0000000001";
const STOPPED: &str = "i-bp1stopped0000000001";
const STOPPED2: &str = "i-bp1stopped2000000001";
const ECON: &str = "i-bp1econok00000000001";

fn responses(body: &Value) -> Vec<Value> {
    body["InstanceResponses"]["InstanceResponse"]
        .as_array()
        .unwrap_or_else(|| panic!("InstanceResponses.InstanceResponse is not an array: {body}"))
        .clone()
}

fn response_of<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|r| r["InstanceId"] == id)
        .unwrap_or_else(|| panic!("no InstanceResponse for {id}: {list:?}"))
}

fn assert_response(r: &Value, code: &str, previous: &str, current: &str) {
    assert_eq!(r["Code"], code, "{r}");
    assert!(r["Code"].is_string(), "Code is a string: {r}");
    assert_eq!(
        (r["PreviousStatus"].as_str(), r["CurrentStatus"].as_str()),
        (Some(previous), Some(current)),
        "{r}"
    );
    if code == "200" {
        assert_eq!(r["Message"], "success", "{r}");
    } else {
        assert!(r["Message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
    }
}

fn ids_params<'a>(ids: &[&'a str]) -> Vec<(String, &'a str)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("InstanceId.{}", i + 1), *id))
        .collect()
}

async fn batch(
    srv: &TestServer,
    action: &str,
    ids: &[&str],
    extra: &[(&str, &str)],
) -> crate::common::Resp {
    let mut rpc = srv.rpc(action);
    for (k, v) in ids_params(ids) {
        rpc = rpc.p(&k, v);
    }
    for (k, v) in extra {
        rpc = rpc.p(k, v);
    }
    rpc.send().await
}

#[tokio::test]
async fn stop_running_then_stopped() {
    let srv = TestServer::start().await;
    srv.call("StopInstance", &[("InstanceId", RUNNING)])
        .await
        .ok();
    let inst = srv.describe_one(RUNNING).await.expect("listed");
    assert_eq!(inst["Status"], "Stopping");
    srv.advance(STEP_MS - 1);
    srv.assert_status(RUNNING, "Stopping").await;
    srv.advance(1);
    let inst = srv.describe_one(RUNNING).await.expect("listed");
    assert_eq!(
        (inst["Status"].as_str(), inst["StoppedMode"].as_str()),
        (Some("Stopped"), Some("KeepCharging"))
    );
    // And it starts again.
    srv.call("StartInstance", &[("InstanceId", RUNNING)])
        .await
        .ok();
    srv.advance(STEP_MS);
    srv.assert_status(RUNNING, "Running").await;
}

#[tokio::test]
async fn force_stop() {
    let srv = TestServer::start().await;
    srv.call(
        "StopInstance",
        &[("InstanceId", RUNNING), ("ForceStop", "true")],
    )
    .await
    .ok();
    srv.assert_status(RUNNING, "Stopping").await;
    srv.advance(STEP_MS);
    srv.assert_status(RUNNING, "Stopped").await;
}

#[tokio::test]
async fn stop_charging_releases_stock_at_once() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    srv.call(
        "StopInstance",
        &[("InstanceId", RUNNING), ("StoppedMode", "StopCharging")],
    )
    .await
    .ok();
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock + 1,
        "economical stop gives the stock back"
    );
    srv.advance(STEP_MS);
    let inst = srv.describe_one(RUNNING).await.expect("listed");
    assert_eq!(
        (inst["Status"].as_str(), inst["StoppedMode"].as_str()),
        (Some("Stopped"), Some("StopCharging"))
    );
    // Starting it again takes the stock back.
    srv.call("StartInstance", &[("InstanceId", RUNNING)])
        .await
        .ok();
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock);
}

#[tokio::test]
async fn keep_charging_keeps_stock() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    srv.call(
        "StopInstance",
        &[("InstanceId", RUNNING), ("StoppedMode", "KeepCharging")],
    )
    .await
    .ok();
    srv.advance(STEP_MS);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock);
    let inst = srv.describe_one(RUNNING).await.expect("listed");
    assert_eq!(inst["StoppedMode"], "KeepCharging");
}

#[tokio::test]
async fn invalid_stopped_mode() {
    let srv = TestServer::start().await;
    srv.call(
        "StopInstance",
        &[("InstanceId", RUNNING), ("StoppedMode", "Sleep")],
    )
    .await
    .err(
        400,
        "InvalidParameter",
        Some("The specified parameter \"StoppedMode\" is not valid."),
    );
    srv.assert_status(RUNNING, "Running").await;
}

#[tokio::test]
async fn stop_starting_is_incorrect_status() {
    let srv = TestServer::start().await;
    srv.call("StartInstance", &[("InstanceId", STOPPED)])
        .await
        .ok();
    srv.call("StopInstance", &[("InstanceId", STOPPED)]).await.err(
        403,
        "IncorrectInstanceStatus",
        Some("The specified instance is in an incorrect status for the requested action; Status of the specified instance is Starting but the expected status is in (Running)."),
    );
    srv.call("StopInstance", &[("InstanceId", "i-bp1stopped2000000001")]).await.err(
        403,
        "IncorrectInstanceStatus",
        Some("The specified instance is in an incorrect status for the requested action; Status of the specified instance is Stopped but the expected status is in (Running)."),
    );
    srv.assert_status(STOPPED, "Starting").await;
}

#[tokio::test]
async fn stop_dry_run_and_not_found() {
    let srv = TestServer::start().await;
    srv.call(
        "StopInstance",
        &[("InstanceId", RUNNING), ("DryRun", "true")],
    )
    .await
    .err(
        400,
        "DryRunOperation",
        Some("Request validation has been passed with DryRun flag set."),
    );
    srv.assert_status(RUNNING, "Running").await;
    srv.call("StopInstance", &[("InstanceId", "i-bp1otheracct00000001")])
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
}

#[tokio::test]
async fn reboot_passes_through_stopping_and_starting() {
    let srv = TestServer::start().await;
    srv.call("RebootInstance", &[("InstanceId", RUNNING)])
        .await
        .ok();
    srv.assert_status(RUNNING, "Stopping").await;
    srv.advance(STEP_MS);
    srv.assert_status(RUNNING, "Starting").await;
    srv.advance(STEP_MS);
    let inst = srv.describe_one(RUNNING).await.expect("listed");
    assert_eq!(inst["Status"], "Running");
    assert_eq!(inst["StartTime"], "2026-06-01T00:00Z");
}

#[tokio::test]
async fn reboot_rules() {
    let srv = TestServer::start().await;
    srv.call("RebootInstance", &[("InstanceId", STOPPED)]).await.err(
        403,
        "IncorrectInstanceStatus",
        Some("The specified instance is in an incorrect status for the requested action; Status of the specified instance is Stopped but the expected status is in (Running)."),
    );
    srv.call(
        "RebootInstance",
        &[("InstanceId", RUNNING), ("DryRun", "true")],
    )
    .await
    .err(400, "DryRunOperation", None);
    srv.assert_status(RUNNING, "Running").await;
    srv.call(
        "RebootInstance",
        &[("InstanceId", RUNNING), ("ForceStop", "true")],
    )
    .await
    .ok();
    srv.advance(2 * STEP_MS);
    srv.assert_status(RUNNING, "Running").await;
}

#[tokio::test]
async fn start_instances_all_together_one_bad_changes_nothing() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let before = srv.state().await;
    let resp = batch(
        &srv,
        "StartInstances",
        &[STOPPED, ECON, RUNNING, STOPPED2],
        &[],
    )
    .await;
    resp.err(
        403,
        "IncorrectInstanceStatus",
        Some("The specified instance is in an incorrect status for the requested action; Status of the specified instance is Running but the expected status is in (Stopped)."),
    );
    assert_eq!(
        srv.state().await,
        before,
        "an AllTogether failure changes nothing"
    );
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock);
    for id in [STOPPED, ECON, STOPPED2] {
        srv.assert_status(id, "Stopped").await;
    }
    let econ = srv.describe_one(ECON).await.expect("listed");
    assert_eq!(econ["StoppedMode"], "StopCharging");

    // Explicit AllTogether, an unknown id.
    batch(
        &srv,
        "StartInstances",
        &[STOPPED, "i-bp1doesnotexist00001"],
        &[("BatchOptimization", "AllTogether")],
    )
    .await
    .err(404, "InvalidInstanceId.NotFound", None);
    srv.assert_status(STOPPED, "Stopped").await;
}

#[tokio::test]
async fn start_instances_all_together_success() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let body = batch(&srv, "StartInstances", &[STOPPED, ECON], &[])
        .await
        .ok();
    let list = responses(&body);
    assert_eq!(list.len(), 2);
    for id in [STOPPED, ECON] {
        assert_response(response_of(&list, id), "200", "Stopped", "Starting");
    }
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock - 1,
        "the economical one took stock"
    );
    srv.advance(STEP_MS);
    for id in [STOPPED, ECON] {
        srv.assert_status(id, "Running").await;
    }
}

#[tokio::test]
async fn start_instances_success_first() {
    let srv = TestServer::start().await;
    let body = batch(
        &srv,
        "StartInstances",
        &[STOPPED, RUNNING, "i-bp1nostock0000000001", STOPPED2],
        &[("BatchOptimization", "SuccessFirst")],
    )
    .await
    .ok();
    let list = responses(&body);
    let order: Vec<&str> = list
        .iter()
        .map(|r| r["InstanceId"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        order,
        [STOPPED, RUNNING, "i-bp1nostock0000000001", STOPPED2],
        "request order"
    );
    assert_response(response_of(&list, STOPPED), "200", "Stopped", "Starting");
    assert_response(
        response_of(&list, RUNNING),
        "IncorrectInstanceStatus",
        "Running",
        "Running",
    );
    assert_response(
        response_of(&list, "i-bp1nostock0000000001"),
        "OperationDenied.NoStock",
        "Stopped",
        "Stopped",
    );
    assert_response(response_of(&list, STOPPED2), "200", "Stopped", "Starting");
    srv.assert_status(STOPPED, "Starting").await;
    srv.assert_status(STOPPED2, "Starting").await;
    srv.assert_status("i-bp1nostock0000000001", "Stopped").await;
}

#[tokio::test]
async fn batch_dry_run() {
    let srv = TestServer::start().await;
    let before = srv.state().await;
    for mode in ["AllTogether", "SuccessFirst"] {
        batch(
            &srv,
            "StartInstances",
            &[STOPPED, ECON],
            &[("DryRun", "true"), ("BatchOptimization", mode)],
        )
        .await
        .err(
            400,
            "DRYRUN.SUCCESS",
            Some("This request is a dryrun request with successful result."),
        );
    }
    // SuccessFirst + DryRun answers DRYRUN.SUCCESS even when an instance would fail.
    batch(
        &srv,
        "StartInstances",
        &[RUNNING],
        &[("DryRun", "true"), ("BatchOptimization", "SuccessFirst")],
    )
    .await
    .err(400, "DRYRUN.SUCCESS", None);
    // AllTogether + DryRun reports the failure.
    batch(
        &srv,
        "StartInstances",
        &[STOPPED, RUNNING],
        &[("DryRun", "true")],
    )
    .await
    .err(403, "IncorrectInstanceStatus", None);
    batch(&srv, "StopInstances", &[RUNNING], &[("DryRun", "true")])
        .await
        .err(400, "DRYRUN.SUCCESS", None);
    batch(&srv, "RebootInstances", &[RUNNING], &[("DryRun", "true")])
        .await
        .err(400, "DRYRUN.SUCCESS", None);
    assert_eq!(srv.state().await, before, "DryRun changed the state");
}

#[tokio::test]
async fn too_many_instance_ids() {
    let srv = TestServer::start().await;
    let ids: Vec<String> = (0..101).map(|n| format!("i-bp1fake{n:014}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    for action in [
        "StartInstances",
        "StopInstances",
        "RebootInstances",
        "DeleteInstances",
    ] {
        batch(&srv, action, &refs, &[]).await.err(
            403,
            "InvalidParameter.TooManyInstanceIds",
            Some("Instance ids cannot be more than 100."),
        );
    }
    // Exactly 100 is allowed (and then fails on the unknown ids, not on the count).
    batch(&srv, "StartInstances", &refs[..100], &[]).await.err(
        404,
        "InvalidInstanceId.NotFound",
        None,
    );
}

#[tokio::test]
async fn batch_without_ids() {
    let srv = TestServer::start().await;
    batch(&srv, "StartInstances", &[], &[]).await.err(
        403,
        "InvalidInstanceId.NotFound",
        Some("InstanceId should not be null."),
    );
}

#[tokio::test]
async fn batch_invalid_optimization() {
    let srv = TestServer::start().await;
    batch(
        &srv,
        "StartInstances",
        &[STOPPED],
        &[("BatchOptimization", "Sometimes")],
    )
    .await
    .err(400, "InvalidParameter", None);
}

#[tokio::test]
async fn stop_instances_modes() {
    let srv = TestServer::start().await;
    // AllTogether: one Stopped instance refuses the whole batch.
    batch(&srv, "StopInstances", &[RUNNING, STOPPED], &[])
        .await
        .err(403, "IncorrectInstanceStatus", None);
    srv.assert_status(RUNNING, "Running").await;

    // SuccessFirst with economical mode.
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let body = batch(
        &srv,
        "StopInstances",
        &[RUNNING, STOPPED],
        &[
            ("BatchOptimization", "SuccessFirst"),
            ("StoppedMode", "StopCharging"),
        ],
    )
    .await
    .ok();
    let list = responses(&body);
    assert_response(response_of(&list, RUNNING), "200", "Running", "Stopping");
    assert_response(
        response_of(&list, STOPPED),
        "IncorrectInstanceStatus",
        "Stopped",
        "Stopped",
    );
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock + 1);
    srv.advance(STEP_MS);
    let inst = srv.describe_one(RUNNING).await.expect("listed");
    assert_eq!(
        (inst["Status"].as_str(), inst["StoppedMode"].as_str()),
        (Some("Stopped"), Some("StopCharging"))
    );
}

#[tokio::test]
async fn stop_instances_all_together_rollback_restores_stock() {
    let srv = TestServer::start().await;
    // Start two instances, let them run, then try to stop both in economical mode
    // together with a stopped one: nothing may change, stock included.
    batch(&srv, "StartInstances", &[STOPPED, STOPPED2], &[])
        .await
        .ok();
    srv.advance(STEP_MS);
    // `/_mock/state` dumps stored statuses without applying transitions that are due;
    // reading every instance through DescribeInstances settles them first.
    srv.call("DescribeInstances", &[("PageSize", "100")])
        .await
        .ok();
    srv.assert_status(STOPPED2, "Running").await;
    let before = srv.state().await;
    batch(
        &srv,
        "StopInstances",
        &[STOPPED, RUNNING, ECON],
        &[("StoppedMode", "StopCharging")],
    )
    .await
    .err(403, "IncorrectInstanceStatus", None);
    assert_eq!(srv.state().await, before);
}

#[tokio::test]
async fn reboot_instances_modes() {
    let srv = TestServer::start().await;
    batch(&srv, "StartInstances", &[STOPPED], &[]).await.ok();
    srv.advance(STEP_MS);
    let body = batch(&srv, "RebootInstances", &[RUNNING, STOPPED], &[])
        .await
        .ok();
    let list = responses(&body);
    for id in [RUNNING, STOPPED] {
        assert_response(response_of(&list, id), "200", "Running", "Stopping");
    }
    srv.advance(STEP_MS);
    srv.assert_status(RUNNING, "Starting").await;
    srv.advance(STEP_MS);
    srv.assert_status(RUNNING, "Running").await;
    srv.assert_status(STOPPED, "Running").await;

    // AllTogether with a stopped one: nothing reboots.
    batch(&srv, "RebootInstances", &[RUNNING, STOPPED2], &[])
        .await
        .err(403, "IncorrectInstanceStatus", None);
    srv.assert_status(RUNNING, "Running").await;

    let body = batch(
        &srv,
        "RebootInstances",
        &[RUNNING, STOPPED2, "i-bp1seclock0000000001"],
        &[
            ("BatchOptimization", "SuccessFirst"),
            ("ForceReboot", "true"),
        ],
    )
    .await
    .ok();
    let list = responses(&body);
    assert_response(response_of(&list, RUNNING), "200", "Running", "Stopping");
    assert_response(
        response_of(&list, STOPPED2),
        "IncorrectInstanceStatus",
        "Stopped",
        "Stopped",
    );
    assert_response(
        response_of(&list, "i-bp1seclock0000000001"),
        "InstanceLockedForSecurity",
        "Stopped",
        "Stopped",
    );
}

#[tokio::test]
async fn batch_duplicate_ids_count_once() {
    let srv = TestServer::start().await;
    let body = batch(&srv, "StartInstances", &[STOPPED, STOPPED], &[])
        .await
        .ok();
    assert_eq!(responses(&body).len(), 1, "{body}");
    srv.assert_status(STOPPED, "Starting").await;
}

#[tokio::test]
async fn stop_charging_is_ignored_where_unsupported() {
    // Local-disk types cannot use economical mode: the stop succeeds, StoppedMode is
    // Not-applicable and the stock stays taken (spec §5.3).
    let srv = TestServer::start().await;
    let id = "i-bp1localdisk00000001";
    srv.call(
        "StartInstance",
        &[("InstanceId", id), ("InitLocalDisk", "true")],
    )
    .await
    .ok();
    srv.advance(STEP_MS);
    let stock = srv.stock("cn-hangzhou-h", "ecs.d1ne.2xlarge").await;
    srv.call(
        "StopInstance",
        &[("InstanceId", id), ("StoppedMode", "StopCharging")],
    )
    .await
    .ok();
    srv.advance(STEP_MS);
    let inst = srv.describe_one(id).await.expect("listed");
    assert_eq!(
        (inst["Status"].as_str(), inst["StoppedMode"].as_str()),
        (Some("Stopped"), Some("Not-applicable"))
    );
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.d1ne.2xlarge").await, stock);
}

#[tokio::test]
async fn all_together_stock_is_cumulative() {
    // Two economical-mode instances, one unit of stock: AllTogether refuses and changes
    // nothing; SuccessFirst starts the first and refuses the second.
    let mut fixture = ecs_mock::store::fixtures::default_fixture();
    let template = fixture
        .instances
        .iter()
        .find(|i| i.instance_id == ECON)
        .map(|i| (**i).clone())
        .expect("econ instance");
    for n in 1..=2 {
        let mut inst = template.clone();
        inst.instance_id = ecs_mock::ecs::sym::Sym::unshared(&format!("i-bp1econpair00000000{n}"));
        inst.instance_type = "ecs.r7.large".into();
        fixture.instances.push(inst.into());
    }
    fixture.regions[0].zones[0]
        .stock
        .insert("ecs.r7.large".to_string(), 1);
    let srv = TestServer::builder().fixture(fixture).start().await;
    let (a, b) = ("i-bp1econpair000000001", "i-bp1econpair000000002");
    let before = srv.state().await;
    batch(&srv, "StartInstances", &[a, b], &[])
        .await
        .err(403, "OperationDenied.NoStock", None);
    batch(&srv, "StartInstances", &[a, b], &[("DryRun", "true")])
        .await
        .err(403, "OperationDenied.NoStock", None);
    assert_eq!(srv.state().await, before);
    let body = batch(
        &srv,
        "StartInstances",
        &[a, b],
        &[("BatchOptimization", "SuccessFirst")],
    )
    .await
    .ok();
    let list = responses(&body);
    assert_response(response_of(&list, a), "200", "Stopped", "Starting");
    assert_response(
        response_of(&list, b),
        "OperationDenied.NoStock",
        "Stopped",
        "Stopped",
    );
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.r7.large").await, 0);
}
