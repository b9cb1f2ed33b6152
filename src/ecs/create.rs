//! RunInstances and CreateInstance (spec §5.10–5.11).
//!
//! Both validate the type, zone and charge settings, then take stock and quota for all
//! requested instances in the same critical section as their creation, so parallel
//! calls can never oversell a zone. RunInstances instances go Pending → Starting →
//! Running; CreateInstance's one instance ends Stopped. `MinAmount` creates as many as
//! fit when fewer than `Amount` do. A `ClientToken` replays the first answer for the
//! same parameters and refuses different ones (`IdempotentParameterMismatch`).
//! The image must be one the caller sees and `Available` ([`check_for_run`](crate::ecs::images::check_for_run)).
//! The vSwitch and security groups must exist and fit together (see
//! [`security_groups::check_run`](crate::ecs::security_groups::check_run)); without
//! `ZoneId` the vSwitch's zone is used, else the first zone with stock of the type;
//! without `VSwitchId` the zone's default vSwitch, without a group the account's
//! default group. What a new instance looks like is in
//! [`new_instance`](crate::ecs::new_instance).

use serde_json::{json, Value};

use crate::ecs::capacity::Placement;
use crate::ecs::model::{ChargeType, SpotStrategy, Tag};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// Parameters that do not identify the request (signing, transport) and are left
/// out of the ClientToken fingerprint.
const NOT_FINGERPRINTED: [&str; 10] = [
    "Signature",
    "SignatureNonce",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureType",
    "Timestamp",
    "AccessKeyId",
    "Format",
    "Version",
    "ClientToken",
];

/// A parsed RunInstances / CreateInstance request.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInstances {
    /// CreateInstance (one instance, ends Stopped) rather than RunInstances.
    pub create_only: bool,
    /// Image.
    pub image_id: String,
    /// Catalog type.
    pub instance_type: String,
    /// Zone, when given.
    pub zone_id: Option<String>,
    /// vSwitch, when given.
    pub vswitch_id: String,
    /// Security groups, when given.
    pub security_groups: Vec<String>,
    /// How many.
    pub amount: u64,
    /// At least this many, or fail.
    pub min_amount: u64,
    /// Name (may use the `[begin,bits]` sequence syntax).
    pub name: Option<String>,
    /// Host name (same syntax).
    pub host_name: Option<String>,
    /// `UniqueSuffix`: append `001`, `002`, … to names without the sequence syntax.
    pub unique_suffix: bool,
    /// Description.
    pub description: String,
    /// Billing.
    pub charge_type: ChargeType,
    /// Subscription length in months (PrePaid).
    pub period_months: i64,
    /// Spot strategy.
    pub spot_strategy: SpotStrategy,
    /// Spot price limit.
    pub spot_price_limit: f64,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Public bandwidth; > 0 assigns a public IP.
    pub bandwidth_out: i64,
    /// Release protection.
    pub deletion_protection: bool,
    /// `KeyPairName`, when sent.
    pub key_pair_name: Option<String>,
    /// User data (Base64), shown by DescribeUserData only.
    pub user_data: Option<String>,
    /// Idempotency token with the parameter fingerprint.
    pub client_token: Option<(String, String)>,
    /// Check only.
    pub dry_run: bool,
    /// `SystemDisk.*` and `DataDisk.N.*` (boxed: most requests leave them out).
    pub disks: Box<crate::ecs::disk_specs::InstanceDisks>,
}

fn mandatory(p: &Params, name: &str) -> ApiResult<String> {
    p.non_empty(name).map(str::to_string).ok_or_else(|| {
        ApiError::with_message(
            Code::MissingParameter,
            format!("The input parameter {name} that is mandatory for processing this request is not supplied."),
        )
    })
}

impl RunInstances {
    /// Parse RunInstances (`create_only = false`) or CreateInstance parameters.
    pub fn parse(p: &Params, create_only: bool) -> ApiResult<Self> {
        p.required("RegionId")?;
        let instance_type = if create_only {
            p.required("InstanceType")?.to_string()
        } else {
            mandatory(p, "InstanceType")?
        };
        let image_id = mandatory(p, "ImageId")?;
        let amount = if create_only {
            1
        } else {
            p.int("Amount")?.unwrap_or(1)
        };
        if !(1..=100).contains(&amount) {
            return Err(ApiError::with_message(
                Code::InvalidParamAmount,
                "The specified parameter Amount is not valid.",
            ));
        }
        let min_amount = p.int("MinAmount")?.unwrap_or(amount);
        if !(1..=amount).contains(&min_amount) {
            return Err(ApiError::with_message(
                Code::InvalidParamAmount,
                "The specified parameter MinAmount is not valid.",
            ));
        }
        let charge_type = crate::ecs::action::charge_type(p)?.unwrap_or_default();
        let period_months = if charge_type == ChargeType::PrePaid {
            let period = p
                .int("Period")?
                .ok_or_else(|| ApiError::new(Code::InvalidPeriod))?;
            match p.non_empty("PeriodUnit").unwrap_or("Month") {
                "Month" if [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60].contains(&period) => {
                    period
                }
                "Week" if (1..=4).contains(&period) => 0,
                _ => return Err(ApiError::new(Code::InvalidPeriod)),
            }
        } else {
            0
        };
        let spot_strategy = match p.non_empty("SpotStrategy") {
            None | Some("NoSpot") => SpotStrategy::NoSpot,
            Some("SpotWithPriceLimit") => SpotStrategy::SpotWithPriceLimit,
            Some("SpotAsPriceGo") => SpotStrategy::SpotAsPriceGo,
            Some(_) => return Err(ApiError::new(Code::InvalidSpotStrategy)),
        };
        let name = p.non_empty("InstanceName").map(str::to_string);
        if let Some(n) = &name {
            let len = n.chars().count();
            let first_ok = n
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '[');
            if !(2..=128).contains(&len)
                || !first_ok
                || n.starts_with("http://")
                || n.starts_with("https://")
            {
                return Err(ApiError::new(Code::InvalidInstanceNameMalformed));
            }
        }
        // Attribute values (host name, password, user data) as ModifyInstanceAttribute
        // checks them; the password is not kept.
        let windows = image_id.starts_with("win");
        let host_name = p.non_empty("HostName").map(str::to_string);
        if let Some(h) = &host_name {
            let first = crate::ecs::new_instance::sequence_name(h, 0);
            if !crate::ecs::attributes::valid_host_name(&first, windows) {
                return Err(ApiError::new(Code::InvalidHostNameMalformed));
            }
        }
        crate::ecs::attributes::check_password(p, windows)?;
        let user_data = crate::ecs::attributes::user_data(p)?;
        let security_groups = crate::ecs::security_groups::run_groups(p)?;
        let client_token = p.non_empty("ClientToken").map(|t| {
            let mut pairs: Vec<String> = p
                .pairs()
                .filter(|(k, _)| !NOT_FINGERPRINTED.contains(k))
                .map(|(k, v)| match k {
                    // The password is remembered only as a digest.
                    "Password" => format!("{k}={}", sha256_hex(v)),
                    _ => format!("{k}={v}"),
                })
                .collect();
            pairs.sort();
            (t.to_string(), pairs.join("&"))
        });
        Ok(RunInstances {
            create_only,
            image_id,
            instance_type,
            zone_id: p.non_empty("ZoneId").map(str::to_string),
            vswitch_id: p.non_empty("VSwitchId").unwrap_or_default().to_string(),
            security_groups,
            amount: amount as u64,
            min_amount: min_amount as u64,
            name,
            host_name,
            unique_suffix: p.flag("UniqueSuffix", false)?,
            description: p.non_empty("Description").unwrap_or_default().to_string(),
            charge_type,
            period_months,
            spot_strategy,
            spot_price_limit: p.float("SpotPriceLimit")?.unwrap_or(0.0),
            tags: p
                .tags()?
                .into_iter()
                .map(|(k, v)| Tag {
                    tag_key: k.into(),
                    tag_value: v.unwrap_or_default().into(),
                })
                .collect(),
            bandwidth_out: p.int_in("InternetMaxBandwidthOut", 0, 100)?.unwrap_or(0),
            deletion_protection: p.flag("DeletionProtection", false)?,
            key_pair_name: p.non_empty("KeyPairName").map(str::to_string),
            user_data,
            client_token,
            dry_run: p.flag("DryRun", false)?,
            disks: Box::new(crate::ecs::disk_specs::InstanceDisks::parse(p)?),
        })
    }

    fn action(&self) -> &'static str {
        if self.create_only {
            "CreateInstance"
        } else {
            "RunInstances"
        }
    }

    /// Apply: `InstanceIdSets.InstanceIdSet[]` (RunInstances) or `InstanceId` (CreateInstance).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        let token_key = self.client_token.as_ref().map(|(t, _)| {
            (
                ctx.caller.account_id.clone(),
                self.action().to_string(),
                t.clone(),
            )
        });
        if let (Some(key), Some((_, fingerprint))) = (&token_key, &self.client_token) {
            if let Some((seen, reply)) = w.client_token(key) {
                if seen != fingerprint {
                    return Err(ApiError::new(Code::IdempotentParameterMismatch));
                }
                if let Value::Object(reply) = reply {
                    return Ok(reply.clone());
                }
            }
        }
        let zone_missing = || {
            ApiError::with_message(
                Code::InvalidZoneIdNotFound,
                "The specified zoneId does not exist.",
            )
        };
        let known = w.region(&region)?;
        if let Some(z) = &self.zone_id {
            known.zone(z).ok_or_else(zone_missing)?;
        }
        let itype = w
            .instance_type(&self.instance_type)
            .ok_or_else(|| ApiError::new(Code::InvalidInstanceTypeValueNotSupported))?
            .clone();
        let vswitch_zone = crate::ecs::security_groups::check_run(
            w,
            ctx,
            &region,
            self.zone_id.as_deref(),
            &self.vswitch_id,
            &self.security_groups,
        )?;
        let r = w.region(&region)?;
        let zone_id = match self.zone_id.as_ref().or(vswitch_zone.as_ref()) {
            Some(z) => {
                let zone = r.zone(z).ok_or_else(zone_missing)?;
                if !zone.stock.contains_key(&self.instance_type) {
                    return Err(ApiError::new(Code::InvalidInstanceTypeZoneNotSupported));
                }
                z.clone()
            }
            None => r
                .zones
                .iter()
                .find(|z| z.stock.get(&self.instance_type).is_some_and(|n| *n > 0))
                .or_else(|| {
                    r.zones
                        .iter()
                        .find(|z| z.stock.contains_key(&self.instance_type))
                })
                .map(|z| z.zone_id.clone())
                .ok_or_else(|| ApiError::new(Code::InvalidInstanceTypeZoneNotSupported))?,
        };
        let windows = self.image_id.starts_with("win");
        crate::ecs::key_pairs::check_for_run(
            w,
            ctx,
            &region,
            self.key_pair_name.as_deref(),
            windows,
        )?;
        crate::ecs::images::check_for_run(w, ctx, &region, &self.image_id)?;
        let account = ctx.caller.account_id.clone();
        if self.charge_type == ChargeType::PostPaid
            && w.account(&account).is_some_and(|a| a.balance <= 0.0)
        {
            return Err(ApiError::new(Code::InsufficientBalance));
        }
        let placement = Placement {
            account_id: account,
            region_id: region.clone(),
            zone_id: zone_id.clone(),
            instance_type: self.instance_type.clone(),
        };
        let count = match w.check_capacity(&placement, self.amount) {
            Ok(()) => self.amount,
            Err(e) => {
                let fits = w.capacity_for(&placement, self.amount);
                if fits >= self.min_amount && self.min_amount < self.amount {
                    fits
                } else {
                    return Err(e);
                }
            }
        };
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        let net = crate::ecs::security_groups::place_run(
            w,
            ctx,
            &region,
            &zone_id,
            &self.vswitch_id,
            &self.security_groups,
        )?;
        let addresses = w.allocate_addresses(&net.vswitch_id, count)?;
        w.take_stock(&placement, count);
        let mut ids = Vec::with_capacity(count as usize);
        for (n, address) in (0..count).zip(addresses) {
            let id = w.fresh_instance_id(ctx.random, &region);
            let inst = self.build(
                ctx,
                id,
                &region,
                &zone_id,
                n,
                itype.local_storage,
                &net,
                &address,
            );
            ids.push(inst.instance_id.clone());
            w.insert_instance(inst);
        }
        let mut reply = Reply::new();
        if self.create_only {
            reply.insert("InstanceId".into(), json!(ids[0]));
        } else {
            reply.insert("InstanceIdSets".into(), json!({ "InstanceIdSet": ids }));
            reply.insert(
                "TradePrice".into(),
                json!(round2(itype.public_price * count as f64)),
            );
        }
        if self.charge_type == ChargeType::PrePaid {
            reply.insert(
                "OrderId".into(),
                json!(format!("{}", 200_000_000_000u64 + w.next_seq())),
            );
        }
        if let Some(key) = token_key {
            let fingerprint = self.client_token.map(|(_, f)| f).unwrap_or_default();
            w.remember_client_token(key, fingerprint, Value::Object(reply.clone()));
        }
        Ok(reply)
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
