//! StartInstance: every outcome of the default fixtures (spec §5.1), through the real
//! server, with code, HTTP status, message and the exact golden body; DryRun; the
//! Starting → Running transition; economical mode; InitLocalDisk.

use crate::common::{assert_golden, TestServer, STEP_MS};

const RUNNING_MSG: &str = "The specified instance is in an incorrect status for the requested action; Status of the specified instance is Running but the expected status is in (Stopped).";
const STARTING_MSG: &str = "The specified instance is in an incorrect status for the requested action; Status of the specified instance is Starting but the expected status is in (Stopped).";
const STOPPING_MSG: &str = "The specified instance is in an incorrect status for the requested action; Status of the specified instance is Stopping but the expected status is in (Stopped).";
const NOT_FOUND_MSG: &str = "The specified InstanceId does not exist.";
const TYPE_QUOTA_MSG: &str = "The number of the specified ECS instances has exceeded the quota of the specified instance type.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";
const VCPU_QUOTA_MSG: &str = "The number of vCPUs assigned to the ECS instances has exceeded the quota in the zone.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";

/// One refused StartInstance: the instance (as the fixture state shows it) must not
/// change, the error must be exact, and the body must equal the golden file.
async fn refused(
    id: &str,
    key: &str,
    extra: &[(&str, &str)],
    status: u16,
    code: &str,
    message: Option<&str>,
    golden: &str,
) {
    let srv = TestServer::start().await;
    let before = srv.state_instance(id).await;
    let mut rpc = srv.rpc("StartInstance").key(key).p("InstanceId", id);
    for (k, v) in extra {
        rpc = rpc.p(k, v);
    }
    let resp = rpc.send().await;
    resp.err(status, code, message);
    assert_golden(golden, &resp);
    assert_eq!(
        srv.state_instance(id).await,
        before,
        "a refused StartInstance changed {id}"
    );
}

#[tokio::test]
async fn stopped_instance_starts_then_runs() {
    let srv = TestServer::start().await;
    let id = "i-bp1stopped0000000001";
    srv.assert_status(id, "Stopped").await;
    let resp = srv.call("StartInstance", &[("InstanceId", id)]).await;
    let body = resp.ok();
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "only RequestId: {body}"
    );
    assert_golden("start_success.json", &resp);

    let inst = srv.describe_one(id).await.expect("listed");
    assert_eq!(inst["Status"], "Starting");
    assert_eq!(
        inst["StartTime"], "2026-06-01T00:00Z",
        "StartTime is the start request time"
    );
    assert_eq!(inst["StoppedMode"], "Not-applicable");

    srv.advance(STEP_MS - 1);
    srv.assert_status(id, "Starting").await;
    srv.advance(1);
    srv.assert_status(id, "Running").await;
    let attr = srv
        .call("DescribeInstanceAttribute", &[("InstanceId", id)])
        .await
        .ok();
    assert_eq!(attr["Status"], "Running");
}

#[tokio::test]
async fn start_success_in_xml() {
    let srv = TestServer::start().await;
    let resp = srv
        .rpc("StartInstance")
        .format(Some("XML"))
        .p("InstanceId", "i-bp1stopped0000000001")
        .send()
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_golden("start_success.xml", &resp);
    srv.assert_status("i-bp1stopped0000000001", "Starting")
        .await;
}

#[tokio::test]
async fn second_zone_instance_starts() {
    let srv = TestServer::start().await;
    let id = "i-bp1stopped2000000001";
    srv.call("StartInstance", &[("InstanceId", id)]).await.ok();
    let inst = srv.describe_one(id).await.expect("listed");
    assert_eq!(
        (inst["Status"].as_str(), inst["ZoneId"].as_str()),
        (Some("Starting"), Some("cn-hangzhou-i"))
    );
    srv.advance(STEP_MS);
    srv.assert_status(id, "Running").await;
}

#[tokio::test]
async fn economical_mode_instance_takes_stock_and_quota() {
    let srv = TestServer::start().await;
    let id = "i-bp1econok00000000001";
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let before = srv.describe_one(id).await.expect("listed");
    assert_eq!(
        (before["Status"].as_str(), before["StoppedMode"].as_str()),
        (Some("Stopped"), Some("StopCharging"))
    );

    srv.call("StartInstance", &[("InstanceId", id)]).await.ok();
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock - 1,
        "a StopCharging start takes one unit of stock"
    );
    let after = srv.describe_one(id).await.expect("listed");
    assert_eq!(
        (after["Status"].as_str(), after["StoppedMode"].as_str()),
        (Some("Starting"), Some("Not-applicable"))
    );
    srv.advance(STEP_MS);
    srv.assert_status(id, "Running").await;
    assert_eq!(
        srv.stock("cn-hangzhou-h", "ecs.g7.large").await,
        stock - 1,
        "running holds its stock"
    );
}

#[tokio::test]
async fn economical_start_counts_against_vcpu_quota() {
    // 32 vCPUs are held in cn-hangzhou by account 1 and the quota is 150: the
    // ecs.g7.32xlarge (128 vCPUs) cannot start; after starting the 2-vCPU economical
    // instance it still cannot. Stopping running instances in economical mode frees
    // enough quota for it.
    let srv = TestServer::start().await;
    srv.call("StartInstance", &[("InstanceId", "i-bp1econok00000000001")])
        .await
        .ok();
    srv.call("StartInstance", &[("InstanceId", "i-bp1cpuquota000000001")])
        .await
        .err(403, "QuotaExceed.ElasticQuota", Some(VCPU_QUOTA_MSG));
    // Release 12 vCPUs: stop the started economical instance and the running one in
    // economical mode (2 + 2), and delete four stopped ones (4 × 2): 34 − 12 = 22 ≤ 150 − 128.
    srv.advance(STEP_MS);
    for id in ["i-bp1econok00000000001", "i-bp1running0000000001"] {
        srv.call(
            "StopInstance",
            &[("InstanceId", id), ("StoppedMode", "StopCharging")],
        )
        .await
        .ok();
    }
    for id in [
        "i-bp1stopped0000000001",
        "i-bp1stopped2000000001",
        "i-bp1diskerror00000001",
        "i-bp1diskarrears000001",
    ] {
        srv.call("DeleteInstance", &[("InstanceId", id)]).await.ok();
    }
    srv.call("StartInstance", &[("InstanceId", "i-bp1cpuquota000000001")])
        .await
        .ok();
    srv.assert_status("i-bp1cpuquota000000001", "Starting")
        .await;
}

#[tokio::test]
async fn init_local_disk_restores_failed_local_disk() {
    let srv = TestServer::start().await;
    let id = "i-bp1localdisk00000001";
    srv.call(
        "StartInstance",
        &[("InstanceId", id), ("InitLocalDisk", "true")],
    )
    .await
    .ok();
    srv.assert_status(id, "Starting").await;
    let inst = srv.state_instance(id).await.expect("in the state");
    let disks = inst["MockDisks"].as_array().expect("MockDisks");
    let failed = disks
        .iter()
        .find(|d| d["DiskId"] == "d-bp1localdisk000loc1")
        .expect("loc1");
    assert_eq!(failed["Status"], "In_use");
    assert_eq!(failed["MockDataLost"], true);
    let healthy = disks
        .iter()
        .find(|d| d["DiskId"] == "d-bp1localdisk000loc2")
        .expect("loc2");
    assert_eq!(healthy["Status"], "In_use");
    assert!(
        healthy.get("MockDataLost").is_none_or(|v| v == false),
        "a healthy disk keeps its data: {healthy}"
    );
    let system = disks
        .iter()
        .find(|d| d["Type"] == "system")
        .expect("system disk");
    assert!(
        system.get("MockDataLost").is_none_or(|v| v == false),
        "the system disk keeps its data"
    );
    srv.advance(STEP_MS);
    srv.assert_status(id, "Running").await;
}

#[tokio::test]
async fn init_local_disk_python_style_true() {
    // The current Python SDK sends booleans as `True`.
    let srv = TestServer::start().await;
    srv.call(
        "StartInstance",
        &[
            ("InstanceId", "i-bp1localdisk00000001"),
            ("InitLocalDisk", "True"),
        ],
    )
    .await
    .ok();
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let srv = TestServer::start().await;
    let id = "i-bp1econok00000000001";
    let before = srv.state().await;
    let resp = srv
        .call("StartInstance", &[("InstanceId", id), ("DryRun", "true")])
        .await;
    resp.err(
        400,
        "DryRunOperation",
        Some("Request validation has been passed with DryRun flag set."),
    );
    assert_golden("start_DryRunOperation.json", &resp);
    assert_eq!(srv.state().await, before, "DryRun changed the state");
    srv.assert_status(id, "Stopped").await;
}

#[tokio::test]
async fn dry_run_still_runs_the_checks() {
    let srv = TestServer::start().await;
    srv.call(
        "StartInstance",
        &[("InstanceId", "i-bp1running0000000001"), ("DryRun", "True")],
    )
    .await
    .err(403, "IncorrectInstanceStatus", Some(RUNNING_MSG));
    srv.call(
        "StartInstance",
        &[("InstanceId", "i-bp1nostock0000000001"), ("DryRun", "true")],
    )
    .await
    .err(403, "OperationDenied.NoStock", None);
    srv.call(
        "StartInstance",
        &[
            ("InstanceId", "i-bp1stopped0000000001"),
            ("DryRun", "false"),
        ],
    )
    .await
    .ok();
}

#[tokio::test]
async fn start_twice_is_incorrect_status() {
    let srv = TestServer::start().await;
    let id = "i-bp1stopped0000000001";
    srv.call("StartInstance", &[("InstanceId", id)]).await.ok();
    srv.call("StartInstance", &[("InstanceId", id)]).await.err(
        403,
        "IncorrectInstanceStatus",
        Some(STARTING_MSG),
    );
    srv.advance(STEP_MS);
    srv.call("StartInstance", &[("InstanceId", id)]).await.err(
        403,
        "IncorrectInstanceStatus",
        Some(RUNNING_MSG),
    );
}

#[tokio::test]
async fn running_is_incorrect_status() {
    refused(
        "i-bp1running0000000001",
        "test",
        &[],
        403,
        "IncorrectInstanceStatus",
        Some(RUNNING_MSG),
        "start_IncorrectInstanceStatus.json",
    )
    .await;
}

#[tokio::test]
async fn running_is_incorrect_status_in_xml() {
    let srv = TestServer::start().await;
    let resp = srv
        .rpc("StartInstance")
        .format(Some("xml"))
        .p("InstanceId", "i-bp1running0000000001")
        .send()
        .await;
    assert_eq!(resp.status, 403);
    assert_golden("start_IncorrectInstanceStatus.xml", &resp);
    assert_eq!(
        crate::common::xml_text(&resp.body, "Code").as_deref(),
        Some("IncorrectInstanceStatus")
    );
    assert_eq!(
        crate::common::xml_text(&resp.body, "Message").as_deref(),
        Some(RUNNING_MSG)
    );
}

#[tokio::test]
async fn stuck_starting_is_incorrect_status() {
    refused(
        "i-bp1starting000000001",
        "test",
        &[],
        403,
        "IncorrectInstanceStatus",
        Some(STARTING_MSG),
        "start_IncorrectInstanceStatus_starting.json",
    )
    .await;
}

#[tokio::test]
async fn stuck_stopping_is_incorrect_status() {
    refused(
        "i-bp1stopping000000001",
        "test",
        &[],
        403,
        "IncorrectInstanceStatus",
        Some(STOPPING_MSG),
        "start_IncorrectInstanceStatus_stopping.json",
    )
    .await;
}

#[tokio::test]
async fn stuck_instances_never_settle() {
    let srv = TestServer::start().await;
    srv.advance(24 * 3600 * 1000);
    srv.assert_status("i-bp1starting000000001", "Starting")
        .await;
    srv.assert_status("i-bp1stopping000000001", "Stopping")
        .await;
    srv.assert_status("i-bp1pending0000000001", "Pending").await;
}

#[tokio::test]
async fn pending_is_not_ready() {
    refused(
        "i-bp1pending0000000001",
        "test",
        &[],
        403,
        "InstanceNotReady",
        Some("The specified instance is not ready for use."),
        "start_InstanceNotReady.json",
    )
    .await;
}

#[tokio::test]
async fn security_lock() {
    refused(
        "i-bp1seclock0000000001",
        "test",
        &[],
        403,
        "InstanceLockedForSecurity",
        Some("The specified operation is denied as your instance is locked for security reasons."),
        "start_InstanceLockedForSecurity.json",
    )
    .await;
}

#[tokio::test]
async fn prepaid_expired() {
    refused(
        "i-bp1prepaidexp0000001",
        "test",
        &[],
        403,
        "InstanceExpired",
        Some("The prePaid instance has been expired."),
        "start_InstanceExpired_prepaid.json",
    )
    .await;
}

#[tokio::test]
async fn postpaid_financial_lock() {
    refused(
        "i-bp1financial00000001",
        "test",
        &[],
        403,
        "InstanceExpired",
        Some("The postPaid instance has been expired.Please ensure your account have enough balance."),
        "start_InstanceExpired_postpaid.json",
    )
    .await;
}

#[tokio::test]
async fn no_balance() {
    refused(
        "i-bp1broke000000000001",
        "broke",
        &[],
        403,
        "InsufficientBalance",
        Some("Your account does not have enough balance."),
        "start_InsufficientBalance.json",
    )
    .await;
}

#[tokio::test]
async fn disk_in_arrears() {
    refused(
        "i-bp1diskarrears000001",
        "test",
        &[],
        403,
        "DiskInArrears",
        Some("The specified operation is denied as your disk has expired."),
        "start_DiskInArrears.json",
    )
    .await;
}

#[tokio::test]
async fn disk_error() {
    refused(
        "i-bp1diskerror00000001",
        "test",
        &[],
        403,
        "DiskError",
        Some("IncorrectDiskStatus."),
        "start_DiskError.json",
    )
    .await;
}

#[tokio::test]
async fn failed_local_disk_without_init() {
    refused(
        "i-bp1localdisk00000001",
        "test",
        &[],
        403,
        "DiskError",
        Some("IncorrectDiskStatus."),
        "start_DiskError_localdisk.json",
    )
    .await;
    // InitLocalDisk=false is the default, explicitly.
    refused(
        "i-bp1localdisk00000001",
        "test",
        &[("InitLocalDisk", "false")],
        403,
        "DiskError",
        Some("IncorrectDiskStatus."),
        "start_DiskError_localdisk.json",
    )
    .await;
}

#[tokio::test]
async fn init_local_disk_does_not_fix_a_failed_system_disk() {
    refused(
        "i-bp1diskerror00000001",
        "test",
        &[("InitLocalDisk", "true")],
        403,
        "DiskError",
        Some("IncorrectDiskStatus."),
        "start_DiskError.json",
    )
    .await;
}

#[tokio::test]
async fn kms_unauthorized() {
    refused(
        "i-bp1kmsdisk0000000001",
        "nokms",
        &[],
        403,
        "InvalidParameter.KMSKeyId.KMSUnauthorized",
        None,
        "start_KMSUnauthorized.json",
    )
    .await;
}

#[tokio::test]
async fn economical_no_stock() {
    refused(
        "i-bp1nostock0000000001",
        "test",
        &[],
        403,
        "OperationDenied.NoStock",
        Some("The requested resource is sold out in the specified zone; try other types of resources or other regions and zones."),
        "start_NoStock.json",
    )
    .await;
}

#[tokio::test]
async fn economical_type_quota() {
    refused(
        "i-bp1typequota00000001",
        "test",
        &[],
        403,
        "QuotaExceed.ElasticQuota",
        Some(TYPE_QUOTA_MSG),
        "start_QuotaExceed_type.json",
    )
    .await;
}

#[tokio::test]
async fn economical_vcpu_quota() {
    refused(
        "i-bp1cpuquota000000001",
        "test",
        &[],
        403,
        "QuotaExceed.ElasticQuota",
        Some(VCPU_QUOTA_MSG),
        "start_QuotaExceed_vcpu.json",
    )
    .await;
}

#[tokio::test]
async fn spot_price_below_market() {
    refused(
        "i-bp1spotprice00000001",
        "test",
        &[],
        403,
        "OperationDenied.SpotPriceLowerThanPublicPrice",
        Some("The spot instance price is lower than public price."),
        "start_SpotPrice.json",
    )
    .await;
}

#[tokio::test]
async fn other_account_is_not_found() {
    refused(
        "i-bp1otheracct00000001",
        "test",
        &[],
        404,
        "InvalidInstanceId.NotFound",
        Some(NOT_FOUND_MSG),
        "start_NotFound_other_account.json",
    )
    .await;
}

#[tokio::test]
async fn owner_account_can_start_its_instance() {
    // The same instance is found (and startable) with the owner's key... except that
    // the owner (account 2, key `broke`) has no balance.
    let srv = TestServer::start().await;
    srv.rpc("StartInstance")
        .key("broke")
        .p("InstanceId", "i-bp1otheracct00000001")
        .send()
        .await
        .err(403, "InsufficientBalance", None);
}

#[tokio::test]
async fn other_region_is_not_found() {
    refused(
        "i-uf6shanghai000000001",
        "test",
        &[("RegionId", "cn-hangzhou")],
        404,
        "InvalidInstanceId.NotFound",
        Some(NOT_FOUND_MSG),
        "start_NotFound_other_region.json",
    )
    .await;
}

#[tokio::test]
async fn own_region_or_no_region_finds_the_instance() {
    let srv = TestServer::start().await;
    srv.call(
        "StartInstance",
        &[
            ("InstanceId", "i-uf6shanghai000000001"),
            ("RegionId", "cn-shanghai"),
        ],
    )
    .await
    .ok();
    // The current SDKs send no RegionId to StartInstance (spec §1.4).
    srv.rpc("StartInstance")
        .region(None)
        .p("InstanceId", "i-bp1stopped0000000001")
        .send()
        .await
        .ok();
}

#[tokio::test]
async fn unknown_instance_is_not_found() {
    refused(
        "i-bp1doesnotexist00001",
        "test",
        &[],
        404,
        "InvalidInstanceId.NotFound",
        Some(NOT_FOUND_MSG),
        "start_NotFound_unknown.json",
    )
    .await;
}
