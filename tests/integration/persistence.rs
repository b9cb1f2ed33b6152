//! `--data-dir`: every kind of change survives a restart, a reset truncates the log, a
//! torn last record is dropped with a warning, a corrupt one stops startup, and after
//! a `kill -9` in the middle of a burst of writes every acknowledged write is there.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::binary::{get, start, temp_dir, BIN};
use crate::common::{control_json, TestServer};

const STOPPED: &str = "i-bp1stopped0000000001";
const RUNNING: &str = "i-bp1running0000000001";

async fn persisted(dir: &std::path::Path) -> TestServer {
    TestServer::builder().data_dir(dir).start().await
}

#[tokio::test]
async fn every_kind_of_change_survives_a_restart() {
    let dir = temp_dir("persist-all");
    let (before, account, token_ids) = {
        let srv = persisted(&dir).await;
        let account = srv.new_account(json!({"Balance": 3})).await;
        srv.rpc_as(&account, "RunInstances")
            .p("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd")
            .p("InstanceType", "ecs.g7.large")
            .send()
            .await
            .ok();
        srv.call("StartInstance", &[("InstanceId", STOPPED)])
            .await
            .ok();
        srv.call(
            "StopInstance",
            &[("InstanceId", RUNNING), ("StoppedMode", "StopCharging")],
        )
        .await
        .ok();
        srv.call(
            "DeleteInstance",
            &[("InstanceId", "i-bp1stopped2000000001")],
        )
        .await
        .ok();
        let run = [
            ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ("InstanceType", "ecs.g7.large"),
            ("Amount", "2"),
            ("ClientToken", "once"),
        ];
        let token_ids = srv.call("RunInstances", &run).await.ok()["InstanceIdSets"].clone();
        srv.control_ok(
            "PATCH",
            "/_mock/instances/i-bp1seclock0000000001",
            Some(json!({"HostName": "patched", "MockStuck": true, "Status": "Starting"})),
        )
        .await;
        srv.control_ok(
            "PATCH",
            "/_mock/zones/cn-hangzhou-i",
            Some(json!({"Stock": {"ecs.c7.large": 1}})),
        )
        .await;
        srv.control_ok(
            "PATCH",
            "/_mock/accounts/1000000000000002",
            Some(json!({"AccessKeys": [{"AccessKeyId": "broke", "Status": "Inactive"}]})),
        )
        .await;
        srv.advance(500);
        (srv.state().await, account, token_ids)
    };
    let srv = persisted(&dir).await;
    srv.advance(500);
    assert_eq!(srv.state().await, before, "the state after a restart");
    // Derived state came back too: keys, listing order, idempotency.
    srv.rpc_as(&account, "DescribeInstances").send().await.ok();
    srv.rpc("DescribeRegions").key("broke").send().await.err(
        400,
        "InvalidAccessKeyId.Inactive",
        None,
    );
    let run = [
        ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
        ("InstanceType", "ecs.g7.large"),
        ("Amount", "2"),
        ("ClientToken", "once"),
    ];
    assert_eq!(
        srv.call("RunInstances", &run).await.ok()["InstanceIdSets"],
        token_ids
    );
    srv.advance(10_000);
    srv.assert_status(STOPPED, "Running").await;
    srv.assert_status("i-bp1seclock0000000001", "Starting")
        .await;
}

#[tokio::test]
async fn a_reset_truncates_the_log() {
    let dir = temp_dir("persist-reset");
    let initial = {
        let srv = persisted(&dir).await;
        let initial = srv.state().await;
        srv.call("StartInstance", &[("InstanceId", STOPPED)])
            .await
            .ok();
        assert!(std::fs::metadata(dir.join("log.jsonl")).unwrap().len() > 0);
        srv.control_ok("POST", "/_mock/reset", None).await;
        assert_eq!(std::fs::metadata(dir.join("log.jsonl")).unwrap().len(), 0);
        initial
    };
    let srv = persisted(&dir).await;
    assert_eq!(srv.state().await, initial);
}

#[tokio::test]
async fn a_torn_last_record_is_dropped_with_a_warning_and_a_corrupt_one_stops_startup() {
    let dir = temp_dir("persist-torn");
    let dir_arg = dir.to_str().unwrap().to_string();
    {
        let proc = start(&["--data-dir", &dir_arg, "--timing", "instant"]);
        let body = get(&format!(
            "{}/?Action=StartInstance&Version=2014-05-26&Format=JSON&InstanceId={STOPPED}",
            proc.base
        ))
        .await;
        assert!(body["Code"].is_null(), "{body}");
    }
    let log = dir.join("log.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 1, "one record: {text}");
    text.push_str(r#"{"Seq":99,"Instances":[{"Seq":1,"Instan"#);
    std::fs::write(&log, &text).unwrap();
    {
        let proc = start(&["--data-dir", &dir_arg, "--timing", "instant"]);
        let state = get(&format!("{}/_mock/state", proc.base)).await;
        let inst = state["Instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["InstanceId"] == STOPPED)
            .cloned()
            .unwrap();
        assert_eq!(
            inst["Status"], "Running",
            "the complete record was replayed"
        );
        let log = proc.log.lock().unwrap().join("\n");
        assert!(log.contains("dropping a torn last record"), "{log}");
    }
    // A bad record with good ones after it is corruption, not a torn write.
    std::fs::write(&log, "{\"Seq\": 1000, \"Bad\nrecord\n{}\n").unwrap();
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--data-dir", &dir_arg])
        .output()
        .expect("run ecs-mock");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("record 1 is corrupt in") && stderr.contains("log.jsonl"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_during_a_burst_every_acknowledged_write_is_there() {
    let dir = temp_dir("persist-kill");
    let dir_arg = dir.to_str().unwrap().to_string();
    let mut proc = start(&["--data-dir", &dir_arg, "--timing", "instant"]);
    let base = proc.base.clone();
    // Its own account: no quota to run out of (`--auth off` acts as the AccessKeyId's owner).
    let account = control_json(reqwest::Method::POST, format!("{base}/_mock/accounts")).await;
    let key = account["AccessKeyId"].as_str().expect("a key").to_string();
    // Acknowledged writes: instance id → the status its last acknowledged call left.
    let acked: Arc<Mutex<BTreeMap<String, &'static str>>> = Arc::default();
    let http = reqwest::Client::new();
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (base, acked, http, key) =
            (base.clone(), Arc::clone(&acked), http.clone(), key.clone());
        workers.push(tokio::spawn(async move {
            let call = |q: String| {
                let http = http.clone();
                let url = format!(
                    "{base}/?Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&AccessKeyId={key}&{q}"
                );
                async move {
                    let resp = http.get(url).send().await.ok()?;
                    if resp.status() != 200 {
                        return None;
                    }
                    resp.json::<Value>().await.ok()
                }
            };
            loop {
                let Some(body) =
                    call("Action=RunInstances&ImageId=aliyun_3_x64_20G_alibase_20250101.vhd&InstanceType=ecs.t6-c1m1.large".into()).await
                else {
                    return;
                };
                let id = body["InstanceIdSets"]["InstanceIdSet"][0]
                    .as_str()
                    .expect("an id")
                    .to_string();
                acked.lock().unwrap().insert(id.clone(), "Running");
                if call(format!("Action=StopInstance&InstanceId={id}")).await.is_none() {
                    return;
                }
                acked.lock().unwrap().insert(id, "Stopped");
            }
        }));
    }
    // Let the burst run, then kill -9 in the middle of it.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if acked.lock().unwrap().len() >= 60 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the burst stalled");
    }
    proc.child.kill().expect("SIGKILL");
    proc.child.wait().expect("reaped");
    for w in workers {
        w.await.expect("a worker");
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 60);

    let proc = start(&["--data-dir", &dir_arg, "--timing", "instant"]);
    let state = get(&format!("{}/_mock/state", proc.base)).await;
    let statuses: BTreeMap<String, String> = state["Instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["InstanceId"].as_str().unwrap().to_string(),
                i["Status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (id, want) in &acked {
        let got = statuses
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged instance {id} is missing after kill -9"));
        // A stop in flight at the kill may have reached the disk without its answer.
        let allowed: &[&str] = match *want {
            "Running" => &["Running", "Stopped"],
            _ => &["Stopped"],
        };
        assert!(
            allowed.contains(&got.as_str()),
            "{id}: {got} after kill -9, acknowledged {want}"
        );
    }
}
