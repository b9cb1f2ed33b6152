//! `/_mock/accounts`: throwaway accounts — isolation (parallel workers too), settings,
//! deletion giving back stock, reset with and without `--keep-accounts` — and the
//! admin token.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::common::{instance_ids, TestAccount, TestServer};

const STOPPED: &str = "i-bp1stopped0000000001";

/// What a worker thread created, and each DescribeInstances list it saw.
type WorkerRun = (Vec<String>, Vec<Vec<String>>);

async fn run(srv: &TestServer, who: &TestAccount, amount: &str) -> Vec<String> {
    let body = srv
        .rpc_as(who, "RunInstances")
        .p("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd")
        .p("InstanceType", "ecs.g7.large")
        .p("ZoneId", "cn-hangzhou-h")
        .p("Amount", amount)
        .send()
        .await
        .ok();
    body["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("an id").to_string())
        .collect()
}

async fn listed(srv: &TestServer, who: &TestAccount) -> Vec<String> {
    let body = srv
        .rpc_as(who, "DescribeInstances")
        .p("PageSize", "100")
        .send()
        .await
        .ok();
    instance_ids(&body)
}

#[tokio::test]
async fn a_throwaway_account_is_fresh_and_sees_only_its_own_instances() {
    let srv = TestServer::start().await;
    let a = srv.new_account(json!({})).await;
    let b = srv.new_account(json!({})).await;
    assert_eq!(a.account_id.len(), 16);
    assert!(a.account_id.bytes().all(|c| c.is_ascii_digit()));
    assert!(
        a.key_id.starts_with("LTAI5t") && a.key_id.len() == 24,
        "{}",
        a.key_id
    );
    assert_eq!(a.secret.len(), 30);
    assert_ne!(a.account_id, b.account_id);
    assert_ne!(a.key_id, b.key_id);
    assert!(listed(&srv, &a).await.is_empty());
    let mine = run(&srv, &a, "2").await;
    let mut seen = listed(&srv, &a).await;
    seen.sort();
    let mut want = mine.clone();
    want.sort();
    assert_eq!(seen, want);
    assert!(listed(&srv, &b).await.is_empty());
    let default = srv
        .call("DescribeInstances", &[("PageSize", "100")])
        .await
        .ok();
    assert!(instance_ids(&default).iter().all(|id| !mine.contains(id)));
    srv.rpc_as(&b, "StopInstance")
        .p("InstanceId", &mine[0])
        .send()
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
    srv.rpc_as(&a, "StartInstance")
        .p("InstanceId", STOPPED)
        .send()
        .await
        .err(404, "InvalidInstanceId.NotFound", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_workers_with_their_own_accounts_never_see_each_other() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let workers: Vec<(TestAccount, crate::common::Rpc, crate::common::Rpc)> = {
        let mut w = Vec::new();
        for _ in 0..2 {
            let acc = srv.new_account(json!({})).await;
            let runs = srv
                .rpc_as(&acc, "RunInstances")
                .p("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd")
                .p("InstanceType", "ecs.g7.large")
                .p("ZoneId", "cn-hangzhou-h")
                .p("Amount", "2");
            let lists = srv.rpc_as(&acc, "DescribeInstances").p("PageSize", "100");
            w.push((acc, runs, lists));
        }
        w
    };
    let threads: Vec<std::thread::JoinHandle<WorkerRun>> = workers
        .iter()
        .map(|(_, runs, lists)| {
            // Each thread's runtime has its own connection pool.
            let (runs, lists) = (runs.clone().own_client(), lists.clone().own_client());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                rt.block_on(async {
                    let mut created = Vec::new();
                    let mut views = Vec::new();
                    for _ in 0..5 {
                        let nonce = uuid::Uuid::new_v4().simple().to_string();
                        let body = runs.clone().nonce(&nonce).send().await.ok();
                        for id in body["InstanceIdSets"]["InstanceIdSet"]
                            .as_array()
                            .expect("ids")
                        {
                            created.push(id.as_str().expect("an id").to_string());
                        }
                        let nonce = uuid::Uuid::new_v4().simple().to_string();
                        views.push(instance_ids(&lists.clone().nonce(&nonce).send().await.ok()));
                    }
                    (created, views)
                })
            })
        })
        .collect();
    let results = tokio::task::spawn_blocking(move || {
        threads
            .into_iter()
            .map(|t| t.join().expect("a worker thread"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("join");
    let mut all = HashSet::new();
    for (created, views) in &results {
        assert_eq!(created.len(), 10);
        let own: HashSet<&String> = created.iter().collect();
        for view in views {
            assert!(
                view.iter().all(|id| own.contains(id)),
                "a worker saw another's instance"
            );
        }
        assert_eq!(views.last().expect("views").len(), 10);
        all.extend(created.iter().cloned());
    }
    assert_eq!(all.len(), 20, "ids are unique across workers");
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock - 20);
    for (acc, _, _) in &workers {
        assert_eq!(listed(&srv, acc).await.len(), 10);
    }
}

#[tokio::test]
async fn deleting_an_account_removes_its_instances_faults_and_keys() {
    let srv = TestServer::start().await;
    let stock = srv.stock("cn-hangzhou-h", "ecs.g7.large").await;
    let a = srv.new_account(json!({})).await;
    run(&srv, &a, "3").await;
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock - 3);
    srv.control_ok(
        "POST",
        "/_mock/faults",
        Some(json!({"Match": {"AccountId": a.account_id}, "LatencyMs": 1})),
    )
    .await;
    srv.control_ok("POST", "/_mock/faults", Some(json!({"LatencyMs": 1})))
        .await;
    let path = format!("/_mock/accounts/{}", a.account_id);
    let gone = srv.control_ok("DELETE", &path, None).await;
    assert_eq!(
        gone,
        json!({"AccountId": a.account_id, "DeletedInstances": 3, "DeletedFaults": 1})
    );
    assert_eq!(srv.stock("cn-hangzhou-h", "ecs.g7.large").await, stock);
    srv.rpc_as(&a, "DescribeInstances")
        .send()
        .await
        .err(404, "InvalidAccessKeyId.NotFound", None);
    let state = srv.state().await;
    assert!(state["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["AccountId"] != a.account_id.as_str()));
    srv.control_refused("DELETE", &path, None, "AccountId")
        .await;
}

#[tokio::test]
async fn settings_quotas_and_ram_users() {
    let srv = TestServer::start().await;
    let broke = srv.new_account(json!({"Balance": 0})).await;
    srv.rpc_as(&broke, "RunInstances")
        .p("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd")
        .p("InstanceType", "ecs.g7.large")
        .send()
        .await
        .err(403, "InsufficientBalance", None);
    let small = srv
        .new_account(json!({"Quotas": [{"RegionId": "cn-hangzhou", "VCpus": 2}]}))
        .await;
    run(&srv, &small, "1").await;
    srv.rpc_as(&small, "RunInstances")
        .p("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd")
        .p("InstanceType", "ecs.g7.large")
        .send()
        .await
        .err(403, "QuotaExceed.ElasticQuota", None);

    let created = srv
        .control_ok(
            "POST",
            "/_mock/accounts",
            Some(
                json!({"RamUsers": [{"UserName": "viewer", "AllowedActions": ["ecs:Describe*"]}]}),
            ),
        )
        .await;
    let user = &created["RamUsers"][0];
    assert_eq!(user["UserName"], "viewer");
    let key = user["AccessKeyId"].as_str().expect("a key").to_string();
    let secret = user["AccessKeySecret"]
        .as_str()
        .expect("a secret")
        .to_string();
    srv.rpc("DescribeRegions")
        .key(&key)
        .secret(&secret)
        .send()
        .await
        .ok();
    srv.rpc("StartInstance")
        .key(&key)
        .secret(&secret)
        .p("InstanceId", STOPPED)
        .send()
        .await
        .err(403, "Forbidden.RAM", None);

    for (body, field) in [
        (
            json!({"Quotas": [{"RegionId": "mars-1"}]}),
            "Quotas[0].RegionId",
        ),
        (json!({"Balance": "lots"}), "Balance"),
        (json!({"Owner": "me"}), "Owner"),
        (
            json!({"RamUsers": [{"UserName": "u", "AccessKeys": [{"AccessKeyId": "test", "AccessKeySecret": "x"}]}]}),
            "RamUsers[0].AccessKeys[0].AccessKeyId",
        ),
        (
            json!({"RamUsers": [{"UserName": "u"}, {"UserName": "u"}]}),
            "RamUsers[1].UserName",
        ),
    ] {
        srv.control_refused("POST", "/_mock/accounts", Some(body), field)
            .await;
    }
}

async fn key_works(srv: &TestServer, who: &TestAccount) -> bool {
    srv.rpc_as(who, "DescribeRegions").send().await.status == 200
}

#[tokio::test]
async fn a_reset_drops_throwaway_accounts_unless_they_are_kept() {
    let srv = TestServer::start().await;
    let a = srv.new_account(json!({})).await;
    srv.control_ok("POST", "/_mock/reset", None).await;
    assert!(!key_works(&srv, &a).await);

    let srv = TestServer::builder().keep_accounts().start().await;
    let a = srv.new_account(json!({"Balance": 7})).await;
    run(&srv, &a, "1").await;
    srv.control_ok("POST", "/_mock/reset", None).await;
    assert!(key_works(&srv, &a).await);
    assert!(listed(&srv, &a).await.is_empty(), "its instances went");
    let state = srv.state().await;
    let kept: Vec<&Value> = state["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["AccountId"] == a.account_id.as_str())
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["Balance"], 7.0);
}

#[tokio::test]
async fn the_admin_token_guards_every_control_route_but_health() {
    let srv = TestServer::builder().admin_token("s3cret").start().await;
    let health = srv.raw("GET", "/_mock/health").send().await;
    assert_eq!(health.status, 200);
    for (method, path) in [
        ("GET", "/_mock/state"),
        ("POST", "/_mock/reset"),
        ("GET", "/_mock/faults"),
        ("GET", "/_mock/requests"),
        ("POST", "/_mock/accounts"),
        ("PATCH", "/_mock/zones/cn-hangzhou-h"),
        ("GET", "/_mock/nothing-here"),
    ] {
        for auth in [None, Some("Bearer wrong"), Some("s3cret")] {
            let mut raw = srv.raw(method, path);
            if let Some(a) = auth {
                raw = raw.header("authorization", a);
            }
            let r = raw.send().await;
            assert_eq!(r.status, 401, "{method} {path} with {auth:?}: {}", r.body);
            assert!(r.json()["Error"]
                .as_str()
                .unwrap()
                .starts_with("Authorization:"));
            assert_eq!(r.header("www-authenticate"), "Bearer");
        }
    }
    // With the token (the harness sends it).
    srv.control_ok("GET", "/_mock/state", None).await;
    srv.control_ok("POST", "/_mock/faults", Some(json!({"LatencyMs": 1})))
        .await;
    // The ECS API does not use it.
    srv.call("StartInstance", &[("InstanceId", STOPPED)])
        .await
        .ok();
}
