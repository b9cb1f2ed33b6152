//! DescribeInstances filters and both pagination styles, DescribeInstanceStatus,
//! DescribeInstanceAttribute, DescribeRegions, DescribeZones (spec §5.7–5.9, §5.14–5.15).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{instance_ids, instances, TestServer, STEP_MS};

/// The instances of account 1 (key `test`) in cn-hangzhou in the default fixtures.
const HANGZHOU_ACCOUNT1: [&str; 17] = [
    "i-bp1stopped0000000001",
    "i-bp1stopped2000000001",
    "i-bp1econok00000000001",
    "i-bp1running0000000001",
    "i-bp1starting000000001",
    "i-bp1stopping000000001",
    "i-bp1pending0000000001",
    "i-bp1seclock0000000001",
    "i-bp1prepaidexp0000001",
    "i-bp1financial00000001",
    "i-bp1diskarrears000001",
    "i-bp1diskerror00000001",
    "i-bp1localdisk00000001",
    "i-bp1nostock0000000001",
    "i-bp1typequota00000001",
    "i-bp1cpuquota000000001",
    "i-bp1spotprice00000001",
];

async fn describe(srv: &TestServer, params: &[(&str, &str)]) -> Value {
    srv.call("DescribeInstances", params).await.ok()
}

fn id_set(body: &Value) -> BTreeSet<String> {
    instance_ids(body).into_iter().collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Assert a filtered DescribeInstances: the exact set and `TotalCount`.
async fn assert_filter(srv: &TestServer, params: &[(&str, &str)], want: &[&str]) {
    let mut all = params.to_vec();
    all.push(("PageSize", "100"));
    let body = describe(srv, &all).await;
    assert_eq!(id_set(&body), set(want), "filter {params:?}");
    assert_eq!(body["TotalCount"], want.len(), "TotalCount for {params:?}");
}

#[tokio::test]
async fn unfiltered_lists_own_region_only() {
    let srv = TestServer::start().await;
    assert_filter(&srv, &[], &HANGZHOU_ACCOUNT1).await;
    assert_filter(
        &srv,
        &[("RegionId", "cn-shanghai")],
        &["i-uf6shanghai000000001"],
    )
    .await;
    let other = srv
        .rpc("DescribeInstances")
        .key("broke")
        .p("PageSize", "100")
        .send()
        .await
        .ok();
    assert_eq!(
        id_set(&other),
        set(&["i-bp1broke000000000001", "i-bp1otheracct00000001"])
    );
}

#[tokio::test]
async fn response_shape() {
    let srv = TestServer::start().await;
    let body = describe(&srv, &[]).await;
    assert_eq!(body["PageNumber"], 1);
    assert_eq!(body["PageSize"], 10);
    assert_eq!(body["TotalCount"], 17);
    assert!(
        body["NextToken"].is_string(),
        "NextToken is a string: {}",
        body["NextToken"]
    );
    for inst in instances(&body) {
        for (k, v) in [
            ("OperationLocks", "LockReason"),
            ("SecurityGroupIds", "SecurityGroupId"),
            ("PublicIpAddress", "IpAddress"),
            ("InnerIpAddress", "IpAddress"),
            ("NetworkInterfaces", "NetworkInterface"),
        ] {
            assert!(
                inst[k][v].is_array(),
                "{}.{k}.{v} is not an array: {inst}",
                inst["InstanceId"]
            );
        }
        // Real instances: `Tags` only when tagged, never `RdmaIpAddress`.
        assert!(
            inst.get("Tags").is_none() || !inst["Tags"]["Tag"].as_array().unwrap().is_empty(),
            "Tags is left out of an untagged instance: {inst}"
        );
        assert!(inst.get("RdmaIpAddress").is_none());
        assert!(inst["VpcAttributes"]["PrivateIpAddress"]["IpAddress"].is_array());
        assert!(
            inst["Cpu"].is_u64() && inst["Memory"].is_u64(),
            "numbers are numbers: {inst}"
        );
        assert!(inst["IoOptimized"].is_boolean() && inst["DeletionProtection"].is_boolean());
        assert_eq!(inst["RegionId"], "cn-hangzhou");
        for field in ["AccountId", "MockDisks", "MockStuck", "MockTransitions"] {
            assert!(
                inst.get(field).is_none(),
                "mock-only field {field} leaked: {inst}"
            );
        }
    }
}

#[tokio::test]
async fn single_element_lists_stay_arrays() {
    let srv = TestServer::start().await;
    let body = describe(&srv, &[("InstanceIds", "[\"i-bp1seclock0000000001\"]")]).await;
    let list = instances(&body);
    assert_eq!(list.len(), 1);
    let locks = list[0]["OperationLocks"]["LockReason"]
        .as_array()
        .expect("LockReason array");
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0]["LockReason"], "security");
    let tags = list[0]["Tags"]["Tag"].as_array().expect("Tag array");
    assert_eq!(
        tags,
        &vec![serde_json::json!({"TagKey": "env", "TagValue": "demo"})]
    );
}

#[tokio::test]
async fn instance_ids_filter() {
    let srv = TestServer::start().await;
    assert_filter(&srv, &[("InstanceIds", "[]")], &[]).await;
    assert_filter(
        &srv,
        &[(
            "InstanceIds",
            "[\"i-bp1running0000000001\", \"i-bp1stopped0000000001\"]",
        )],
        &["i-bp1running0000000001", "i-bp1stopped0000000001"],
    )
    .await;
    // Unknown, other-account and other-region ids are silently absent; duplicates count once.
    assert_filter(
        &srv,
        &[(
            "InstanceIds",
            "[\"i-bp1running0000000001\",\"i-bp1running0000000001\",\"i-bp1nothere0000000001\",\"i-bp1otheracct00000001\",\"i-uf6shanghai000000001\"]",
        )],
        &["i-bp1running0000000001"],
    )
    .await;
    let body = describe(&srv, &[("InstanceIds", "[]")]).await;
    assert_eq!(body["Instances"]["Instance"], serde_json::json!([]));
}

#[tokio::test]
async fn malformed_instance_ids() {
    let srv = TestServer::start().await;
    for bad in ["i-bp1running0000000001", "[\"i-a\"", "{\"a\":1}", "[1,2]"] {
        srv.call("DescribeInstances", &[("InstanceIds", bad)])
            .await
            .err(
                400,
                "InvalidInstanceIds.Malformed",
                Some("The specified InstanceIds is not valid."),
            );
    }
    let many: Vec<String> = (0..101).map(|n| format!("\"i-bp1fake{n:014}\"")).collect();
    srv.call(
        "DescribeInstances",
        &[("InstanceIds", &format!("[{}]", many.join(",")))],
    )
    .await
    .err(403, "InvalidParameter.TooManyInstanceIds", None);
}

#[tokio::test]
async fn status_filter() {
    let srv = TestServer::start().await;
    assert_filter(&srv, &[("Status", "Running")], &["i-bp1running0000000001"]).await;
    assert_filter(&srv, &[("Status", "Starting")], &["i-bp1starting000000001"]).await;
    assert_filter(&srv, &[("Status", "Pending")], &["i-bp1pending0000000001"]).await;
    srv.call("StartInstance", &[("InstanceId", "i-bp1stopped0000000001")])
        .await
        .ok();
    assert_filter(
        &srv,
        &[("Status", "Starting")],
        &["i-bp1starting000000001", "i-bp1stopped0000000001"],
    )
    .await;
    srv.advance(STEP_MS);
    assert_filter(
        &srv,
        &[("Status", "Running")],
        &["i-bp1running0000000001", "i-bp1stopped0000000001"],
    )
    .await;
    let stopped = describe(&srv, &[("Status", "Stopped"), ("PageSize", "100")]).await;
    assert_eq!(stopped["TotalCount"], 12);
    assert!(instances(&stopped).iter().all(|i| i["Status"] == "Stopped"));
}

#[tokio::test]
async fn invalid_filter_values() {
    let srv = TestServer::start().await;
    let cases: &[(&str, &str, u16, &str, Option<&str>)] = &[
        (
            "Status",
            "Bogus",
            404,
            "InvalidStatus.NotFound",
            Some("The specified Status is not found"),
        ),
        ("Status", "running", 404, "InvalidStatus.NotFound", None),
        (
            "InstanceChargeType",
            "Monthly",
            404,
            "InvalidInstanceChargeType.NotFound",
            None,
        ),
        (
            "LockReason",
            "dissolved",
            404,
            "InvalidLockReason.NotFound",
            Some("The specified LockReason is not found"),
        ),
        (
            "InstanceNetworkType",
            "wifi",
            404,
            "InvalidNetworkType.NotFound",
            None,
        ),
        (
            "Tag.1.Value",
            "demo",
            400,
            "InvalidTag.Mismatch",
            Some("The specified Tag.n.Key and Tag.n.Value are not match."),
        ),
        ("Tag.21.Key", "a", 400, "InvalidTagCount", None),
        (
            "NextToken",
            "not-a-token",
            400,
            "InvalidParameter.NextToken",
            None,
        ),
        ("PageSize", "101", 400, "InvalidParameter", None),
        ("PageNumber", "0", 400, "InvalidParameter", None),
        ("DryRun", "true", 400, "DryRunOperation", None),
    ];
    for &(name, value, status, code, message) in cases {
        srv.call("DescribeInstances", &[(name, value)])
            .await
            .err(status, code, message);
    }
}

#[tokio::test]
async fn zone_type_name_charge_lock_tag_filters() {
    let srv = TestServer::start().await;
    assert_filter(
        &srv,
        &[("ZoneId", "cn-hangzhou-i")],
        &["i-bp1stopped2000000001", "i-bp1nostock0000000001"],
    )
    .await;
    assert_filter(
        &srv,
        &[("InstanceType", "ecs.c7.large")],
        &["i-bp1typequota00000001"],
    )
    .await;
    assert_filter(
        &srv,
        &[
            ("InstanceType", "ecs.g7.xlarge"),
            ("ZoneId", "cn-hangzhou-h"),
        ],
        &[],
    )
    .await;
    assert_filter(
        &srv,
        &[("InstanceName", "web-*")],
        &["i-bp1stopped0000000001", "i-bp1stopped2000000001"],
    )
    .await;
    assert_filter(
        &srv,
        &[("InstanceName", "stuck-*")],
        &[
            "i-bp1starting000000001",
            "i-bp1stopping000000001",
            "i-bp1pending0000000001",
        ],
    )
    .await;
    assert_filter(
        &srv,
        &[("InstanceName", "*-quota")],
        &["i-bp1typequota00000001", "i-bp1cpuquota000000001"],
    )
    .await;
    assert_filter(
        &srv,
        &[("InstanceName", "api-1")],
        &["i-bp1running0000000001"],
    )
    .await;
    assert_filter(&srv, &[("InstanceName", "api")], &[]).await;
    assert_filter(
        &srv,
        &[("InstanceChargeType", "PrePaid")],
        &["i-bp1prepaidexp0000001"],
    )
    .await;
    let postpaid: Vec<&str> = HANGZHOU_ACCOUNT1
        .iter()
        .copied()
        .filter(|i| *i != "i-bp1prepaidexp0000001")
        .collect();
    assert_filter(&srv, &[("InstanceChargeType", "PostPaid")], &postpaid).await;
    assert_filter(
        &srv,
        &[("LockReason", "financial")],
        &["i-bp1prepaidexp0000001", "i-bp1financial00000001"],
    )
    .await;
    assert_filter(
        &srv,
        &[("LockReason", "security")],
        &["i-bp1seclock0000000001"],
    )
    .await;
    assert_filter(&srv, &[("LockReason", "recycling")], &[]).await;
    assert_filter(
        &srv,
        &[("Tag.1.Key", "env"), ("Tag.1.Value", "demo")],
        &HANGZHOU_ACCOUNT1,
    )
    .await;
    assert_filter(&srv, &[("Tag.1.Key", "env")], &HANGZHOU_ACCOUNT1).await;
    assert_filter(&srv, &[("Tag.1.Key", "env"), ("Tag.1.Value", "prod")], &[]).await;
    assert_filter(&srv, &[("Tag.1.Key", "team")], &[]).await;
    assert_filter(
        &srv,
        &[("InstanceTypeFamily", "ecs.d1ne")],
        &["i-bp1localdisk00000001"],
    )
    .await;
    // Filters are ANDed.
    assert_filter(
        &srv,
        &[
            ("Status", "Stopped"),
            ("ZoneId", "cn-hangzhou-i"),
            ("InstanceName", "web-*"),
        ],
        &["i-bp1stopped2000000001"],
    )
    .await;
}

#[tokio::test]
async fn tag_filter_on_run_instances_tags() {
    let srv = TestServer::start().await;
    let body = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
                ("InstanceType", "ecs.g7.large"),
                ("Amount", "2"),
                ("Tag.1.Key", "team"),
                ("Tag.1.Value", "blue"),
            ],
        )
        .await
        .ok();
    let new: Vec<String> = body["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .expect("InstanceIdSet")
        .iter()
        .map(|v| v.as_str().expect("id").to_string())
        .collect();
    let want: Vec<&str> = new.iter().map(String::as_str).collect();
    assert_filter(
        &srv,
        &[("Tag.1.Key", "team"), ("Tag.1.Value", "blue")],
        &want,
    )
    .await;
    assert_filter(&srv, &[("Tag.1.Key", "team"), ("Tag.1.Value", "red")], &[]).await;
    // Legacy lower-case tag parameters.
    assert_filter(
        &srv,
        &[("Tag.1.key", "team"), ("Tag.1.value", "blue")],
        &want,
    )
    .await;
}

#[tokio::test]
async fn page_number_pagination() {
    let srv = TestServer::start().await;
    let mut seen: Vec<String> = Vec::new();
    for page in 1..=4 {
        let body = describe(
            &srv,
            &[("PageSize", "5"), ("PageNumber", &page.to_string())],
        )
        .await;
        assert_eq!(body["TotalCount"], 17);
        assert_eq!(body["PageNumber"], page);
        assert_eq!(body["PageSize"], 5);
        let ids = instance_ids(&body);
        assert_eq!(ids.len(), if page < 4 { 5 } else { 2 }, "page {page}");
        seen.extend(ids);
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no instance on two pages");
    assert_eq!(unique, set(&HANGZHOU_ACCOUNT1));
    let past = describe(&srv, &[("PageSize", "5"), ("PageNumber", "5")]).await;
    assert_eq!(past["Instances"]["Instance"], serde_json::json!([]));
    assert_eq!(past["TotalCount"], 17);

    // Filtered pages.
    let p1 = describe(&srv, &[("Status", "Stopped"), ("PageSize", "10")]).await;
    let p2 = describe(
        &srv,
        &[
            ("Status", "Stopped"),
            ("PageSize", "10"),
            ("PageNumber", "2"),
        ],
    )
    .await;
    assert_eq!(
        (p1["TotalCount"].as_u64(), p2["TotalCount"].as_u64()),
        (Some(13), Some(13))
    );
    assert_eq!((instance_ids(&p1).len(), instance_ids(&p2).len()), (10, 3));
    assert!(id_set(&p1).is_disjoint(&id_set(&p2)));
}

#[tokio::test]
async fn next_token_pagination() {
    let srv = TestServer::start().await;
    let mut seen: Vec<String> = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let mut params = vec![("MaxResults", "10")];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let body = describe(&srv, &params).await;
        pages += 1;
        seen.extend(instance_ids(&body));
        token = body["NextToken"]
            .as_str()
            .expect("NextToken is a string")
            .to_string();
        if token.is_empty() {
            break;
        }
        assert!(pages < 10, "NextToken never ends");
    }
    assert_eq!(pages, 2);
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no instance on two pages");
    assert_eq!(unique, set(&HANGZHOU_ACCOUNT1));

    // MaxResults below 10 means 10; a filtered walk; a token that ends exactly.
    let body = describe(&srv, &[("MaxResults", "3")]).await;
    assert_eq!(instance_ids(&body).len(), 10);
    let body = describe(&srv, &[("MaxResults", "100"), ("Status", "Stopped")]).await;
    assert_eq!(instance_ids(&body).len(), 13);
    assert_eq!(body["NextToken"], "");
    let first = describe(&srv, &[("MaxResults", "10"), ("Status", "Stopped")]).await;
    let token = first["NextToken"].as_str().expect("token").to_string();
    assert!(!token.is_empty());
    let second = describe(
        &srv,
        &[
            ("MaxResults", "10"),
            ("Status", "Stopped"),
            ("NextToken", &token),
        ],
    )
    .await;
    assert_eq!(instance_ids(&second).len(), 3);
    assert_eq!(second["NextToken"], "");
    assert!(id_set(&first).is_disjoint(&id_set(&second)));
}

#[tokio::test]
async fn next_token_on_an_exact_multiple_ends_with_an_empty_token() {
    // 17 + 3 = 20 instances, pages of 10: the second page is the last one.
    let srv = TestServer::start().await;
    srv.call(
        "RunInstances",
        &[
            ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ("InstanceType", "ecs.g7.large"),
            ("Amount", "3"),
        ],
    )
    .await
    .ok();
    let first = describe(&srv, &[("MaxResults", "10")]).await;
    assert_eq!(instance_ids(&first).len(), 10);
    let token = first["NextToken"].as_str().expect("token").to_string();
    assert!(!token.is_empty());
    let second = describe(&srv, &[("MaxResults", "10"), ("NextToken", &token)]).await;
    assert_eq!(instance_ids(&second).len(), 10);
    assert_eq!(second["NextToken"], "", "no empty third page");
}

#[tokio::test]
async fn next_token_survives_new_instances() {
    // Instances created between two pages do not shift the walk.
    let srv = TestServer::start().await;
    let first = describe(&srv, &[("MaxResults", "10")]).await;
    let token = first["NextToken"].as_str().expect("token").to_string();
    srv.call(
        "RunInstances",
        &[
            ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ("InstanceType", "ecs.g7.large"),
            ("Amount", "3"),
        ],
    )
    .await
    .ok();
    let second = describe(&srv, &[("MaxResults", "10"), ("NextToken", &token)]).await;
    let mut all = id_set(&first);
    let second_ids = id_set(&second);
    assert!(all.is_disjoint(&second_ids));
    all.extend(second_ids);
    assert_eq!(
        all,
        set(&HANGZHOU_ACCOUNT1),
        "the old instances are listed exactly once"
    );
}

#[tokio::test]
async fn describe_instance_status_paging() {
    let srv = TestServer::start().await;
    let mut seen = BTreeSet::new();
    for page in 1..=2 {
        let body = srv
            .call(
                "DescribeInstanceStatus",
                &[("PageSize", "10"), ("PageNumber", &page.to_string())],
            )
            .await
            .ok();
        assert_eq!(body["TotalCount"], 17);
        assert_eq!(body["PageNumber"], page);
        assert_eq!(body["PageSize"], 10);
        let list = body["InstanceStatuses"]["InstanceStatus"]
            .as_array()
            .expect("InstanceStatus array")
            .clone();
        assert_eq!(list.len(), if page == 1 { 10 } else { 7 });
        for s in list {
            assert!(s["Status"].is_string());
            assert!(seen.insert(s["InstanceId"].as_str().expect("id").to_string()));
        }
    }
    assert_eq!(seen, set(&HANGZHOU_ACCOUNT1));
    let body = srv
        .call(
            "DescribeInstanceStatus",
            &[("PageSize", "10"), ("PageNumber", "3")],
        )
        .await
        .ok();
    assert_eq!(
        body["InstanceStatuses"]["InstanceStatus"],
        serde_json::json!([])
    );
    srv.call("DescribeInstanceStatus", &[("PageSize", "51")])
        .await
        .err(400, "InvalidParameter", None);
}

#[tokio::test]
async fn describe_instance_status_filters() {
    let srv = TestServer::start().await;
    let body = srv
        .call(
            "DescribeInstanceStatus",
            &[
                ("InstanceId.1", "i-bp1running0000000001"),
                ("InstanceId.2", "i-bp1pending0000000001"),
            ],
        )
        .await
        .ok();
    assert_eq!(body["TotalCount"], 2);
    let list = body["InstanceStatuses"]["InstanceStatus"]
        .as_array()
        .expect("array")
        .clone();
    let mut pairs: Vec<(String, String)> = list
        .iter()
        .map(|s| {
            (
                s["InstanceId"].as_str().unwrap_or("").to_string(),
                s["Status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("i-bp1pending0000000001".to_string(), "Pending".to_string()),
            ("i-bp1running0000000001".to_string(), "Running".to_string())
        ]
    );
    let body = srv
        .call("DescribeInstanceStatus", &[("ZoneId", "cn-hangzhou-i")])
        .await
        .ok();
    assert_eq!(body["TotalCount"], 2);
    srv.call("DescribeInstanceStatus", &[("ZoneId", "cn-hangzhou-z")])
        .await
        .err(
            404,
            "InvalidZoneId.NotFound",
            Some("The ZoneId provided does not exist in our records."),
        );
}

#[tokio::test]
async fn describe_instance_attribute() {
    let srv = TestServer::start().await;
    let body = srv
        .call(
            "DescribeInstanceAttribute",
            &[("InstanceId", "i-bp1running0000000001")],
        )
        .await
        .ok();
    assert_eq!(body["InstanceId"], "i-bp1running0000000001");
    assert_eq!(body["Status"], "Running");
    assert_eq!(body["InstanceName"], "api-1");
    assert_eq!(body["ZoneId"], "cn-hangzhou-h");
    assert_eq!(body["InstanceType"], "ecs.g7.large");
    assert_eq!(body["Cpu"], 2);
    assert_eq!(body["Memory"], 8192);
    assert_eq!(body["ExpiredTime"], "2099-12-31T15:59Z");
    // This action shows CreationTime with seconds (DescribeInstances does not), and
    // IoOptimized as a string.
    assert_eq!(body["CreationTime"], "2026-01-05T08:00:00Z");
    assert_eq!(body["IoOptimized"], "optimized");
    assert!(body["OperationLocks"]["LockReason"].is_array());
    assert!(body["SecurityGroupIds"]["SecurityGroupId"].is_array());
    assert!(body["VpcAttributes"]["PrivateIpAddress"]["IpAddress"].is_array());
    let locked = srv
        .call(
            "DescribeInstanceAttribute",
            &[("InstanceId", "i-bp1prepaidexp0000001")],
        )
        .await
        .ok();
    assert_eq!(
        locked["OperationLocks"]["LockReason"],
        serde_json::json!([{"LockReason": "financial"}])
    );
    assert_eq!(locked["ExpiredTime"], "2026-02-01T16:00Z");
    srv.call(
        "DescribeInstanceAttribute",
        &[("InstanceId", "i-bp1otheracct00000001")],
    )
    .await
    .err(
        404,
        "InvalidInstanceId.NotFound",
        Some("The specified InstanceId does not exist."),
    );
    // No RegionId (current SDKs) finds an instance of any region.
    let sh = srv
        .rpc("DescribeInstanceAttribute")
        .region(None)
        .p("InstanceId", "i-uf6shanghai000000001")
        .send()
        .await
        .ok();
    assert_eq!(sh["RegionId"], "cn-shanghai");
}

#[tokio::test]
async fn describe_regions() {
    let srv = TestServer::start().await;
    let body = srv.call("DescribeRegions", &[]).await.ok();
    let regions = body["Regions"]["Region"]
        .as_array()
        .expect("Region array")
        .clone();
    let ids: Vec<&str> = regions
        .iter()
        .map(|r| r["RegionId"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["cn-hangzhou", "cn-shanghai"]);
    // Real: cn-hangzhou's endpoint is the central one; others are regional; LocalName
    // in Chinese; no Status.
    assert_eq!(regions[0]["RegionEndpoint"], "ecs.aliyuncs.com");
    assert_eq!(regions[1]["RegionEndpoint"], "ecs.cn-shanghai.aliyuncs.com");
    assert_eq!(regions[0]["LocalName"], "华东1（杭州）");
    assert!(regions[0].get("Status").is_none());
    // No RegionId needed.
    srv.rpc("DescribeRegions").region(None).send().await.ok();
    srv.call("DescribeRegions", &[("AcceptLanguage", "xx")])
        .await
        .err(404, "InvalidAcceptLanguage.NotFound", None);
}

#[tokio::test]
async fn describe_zones() {
    let srv = TestServer::start().await;
    let body = srv.call("DescribeZones", &[]).await.ok();
    let zones = body["Zones"]["Zone"]
        .as_array()
        .expect("Zone array")
        .clone();
    let ids: Vec<&str> = zones
        .iter()
        .map(|z| z["ZoneId"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["cn-hangzhou-h", "cn-hangzhou-i"]);
    let types_i: Vec<&str> = zones[1]["AvailableInstanceTypes"]["InstanceTypes"]
        .as_array()
        .expect("InstanceTypes array")
        .iter()
        .map(|t| t.as_str().unwrap_or(""))
        .collect();
    assert!(types_i.contains(&"ecs.g7.large"));
    assert!(!types_i.contains(&"ecs.g7.xlarge"), "sold out in zone i");
    assert!(!types_i.contains(&"ecs.d1ne.2xlarge"), "sold out in zone i");
    let info = &zones[0]["AvailableResources"]["ResourcesInfo"][0];
    assert!(
        info["InstanceTypes"]["supportedInstanceType"].is_array(),
        "lower-case supported… keys: {info}"
    );
    assert!(info["InstanceTypeFamilies"]["supportedInstanceTypeFamily"].is_array());
    let families: Vec<&str> = info["InstanceTypeFamilies"]["supportedInstanceTypeFamily"]
        .as_array()
        .expect("families")
        .iter()
        .map(|f| f.as_str().unwrap_or(""))
        .collect();
    let unique: BTreeSet<&str> = families.iter().copied().collect();
    assert_eq!(
        unique.len(),
        families.len(),
        "families listed once each: {families:?}"
    );
    let brief = srv
        .call("DescribeZones", &[("Verbose", "false")])
        .await
        .ok();
    assert!(brief["Zones"]["Zone"][0]
        .get("AvailableResources")
        .is_none());
    srv.call("DescribeZones", &[("InstanceChargeType", "Free")])
        .await
        .err(404, "InvalidInstanceChargeType.NotFound", None);
}

/// Pages keep each instance's rendered object until the instance changes: every kind of
/// change (an action, a transition falling due on the clock, a control-plane patch, a
/// reset) shows on the next page, in JSON and in XML alike.
#[tokio::test]
async fn pages_show_every_change_after_the_render_cache_is_filled() {
    const STOPPED: &str = "i-bp1stopped0000000001";
    let srv = TestServer::start().await;
    let first = srv.describe_one(STOPPED).await.expect("listed");
    assert_eq!(
        srv.describe_one(STOPPED).await.expect("listed"),
        first,
        "the cached object is the same"
    );
    assert_eq!(first["Status"], "Stopped");

    srv.call("StartInstance", &[("InstanceId", STOPPED)])
        .await
        .ok();
    assert_eq!(
        srv.describe_one(STOPPED).await.expect("listed")["Status"],
        "Starting"
    );
    srv.advance(60 * STEP_MS);
    let running = srv.describe_one(STOPPED).await.expect("listed");
    assert_eq!(running["Status"], "Running");
    assert_ne!(running["StartTime"], first["StartTime"]);

    srv.control_ok(
        "PATCH",
        &format!("/_mock/instances/{STOPPED}"),
        Some(serde_json::json!({"InstanceName": "renamed-by-patch"})),
    )
    .await;
    assert_eq!(
        srv.describe_one(STOPPED).await.expect("listed")["InstanceName"],
        "renamed-by-patch"
    );
    let xml = srv
        .rpc("DescribeInstances")
        .p("InstanceIds", &format!("[\"{STOPPED}\"]"))
        .format(Some("XML"))
        .send()
        .await;
    assert!(
        xml.body
            .contains("<InstanceName>renamed-by-patch</InstanceName>"),
        "{}",
        xml.body
    );

    srv.control_ok("POST", "/_mock/reset", None).await;
    assert_eq!(
        srv.describe_one(STOPPED).await.expect("listed"),
        first,
        "a reset shows the fixture again"
    );
}
