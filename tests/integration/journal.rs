//! `/_mock/requests`: what the journal records (after a real SDK call too), that it
//! never holds a secret, its filters, its bound, and clearing it.

use aliyun_openapi_core_rust_sdk::client::rpc::RPClient;
use serde_json::{json, Value};

use crate::common::{TestServer, VERSION};

const STOPPED: &str = "i-bp1stopped0000000001";

async fn requests(srv: &TestServer, query: &str) -> Vec<Value> {
    let body = srv
        .control_ok("GET", &format!("/_mock/requests{query}"), None)
        .await;
    body["Requests"].as_array().expect("Requests").clone()
}

#[tokio::test]
async fn an_sdk_call_is_recorded_without_any_secret() {
    let srv = TestServer::start().await;
    let account = srv.new_account(json!({})).await;
    let client = || {
        RPClient::new(
            &account.key_id,
            &account.secret,
            format!("http://{}/", srv.addr),
        )
    };
    let body: Value = client()
        .get("DescribeInstances")
        .query([("RegionId", "cn-hangzhou"), ("PageSize", "5")])
        .version(VERSION)
        .json()
        .await
        .expect("DescribeInstances answers");
    let refused = client()
        .get("StartInstance")
        .query([("InstanceId", STOPPED)])
        .version(VERSION)
        .json::<Value>()
        .await;
    assert!(refused.is_err(), "another account's instance is not found");

    let all = requests(&srv, "").await;
    assert_eq!(all.len(), 2, "{all:?}");
    let (listed, start) = (&all[0], &all[1]);
    assert_eq!(listed["Action"], "DescribeInstances");
    assert_eq!(listed["RequestId"], body["RequestId"]);
    assert_eq!(listed["AccountId"], account.account_id.as_str());
    assert_eq!(listed["AccessKeyId"], account.key_id.as_str());
    assert_eq!(listed["SignatureVersion"], "1.0");
    assert_eq!(listed["HttpStatus"], 200);
    assert_eq!(listed["Code"], Value::Null);
    assert_eq!(listed["Params"]["PageSize"], "5");
    assert!(listed["DurationUs"].as_u64().is_some());
    assert_eq!(
        listed["Time"], "2026-06-01T00:00:00.000Z",
        "the emulator clock"
    );
    assert_eq!(start["Code"], "InvalidInstanceId.NotFound");
    assert_eq!(start["HttpStatus"], 404);
    assert_eq!(start["Params"]["InstanceId"], STOPPED);
    let text = serde_json::to_string(&all).expect("serialise");
    assert!(
        !text.contains(&account.secret),
        "the secret is in the journal"
    );
    assert!(
        !text.contains("\"Signature\""),
        "the signature is in the journal"
    );
    for entry in &all {
        let keys: Vec<&String> = entry.as_object().expect("an object").keys().collect();
        assert_eq!(
            keys,
            [
                "Time",
                "RequestId",
                "Action",
                "AccountId",
                "AccessKeyId",
                "SignatureVersion",
                "Params",
                "HttpStatus",
                "Code",
                "DurationUs"
            ]
        );
    }
}

#[tokio::test]
async fn v3_calls_tokens_refusals_and_faults_are_recorded() {
    let srv = TestServer::start().await;
    srv.v3("DescribeRegions").send().await.ok();
    srv.call("DescribeRegions", &[("SecurityToken", "sts-token-value")])
        .await;
    srv.rpc("DescribeRegions")
        .secret("wrong")
        .send()
        .await
        .err(400, "SignatureDoesNotMatch", None);
    srv.control_ok(
        "POST",
        "/_mock/faults",
        Some(json!({"Error": {"Code": "Throttling"}, "Times": 1})),
    )
    .await;
    srv.call("DescribeZones", &[])
        .await
        .err(400, "Throttling", None);
    let all = requests(&srv, "").await;
    assert_eq!(all.len(), 4);
    assert_eq!(all[0]["SignatureVersion"], "ACS3-HMAC-SHA256");
    assert_eq!(all[0]["AccessKeyId"], "test");
    assert_eq!(all[0]["Action"], "DescribeRegions", "from x-acs-action");
    assert_eq!(all[1]["Params"]["SecurityToken"], Value::Null);
    assert!(!serde_json::to_string(&all)
        .unwrap()
        .contains("sts-token-value"));
    assert_eq!(all[2]["Code"], "SignatureDoesNotMatch");
    assert_eq!(all[2]["AccountId"], Value::Null, "not authenticated");
    assert_eq!(all[2]["AccessKeyId"], "test");
    assert_eq!(
        (all[3]["Code"].clone(), all[3]["HttpStatus"].clone()),
        (json!("Throttling"), json!(400))
    );
}

#[tokio::test]
async fn filters_limit_and_clearing() {
    let srv = TestServer::start().await;
    srv.call("DescribeRegions", &[]).await.ok();
    srv.advance(60_000);
    srv.call("DescribeZones", &[]).await.ok();
    srv.rpc("DescribeZones").key("broke").send().await.ok();
    srv.call("DescribeRegions", &[]).await.ok();
    let actions = |list: Vec<Value>| -> Vec<String> {
        list.iter()
            .map(|e| e["Action"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        actions(requests(&srv, "?Action=DescribeZones").await),
        ["DescribeZones", "DescribeZones"]
    );
    let broke = requests(&srv, "?AccountId=1000000000000002").await;
    assert_eq!(broke.len(), 1);
    assert_eq!(broke[0]["AccessKeyId"], "broke");
    assert_eq!(
        actions(requests(&srv, "?Since=2026-06-01T00:01:00Z").await),
        ["DescribeZones", "DescribeZones", "DescribeRegions"]
    );
    assert_eq!(
        actions(requests(&srv, "?Limit=2").await),
        ["DescribeZones", "DescribeRegions"],
        "the newest two, oldest first"
    );
    assert_eq!(
        actions(requests(&srv, "?Action=DescribeRegions&Limit=1").await),
        ["DescribeRegions"]
    );
    for (query, field) in [
        ("?Since=yesterday", "Since"),
        ("?Limit=0", "Limit"),
        ("?Limit=ten", "Limit"),
        ("?Account=1", "Account"),
    ] {
        srv.control_refused("GET", &format!("/_mock/requests{query}"), None, field)
            .await;
    }
    let cleared = srv.control_ok("DELETE", "/_mock/requests", None).await;
    assert_eq!(cleared["Deleted"], 4);
    assert!(requests(&srv, "").await.is_empty());
    srv.call("DescribeRegions", &[]).await.ok();
    srv.control_ok("POST", "/_mock/reset", None).await;
    assert!(
        requests(&srv, "").await.is_empty(),
        "reset clears the journal"
    );
}

#[tokio::test]
async fn the_journal_is_bounded_and_can_be_off() {
    let srv = TestServer::builder().journal_size(3).start().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(srv.call("DescribeRegions", &[]).await.request_id());
    }
    let kept: Vec<String> = requests(&srv, "")
        .await
        .iter()
        .map(|e| e["RequestId"].as_str().expect("RequestId").to_string())
        .collect();
    assert_eq!(kept, ids[2..], "the oldest are dropped");

    let off = TestServer::builder().journal_size(0).start().await;
    off.call("DescribeRegions", &[]).await.ok();
    assert!(requests(&off, "").await.is_empty());
}
