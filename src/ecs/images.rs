//! Images: the `Image` object (fixture and wire shape), the built-in public images,
//! DescribeImages, and the image check of RunInstances / CreateInstance.
//!
//! An image is stored in the real DescribeImages shape (30 keys, real-responses §4) plus
//! two mock fields: `AccountId`, the owner of a custom image (absent: the document's
//! first account), and `RegionId`, the region of a custom image (absent: every region,
//! as public images are). A fixture without an `Images` key gets the built-in public
//! images of `fixtures/public-images.json`; images that fixture instances refer to by
//! `ImageId` without defining them exist implicitly as custom images of the instance's
//! account (see `world::images`).
//!
//! Visibility follows `ImageOwnerAlias`: `system` and `marketplace` images are seen by
//! every account; a custom image is `self` to its owner and hidden from others, unless
//! the fixture marks it `others` (shared with every account), which its owner still sees
//! as `self`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::ecs::describe::{page_numbers, page_of};
use crate::ecs::model::Tags;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// The built-in public images, used when a fixture has no `Images` key.
pub const PUBLIC_IMAGES: &str = include_str!("../../fixtures/public-images.json");

/// The statuses an image can have.
pub const STATUSES: [&str; 6] = [
    "Creating",
    "Waiting",
    "Available",
    "UnAvailable",
    "CreateFailed",
    "Deprecated",
];

/// An image, in the DescribeImages field order, plus the mock owner and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Image {
    /// `system`, `self`, `others` or `marketplace`.
    #[serde(default = "self_alias")]
    pub image_owner_alias: String,
    /// `"False"` on custom images, `""` on public ones (a string on the wire).
    #[serde(default)]
    pub is_self_shared: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// e.g. `Aliyun`, `Ubuntu`, `Windows Server 2022`.
    #[serde(default)]
    pub platform: String,
    /// Resource group.
    #[serde(default)]
    pub resource_group_id: String,
    /// GiB.
    #[serde(default = "forty")]
    pub size: u64,
    /// Marketplace subscription.
    #[serde(default)]
    pub is_subscribed: bool,
    /// `BIOS` or `UEFI`.
    #[serde(default = "bios")]
    pub boot_mode: String,
    /// OS name (Chinese form).
    #[serde(default, rename = "OSName")]
    pub os_name: String,
    /// Whether public.
    #[serde(default)]
    pub is_public: bool,
    /// The id (`m-…` for custom images, a file name for public ones).
    pub image_id: String,
    /// Image check options (`{}`).
    #[serde(default)]
    pub detection_options: Map<String, Value>,
    /// `{NvmeSupport}`.
    #[serde(default = "features")]
    pub features: Map<String, Value>,
    /// OS name (English form).
    #[serde(default, rename = "OSNameEn")]
    pub os_name_en: String,
    /// Tags (always present on the wire, `{"Tag": []}` when none).
    #[serde(default)]
    pub tags: Tags,
    /// Whether a non-root user may log in.
    #[serde(default = "yes")]
    pub login_as_non_root_supported: bool,
    /// One of [`STATUSES`].
    #[serde(default = "available")]
    pub status: String,
    /// `100%` once created.
    #[serde(default = "done")]
    pub progress: String,
    /// `instance` (in use) or `none`.
    #[serde(default = "none")]
    pub usage: String,
    /// `x86_64`, `i386` or `arm64`.
    #[serde(default = "x86_64")]
    pub architecture: String,
    /// Marketplace product code.
    #[serde(default)]
    pub product_code: String,
    /// Whether copied from another region.
    #[serde(default)]
    pub is_copied: bool,
    /// e.g. `acs:alibaba_cloud_linux_3_2104_lts_x64`.
    #[serde(default)]
    pub image_family: String,
    /// Whether I/O optimized instances may use it.
    #[serde(default = "yes")]
    pub is_support_io_optimized: bool,
    /// Whether cloud-init runs.
    #[serde(default = "yes")]
    pub is_support_cloudinit: bool,
    /// Name (default: the id).
    #[serde(default)]
    pub image_name: String,
    /// The snapshots of the image.
    #[serde(default)]
    pub disk_device_mappings: DiskDeviceMappings,
    /// Version.
    #[serde(default)]
    pub image_version: String,
    /// `linux` or `windows`.
    #[serde(default = "linux", rename = "OSType")]
    pub os_type: String,
    /// `2023-03-06T06:04:04Z` (seconds).
    #[serde(default)]
    pub creation_time: String,
    /// Mock: the owner of a custom image (absent: the document's first account).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    /// Mock: the region of a custom image (absent: every region).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region_id: String,
}

/// `DiskDeviceMappings` as ECS wraps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DiskDeviceMappings {
    /// The mappings.
    #[serde(default)]
    pub disk_device_mapping: Vec<DiskDeviceMapping>,
}

/// One snapshot of an image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DiskDeviceMapping {
    /// `s-…`.
    #[serde(default)]
    pub snapshot_id: String,
    /// `system` or `data`.
    #[serde(default)]
    pub r#type: String,
    /// `""` once done.
    #[serde(default)]
    pub progress: String,
    /// Import format.
    #[serde(default)]
    pub format: String,
    /// e.g. `/dev/xvda`.
    #[serde(default)]
    pub device: String,
    /// GiB, a string on the wire.
    #[serde(default)]
    pub size: String,
    /// Import bucket.
    #[serde(default, rename = "ImportOSSBucket")]
    pub import_oss_bucket: String,
    /// Import object.
    #[serde(default, rename = "ImportOSSObject")]
    pub import_oss_object: String,
}

fn self_alias() -> String {
    "self".into()
}
fn forty() -> u64 {
    40
}
fn bios() -> String {
    "BIOS".into()
}
fn features() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("NvmeSupport".into(), json!("supported"));
    m
}
fn yes() -> bool {
    true
}
fn available() -> String {
    "Available".into()
}
fn done() -> String {
    "100%".into()
}
fn none() -> String {
    "none".into()
}
fn x86_64() -> String {
    "x86_64".into()
}
fn linux() -> String {
    "linux".into()
}

impl Image {
    /// A custom image of `account` in `region` known only by its id (an instance of a
    /// fixture refers to it): minimal fields, the OS as the instance shows it.
    pub fn implicit(id: &str, account: &str, region: &str, os: [String; 3]) -> Image {
        let [os_type, os_name, os_name_en] = os;
        let mut img: Image =
            serde_json::from_value(json!({ "ImageId": id })).expect("defaults for every field");
        img.image_name = id.to_string();
        img.is_self_shared = "False".into();
        img.account_id = account.to_string();
        img.region_id = region.to_string();
        if os_type == "windows" {
            img.os_type = os_type;
            img.login_as_non_root_supported = false;
        }
        img.os_name = os_name;
        img.os_name_en = os_name_en;
        img
    }

    /// Whether a public image (seen by every account in every region).
    pub fn is_shared_by_everyone(&self) -> bool {
        matches!(
            self.image_owner_alias.as_str(),
            "system" | "marketplace" | "others"
        )
    }

    /// The alias `account` sees: `self` for its own custom images.
    pub fn alias_for(&self, account: &str) -> &str {
        match self.image_owner_alias.as_str() {
            "self" | "others" if self.account_id == account => "self",
            "self" => "others",
            a => a,
        }
    }

    /// Whether `account` sees the image in `region`.
    pub fn visible(&self, account: &str, region: &str) -> bool {
        (self.region_id.is_empty() || self.region_id == region)
            && (self.is_shared_by_everyone() || self.account_id == account)
    }

    /// The DescribeImages object as `account` sees it.
    pub fn to_wire(&self, account: &str) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_else(|_| json!({}));
        if let Value::Object(m) = &mut v {
            m.remove("AccountId");
            m.remove("RegionId");
            m.insert("ImageOwnerAlias".into(), json!(self.alias_for(account)));
        }
        v
    }
}

/// The built-in public images (a fixture document holding only `Images`), read once
/// per process: every world built without `Images` (start-up, each reset) copies them.
pub fn public_images() -> Vec<Image> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Doc {
        images: Vec<Image>,
    }
    static PUBLIC: std::sync::LazyLock<Vec<Image>> = std::sync::LazyLock::new(|| {
        serde_json::from_str::<Doc>(PUBLIC_IMAGES)
            .expect("fixtures/public-images.json parses (tested)")
            .images
    });
    PUBLIC.clone()
}

/// RunInstances / CreateInstance: `image_id` must be an image the caller sees in the
/// region (`InvalidImageId.NotFound`) and `Available` (`OperationDenied.ImageNotValid`).
pub fn check_for_run(w: &World, ctx: &Ctx<'_>, region: &str, image_id: &str) -> ApiResult<()> {
    match w.image_by_id(image_id) {
        Some(img) if img.visible(&ctx.caller.account_id, region) => {
            if img.status == "Available" {
                Ok(())
            } else {
                Err(ApiError::new(Code::OperationDeniedImageNotValid))
            }
        }
        _ => Err(ApiError::new(Code::InvalidImageIdNotFound)),
    }
}

/// A parsed DescribeImages request.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeImages {
    /// `ImageId` (comma list).
    ids: Vec<String>,
    /// `ImageOwnerAlias` (empty: system, self and others).
    aliases: Vec<String>,
    /// `Status` (comma list; default Available).
    statuses: Vec<String>,
    /// `ImageName`, matched as a substring.
    name: Option<String>,
    /// Exact-match filters: (image field, value).
    exact: Vec<(&'static str, String)>,
    /// Boolean filters: (image field, value).
    flags: Vec<(&'static str, bool)>,
    /// `ImageOwnerId`.
    owner: Option<String>,
    /// `Tag.N`: key and optional value.
    tags: Vec<(String, Option<String>)>,
    /// `CreationStartTime` / `CreationEndTime` filters (inclusive, compared as text).
    created: (Option<String>, Option<String>),
    /// `InstanceType`: only images of its architecture.
    instance_type: Option<String>,
    /// Page number.
    number: u64,
    /// Page size.
    size: u64,
    /// Check only.
    dry_run: bool,
}

fn comma_list(v: Option<&str>) -> Vec<String> {
    v.map(|v| {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

impl DescribeImages {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        let aliases = comma_list(p.non_empty("ImageOwnerAlias"));
        if aliases
            .iter()
            .any(|a| !["system", "self", "others", "marketplace"].contains(&a.as_str()))
        {
            return Err(ApiError::new(Code::InvalidImageOwnerAliasValueNotSupported));
        }
        let mut exact = Vec::new();
        for (param, allowed, code) in [
            ("OSType", &["linux", "windows"][..], Code::InvalidOsType),
            (
                "Architecture",
                &["i386", "x86_64", "arm64"][..],
                Code::InvalidArchitecture,
            ),
            ("Usage", &["instance", "none"][..], Code::InvalidUsage),
        ] {
            if let Some(v) = p.non_empty(param) {
                if !allowed.contains(&v) {
                    return Err(ApiError::new(code));
                }
                exact.push((param, v.to_string()));
            }
        }
        for param in ["ImageFamily", "ResourceGroupId"] {
            if let Some(v) = p.non_empty(param) {
                exact.push((param, v.to_string()));
            }
        }
        p.one_of("ActionType", &["CreateEcs", "ChangeOS"], || {
            ApiError::invalid_param("ActionType")
        })?;
        let mut flags = Vec::new();
        for param in ["IsPublic", "IsSupportIoOptimized", "IsSupportCloudinit"] {
            if let Some(v) = p.bool(param)? {
                flags.push((param, v));
            }
        }
        let mut created = (None, None);
        for n in 1.. {
            let Some(key) = p.get(&format!("Filter.{n}.Key")) else {
                if n > 2 {
                    break;
                }
                continue;
            };
            let value = p.get(&format!("Filter.{n}.Value")).unwrap_or_default();
            match key {
                "CreationStartTime" => created.0 = Some(value.to_string()),
                "CreationEndTime" => created.1 = Some(value.to_string()),
                "NetworkType" => {}
                _ => return Err(ApiError::new(Code::InvalidFilterKeyNotFound)),
            }
        }
        let statuses = match comma_list(p.non_empty("Status")) {
            s if s.is_empty() => vec!["Available".to_string()],
            s => s,
        };
        let (number, size) = page_numbers(p, 100, 10)?;
        Ok(DescribeImages {
            ids: comma_list(p.non_empty("ImageId")),
            aliases,
            statuses,
            name: p.non_empty("ImageName").map(str::to_string),
            exact,
            flags,
            owner: p.non_empty("ImageOwnerId").map(str::to_string),
            tags: p.tags()?,
            created,
            instance_type: p.non_empty("InstanceType").map(str::to_string),
            number,
            size,
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Whether `img` (visible to `account`) passes every filter.
    fn matches(&self, img: &Image, account: &str, arm: Option<bool>) -> bool {
        let alias = img.alias_for(account);
        let field = |name: &str| -> &str {
            match name {
                "OSType" => &img.os_type,
                "Architecture" => &img.architecture,
                "Usage" => &img.usage,
                "ImageFamily" => &img.image_family,
                _ => &img.resource_group_id,
            }
        };
        let flag = |name: &str| match name {
            "IsPublic" => img.is_public,
            "IsSupportIoOptimized" => img.is_support_io_optimized,
            _ => img.is_support_cloudinit,
        };
        let aliases_ok = if self.aliases.is_empty() {
            alias != "marketplace"
        } else {
            self.aliases.iter().any(|a| a == alias)
        };
        aliases_ok
            && (self.ids.is_empty() || self.ids.contains(&img.image_id))
            && self.statuses.contains(&img.status)
            && self
                .name
                .as_ref()
                .is_none_or(|n| img.image_name.contains(n.as_str()))
            && self.exact.iter().all(|(k, v)| field(k) == v)
            && self.flags.iter().all(|(k, v)| flag(k) == *v)
            && self.owner.as_ref().is_none_or(|o| *o == img.account_id)
            && crate::ecs::model::has_tags(&img.tags.tag, &self.tags)
            && self
                .created
                .0
                .as_ref()
                .is_none_or(|s| img.creation_time >= *s)
            && self
                .created
                .1
                .as_ref()
                .is_none_or(|e| img.creation_time <= *e)
            && arm.is_none_or(|arm| (img.architecture == "arm64") == arm)
    }

    /// Apply: `TotalCount`, `PageNumber`, `PageSize`, `Images.Image[]`, `RegionId`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = ctx.region.unwrap_or_default().to_string();
        w.region(&region)?;
        let arm = match &self.instance_type {
            None => None,
            Some(t) => {
                let t = w
                    .instance_type(t)
                    .ok_or_else(|| ApiError::new(Code::InvalidInstanceTypeValueNotSupported))?;
                Some(crate::ecs::instance_types::cpu_architecture(t) == "ARM")
            }
        };
        if self.dry_run {
            return Err(ApiError::new(Code::DryRunOperation));
        }
        let account = ctx.caller.account_id.as_str();
        let mut found: Vec<&Image> = w
            .images()
            .filter(|img| img.visible(account, &region) && self.matches(img, account, arm))
            .collect();
        // Newest first, as the console lists them.
        found.sort_by(|a, b| {
            b.creation_time
                .cmp(&a.creation_time)
                .then_with(|| a.image_id.cmp(&b.image_id))
        });
        let total = found.len() as u64;
        let page: Vec<Value> = page_of(found, self.number, self.size)
            .into_iter()
            .map(|img| img.to_wire(account))
            .collect();
        let mut reply = Reply::new();
        reply.insert("TotalCount".into(), json!(total));
        reply.insert("PageSize".into(), json!(self.size));
        reply.insert("PageNumber".into(), json!(self.number));
        reply.insert("Images".into(), json!({ "Image": page }));
        reply.insert("RegionId".into(), json!(region));
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_images_parse_in_the_wire_order() {
        let images = public_images();
        assert!(images.len() >= 8);
        for img in &images {
            assert_eq!(img.image_owner_alias, "system");
            assert!(img.is_public);
            assert!(STATUSES.contains(&img.status.as_str()));
            let v = img.to_wire("1");
            let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, crate::gateway::order::IMAGE, "{}", img.image_id);
        }
        assert!(images
            .iter()
            .any(|i| i.image_id == "aliyun_3_x64_20G_alibase_20250101.vhd"));
    }

    #[test]
    fn custom_images_are_self_to_their_owner_only() {
        let img = Image::implicit("m-1", "A", "cn-hangzhou", Default::default());
        assert!(img.visible("A", "cn-hangzhou"));
        assert!(!img.visible("B", "cn-hangzhou"));
        assert!(!img.visible("A", "cn-shanghai"));
        assert_eq!(img.alias_for("A"), "self");
        assert_eq!(img.to_wire("A")["IsSelfShared"], "False");
    }
}
