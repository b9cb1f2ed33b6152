//! DescribeAvailableResource: what each zone of a region sells, from its stock table.
//!
//! A type in a zone's `Stock` is sold there: stock above 0 is `Available`/`WithStock`,
//! 0 is `SoldOut`/`WithoutStock`; a type the zone lists under `Closed` (being retired)
//! is `ClosedWithStock` / `ClosedWithoutStock` instead. A type absent from the stock
//! table is not sold and not listed. A zone is listed when it sells at least one type
//! that passes the filters (`InstanceType`, `Cores`, `Memory`, and a spot price for a
//! spot strategy); its own status is `Available`/`WithStock` when one of those types has
//! stock, else `SoldOut`/`WithoutStock`. An unknown `ZoneId` lists no zone.
//!
//! Destinations: `Zone` (the zone id), `IoOptimized` (`optimized`), `Network` (`vpc`),
//! `InstanceType` (each type), `SystemDisk` and `DataDisk` (the cloud disk categories
//! with their size range, GiB); `ddh` lists nothing (no dedicated hosts), nor do
//! `IoOptimized=none` and `NetworkCategory=classic` (every type is I/O optimized, in VPC).

use serde_json::{json, Value};

use crate::ecs::catalog::Zone;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// Cloud disk categories: (category, system disk max, data disk max), GiB; minimum 20.
const DISKS: [(&str, u64, u64); 3] = [
    ("cloud_efficiency", 2048, 32768),
    ("cloud_ssd", 2048, 32768),
    ("cloud_essd", 2048, 65536),
];

/// A parsed DescribeAvailableResource request.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeAvailableResource {
    /// `DestinationResource`.
    destination: String,
    /// `ZoneId`.
    zone: Option<String>,
    /// `InstanceType`.
    instance_type: Option<String>,
    /// `Cores`.
    cores: Option<i64>,
    /// `Memory` (GiB).
    memory: Option<f64>,
    /// A spot strategy other than NoSpot: only types with a spot price.
    spot: bool,
    /// `IoOptimized=none` or `NetworkCategory=classic`: nothing is sold.
    nothing: bool,
    /// `SystemDiskCategory` / `DataDiskCategory`.
    disk_category: Option<String>,
}

fn check(p: &Params, name: &str, allowed: &[&str], code: Code) -> ApiResult<()> {
    p.one_of(name, allowed, || ApiError::new(code))
}

impl DescribeAvailableResource {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let destination = p
            .non_empty("DestinationResource")
            .ok_or_else(|| ApiError::new(Code::InvalidParamDotted))?
            .to_string();
        check(
            p,
            "DestinationResource",
            &[
                "Zone",
                "IoOptimized",
                "InstanceType",
                "Network",
                "ddh",
                "SystemDisk",
                "DataDisk",
            ],
            Code::InvalidDestinationResource,
        )?;
        check(
            p,
            "ResourceType",
            &["instance", "disk", "reservedinstance", "ddh"],
            Code::InvalidResourceTypeDotted,
        )?;
        check(
            p,
            "InstanceChargeType",
            &["PrePaid", "PostPaid"],
            Code::InvalidInstanceChargeTypeDotted,
        )?;
        check(
            p,
            "IoOptimized",
            &["none", "optimized"],
            Code::InvalidIoOptimizedDotted,
        )?;
        check(
            p,
            "NetworkCategory",
            &["vpc", "classic"],
            Code::InvalidNetworkCategoryDotted,
        )?;
        check(
            p,
            "SpotStrategy",
            &["NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"],
            Code::InvalidSpotStrategyDotted,
        )?;
        let instance_type = p.non_empty("InstanceType").map(str::to_string);
        let cores = p.int("Cores")?;
        let memory = p.float("Memory")?;
        if instance_type.is_some() && (cores.is_some() || memory.is_some()) {
            return Err(ApiError::new(Code::InvalidParamTypeAndCpuMemConflict));
        }
        if destination != "InstanceType" {
            if cores.is_some() {
                return Err(ApiError::new(Code::InvalidParamCores));
            }
            if memory.is_some() {
                return Err(ApiError::new(Code::InvalidParamMemory));
            }
        }
        let disk_category = match destination.as_str() {
            "SystemDisk" => p.non_empty("SystemDiskCategory"),
            "DataDisk" => p.non_empty("DataDiskCategory"),
            _ => None,
        };
        Ok(DescribeAvailableResource {
            zone: p.non_empty("ZoneId").map(str::to_string),
            instance_type,
            cores,
            memory,
            spot: p.non_empty("SpotStrategy").is_some_and(|s| s != "NoSpot"),
            nothing: p.get("IoOptimized") == Some("none")
                || p.get("NetworkCategory") == Some("classic")
                || destination == "ddh",
            disk_category: disk_category.map(str::to_string),
            destination,
        })
    }

    /// The types `zone` sells that pass the filters, with their stock and closed flag.
    fn types<'z>(&self, w: &World, zone: &'z Zone) -> Vec<(&'z str, u64, bool)> {
        zone.stock
            .iter()
            .filter(|(t, _)| self.instance_type.as_ref().is_none_or(|want| want == *t))
            .filter(|(t, _)| !self.spot || zone.spot_prices.contains_key(*t))
            .filter(|(t, _)| {
                w.instance_type(t).is_some_and(|it| {
                    self.cores.is_none_or(|c| c == it.cpu_core_count as i64)
                        && self
                            .memory
                            .is_none_or(|m| (m - it.memory_size).abs() < 1e-9)
                })
            })
            .map(|(t, n)| (t.as_str(), *n, zone.closed.iter().any(|c| c == t)))
            .collect()
    }

    /// Apply: `AvailableZones.AvailableZone[]`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = w
            .region(ctx.region.unwrap_or_default())
            .map_err(|_| ApiError::new(Code::InvalidRegionIdDotted))?;
        let mut zones = Vec::new();
        for zone in &region.zones {
            if self.nothing || self.zone.as_ref().is_some_and(|z| *z != zone.zone_id) {
                continue;
            }
            let types = self.types(w, zone);
            if types.is_empty() {
                continue;
            }
            let with_stock = types.iter().any(|(_, n, _)| *n > 0);
            let (zone_status, category) = status(with_stock, false);
            let item = |value: &str| json!({"Status": zone_status, "StatusCategory": category, "Value": value});
            let supported: Vec<Value> = match self.destination.as_str() {
                "Zone" => vec![item(&zone.zone_id)],
                "IoOptimized" => vec![item("optimized")],
                "Network" => vec![item("vpc")],
                "InstanceType" => types
                    .iter()
                    .map(|(t, n, closed)| {
                        let (s, c) = status(*n > 0, *closed);
                        json!({"Status": s, "StatusCategory": c, "Value": t})
                    })
                    .collect(),
                system_or_data => DISKS
                    .iter()
                    .filter(|(c, _, _)| self.disk_category.as_ref().is_none_or(|want| want == c))
                    .map(|(c, system_max, data_max)| {
                        let max = if system_or_data == "SystemDisk" {
                            system_max
                        } else {
                            data_max
                        };
                        json!({"Status": zone_status, "Min": 20, "Max": max, "Value": c, "Unit": "GiB"})
                    })
                    .collect(),
            };
            if supported.is_empty() {
                continue;
            }
            zones.push(json!({
                "Status": zone_status,
                "StatusCategory": category,
                "ZoneId": zone.zone_id,
                "AvailableResources": {"AvailableResource": [{
                    "Type": self.destination,
                    "SupportedResources": {"SupportedResource": supported},
                }]},
                "RegionId": region.region_id,
            }));
        }
        let mut reply = Reply::new();
        reply.insert("AvailableZones".into(), json!({ "AvailableZone": zones }));
        Ok(reply)
    }
}

/// `Status` and `StatusCategory` of a type (or zone) with or without stock.
fn status(with_stock: bool, closed: bool) -> (&'static str, &'static str) {
    match (with_stock, closed) {
        (true, false) => ("Available", "WithStock"),
        (true, true) => ("Available", "ClosedWithStock"),
        (false, false) => ("SoldOut", "WithoutStock"),
        (false, true) => ("SoldOut", "ClosedWithoutStock"),
    }
}
