//! DescribeInstances, DescribeInstanceStatus and DescribeInstanceAttribute (spec §5.7–5.9).
//!
//! Listing walks the per-(account, region) index newest first, settling and filtering
//! each instance as it goes, and stops as soon as the page is full: no full scan and no
//! sort per request. Unfiltered `TotalCount` is the index size; under filters,
//! PageNumber paging counts matches in one pass (no sort, no copy) and NextToken paging,
//! where the API calls TotalCount meaningless, counts only the page.
//! `NextToken` is the sequence number of the next instance, in hex.

use serde_json::{json, Value};

use crate::ecs::catalog::wildcard_match;
use crate::ecs::model::{ChargeType, Instance, Status, LOCK_REASONS};
use crate::ecs::view::{attribute_json, instance_json};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// DescribeInstances filters (all ANDed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// `InstanceIds` (JSON array); `Some(empty)` matches nothing.
    pub ids: Option<Vec<String>>,
    /// Status.
    pub status: Option<Status>,
    /// ZoneId.
    pub zone: Option<String>,
    /// InstanceType.
    pub instance_type: Option<String>,
    /// InstanceTypeFamily.
    pub family: Option<String>,
    /// InstanceName, `*` wildcard.
    pub name: Option<String>,
    /// InstanceChargeType.
    pub charge_type: Option<ChargeType>,
    /// LockReason.
    pub lock_reason: Option<String>,
    /// Tag.N.Key / Tag.N.Value (value `None` matches any value).
    pub tags: Vec<(String, Option<String>)>,
    /// Fields matched against the DescribeInstances object (ImageId, VpcId, …).
    pub fields: Vec<(&'static str, String)>,
}

impl Filters {
    fn parse(p: &Params) -> ApiResult<Self> {
        let ids = match p
            .get("InstanceIds")
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => {
                let ids: Vec<String> = serde_json::from_str(raw)
                    .map_err(|_| ApiError::new(Code::InvalidInstanceIdsMalformed))?;
                if ids.len() > 100 {
                    return Err(ApiError::new(Code::TooManyInstanceIds));
                }
                Some(ids)
            }
        };
        let status = match p.non_empty("Status") {
            None => None,
            Some(s) => {
                Some(Status::parse(s).ok_or_else(|| ApiError::new(Code::InvalidStatusNotFound))?)
            }
        };
        let charge_type = match p.non_empty("InstanceChargeType") {
            None => None,
            Some("PostPaid") => Some(ChargeType::PostPaid),
            Some("PrePaid") => Some(ChargeType::PrePaid),
            Some(_) => return Err(ApiError::new(Code::InvalidInstanceChargeTypeNotFound)),
        };
        let lock_reason = p.one_of(
            "LockReason",
            &LOCK_REASONS,
            ApiError::new(Code::InvalidLockReasonNotFound),
        )?;
        p.one_of(
            "InstanceNetworkType",
            &["vpc", "classic"],
            ApiError::new(Code::InvalidNetworkTypeNotFound),
        )?;
        p.one_of(
            "InternetChargeType",
            &["PayByBandwidth", "PayByTraffic"],
            ApiError::new(Code::InvalidInternetChargeTypeValueNotSupported),
        )?;
        let mut fields = Vec::new();
        for name in [
            "ImageId",
            "VpcId",
            "VSwitchId",
            "SecurityGroupId",
            "InstanceNetworkType",
            "InternetChargeType",
            "KeyPairName",
            "ResourceGroupId",
        ] {
            if let Some(v) = p.non_empty(name) {
                fields.push((name, v.to_string()));
            }
        }
        Ok(Filters {
            ids,
            status,
            zone: p.non_empty("ZoneId").map(str::to_string),
            instance_type: p.non_empty("InstanceType").map(str::to_string),
            family: p.non_empty("InstanceTypeFamily").map(str::to_string),
            name: p.non_empty("InstanceName").map(str::to_string),
            charge_type,
            lock_reason,
            tags: p.tags()?,
            fields,
        })
    }

    /// Whether any filter besides the scope is set.
    fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    fn matches(&self, w: &World, inst: &Instance) -> bool {
        if self
            .ids
            .as_ref()
            .is_some_and(|ids| !ids.contains(&inst.instance_id))
            || self.status.is_some_and(|s| s != inst.status)
            || self.zone.as_ref().is_some_and(|z| *z != inst.zone_id)
            || self
                .instance_type
                .as_ref()
                .is_some_and(|t| *t != inst.instance_type)
            || self
                .charge_type
                .is_some_and(|c| c != inst.instance_charge_type)
            || self
                .lock_reason
                .as_ref()
                .is_some_and(|r| !inst.operation_locks.has(r))
            || self
                .name
                .as_ref()
                .is_some_and(|n| !wildcard_match(n, &inst.instance_name))
        {
            return false;
        }
        if let Some(family) = &self.family {
            let same_family = w
                .instance_type(&inst.instance_type)
                .is_some_and(|t| t.family() == *family);
            if !same_family {
                return false;
            }
        }
        let tags_ok = self.tags.iter().all(|(k, v)| {
            inst.tags
                .tag
                .iter()
                .any(|t| t.tag_key == *k && v.as_ref().is_none_or(|v| *v == t.tag_value))
        });
        if !tags_ok {
            return false;
        }
        if self.fields.is_empty() {
            return true;
        }
        let view = instance_json(w, inst);
        self.fields
            .iter()
            .all(|(name, want)| field_matches(&view, name, want))
    }
}

fn field_matches(view: &serde_json::Map<String, Value>, name: &str, want: &str) -> bool {
    let got = match name {
        "VpcId" | "VSwitchId" => view.get("VpcAttributes").and_then(|v| v.get(name)),
        "SecurityGroupId" => {
            return view
                .get("SecurityGroupIds")
                .and_then(|v| v.get("SecurityGroupId"))
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|s| s.as_str() == Some(want)));
        }
        _ => view.get(name),
    };
    got.and_then(Value::as_str) == Some(want)
}

/// How the caller pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// `PageNumber` (1-based) and `PageSize`.
    Pages {
        /// Page number.
        number: u64,
        /// Page size.
        size: u64,
    },
    /// `NextToken` (None = first page) and `MaxResults`.
    Token {
        /// Resume point (sequence number).
        from: Option<u64>,
        /// Page size.
        max: u64,
    },
}

/// A parsed DescribeInstances request.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeInstances {
    /// Filters.
    pub filters: Filters,
    /// Paging.
    pub paging: Paging,
    /// Check only.
    pub dry_run: bool,
}

impl DescribeInstances {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let token = p.non_empty("NextToken");
        let paging = if token.is_some() || p.non_empty("MaxResults").is_some() {
            let from = match token {
                None => None,
                Some(t) => Some(
                    u64::from_str_radix(t, 16)
                        .map_err(|_| ApiError::new(Code::InvalidNextToken))?,
                ),
            };
            let max = p.int("MaxResults")?.unwrap_or(10).clamp(10, 100) as u64;
            Paging::Token { from, max }
        } else {
            Paging::Pages {
                number: p.int_in("PageNumber", 1, i64::MAX)?.unwrap_or(1) as u64,
                size: p.int_in("PageSize", 1, 100)?.unwrap_or(10) as u64,
            }
        };
        Ok(DescribeInstances {
            filters: Filters::parse(p)?,
            paging,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `TotalCount`, `PageNumber`, `PageSize`, `NextToken`, `Instances.Instance[]`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        w.sweep_releases(ctx.now);
        let (skip, take, from) = match self.paging {
            Paging::Pages { number, size } => ((number - 1).saturating_mul(size), size, None),
            Paging::Token { from, max } => (0, max, from),
        };
        let page = collect(w, ctx, &region, &self.filters, skip, take, from);
        let total = match (&self.paging, self.filters.is_empty()) {
            (_, true) => w
                .index
                .get(&scope(ctx, &region))
                .map_or(0, |i| i.len() as u64),
            // NextToken mode: TotalCount is documented as meaningless; counting every
            // match would cost a scan per page, so it counts this page only.
            (Paging::Token { .. }, false) => page.ids.len() as u64,
            (Paging::Pages { .. }, false) => count(w, ctx, &region, &self.filters),
        };
        let instances: Vec<Value> = page
            .ids
            .iter()
            .filter_map(|id| w.instances.get(id))
            .map(|i| Value::Object(instance_json(w, i)))
            .collect();
        let (number, size) = match self.paging {
            Paging::Pages { number, size } => (number, size),
            Paging::Token { max, .. } => (1, max),
        };
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(total));
        reply.insert("PageNumber".into(), json!(number));
        reply.insert("PageSize".into(), json!(size));
        reply.insert(
            "NextToken".into(),
            json!(page.next.map(|s| format!("{s:x}")).unwrap_or_default()),
        );
        reply.insert("Instances".into(), json!({ "Instance": instances }));
        Ok(reply)
    }
}

fn scope(ctx: &Ctx<'_>, region: &str) -> (String, String) {
    (ctx.caller.account_id.clone(), region.to_string())
}

/// One page of matching ids and the sequence number where the next page starts.
struct Page {
    ids: Vec<String>,
    next: Option<u64>,
}

/// Walk the caller's instances in the region newest first (from sequence `from`),
/// skip `skip` matches, take `take`.
fn collect(
    w: &mut World,
    ctx: &Ctx<'_>,
    region: &str,
    f: &Filters,
    skip: u64,
    take: u64,
    from: Option<u64>,
) -> Page {
    let mut page = Page {
        ids: Vec::new(),
        next: None,
    };
    if f.ids.as_ref().is_some_and(Vec::is_empty) {
        return page;
    }
    let candidates: Vec<(u64, String)> = match &f.ids {
        // A short id list: look each up instead of walking the index.
        Some(ids) => {
            let mut found: Vec<(u64, String)> = ids
                .iter()
                .filter_map(|id| {
                    w.owned(ctx.caller, Some(region), id, ctx.now)
                        .ok()
                        .map(|i| (i.seq, id.clone()))
                })
                .collect();
            found.sort_by_key(|f| std::cmp::Reverse(f.0));
            found.dedup();
            found
        }
        None => Vec::new(),
    };
    let key = scope(ctx, region);
    let mut cursor = from.unwrap_or(u64::MAX);
    let mut fast_skipped = 0;
    if f.is_empty() && skip > 0 {
        // Without filters every indexed instance matches (due releases were swept), so
        // a deep page starts by walking the index keys alone, without settling each.
        match w
            .index
            .get(&key)
            .and_then(|idx| idx.range(..=cursor).rev().nth(skip as usize))
        {
            Some((seq, _)) => {
                cursor = *seq;
                fast_skipped = skip;
            }
            None => return page,
        }
    }
    let mut skipped = fast_skipped;
    let mut visit = |w: &mut World, seq: u64, id: &str| -> bool {
        if w.settled(id, ctx.now).is_none() {
            return true;
        }
        let w: &World = w;
        if !w.instances.get(id).is_some_and(|inst| f.matches(w, inst)) {
            return true;
        }
        if skipped < skip {
            skipped += 1;
            return true;
        }
        if page.ids.len() as u64 == take {
            page.next = Some(seq);
            return false;
        }
        page.ids.push(id.to_string());
        true
    };
    if f.ids.is_some() {
        for (seq, id) in candidates {
            if from.is_some_and(|s| seq > s) {
                continue;
            }
            if !visit(w, seq, &id) {
                break;
            }
        }
        return page;
    }
    // Walk the index in small batches so the borrow of the index ends before settling.
    loop {
        let batch: Vec<(u64, String)> = match w.index.get(&key) {
            Some(idx) => idx
                .range(..=cursor)
                .rev()
                .take(64)
                .map(|(s, id)| (*s, id.clone()))
                .collect(),
            None => return page,
        };
        if batch.is_empty() {
            return page;
        }
        for (seq, id) in &batch {
            if !visit(w, *seq, id) {
                return page;
            }
        }
        match batch.last().map(|(s, _)| *s) {
            Some(0) | None => return page,
            Some(last) => cursor = last - 1,
        }
    }
}

/// Count every match in the scope (used for `TotalCount` under filters).
fn count(w: &mut World, ctx: &Ctx<'_>, region: &str, f: &Filters) -> u64 {
    if let Some(ids) = &f.ids {
        let mut n = 0;
        let mut seen = Vec::new();
        for id in ids {
            if seen.contains(id) {
                continue;
            }
            seen.push(id.clone());
            if w.owned(ctx.caller, Some(region), id, ctx.now).is_ok() {
                let w: &World = w;
                if w.instances.get(id).is_some_and(|inst| f.matches(w, inst)) {
                    n += 1;
                }
            }
        }
        return n;
    }
    let ids: Vec<String> = match w.index.get(&scope(ctx, region)) {
        Some(idx) => idx.values().cloned().collect(),
        None => return 0,
    };
    let mut n = 0;
    for id in ids {
        if w.settled(&id, ctx.now).is_some() {
            let w: &World = w;
            if w.instances.get(&id).is_some_and(|inst| f.matches(w, inst)) {
                n += 1;
            }
        }
    }
    n
}

/// A parsed DescribeInstanceStatus request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeInstanceStatus {
    /// ZoneId filter.
    pub zone: Option<String>,
    /// InstanceId.N filter.
    pub ids: Vec<String>,
    /// Page number.
    pub number: u64,
    /// Page size (1–50).
    pub size: u64,
}

impl DescribeInstanceStatus {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let ids = p.repeat("InstanceId");
        if ids.len() > 100 {
            return Err(ApiError::new(Code::TooManyInstanceIds));
        }
        Ok(DescribeInstanceStatus {
            zone: p.non_empty("ZoneId").map(str::to_string),
            ids,
            number: p.int_in("PageNumber", 1, i64::MAX)?.unwrap_or(1) as u64,
            size: p.int_in("PageSize", 1, 50)?.unwrap_or(10) as u64,
        })
    }

    /// Apply: paged `InstanceStatuses.InstanceStatus[]`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        let r = w.region(&region)?;
        if let Some(z) = &self.zone {
            if r.zone(z).is_none() {
                return Err(ApiError::new(Code::InvalidZoneIdNotFound));
            }
        }
        w.sweep_releases(ctx.now);
        let filters = Filters {
            zone: self.zone.clone(),
            ids: (!self.ids.is_empty()).then(|| self.ids.clone()),
            ..Filters::default()
        };
        let skip = (self.number - 1).saturating_mul(self.size);
        let page = collect(w, ctx, &region, &filters, skip, self.size, None);
        let total = if filters.is_empty() {
            w.index
                .get(&scope(ctx, &region))
                .map_or(0, |i| i.len() as u64)
        } else {
            count(w, ctx, &region, &filters)
        };
        let statuses: Vec<Value> = page
            .ids
            .iter()
            .filter_map(|id| w.instances.get(id))
            .map(|i| json!({"InstanceId": i.instance_id, "Status": i.status.as_str()}))
            .collect();
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(total));
        reply.insert("PageNumber".into(), json!(self.number));
        reply.insert("PageSize".into(), json!(self.size));
        reply.insert(
            "InstanceStatuses".into(),
            json!({ "InstanceStatus": statuses }),
        );
        Ok(reply)
    }
}

/// A parsed DescribeInstanceAttribute request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeInstanceAttribute {
    /// The instance.
    pub instance_id: String,
}

impl DescribeInstanceAttribute {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        Ok(DescribeInstanceAttribute {
            instance_id: p.required("InstanceId")?.to_string(),
        })
    }

    /// Apply: the instance's attributes.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let inst = w
            .owned(ctx.caller, ctx.region, &self.instance_id, ctx.now)?
            .clone();
        Ok(attribute_json(w, &inst))
    }
}
