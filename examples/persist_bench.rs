//! Throughput of state-changing calls, to measure what `--data-dir` costs.
//!
//! Against a running `ecs-mock --auth off --timing instant` at ADDR: creates a
//! throwaway account, runs one instance per client, then each client alternates
//! StartInstance and StopInstance on its own instance (every call changes the state,
//! so with `--data-dir` every answer waits for its record to be on disk) for the given
//! seconds, and prints the successful calls per second and the mean latency.
//!
//! Usage: `cargo run --release --example persist_bench -- 127.0.0.1:18093 [seconds] [clients]`

use std::time::{Duration, Instant};

use serde_json::Value;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args
        .next()
        .expect("usage: persist_bench ADDR [seconds] [clients]");
    let secs: u64 = args.next().map_or(10, |s| s.parse().expect("seconds"));
    let clients: usize = args.next().map_or(64, |s| s.parse().expect("clients"));
    let http = reqwest::Client::new();
    let account: Value = http
        .post(format!("http://{addr}/_mock/accounts"))
        .send()
        .await
        .expect("POST /_mock/accounts")
        .json()
        .await
        .expect("json");
    let key = account["AccessKeyId"].as_str().expect("a key").to_string();
    let base = format!(
        "http://{addr}/?Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&AccessKeyId={key}"
    );
    let run: Value = http
        .get(format!(
            "{base}&Action=RunInstances&ImageId=img&InstanceType=ecs.t6-c1m1.large&ZoneId=cn-hangzhou-h&Amount={clients}"
        ))
        .send()
        .await
        .expect("RunInstances")
        .json()
        .await
        .expect("json");
    let ids: Vec<String> = run["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .unwrap_or_else(|| panic!("RunInstances failed: {run}"))
        .iter()
        .map(|v| v.as_str().expect("an id").to_string())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for id in ids {
        let (http, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut busy) = (0u64, 0u64, Duration::ZERO);
            let mut action = "StopInstance";
            while Instant::now() < deadline {
                let t = Instant::now();
                let resp = http
                    .get(format!("{base}&Action={action}&InstanceId={id}"))
                    .send()
                    .await;
                let good = matches!(&resp, Ok(r) if r.status() == 200);
                if let Ok(r) = resp {
                    let _ = r.bytes().await;
                }
                busy += t.elapsed();
                if good {
                    ok += 1;
                    action = if action == "StopInstance" {
                        "StartInstance"
                    } else {
                        "StopInstance"
                    };
                } else {
                    failed += 1;
                }
            }
            (ok, failed, busy)
        }));
    }
    let (mut ok, mut failed, mut busy) = (0u64, 0u64, Duration::ZERO);
    for t in tasks {
        let (o, f, b) = t.await.expect("a client");
        ok += o;
        failed += f;
        busy += b;
    }
    let calls = (ok + failed).max(1);
    println!(
        "{:.0} state changes/s, mean latency {:.2} ms, {failed} refused",
        ok as f64 / secs as f64,
        busy.as_secs_f64() * 1000.0 / calls as f64
    );
}
