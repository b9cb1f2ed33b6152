//! The Rust SDK `aliyun-openapi-core-rust-sdk` (its `RPClient`: V1 HMAC-SHA1, every
//! parameter in the query string of a `GET`, timestamps with nanoseconds) against the
//! real server: the StartInstance outcome table and the instance lifecycle.
//!
//! The SDK hides the HTTP status: a non-2xx answer becomes
//! `Error::InvalidResponse { request_id, error_code, error_message }` read from the JSON
//! body, and the status is dropped. So the SDK talks to the server through [`Tap`], a
//! TCP relay that records each request head and the status line of its answer.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aliyun_openapi_core_rust_sdk::client::error::Error;
use aliyun_openapi_core_rust_sdk::client::rpc::RPClient;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::{assert_upper_uuid, TestServer, STEP_MS, VERSION};

// README:rust-sdk:begin
/// The SDK's RPC client for ecs-mock listening on `addr` (e.g. `"127.0.0.1:8080"`):
/// plain http, the built-in key `test` / `test`. Call actions as against ECS, adding
/// `RegionId` yourself where the action needs it (this SDK sends none):
///
/// ```ignore
/// let body: serde_json::Value = ecs_mock_client("127.0.0.1:8080")
///     .get("StartInstance")
///     .query([("InstanceId", "i-bp1stopped0000000001")])
///     .version("2014-05-26")
///     .json()
///     .await?;
/// ```
///
/// A refusal is `Error::InvalidResponse { request_id, error_code, error_message }`; the
/// SDK does not report the HTTP status.
fn ecs_mock_client(addr: &str) -> aliyun_openapi_core_rust_sdk::client::rpc::RPClient {
    aliyun_openapi_core_rust_sdk::client::rpc::RPClient::new(
        "test",
        "test",
        format!("http://{addr}/"),
    )
}
// README:rust-sdk:end

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20250101.vhd";

/// One request as it crossed the wire.
#[derive(Debug, Clone, Default)]
struct Exchange {
    /// Everything the client sent (a `GET` has only a head).
    request: String,
    /// The status code of the server's status line.
    status: Option<u16>,
}

/// A TCP relay in front of the server that records every connection's exchange.
struct Tap {
    addr: SocketAddr,
    /// One entry per accepted connection, in order; never removed, so a relay task
    /// can keep writing to its own index.
    seen: Arc<Mutex<Vec<Exchange>>>,
    /// How many entries [`Tap::take_one`] has handed out.
    taken: AtomicUsize,
}

impl Tap {
    async fn start(upstream: SocketAddr) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the tap");
        let addr = listener.local_addr().expect("tap address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let index = {
                    let mut log = log.lock().expect("tap log");
                    log.push(Exchange::default());
                    log.len() - 1
                };
                let (client_rx, client_tx) = client.into_split();
                let (server_rx, server_tx) = server.into_split();
                let up = Arc::clone(&log);
                tokio::spawn(relay(client_rx, server_tx, move |bytes| {
                    let mut log = up.lock().expect("tap log");
                    log[index].request.push_str(&String::from_utf8_lossy(bytes));
                }));
                let down = Arc::clone(&log);
                let mut head = Vec::new();
                tokio::spawn(relay(server_rx, client_tx, move |bytes| {
                    if head.contains(&b'\n') {
                        return;
                    }
                    head.extend_from_slice(bytes);
                    let line = String::from_utf8_lossy(&head);
                    if let Some(line) = line.split_once("\r\n").map(|(l, _)| l) {
                        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok());
                        down.lock().expect("tap log")[index].status = status;
                    }
                }));
            }
        });
        Tap {
            addr,
            seen,
            taken: AtomicUsize::new(0),
        }
    }

    /// The one exchange since the last call (the SDK opens a connection per request).
    fn take_one(&self) -> Exchange {
        let seen = self.seen.lock().expect("tap log");
        let next = self.taken.fetch_add(1, Ordering::SeqCst);
        assert_eq!(
            seen.len(),
            next + 1,
            "one connection per SDK call: {:?}",
            &seen[next.min(seen.len())..]
        );
        seen[next].clone()
    }
}

/// Copy `from` to `to`, showing each chunk to `record` before forwarding it (so the
/// record exists before the other side can see the bytes).
async fn relay(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut record: impl FnMut(&[u8]),
) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        record(&buf[..n]);
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
    let _ = to.shutdown().await;
}

/// What one SDK call gave, and what the wire showed.
struct Call {
    result: Result<Value, Error>,
    exchange: Exchange,
}

impl Call {
    /// The request line sent, for failure messages.
    fn request_line(&self) -> String {
        self.exchange
            .request
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    }

    /// A success: HTTP 200, a JSON body whose `RequestId` is an upper-case UUID.
    fn ok(self) -> Value {
        let line = self.request_line();
        let body = match self.result {
            Ok(body) => body,
            Err(e) => panic!("{line}: expected success, the SDK says: {e}"),
        };
        assert_eq!(self.exchange.status, Some(200), "{line}: {body}");
        assert_upper_uuid(body["RequestId"].as_str().expect("RequestId"));
        body
    }

    /// A refusal: this HTTP status, and the SDK's `InvalidResponse` with this code and
    /// message and an upper-case UUID request id.
    fn refused(self, status: u16, code: &str, message: &str) {
        let line = self.request_line();
        match self.result {
            Err(Error::InvalidResponse {
                request_id,
                error_code,
                error_message,
            }) => {
                assert_eq!(
                    (self.exchange.status, error_code.as_str()),
                    (Some(status), code),
                    "{line}"
                );
                assert_eq!(error_message, message, "{line}: message of {code}");
                assert_upper_uuid(&request_id);
            }
            other => panic!("{line}: expected {status} {code}, the SDK gives {other:?}"),
        }
    }
}

/// The SDK behind a tap: [`Sdk::new`] uses the README client (key `test`),
/// [`Sdk::with_key`] another fixture key (their secrets equal their ids).
struct Sdk {
    client: RPClient,
    tap: Tap,
}

impl Sdk {
    async fn new(srv: &TestServer) -> Sdk {
        let tap = Tap::start(srv.addr).await;
        let client = ecs_mock_client(&tap.addr.to_string());
        Sdk { client, tap }
    }

    async fn with_key(srv: &TestServer, key: &str) -> Sdk {
        let tap = Tap::start(srv.addr).await;
        let client = RPClient::new(key, key, format!("http://{}/", tap.addr));
        Sdk { client, tap }
    }

    /// `GET`, as the SDK's documentation calls every action.
    async fn call(&self, action: &str, params: &[(&str, &str)]) -> Call {
        self.send("GET", action, params).await
    }

    async fn send(&self, method: &str, action: &str, params: &[(&str, &str)]) -> Call {
        let result = self
            .client
            .clone()
            .request(method, action)
            .query(params.iter().copied())
            .version(VERSION)
            .json::<Value>()
            .await;
        let exchange = self.tap.take_one();
        Call { result, exchange }
    }

    /// The status of a cn-hangzhou instance in DescribeInstances (`None`: not listed).
    async fn status(&self, id: &str) -> Option<String> {
        let ids = format!("[\"{id}\"]");
        let body = self
            .call(
                "DescribeInstances",
                &[("RegionId", "cn-hangzhou"), ("InstanceIds", &ids)],
            )
            .await
            .ok();
        let list = body["Instances"]["Instance"]
            .as_array()
            .unwrap_or_else(|| panic!("Instances.Instance is not an array: {body}"));
        assert!(list.len() <= 1, "{body}");
        list.first()
            .map(|i| i["Status"].as_str().expect("Status").to_string())
    }

    async fn assert_status(&self, id: &str, want: &str) {
        assert_eq!(
            self.status(id).await.as_deref(),
            Some(want),
            "status of {id}"
        );
    }
}

/// The one right answer to a StartInstance.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// 200 with only a RequestId; `Starting`, then `Running` one step later.
    Started,
    /// Refused with this status, code and message; the instance is unchanged.
    Refused(u16, &'static str, &'static str),
}

/// One outcome of the default fixtures.
struct Row {
    id: &'static str,
    key: &'static str,
    extra: &'static [(&'static str, &'static str)],
    want: Want,
}

const fn row(id: &'static str, want: Want) -> Row {
    Row {
        id,
        key: "test",
        extra: &[],
        want,
    }
}

const RUNNING_MSG: &str = "The specified instance is in an incorrect status for the requested action; Status of the specified instance is Running but the expected status is in (Stopped).";
const STARTING_MSG: &str = "The specified instance is in an incorrect status for the requested action; Status of the specified instance is Starting but the expected status is in (Stopped).";
const STOPPING_MSG: &str = "The specified instance is in an incorrect status for the requested action; Status of the specified instance is Stopping but the expected status is in (Stopped).";
const INCORRECT: &str = "IncorrectInstanceStatus";
const NOT_FOUND: Want = Want::Refused(
    404,
    "InvalidInstanceId.NotFound",
    "The specified InstanceId does not exist.",
);
const DISK_ERROR: Want = Want::Refused(403, "DiskError", "IncorrectDiskStatus.");

/// Every fixture instance, the InitLocalDisk and DryRun variants, and an unknown id.
const OUTCOMES: &[Row] = &[
    row("i-bp1stopped0000000001", Want::Started),
    row("i-bp1stopped2000000001", Want::Started),
    row("i-bp1econok00000000001", Want::Started),
    Row {
        extra: &[("InitLocalDisk", "true")],
        ..row("i-bp1localdisk00000001", Want::Started)
    },
    Row {
        extra: &[("DryRun", "true")],
        ..row(
            "i-bp1stopped0000000001",
            Want::Refused(400, "DryRunOperation", "Request validation has been passed with DryRun flag set."),
        )
    },
    row("i-bp1running0000000001", Want::Refused(403, INCORRECT, RUNNING_MSG)),
    row("i-bp1starting000000001", Want::Refused(403, INCORRECT, STARTING_MSG)),
    row("i-bp1stopping000000001", Want::Refused(403, INCORRECT, STOPPING_MSG)),
    row("i-bp1pending0000000001", Want::Refused(403, "InstanceNotReady", "The specified instance is not ready for use.")),
    row("i-bp1seclock0000000001", Want::Refused(403, "InstanceLockedForSecurity", "The specified operation is denied as your instance is locked for security reasons.")),
    row("i-bp1prepaidexp0000001", Want::Refused(403, "InstanceExpired", "The prePaid instance has been expired.")),
    row("i-bp1financial00000001", Want::Refused(403, "InstanceExpired", "The postPaid instance has been expired.Please ensure your account have enough balance.")),
    Row {
        key: "broke",
        ..row("i-bp1broke000000000001", Want::Refused(403, "InsufficientBalance", "Your account does not have enough balance."))
    },
    row("i-bp1diskarrears000001", Want::Refused(403, "DiskInArrears", "The specified operation is denied as your disk has expired.")),
    row("i-bp1diskerror00000001", DISK_ERROR),
    row("i-bp1localdisk00000001", DISK_ERROR),
    Row {
        key: "nokms",
        ..row("i-bp1kmsdisk0000000001", Want::Refused(403, "InvalidParameter.KMSKeyId.KMSUnauthorized", "ECS service have no right to access your KMS."))
    },
    row("i-bp1nostock0000000001", Want::Refused(403, "OperationDenied.NoStock", "The requested resource is sold out in the specified zone; try other types of resources or other regions and zones.")),
    row("i-bp1typequota00000001", Want::Refused(403, "QuotaExceed.ElasticQuota", "The number of the specified ECS instances has exceeded the quota of the specified instance type.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.")),
    row("i-bp1cpuquota000000001", Want::Refused(403, "QuotaExceed.ElasticQuota", "The number of vCPUs assigned to the ECS instances has exceeded the quota in the zone.Please sign-on to Alibaba Cloud Console, and submit a quota increase application.")),
    row("i-bp1spotprice00000001", Want::Refused(403, "OperationDenied.SpotPriceLowerThanPublicPrice", "The spot instance price is lower than public price.")),
    row("i-bp1otheracct00000001", NOT_FOUND),
    Row {
        extra: &[("RegionId", "cn-hangzhou")],
        ..row("i-uf6shanghai000000001", NOT_FOUND)
    },
    row("i-bp1doesnotexist00001", NOT_FOUND),
];

#[tokio::test]
async fn start_instance_outcomes() {
    for row in OUTCOMES {
        let srv = TestServer::start().await;
        let sdk = Sdk::with_key(&srv, row.key).await;
        let before = srv.state_instance(row.id).await;
        let mut params = vec![("InstanceId", row.id)];
        params.extend_from_slice(row.extra);
        let call = sdk.call("StartInstance", &params).await;
        match row.want {
            Want::Started => {
                let body = call.ok();
                assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
                sdk.assert_status(row.id, "Starting").await;
                srv.advance(STEP_MS);
                sdk.assert_status(row.id, "Running").await;
            }
            Want::Refused(status, code, message) => {
                call.refused(status, code, message);
                assert_eq!(
                    srv.state_instance(row.id).await,
                    before,
                    "a refused StartInstance changed {}",
                    row.id
                );
            }
        }
    }
}

#[test]
fn the_outcome_table_covers_every_fixture_instance() {
    let fixture = ecs_mock::store::fixtures::default_fixture();
    for inst in &fixture.instances {
        assert!(
            OUTCOMES.iter().any(|r| r.id == inst.instance_id),
            "{} has no row",
            inst.instance_id
        );
    }
}

#[tokio::test]
async fn lifecycle() {
    let srv = TestServer::start().await;
    let sdk = Sdk::new(&srv).await;
    let body = sdk
        .call(
            "RunInstances",
            &[
                ("RegionId", "cn-hangzhou"),
                ("ImageId", IMAGE),
                ("InstanceType", "ecs.g7.large"),
            ],
        )
        .await
        .ok();
    let ids = body["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .unwrap_or_else(|| panic!("no InstanceIdSets.InstanceIdSet: {body}"));
    assert_eq!(ids.len(), 1, "{body}");
    let id = ids[0].as_str().expect("an id").to_string();

    sdk.assert_status(&id, "Pending").await;
    srv.advance(STEP_MS);
    sdk.assert_status(&id, "Starting").await;
    srv.advance(STEP_MS);
    sdk.assert_status(&id, "Running").await;

    sdk.call("StopInstance", &[("InstanceId", &id)]).await.ok();
    sdk.assert_status(&id, "Stopping").await;
    srv.advance(STEP_MS);
    sdk.assert_status(&id, "Stopped").await;

    sdk.call("StartInstance", &[("InstanceId", &id)]).await.ok();
    sdk.assert_status(&id, "Starting").await;
    srv.advance(STEP_MS);
    sdk.assert_status(&id, "Running").await;

    sdk.call("RebootInstance", &[("InstanceId", &id)])
        .await
        .ok();
    sdk.assert_status(&id, "Stopping").await;
    srv.advance(STEP_MS);
    sdk.assert_status(&id, "Starting").await;
    srv.advance(STEP_MS);
    sdk.assert_status(&id, "Running").await;

    sdk.call("DeleteInstance", &[("InstanceId", &id), ("Force", "true")])
        .await
        .ok();
    srv.advance(STEP_MS);
    assert_eq!(sdk.status(&id).await, None, "{id} is gone");
}

#[tokio::test]
async fn describe_instances_with_a_json_array_of_ids() {
    let srv = TestServer::start().await;
    let sdk = Sdk::new(&srv).await;
    let ids = r#"["i-bp1running0000000001","i-bp1stopped0000000001"]"#;
    let call = sdk
        .call(
            "DescribeInstances",
            &[("RegionId", "cn-hangzhou"), ("InstanceIds", ids)],
        )
        .await;
    // The SDK percent-encodes the whole value, brackets, quotes and comma included.
    assert!(
        call.exchange.request.contains(
            "InstanceIds=%5B%22i-bp1running0000000001%22%2C%22i-bp1stopped0000000001%22%5D&"
        ),
        "{}",
        call.exchange.request
    );
    let body = call.ok();
    let mut listed: Vec<&str> = body["Instances"]["Instance"]
        .as_array()
        .unwrap_or_else(|| panic!("Instances.Instance is not an array: {body}"))
        .iter()
        .map(|i| i["InstanceId"].as_str().expect("InstanceId"))
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, ["i-bp1running0000000001", "i-bp1stopped0000000001"]);
    assert_eq!(body["TotalCount"], 2, "{body}");
}

#[tokio::test]
async fn what_the_sdk_sends() {
    // A GET of `/?Signature=…&` then the other parameters sorted by name, no RegionId
    // unless given, and a Timestamp with nanoseconds (`2026-11-30T00:15:20.123456789Z`).
    let srv = TestServer::start().await;
    let sdk = Sdk::new(&srv).await;
    let call = sdk
        .call("DescribeRegions", &[("AcceptLanguage", "en-US")])
        .await;
    let request = call.exchange.request.clone();
    call.ok();
    let line = request.lines().next().expect("a request line");
    assert!(line.starts_with("GET /?Signature="), "{line}");
    let query = line
        .split_once('&')
        .and_then(|(_, rest)| rest.strip_suffix(" HTTP/1.1"))
        .expect("parameters after the signature");
    let names: Vec<&str> = query
        .split('&')
        .map(|pair| pair.split_once('=').expect("name=value").0)
        .collect();
    assert_eq!(
        names,
        [
            "AcceptLanguage",
            "AccessKeyId",
            "Action",
            "Format",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
            "Version"
        ]
    );
    let timestamp = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("Timestamp="))
        .expect("a Timestamp");
    let (seconds, fraction) = timestamp.split_once('.').expect("fractional seconds");
    assert_eq!(
        seconds.len(),
        "2026-11-30T00%3A15%3A20".len(),
        "{timestamp}"
    );
    assert_eq!(fraction.len(), "123456789Z".len(), "{timestamp}");
}

#[tokio::test]
async fn post_sends_the_same_query() {
    // `.post(action)` signs with `POST` and sends the same query with an empty body.
    let srv = TestServer::start().await;
    let sdk = Sdk::new(&srv).await;
    let id = "i-bp1stopped0000000001";
    let call = sdk
        .send("POST", "StartInstance", &[("InstanceId", id)])
        .await;
    assert!(
        call.exchange.request.starts_with("POST /?Signature="),
        "{}",
        call.exchange.request
    );
    call.ok();
    sdk.assert_status(id, "Starting").await;
}

#[tokio::test]
async fn signature_over_reserved_and_non_ascii_characters() {
    // The SDK encodes space as %20, `*` as %2A, keeps `~`, and encodes UTF-8 bytes:
    // the server must sign the same bytes.
    let srv = TestServer::start().await;
    let sdk = Sdk::new(&srv).await;
    let call = sdk
        .call(
            "DescribeInstances",
            &[
                ("RegionId", "cn-hangzhou"),
                ("InstanceName", "测试 a+b~c/d*=&"),
            ],
        )
        .await;
    assert!(
        call.exchange
            .request
            .contains("InstanceName=%E6%B5%8B%E8%AF%95%20a%2Bb~c%2Fd%2A%3D%26&"),
        "{}",
        call.exchange.request
    );
    let body = call.ok();
    assert_eq!(body["TotalCount"], 0, "{body}");
}
