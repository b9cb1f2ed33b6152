//! Abuse that must cost the server little and still get a clear ECS answer: oversized
//! nonces, input-sized parameters (wildcards, id lists), unreadable bodies, a body
//! announced larger than the limit, and wrong methods on the control plane.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::TestServer;

/// Write `request` on a fresh connection, optionally close the writing half, and read
/// the whole answer (the server closes after an error on a broken body).
async fn exchange(srv: &TestServer, request: &[u8], half_close: bool) -> String {
    let mut s = TcpStream::connect(srv.addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    if half_close {
        s.shutdown().await.expect("half-close");
    }
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    // One answer is enough: stop once its body is complete.
                    if complete(&out) {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer within 5 s: {:?}",
        String::from_utf8_lossy(&out)
    );
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `raw` holds a whole response with a Content-Length body.
fn complete(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    body.len() >= len
}

fn status_and_code(raw: &str) -> (u16, String) {
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {raw:?}"));
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let code = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["Code"].as_str().map(str::to_string))
        .unwrap_or_default();
    (status, code)
}

fn post_head(extra: &str) -> String {
    format!("POST /?Action=DescribeRegions&Version=2014-05-26&Format=JSON HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n{extra}\r\n")
}

#[tokio::test]
async fn a_nonce_longer_than_256_is_refused_and_not_stored() {
    let srv = TestServer::start().await;
    let long = "n".repeat(257);
    srv.rpc("DescribeRegions").nonce(&long).send().await.err(
        400,
        "InvalidSignatureNonce.Length",
        None,
    );
    // Not remembered: the same nonce is refused for its length again, not as reused.
    srv.rpc("DescribeRegions").nonce(&long).send().await.err(
        400,
        "InvalidSignatureNonce.Length",
        None,
    );
    // 256 is fine, once.
    let ok = "n".repeat(256);
    srv.rpc("DescribeRegions").nonce(&ok).send().await.ok();
    srv.rpc("DescribeRegions")
        .nonce(&ok)
        .send()
        .await
        .err(400, "SignatureNonceUsed", None);
}

#[tokio::test]
async fn a_huge_wildcard_is_refused_before_the_lock() {
    // A body limit large enough for the 2.7 MB form body.
    let srv = TestServer::builder().max_body(16 << 20).start().await;
    let stars = "*".repeat(900_000);
    let started = Instant::now();
    srv.rpc("DescribeInstances")
        .form_body()
        .p("InstanceName", &stars)
        .send()
        .await
        .err(400, "InvalidInstanceName.Malformed", None);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // 128 stars is a valid pattern and matches every instance.
    let body = srv
        .call("DescribeInstances", &[("InstanceName", &"*".repeat(128))])
        .await
        .ok();
    assert_eq!(body["TotalCount"], 17);
}

#[tokio::test]
async fn forty_thousand_ids_are_refused_by_count() {
    let srv = TestServer::builder().max_body(16 << 20).start().await;
    let mut rpc = srv.rpc("StartInstances").form_body();
    for i in 1..=40_000 {
        rpc = rpc.p(&format!("InstanceId.{i}"), "i-bp1stopped0000000001");
    }
    let started = Instant::now();
    rpc.send()
        .await
        .err(403, "InvalidParameter.TooManyInstanceIds", None);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_unreadable_chunked_body_is_400_not_413() {
    let srv = TestServer::start().await;
    for (case, body) in [
        ("chunk size zz", "zz\r\nabc\r\n0\r\n\r\n"),
        ("short chunk then EOF", "10\r\nabc"),
    ] {
        let req = format!("{}{body}", post_head("transfer-encoding: chunked\r\n"));
        let raw = exchange(&srv, req.as_bytes(), true).await;
        assert_eq!(
            status_and_code(&raw),
            (400, "InvalidRequest.Body".to_string()),
            "{case}: {raw}"
        );
        assert!(
            raw.to_ascii_lowercase().contains("x-acs-request-id"),
            "{case}: {raw}"
        );
    }
    // A Content-Length body cut short by the client.
    let req = format!("{}abc", post_head("content-length: 100\r\n"));
    let raw = exchange(&srv, req.as_bytes(), true).await;
    assert_eq!(
        status_and_code(&raw),
        (400, "InvalidRequest.Body".to_string()),
        "{raw}"
    );
}

#[tokio::test]
async fn expect_continue_over_the_limit_gets_413_at_once() {
    let srv = TestServer::start().await;
    let req = post_head("content-length: 10737418240\r\nexpect: 100-continue\r\n");
    let raw = exchange(&srv, req.as_bytes(), false).await;
    assert!(!raw.contains("100 Continue"), "no 100 Continue: {raw}");
    assert_eq!(
        status_and_code(&raw),
        (413, "InvalidParameter.BodyTooLarge".to_string()),
        "{raw}"
    );
}

#[tokio::test]
async fn control_plane_errors_are_json() {
    let srv = TestServer::start().await;
    let http = reqwest::Client::new();
    for (method, path, status) in [
        (reqwest::Method::DELETE, "/_mock/reset", 405),
        (reqwest::Method::PUT, "/_mock/health", 405),
        (reqwest::Method::GET, "/_mock/nothing-here", 404),
    ] {
        let resp = http
            .request(method.clone(), format!("{}{path}", srv.base()))
            .send()
            .await
            .expect("an answer");
        assert_eq!(resp.status().as_u16(), status, "{method} {path}");
        let body: serde_json::Value = resp.json().await.expect("a JSON body");
        assert!(
            body["Error"].as_str().is_some_and(|m| m.contains(path)),
            "{body}"
        );
    }
}
