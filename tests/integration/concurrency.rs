//! Real concurrent HTTP requests against one server (real clock): stock can never be
//! oversold and exactly one of many concurrent StartInstance calls wins.

use ecs_mock::store::fixtures::default_fixture;

use crate::common::{instance_ids, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn parallel_run_instances_never_oversell() {
    const STOCK: u64 = 10;
    const CALLS: usize = 50;
    let mut fixture = default_fixture();
    let zone = fixture
        .regions
        .iter_mut()
        .find(|r| r.region_id == "cn-hangzhou")
        .and_then(|r| r.zones.iter_mut().find(|z| z.zone_id == "cn-hangzhou-h"))
        .expect("zone h");
    zone.stock.insert("ecs.r7.large".to_string(), STOCK);
    let srv = TestServer::builder()
        .fixture(fixture)
        .real_clock()
        .start()
        .await;
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.r7.large").await, STOCK);

    let mut tasks = Vec::new();
    for n in 0..CALLS {
        let rpc = srv
            .rpc("RunInstances")
            .p("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd")
            .p("InstanceType", "ecs.r7.large")
            .p("ZoneId", "cn-hangzhou-h")
            .p("Amount", "1")
            .p("InstanceName", &format!("conc-{n:03}"));
        tasks.push(tokio::spawn(async move { rpc.send().await }));
    }
    let mut created = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let resp = task.await.expect("the task completes");
        if resp.status == 200 {
            let body = resp.ok();
            let ids = body["InstanceIdSets"]["InstanceIdSet"]
                .as_array()
                .expect("ids")
                .clone();
            assert_eq!(ids.len(), 1);
            created.push(ids[0].as_str().expect("id").to_string());
        } else {
            resp.err(403, "OperationDenied.NoStock", None);
            refused += 1;
        }
    }
    assert_eq!(created.len() as u64, STOCK, "exactly the stock succeeds");
    assert_eq!(refused, CALLS - STOCK as usize);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.r7.large").await, 0);

    let body = srv
        .call(
            "DescribeInstances",
            &[("InstanceType", "ecs.r7.large"), ("PageSize", "100")],
        )
        .await
        .ok();
    assert_eq!(body["TotalCount"], STOCK);
    let mut listed = instance_ids(&body);
    listed.sort();
    created.sort();
    assert_eq!(listed, created, "Describe shows exactly the new instances");
    let all = srv.call("DescribeInstances", &[]).await.ok();
    assert_eq!(all["TotalCount"], 17 + STOCK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn parallel_start_instance_has_one_winner() {
    const CALLS: usize = 20;
    let srv = TestServer::builder().real_clock().start().await;
    let id = "i-bp1stopped0000000001";
    let mut tasks = Vec::new();
    for _ in 0..CALLS {
        let rpc = srv.rpc("StartInstance").p("InstanceId", id);
        tasks.push(tokio::spawn(async move { rpc.send().await }));
    }
    let mut ok = 0;
    for task in tasks {
        let resp = task.await.expect("the task completes");
        if resp.status == 200 {
            resp.ok();
            ok += 1;
        } else {
            resp.err(403, "IncorrectInstanceStatus", None);
        }
    }
    assert_eq!(ok, 1, "exactly one StartInstance wins");
    let status = srv.status(id).await;
    assert!(
        matches!(status.as_deref(), Some("Starting" | "Running")),
        "{status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn parallel_economical_starts_respect_stock() {
    // Five economical-mode instances compete for two units of stock.
    let mut fixture = default_fixture();
    let template = fixture
        .instances
        .iter()
        .find(|i| i.instance_id == "i-bp1econok00000000001")
        .map(|i| (**i).clone())
        .expect("econ instance");
    for n in 0..5 {
        let mut inst = template.clone();
        inst.instance_id = ecs_mock::ecs::sym::Sym::unshared(&format!("i-bp1econrace{n:09}"));
        inst.instance_type = "ecs.r7.large".into();
        fixture.instances.push(inst.into());
    }
    let zone = fixture
        .regions
        .iter_mut()
        .find(|r| r.region_id == "cn-hangzhou")
        .and_then(|r| r.zones.iter_mut().find(|z| z.zone_id == "cn-hangzhou-h"))
        .expect("zone h");
    zone.stock.insert("ecs.r7.large".to_string(), 2);
    let srv = TestServer::builder()
        .fixture(fixture)
        .real_clock()
        .start()
        .await;
    let mut tasks = Vec::new();
    for n in 0..5 {
        let rpc = srv
            .rpc("StartInstance")
            .p("InstanceId", &format!("i-bp1econrace{n:09}"));
        tasks.push(tokio::spawn(async move { rpc.send().await }));
    }
    let mut ok = 0;
    for task in tasks {
        let resp = task.await.expect("the task completes");
        if resp.status == 200 {
            ok += 1;
        } else {
            resp.err(403, "OperationDenied.NoStock", None);
        }
    }
    assert_eq!(ok, 2);
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.r7.large").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn parallel_client_token_replays_create_once() {
    let srv = TestServer::builder().real_clock().start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let rpc = srv
            .rpc("RunInstances")
            .p("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd")
            .p("InstanceType", "ecs.g7.large")
            .p("ZoneId", "cn-hangzhou-h")
            .p("Amount", "2")
            .p("ClientToken", "same-token");
        tasks.push(tokio::spawn(async move { rpc.send().await }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        let body = task.await.expect("the task completes").ok();
        answers.push(body["InstanceIdSets"].clone());
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "every replay answers the same ids: {answers:?}"
    );
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock - 2);
    let all = srv.call("DescribeInstances", &[]).await.ok();
    assert_eq!(all["TotalCount"], 19);
}
