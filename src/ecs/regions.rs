//! DescribeRegions and DescribeZones, answered from the fixtures (spec §5.14–5.15).

use serde_json::{json, Value};

use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

const LANGUAGES: [&str; 7] = ["zh-CN", "en-US", "ja", "zh-TW", "fr", "de", "ko"];

/// `AcceptLanguage`, when sent, is one ECS knows.
fn check_language(p: &Params) -> ApiResult<()> {
    p.one_of("AcceptLanguage", &LANGUAGES, || {
        ApiError::new(Code::InvalidAcceptLanguageNotFound)
    })
}

/// A parsed DescribeRegions request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeRegions;

impl DescribeRegions {
    /// Parse (validates `AcceptLanguage`, `InstanceChargeType`, `ResourceType`).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        check_language(p)?;
        p.one_of(
            "InstanceChargeType",
            &["PrePaid", "PostPaid", "SpotWithPriceLimit", "SpotAsPriceGo"],
            || ApiError::new(Code::InvalidInstanceChargeTypeNotFound),
        )?;
        p.one_of(
            "ResourceType",
            &["instance", "disk", "reservedinstance", "scu"],
            || ApiError::invalid_param("ResourceType"),
        )?;
        Ok(DescribeRegions)
    }

    /// Apply: `Regions.Region[]`.
    pub fn apply(self, w: &mut World, _ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let mut regions: Vec<&crate::ecs::catalog::Region> = w.regions().collect();
        // The real service lists regions in its own (geographic) order; regions it does
        // not know follow in id order.
        regions.sort_by_key(|r| {
            REAL_ORDER
                .iter()
                .position(|id| *id == r.region_id)
                .unwrap_or(REAL_ORDER.len())
        });
        let regions: Vec<Value> = regions
            .into_iter()
            .map(|r| {
                json!({
                    "RegionId": r.region_id,
                    "RegionEndpoint": endpoint(&r.region_id),
                    "LocalName": if r.local_name.is_empty() { r.region_id.clone() } else { r.local_name.clone() },
                })
            })
            .collect();
        let mut reply = Reply::new();
        reply.insert("Regions".into(), json!({ "Region": regions }));
        Ok(reply)
    }
}

/// The real service's DescribeRegions order (captured).
const REAL_ORDER: [&str; 29] = [
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-nanjing",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-fuzhou",
    "cn-wuhan-lr",
    "cn-chengdu",
    "cn-hongkong",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-6",
    "ap-southeast-5",
    "ap-south-1",
    "ap-southeast-7",
    "us-east-1",
    "us-west-1",
    "eu-west-1",
    "me-east-1",
    "eu-central-1",
];

/// `RegionEndpoint`: `ecs.<region>.aliyuncs.com`, except cn-hangzhou's `ecs.aliyuncs.com`.
fn endpoint(region_id: &str) -> String {
    if region_id == "cn-hangzhou" {
        "ecs.aliyuncs.com".to_string()
    } else {
        format!("ecs.{region_id}.aliyuncs.com")
    }
}

/// A parsed DescribeZones request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeZones {
    /// Include resource details (default true).
    pub verbose: bool,
}

impl DescribeZones {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        check_language(p)?;
        p.one_of("InstanceChargeType", &["PrePaid", "PostPaid"], || {
            ApiError::new(Code::InvalidInstanceChargeTypeNotFound)
        })?;
        p.one_of(
            "SpotStrategy",
            &["NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"],
            || ApiError::new(Code::InvalidSpotStrategy),
        )?;
        Ok(DescribeZones {
            verbose: p.flag("Verbose", true)?,
        })
    }

    /// Apply: `Zones.Zone[]` with the types each zone sells (those in its stock table).
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = w.region(ctx.region.unwrap_or_default())?;
        let zones: Vec<Value> = region
            .zones
            .iter()
            .map(|z| {
                let name = if z.local_name.is_empty() { z.zone_id.clone() } else { z.local_name.clone() };
                if !self.verbose {
                    return json!({"ZoneId": z.zone_id, "LocalName": name, "ZoneType": "AvailabilityZone"});
                }
                let types: Vec<&String> = z.stock.iter().filter(|(_, n)| **n > 0).map(|(t, _)| t).collect();
                let mut families: Vec<String> = types
                    .iter()
                    .filter_map(|t| w.instance_type(t).map(|t| t.family()))
                    .collect();
                families.dedup();
                let disks = ["cloud_essd", "cloud_efficiency", "cloud_ssd"];
                json!({
                    "ZoneId": z.zone_id,
                    "LocalName": name,
                    "ZoneType": "AvailabilityZone",
                    "AvailableResourceCreation": {"ResourceTypes": ["Instance", "Disk", "VSwitch"]},
                    "AvailableDiskCategories": {"DiskCategories": disks},
                    "AvailableInstanceTypes": {"InstanceTypes": types},
                    "AvailableVolumeCategories": {"VolumeCategories": []},
                    "AvailableDedicatedHostTypes": {"DedicatedHostType": []},
                    "DedicatedHostGenerations": {"DedicatedHostGeneration": []},
                    "AvailableResources": {"ResourcesInfo": [{
                        "IoOptimized": true,
                        "InstanceGenerations": {"supportedInstanceGeneration": ["ecs-5"]},
                        "InstanceTypeFamilies": {"supportedInstanceTypeFamily": families},
                        "InstanceTypes": {"supportedInstanceType": types},
                        "NetworkTypes": {"supportedNetworkCategory": ["vpc"]},
                        "SystemDiskCategories": {"supportedSystemDiskCategory": disks},
                        "DataDiskCategories": {"supportedDataDiskCategory": disks}
                    }]}
                })
            })
            .collect();
        let mut reply = Reply::new();
        reply.insert("Zones".into(), json!({ "Zone": zones }));
        Ok(reply)
    }
}
