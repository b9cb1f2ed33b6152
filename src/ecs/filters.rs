//! DescribeInstances filters: parsing with the documented errors, and matching.

use serde_json::Value;

use crate::ecs::catalog::Wildcard;
use crate::ecs::model::{ChargeType, Instance, LockReason, Status};
use crate::ecs::shapes::stored_field;
use crate::ecs::world::World;
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
    /// InstanceName, `*` wildcard, compiled at parse time.
    pub name: Option<Wildcard>,
    /// InstanceChargeType.
    pub charge_type: Option<ChargeType>,
    /// LockReason.
    pub lock_reason: Option<LockReason>,
    /// Tag.N.Key / Tag.N.Value (value `None` matches any value).
    pub tags: Vec<(String, Option<String>)>,
    /// Fields matched against the DescribeInstances object (ImageId, VpcId, …).
    pub fields: Vec<(&'static str, String)>,
}

impl Filters {
    pub(crate) fn parse(p: &Params) -> ApiResult<Self> {
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
        let charge_type = crate::ecs::action::charge_type(p)?;
        let lock_reason = p.choice("LockReason", || {
            ApiError::new(Code::InvalidLockReasonNotFound)
        })?;
        p.one_of("InstanceNetworkType", &["vpc", "classic"], || {
            ApiError::new(Code::InvalidNetworkTypeNotFound)
        })?;
        p.one_of(
            "InternetChargeType",
            &["PayByBandwidth", "PayByTraffic"],
            || ApiError::new(Code::InvalidInternetChargeTypeValueNotSupported),
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
            name: instance_name_filter(p)?,
            charge_type,
            lock_reason,
            tags: p.tags()?,
            fields,
        })
    }

    /// Whether any filter besides the scope is set.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    pub(crate) fn matches(&self, w: &World, inst: &Instance) -> bool {
        if self
            .ids
            .as_ref()
            .is_some_and(|ids| !ids.iter().any(|id| *id == inst.instance_id))
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
                .is_some_and(|r| !inst.operation_locks.has(r))
            || self
                .name
                .as_ref()
                .is_some_and(|n| !n.matches(&inst.instance_name))
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
        if !crate::ecs::model::has_tags(&inst.tags.tag, &self.tags) {
            return false;
        }
        self.fields
            .iter()
            .all(|(name, want)| field_matches(inst, name, want))
    }
}

/// Match a stored (not emulator-owned) field without building the whole view.
/// The InstanceName filter: at most 128 characters (the documented name length), compiled
/// once here, outside the state lock.
fn instance_name_filter(p: &Params) -> ApiResult<Option<Wildcard>> {
    match p.non_empty("InstanceName") {
        None => Ok(None),
        Some(n) if n.chars().count() > 128 => {
            Err(ApiError::new(Code::InvalidInstanceNameMalformed))
        }
        Some(n) => Ok(Some(Wildcard::new(n))),
    }
}

fn field_matches(inst: &Instance, name: &str, want: &str) -> bool {
    let field = |key: &str| stored_field(inst, key);
    let got = match name {
        "VpcId" | "VSwitchId" => field("VpcAttributes").and_then(|v| v.get(name).cloned()),
        "SecurityGroupId" => {
            return field("SecurityGroupIds")
                .and_then(|v| v.get("SecurityGroupId").cloned())
                .and_then(|v| v.as_array().cloned())
                .is_some_and(|a| a.iter().any(|s| s.as_str() == Some(want)));
        }
        _ => field(name),
    };
    got.as_ref().and_then(Value::as_str) == Some(want)
}
