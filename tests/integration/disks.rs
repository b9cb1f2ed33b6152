//! Disks as resources: DescribeDisks, CreateDisk, AttachDisk, DetachDisk, DeleteDisk,
//! ResizeDisk, the disks RunInstances creates and DeleteInstance keeps or releases, the
//! disk PATCH route, and every documented refusal with its code and HTTP status.
//! Transitions follow the frozen emulator clock (fast profile: one second each).

use serde_json::{json, Value};

use crate::common::{TestServer, STEP_MS};

const STOPPED: &str = "i-bp1stopped0000000001";
const RUNNING: &str = "i-bp1running0000000001";
const OTHER_ZONE: &str = "i-bp1stopped2000000001";
const STARTING: &str = "i-bp1starting000000001";
const SECLOCK: &str = "i-bp1seclock0000000001";
const LOCAL: &str = "i-bp1localdisk00000001";
const ZONE_H: &str = "cn-hangzhou-h";

/// Send `action` without RegionId (AttachDisk, DetachDisk, DeleteDisk and ResizeDisk
/// take none, as Terraform sends them).
async fn no_region(srv: &TestServer, action: &str, params: &[(&str, &str)]) -> crate::common::Resp {
    let mut rpc = srv.rpc(action).region(None);
    for (k, v) in params {
        rpc = rpc.p(k, v);
    }
    rpc.send().await
}

/// Assert a refusal's status and code.
fn refused(r: &crate::common::Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.json()["Code"], code, "{}", r.body);
}

async fn describe(srv: &TestServer, params: &[(&str, &str)]) -> Value {
    srv.call("DescribeDisks", params).await.ok()
}

fn disks(body: &Value) -> Vec<Value> {
    body["Disks"]["Disk"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn one_disk(srv: &TestServer, id: &str) -> Option<Value> {
    let ids = format!("[\"{id}\"]");
    disks(&describe(srv, &[("DiskIds", &ids)]).await)
        .into_iter()
        .next()
}

async fn create(srv: &TestServer, params: &[(&str, &str)]) -> String {
    let body = srv.call("CreateDisk", params).await.ok();
    body["DiskId"].as_str().expect("DiskId").to_string()
}

async fn create_available(srv: &TestServer) -> String {
    let id = create(
        srv,
        &[
            ("ZoneId", ZONE_H),
            ("Size", "20"),
            ("DiskCategory", "cloud_essd"),
        ],
    )
    .await;
    srv.advance(STEP_MS);
    id
}

#[tokio::test]
async fn describe_shows_an_instances_disks_in_the_captured_shape() {
    let srv = TestServer::start().await;
    let body = describe(&srv, &[("InstanceId", STOPPED), ("DiskType", "system")]).await;
    assert_eq!(body["TotalCount"], 1);
    assert_eq!(body["PageNumber"], 1);
    assert_eq!(body["PageSize"], 10);
    assert_eq!(body["NextToken"], "");
    let d = &disks(&body)[0];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 40, "{keys:?}");
    assert_eq!(d["DiskId"], "d-bp1stopped0000000001");
    assert_eq!(d["Type"], "system");
    assert_eq!(d["Status"], "In_use");
    assert_eq!(d["Device"], "/dev/xvda");
    assert_eq!(d["Size"], 40);
    assert_eq!(d["Category"], "cloud_essd");
    assert_eq!(d["PerformanceLevel"], "PL1");
    assert_eq!(d["IOPS"], 3800);
    assert_eq!(d["Throughput"], 140);
    assert_eq!(d["InstanceId"], STOPPED);
    assert_eq!(d["ZoneId"], ZONE_H);
    assert_eq!(d["RegionId"], "cn-hangzhou");
    assert_eq!(d["DeleteWithInstance"], true);
    assert_eq!(d["DeleteAutoSnapshot"], false);
    assert_eq!(d["ExpiredTime"], "2999-09-08T16:00Z");
    assert_eq!(d["SerialNumber"], "bp1stopped0000000001");
    assert_eq!(d["Tags"], json!({"Tag": []}));
    assert_eq!(d["Attachments"]["Attachment"][0]["InstanceId"], STOPPED);
    assert_eq!(d["Attachments"]["Attachment"][0]["Device"], "/dev/xvda");
    assert_eq!(d["OperationLocks"], json!({"OperationLock": []}));

    // Data disks get /dev/xvdb…; DiskType=data leaves the system disk out.
    let body = describe(&srv, &[("InstanceId", "i-bp1diskarrears000001")]).await;
    assert_eq!(body["TotalCount"], 2);
    let data = describe(
        &srv,
        &[
            ("InstanceId", "i-bp1diskarrears000001"),
            ("DiskType", "data"),
        ],
    )
    .await;
    let d = &disks(&data)[0];
    assert_eq!(d["Device"], "/dev/xvdb");
    assert_eq!(d["ExpiredTime"], "2026-03-01T16:00Z");

    // XML too.
    let r = srv
        .rpc("DescribeDisks")
        .format(Some("XML"))
        .p("InstanceId", STOPPED)
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("<DiskId>d-bp1stopped0000000001</DiskId>"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn describe_filters_and_pages() {
    let srv = TestServer::start().await;
    let all = describe(&srv, &[("PageSize", "100")]).await;
    let total = all["TotalCount"].as_u64().unwrap();
    assert!(total >= 20, "{total}");
    // Local disks show as data disks of a local category, not portable.
    let local = describe(&srv, &[("InstanceId", LOCAL), ("Portable", "false")]).await;
    assert_eq!(local["TotalCount"], 2);
    assert_eq!(disks(&local)[0]["Category"], "local_hdd_pro");
    // Status filter.
    let errored = describe(&srv, &[("Status", "In_use"), ("PageSize", "100")]).await;
    assert!(errored["TotalCount"].as_u64().unwrap() < total);
    // NextToken paging walks everything once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut params = vec![("MaxResults", "10")];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let page = describe(&srv, &params).await;
        seen.extend(
            disks(&page)
                .into_iter()
                .map(|d| d["DiskId"].as_str().unwrap().to_string()),
        );
        token = page["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len() as u64, total);
    // DiskIds: unknown ids are dropped.
    let body = describe(
        &srv,
        &[("DiskIds", r#"["d-bp1stopped0000000001","d-nope"]"#)],
    )
    .await;
    assert_eq!(body["TotalCount"], 1);
    // Another account's disk is not visible.
    let body = describe(&srv, &[("DiskIds", r#"["d-bp1otheracct00000001"]"#)]).await;
    assert_eq!(body["TotalCount"], 0);
    // ZoneId filter.
    let body = describe(&srv, &[("ZoneId", "cn-hangzhou-i"), ("PageSize", "100")]).await;
    assert!(disks(&body).iter().all(|d| d["ZoneId"] == "cn-hangzhou-i"));
}

#[tokio::test]
async fn describe_refusals() {
    let srv = TestServer::start().await;
    let cases: [(&str, &str, u16, &str); 6] = [
        ("DiskType", "boot", 400, "InvalidDiskType.ValueNotSupported"),
        (
            "Category",
            "floppy",
            400,
            "InvalidCategory.ValueNotSupported",
        ),
        ("Status", "Broken", 400, "InvalidStatus.ValueNotSupported"),
        ("DiskIds", "d-1", 400, "InvalidParameter.DiskIds"),
        ("ZoneId", "cn-hangzhou-z", 404, "InvalidZoneId.NotFound"),
        ("NextToken", "zz", 400, "InvalidParameter.NextToken"),
    ];
    for (k, v, status, code) in cases {
        refused(&srv.call("DescribeDisks", &[(k, v)]).await, status, code);
    }
    let many: Vec<String> = (0..101).map(|n| format!("\"d-{n}\"")).collect();
    let many = format!("[{}]", many.join(","));
    refused(
        &srv.call("DescribeDisks", &[("DiskIds", &many)]).await,
        403,
        "InvalidDiskIds.Malformed",
    );
    refused(
        &srv.rpc("DescribeDisks").region(None).send().await,
        400,
        "MissingRegionId",
    );
}

#[tokio::test]
async fn create_attach_detach_delete_follow_the_clock() {
    let srv = TestServer::start().await;
    let id = create(
        &srv,
        &[
            ("ZoneId", ZONE_H),
            ("Size", "50"),
            ("DiskCategory", "cloud_efficiency"),
            ("DiskName", "data-1"),
            ("Description", "scratch space"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "test"),
        ],
    )
    .await;
    assert!(id.starts_with("d-") && id.len() == 22, "{id}");
    let d = one_disk(&srv, &id).await.expect("listed");
    assert_eq!(d["Status"], "Creating");
    assert_eq!(d["Type"], "data");
    assert_eq!(d["Portable"], true);
    assert_eq!(d["DeleteWithInstance"], false);
    assert_eq!(d["DiskChargeType"], "PostPaid");
    assert_eq!(d["Size"], 50);
    assert_eq!(d["Category"], "cloud_efficiency");
    assert_eq!(d["PerformanceLevel"], "");
    assert_eq!(d["DiskName"], "data-1");
    assert_eq!(
        d["Tags"]["Tag"][0],
        json!({"TagKey": "env", "TagValue": "test"})
    );
    assert_eq!(d["InstanceId"], "");
    assert_eq!(d["Attachments"], json!({"Attachment": []}));
    // Creating cannot be deleted yet.
    refused(
        &no_region(&srv, "DeleteDisk", &[("DiskId", &id)]).await,
        403,
        "IncorrectDiskStatus.Initializing",
    );
    srv.advance(STEP_MS);
    assert_eq!(one_disk(&srv, &id).await.unwrap()["Status"], "Available");

    // Attach to a running instance: Attaching, then In_use on /dev/xvdb.
    no_region(
        &srv,
        "AttachDisk",
        &[("InstanceId", RUNNING), ("DiskId", &id)],
    )
    .await
    .ok();
    let d = one_disk(&srv, &id).await.unwrap();
    assert_eq!(d["Status"], "Attaching");
    assert_eq!(d["InstanceId"], RUNNING);
    assert_eq!(d["Device"], "/dev/xvdb");
    srv.advance(STEP_MS);
    let by_instance = describe(&srv, &[("InstanceId", RUNNING)]).await;
    assert_eq!(by_instance["TotalCount"], 2);
    let d = one_disk(&srv, &id).await.unwrap();
    assert_eq!(d["Status"], "In_use");
    assert_eq!(d["Attachments"]["Attachment"][0]["Device"], "/dev/xvdb");
    // The state dump shows it among the instance's MockDisks.
    let inst = srv.state_instance(RUNNING).await.unwrap();
    assert!(inst["MockDisks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["DiskId"] == id.as_str()));
    // An attached disk cannot be deleted.
    refused(
        &no_region(&srv, "DeleteDisk", &[("DiskId", &id)]).await,
        403,
        "DiskStillAttached",
    );

    // Detach: Detaching, then Available.
    no_region(
        &srv,
        "DetachDisk",
        &[("InstanceId", RUNNING), ("DiskId", &id)],
    )
    .await
    .ok();
    let d = one_disk(&srv, &id).await.unwrap();
    assert_eq!(d["Status"], "Detaching");
    assert_eq!(d["InstanceId"], "");
    assert_ne!(d["DetachedTime"], "");
    refused(
        &no_region(
            &srv,
            "DetachDisk",
            &[("InstanceId", RUNNING), ("DiskId", &id)],
        )
        .await,
        403,
        "InvalidOperation.DiskDetachingFromThisEcs",
    );
    refused(
        &no_region(&srv, "DeleteDisk", &[("DiskId", &id)]).await,
        403,
        "IncorrectDiskStatus",
    );
    srv.advance(STEP_MS);
    assert_eq!(one_disk(&srv, &id).await.unwrap()["Status"], "Available");
    refused(
        &no_region(
            &srv,
            "DetachDisk",
            &[("InstanceId", RUNNING), ("DiskId", &id)],
        )
        .await,
        404,
        "InvalidDisk.AlreadyDetached",
    );

    no_region(&srv, "DeleteDisk", &[("DiskId", &id)]).await.ok();
    assert!(one_disk(&srv, &id).await.is_none());
    refused(
        &no_region(&srv, "DeleteDisk", &[("DiskId", &id)]).await,
        404,
        "InvalidDiskId.NotFound",
    );
}

#[tokio::test]
async fn create_refusals() {
    let srv = TestServer::start().await;
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (vec![("Size", "20")], 400, "MissingZoneId"),
        (
            vec![("ZoneId", ZONE_H), ("InstanceId", STOPPED), ("Size", "20")],
            403,
            "InvalidParam.ZoneIdAndInstanceId.Conflict",
        ),
        (vec![("ZoneId", ZONE_H)], 400, "MissingParameter"),
        (
            vec![("ZoneId", ZONE_H), ("Size", "big")],
            400,
            "InvalidSize.ValueNotSupported",
        ),
        (
            vec![("ZoneId", ZONE_H), ("Size", "3")],
            403,
            "InvalidDataDiskSize.ValueNotSupported",
        ),
        (
            vec![
                ("ZoneId", ZONE_H),
                ("Size", "20"),
                ("DiskCategory", "floppy"),
            ],
            400,
            "InvalidDiskCategory.ValueNotSupported",
        ),
        (
            vec![
                ("ZoneId", ZONE_H),
                ("Size", "100"),
                ("DiskCategory", "cloud_essd"),
                ("PerformanceLevel", "PL2"),
            ],
            403,
            "OperationDenied.PerformanceLevelNotMatch",
        ),
        (
            vec![
                ("ZoneId", ZONE_H),
                ("Size", "100"),
                ("PerformanceLevel", "PL9"),
            ],
            400,
            "InvalidPerformanceLevel.Malformed",
        ),
        (
            vec![("ZoneId", ZONE_H), ("Size", "20"), ("DiskName", "1bad")],
            400,
            "InvalidDiskName.Malformed",
        ),
        (
            vec![
                ("ZoneId", ZONE_H),
                ("Size", "20"),
                ("Description", "http://x"),
            ],
            400,
            "InvalidDescription.Malformed",
        ),
        (
            vec![("ZoneId", "cn-hangzhou-z"), ("Size", "20")],
            404,
            "InvalidZoneId.NotFound",
        ),
        (
            vec![("InstanceId", "i-nope"), ("Size", "20")],
            404,
            "InvalidInstanceId.NotFound",
        ),
    ];
    for (params, status, code) in cases {
        let r = srv.call("CreateDisk", &params).await;
        refused(&r, status, code);
    }
    let r = srv
        .rpc("CreateDisk")
        .region(Some("xx-nowhere-1"))
        .p("ZoneId", ZONE_H)
        .p("Size", "20")
        .send()
        .await;
    refused(&r, 404, "InvalidRegionId.NotFound");
}

#[tokio::test]
async fn create_with_an_instance_attaches_it() {
    let srv = TestServer::start().await;
    let id = create(
        &srv,
        &[
            ("InstanceId", STOPPED),
            ("Size", "30"),
            ("DiskCategory", "cloud_essd"),
        ],
    )
    .await;
    let d = one_disk(&srv, &id).await.unwrap();
    assert_eq!(d["Status"], "Creating");
    assert_eq!(d["InstanceId"], STOPPED);
    assert_eq!(d["ZoneId"], ZONE_H);
    srv.advance(STEP_MS);
    assert_eq!(one_disk(&srv, &id).await.unwrap()["Status"], "In_use");
}

#[tokio::test]
async fn attach_refusals() {
    let srv = TestServer::start().await;
    let id = create_available(&srv).await;
    let attach = |inst: &'static str, disk: String| {
        let srv = &srv;
        async move {
            no_region(
                srv,
                "AttachDisk",
                &[("InstanceId", inst), ("DiskId", &disk)],
            )
            .await
        }
    };
    refused(
        &attach(STOPPED, "d-nope".into()).await,
        404,
        "InvalidDiskId.NotFound",
    );
    refused(
        &attach("i-nope", id.clone()).await,
        404,
        "InvalidInstanceId.NotFound",
    );
    refused(
        &attach(OTHER_ZONE, id.clone()).await,
        403,
        "ResourcesNotInSameZone",
    );
    // AttachDisk's own error table gives this code 400 (403 elsewhere).
    refused(
        &attach(STARTING, id.clone()).await,
        400,
        "IncorrectInstanceStatus",
    );
    refused(
        &attach(SECLOCK, id.clone()).await,
        403,
        "InstanceLockedForSecurity",
    );
    // An attached disk is not Available.
    refused(
        &attach(STOPPED, "d-bp1running0000000001".into()).await,
        403,
        "IncorrectDiskStatus",
    );
    let r = no_region(
        &srv,
        "AttachDisk",
        &[
            ("InstanceId", STOPPED),
            ("DiskId", &id),
            ("Device", "/dev/sda"),
        ],
    )
    .await;
    refused(&r, 400, "InvalidDevice.Malformed");
    let r = no_region(
        &srv,
        "AttachDisk",
        &[
            ("InstanceId", STOPPED),
            ("DiskId", &id),
            ("Device", "/dev/xvda"),
        ],
    )
    .await;
    refused(&r, 400, "InvalidDevice.Malformed");
    // A disk still Creating is not Available.
    let fresh = create(&srv, &[("ZoneId", ZONE_H), ("Size", "20")]).await;
    refused(&attach(STOPPED, fresh).await, 403, "IncorrectDiskStatus");
    // Device taken; then the instance fills up.
    no_region(
        &srv,
        "AttachDisk",
        &[
            ("InstanceId", STOPPED),
            ("DiskId", &id),
            ("Device", "/dev/xvdc"),
        ],
    )
    .await
    .ok();
    let other = create_available(&srv).await;
    let r = no_region(
        &srv,
        "AttachDisk",
        &[
            ("InstanceId", STOPPED),
            ("DiskId", &other),
            ("Device", "/dev/xvdc"),
        ],
    )
    .await;
    refused(&r, 403, "InvalidDevice.InUse");
    no_region(
        &srv,
        "AttachDisk",
        &[("InstanceId", STOPPED), ("DiskId", &other)],
    )
    .await
    .ok();
    assert_eq!(one_disk(&srv, &other).await.unwrap()["Device"], "/dev/xvdb");
    for _ in 0..14 {
        let more = create_available(&srv).await;
        no_region(
            &srv,
            "AttachDisk",
            &[("InstanceId", STOPPED), ("DiskId", &more)],
        )
        .await
        .ok();
    }
    let last = create_available(&srv).await;
    refused(
        &attach(STOPPED, last).await,
        403,
        "InstanceDiskLimitExceeded",
    );
}

#[tokio::test]
async fn detach_refusals() {
    let srv = TestServer::start().await;
    let detach = |inst: &'static str, disk: &'static str| {
        let srv = &srv;
        async move { no_region(srv, "DetachDisk", &[("InstanceId", inst), ("DiskId", disk)]).await }
    };
    refused(
        &detach(STOPPED, "d-nope").await,
        404,
        "InvalidDiskId.NotFound",
    );
    refused(
        &detach("i-nope", "d-bp1stopped0000000001").await,
        404,
        "InvalidInstanceId.NotFound",
    );
    refused(
        &detach(STOPPED, "d-bp1stopped0000000001").await,
        403,
        "DiskTypeViolation",
    );
    refused(
        &detach(STOPPED, "d-bp1running0000000001").await,
        403,
        "DependencyViolation",
    );
    refused(
        &detach(LOCAL, "d-bp1localdisk000loc2").await,
        403,
        "DiskNotPortable",
    );
    let id = create_available(&srv).await;
    no_region(
        &srv,
        "AttachDisk",
        &[("InstanceId", RUNNING), ("DiskId", &id)],
    )
    .await
    .ok();
    // Still Attaching.
    let r = no_region(
        &srv,
        "DetachDisk",
        &[("InstanceId", RUNNING), ("DiskId", &id)],
    )
    .await;
    refused(&r, 403, "IncorrectDiskStatus");
    srv.advance(STEP_MS);
    srv.call("StopInstance", &[("InstanceId", RUNNING)])
        .await
        .ok();
    let r = no_region(
        &srv,
        "DetachDisk",
        &[("InstanceId", RUNNING), ("DiskId", &id)],
    )
    .await;
    refused(&r, 403, "IncorrectInstanceStatus");
    srv.advance(STEP_MS);
    no_region(
        &srv,
        "DetachDisk",
        &[("InstanceId", RUNNING), ("DiskId", &id)],
    )
    .await
    .ok();
}

#[tokio::test]
async fn a_fixture_data_disk_detached_keeps_the_other_devices() {
    let srv = TestServer::start().await;
    let a = create_available(&srv).await;
    let b = create_available(&srv).await;
    for d in [&a, &b] {
        no_region(
            &srv,
            "AttachDisk",
            &[("InstanceId", STOPPED), ("DiskId", d)],
        )
        .await
        .ok();
    }
    srv.advance(STEP_MS);
    assert_eq!(one_disk(&srv, &b).await.unwrap()["Device"], "/dev/xvdc");
    no_region(
        &srv,
        "DetachDisk",
        &[("InstanceId", STOPPED), ("DiskId", &a)],
    )
    .await
    .ok();
    assert_eq!(one_disk(&srv, &b).await.unwrap()["Device"], "/dev/xvdc");
    srv.advance(STEP_MS);
    // Reattached, it takes the free device again.
    no_region(
        &srv,
        "AttachDisk",
        &[("InstanceId", STOPPED), ("DiskId", &a)],
    )
    .await
    .ok();
    assert_eq!(one_disk(&srv, &a).await.unwrap()["Device"], "/dev/xvdb");
}

#[tokio::test]
async fn resize_grows_only() {
    let srv = TestServer::start().await;
    let id = create_available(&srv).await;
    no_region(&srv, "ResizeDisk", &[("DiskId", &id), ("NewSize", "60")])
        .await
        .ok();
    assert_eq!(one_disk(&srv, &id).await.unwrap()["Size"], 60);
    let cases: [(&str, &str, &str, u16, &str); 6] = [
        ("d-nope", "100", "offline", 404, "InvalidDiskId.NotFound"),
        ("", "50", "offline", 403, "InvalidDiskSize.TooSmall"),
        ("", "60", "offline", 403, "InvalidDiskSize"),
        ("", "70000", "offline", 403, "InvalidDiskSize.TooLarge"),
        ("", "80", "sideways", 400, "InvalidParam.Type"),
        (
            "d-bp1stopped0000000001",
            "80",
            "online",
            403,
            "InvalidInstanceStatus.NotRunning",
        ),
    ];
    for (disk, size, kind, status, code) in cases {
        let disk = if disk.is_empty() { id.as_str() } else { disk };
        let r = no_region(
            &srv,
            "ResizeDisk",
            &[("DiskId", disk), ("NewSize", size), ("Type", kind)],
        )
        .await;
        refused(&r, status, code);
    }
    // A system disk grows within 2048 GiB, online on a running instance.
    no_region(
        &srv,
        "ResizeDisk",
        &[
            ("DiskId", "d-bp1running0000000001"),
            ("NewSize", "80"),
            ("Type", "online"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        one_disk(&srv, "d-bp1running0000000001").await.unwrap()["Size"],
        80
    );
    let r = no_region(
        &srv,
        "ResizeDisk",
        &[("DiskId", "d-bp1running0000000001"), ("NewSize", "4000")],
    )
    .await;
    refused(&r, 403, "InvalidDiskSize.TooLarge");
    let r = no_region(
        &srv,
        "ResizeDisk",
        &[("DiskId", "d-bp1starting000000001"), ("NewSize", "80")],
    )
    .await;
    refused(&r, 403, "IncorrectInstanceStatus");
}

#[tokio::test]
async fn run_instances_creates_disks_and_delete_keeps_or_releases_them() {
    let srv = TestServer::start().await;
    let body = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", ZONE_H),
                ("SystemDisk.Category", "cloud_efficiency"),
                ("SystemDisk.Size", "60"),
                ("DataDisk.1.Size", "100"),
                ("DataDisk.1.Category", "cloud_essd"),
                ("DataDisk.2.Size", "200"),
                ("DataDisk.2.Category", "cloud_efficiency"),
                ("DataDisk.2.DeleteWithInstance", "false"),
            ],
        )
        .await
        .ok();
    let inst = body["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string();
    let sys = describe(&srv, &[("InstanceId", &inst), ("DiskType", "system")]).await;
    let s = &disks(&sys)[0];
    assert_eq!(s["Category"], "cloud_efficiency");
    assert_eq!(s["Size"], 60);
    assert_eq!(s["ImageId"], "aliyun_3_x64_20G_alibase_20250101.vhd");
    assert_eq!(s["Device"], "/dev/xvda");
    let data = describe(&srv, &[("InstanceId", &inst), ("DiskType", "data")]).await;
    let d = disks(&data);
    assert_eq!(d.len(), 2);
    assert_eq!(d[0]["Device"], "/dev/xvdb");
    assert_eq!(d[0]["Size"], 100);
    assert_eq!(d[1]["Device"], "/dev/xvdc");
    assert_eq!(d[1]["DeleteWithInstance"], false);
    let kept = d[1]["DiskId"].as_str().unwrap().to_string();
    let gone = d[0]["DiskId"].as_str().unwrap().to_string();

    let r = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", "img"),
                ("InstanceType", "ecs.g7.large"),
                ("DataDisk.1.Category", "floppy"),
                ("DataDisk.1.Size", "20"),
            ],
        )
        .await;
    refused(&r, 403, "InvalidDataDiskCategory.ValueNotSupported");
    let r = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", "img"),
                ("InstanceType", "ecs.g7.large"),
                ("DataDisk.1.Size", "70000"),
            ],
        )
        .await;
    refused(&r, 403, "InvalidDataDiskSize.ValueNotSupported");
    let r = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", "img"),
                ("InstanceType", "ecs.g7.large"),
                ("SystemDisk.Category", "floppy"),
            ],
        )
        .await;
    refused(&r, 400, "InvalidDiskCategory.ValueNotSupported");

    // Released: the kept data disk is Available, the others are gone.
    srv.advance(10 * STEP_MS);
    srv.call(
        "DeleteInstance",
        &[("InstanceId", &inst), ("Force", "true")],
    )
    .await
    .ok();
    srv.advance(10 * STEP_MS);
    assert!(srv.status(&inst).await.is_none());
    let k = one_disk(&srv, &kept).await.expect("kept");
    assert_eq!(k["Status"], "Available");
    assert_eq!(k["InstanceId"], "");
    assert_ne!(k["DetachedTime"], "");
    assert!(one_disk(&srv, &gone).await.is_none());
    let state = srv.state().await;
    assert!(state["Disks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["DiskId"] == kept.as_str()));
}

#[tokio::test]
async fn a_disk_patched_to_error_stops_start_instance() {
    let srv = TestServer::start().await;
    let disk = srv
        .control_ok(
            "PATCH",
            "/_mock/disks/d-bp1stopped0000000001",
            Some(json!({"Status": "Error"})),
        )
        .await;
    assert_eq!(disk["Status"], "Error");
    assert_eq!(
        one_disk(&srv, "d-bp1stopped0000000001").await.unwrap()["Status"],
        "Error"
    );
    refused(
        &srv.call("StartInstance", &[("InstanceId", STOPPED)]).await,
        403,
        "DiskError",
    );
    srv.control_ok(
        "PATCH",
        "/_mock/disks/d-bp1stopped0000000001",
        Some(json!({"Status": "In_use", "ExpiredTime": "2020-01-01T00:00Z"})),
    )
    .await;
    refused(
        &srv.call("StartInstance", &[("InstanceId", STOPPED)]).await,
        403,
        "DiskInArrears",
    );
    srv.control_ok(
        "PATCH",
        "/_mock/disks/d-bp1stopped0000000001",
        Some(json!({"ExpiredTime": null})),
    )
    .await;
    srv.call("StartInstance", &[("InstanceId", STOPPED)])
        .await
        .ok();

    // Refusals name the field.
    for (disk, patch, field) in [
        ("d-nope", json!({"Status": "Error"}), "DiskId"),
        ("d-bp1stopped0000000001", json!({"Type": "data"}), "Type"),
        ("d-bp1stopped0000000001", json!({"ZoneId": "x"}), "ZoneId"),
        ("d-bp1stopped0000000001", json!({"Size": "big"}), "Size"),
    ] {
        let path = format!("/_mock/disks/{disk}");
        srv.control_refused("PATCH", &path, Some(patch), field)
            .await;
    }
    // A standalone disk can be patched too.
    let id = create_available(&srv).await;
    srv.control_ok(
        "PATCH",
        &format!("/_mock/disks/{id}"),
        Some(json!({"Size": 99})),
    )
    .await;
    assert_eq!(one_disk(&srv, &id).await.unwrap()["Size"], 99);
}

#[tokio::test]
async fn standalone_disks_load_from_fixtures_and_survive_a_state_round_trip() {
    let srv = TestServer::start().await;
    let id = create_available(&srv).await;
    let state = srv.state().await;
    let doc = state.to_string();
    let fresh = TestServer::start().await;
    let r = fresh.load_state(&doc).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The loaded phase ends at the same emulator time as in the first server.
    fresh.advance(STEP_MS);
    let d = one_disk(&fresh, &id).await.expect("loaded");
    assert_eq!(d["Status"], "Available");
    assert_eq!(d["Size"], 20);
    // A bad standalone disk is refused with its entry.
    let mut bad = state.clone();
    bad["Disks"] =
        json!([{"DiskId": "d-x", "Type": "data", "RegionId": "cn-hangzhou", "ZoneId": "nowhere"}]);
    let r = fresh.load_state(&bad.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Disks[0]"), "{}", r.body);
}
