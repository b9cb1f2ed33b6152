//! Rule tests for the lifecycle actions, in-process with a controlled clock (no sleeping).

use crate::ecs::testkit::Kit;

const STOPPED: &str = "i-bp1stopped0000000001";
const RUNNING: &str = "i-bp1running0000000001";

fn start(kit: &mut Kit, id: &str) -> String {
    kit.code("StartInstance", &[("InstanceId", id)])
}

#[test]
fn every_start_outcome_comes_from_state() {
    let mut k = Kit::new();
    let table = [
        ("i-bp1running0000000001", "IncorrectInstanceStatus"),
        ("i-bp1starting000000001", "IncorrectInstanceStatus"),
        ("i-bp1stopping000000001", "IncorrectInstanceStatus"),
        ("i-bp1pending0000000001", "InstanceNotReady"),
        ("i-bp1seclock0000000001", "InstanceLockedForSecurity"),
        ("i-bp1prepaidexp0000001", "InstanceExpired"),
        ("i-bp1financial00000001", "InstanceExpired"),
        ("i-bp1diskarrears000001", "DiskInArrears"),
        ("i-bp1diskerror00000001", "DiskError"),
        ("i-bp1localdisk00000001", "DiskError"),
        ("i-bp1nostock0000000001", "OperationDenied.NoStock"),
        ("i-bp1typequota00000001", "QuotaExceed.ElasticQuota"),
        ("i-bp1cpuquota000000001", "QuotaExceed.ElasticQuota"),
        (
            "i-bp1spotprice00000001",
            "OperationDenied.SpotPriceLowerThanPublicPrice",
        ),
        ("i-bp1otheracct00000001", "InvalidInstanceId.NotFound"),
        ("i-bp1doesnotexist00001", "InvalidInstanceId.NotFound"),
        ("i-bp1stopped0000000001", "200"),
        ("i-bp1econok00000000001", "200"),
    ];
    for (id, want) in table {
        assert_eq!(start(&mut k, id), want, "{id}");
    }
    let broke = k.call_as(
        "1000000000000002",
        "StartInstance",
        &[("InstanceId", "i-bp1broke000000000001")],
    );
    assert_eq!(broke.unwrap_err().code, "InsufficientBalance");
    let kms = k.call_as(
        "1000000000000003",
        "StartInstance",
        &[("InstanceId", "i-bp1kmsdisk0000000001")],
    );
    assert_eq!(
        kms.unwrap_err().code,
        "InvalidParameter.KMSKeyId.KMSUnauthorized"
    );
}

#[test]
fn messages_distinguish_expiry_kinds_and_quota_limits() {
    let mut k = Kit::new();
    let msg = |k: &mut Kit, id: &str| {
        k.call("StartInstance", &[("InstanceId", id)])
            .unwrap_err()
            .message
            .into_owned()
    };
    assert_eq!(
        msg(&mut k, "i-bp1prepaidexp0000001"),
        "The prePaid instance has been expired."
    );
    assert_eq!(
        msg(&mut k, "i-bp1financial00000001"),
        "The postPaid instance has been expired.Please ensure your account have enough balance."
    );
    assert!(msg(&mut k, "i-bp1typequota00000001").contains("quota of the specified instance type"));
    assert!(msg(&mut k, "i-bp1cpuquota000000001").contains("number of vCPUs"));
    assert_eq!(
        msg(&mut k, RUNNING),
        "The specified instance is in an incorrect status for the requested action; Status of the specified instance is Running but the expected status is in (Stopped)."
    );
}

#[test]
fn start_goes_starting_then_running_on_the_clock() {
    let mut k = Kit::new();
    assert_eq!(start(&mut k, STOPPED), "200");
    assert_eq!(k.status(STOPPED), "Starting");
    assert_eq!(start(&mut k, STOPPED), "IncorrectInstanceStatus");
    k.advance(999);
    assert_eq!(k.status(STOPPED), "Starting");
    k.advance(1);
    assert_eq!(k.status(STOPPED), "Running");
    let inst = k.instance(STOPPED).unwrap();
    assert_eq!(inst.start_time.unwrap().0, k.now() - 1000);
    assert_eq!(inst.stopped_mode.as_str(), "Not-applicable");
}

#[test]
fn dry_run_checks_everything_and_changes_nothing() {
    let mut k = Kit::new();
    assert_eq!(
        k.code(
            "StartInstance",
            &[("InstanceId", STOPPED), ("DryRun", "True")]
        ),
        "DryRunOperation"
    );
    assert_eq!(k.status(STOPPED), "Stopped");
    assert_eq!(
        k.code(
            "StartInstance",
            &[("InstanceId", RUNNING), ("DryRun", "true")]
        ),
        "IncorrectInstanceStatus"
    );
    assert_eq!(
        k.code(
            "StartInstance",
            &[("InstanceId", "i-bp1nostock0000000001"), ("DryRun", "true")]
        ),
        "OperationDenied.NoStock"
    );
}

#[test]
fn economical_start_takes_stock_and_quota() {
    let mut k = Kit::new();
    let before = k.stock("cn-hangzhou-h", "ecs.g7.large");
    let usage = k.usage("1000000000000001", "cn-hangzhou").vcpus;
    assert_eq!(start(&mut k, "i-bp1econok00000000001"), "200");
    assert_eq!(k.stock("cn-hangzhou-h", "ecs.g7.large"), before - 1);
    assert_eq!(k.usage("1000000000000001", "cn-hangzhou").vcpus, usage + 2);
    // A KeepCharging instance already holds its resources.
    assert_eq!(start(&mut k, STOPPED), "200");
    assert_eq!(k.stock("cn-hangzhou-h", "ecs.g7.large"), before - 1);
}

#[test]
fn init_local_disk_restores_and_loses_data() {
    let mut k = Kit::new();
    let id = "i-bp1localdisk00000001";
    assert_eq!(
        k.code(
            "StartInstance",
            &[("InstanceId", id), ("InitLocalDisk", "true")]
        ),
        "200"
    );
    let inst = k.instance(id).unwrap();
    let failed = inst
        .mock_disks
        .iter()
        .find(|d| d.disk_id == "d-bp1localdisk000loc1")
        .unwrap();
    assert_eq!(failed.status, "In_use");
    assert!(failed.mock_data_lost);
    let healthy = inst
        .mock_disks
        .iter()
        .find(|d| d.disk_id == "d-bp1localdisk000loc2")
        .unwrap();
    assert!(!healthy.mock_data_lost);
}

#[test]
fn prepaid_expiry_follows_the_clock() {
    let mut k = Kit::new();
    let id = STOPPED;
    let expiry = k.now() + 60_000;
    k.edit_instance(id, |inst| {
        inst.instance_charge_type = crate::ecs::model::ChargeType::PrePaid;
        inst.expired_time = Some(crate::ecs::model::EcsTime(expiry));
    });
    assert_eq!(
        k.code("StartInstance", &[("InstanceId", id), ("DryRun", "true")]),
        "DryRunOperation"
    );
    k.advance(60_000);
    assert_eq!(start(&mut k, id), "InstanceExpired");
}

#[test]
fn region_mismatch_is_not_found() {
    let mut k = Kit::new();
    assert_eq!(
        start(&mut k, "i-uf6shanghai000000001"),
        "InvalidInstanceId.NotFound"
    );
    assert_eq!(
        k.code(
            "StartInstance",
            &[
                ("InstanceId", "i-uf6shanghai000000001"),
                ("RegionId", "cn-shanghai")
            ]
        ),
        "200"
    );
}

#[test]
fn stop_then_start_and_stop_on_starting_is_refused() {
    let mut k = Kit::new();
    assert_eq!(k.code("StopInstance", &[("InstanceId", RUNNING)]), "200");
    assert_eq!(k.status(RUNNING), "Stopping");
    k.advance(1000);
    assert_eq!(k.status(RUNNING), "Stopped");
    assert_eq!(start(&mut k, RUNNING), "200");
    let e = k
        .call("StopInstance", &[("InstanceId", RUNNING)])
        .unwrap_err();
    assert_eq!(e.code, "IncorrectInstanceStatus");
    assert!(e.message.contains(
        "Status of the specified instance is Starting but the expected status is in (Running)"
    ));
}

#[test]
fn stop_charging_releases_and_is_ignored_where_unsupported() {
    let mut k = Kit::new();
    let before = k.stock("cn-hangzhou-h", "ecs.g7.large");
    assert_eq!(
        k.code(
            "StopInstance",
            &[("InstanceId", RUNNING), ("StoppedMode", "StopCharging")]
        ),
        "200"
    );
    assert_eq!(k.stock("cn-hangzhou-h", "ecs.g7.large"), before + 1);
    assert_eq!(
        k.instance(RUNNING).unwrap().stopped_mode.as_str(),
        "StopCharging"
    );
    assert_eq!(
        k.code(
            "StopInstance",
            &[("InstanceId", RUNNING), ("StoppedMode", "Sometimes")]
        ),
        "InvalidParameter"
    );
}

#[test]
fn reboot_passes_through_stopping_and_starting() {
    let mut k = Kit::new();
    assert_eq!(k.code("RebootInstance", &[("InstanceId", RUNNING)]), "200");
    assert_eq!(k.status(RUNNING), "Stopping");
    k.advance(1000);
    assert_eq!(k.status(RUNNING), "Starting");
    k.advance(1000);
    assert_eq!(k.status(RUNNING), "Running");
    assert_eq!(
        k.code("RebootInstance", &[("InstanceId", STOPPED)]),
        "IncorrectInstanceStatus"
    );
    assert_eq!(
        k.code(
            "RebootInstance",
            &[("InstanceId", "i-bp1seclock0000000001")]
        ),
        "InstanceLockedForSecurity"
    );
}

#[test]
fn all_together_rolls_back_stock_and_status() {
    let mut k = Kit::new();
    let before = k.stock("cn-hangzhou-h", "ecs.g7.large");
    let r = k.call(
        "StartInstances",
        &[
            ("InstanceId.1", "i-bp1econok00000000001"),
            ("InstanceId.2", STOPPED),
            ("InstanceId.3", RUNNING),
        ],
    );
    assert_eq!(r.unwrap_err().code, "IncorrectInstanceStatus");
    assert_eq!(k.status("i-bp1econok00000000001"), "Stopped");
    assert_eq!(k.status(STOPPED), "Stopped");
    assert_eq!(k.stock("cn-hangzhou-h", "ecs.g7.large"), before);
    assert_eq!(
        k.instance("i-bp1econok00000000001")
            .unwrap()
            .stopped_mode
            .as_str(),
        "StopCharging"
    );
}

#[test]
fn success_first_reports_each_instance() {
    let mut k = Kit::new();
    let r = k
        .call(
            "StartInstances",
            &[
                ("InstanceId.1", STOPPED),
                ("InstanceId.2", RUNNING),
                ("BatchOptimization", "SuccessFirst"),
            ],
        )
        .unwrap();
    let items = r["InstanceResponses"]["InstanceResponse"]
        .as_array()
        .unwrap();
    assert_eq!(items[0]["Code"], "200");
    assert_eq!(items[0]["PreviousStatus"], "Stopped");
    assert_eq!(items[0]["CurrentStatus"], "Starting");
    assert_eq!(items[1]["Code"], "IncorrectInstanceStatus");
    assert_eq!(items[1]["CurrentStatus"], "Running");
}

#[test]
fn run_instances_takes_stock_atomically_and_respects_min_amount() {
    let mut k = Kit::new();
    let base = [
        ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
        ("InstanceType", "ecs.g7.2xlarge"),
        ("ZoneId", "cn-hangzhou-i"),
    ];
    let stock = k.stock("cn-hangzhou-i", "ecs.g7.2xlarge");
    assert_eq!(stock, 20);
    let mut p = base.to_vec();
    p.push(("Amount", "30"));
    assert_eq!(k.code("RunInstances", &p), "OperationDenied.NoStock");
    assert_eq!(k.stock("cn-hangzhou-i", "ecs.g7.2xlarge"), 20);
    // vCPU quota (150) leaves room for fewer 8-vCPU instances than stock.
    p.push(("MinAmount", "5"));
    let r = k.call("RunInstances", &p).unwrap();
    let ids = r["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .unwrap()
        .len() as u64;
    assert!((5..30).contains(&ids), "{ids}");
    assert_eq!(k.stock("cn-hangzhou-i", "ecs.g7.2xlarge"), 20 - ids);
    let used = k.usage("1000000000000001", "cn-hangzhou").vcpus;
    assert!(used <= 150, "used {used}, created {ids}");
}

#[test]
fn names_follow_sequence_syntax_or_unique_suffix() {
    let mut k = Kit::new();
    let names = |k: &mut Kit, extra: &[(&str, &str)]| -> Vec<String> {
        let mut p = vec![
            ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ("InstanceType", "ecs.g7.large"),
            ("Amount", "3"),
        ];
        p.extend_from_slice(extra);
        let r = k.call("RunInstances", &p).unwrap();
        r["InstanceIdSets"]["InstanceIdSet"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| {
                k.instance(id.as_str().unwrap())
                    .unwrap()
                    .instance_name
                    .clone()
            })
            .collect()
    };
    assert_eq!(
        names(&mut k, &[("InstanceName", "web-[1,2]")]),
        ["web-01", "web-02", "web-03"]
    );
    assert_eq!(
        names(&mut k, &[("InstanceName", "db-"), ("UniqueSuffix", "true")]),
        ["db-001", "db-002", "db-003"]
    );
    assert_eq!(
        names(&mut k, &[("InstanceName", "same")]),
        ["same", "same", "same"]
    );
}

#[test]
fn run_then_delete_returns_resources() {
    let mut k = Kit::new();
    let before = k.stock("cn-hangzhou-h", "ecs.g7.large");
    let r = k
        .call(
            "RunInstances",
            &[
                ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", "cn-hangzhou-h"),
                ("Amount", "2"),
            ],
        )
        .unwrap();
    let id = r["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(k.status(&id), "Pending");
    assert_eq!(
        k.code("DeleteInstance", &[("InstanceId", &id)]),
        "IncorrectInstanceStatus.Initializing"
    );
    k.advance(1000);
    assert_eq!(k.status(&id), "Starting");
    k.advance(1000);
    assert_eq!(k.status(&id), "Running");
    assert_eq!(k.stock("cn-hangzhou-h", "ecs.g7.large"), before - 2);
    assert_eq!(
        k.code("DeleteInstance", &[("InstanceId", &id)]),
        "IncorrectInstanceStatus"
    );
    assert_eq!(
        k.code("DeleteInstance", &[("InstanceId", &id), ("Force", "true")]),
        "200"
    );
    assert_eq!(k.status(&id), "Stopping");
    k.advance(1000);
    assert_eq!(k.status(&id), "gone");
    assert_eq!(k.stock("cn-hangzhou-h", "ecs.g7.large"), before - 1);
    assert_eq!(start(&mut k, &id), "InvalidInstanceId.NotFound");
}

#[test]
fn stored_field_filters_match_vpc_vswitch_and_security_group() {
    let mut k = Kit::new();
    let total = |k: &mut Kit, p: &[(&str, &str)]| {
        let mut params = vec![("PageSize", "100")];
        params.extend_from_slice(p);
        k.call("DescribeInstances", &params).unwrap()["TotalCount"]
            .as_u64()
            .unwrap()
    };
    let all = total(&mut k, &[]);
    assert_eq!(total(&mut k, &[("VpcId", "vpc-bp1demo0000000000001")]), all);
    assert_eq!(
        total(&mut k, &[("VSwitchId", "vsw-bp1demo000000000001i")]),
        2
    );
    assert_eq!(
        total(&mut k, &[("SecurityGroupId", "sg-bp1demo00000000000001")]),
        all
    );
    assert_eq!(total(&mut k, &[("SecurityGroupId", "sg-other")]), 0);
    assert_eq!(total(&mut k, &[("InstanceNetworkType", "vpc")]), all);
    assert_eq!(total(&mut k, &[("InstanceNetworkType", "classic")]), 0);
}

#[test]
fn success_first_does_not_reveal_other_accounts_instances() {
    let mut k = Kit::new();
    let r = k
        .call(
            "StopInstances",
            &[
                ("InstanceId.1", "i-bp1otheracct00000001"),
                ("BatchOptimization", "SuccessFirst"),
            ],
        )
        .unwrap();
    let item = &r["InstanceResponses"]["InstanceResponse"][0];
    assert_eq!(item["Code"], "InvalidInstanceId.NotFound");
    assert_eq!(item["PreviousStatus"], "");
    assert_eq!(item["CurrentStatus"], "");
}

#[test]
fn rule_calls_go_through_auth_and_ram() {
    let mut k = Kit::new();
    // A RAM user limited to Describe* is refused a start, and nothing changes.
    let e = k
        .call_with_key("readonly", "StartInstance", &[("InstanceId", STOPPED)])
        .unwrap_err();
    assert_eq!(e.code, "Forbidden.RAM");
    assert_eq!(k.status(STOPPED), "Stopped");
    // A RAM user without Describe* gets an empty list from DescribeInstances, not a
    // refusal.
    let r = k
        .call_with_key("operator", "DescribeInstances", &[])
        .unwrap();
    assert_eq!(r["TotalCount"], 0);
    let r = k
        .call_with_key("readonly", "DescribeInstances", &[])
        .unwrap();
    assert!(r["TotalCount"].as_u64().unwrap() > 0);
}
