//! Tags on any taggable resource: TagResources, UntagResources, ListTagResources and the
//! legacy AddTags, RemoveTags, DescribeTags.
//!
//! A resource is found by kind and id within the caller's account and the request's
//! region ([`World::tags_mut`]); a key pair's id is its name (or its `KeyPairId`).
//! Rules: at most 20 tags per request and per resource; a key is 1–128 characters, does
//! not start with `aliyun` or `acs:` and holds no `http://`/`https://`; a value is at
//! most 128 characters with the same URL rule; an existing key is overwritten.
//! TagResources and UntagResources check every resource first and change nothing when
//! one is missing. Removing a key a resource lacks succeeds.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::ecs::describe::{page_numbers, page_of};
use crate::ecs::model::{Tag, Tags};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// Tags a resource may carry, and a request may name.
pub const MAX_TAGS: usize = 20;
/// Resources one TagResources / UntagResources / ListTagResources may name.
pub const MAX_RESOURCES: usize = 50;
/// Rows of a ListTagResources page.
const LIST_PAGE: usize = 50;

/// A taggable kind of resource (`ResourceType`, lower case on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `instance`.
    Instance,
    /// `disk`.
    Disk,
    /// `image`.
    Image,
    /// `securitygroup`.
    SecurityGroup,
    /// `keypair`.
    KeyPair,
    /// A documented kind ecs-mock holds none of (`snapshot`, `eni`, …): it is accepted
    /// and has no resources.
    Other(&'static str),
}

/// The documented kinds ecs-mock holds no resources of, with their `ResourceTypeCount`
/// key in DescribeTags.
const OTHER_KINDS: [(&str, &str); 7] = [
    ("snapshot", "Snapshot"),
    ("volume", "Volume"),
    ("eni", "Eni"),
    ("ddh", "Ddh"),
    ("launchtemplate", "LaunchTemplate"),
    ("reservedinstance", "ReservedInstance"),
    ("snapshotpolicy", "SnapshotPolicy"),
];

impl ResourceKind {
    /// The kinds ecs-mock holds resources of.
    pub const MODELLED: [ResourceKind; 5] = [
        ResourceKind::Instance,
        ResourceKind::Disk,
        ResourceKind::Image,
        ResourceKind::SecurityGroup,
        ResourceKind::KeyPair,
    ];

    /// The kind a `ResourceType` value names (any case).
    pub fn parse(s: &str) -> Option<Self> {
        let lower = s.to_ascii_lowercase();
        Self::MODELLED
            .into_iter()
            .find(|k| k.as_str() == lower)
            .or_else(|| {
                OTHER_KINDS
                    .iter()
                    .find(|(w, _)| *w == lower)
                    .map(|(w, _)| ResourceKind::Other(w))
            })
    }

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Instance => "instance",
            ResourceKind::Disk => "disk",
            ResourceKind::Image => "image",
            ResourceKind::SecurityGroup => "securitygroup",
            ResourceKind::KeyPair => "keypair",
            ResourceKind::Other(w) => w,
        }
    }

    /// The key counting this kind in DescribeTags' `ResourceTypeCount`.
    fn count_key(self) -> &'static str {
        match self {
            ResourceKind::Instance => "Instance",
            ResourceKind::Disk => "Disk",
            ResourceKind::Image => "Image",
            ResourceKind::SecurityGroup => "Securitygroup",
            ResourceKind::KeyPair => "KeyPair",
            ResourceKind::Other(w) => OTHER_KINDS
                .iter()
                .find(|(k, _)| *k == w)
                .map_or("Snapshot", |(_, c)| c),
        }
    }
}

fn has_url(s: &str) -> bool {
    s.contains("http://") || s.contains("https://")
}

/// A tag key a resource may carry, or `InvalidTagKey.Malformed`.
pub fn check_key(key: &str) -> ApiResult<()> {
    let lower = key.to_ascii_lowercase();
    if key.is_empty()
        || key.chars().count() > 128
        || lower.starts_with("aliyun")
        || lower.starts_with("acs:")
        || has_url(key)
    {
        return Err(ApiError::new(Code::InvalidTagKeyMalformed));
    }
    Ok(())
}

/// A tag value a resource may carry, or `InvalidTagValue.Malformed`.
pub fn check_value(value: &str) -> ApiResult<()> {
    if value.chars().count() > 128 || has_url(value) {
        return Err(ApiError::new(Code::InvalidTagValueMalformed));
    }
    Ok(())
}

/// The tags to set, from `Tag.N.Key` / `Tag.N.Value` (a missing value is `""`): at most
/// 20, keys and values valid, no key twice.
pub fn new_tags(p: &Params) -> ApiResult<Vec<Tag>> {
    let by_n = p.tag_slots();
    if by_n.len() > MAX_TAGS {
        return Err(ApiError::new(Code::NumberExceedTags));
    }
    let mut tags: Vec<Tag> = Vec::with_capacity(by_n.len());
    for (key, value) in by_n.into_values() {
        let key = key.unwrap_or_default();
        let value = value.unwrap_or_default();
        check_key(&key)?;
        check_value(&value)?;
        if tags.iter().any(|t| *t.tag_key == *key) {
            return Err(ApiError::new(Code::DuplicateTagKey));
        }
        tags.push(Tag {
            tag_key: key.as_str().into(),
            tag_value: value.as_str().into(),
        });
    }
    Ok(tags)
}

/// `tags` with `new` set (an existing key takes the new value), or `None` when the
/// result would exceed 20 tags.
fn merged(tags: &Tags, new: &[Tag]) -> Option<Vec<Tag>> {
    let mut out = tags.tag.clone();
    for t in new {
        match out.iter_mut().find(|o| o.tag_key == t.tag_key) {
            Some(o) => o.tag_value = t.tag_value.clone(),
            None => out.push(t.clone()),
        }
    }
    (out.len() <= MAX_TAGS).then_some(out)
}

/// `RegionId` of a tag action (documented as `MissingParameter.RegionId`, 404).
fn tag_region(p: &Params) -> ApiResult<()> {
    p.non_empty("RegionId")
        .map(|_| ())
        .ok_or_else(|| ApiError::new(Code::MissingParameterRegionId))
}

/// `ResourceType` of a tag action.
fn kind(p: &Params) -> ApiResult<ResourceKind> {
    let v = p
        .non_empty("ResourceType")
        .ok_or_else(|| ApiError::new(Code::MissingParameterResourceType))?;
    ResourceKind::parse(v).ok_or_else(|| ApiError::new(Code::InvalidResourceTypeNotFound))
}

/// `ResourceId.N`: distinct, at most 50.
fn resource_ids(p: &Params) -> ApiResult<Vec<String>> {
    let mut ids = p.repeat("ResourceId");
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if ids.len() > MAX_RESOURCES {
        return Err(ApiError::new(Code::NumberExceedResourceIds));
    }
    Ok(ids)
}

fn required_ids(p: &Params) -> ApiResult<Vec<String>> {
    let ids = resource_ids(p)?;
    if ids.is_empty() {
        return Err(ApiError::with_message(
            Code::MissingParameter,
            "The input parameter \"ResourceId\" that is mandatory for processing this request is not supplied.",
        ));
    }
    Ok(ids)
}

/// Who and where a tag action looks: the caller's account and the request's region
/// (which must exist).
fn scope<'a>(w: &mut World, ctx: &Ctx<'a>) -> ApiResult<(&'a str, &'a str)> {
    let region = ctx.region.unwrap_or_default();
    w.region(region)?;
    w.add_implicit_key_pairs();
    Ok((ctx.caller.account_id.as_str(), region))
}

/// A parsed TagResources request.
#[derive(Debug, Clone, PartialEq)]
pub struct TagResources {
    /// The kind.
    pub kind: ResourceKind,
    /// The resources.
    pub ids: Vec<String>,
    /// The tags to set.
    pub tags: Vec<Tag>,
}

impl TagResources {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        tag_region(p)?;
        let kind = kind(p)?;
        let ids = required_ids(p)?;
        let tags = new_tags(p)?;
        if tags.is_empty() {
            return Err(ApiError::new(Code::MissingParameterTags));
        }
        Ok(TagResources { kind, ids, tags })
    }

    /// Apply: every resource gets the tags, or none does.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let (account, region) = scope(w, ctx)?;
        let mut updates = Vec::with_capacity(self.ids.len());
        for id in &self.ids {
            let tags = w
                .tags_of(self.kind, account, region, id)
                .ok_or_else(|| ApiError::new(Code::InvalidResourceIdNotFound))?;
            let tags = merged(tags, &self.tags)
                .ok_or_else(|| ApiError::new(Code::OperationDeniedQuotaExceed))?;
            updates.push((id, tags));
        }
        for (id, tags) in updates {
            if let Some(t) = w.tags_mut(self.kind, account, region, id) {
                t.tag = tags;
            }
        }
        Ok(Reply::new())
    }
}

/// A parsed UntagResources request.
#[derive(Debug, Clone, PartialEq)]
pub struct UntagResources {
    /// The kind.
    pub kind: ResourceKind,
    /// The resources.
    pub ids: Vec<String>,
    /// The keys to remove; `None`: every tag (`All=true`).
    pub keys: Option<Vec<String>>,
}

impl UntagResources {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        tag_region(p)?;
        let kind = kind(p)?;
        let ids = required_ids(p)?;
        let keys = p.repeat("TagKey");
        if keys.len() > MAX_TAGS {
            return Err(ApiError::new(Code::NumberExceedTags));
        }
        let all = p.flag("All", false)?;
        // `All` counts only when no key is named.
        let keys = if keys.is_empty() && all {
            None
        } else {
            Some(keys)
        };
        Ok(UntagResources { kind, ids, keys })
    }

    /// Apply: the keys leave every resource (all resources must exist).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let (account, region) = scope(w, ctx)?;
        for id in &self.ids {
            w.tags_of(self.kind, account, region, id)
                .ok_or_else(|| ApiError::new(Code::InvalidResourceIdNotFound))?;
        }
        for id in &self.ids {
            let Some(t) = w.tags_mut(self.kind, account, region, id) else {
                continue;
            };
            match &self.keys {
                None => t.tag.clear(),
                Some(keys) => t.tag.retain(|tag| !keys.iter().any(|k| *k == *tag.tag_key)),
            }
        }
        Ok(Reply::new())
    }
}

/// A tag filter: a key, and the values it may have (none: any value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    /// Key.
    pub key: String,
    /// Accepted values; empty: any.
    pub values: Vec<String>,
}

impl TagFilter {
    fn matches(&self, tag: &Tag) -> bool {
        *tag.tag_key == *self.key
            && (self.values.is_empty() || self.values.iter().any(|v| *v == *tag.tag_value))
    }
}

/// `Tag.N.Key`/`Tag.N.Value` as filters (a key alone matches any value), at most 20.
fn tag_filters(p: &Params) -> ApiResult<Vec<TagFilter>> {
    let by_n = p.tag_slots();
    if by_n.len() > MAX_TAGS {
        return Err(ApiError::new(Code::NumberExceedTags));
    }
    by_n.into_values()
        .map(|(k, v)| match k {
            Some(key) if !key.is_empty() => Ok(TagFilter {
                key,
                values: v.into_iter().collect(),
            }),
            _ => Err(ApiError::new(Code::InvalidTagKeyMalformed)),
        })
        .collect()
}

/// A parsed ListTagResources request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTagResources {
    /// The kind.
    pub kind: ResourceKind,
    /// `ResourceId.N`; empty: every resource of the kind.
    pub ids: Vec<String>,
    /// `Tag.N` and `TagFilter.N` filters: a resource must match each.
    pub filters: Vec<TagFilter>,
    /// The first row of the page.
    pub from: usize,
}

impl ListTagResources {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        tag_region(p)?;
        let kind = kind(p)?;
        let ids = resource_ids(p)?;
        let mut filters = tag_filters(p)?;
        for n in 1..=MAX_TAGS {
            if let Some(key) = p.non_empty(&format!("TagFilter.{n}.TagKey")) {
                filters.push(TagFilter {
                    key: key.to_string(),
                    values: p.repeat(&format!("TagFilter.{n}.TagValues")),
                });
            }
        }
        let from = match p.non_empty("NextToken") {
            None => 0,
            Some(t) => t
                .parse::<usize>()
                .map_err(|_| ApiError::new(Code::InvalidNextToken))?,
        };
        Ok(ListTagResources {
            kind,
            ids,
            filters,
            from,
        })
    }

    /// Apply: one row per (resource, tag), 50 a page, `NextToken` `""` on the last.
    /// Under tag filters, the resources that match every filter, with the tags the
    /// filters name.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let (account, region) = scope(w, ctx)?;
        let resources: Vec<(String, &Tags)> = if self.ids.is_empty() {
            w.tagged(self.kind, account, region)
        } else {
            self.ids
                .iter()
                .filter_map(|id| Some((id.clone(), w.tags_of(self.kind, account, region, id)?)))
                .collect()
        };
        let mut rows = Vec::new();
        for (id, tags) in resources {
            if !self
                .filters
                .iter()
                .all(|f| tags.tag.iter().any(|t| f.matches(t)))
            {
                continue;
            }
            for t in &tags.tag {
                if self.filters.is_empty() || self.filters.iter().any(|f| f.matches(t)) {
                    rows.push(json!({
                        "ResourceId": id,
                        "TagKey": t.tag_key.as_str(),
                        "ResourceType": self.kind.as_str(),
                        "TagValue": t.tag_value.as_str(),
                    }));
                }
            }
        }
        if self.from > rows.len() {
            return Err(ApiError::new(Code::InvalidNextToken));
        }
        let end = (self.from + LIST_PAGE).min(rows.len());
        let next = if end < rows.len() {
            end.to_string()
        } else {
            String::new()
        };
        let page: Vec<Value> = rows.drain(self.from..end).collect();
        let mut reply = Reply::new();
        reply.insert("NextToken".into(), json!(next));
        reply.insert("TagResources".into(), json!({ "TagResource": page }));
        Ok(reply)
    }
}

/// A parsed AddTags or RemoveTags request (one resource, legacy).
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyTags {
    /// AddTags (else RemoveTags).
    pub add: bool,
    /// The kind.
    pub kind: ResourceKind,
    /// The resource.
    pub id: String,
    /// Keys with values (RemoveTags: a value only removes the tag when it matches).
    pub tags: Vec<(String, Option<String>)>,
}

impl LegacyTags {
    /// Parse AddTags (`add`) or RemoveTags.
    pub fn parse(p: &Params, add: bool) -> ApiResult<Self> {
        p.required("RegionId")?;
        let kind = ResourceKind::parse(p.required("ResourceType")?)
            .ok_or_else(|| ApiError::new(Code::InvalidResourceTypeNotFound))?;
        let id = p.required("ResourceId")?.to_string();
        let tags = p.tags()?;
        if add {
            if tags.is_empty() {
                return Err(ApiError::new(Code::InvalidTagCount));
            }
            for (i, (k, v)) in tags.iter().enumerate() {
                check_key(k)?;
                check_value(v.as_deref().unwrap_or_default())?;
                if tags[..i].iter().any(|(o, _)| o == k) {
                    return Err(ApiError::new(Code::DuplicateTagKey));
                }
            }
        }
        Ok(LegacyTags {
            add,
            kind,
            id,
            tags,
        })
    }

    /// Apply to the one resource.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let (account, region) = scope(w, ctx)?;
        let current = w
            .tags_of(self.kind, account, region, &self.id)
            .ok_or_else(|| ApiError::new(Code::InvalidResourceIdNotFound))?;
        let tags = if self.add {
            let new: Vec<Tag> = self
                .tags
                .iter()
                .map(|(k, v)| Tag {
                    tag_key: k.as_str().into(),
                    tag_value: v.as_deref().unwrap_or_default().into(),
                })
                .collect();
            merged(current, &new).ok_or_else(|| ApiError::new(Code::InvalidTagCount))?
        } else {
            let mut kept = current.tag.clone();
            kept.retain(|t| {
                !self.tags.iter().any(|(k, v)| {
                    *k == *t.tag_key && v.as_deref().is_none_or(|v| v == t.tag_value.as_str())
                })
            });
            kept
        };
        if let Some(t) = w.tags_mut(self.kind, account, region, &self.id) {
            t.tag = tags;
        }
        Ok(Reply::new())
    }
}

/// A parsed DescribeTags request (legacy).
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeTags {
    /// `ResourceType`; `None`: every kind.
    pub kind: Option<ResourceKind>,
    /// `ResourceId`.
    pub id: Option<String>,
    /// `Tag.N` filters: an entry shows when it matches one.
    pub filters: Vec<TagFilter>,
    /// Page number (from 1).
    pub number: u64,
    /// Page size (1–100).
    pub size: u64,
}

impl DescribeTags {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let kind = match p.non_empty("ResourceType") {
            None => None,
            Some(v) => Some(
                ResourceKind::parse(v)
                    .ok_or_else(|| ApiError::new(Code::InvalidResourceTypeNotFound))?,
            ),
        };
        let filters = p
            .tags()?
            .into_iter()
            .map(|(key, v)| TagFilter {
                key,
                values: v.into_iter().filter(|v| !v.is_empty()).collect(),
            })
            .collect();
        let (number, size) = page_numbers(p, 100, 50)?;
        Ok(DescribeTags {
            kind,
            id: p.non_empty("ResourceId").map(str::to_string),
            filters,
            number,
            size,
        })
    }

    /// Apply: one entry per distinct key and value, with how many resources of each
    /// kind carry it, in key and value order.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let (account, region) = scope(w, ctx)?;
        let kinds: Vec<ResourceKind> = match self.kind {
            Some(k) => vec![k],
            None => ResourceKind::MODELLED.to_vec(),
        };
        let mut counts: BTreeMap<(String, String), BTreeMap<&'static str, u64>> = BTreeMap::new();
        for kind in kinds {
            let resources: Vec<(String, &Tags)> = match &self.id {
                Some(id) => w
                    .tags_of(kind, account, region, id)
                    .map(|t| (id.clone(), t))
                    .into_iter()
                    .collect(),
                None => w.tagged(kind, account, region),
            };
            for (_, tags) in resources {
                for t in &tags.tag {
                    if !self.filters.is_empty() && !self.filters.iter().any(|f| f.matches(t)) {
                        continue;
                    }
                    *counts
                        .entry((t.tag_key.to_string(), t.tag_value.to_string()))
                        .or_default()
                        .entry(kind.count_key())
                        .or_default() += 1;
                }
            }
        }
        let total = counts.len() as u64;
        let entries: Vec<Value> = page_of(counts, self.number, self.size)
            .into_iter()
            .map(|((key, value), by_kind)| {
                let mut per = serde_json::Map::new();
                for name in COUNT_KEYS {
                    per.insert(name.into(), json!(by_kind.get(name).copied().unwrap_or(0)));
                }
                json!({"TagKey": key, "TagValue": value, "ResourceTypeCount": per})
            })
            .collect();
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(total));
        reply.insert("PageNumber".into(), json!(self.number));
        reply.insert("PageSize".into(), json!(self.size));
        reply.insert("Tags".into(), json!({ "Tag": entries }));
        Ok(reply)
    }
}

/// The keys of DescribeTags' `ResourceTypeCount`, every one written (zeros included).
const COUNT_KEYS: [&str; 12] = [
    "Eni",
    "Snapshot",
    "KeyPair",
    "SnapshotPolicy",
    "ReservedInstance",
    "Instance",
    "Volume",
    "LaunchTemplate",
    "Ddh",
    "Securitygroup",
    "Image",
    "Disk",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_follow_the_rules() {
        assert!(check_key("env").is_ok());
        for bad in [
            "",
            "aliyun-x",
            "Acs:thing",
            "see http://x",
            &"k".repeat(129),
        ] {
            assert_eq!(
                check_key(bad).unwrap_err().code,
                "InvalidTagKey.Malformed",
                "{bad}"
            );
        }
        assert!(check_value("").is_ok());
        assert!(check_value("https://x").is_err());
    }

    #[test]
    fn kinds_parse_in_any_case() {
        assert_eq!(
            ResourceKind::parse("Instance"),
            Some(ResourceKind::Instance)
        );
        assert_eq!(ResourceKind::parse("keypair"), Some(ResourceKind::KeyPair));
        assert_eq!(
            ResourceKind::parse("snapshot"),
            Some(ResourceKind::Other("snapshot"))
        );
        assert_eq!(ResourceKind::parse("bucket"), None);
    }
}
