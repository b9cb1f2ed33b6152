//! Exact response bodies (request id replaced by a placeholder) of the main actions and
//! gateway errors, compared with `tests/golden/`. StartInstance outcomes have their own
//! golden files, written by `start_instance.rs`.

use crate::common::{assert_golden, TestServer};

#[tokio::test]
async fn describe_instances_one() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "DescribeInstances",
            &[("InstanceIds", "[\"i-bp1running0000000001\"]")],
        )
        .await;
    let body = resp.ok();
    assert_eq!(body["TotalCount"], 1);
    assert_golden("describe_instances_one.json", &resp);
}

#[tokio::test]
async fn describe_instances_one_xml() {
    let srv = TestServer::start().await;
    let resp = srv
        .rpc("DescribeInstances")
        .format(Some("XML"))
        .p("InstanceIds", "[\"i-bp1seclock0000000001\"]")
        .send()
        .await;
    assert_eq!(resp.status, 200);
    assert_golden("describe_instances_seclock.xml", &resp);
}

#[tokio::test]
async fn describe_instances_empty() {
    let srv = TestServer::start().await;
    let resp = srv
        .call("DescribeInstances", &[("InstanceIds", "[]")])
        .await;
    resp.ok();
    assert_golden("describe_instances_empty.json", &resp);
}

#[tokio::test]
async fn describe_instance_attribute() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "DescribeInstanceAttribute",
            &[("InstanceId", "i-bp1seclock0000000001")],
        )
        .await;
    resp.ok();
    assert_golden("describe_instance_attribute_seclock.json", &resp);
}

#[tokio::test]
async fn describe_instance_status_page() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "DescribeInstanceStatus",
            &[("PageSize", "3"), ("PageNumber", "2")],
        )
        .await;
    resp.ok();
    assert_golden("describe_instance_status_page2.json", &resp);
}

#[tokio::test]
async fn start_instances_success_first() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "StartInstances",
            &[
                ("InstanceId.1", "i-bp1stopped0000000001"),
                ("InstanceId.2", "i-bp1running0000000001"),
                ("InstanceId.3", "i-bp1seclock0000000001"),
                ("BatchOptimization", "SuccessFirst"),
            ],
        )
        .await;
    resp.ok();
    assert_golden("start_instances_success_first.json", &resp);
}

#[tokio::test]
async fn start_instances_all_together() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "StartInstances",
            &[
                ("InstanceId.1", "i-bp1stopped0000000001"),
                ("InstanceId.2", "i-bp1stopped2000000001"),
            ],
        )
        .await;
    resp.ok();
    assert_golden("start_instances_all_together.json", &resp);
}

#[tokio::test]
async fn stop_instances_success_first() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "StopInstances",
            &[
                ("InstanceId.1", "i-bp1running0000000001"),
                ("InstanceId.2", "i-bp1stopped0000000001"),
                ("BatchOptimization", "SuccessFirst"),
            ],
        )
        .await;
    resp.ok();
    assert_golden("stop_instances_success_first.json", &resp);
}

#[tokio::test]
async fn reboot_instances() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "RebootInstances",
            &[("InstanceId.1", "i-bp1running0000000001")],
        )
        .await;
    resp.ok();
    assert_golden("reboot_instances.json", &resp);
}

#[tokio::test]
async fn batch_dry_run() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "StartInstances",
            &[
                ("InstanceId.1", "i-bp1stopped0000000001"),
                ("DryRun", "true"),
            ],
        )
        .await;
    resp.err(
        400,
        "DRYRUN.SUCCESS",
        Some("This request is a dryrun request with successful result."),
    );
    assert_golden("start_instances_dryrun.json", &resp);
}

#[tokio::test]
async fn run_instances_missing_image() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "RunInstances",
            &[
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", "cn-hangzhou-h"),
            ],
        )
        .await;
    resp.err(
        400,
        "MissingParameter",
        Some("The input parameter ImageId that is mandatory for processing this request is not supplied."),
    );
    assert_golden("run_instances_missing_image.json", &resp);
}

#[tokio::test]
async fn run_instances_unknown_type() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "RunInstances",
            &[
                ("InstanceType", "ecs.nope.large"),
                ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ],
        )
        .await;
    resp.err(
        400,
        "InvalidInstanceType.ValueNotSupported",
        Some("The specified InstanceType does not exist or beyond the permitted range."),
    );
    assert_golden("run_instances_unknown_type.json", &resp);
}

#[tokio::test]
async fn describe_regions() {
    let srv = TestServer::start().await;
    let resp = srv.call("DescribeRegions", &[]).await;
    resp.ok();
    assert_golden("describe_regions.json", &resp);
}

#[tokio::test]
async fn describe_zones() {
    let srv = TestServer::start().await;
    let resp = srv
        .call("DescribeZones", &[("RegionId", "cn-shanghai")])
        .await;
    resp.ok();
    assert_golden("describe_zones_shanghai.json", &resp);
}

#[tokio::test]
async fn invalid_action() {
    let srv = TestServer::start().await;
    let resp = srv.call("LaunchRocket", &[]).await;
    resp.err(404, "InvalidAction.NotFound", None);
    assert_golden("invalid_action.json", &resp);
}

#[tokio::test]
async fn missing_instance_id() {
    let srv = TestServer::start().await;
    let resp = srv.call("StartInstance", &[]).await;
    resp.err(400, "MissingInstanceId", None);
    assert_golden("missing_instance_id.json", &resp);
}

#[tokio::test]
async fn unsupported_method() {
    let srv = TestServer::start().await;
    let resp = srv
        .raw("PUT", "/?Action=StartInstance&Version=2014-05-26&Format=JSON&InstanceId=i-bp1stopped0000000001")
        .send()
        .await;
    resp.err(403, "UnsupportedHTTPMethod", None);
    assert_golden("unsupported_method.json", &resp);
}

#[tokio::test]
async fn forbidden_ram() {
    let srv = TestServer::start().await;
    let resp = srv
        .rpc("StartInstance")
        .key("readonly")
        .p("InstanceId", "i-bp1stopped0000000001")
        .send()
        .await;
    resp.err(403, "Forbidden.RAM", None);
    assert_golden("forbidden_ram.json", &resp);
    let resp = srv
        .rpc("StopInstance")
        .key("readonly")
        .format(Some("XML"))
        .p("InstanceId", "i-bp1running0000000001")
        .send()
        .await;
    assert_eq!(resp.status, 403);
    assert_golden("forbidden_ram_stop.xml", &resp);
}

#[tokio::test]
async fn unknown_access_key() {
    let srv = TestServer::start().await;
    let resp = srv.rpc("DescribeRegions").key("nobody").send().await;
    resp.err(404, "InvalidAccessKeyId.NotFound", None);
    assert_golden("invalid_access_key.json", &resp);
}
