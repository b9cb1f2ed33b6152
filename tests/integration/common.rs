//! The test harness: a real ecs-mock server on a loopback port, SDK-faithful V1 and V3
//! signing clients, a raw requester for malformed requests, response assertions and
//! golden-file comparison.
//!
//! Every response that goes through [`Resp::from_reqwest`] is checked for the two
//! things that must never happen, a 5xx status and an empty body, and every ECS API
//! answer for conformance with the real service's key order and formats
//! ([`crate::conformance`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use ecs_mock::clock::{parse_time, Clock, Millis};
use ecs_mock::ecs::catalog::Fixture;
use ecs_mock::gateway::auth::AuthMode;
use ecs_mock::gateway::signature::{
    percent_encode, sha256_hex, v1_signature, v1_string_to_sign, v3_canonical_query,
    v3_canonical_request, v3_signature, v3_string_to_sign,
};
use ecs_mock::store::fixtures::default_fixture;
use ecs_mock::store::{Options, Store};
use ecs_mock::timing::{Profile, Timing};
use ecs_mock::App;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The emulator time of every frozen-clock test: 2026-06-01T00:00:00Z.
pub(crate) fn frozen_at() -> Millis {
    parse_time("2026-06-01T00:00:00Z").expect("a valid time")
}

/// The host every request claims to call (so `HostId` is deterministic).
pub(crate) const HOST: &str = "ecs.cn-hangzhou.aliyuncs.com";

/// The API version.
pub(crate) const VERSION: &str = "2014-05-26";

/// The placeholder that replaces the random request id in golden files.
pub(crate) const PLACEHOLDER_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The JSON content type the gateway must send.
pub(crate) const JSON_CT: &str = "application/json;charset=utf-8";

/// The XML content type the gateway must send.
pub(crate) const XML_CT: &str = "text/xml;charset=utf-8";

/// Fast-profile duration of every transitional status.
pub(crate) const STEP_MS: Millis = 1_000;

/// How to build a test server.
pub(crate) struct ServerBuilder {
    fixture: Fixture,
    clock: Clock,
    timing: Timing,
    auth: AuthMode,
    max_body: usize,
    server: ecs_mock::server::Settings,
    options: Options,
    admin_token: Option<String>,
}

impl ServerBuilder {
    /// `--seed`.
    pub(crate) fn seed(mut self, seed: u64) -> Self {
        self.options.seed = Some(seed);
        self
    }

    /// `--journal-size`.
    pub(crate) fn journal_size(mut self, n: usize) -> Self {
        self.options.journal_size = n;
        self
    }

    /// `--keep-accounts`.
    pub(crate) fn keep_accounts(mut self) -> Self {
        self.options.keep_accounts = true;
        self
    }

    /// `--data-dir`.
    pub(crate) fn data_dir(mut self, dir: &std::path::Path) -> Self {
        self.options.data_dir = Some(dir.to_path_buf());
        self
    }

    /// `--admin-token`: the harness's control-plane helpers then send it.
    pub(crate) fn admin_token(mut self, token: &str) -> Self {
        self.admin_token = Some(token.to_string());
        self
    }

    /// Use this fixture document instead of the built-in default.
    pub(crate) fn fixture(mut self, fixture: Fixture) -> Self {
        self.fixture = fixture;
        self
    }

    /// Follow real time instead of the frozen 2026-06-01 clock.
    pub(crate) fn real_clock(mut self) -> Self {
        self.clock = Clock::real();
        self
    }

    /// Authentication mode.
    pub(crate) fn auth(mut self, auth: AuthMode) -> Self {
        self.auth = auth;
        self
    }

    /// Request body limit.
    pub(crate) fn max_body(mut self, max_body: usize) -> Self {
        self.max_body = max_body;
        self
    }

    /// Idle timeout of connections.
    pub(crate) fn idle_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.server.idle_timeout = timeout;
        self
    }

    /// Graceful shutdown bound.
    pub(crate) fn shutdown_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.server.shutdown_timeout = timeout;
        self
    }

    /// Connection cap.
    pub(crate) fn max_connections(mut self, max: usize) -> Self {
        self.server.max_connections = max;
        self
    }

    /// Serve on `127.0.0.1:0` in a tokio task.
    pub(crate) async fn start(self) -> TestServer {
        let store = Store::open(self.fixture, self.clock, self.timing, self.options)
            .expect("the store opens");
        let app = App {
            store: store.clone(),
            auth: self.auth,
            max_body: self.max_body,
            server: self.server,
            admin_token: self.admin_token.clone(),
        };
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            ecs_mock::run(listener, app, shutdown)
                .await
                .expect("the server runs");
        });
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        TestServer {
            addr,
            store,
            http,
            shutdown: Some(tx),
            admin_token: self.admin_token,
        }
    }
}

/// A running emulator with a handle on its store.
pub(crate) struct TestServer {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// The state behind it (clock, world).
    pub(crate) store: Store,
    http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    /// Sent by the control-plane helpers ([`TestServer::control`]).
    admin_token: Option<String>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestServer {
    /// Default fixtures, frozen clock, fast profile, strict auth, default body limit.
    pub(crate) fn builder() -> ServerBuilder {
        ServerBuilder {
            fixture: default_fixture(),
            clock: Clock::frozen(frozen_at()),
            timing: Timing::profile(Profile::Fast),
            auth: AuthMode::Strict,
            max_body: ecs_mock::DEFAULT_MAX_BODY,
            server: ecs_mock::server::Settings::default(),
            options: Options::default(),
            admin_token: None,
        }
    }

    /// A server with the defaults of [`TestServer::builder`].
    pub(crate) async fn start() -> TestServer {
        TestServer::builder().start().await
    }

    /// `http://127.0.0.1:port`.
    pub(crate) fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A V1-signed request as the legacy Python SDK sends it (key `test`).
    pub(crate) fn rpc(&self, action: &str) -> Rpc {
        Rpc {
            http: self.http.clone(),
            base: self.base(),
            host: HOST.to_string(),
            method: reqwest::Method::POST,
            action: action.to_string(),
            version: VERSION.to_string(),
            params: Vec::new(),
            key_id: "test".to_string(),
            secret: "test".to_string(),
            format: Some("JSON".to_string()),
            region: Some("cn-hangzhou".to_string()),
            timestamp: now_timestamp(),
            nonce: uuid::Uuid::new_v4().simple().to_string(),
            in_body: false,
            signed: true,
            dropped: Vec::new(),
            extra_body: None,
        }
    }

    /// Shortcut: a V1 request of `action` with `params`, sent with key `test`.
    pub(crate) async fn call(&self, action: &str, params: &[(&str, &str)]) -> Resp {
        let mut rpc = self.rpc(action);
        for (k, v) in params {
            rpc = rpc.p(k, v);
        }
        rpc.send().await
    }

    /// A V3-signed (`ACS3-HMAC-SHA256`) request, as the current SDKs send it.
    pub(crate) fn v3(&self, action: &str) -> V3 {
        V3 {
            http: self.http.clone(),
            base: self.base(),
            host: HOST.to_string(),
            action: action.to_string(),
            query: Vec::new(),
            key_id: "test".to_string(),
            secret: "test".to_string(),
            date: now_timestamp(),
            nonce: hex::encode(uuid::Uuid::new_v4().as_bytes()),
            tamper_query: Vec::new(),
        }
    }

    /// A request built by hand, for malformed input.
    pub(crate) fn raw(&self, method: &str, path_and_query: &str) -> Raw {
        Raw {
            http: self.http.clone(),
            url: format!("{}{}", self.base(), path_and_query),
            method: reqwest::Method::from_bytes(method.as_bytes()).expect("a method"),
            headers: vec![("host".to_string(), HOST.to_string())],
            body: Vec::new(),
        }
    }

    /// Move the frozen emulator clock forward.
    pub(crate) fn advance(&self, ms: Millis) {
        self.store.clock().advance(ms);
    }

    /// `GET /_mock/state`.
    pub(crate) async fn state(&self) -> Value {
        let r = self.raw("GET", "/_mock/state").send().await;
        assert_eq!(r.status, 200, "GET /_mock/state: {}", r.body);
        r.json()
    }

    /// `POST /_mock/state` with a document.
    pub(crate) async fn load_state(&self, doc: &str) -> Resp {
        self.raw("POST", "/_mock/state")
            .header("content-type", "application/json")
            .body(doc.as_bytes().to_vec())
            .send()
            .await
    }

    /// A control-plane request with a JSON body, carrying the admin token when the
    /// server has one.
    pub(crate) async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let mut raw = self.raw(method, path);
        if let Some(t) = &self.admin_token {
            raw = raw.header("authorization", &format!("Bearer {t}"));
        }
        if let Some(b) = body {
            raw = raw
                .header("content-type", "application/json")
                .body(b.to_string().into_bytes());
        }
        raw.send().await
    }

    /// [`TestServer::control`] that must answer 200; returns the JSON body.
    pub(crate) async fn control_ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let r = self.control(method, path, body).await;
        assert_eq!(r.status, 200, "{method} {path}: {}", r.body);
        r.json()
    }

    /// [`TestServer::control`] that must be refused with 400 naming `field` first.
    pub(crate) async fn control_refused(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        field: &str,
    ) -> String {
        let r = self.control(method, path, body).await;
        assert_eq!(r.status, 400, "{method} {path}: {}", r.body);
        let message = r.json()["Error"]
            .as_str()
            .unwrap_or_else(|| panic!("no Error message: {}", r.body))
            .to_string();
        assert!(
            message.starts_with(&format!("{field}:")),
            "{method} {path}: the message does not start with {field}: {message}"
        );
        message
    }

    /// A throwaway account (`POST /_mock/accounts` with `body`).
    pub(crate) async fn new_account(&self, body: Value) -> TestAccount {
        let a = self.control_ok("POST", "/_mock/accounts", Some(body)).await;
        let field = |k: &str| {
            a[k].as_str()
                .unwrap_or_else(|| panic!("{k}: {a}"))
                .to_string()
        };
        TestAccount {
            account_id: field("AccountId"),
            key_id: field("AccessKeyId"),
            secret: field("AccessKeySecret"),
        }
    }

    /// A V1 request signed with a throwaway account's key.
    pub(crate) fn rpc_as(&self, account: &TestAccount, action: &str) -> Rpc {
        self.rpc(action)
            .key(&account.key_id)
            .secret(&account.secret)
    }

    /// Free stock of `type_id` in `zone_id`, read from `/_mock/state`.
    pub(crate) async fn stock(&self, zone_id: &str, type_id: &str) -> u64 {
        let state = self.state().await;
        for region in state["Regions"].as_array().expect("Regions") {
            for zone in region["Zones"].as_array().expect("Zones") {
                if zone["ZoneId"] == zone_id {
                    return zone["Stock"][type_id].as_u64().expect("a stock number");
                }
            }
        }
        panic!("zone {zone_id} not in the state");
    }

    /// The fixture-format entry of an instance in `/_mock/state`.
    pub(crate) async fn state_instance(&self, id: &str) -> Option<Value> {
        let state = self.state().await;
        state["Instances"]
            .as_array()
            .expect("Instances")
            .iter()
            .find(|i| i["InstanceId"] == id)
            .cloned()
    }

    /// The DescribeInstances object of one instance of key `test` (region of the id
    /// prefix `i-bp` → cn-hangzhou), or `None` when it is not listed.
    pub(crate) async fn describe_one(&self, id: &str) -> Option<Value> {
        let ids = format!("[\"{id}\"]");
        let body = self
            .call("DescribeInstances", &[("InstanceIds", &ids)])
            .await
            .ok();
        let list = instances(&body);
        assert!(list.len() <= 1, "one id listed more than once: {body}");
        list.into_iter().next()
    }

    /// The API status of one instance (`None` when gone).
    pub(crate) async fn status(&self, id: &str) -> Option<String> {
        self.describe_one(id).await.map(|i| {
            i["Status"]
                .as_str()
                .expect("Status is a string")
                .to_string()
        })
    }

    /// Assert the status of one instance.
    pub(crate) async fn assert_status(&self, id: &str, want: &str) {
        assert_eq!(
            self.status(id).await.as_deref(),
            Some(want),
            "status of {id}"
        );
    }
}

/// A throwaway account's credentials.
#[derive(Debug, Clone)]
pub(crate) struct TestAccount {
    /// 16 digits.
    pub(crate) account_id: String,
    /// Root key id.
    pub(crate) key_id: String,
    /// Root key secret.
    pub(crate) secret: String,
}

/// `Instances.Instance` of a DescribeInstances body, which must be an array.
pub(crate) fn instances(body: &Value) -> Vec<Value> {
    body["Instances"]["Instance"]
        .as_array()
        .unwrap_or_else(|| panic!("Instances.Instance is not an array: {body}"))
        .clone()
}

/// The ids of a DescribeInstances body, in response order.
pub(crate) fn instance_ids(body: &Value) -> Vec<String> {
    instances(body)
        .iter()
        .map(|i| i["InstanceId"].as_str().expect("InstanceId").to_string())
        .collect()
}

/// Real system time in the V1 `Timestamp` / V3 `x-acs-date` format.
pub(crate) fn now_timestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `pe(k)=pe(v)` joined by `&`, in the given order (how the SDKs put pairs on the wire).
pub(crate) fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// A V1 request (HMAC-SHA1, `SignatureVersion=1.0`) built like aliyun-python-sdk-core
/// builds it: API parameters, then `Version`, `Action`, `Format`, `RegionId`,
/// `Timestamp`, `SignatureMethod`, `SignatureType=`, `SignatureVersion`,
/// `SignatureNonce`, `AccessKeyId`, all in the query string of a `POST /`.
#[derive(Clone)]
pub(crate) struct Rpc {
    http: reqwest::Client,
    base: String,
    host: String,
    method: reqwest::Method,
    action: String,
    version: String,
    params: Vec<(String, String)>,
    key_id: String,
    secret: String,
    format: Option<String>,
    region: Option<String>,
    timestamp: String,
    nonce: String,
    in_body: bool,
    signed: bool,
    dropped: Vec<String>,
    extra_body: Option<Vec<u8>>,
}

impl Rpc {
    /// Add an API parameter.
    pub(crate) fn p(mut self, k: &str, v: &str) -> Self {
        self.params.push((k.to_string(), v.to_string()));
        self
    }

    /// Send through a new HTTP client (its own connection pool), for a request sent
    /// from another thread's runtime.
    pub(crate) fn own_client(mut self) -> Self {
        self.http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        self
    }

    /// Use an access key of the fixtures (their secrets equal their ids).
    pub(crate) fn key(mut self, key_id: &str) -> Self {
        self.key_id = key_id.to_string();
        self.secret = key_id.to_string();
        self
    }

    /// Sign with this secret instead of the key's.
    pub(crate) fn secret(mut self, secret: &str) -> Self {
        self.secret = secret.to_string();
        self
    }

    /// `Format` value (`None`: no `Format` parameter).
    pub(crate) fn format(mut self, format: Option<&str>) -> Self {
        self.format = format.map(str::to_string);
        self
    }

    /// `RegionId` value added like the legacy SDK does (`None`: not sent).
    pub(crate) fn region(mut self, region: Option<&str>) -> Self {
        self.region = region.map(str::to_string);
        self
    }

    /// `Version` value.
    pub(crate) fn version(mut self, version: &str) -> Self {
        self.version = version.to_string();
        self
    }

    /// `SignatureNonce` value.
    pub(crate) fn nonce(mut self, nonce: &str) -> Self {
        self.nonce = nonce.to_string();
        self
    }

    /// `Timestamp` value.
    pub(crate) fn timestamp(mut self, timestamp: &str) -> Self {
        self.timestamp = timestamp.to_string();
        self
    }

    /// `GET` instead of `POST`.
    pub(crate) fn get(mut self) -> Self {
        self.method = reqwest::Method::GET;
        self
    }

    /// The `Host` header sent.
    pub(crate) fn host(mut self, host: &str) -> Self {
        self.host = host.to_string();
        self
    }

    /// pop-core `{method: 'POST'}` style: everything, `Signature` included, in an
    /// `application/x-www-form-urlencoded` body and no query string.
    pub(crate) fn form_body(mut self) -> Self {
        self.method = reqwest::Method::POST;
        self.in_body = true;
        self
    }

    /// Send no `Signature` parameter.
    pub(crate) fn unsigned(mut self) -> Self {
        self.signed = false;
        self
    }

    /// Leave a common parameter out (before signing).
    pub(crate) fn drop_param(mut self, name: &str) -> Self {
        self.dropped.push(name.to_string());
        self
    }

    /// Send this raw body (with a form content type) besides the signed query.
    pub(crate) fn raw_body(mut self, body: Vec<u8>) -> Self {
        self.extra_body = Some(body);
        self
    }

    /// Every signed pair in wire order.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs = self.params.clone();
        let mut common: Vec<(String, String)> = vec![
            ("Version".into(), self.version.clone()),
            ("Action".into(), self.action.clone()),
        ];
        if let Some(f) = &self.format {
            common.push(("Format".into(), f.clone()));
        }
        if let Some(r) = &self.region {
            if !self.params.iter().any(|(k, _)| k == "RegionId") {
                common.push(("RegionId".into(), r.clone()));
            }
        }
        common.extend([
            ("Timestamp".into(), self.timestamp.clone()),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureType".into(), String::new()),
            ("SignatureVersion".into(), "1.0".into()),
            ("SignatureNonce".into(), self.nonce.clone()),
            ("AccessKeyId".into(), self.key_id.clone()),
        ]);
        pairs.extend(common);
        pairs.retain(|(k, _)| !self.dropped.contains(k));
        pairs
    }

    /// The V1 string to sign the client computes for this request.
    pub(crate) fn string_to_sign(&self) -> String {
        v1_string_to_sign(self.method.as_str(), &refs(&self.pairs()))
    }

    /// Send it (the same request can be sent twice: same nonce, same signature).
    pub(crate) async fn send(&self) -> Resp {
        Resp::from_reqwest(self.send_raw().await).await
    }

    /// Send it where a 5xx is the expected answer (an injected fault).
    pub(crate) async fn send_expecting_5xx(&self) -> Resp {
        let resp = Resp::read(self.send_raw().await, true).await;
        assert!(
            resp.status >= 500,
            "expected a 5xx: {} {}",
            resp.status,
            resp.body
        );
        resp
    }

    async fn send_raw(&self) -> reqwest::Response {
        let mut pairs = self.pairs();
        if self.signed {
            let signature = v1_signature(&self.secret, &self.string_to_sign());
            pairs.push(("Signature".into(), signature));
        }
        let encoded = encode_pairs(&pairs);
        let (url, body, form) = if self.in_body {
            (format!("{}/", self.base), encoded.into_bytes(), true)
        } else {
            let body = self.extra_body.clone().unwrap_or_default();
            let form = self.extra_body.is_some();
            (format!("{}/?{encoded}", self.base), body, form)
        };
        let mut req = self
            .http
            .request(self.method.clone(), url)
            .header("host", &self.host)
            .header("x-acs-action", &self.action)
            .header("x-acs-version", &self.version)
            .header("x-sdk-invoke-type", "normal")
            .header("x-sdk-client", "python/2.0.0");
        if form {
            req = req.header("content-type", "application/x-www-form-urlencoded");
        }
        req.body(body)
            .send()
            .await
            .expect("the request is answered")
    }
}

/// A V3 request (`ACS3-HMAC-SHA256`): parameters in the query, action and version in
/// headers, the signature in `Authorization`, an empty `POST` body.
#[derive(Clone)]
pub(crate) struct V3 {
    http: reqwest::Client,
    base: String,
    host: String,
    action: String,
    query: Vec<(String, String)>,
    key_id: String,
    secret: String,
    date: String,
    nonce: String,
    tamper_query: Vec<(String, String)>,
}

impl V3 {
    /// Add a query parameter.
    pub(crate) fn q(mut self, k: &str, v: &str) -> Self {
        self.query.push((k.to_string(), v.to_string()));
        self
    }

    /// Sign with this secret instead of the key's.
    pub(crate) fn secret(mut self, secret: &str) -> Self {
        self.secret = secret.to_string();
        self
    }

    /// `x-acs-date` value.
    pub(crate) fn date(mut self, date: &str) -> Self {
        self.date = date.to_string();
        self
    }

    /// Add a query parameter AFTER signing (a tampered request).
    pub(crate) fn tamper(mut self, k: &str, v: &str) -> Self {
        self.tamper_query.push((k.to_string(), v.to_string()));
        self
    }

    /// Send it.
    pub(crate) async fn send(&self) -> Resp {
        let body: Vec<u8> = Vec::new();
        let hashed = sha256_hex(&body);
        let headers: Vec<(String, String)> = vec![
            ("host".into(), self.host.clone()),
            ("x-acs-action".into(), self.action.clone()),
            ("x-acs-content-sha256".into(), hashed.clone()),
            ("x-acs-date".into(), self.date.clone()),
            ("x-acs-signature-nonce".into(), self.nonce.clone()),
            ("x-acs-version".into(), VERSION.into()),
        ];
        let signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        let canonical = v3_canonical_request(
            "POST",
            "/",
            &v3_canonical_query(&refs(&self.query)),
            &refs(&headers),
            &signed,
            &hashed,
        );
        let signature = v3_signature(&self.secret, &v3_string_to_sign(&canonical));
        let authorization = format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}",
            self.key_id,
            signed.join(";")
        );
        let mut wire = self.query.clone();
        wire.extend(self.tamper_query.iter().cloned());
        let url = if wire.is_empty() {
            format!("{}/", self.base)
        } else {
            format!("{}/?{}", self.base, encode_pairs(&wire))
        };
        let mut req = self.http.post(url);
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        req = req
            .header("accept", "application/json")
            .header("authorization", authorization);
        let resp = req
            .body(body)
            .send()
            .await
            .expect("the request is answered");
        Resp::from_reqwest(resp).await
    }
}

/// A hand-built request.
pub(crate) struct Raw {
    http: reqwest::Client,
    url: String,
    method: reqwest::Method,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    /// Add a header.
    pub(crate) fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
        self.headers.push((k.to_string(), v.to_string()));
        self
    }

    /// Set the body.
    pub(crate) fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// Send it.
    pub(crate) async fn send(self) -> Resp {
        let mut req = self.http.request(self.method, self.url);
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let resp = req
            .body(self.body)
            .send()
            .await
            .expect("the request is answered");
        Resp::from_reqwest(resp).await
    }
}

/// A response: status, headers, body text.
#[derive(Debug, Clone)]
pub(crate) struct Resp {
    /// HTTP status.
    pub(crate) status: u16,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// Body text.
    pub(crate) body: String,
}

impl Resp {
    /// Read a reqwest response; never a 5xx, never an empty body.
    pub(crate) async fn from_reqwest(resp: reqwest::Response) -> Resp {
        Resp::read(resp, false).await
    }

    /// Read a reqwest response; never an empty body, and a 5xx only when `allow_5xx`
    /// (an injected fault).
    pub(crate) async fn read(resp: reqwest::Response, allow_5xx: bool) -> Resp {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.expect("a readable body");
        assert!(allow_5xx || status < 500, "server error {status}: {body}");
        assert!(!body.is_empty(), "empty body with status {status}");
        // Every ECS API answer (not the control plane's) is held to the real service's
        // key order and value formats.
        if headers.contains_key("x-acs-request-id") {
            crate::conformance::check_body(&body);
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// A header value ("" when absent).
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `Content-Type` header.
    pub(crate) fn content_type(&self) -> &str {
        self.header("content-type")
    }

    /// The `x-acs-request-id` header, checked to be an upper-case UUID and to equal
    /// the `RequestId` of the body (JSON or XML).
    pub(crate) fn request_id(&self) -> String {
        let rid = self.header("x-acs-request-id").to_string();
        assert_upper_uuid(&rid);
        let in_body = if self.content_type() == XML_CT {
            xml_text(&self.body, "RequestId")
                .unwrap_or_else(|| panic!("no <RequestId> in {}", self.body))
        } else {
            self.json()["RequestId"]
                .as_str()
                .unwrap_or_else(|| panic!("no RequestId in {}", self.body))
                .to_string()
        };
        assert_eq!(
            rid, in_body,
            "x-acs-request-id must equal the body RequestId"
        );
        rid
    }

    /// Assert a JSON success and return the body.
    pub(crate) fn ok(&self) -> Value {
        assert_eq!(
            self.status, 200,
            "expected success, got {}: {}",
            self.status, self.body
        );
        assert_eq!(self.content_type(), JSON_CT);
        self.request_id();
        let body = self.json();
        assert!(
            body.get("Code").is_none(),
            "a success body carries no Code: {}",
            self.body
        );
        body
    }

    /// Assert a JSON ECS error with this status, code and (when given) message;
    /// checks the whole error shape and returns the body.
    pub(crate) fn err(&self, status: u16, code: &str, message: Option<&str>) -> Value {
        assert_eq!(
            (self.status, self.json()["Code"].as_str().unwrap_or("")),
            (status, code),
            "unexpected answer: {}",
            self.body
        );
        assert_eq!(self.content_type(), JSON_CT, "error content type");
        let rid = self.request_id();
        let body = self.json();
        if let Some(m) = message {
            assert_eq!(body["Message"], m, "message of {code}");
        }
        assert!(
            body["Message"].as_str().is_some_and(|m| !m.is_empty()),
            "empty Message: {}",
            self.body
        );
        assert!(
            body["HostId"].as_str().is_some_and(|h| !h.is_empty()),
            "no HostId: {}",
            self.body
        );
        assert_eq!(
            body["Recommend"],
            format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId={rid}"),
        );
        body
    }

    /// The body with the request id replaced by [`PLACEHOLDER_ID`].
    pub(crate) fn normalized(&self) -> String {
        let rid = self.request_id();
        self.body.replace(&rid, PLACEHOLDER_ID)
    }
}

/// Assert that `s` is an upper-case hyphenated UUID.
pub(crate) fn assert_upper_uuid(s: &str) {
    assert_eq!(s.len(), 36, "request id {s:?} is not a UUID");
    assert!(
        uuid::Uuid::parse_str(s).is_ok(),
        "request id {s:?} is not a UUID"
    );
    assert_eq!(s, s.to_uppercase(), "request id {s:?} is not upper-case");
}

/// The text of the first `<tag>` element.
pub(crate) fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(xml[start..end].to_string())
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compare a response with `tests/golden/<name>` (request id replaced by the
/// placeholder), or (re)write the file when `UPDATE_GOLDEN=1`. The content type must
/// match the file's extension.
pub(crate) fn assert_golden(name: &str, resp: &Resp) {
    let want_ct = if name.ends_with(".xml") {
        XML_CT
    } else {
        JSON_CT
    };
    assert_eq!(resp.content_type(), want_ct, "content type of {name}");
    let got = resp.normalized();
    let path = golden_path(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create tests/golden");
        std::fs::write(&path, &got).expect("write a golden file");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        got,
        want,
        "body differs from golden file {}",
        path.display()
    );
}

/// A control-plane call on a server in another process (`base` = `http://host:port`),
/// answered with JSON.
pub(crate) async fn control_json(method: reqwest::Method, url: String) -> Value {
    reqwest::Client::new()
        .request(method, url)
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("json")
}
