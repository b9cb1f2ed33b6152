//! DescribeInstances, DescribeInstanceStatus and DescribeInstanceAttribute (spec §5.7–5.9).
//!
//! Pages come from [`listing`](crate::ecs::listing). Unfiltered `TotalCount` is the
//! index size; under filters, PageNumber paging counts matches in one pass and NextToken
//! paging, where the API calls TotalCount meaningless, counts only the page.
//! `NextToken` is the sequence number of the next instance, in hex; `""` on the last page.

use crate::ecs::filters::Filters;
use crate::ecs::listing::{collect, count};
use crate::ecs::world::World;
use crate::ecs::{Answer, Ctx, InstancePage, StatusPage};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

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

/// `PageNumber` (1-based, default 1) and `PageSize` (1 to `max`, default `default`).
pub(crate) fn page_numbers(p: &Params, max: i64, default: u64) -> ApiResult<(u64, u64)> {
    Ok((
        p.int_in("PageNumber", 1, i64::MAX)?.unwrap_or(1) as u64,
        p.int_in("PageSize", 1, max)?.map_or(default, |s| s as u64),
    ))
}

/// Page `number` of `size` items.
pub(crate) fn page_of<I: IntoIterator>(items: I, number: u64, size: u64) -> Vec<I::Item> {
    let skip = (number - 1).saturating_mul(size);
    items
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(size).unwrap_or(usize::MAX))
        .collect()
}

impl Paging {
    /// `NextToken` / `MaxResults` (10 to `max_results`, default 10) when either is sent,
    /// else `PageNumber` / `PageSize` (1–100, default 10). A token ecs-mock did not
    /// issue is `InvalidNextToken`.
    pub fn parse(p: &Params, max_results: i64) -> ApiResult<Paging> {
        let token = p.non_empty("NextToken");
        if token.is_none() && p.non_empty("MaxResults").is_none() {
            let (number, size) = page_numbers(p, 100, 10)?;
            return Ok(Paging::Pages { number, size });
        }
        let from = match token {
            None => None,
            Some(t) => Some(
                u64::from_str_radix(t, 16).map_err(|_| ApiError::new(Code::InvalidNextToken))?,
            ),
        };
        let max = p.int("MaxResults")?.unwrap_or(10).clamp(10, max_results) as u64;
        Ok(Paging::Token { from, max })
    }
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
        let paging = Paging::parse(p, 100)?;
        Ok(DescribeInstances {
            filters: Filters::parse(p)?,
            paging,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `TotalCount`, `PageNumber`, `PageSize`, `NextToken`, `Instances.Instance[]`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Answer> {
        let region = ctx.region.unwrap_or_default();
        w.region(region)?;
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        let (skip, take, from) = match self.paging {
            Paging::Pages { number, size } => ((number - 1).saturating_mul(size), size, None),
            Paging::Token { from, max } => (0, max, from),
        };
        let page = collect(w, ctx, region, &self.filters, skip, take, from);
        let total = match (&self.paging, self.filters.is_empty()) {
            (_, true) => w.listed_count(&ctx.caller.account_id, region),
            // NextToken mode: TotalCount is documented as meaningless; counting every
            // match would cost a scan per page, so it counts this page only.
            (Paging::Token { .. }, false) => page.ids.len() as u64,
            (Paging::Pages { .. }, false) => count(w, ctx, region, &self.filters),
        };
        let mut instances = Vec::with_capacity(page.ids.len());
        instances.extend(page.ids.iter().filter_map(|id| w.page_entry(id)));
        let (number, size) = match self.paging {
            Paging::Pages { number, size } => (number, size),
            Paging::Token { max, .. } => (1, max),
        };
        Ok(Answer::Instances(Box::new(InstancePage {
            total_count: total,
            next_token: page.next.map(|s| format!("{s:x}")).unwrap_or_default(),
            page_size: size,
            page_number: number,
            instances,
        })))
    }
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
        let (number, size) = page_numbers(p, 50, 10)?;
        Ok(DescribeInstanceStatus {
            zone: p.non_empty("ZoneId").map(str::to_string),
            ids,
            number,
            size,
        })
    }

    /// Apply: paged `InstanceStatuses.InstanceStatus[]`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Answer> {
        let region = ctx.region.unwrap_or_default();
        let r = w.region(region)?;
        if let Some(z) = &self.zone {
            if r.zone(z).is_none() {
                return Err(ApiError::new(Code::InvalidZoneIdNotFound));
            }
        }
        let filters = Filters {
            zone: self.zone.clone(),
            ids: (!self.ids.is_empty()).then(|| self.ids.clone()),
            ..Filters::default()
        };
        let skip = (self.number - 1).saturating_mul(self.size);
        let page = collect(w, ctx, region, &filters, skip, self.size, None);
        let total = if filters.is_empty() {
            w.listed_count(&ctx.caller.account_id, region)
        } else {
            count(w, ctx, region, &filters)
        };
        let mut statuses = Vec::with_capacity(page.ids.len());
        statuses.extend(
            page.ids
                .into_iter()
                .filter_map(|id| w.instance(&id).map(|i| (id, i.status))),
        );
        Ok(Answer::Statuses(Box::new(StatusPage {
            total_count: total,
            page_size: self.size,
            page_number: self.number,
            statuses,
        })))
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
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Answer> {
        let inst = w
            .owned(ctx.caller, ctx.region, &self.instance_id, ctx.now)?
            .clone();
        let itype = w.instance_type(&inst.instance_type).cloned();
        Ok(Answer::Attribute(Box::new((inst, itype))))
    }
}
