//! DescribeDisks, and the Disk object every disk renders as.
//!
//! The disks an account has in a region are its standalone disks (newest first) and
//! then the disks of its instances, newest instance first, each instance's in their
//! order (system disk first). `InstanceId` reads one instance, `DiskIds` looks each id
//! up; otherwise the walk covers the account's instances in the region (one pass, which
//! also counts `TotalCount`; only the page is rendered). `NextToken` is the offset of
//! the next disk in that order, in hex.

use serde_json::{json, Map, Value};

use crate::clock::{format_ecs, format_ecs_seconds, Millis};
use crate::ecs::describe::Paging;
use crate::ecs::disk_model::{performance, CATEGORIES};
use crate::ecs::model::{Disk, DiskType, Instance};
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// `ExpiredTime` of a disk that does not expire.
pub const NEVER_EXPIRES: &str = "2999-09-08T16:00Z";

/// The device each disk of `inst` shows, in `MockDisks` order: its own when set, else
/// `/dev/xvda` for the system disk and the next free `/dev/xvdb`, `/dev/xvdc`, … for
/// the others.
pub fn devices(inst: &Instance) -> Vec<String> {
    let mut taken: Vec<String> = inst
        .mock_disks
        .iter()
        .filter_map(|d| d.details().and_then(|x| x.device.clone()))
        .collect();
    inst.mock_disks
        .iter()
        .map(|d| {
            if let Some(dev) = d.details().and_then(|x| x.device.clone()) {
                return dev;
            }
            let dev = if d.disk_type == DiskType::System && !taken.iter().any(|t| t == "/dev/xvda")
            {
                "/dev/xvda".to_string()
            } else {
                free_device(&taken).unwrap_or_default()
            };
            taken.push(dev.clone());
            dev
        })
        .collect()
}

/// The first of `/dev/xvdb` … `/dev/xvdz` not in `taken`.
pub fn free_device(taken: &[String]) -> Option<String> {
    (b'b'..=b'z')
        .map(|c| format!("/dev/xvd{}", c as char))
        .find(|d| !taken.contains(d))
}

/// A disk found by a Describe: standalone, or the `n`-th disk of an instance.
#[derive(Clone, Copy)]
pub enum Hit<'a> {
    /// Not attached.
    Standalone(&'a Disk),
    /// Attached: the instance and the disk's index in its `MockDisks`.
    Attached(&'a Instance, usize),
}

impl<'a> Hit<'a> {
    /// The disk.
    pub fn disk(self) -> &'a Disk {
        match self {
            Hit::Standalone(d) => d,
            Hit::Attached(i, n) => &i.mock_disks[n],
        }
    }

    fn zone(self) -> &'a str {
        match self {
            Hit::Standalone(d) => d.details().and_then(|x| x.zone_id.as_deref()).unwrap_or(""),
            Hit::Attached(i, _) => &i.zone_id,
        }
    }

    fn instance_type(self) -> Option<&'a str> {
        match self {
            Hit::Standalone(_) => None,
            Hit::Attached(i, _) => Some(&i.instance_type),
        }
    }
}

/// Render a disk as a DescribeDisks `Disk` (keys in the captured order).
pub fn render(w: &World, hit: Hit<'_>, now: Millis) -> Map<String, Value> {
    let d = hit.disk();
    let x = d.details();
    let (inst, device) = match hit {
        Hit::Attached(i, n) => (Some(i), devices(i).swap_remove(n)),
        Hit::Standalone(_) => (None, String::new()),
    };
    let local_capacity = inst
        .and_then(|i| w.instance_type(&i.instance_type))
        .map_or(0, |t| t.local_storage_capacity);
    let category = d.category(hit.instance_type());
    let pl = d.performance_level(&category);
    let size = d.size(local_capacity);
    let (iops, throughput) = performance(&category, &pl, size);
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    let seconds = |t: Option<crate::ecs::model::EcsTime>| {
        t.map(|t| format_ecs_seconds(t.0)).unwrap_or_default()
    };
    let created = x
        .and_then(|x| x.creation_time)
        .or(inst.and_then(|i| i.creation_time));
    let attached_time = match inst {
        Some(i) => seconds(x.and_then(|x| x.attached_time).or(i.creation_time)),
        None => String::new(),
    };
    let instance_id = inst.map(|i| i.instance_id.to_string()).unwrap_or_default();
    let attachments: Vec<Value> = match inst {
        Some(_) => vec![json!({
            "AttachedTime": attached_time,
            "InstanceId": instance_id,
            "Device": device,
        })],
        None => Vec::new(),
    };
    let image_id = x
        .and_then(|x| x.image_id.clone())
        .or_else(|| {
            (d.disk_type == DiskType::System)
                .then(|| inst.and_then(|i| i.extra.get("ImageId")))
                .flatten()
                .and_then(|v| v.as_str().map(str::to_string))
        })
        .unwrap_or_default();
    let (region, charge) = match inst {
        Some(i) => (i.region_id.to_string(), i.instance_charge_type.as_str()),
        None => (text(x.and_then(|x| x.region_id.as_ref())), "PostPaid"),
    };
    let tags: Vec<Value> = d
        .tags()
        .iter()
        .map(|t| json!({"TagKey": t.tag_key.as_str(), "TagValue": t.tag_value.as_str()}))
        .collect();
    let mut m = Map::new();
    m.insert(
        "DetachedTime".into(),
        json!(seconds(x.and_then(|x| x.detached_time))),
    );
    m.insert("Category".into(), json!(category));
    m.insert(
        "Description".into(),
        json!(text(x.and_then(|x| x.description.as_ref()))),
    );
    m.insert(
        "KMSKeyId".into(),
        json!(d.kms_key_id.clone().unwrap_or_default()),
    );
    m.insert("ResourceGroupId".into(), json!(""));
    m.insert("Encrypted".into(), json!(d.encrypted));
    m.insert("Size".into(), json!(size));
    m.insert(
        "DeleteAutoSnapshot".into(),
        json!(x.and_then(|x| x.delete_auto_snapshot).unwrap_or(false)),
    );
    m.insert("DiskChargeType".into(), json!(charge));
    m.insert("Throughput".into(), json!(throughput));
    m.insert("IOPS".into(), json!(iops));
    m.insert("MultiAttach".into(), json!("Disabled"));
    m.insert("Attachments".into(), json!({ "Attachment": attachments }));
    m.insert("Placement".into(), json!({}));
    m.insert(
        "ExpiredTime".into(),
        json!(d
            .expired_time
            .map_or_else(|| NEVER_EXPIRES.to_string(), |t| format_ecs(t.0))),
    );
    m.insert("ImageId".into(), json!(image_id));
    m.insert("StorageSetId".into(), json!(""));
    m.insert("Tags".into(), json!({ "Tag": tags }));
    m.insert("Status".into(), json!(d.status_at(now).as_str()));
    m.insert("AttachedTime".into(), json!(attached_time));
    m.insert("StorageClusterId".into(), json!(""));
    m.insert("ZoneId".into(), json!(hit.zone()));
    m.insert("InstanceId".into(), json!(instance_id));
    m.insert("SourceSnapshotId".into(), json!(""));
    m.insert("ProductCode".into(), json!(""));
    m.insert("PerformanceLevel".into(), json!(pl));
    m.insert("Device".into(), json!(device));
    m.insert(
        "DeleteWithInstance".into(),
        json!(d.delete_with_instance(inst.is_some())),
    );
    m.insert("EnableAutomatedSnapshotPolicy".into(), json!(false));
    m.insert("EnableAutoSnapshot".into(), json!(true));
    m.insert("AutoSnapshotPolicyId".into(), json!(""));
    m.insert(
        "DiskName".into(),
        json!(text(x.and_then(|x| x.disk_name.as_ref()))),
    );
    m.insert("OperationLocks".into(), json!({ "OperationLock": [] }));
    m.insert("BdfId".into(), json!(""));
    m.insert("Portable".into(), json!(d.portable()));
    m.insert(
        "Type".into(),
        json!(if d.disk_type == DiskType::System {
            "system"
        } else {
            "data"
        }),
    );
    m.insert(
        "SerialNumber".into(),
        json!(d.disk_id.strip_prefix("d-").unwrap_or(&d.disk_id)),
    );
    m.insert("CreationTime".into(), json!(seconds(created)));
    m.insert("RegionId".into(), json!(region));
    m.insert("DiskId".into(), json!(d.disk_id));
    m
}

/// Statuses the `Status` filter accepts.
const STATUSES: [&str; 7] = [
    "In_use",
    "Available",
    "Attaching",
    "Detaching",
    "Creating",
    "ReIniting",
    "All",
];

/// Local disk categories (accepted by the `Category` filter besides [`CATEGORIES`]).
const LOCAL_CATEGORIES: [&str; 4] = [
    "local_ssd_pro",
    "local_hdd_pro",
    "ephemeral",
    "ephemeral_ssd",
];

/// A parsed DescribeDisks request.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeDisks {
    zone: Option<String>,
    ids: Option<Vec<String>>,
    instance: Option<String>,
    /// `Some(true)`: system disks only; `Some(false)`: data (and local) disks only.
    system: Option<bool>,
    category: Option<String>,
    status: Option<String>,
    portable: Option<bool>,
    delete_with_instance: Option<bool>,
    encrypted: Option<bool>,
    disk_name: Option<String>,
    tags: Vec<(String, Option<String>)>,
    paging: Paging,
    dry_run: bool,
}

/// `DiskIds`: a JSON array of at most 100 ids.
fn disk_ids(p: &Params) -> ApiResult<Option<Vec<String>>> {
    let Some(raw) = p.non_empty("DiskIds") else {
        return Ok(None);
    };
    let ids: Vec<String> =
        serde_json::from_str(raw).map_err(|_| ApiError::new(Code::InvalidParameterDiskIds))?;
    if ids.len() > 100 {
        return Err(ApiError::new(Code::InvalidDiskIdsMalformed));
    }
    Ok(Some(ids))
}

impl DescribeDisks {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let system = match p.non_empty("DiskType") {
            None | Some("all") => None,
            Some("system") => Some(true),
            Some("data") => Some(false),
            Some(_) => return Err(ApiError::new(Code::InvalidDiskTypeValueNotSupported)),
        };
        let category = match p.non_empty("Category") {
            None | Some("all") => None,
            Some(c) if CATEGORIES.contains(&c) || LOCAL_CATEGORIES.contains(&c) => {
                Some(c.to_string())
            }
            Some(_) => return Err(ApiError::new(Code::InvalidCategoryValueNotSupported)),
        };
        let status = match p.non_empty("Status") {
            None | Some("All") => None,
            Some(s) if STATUSES.contains(&s) => Some(s.to_string()),
            Some(_) => {
                return Err(ApiError::with_message(
                    Code::InvalidStatusValueNotSupported,
                    "The specified disk status is not supported.",
                ))
            }
        };
        let paging = Paging::parse(p, 500)?;
        Ok(DescribeDisks {
            zone: p.non_empty("ZoneId").map(str::to_string),
            ids: disk_ids(p)?,
            instance: p.non_empty("InstanceId").map(str::to_string),
            system,
            category,
            status,
            portable: p.bool("Portable")?,
            delete_with_instance: p.bool("DeleteWithInstance")?,
            encrypted: p.bool("Encrypted")?,
            disk_name: p.non_empty("DiskName").map(str::to_string),
            tags: p.tags()?,
            paging,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    fn matches(&self, hit: Hit<'_>, now: Millis) -> bool {
        let d = hit.disk();
        let attached = matches!(hit, Hit::Attached(..));
        self.zone.as_deref().is_none_or(|z| z == hit.zone())
            && self
                .system
                .is_none_or(|s| s == (d.disk_type == DiskType::System))
            && self
                .category
                .as_deref()
                .is_none_or(|c| c == d.category(hit.instance_type()))
            && self
                .status
                .as_deref()
                .is_none_or(|s| d.status_at(now).as_str() == s)
            && self.portable.is_none_or(|p| p == d.portable())
            && self
                .delete_with_instance
                .is_none_or(|v| v == d.delete_with_instance(attached))
            && self.encrypted.is_none_or(|e| e == d.encrypted)
            && self
                .disk_name
                .as_deref()
                .is_none_or(|n| d.details().and_then(|x| x.disk_name.as_deref()) == Some(n))
            && crate::ecs::model::has_tags(d.tags(), &self.tags)
    }

    /// The candidate disks in Describe order (before filters other than the scope).
    fn candidates<'w>(&self, w: &'w World, account: &'w str, region: &'w str) -> Vec<Hit<'w>> {
        let of_instance =
            |i: &'w Instance| (0..i.mock_disks.len()).map(move |n| Hit::Attached(i, n));
        if let Some(ids) = &self.ids {
            let mut standalone = Vec::new();
            let mut attached: Vec<(u64, usize, Hit<'w>)> = Vec::new();
            for id in ids {
                match w.owned_disk(account, Some(region), id) {
                    Some((crate::ecs::world::DiskHome::Standalone, d)) => standalone.push(d),
                    Some((crate::ecs::world::DiskHome::Attached(i), _)) => {
                        if let Some(inst) = w.instance(&i) {
                            if let Some(n) = inst.mock_disks.iter().position(|d| d.disk_id == *id) {
                                attached.push((inst.seq, n, Hit::Attached(inst, n)));
                            }
                        }
                    }
                    None => {}
                }
            }
            sort_standalone(&mut standalone);
            standalone.dedup_by(|a, b| a.disk_id == b.disk_id);
            attached.sort_by_key(|(seq, n, _)| (std::cmp::Reverse(*seq), *n));
            attached.dedup_by_key(|(seq, n, _)| (*seq, *n));
            let mut hits: Vec<Hit<'w>> = standalone.into_iter().map(Hit::Standalone).collect();
            hits.extend(attached.into_iter().map(|(_, _, h)| h));
            return hits;
        }
        if let Some(id) = &self.instance {
            return match w.instance(id) {
                Some(i) if i.account_id == account && i.region_id == region => {
                    of_instance(i).collect()
                }
                _ => Vec::new(),
            };
        }
        let mut standalone: Vec<&Disk> = w.standalone_disks_in(account, region).collect();
        sort_standalone(&mut standalone);
        let mut hits: Vec<Hit<'w>> = standalone.into_iter().map(Hit::Standalone).collect();
        hits.extend(
            w.listed_instances(account, region)
                .rev()
                .flat_map(of_instance),
        );
        hits
    }

    /// Apply: `TotalCount`, `NextToken`, `PageSize`, `PageNumber`, `Disks.Disk[]`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        let r = w.region(&region)?;
        if let Some(z) = &self.zone {
            if r.zone(z).is_none() {
                return Err(ApiError::new(Code::InvalidZoneIdNotFound));
            }
        }
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        let w: &World = w;
        let (skip, take) = match self.paging {
            Paging::Pages { number, size } => ((number - 1).saturating_mul(size), size),
            Paging::Token { from, max } => (from.unwrap_or(0), max),
        };
        let mut total = 0u64;
        let mut page = Vec::new();
        for hit in self.candidates(w, &ctx.caller.account_id, &region) {
            if !self.matches(hit, ctx.now) {
                continue;
            }
            if total >= skip && total < skip.saturating_add(take) {
                page.push(Value::Object(render(w, hit, ctx.now)));
            }
            total += 1;
        }
        let end = skip.saturating_add(take);
        let (number, size, next) = match self.paging {
            Paging::Pages { number, size } => (number, size, String::new()),
            Paging::Token { max, .. } => (
                1,
                max,
                if end < total {
                    format!("{end:x}")
                } else {
                    String::new()
                },
            ),
        };
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(total));
        reply.insert("NextToken".into(), json!(next));
        reply.insert("PageSize".into(), json!(size));
        reply.insert("PageNumber".into(), json!(number));
        reply.insert("Disks".into(), json!({ "Disk": page }));
        Ok(reply)
    }
}

/// Standalone disks newest first (then by id).
fn sort_standalone(disks: &mut [&Disk]) {
    disks.sort_by(|a, b| {
        let t = |d: &Disk| d.details().and_then(|x| x.creation_time);
        t(b).cmp(&t(a)).then(a.disk_id.cmp(&b.disk_id))
    });
}
