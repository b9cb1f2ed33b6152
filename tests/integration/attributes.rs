//! Instance attributes: ModifyInstanceAttribute (name, description, host name, password
//! never kept, deletion protection, user data), DescribeUserData, AllocatePublicIpAddress
//! and ModifyInstanceSpec (stock and quota move with the type).

use serde_json::{json, Value};

use crate::common::{Resp, TestServer, STEP_MS};

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20250101.vhd";
const ACCOUNT: &str = "1000000000000001";
const PASSWORD: &str = "Sup3r$ecretPw";
const RUNNING: &str = "i-bp1running0000000001";
const STARTING: &str = "i-bp1starting000000001";
const SECLOCK: &str = "i-bp1seclock0000000001";
const PREPAID: &str = "i-bp1prepaidexp0000001";
const BROKE: &str = "i-bp1broke000000000001";
const LOCAL_DISK: &str = "i-bp1localdisk00000001";
const SHANGHAI: &str = "i-uf6shanghai000000001";
const OTHER_ACCOUNT: &str = "i-bp1otheracct00000001";
const UNKNOWN: &str = "i-bp1doesnotexist00001";
const NO_STOCK_MSG: &str = "The requested resource is sold out in the specified zone; try other types of resources or other regions and zones.";
const TYPE_QUOTA_MSG: &str = "The number of the specified ECS instances has exceeded the quota of the specified instance type.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.";
/// `#!/bin/sh\necho hello\n`.
const USER_DATA: &str = "IyEvYmluL3NoCmVjaG8gaGVsbG8K";

/// A request without `RegionId`, as the SDKs send these actions.
async fn call(srv: &TestServer, action: &str, params: &[(&str, &str)]) -> Resp {
    let mut rpc = srv.rpc(action).region(None);
    for (k, v) in params {
        rpc = rpc.p(k, v);
    }
    rpc.send().await
}

async fn modify(srv: &TestServer, id: &str, params: &[(&str, &str)]) -> Resp {
    let mut all = vec![("InstanceId", id)];
    all.extend_from_slice(params);
    call(srv, "ModifyInstanceAttribute", &all).await
}

async fn spec(srv: &TestServer, id: &str, params: &[(&str, &str)]) -> Resp {
    let mut all = vec![("InstanceId", id)];
    all.extend_from_slice(params);
    call(srv, "ModifyInstanceSpec", &all).await
}

/// A new stopped instance (CreateInstance, then its Pending time) of `itype` in zone h.
async fn stopped(srv: &TestServer, itype: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("ImageId", IMAGE),
        ("InstanceType", itype),
        ("ZoneId", "cn-hangzhou-h"),
    ];
    params.extend_from_slice(extra);
    let body = srv.call("CreateInstance", &params).await.ok();
    srv.advance(STEP_MS);
    let id = body["InstanceId"].as_str().expect("InstanceId").to_string();
    srv.assert_status(&id, "Stopped").await;
    id
}

/// A new running instance (RunInstances, then Pending and Starting).
async fn running(srv: &TestServer, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("ImageId", IMAGE),
        ("InstanceType", "ecs.g7.large"),
        ("ZoneId", "cn-hangzhou-h"),
    ];
    params.extend_from_slice(extra);
    let body = srv.call("RunInstances", &params).await.ok();
    srv.advance(2 * STEP_MS);
    let id = body["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .expect("an id")
        .to_string();
    srv.assert_status(&id, "Running").await;
    id
}

async fn user_data_of(srv: &TestServer, id: &str) -> Value {
    srv.call("DescribeUserData", &[("InstanceId", id)])
        .await
        .ok()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn modify_attribute_changes_what_describe_shows_and_forgets_the_password() {
    let srv = TestServer::start().await;
    let id = stopped(&srv, "ecs.g7.large", &[]).await;
    let body = modify(
        &srv,
        &id,
        &[
            ("InstanceName", "web-renamed"),
            ("Description", "the web tier"),
            ("HostName", "web-01.prod"),
            ("Password", PASSWORD),
            ("Recyclable", "true"),
        ],
    )
    .await
    .ok();
    assert_eq!(keys(&body), ["RequestId"]);
    let inst = srv.describe_one(&id).await.expect("listed");
    assert_eq!(inst["InstanceName"], "web-renamed");
    assert_eq!(inst["Description"], "the web tier");
    assert_eq!(inst["HostName"], "web-01.prod");
    assert_eq!(inst["Recyclable"], true);
    let attr = srv
        .call("DescribeInstanceAttribute", &[("InstanceId", &id)])
        .await
        .ok();
    assert_eq!(attr["InstanceName"], "web-renamed");
    assert_eq!(attr["Description"], "the web tier");
    assert_eq!(attr["HostName"], "web-01.prod");

    // Running instances take every one of these too.
    modify(&srv, RUNNING, &[("Password", PASSWORD), ("HostName", "db")])
        .await
        .ok();
    assert_eq!(srv.describe_one(RUNNING).await.unwrap()["HostName"], "db");

    // The password is in no response and no state dump.
    let listing = srv.call("DescribeInstances", &[]).await;
    assert!(!listing.body.contains(PASSWORD));
    assert!(!attr.to_string().contains(PASSWORD));
    let state = srv.raw("GET", "/_mock/state").send().await;
    assert_eq!(state.status, 200);
    assert!(
        !state.body.contains(PASSWORD),
        "the state dump holds the password"
    );
    assert!(
        !state.body.contains("Password"),
        "the state dump names a password"
    );
    let journal = srv.raw("GET", "/_mock/requests").send().await;
    assert_eq!(journal.status, 200);
    assert!(journal.body.contains("ModifyInstanceAttribute"));
    assert!(
        !journal.body.contains(PASSWORD),
        "the journal holds the password"
    );
}

#[tokio::test]
async fn modify_attribute_refusals() {
    let srv = TestServer::start().await;
    let id = stopped(&srv, "ecs.g7.large", &[]).await;
    let malformed = |name: &str| format!("The specified parameter \"{name}\" is not valid.");
    for (params, code, name) in [
        (
            ("InstanceName", "x"),
            "InvalidInstanceName.Malformed",
            "InstanceName",
        ),
        (
            ("InstanceName", "1st"),
            "InvalidInstanceName.Malformed",
            "InstanceName",
        ),
        (
            ("InstanceName", "http://web"),
            "InvalidInstanceName.Malformed",
            "InstanceName",
        ),
        (
            ("Description", "x"),
            "InvalidDescription.Malformed",
            "Description",
        ),
        (
            ("Description", "https://x.y"),
            "InvalidDescription.Malformed",
            "Description",
        ),
        (
            ("HostName", "-web"),
            "InvalidHostName.Malformed",
            "HostName",
        ),
        (
            ("HostName", "we..b"),
            "InvalidHostName.Malformed",
            "HostName",
        ),
        (
            ("HostName", "web_1"),
            "InvalidHostName.Malformed",
            "HostName",
        ),
        (
            ("Password", "short1A"),
            "InvalidPassword.Malformed",
            "Password",
        ),
        (
            ("Password", "alllowercase1"),
            "InvalidPassword.Malformed",
            "Password",
        ),
        (
            ("Password", "With Space1"),
            "InvalidPassword.Malformed",
            "Password",
        ),
    ] {
        modify(&srv, &id, &[params])
            .await
            .err(400, code, Some(&malformed(name)));
    }
    let long_description = "d".repeat(257);
    modify(&srv, &id, &[("Description", &long_description)])
        .await
        .err(400, "InvalidDescription.Malformed", None);
    let long_name = format!("a{}", "b".repeat(128));
    modify(&srv, &id, &[("InstanceName", &long_name)])
        .await
        .err(400, "InvalidInstanceName.Malformed", None);
    // Nothing changed.
    let inst = srv.describe_one(&id).await.unwrap();
    assert_ne!(inst["HostName"], "-web");

    call(&srv, "ModifyInstanceAttribute", &[("InstanceName", "web")])
        .await
        .err(400, "MissingInstanceId", None);
    modify(&srv, UNKNOWN, &[("InstanceName", "web")]).await.err(
        404,
        "InvalidInstanceId.NotFound",
        None,
    );
    modify(&srv, OTHER_ACCOUNT, &[("InstanceName", "web")])
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
    modify(&srv, SECLOCK, &[("InstanceName", "web")]).await.err(
        403,
        "InstanceLockedForSecurity",
        None,
    );

    // Status rules: host name not while Pending/Starting, password not while Starting.
    modify(&srv, STARTING, &[("HostName", "web")])
        .await
        .err(403, "IncorrectInstanceStatus", None);
    modify(&srv, STARTING, &[("Password", PASSWORD)]).await.err(
        403,
        "IncorrectInstanceStatus",
        None,
    );
    let pending = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", IMAGE),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", "cn-hangzhou-h"),
            ],
        )
        .await
        .ok()["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string();
    modify(&srv, &pending, &[("HostName", "web")])
        .await
        .err(403, "IncorrectInstanceStatus", None);
    modify(&srv, &pending, &[("InstanceName", "renamed")])
        .await
        .ok();

    // Deletion protection is for pay-as-you-go instances only.
    modify(&srv, PREPAID, &[("DeletionProtection", "true")])
        .await
        .err(
            403,
            "InvalidChargeType.ValueNotSupported",
            Some("Deletion protection is only valid for postPaid instance, not for prePaid or spot instance."),
        );
    modify(&srv, &id, &[("DeletionProtection", "maybe")])
        .await
        .err(400, "InvalidParameter", None);
}

#[tokio::test]
async fn deletion_protection_blocks_release_until_it_is_lifted() {
    let srv = TestServer::start().await;
    let protected_msg = "The operation is not allowed due to deletion protection.";
    let id = stopped(&srv, "ecs.g7.large", &[]).await;
    assert_eq!(
        srv.describe_one(&id).await.unwrap()["DeletionProtection"],
        false
    );
    modify(&srv, &id, &[("DeletionProtection", "true")])
        .await
        .ok();
    assert_eq!(
        srv.describe_one(&id).await.unwrap()["DeletionProtection"],
        true
    );
    for force in ["false", "true"] {
        call(
            &srv,
            "DeleteInstance",
            &[("InstanceId", &id), ("Force", force)],
        )
        .await
        .err(
            403,
            "InvalidOperation.DeletionProtection",
            Some(protected_msg),
        );
    }
    srv.call(
        "DeleteInstances",
        &[("InstanceId.1", &id), ("Force", "true")],
    )
    .await
    .err(
        403,
        "InvalidOperation.DeletionProtection",
        Some(protected_msg),
    );
    assert!(srv.describe_one(&id).await.is_some(), "still there");

    modify(&srv, &id, &[("DeletionProtection", "False")])
        .await
        .ok();
    assert_eq!(
        srv.describe_one(&id).await.unwrap()["DeletionProtection"],
        false
    );
    call(&srv, "DeleteInstance", &[("InstanceId", &id)])
        .await
        .ok();
    assert!(srv.describe_one(&id).await.is_none(), "released");

    // RunInstances takes it too.
    let run = running(&srv, &[("DeletionProtection", "true")]).await;
    assert_eq!(
        srv.describe_one(&run).await.unwrap()["DeletionProtection"],
        true
    );
    call(
        &srv,
        "DeleteInstance",
        &[("InstanceId", &run), ("Force", "true")],
    )
    .await
    .err(
        403,
        "InvalidOperation.DeletionProtection",
        Some(protected_msg),
    );
}

#[tokio::test]
async fn user_data_is_kept_and_shown_only_by_describe_user_data() {
    let srv = TestServer::start().await;
    let id = running(&srv, &[("UserData", USER_DATA)]).await;
    let body = user_data_of(&srv, &id).await;
    assert_eq!(
        keys(&body),
        ["RequestId", "UserData", "InstanceId", "RegionId"]
    );
    assert_eq!(body["UserData"], USER_DATA);
    assert_eq!(body["InstanceId"], id.as_str());
    assert_eq!(body["RegionId"], "cn-hangzhou");
    let listing = srv.call("DescribeInstances", &[]).await;
    assert!(
        !listing.body.contains("UserData"),
        "DescribeInstances shows user data"
    );
    assert!(!listing.body.contains(USER_DATA));
    let attr = srv
        .call("DescribeInstanceAttribute", &[("InstanceId", &id)])
        .await;
    assert!(!attr.body.contains("UserData"));
    // The state keeps it (a restart must not lose it).
    let state = srv.state_instance(&id).await.unwrap();
    assert_eq!(state["UserData"], USER_DATA);

    // None: "".
    assert_eq!(user_data_of(&srv, RUNNING).await["UserData"], "");

    // Changing it needs a Stopped instance.
    let new_data = "ZWNobyBieWUK";
    modify(&srv, &id, &[("UserData", new_data)]).await.err(
        400,
        "InvalidStatus.StoppedRequired",
        Some("The current state of the resource does not support this operation, it can only be operated in a stopped state."),
    );
    srv.call("StopInstance", &[("InstanceId", &id)]).await.ok();
    srv.advance(STEP_MS);
    srv.assert_status(&id, "Stopped").await;
    modify(&srv, &id, &[("UserData", new_data)]).await.ok();
    assert_eq!(user_data_of(&srv, &id).await["UserData"], new_data);

    // Format and size.
    modify(&srv, &id, &[("UserData", "not base64!")]).await.err(
        403,
        "InvalidUserData.Base64FormatInvalid",
        Some("The specified UserData is not valid"),
    );
    use base64::Engine;
    let big = base64::engine::general_purpose::STANDARD.encode(vec![b'x'; 32 * 1024 + 1]);
    let exactly = base64::engine::general_purpose::STANDARD.encode(vec![b'x'; 32 * 1024]);
    modify(&srv, &id, &[("UserData", &big)]).await.err(
        400,
        "InvalidUserData.SizeExceeded",
        Some("The specified parameter \"UserData\" exceeds the size."),
    );
    modify(&srv, &id, &[("UserData", &exactly)]).await.ok();
    assert_eq!(user_data_of(&srv, &id).await["UserData"], exactly.as_str());
    for action in ["RunInstances", "CreateInstance"] {
        srv.call(
            action,
            &[
                ("ImageId", IMAGE),
                ("InstanceType", "ecs.g7.large"),
                ("UserData", "%%%"),
            ],
        )
        .await
        .err(403, "InvalidUserData.Base64FormatInvalid", None);
        srv.call(
            action,
            &[
                ("ImageId", IMAGE),
                ("InstanceType", "ecs.g7.large"),
                ("UserData", &big),
            ],
        )
        .await
        .err(400, "InvalidUserData.SizeExceeded", None);
    }

    // DescribeUserData refusals.
    call(&srv, "DescribeUserData", &[("InstanceId", &id)])
        .await
        .err(400, "MissingRegionId", None);
    srv.call("DescribeUserData", &[])
        .await
        .err(400, "MissingInstanceId", None);
    srv.call("DescribeUserData", &[("InstanceId", UNKNOWN)])
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
    srv.call("DescribeUserData", &[("InstanceId", SHANGHAI)])
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
    srv.rpc("DescribeUserData")
        .region(Some("cn-nowhere"))
        .p("InstanceId", &id)
        .send()
        .await
        .err(404, "InvalidRegionId.NotFound", None);

    // XML.
    let xml = srv
        .rpc("DescribeUserData")
        .p("InstanceId", &id)
        .format(Some("XML"))
        .send()
        .await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    assert!(
        xml.body.contains(&format!("<InstanceId>{id}</InstanceId>")),
        "{}",
        xml.body
    );
    assert!(
        xml.body.contains("<RegionId>cn-hangzhou</RegionId>"),
        "{}",
        xml.body
    );
}

#[tokio::test]
async fn run_instances_checks_host_name_and_password() {
    let srv = TestServer::start().await;
    let base = [("ImageId", IMAGE), ("InstanceType", "ecs.g7.large")];
    let with = |k: &'static str, v: &'static str| {
        let mut p = base.to_vec();
        p.push((k, v));
        p
    };
    srv.call("RunInstances", &with("HostName", "bad_host"))
        .await
        .err(400, "InvalidHostName.Malformed", None);
    srv.call("RunInstances", &with("Password", "weakpassword"))
        .await
        .err(400, "InvalidPassword.Malformed", None);
    let body = srv
        .call("RunInstances", &with("Password", PASSWORD))
        .await
        .ok();
    let id = body["InstanceIdSets"]["InstanceIdSet"][0].as_str().unwrap();
    let state = srv.raw("GET", "/_mock/state").send().await;
    assert!(!state.body.contains(PASSWORD));
    // A ClientToken retry remembers the parameters, the password only as a digest: the
    // same password replays, another one is a mismatch.
    let mut token = with("Password", PASSWORD);
    token.push(("ClientToken", "attrs-token-1"));
    let first = srv.call("RunInstances", &token).await.ok();
    assert_eq!(
        srv.call("RunInstances", &token).await.ok()["InstanceIdSets"],
        first["InstanceIdSets"]
    );
    token[2] = ("Password", "Other$ecret12");
    srv.call("RunInstances", &token)
        .await
        .err(400, "IdempotentParameterMismatch", None);
    srv.call("RunInstances", &with("HostName", "web-[1,3]"))
        .await
        .ok();
    // Windows host names: at most 15 characters, no periods.
    let win = [
        (
            "ImageId",
            "win2022_21H2_x64_dtc_en-us_40G_alibase_20250817.vhd",
        ),
        ("InstanceType", "ecs.g7.large"),
        ("HostName", "web.prod"),
    ];
    srv.call("RunInstances", &win)
        .await
        .err(400, "InvalidHostName.Malformed", None);
    assert!(srv.describe_one(id).await.is_some());
}

#[tokio::test]
async fn allocate_public_ip_address() {
    let srv = TestServer::start().await;
    let id = stopped(&srv, "ecs.g7.large", &[]).await;
    let inst = srv.describe_one(&id).await.unwrap();
    assert_eq!(inst["PublicIpAddress"]["IpAddress"], json!([]));
    // No public bandwidth yet.
    call(&srv, "AllocatePublicIpAddress", &[("InstanceId", &id)])
        .await
        .err(
            400,
            "AllocateIpInvalidInstanceBandwidth",
            Some("OperationDenied The InternetMaxBandwidthOut of the specified instance cannot be less than 0."),
        );
    spec(&srv, &id, &[("InternetMaxBandwidthOut", "10")])
        .await
        .ok();
    let body = call(&srv, "AllocatePublicIpAddress", &[("InstanceId", &id)])
        .await
        .ok();
    assert_eq!(keys(&body), ["RequestId", "IpAddress"]);
    let ip = body["IpAddress"].as_str().unwrap().to_string();
    assert!(ip.starts_with("47.96.") || ip.starts_with("47.97."), "{ip}");
    let inst = srv.describe_one(&id).await.unwrap();
    assert_eq!(inst["PublicIpAddress"]["IpAddress"], json!([ip]));
    assert_eq!(inst["InternetMaxBandwidthOut"], 10);
    let attr = srv
        .call("DescribeInstanceAttribute", &[("InstanceId", &id)])
        .await
        .ok();
    assert_eq!(attr["PublicIpAddress"]["IpAddress"], json!([ip]));

    // One address per instance.
    call(&srv, "AllocatePublicIpAddress", &[("InstanceId", &id)])
        .await
        .err(
            403,
            "AllocatedAlready",
            Some("There is an IpAddress allocated already for the specified instance."),
        );
    call(&srv, "AllocatePublicIpAddress", &[("InstanceId", RUNNING)])
        .await
        .err(403, "AllocatedAlready", None);

    // Addresses are unique: a running instance gets another one; a named one in use is refused.
    let other = running(&srv, &[]).await;
    spec(&srv, &other, &[("InternetMaxBandwidthOut", "5")])
        .await
        .ok();
    call(
        &srv,
        "AllocatePublicIpAddress",
        &[("InstanceId", &other), ("IpAddress", "47.98.10.23")],
    )
    .await
    .err(403, "IpInUse", Some("The specified IP is already in use."));
    call(
        &srv,
        "AllocatePublicIpAddress",
        &[("InstanceId", &other), ("IpAddress", &ip)],
    )
    .await
    .err(403, "IpInUse", None);
    call(
        &srv,
        "AllocatePublicIpAddress",
        &[("InstanceId", &other), ("IpAddress", "300.1.2.3")],
    )
    .await
    .err(
        400,
        "InvalidIpAddress.Malformed",
        Some("The specified parameter \"IpAddress\" is not valid."),
    );
    let second = call(&srv, "AllocatePublicIpAddress", &[("InstanceId", &other)])
        .await
        .ok()["IpAddress"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(second, ip);
    // A named free address is taken as is.
    let third = running(&srv, &[]).await;
    spec(&srv, &third, &[("InternetMaxBandwidthOut", "1")])
        .await
        .ok();
    let named = call(
        &srv,
        "AllocatePublicIpAddress",
        &[("InstanceId", &third), ("IpAddress", "47.96.200.7")],
    )
    .await
    .ok();
    assert_eq!(named["IpAddress"], "47.96.200.7");

    // Status and locks.
    call(&srv, "AllocatePublicIpAddress", &[("InstanceId", STARTING)])
        .await
        .err(403, "IncorrectInstanceStatus", None);
    call(&srv, "AllocatePublicIpAddress", &[("InstanceId", SECLOCK)])
        .await
        .err(403, "InstanceLockedForSecurity", None);
    call(&srv, "AllocatePublicIpAddress", &[("InstanceId", PREPAID)])
        .await
        .err(403, "InstanceExpiredOrInArrears", None);
    call(&srv, "AllocatePublicIpAddress", &[("InstanceId", UNKNOWN)])
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
    call(&srv, "AllocatePublicIpAddress", &[])
        .await
        .err(400, "MissingInstanceId", None);
}

#[tokio::test]
async fn seeded_allocations_repeat() {
    let mut seen = Vec::new();
    for _ in 0..2 {
        let srv = TestServer::builder().seed(7).start().await;
        let id = stopped(&srv, "ecs.g7.large", &[]).await;
        spec(&srv, &id, &[("InternetMaxBandwidthOut", "10")])
            .await
            .ok();
        let body = call(&srv, "AllocatePublicIpAddress", &[("InstanceId", &id)])
            .await
            .ok();
        seen.push(body["IpAddress"].clone());
    }
    assert_eq!(seen[0], seen[1]);
}

async fn usage(srv: &TestServer) -> (u64, u64, u64) {
    let (u, _) = srv.store.change(|w| w.usage(ACCOUNT, "cn-hangzhou"));
    let per = |t: &str| u.per_type.get(t).copied().unwrap_or(0);
    (u.vcpus, per("ecs.g7.large"), per("ecs.g7.xlarge"))
}

#[tokio::test]
async fn modify_spec_moves_stock_and_quota() {
    let srv = TestServer::start().await;
    let id = stopped(&srv, "ecs.g7.large", &[]).await;
    let large = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let (vcpus, n_large, n_xlarge) = usage(&srv).await;

    // The new type sold out: NoStock, and nothing moves.
    srv.control_ok(
        "PATCH",
        "/_mock/zones/cn-hangzhou-h",
        Some(json!({"Stock": {"ecs.g7.xlarge": 0}})),
    )
    .await;
    spec(&srv, &id, &[("InstanceType", "ecs.g7.xlarge")])
        .await
        .err(403, "OperationDenied.NoStock", Some(NO_STOCK_MSG));
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, large);
    assert_eq!(usage(&srv).await, (vcpus, n_large, n_xlarge));
    assert_eq!(
        srv.describe_one(&id).await.unwrap()["InstanceType"],
        "ecs.g7.large"
    );

    // One unit in stock: the change takes it and frees the old type's unit.
    srv.control_ok(
        "PATCH",
        "/_mock/zones/cn-hangzhou-h",
        Some(json!({"Stock": {"ecs.g7.xlarge": 1}})),
    )
    .await;
    // DryRun checks without moving anything.
    spec(
        &srv,
        &id,
        &[("InstanceType", "ecs.g7.xlarge"), ("DryRun", "true")],
    )
    .await
    .err(400, "DryRunOperation", None);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.xlarge").await, 1);
    assert_eq!(usage(&srv).await, (vcpus, n_large, n_xlarge));

    let body = spec(&srv, &id, &[("InstanceType", "ecs.g7.xlarge")])
        .await
        .ok();
    assert_eq!(keys(&body), ["RequestId"]);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.xlarge").await, 0);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, large + 1);
    assert_eq!(usage(&srv).await, (vcpus + 2, n_large - 1, n_xlarge + 1));
    let inst = srv.describe_one(&id).await.unwrap();
    assert_eq!(inst["InstanceType"], "ecs.g7.xlarge");
    assert_eq!(inst["InstanceTypeFamily"], "ecs.g7");
    assert_eq!(inst["Cpu"], 4);
    assert_eq!(inst["Memory"], 16384);
    let attr = srv
        .call("DescribeInstanceAttribute", &[("InstanceId", &id)])
        .await
        .ok();
    assert_eq!(attr["Cpu"], 4);

    // And back: the xlarge unit returns.
    spec(&srv, &id, &[("InstanceType", "ecs.g7.large")])
        .await
        .ok();
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.xlarge").await, 1);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, large);
    assert_eq!(usage(&srv).await, (vcpus, n_large, n_xlarge));

    // The type quota: ecs.c7.large is limited to 0 for this account.
    spec(&srv, &id, &[("InstanceType", "ecs.c7.large")])
        .await
        .err(403, "QuotaExceed.ElasticQuota", Some(TYPE_QUOTA_MSG));
    assert_eq!(usage(&srv).await, (vcpus, n_large, n_xlarge));
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, large);

    // The instance starts as its new type.
    spec(&srv, &id, &[("InstanceType", "ecs.r7.large")])
        .await
        .ok();
    call(&srv, "StartInstance", &[("InstanceId", &id)])
        .await
        .ok();
    srv.advance(STEP_MS);
    assert_eq!(srv.describe_one(&id).await.unwrap()["Memory"], 16384);
}

#[tokio::test]
async fn modify_spec_refusals() {
    let srv = TestServer::start().await;
    let id = stopped(&srv, "ecs.g7.large", &[]).await;
    spec(&srv, &id, &[("InstanceType", "ecs.nope")]).await.err(
        400,
        "InvalidInstanceType.ValueNotSupported",
        Some("The specified InstanceType does not exist or beyond the permitted range."),
    );
    spec(&srv, &id, &[("InstanceType", "ecs.g7.large")])
        .await
        .err(
            400,
            "DependencyViolation.InstanceType",
            Some("The current InstanceType cannot be changed to the specified InstanceType."),
        );
    spec(&srv, &id, &[("InstanceType", "ecs.d1ne.2xlarge")])
        .await
        .err(400, "DependencyViolation.InstanceType", None);
    spec(&srv, LOCAL_DISK, &[("InstanceType", "ecs.g7.large")])
        .await
        .err(400, "DependencyViolation.InstanceType", None);
    spec(&srv, SHANGHAI, &[("InstanceType", "ecs.g7.xlarge")])
        .await
        .err(
            400,
            "InvalidInstanceType.ValueNotSupported",
            Some("The specified zone does not offer the specified instancetype."),
        );
    spec(&srv, RUNNING, &[("InstanceType", "ecs.g7.xlarge")])
        .await
        .err(
            400,
            "InvalidInstanceStatus.NotStopped",
            Some("The specified Instance status is not stopped."),
        );
    spec(
        &srv,
        &id,
        &[
            ("InstanceType", "ecs.g7.xlarge"),
            ("InternetMaxBandwidthOut", "5"),
        ],
    )
    .await
    .err(
        400,
        "InvalidParameter.Mismatch",
        Some("Too many parameters in one request."),
    );
    spec(&srv, &id, &[])
        .await
        .err(400, "MissingParameter", None);
    spec(&srv, &id, &[("InternetMaxBandwidthOut", "101")])
        .await
        .err(
            400,
            "InvalidParameter",
            Some("The specified parameter \"InternetMaxBandwidthOut\" is not valid."),
        );
    spec(&srv, PREPAID, &[("InternetMaxBandwidthOut", "5")])
        .await
        .err(403, "ChargeTypeViolation", None);
    spec(&srv, SECLOCK, &[("InstanceType", "ecs.g7.xlarge")])
        .await
        .err(403, "InstanceLockedForSecurity", None);
    spec(&srv, STARTING, &[("InternetMaxBandwidthOut", "5")])
        .await
        .err(403, "InvalidStatus.ValueNotSupported", None);
    spec(&srv, UNKNOWN, &[("InstanceType", "ecs.g7.xlarge")])
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
    call(
        &srv,
        "ModifyInstanceSpec",
        &[("InstanceType", "ecs.g7.xlarge")],
    )
    .await
    .err(400, "MissingInstanceId", None);
    srv.rpc("ModifyInstanceSpec")
        .region(None)
        .key("broke")
        .secret("broke")
        .p("InstanceId", BROKE)
        .p("InternetMaxBandwidthOut", "5")
        .send()
        .await
        .err(
            403,
            "InvalidAccountStatus.NotEnoughBalance",
            Some("Your account does not have enough balance."),
        );
    // Bandwidth on a running instance is fine.
    spec(&srv, RUNNING, &[("InternetMaxBandwidthOut", "20")])
        .await
        .ok();
    assert_eq!(
        srv.describe_one(RUNNING).await.unwrap()["InternetMaxBandwidthOut"],
        20
    );
}
