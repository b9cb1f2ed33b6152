//! Raw request targets over a raw socket: V1 requests signed over the decoded values
//! and written with some values left unencoded (`InstanceIds=["i-…"]`, `{ | } \ ^ < >`,
//! the backtick, UTF-8), as some real clients send them. The answers must be the ones
//! the same requests get properly encoded. Heads the HTTP layer cannot serve are in
//! `refusals.rs`.

use ecs_mock::gateway::signature::{percent_encode, v1_signature, v1_string_to_sign};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{instance_ids, now_timestamp, Resp, TestServer, HOST, VERSION};

/// V1 parameters of `action` (with the common ones the legacy SDK adds), signed with
/// key `test` for `method` over the decoded values; `Signature` last.
pub(crate) fn signed(method: &str, action: &str, params: &[(&str, &str)]) -> Vec<(String, String)> {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let timestamp = now_timestamp();
    let mut pairs: Vec<(&str, &str)> = params.to_vec();
    pairs.extend([
        ("Version", VERSION),
        ("Action", action),
        ("Format", "JSON"),
        ("RegionId", "cn-hangzhou"),
        ("Timestamp", &timestamp),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", &nonce),
        ("AccessKeyId", "test"),
    ]);
    let signature = v1_signature("test", &v1_string_to_sign(method, &pairs));
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.push(("Signature".into(), signature));
    out
}

/// `k=v&…` with the values of `raw` written as they are, the rest percent-encoded.
pub(crate) fn query(pairs: &[(String, String)], raw: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(percent_encode(k).as_bytes());
        out.push(b'=');
        match raw.contains(&k.as_str()) {
            true => out.extend_from_slice(v.as_bytes()),
            false => out.extend_from_slice(percent_encode(v).as_bytes()),
        }
    }
    out
}

/// `GET /?query HTTP/1.1` with the usual headers.
pub(crate) fn get(query: &[u8]) -> Vec<u8> {
    [
        b"GET /?",
        query,
        format!(" HTTP/1.1\r\nhost: {HOST}\r\n\r\n").as_bytes(),
    ]
    .concat()
}

/// One client connection, read and written byte for byte.
pub(crate) struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Connect to `srv`.
    pub(crate) async fn open(srv: &TestServer) -> Conn {
        let stream = TcpStream::connect(srv.addr).await.expect("connect");
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// Write bytes as they are.
    pub(crate) async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Close the writing side (the server sees end of stream).
    pub(crate) async fn finish_writing(&mut self) {
        self.stream.shutdown().await.expect("shutdown");
    }

    /// Read more; `false` at end of stream.
    async fn more(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            self.stream.read(&mut chunk),
        )
        .await
        .expect("an answer within 10 s");
        match read {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// The next response (a body sized by Content-Length).
    pub(crate) async fn response(&mut self) -> Resp {
        loop {
            let mut fields = [httparse::EMPTY_HEADER; 32];
            let mut head = httparse::Response::new(&mut fields);
            if let httparse::Status::Complete(len) = head.parse(&self.buf).expect("a response head")
            {
                let mut headers = HeaderMap::new();
                for h in head.headers.iter() {
                    headers.append(
                        HeaderName::from_bytes(h.name.as_bytes()).expect("a name"),
                        HeaderValue::from_bytes(h.value).expect("a value"),
                    );
                }
                let status = head.code.expect("a status");
                let size: usize = headers["content-length"]
                    .to_str()
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .expect("Content-Length");
                while self.buf.len() < len + size {
                    assert!(self.more().await, "the body was cut short");
                }
                let body = String::from_utf8(self.buf[len..len + size].to_vec()).expect("UTF-8");
                self.buf.drain(..len + size);
                return Resp {
                    status,
                    headers,
                    body,
                };
            }
            assert!(
                self.more().await,
                "closed before a response: {:?}",
                self.buf
            );
        }
    }

    /// Whether the server closed the connection with nothing more to read.
    pub(crate) async fn closed(&mut self) -> bool {
        !self.more().await && self.buf.is_empty()
    }
}

/// One request on a fresh connection.
async fn exchange(srv: &TestServer, request: &[u8]) -> Resp {
    let mut conn = Conn::open(srv).await;
    conn.send(request).await;
    conn.response().await
}

const RUNNING: &str = "i-bp1running0000000001";

#[tokio::test]
async fn raw_quotes_and_brackets_select_the_instance() {
    let srv = TestServer::start().await;
    let ids = format!("[\"{RUNNING}\"]");
    let pairs = signed("GET", "DescribeInstances", &[("InstanceIds", &ids)]);
    let wire = query(&pairs, &["InstanceIds"]);
    assert!(
        wire.windows(ids.len()).any(|w| w == ids.as_bytes()),
        "sent raw"
    );
    let body = exchange(&srv, &get(&wire)).await.ok();
    assert_eq!(instance_ids(&body), [RUNNING]);
    assert_eq!(body["TotalCount"], 1);
}

#[tokio::test]
async fn raw_punctuation_in_a_filter_value_is_read_exactly() {
    let srv = TestServer::start().await;
    let name = "web{1}|a^b\\c<d>e`f";
    let pairs = signed("GET", "DescribeInstances", &[("InstanceName", name)]);
    let body = exchange(&srv, &get(&query(&pairs, &["InstanceName"])))
        .await
        .ok();
    assert_eq!(body["TotalCount"], 0);
}

#[tokio::test]
async fn raw_utf8_and_punctuation_reach_the_domain_unchanged() {
    let srv = TestServer::start().await;
    let name = "中文-{web}|\"1\"<x>^`\\";
    let pairs = signed(
        "GET",
        "CreateInstance",
        &[
            ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
            ("InstanceType", "ecs.g7.large"),
            ("ZoneId", "cn-hangzhou-h"),
            ("InstanceName", name),
            ("ClientToken", "tok{1}|\"2\""),
        ],
    );
    let created = exchange(&srv, &get(&query(&pairs, &["InstanceName", "ClientToken"])))
        .await
        .ok();
    let id = created["InstanceId"].as_str().expect("InstanceId");
    let pairs = signed("GET", "DescribeInstances", &[("InstanceName", "中文*")]);
    let body = exchange(&srv, &get(&query(&pairs, &["InstanceName"])))
        .await
        .ok();
    assert_eq!(instance_ids(&body), [id]);
    assert_eq!(crate::common::instances(&body)[0]["InstanceName"], name);
}

#[tokio::test]
async fn a_malformed_raw_array_gets_the_error_of_the_encoded_one() {
    let srv = TestServer::start().await;
    let bad = "[\"i-bp1";
    let encoded = exchange(
        &srv,
        &get(&query(
            &signed("GET", "DescribeInstances", &[("InstanceIds", bad)]),
            &[],
        )),
    )
    .await;
    let raw = exchange(
        &srv,
        &get(&query(
            &signed("GET", "DescribeInstances", &[("InstanceIds", bad)]),
            &["InstanceIds"],
        )),
    )
    .await;
    let code = encoded.json()["Code"].as_str().expect("a Code").to_string();
    assert_eq!(code, "InvalidInstanceIds.Malformed");
    raw.err(encoded.status, &code, encoded.json()["Message"].as_str());
}

#[tokio::test]
async fn a_raw_value_other_than_the_signed_one_does_not_match() {
    let srv = TestServer::start().await;
    let signed_ids = format!("[\"{RUNNING}\"]");
    let mut pairs = signed("GET", "DescribeInstances", &[("InstanceIds", &signed_ids)]);
    pairs[0].1 = "[\"i-bp1stopped0000000001\"]".to_string();
    exchange(&srv, &get(&query(&pairs, &["InstanceIds"])))
        .await
        .err(400, "SignatureDoesNotMatch", None);
}

#[tokio::test]
async fn keep_alive_serves_an_encoded_then_a_raw_request() {
    let srv = TestServer::start().await;
    let ids = format!("[\"{RUNNING}\"]");
    let mut conn = Conn::open(&srv).await;
    let first = signed("GET", "DescribeInstances", &[("InstanceIds", &ids)]);
    conn.send(&get(&query(&first, &[]))).await;
    assert_eq!(instance_ids(&conn.response().await.ok()), [RUNNING]);
    let second = signed(
        "GET",
        "DescribeInstances",
        &[("InstanceIds", &ids), ("InstanceName", "a{b}\"c\"")],
    );
    conn.send(&get(&query(&second, &["InstanceIds", "InstanceName"])))
        .await;
    assert_eq!(conn.response().await.ok()["TotalCount"], 0);
    // Both again, pipelined in one write.
    let third = signed("GET", "DescribeInstances", &[("InstanceIds", &ids)]);
    let fourth = signed("GET", "DescribeInstances", &[("InstanceIds", &ids)]);
    conn.send(
        &[
            get(&query(&third, &["InstanceIds"])),
            get(&query(&fourth, &[])),
        ]
        .concat(),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(instance_ids(&conn.response().await.ok()), [RUNNING]);
    }
}

#[tokio::test]
async fn a_form_body_with_raw_bytes_passes_unaltered() {
    // The body holds what looks like a request line with raw quotes: it must reach the
    // gateway byte for byte (its signature verifies) and the connection stays in step.
    let srv = TestServer::start().await;
    let name = "GET /?x=\"{y}\" HTTP/1.1\r\n\r\n中文";
    let pairs = signed("POST", "DescribeInstances", &[("InstanceName", name)]);
    let (body_pairs, query_pairs): (Vec<_>, Vec<_>) =
        pairs.into_iter().partition(|(k, _)| k == "InstanceName");
    let body = query(&body_pairs, &["InstanceName"]);
    let head = format!(
        " HTTP/1.1\r\nhost: {HOST}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut conn = Conn::open(&srv).await;
    let next = signed(
        "GET",
        "DescribeInstances",
        &[("InstanceIds", &format!("[\"{RUNNING}\"]"))],
    );
    conn.send(
        &[
            b"POST /?".as_slice(),
            &query(&query_pairs, &[]),
            head.as_bytes(),
            &body,
            &get(&query(&next, &["InstanceIds"])),
        ]
        .concat(),
    )
    .await;
    assert_eq!(conn.response().await.ok()["TotalCount"], 0);
    assert_eq!(instance_ids(&conn.response().await.ok()), [RUNNING]);
}

#[tokio::test]
async fn a_chunked_form_body_is_followed_to_its_end() {
    let srv = TestServer::start().await;
    let pairs = signed("POST", "DescribeInstances", &[("InstanceName", "x\"y\"")]);
    let (body_pairs, query_pairs): (Vec<_>, Vec<_>) =
        pairs.into_iter().partition(|(k, _)| k == "InstanceName");
    let body = query(&body_pairs, &["InstanceName"]);
    let (a, b) = body.split_at(5);
    let chunked = [
        format!("{:x}\r\n", a.len()).as_bytes(),
        a,
        format!("\r\n{:x};ext=1\r\n", b.len()).as_bytes(),
        b,
        b"\r\n0\r\n\r\n",
    ]
    .concat();
    let head = format!(
        " HTTP/1.1\r\nhost: {HOST}\r\ncontent-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    let mut conn = Conn::open(&srv).await;
    let next = signed("GET", "DescribeInstances", &[("InstanceName", "{z}")]);
    conn.send(
        &[
            b"POST /?".as_slice(),
            &query(&query_pairs, &[]),
            head.as_bytes(),
            &chunked,
            &get(&query(&next, &["InstanceName"])),
        ]
        .concat(),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(conn.response().await.ok()["TotalCount"], 0);
    }
}

#[tokio::test]
async fn raw_non_ascii_header_values_are_accepted() {
    let srv = TestServer::start().await;
    let pairs = signed("GET", "DescribeRegions", &[]);
    let request = [
        b"GET /?".as_slice(),
        &query(&pairs, &[]),
        format!(" HTTP/1.1\r\nhost: {HOST}\r\nx-note: ").as_bytes(),
        "中文 \u{e9}".as_bytes(),
        b"\r\n\r\n",
    ]
    .concat();
    exchange(&srv, &request).await.ok();
}
