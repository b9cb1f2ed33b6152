//! Test helpers: the default fixtures at a fixed time, called through the gateway's own
//! pipeline.
//!
//! Every call is a V1-signed request (the account's or RAM user's key, a fresh nonce)
//! handed to [`gateway::answer`](crate::gateway::answer) in process, without a socket: it
//! goes through parameter merging, action and version checks, signature verification,
//! RAM and the empty-list rule, exactly as a client's request does. Only the rendering
//! is skipped — the answer's fields are read as a map.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Uri};

use crate::clock::{format_ecs_seconds, parse_time, system_now, Clock, Millis};
use crate::ecs::action::Action;
use crate::ecs::capacity::Usage;
use crate::ecs::model::Instance;
use crate::ecs::world::World;
use crate::ecs::Reply;
use crate::error::ApiResult;
use crate::gateway::signature::{percent_encode, v1_signature, v1_string_to_sign};
use crate::gateway::status::WireError;
use crate::gateway::API_VERSION;
use crate::params::Params;
use crate::store::fixtures::default_fixture;
use crate::store::{Options, Store};
use crate::timing::{Profile, Timing};
use crate::App;

/// 2026-06-01T00:00:00Z: after the fixtures' expiry dates.
pub(crate) fn t0() -> Millis {
    parse_time("2026-06-01T00:00:00Z").unwrap()
}

/// The account most tests act as.
const ACCOUNT: &str = "1000000000000001";

pub(crate) struct Kit {
    app: App,
    runtime: tokio::runtime::Runtime,
    /// Makes each request's `SignatureNonce` unique.
    nonce: u64,
}

impl Kit {
    pub(crate) fn new() -> Self {
        let store = Store::open(
            default_fixture(),
            Clock::frozen(t0()),
            Timing::profile(Profile::Fast),
            Options {
                seed: Some(1),
                journal_size: 0,
                ..Options::default()
            },
        )
        .expect("a store without a data dir");
        Kit {
            app: App::new(store),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            nonce: 0,
        }
    }

    /// Call an action as `account` (its root key) with `RegionId=cn-hangzhou` unless
    /// overridden.
    pub(crate) fn call_as(
        &mut self,
        account: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> ApiResult<Reply> {
        let key = self.root_key(account);
        self.call_with_key(&key, action, params)
    }

    /// Call an action with the access key `key_id` (a root or RAM user's key) and
    /// `RegionId=cn-hangzhou` unless overridden.
    pub(crate) fn call_with_key(
        &mut self,
        key_id: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> ApiResult<Reply> {
        let mut pairs: Vec<(String, String)> = vec![("RegionId".into(), "cn-hangzhou".into())];
        pairs.extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.send(key_id, action, pairs).map_err(|e| e.error)
    }

    /// Send `action` with exactly these parameters (plus the protocol's), as `account`.
    pub(crate) fn apply(
        &mut self,
        account: &str,
        action: Action,
        p: &Params,
    ) -> Result<Reply, WireError> {
        let key = self.root_key(account);
        let pairs = p
            .pairs()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.send(&key, action.as_str(), pairs)
    }

    /// Sign `pairs` with `key_id` as a V1 GET request and run it through the gateway.
    fn send(
        &mut self,
        key_id: &str,
        action: &str,
        mut pairs: Vec<(String, String)>,
    ) -> Result<Reply, WireError> {
        let secret = self
            .app
            .store
            .with_world(|w| w.key(key_id).map(|k| k.secret.clone()))
            .expect("a known access key");
        self.nonce += 1;
        pairs.extend(
            [
                ("Action", action.to_string()),
                ("Version", API_VERSION.to_string()),
                ("Format", "JSON".to_string()),
                ("AccessKeyId", key_id.to_string()),
                ("SignatureMethod", "HMAC-SHA1".to_string()),
                ("SignatureVersion", "1.0".to_string()),
                ("SignatureNonce", format!("testkit-{}", self.nonce)),
                ("Timestamp", format_ecs_seconds(system_now())),
            ]
            .map(|(k, v)| (k.to_string(), v)),
        );
        let signed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let signature = v1_signature(&secret, &v1_string_to_sign("GET", &signed));
        pairs.push(("Signature".into(), signature));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        let uri: Uri = format!("/?{}", query.join("&"))
            .parse()
            .expect("an encoded query");
        let headers = HeaderMap::new();
        let answer = crate::gateway::answer(&self.app, &Method::GET, &uri, &headers, Body::empty());
        let (_, answer) = self.runtime.block_on(answer)?;
        Ok(crate::gateway::view::answer_fields(answer))
    }

    /// The first root access key of `account`.
    fn root_key(&self, account: &str) -> String {
        self.app
            .store
            .with_world(|w| {
                w.account(account)
                    .and_then(|a| a.access_keys.first())
                    .map(|k| k.access_key_id.clone())
            })
            .expect("an account with a root key")
    }

    pub(crate) fn call(&mut self, action: &str, params: &[(&str, &str)]) -> ApiResult<Reply> {
        self.call_as(ACCOUNT, action, params)
    }

    pub(crate) fn code(&mut self, action: &str, params: &[(&str, &str)]) -> String {
        match self.call(action, params) {
            Ok(_) => "200".into(),
            Err(e) => e.code.into_owned(),
        }
    }

    /// The emulator clock's reading.
    pub(crate) fn now(&self) -> Millis {
        self.app.store.now()
    }

    /// The transition durations in use.
    pub(crate) fn timing(&self) -> Timing {
        *self.app.store.timing()
    }

    pub(crate) fn status(&mut self, id: &str) -> &'static str {
        let now = self.now();
        self.app
            .store
            .with_world(|w| w.status_of(id, now))
            .map_or("gone", |s| s.as_str())
    }

    pub(crate) fn advance(&mut self, ms: Millis) {
        self.app.store.clock().advance(ms);
    }

    pub(crate) fn stock(&self, zone: &str, itype: &str) -> u64 {
        self.app.store.with_world(|w| {
            w.zone("cn-hangzhou", zone)
                .and_then(|z| z.stock.get(itype).copied())
                .unwrap_or(0)
        })
    }

    /// An instance as stored (not settled).
    pub(crate) fn instance(&self, id: &str) -> Option<Instance> {
        self.app.store.with_world(|w| w.instance(id).cloned())
    }

    /// Change an instance in place, as a fixture patch would.
    pub(crate) fn edit_instance(&self, id: &str, edit: impl FnOnce(&mut Instance)) {
        self.app.store.with_world(|w| {
            edit(w.instance_mut(id).expect("a known instance"));
        });
    }

    /// Resource usage of an account in a region.
    pub(crate) fn usage(&self, account: &str, region: &str) -> Usage {
        self.app.store.with_world(|w| w.usage(account, region))
    }

    /// Read the world.
    pub(crate) fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        self.app.store.with_world(f)
    }
}
