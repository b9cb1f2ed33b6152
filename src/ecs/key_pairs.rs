//! SSH key pairs: CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPairs,
//! AttachKeyPair / DetachKeyPair, and the key-pair check of RunInstances and
//! CreateInstance.
//!
//! A key pair belongs to an account and a region and is named uniquely there (at most
//! 500 per region). CreateKeyPair returns a real RSA-2048 private key once and keeps
//! only the public half (see [`crate::ecs::ssh_keys`]); the key is made
//! before the state lock is taken ([`CreateKeyPair::prepare`]). An instance records its
//! pair in `KeyPairName`; a pair instances use cannot be deleted. Attach and Detach
//! report each instance in `Results` (unknown or Windows instances fail there, not the
//! whole request); detaching a pair an instance does not use succeeds and changes
//! nothing. Fixture pairs are the `KeyPairs` section; pairs instances name exist
//! without it (`world::key_pairs`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::clock::format_ecs;
use crate::ecs::catalog::{Fixture, Wildcard};
use crate::ecs::describe::{page_numbers, page_of};
use crate::ecs::ids::new_id;
use crate::ecs::model::{opt_time, EcsTime, Tag, Tags};
use crate::ecs::ssh_keys::{self, NewKey};
use crate::ecs::tags::new_tags;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::random::{Random, Stream};

/// Key pairs an account may have in one region.
pub const QUOTA: usize = 500;
/// Instances one Attach/DetachKeyPair may name.
const MAX_INSTANCES: usize = 50;
/// Names one DeleteKeyPairs may name.
const MAX_NAMES: usize = 100;

/// A key pair, in the fixture form (`KeyPairs`) and as dumps show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct KeyPair {
    /// Unique in its account and region.
    pub key_pair_name: String,
    /// MD5 of the public key blob, 32 hex digits (computed from `PublicKeyBody` when
    /// left out).
    #[serde(default)]
    pub key_pair_finger_print: String,
    /// The public key, `ssh-rsa AAAA…` (DescribeKeyPairs' `PublicKey`).
    #[serde(default, alias = "PublicKey", skip_serializing_if = "String::is_empty")]
    pub public_key_body: String,
    /// When created.
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<EcsTime>,
    /// Resource group, `""` by default.
    #[serde(default)]
    pub resource_group_id: String,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
    /// Mock: the owning account; absent means the document's first account.
    #[serde(default)]
    pub account_id: String,
    /// The region; absent means the document's first region.
    #[serde(default)]
    pub region_id: String,
    /// `skp-…` (CreateKeyPair answers it; DescribeKeyPairs does not show it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key_pair_id: String,
}

impl KeyPair {
    /// A pair an instance names without a `KeyPairs` entry: no public key, a stand-in
    /// fingerprint.
    pub fn implicit(account: &str, region: &str, name: &str, created: Option<EcsTime>) -> Self {
        KeyPair {
            key_pair_name: name.to_string(),
            key_pair_finger_print: ssh_keys::fingerprint(
                format!("{account}/{region}/{name}").as_bytes(),
            ),
            public_key_body: String::new(),
            creation_time: created,
            resource_group_id: String::new(),
            tags: Tags::default(),
            account_id: account.to_string(),
            region_id: region.to_string(),
            key_pair_id: String::new(),
        }
    }

    /// The DescribeKeyPairs object.
    fn wire(&self, include_public_key: bool) -> Value {
        let mut m = serde_json::Map::new();
        m.insert(
            "KeyPairFingerPrint".into(),
            json!(self.key_pair_finger_print),
        );
        m.insert("KeyPairName".into(), json!(self.key_pair_name));
        m.insert("ResourceGroupId".into(), json!(self.resource_group_id));
        if include_public_key {
            m.insert("PublicKey".into(), json!(self.public_key_body));
        }
        m.insert(
            "CreationTime".into(),
            json!(self
                .creation_time
                .map(|t| format_ecs(t.0))
                .unwrap_or_default()),
        );
        m.insert("Tags".into(), json!({ "Tag": self.tags.tag }));
        Value::Object(m)
    }
}

/// Fill what fixture key pairs leave out: the first account and region, and the
/// fingerprint of the public key.
pub fn complete(f: &mut Fixture) {
    let account = f.accounts.first().map(|a| a.account_id.clone());
    let region = f.regions.first().map(|r| r.region_id.clone());
    for k in &mut f.key_pairs {
        if k.account_id.is_empty() {
            k.account_id = account.clone().unwrap_or_default();
        }
        if k.region_id.is_empty() {
            k.region_id = region.clone().unwrap_or_default();
        }
        if k.key_pair_finger_print.is_empty() {
            k.key_pair_finger_print = ssh_keys::public_fingerprint(&k.public_key_body)
                .unwrap_or_else(|| {
                    KeyPair::implicit(&k.account_id, &k.region_id, &k.key_pair_name, None)
                        .key_pair_finger_print
                });
        }
    }
}

/// Check fixture key pairs: a valid name, unique in its account and region, both of
/// the document, and a public key (when given) that reads. The error is (entry, problem).
pub fn validate(f: &Fixture) -> Result<(), (String, String)> {
    let mut seen = std::collections::HashSet::new();
    for (i, k) in f.key_pairs.iter().enumerate() {
        let entry = format!("KeyPairs[{i}] ({})", k.key_pair_name);
        let problem = if check_name(&k.key_pair_name).is_err() {
            "KeyPairName must be 2–128 characters: a letter, then letters, digits, `:`, `_`, `.`, `-`".to_string()
        } else if !f.accounts.iter().any(|a| a.account_id == k.account_id) {
            format!(
                "AccountId {:?} is not an account of the fixtures",
                k.account_id
            )
        } else if !f.regions.iter().any(|r| r.region_id == k.region_id) {
            format!("RegionId {:?} is not a region of the fixtures", k.region_id)
        } else if !seen.insert((&k.account_id, &k.region_id, &k.key_pair_name)) {
            "duplicate KeyPairName in its account and region".to_string()
        } else if !k.public_key_body.is_empty()
            && ssh_keys::public_fingerprint(&k.public_key_body).is_none()
        {
            "PublicKeyBody is not a one-line OpenSSH public key (ssh-rsa, ssh-dss, ecdsa-sha2-*)"
                .to_string()
        } else {
            continue;
        };
        return Err((entry, problem));
    }
    Ok(())
}

/// A valid key pair name, or `InvalidKeyPairName.Malformed`.
pub fn check_name(name: &str) -> ApiResult<()> {
    let mut chars = name.chars();
    let ok = (2..=128).contains(&name.chars().count())
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '-'))
        && !name.starts_with("http:")
        && !name.starts_with("https:");
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(Code::InvalidKeyPairNameMalformed))
    }
}

/// RunInstances / CreateInstance: the named pair must exist for the caller in the
/// region (`InvalidKeyPairName.NotFound`), and an instance of a Windows image cannot
/// use one (`DependencyViolation.WindowsInstance`).
pub fn check_for_run(
    w: &mut World,
    ctx: &Ctx<'_>,
    region: &str,
    name: Option<&str>,
    windows: bool,
) -> ApiResult<()> {
    let Some(name) = name else { return Ok(()) };
    if w.key_pair(&ctx.caller.account_id, region, name).is_none() {
        return Err(ApiError::with_message(
            Code::InvalidKeyPairNameNotFound,
            "The specified parameter KeyPairName does not exist in our records.",
        ));
    }
    if windows {
        return Err(ApiError::new(Code::DependencyViolationWindowsInstance));
    }
    Ok(())
}

/// `ResourceGroupId`, when sent, is a resource group id (`rg-…`); ecs-mock keeps no
/// resource groups, so any such id is accepted.
fn resource_group(p: &Params) -> ApiResult<String> {
    match p.non_empty("ResourceGroupId") {
        None => Ok(String::new()),
        Some(rg) if rg.starts_with("rg-") && rg.len() > 3 => Ok(rg.to_string()),
        Some(_) => Err(ApiError::new(Code::InvalidResourceGroupNotFound)),
    }
}

/// The name must be free and the region below its quota.
fn check_free(w: &mut World, ctx: &Ctx<'_>, name: &str) -> ApiResult<()> {
    let region = ctx.region.unwrap_or_default();
    w.region(region)?;
    let account = ctx.caller.account_id.as_str();
    if w.key_pair(account, region, name).is_some() {
        return Err(ApiError::new(Code::KeyPairAlreadyExist));
    }
    if w.key_pairs_in(account, region).count() >= QUOTA {
        return Err(ApiError::new(Code::QuotaExceedKeyPair));
    }
    Ok(())
}

/// A new pair of the caller in the request's region.
fn new_pair(ctx: &Ctx<'_>, name: &str, public: String, fingerprint: String) -> KeyPair {
    KeyPair {
        key_pair_name: name.to_string(),
        key_pair_finger_print: fingerprint,
        public_key_body: public,
        creation_time: Some(EcsTime(ctx.now)),
        resource_group_id: String::new(),
        tags: Tags::default(),
        account_id: ctx.caller.account_id.clone(),
        region_id: ctx.region.unwrap_or_default().to_string(),
        key_pair_id: String::new(),
    }
}

/// A parsed CreateKeyPair request.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateKeyPair {
    /// The name.
    pub name: String,
    /// Resource group.
    pub resource_group: String,
    /// Tags.
    pub tags: Vec<Tag>,
    /// The key, once made ([`CreateKeyPair::prepare`]).
    pub key: Option<NewKey>,
}

impl CreateKeyPair {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let name = p.required("KeyPairName")?.to_string();
        check_name(&name)?;
        Ok(CreateKeyPair {
            name,
            resource_group: resource_group(p)?,
            tags: new_tags(p)?,
            key: None,
        })
    }

    /// Make the key (slow: done before the state lock is taken). Its seed comes from
    /// the resource stream, so `--seed` gives the same keys.
    pub fn prepare(&mut self, random: &Random) {
        if self.key.is_none() {
            let mut seed = [0u8; 32];
            random.with(Stream::Resources, |rng| rng.fill_bytes(&mut seed));
            self.key = ssh_keys::generate(seed);
        }
    }

    /// Apply: `KeyPairId`, `KeyPairName`, `KeyPairFingerPrint`, `PrivateKeyBody`.
    pub fn apply(mut self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        check_free(w, ctx, &self.name)?;
        self.prepare(ctx.random);
        let key = self
            .key
            .take()
            .ok_or_else(|| ApiError::new(Code::InternalError))?;
        let region = ctx.region.unwrap_or_default();
        let mut pair = new_pair(ctx, &self.name, key.public_body, key.fingerprint.clone());
        pair.key_pair_id = new_id(ctx.random, "skp", region);
        pair.resource_group_id = self.resource_group;
        pair.tags.tag = self.tags;
        let mut reply = Reply::new();
        reply.insert("KeyPairId".into(), json!(pair.key_pair_id));
        reply.insert("KeyPairName".into(), json!(pair.key_pair_name));
        reply.insert("KeyPairFingerPrint".into(), json!(key.fingerprint));
        reply.insert("PrivateKeyBody".into(), json!(key.private_pem));
        w.insert_key_pair(pair);
        Ok(reply)
    }
}

/// A parsed ImportKeyPair request.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportKeyPair {
    /// The name.
    pub name: String,
    /// The public key as sent.
    pub body: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Resource group.
    pub resource_group: String,
    /// Tags.
    pub tags: Vec<Tag>,
}

impl ImportKeyPair {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let name = p.required("KeyPairName")?.to_string();
        check_name(&name)?;
        let body = p.non_empty("PublicKeyBody").ok_or_else(|| {
            ApiError::with_message(
                Code::MissingParameter,
                "The input parameter \"PublicKeyBody\" that is mandatory for processing this request is not supplied.",
            )
        })?;
        let fingerprint = ssh_keys::public_fingerprint(body)
            .ok_or_else(|| ApiError::new(Code::InvalidPublicKeyBodyMalformed))?;
        Ok(ImportKeyPair {
            name,
            body: body.trim().to_string(),
            fingerprint,
            resource_group: resource_group(p)?,
            tags: new_tags(p)?,
        })
    }

    /// Apply: `KeyPairName`, `KeyPairFingerPrint`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        check_free(w, ctx, &self.name)?;
        let mut pair = new_pair(ctx, &self.name, self.body, self.fingerprint);
        pair.key_pair_id = new_id(ctx.random, "skp", ctx.region.unwrap_or_default());
        pair.resource_group_id = self.resource_group;
        pair.tags.tag = self.tags;
        let mut reply = Reply::new();
        reply.insert("KeyPairName".into(), json!(pair.key_pair_name));
        reply.insert(
            "KeyPairFingerPrint".into(),
            json!(pair.key_pair_finger_print),
        );
        w.insert_key_pair(pair);
        Ok(reply)
    }
}

/// A parsed DescribeKeyPairs request.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeKeyPairs {
    /// `KeyPairName`, `*` wildcards.
    pub name: Option<Wildcard>,
    /// `KeyPairFingerPrint`, exact.
    pub fingerprint: Option<String>,
    /// `ResourceGroupId`, exact.
    pub resource_group: Option<String>,
    /// `Tag.N` (a key alone matches any value).
    pub tags: Vec<(String, Option<String>)>,
    /// Show `PublicKey`.
    pub include_public_key: bool,
    /// Page number (from 1).
    pub number: u64,
    /// Page size (1–50).
    pub size: u64,
}

impl DescribeKeyPairs {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let (number, size) = page_numbers(p, 50, 10)?;
        Ok(DescribeKeyPairs {
            name: p.non_empty("KeyPairName").map(Wildcard::new),
            fingerprint: p.non_empty("KeyPairFingerPrint").map(str::to_string),
            resource_group: p.non_empty("ResourceGroupId").map(str::to_string),
            tags: p.tags()?,
            include_public_key: p.flag("IncludePublicKey", false)?,
            number,
            size,
        })
    }

    fn matches(&self, k: &KeyPair) -> bool {
        self.name
            .as_ref()
            .is_none_or(|n| n.matches(&k.key_pair_name))
            && self
                .fingerprint
                .as_ref()
                .is_none_or(|f| *f == k.key_pair_finger_print)
            && self
                .resource_group
                .as_ref()
                .is_none_or(|g| *g == k.resource_group_id)
            && crate::ecs::model::has_tags(&k.tags.tag, &self.tags)
    }

    /// Apply: `TotalCount`, `PageNumber`, `PageSize`, `KeyPairs.KeyPair[]` (name order).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default();
        w.region(region)?;
        w.add_implicit_key_pairs();
        let matched: Vec<&KeyPair> = w
            .key_pairs_in(&ctx.caller.account_id, region)
            .filter(|k| self.matches(k))
            .collect();
        let page: Vec<Value> = page_of(&matched, self.number, self.size)
            .into_iter()
            .map(|k| k.wire(self.include_public_key))
            .collect();
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(matched.len()));
        reply.insert("PageNumber".into(), json!(self.number));
        reply.insert("PageSize".into(), json!(self.size));
        reply.insert("KeyPairs".into(), json!({ "KeyPair": page }));
        Ok(reply)
    }
}

/// A JSON array of non-empty strings, distinct, in order; `None` when the text is not one.
fn json_names(text: &str) -> Option<Vec<String>> {
    let items: Vec<String> = serde_json::from_str(text).ok()?;
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if item.trim().is_empty() {
            return None;
        }
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Some(out)
}

/// A parsed DeleteKeyPairs request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteKeyPairs {
    /// The names.
    pub names: Vec<String>,
}

impl DeleteKeyPairs {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let text = p.non_empty("KeyPairNames").ok_or_else(|| {
            ApiError::with_message(
                Code::MissingParameter,
                "The input parameter \"KeyPairNames\" that is mandatory for processing this request is not supplied.",
            )
        })?;
        let names = json_names(text)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::new(Code::InvalidKeyPairNamesValueNotSupported))?;
        if names.len() > MAX_NAMES {
            return Err(ApiError::with_message(
                Code::InstanceKeyPairLimitExceeded,
                "Exceeding the allowed amount of instance which will be deleted.",
            ));
        }
        Ok(DeleteKeyPairs { names })
    }

    /// Apply: the named pairs are gone (unknown names are ignored); refused, with
    /// nothing deleted, when an instance uses one.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default();
        w.region(region)?;
        let account = ctx.caller.account_id.as_str();
        let mut found = Vec::new();
        for name in &self.names {
            if let Some(k) = w.key_pair(account, region, name) {
                found.push(k.key_pair_name.clone());
            }
        }
        if w.key_pairs_in_use(account, region, &found) {
            return Err(ApiError::new(Code::KeypairAlreadyAttachedInstance));
        }
        for name in &found {
            w.remove_key_pair(account, region, name);
        }
        Ok(Reply::new())
    }
}

/// A parsed AttachKeyPair or DetachKeyPair request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPairBinding {
    /// AttachKeyPair (else DetachKeyPair).
    pub attach: bool,
    /// The pair.
    pub name: String,
    /// The instances, distinct.
    pub ids: Vec<String>,
}

impl KeyPairBinding {
    /// Parse AttachKeyPair (`attach`) or DetachKeyPair.
    pub fn parse(p: &Params, attach: bool) -> ApiResult<Self> {
        p.required("RegionId")?;
        let name = p.required("KeyPairName")?.to_string();
        let ids = json_names(p.required("InstanceIds")?)
            .filter(|ids| !ids.is_empty())
            .ok_or_else(|| ApiError::new(Code::InvalidInstanceIdsValueNotSupported))?;
        if ids.len() > MAX_INSTANCES {
            return Err(ApiError::new(Code::InstanceKeyPairLimitExceeded));
        }
        Ok(KeyPairBinding { attach, name, ids })
    }

    /// What happens to one instance: `Ok(Some(name))` sets `KeyPairName`, `Ok(None)`
    /// removes it, `Err` is the instance's failure.
    fn outcome(&self, w: &mut World, ctx: &Ctx<'_>, id: &str) -> ApiResult<Option<Option<String>>> {
        let inst = w.owned(ctx.caller, ctx.region, id, ctx.now)?;
        let windows = inst.extra.get("OSType").is_some_and(|v| {
            v.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("windows"))
        });
        if windows {
            return Err(ApiError::new(Code::DependencyViolationWindowsInstance));
        }
        let current = inst
            .extra
            .get("KeyPairName")
            .and_then(|v| v.as_str().map(str::to_string));
        Ok(if self.attach {
            Some(Some(self.name.clone()))
        } else if current.as_deref() == Some(self.name.as_str()) {
            Some(None)
        } else {
            None
        })
    }

    /// Apply: `KeyPairName`, `TotalCount`, `FailCount`, `Results.Result[]` (one per
    /// instance; the counts and `Success` are strings, as the SDK models declare).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default();
        w.region(region)?;
        let name = w
            .key_pair(&ctx.caller.account_id, region, &self.name)
            .map(|k| k.key_pair_name.clone())
            .ok_or_else(|| ApiError::new(Code::InvalidKeyPairNameNotFound))?;
        let mut results = Vec::with_capacity(self.ids.len());
        let mut failed = 0;
        for id in &self.ids {
            let (code, message, success) = match self.outcome(w, ctx, id) {
                Ok(change) => {
                    if let Some(value) = change {
                        if let Some(inst) = w.instance_mut(id) {
                            let value = value.map(|_| json!(name));
                            inst.extra = inst.extra.with("KeyPairName", value);
                        }
                    }
                    ("200".to_string(), "successful".to_string(), "true")
                }
                Err(e) => {
                    failed += 1;
                    (e.code.to_string(), e.message.to_string(), "false")
                }
            };
            results.push(json!({
                "Code": code,
                "Message": message,
                "InstanceId": id,
                "Success": success,
            }));
        }
        let mut reply = Reply::new();
        reply.insert("KeyPairName".into(), json!(name));
        reply.insert("TotalCount".into(), json!(self.ids.len().to_string()));
        reply.insert("FailCount".into(), json!(failed.to_string()));
        reply.insert("Results".into(), json!({ "Result": results }));
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_rule() {
        for good in ["ab", "my-key_1:x.y", &"k".repeat(128)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "a",
            "1key",
            "key pair",
            "http://key",
            &"k".repeat(129),
            "ключ",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_names_read_arrays_only() {
        assert_eq!(
            json_names(r#"["a","b","a"]"#),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(json_names("a"), None);
        assert_eq!(json_names(r#"[""]"#), None);
        assert_eq!(json_names("[1]"), None);
    }
}
