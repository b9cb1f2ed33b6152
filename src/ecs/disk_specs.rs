//! The disks RunInstances / CreateInstance give a new instance: `SystemDisk.*` and
//! up to 16 `DataDisk.N.*`, checked like CreateDisk's.

use crate::ecs::disk_actions::{
    check_data_size, name_and_description, performance_level, MAX_DISKS,
};
use crate::ecs::disk_model::{system_size_range, CATEGORIES};
use crate::ecs::ids::new_id;
use crate::ecs::model::{Disk, DiskStatus, DiskType};
use crate::ecs::Ctx;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// One disk a RunInstances request describes (`SystemDisk.*` or `DataDisk.N.*`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiskSpec {
    category: Option<String>,
    size: Option<u64>,
    performance_level: Option<String>,
    name: Option<String>,
    description: Option<String>,
    delete_with_instance: Option<bool>,
    encrypted: bool,
    kms_key_id: Option<String>,
    device: Option<String>,
}

impl DiskSpec {
    fn parse(p: &Params, prefix: &str) -> ApiResult<Self> {
        let key = |k: &str| format!("{prefix}.{k}");
        let size = match p.non_empty(&key("Size")) {
            None => None,
            Some(s) => Some(
                s.trim()
                    .parse::<u64>()
                    .map_err(|_| ApiError::invalid_param(&key("Size")))?,
            ),
        };
        let (name, description) = name_and_description(p, &key("DiskName"), &key("Description"))?;
        Ok(DiskSpec {
            category: p.non_empty(&key("Category")).map(str::to_string),
            size,
            performance_level: performance_level(p, &key("PerformanceLevel"))?,
            name,
            description,
            delete_with_instance: p.bool(&key("DeleteWithInstance"))?,
            encrypted: p.flag(&key("Encrypted"), false)?,
            kms_key_id: p.non_empty(&key("KMSKeyId")).map(str::to_string),
            device: p.non_empty(&key("Device")).map(str::to_string),
        })
    }

    /// A disk of this spec, boxing details only when something is set.
    fn disk(&self, id: String, disk_type: DiskType) -> Disk {
        let mut d = Disk::new(id, disk_type, DiskStatus::InUse);
        d.encrypted = self.encrypted;
        d.kms_key_id = self.kms_key_id.clone();
        let plain = DiskSpec {
            encrypted: self.encrypted,
            kms_key_id: self.kms_key_id.clone(),
            ..DiskSpec::default()
        };
        if *self != plain {
            let x = d.details_mut();
            x.category = self.category.clone();
            x.size = self.size;
            x.performance_level = self.performance_level.clone();
            x.disk_name = self.name.clone();
            x.description = self.description.clone();
            x.delete_with_instance = self.delete_with_instance;
            x.device = self.device.clone();
        }
        d
    }
}

/// The disks of a RunInstances / CreateInstance request: `SystemDisk.*` and up to 16
/// `DataDisk.N.*`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InstanceDisks {
    system: DiskSpec,
    data: Vec<DiskSpec>,
}

impl InstanceDisks {
    /// Parse and check: known categories, sizes within their ranges.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let system = DiskSpec::parse(p, "SystemDisk")?;
        if let Some(c) = &system.category {
            if !CATEGORIES.contains(&c.as_str()) {
                return Err(ApiError::new(Code::InvalidDiskCategoryValueNotSupported));
            }
        }
        if let Some(size) = system.size {
            let category = system.category.as_deref().unwrap_or("cloud_essd");
            let (min, max) = system_size_range(
                category,
                system.performance_level.as_deref().unwrap_or("PL1"),
            );
            if size < min || size > max {
                return Err(ApiError::invalid_param("SystemDisk.Size"));
            }
        }
        let mut numbers: Vec<u32> = p
            .pairs()
            .filter_map(|(k, _)| k.strip_prefix("DataDisk.")?.split_once('.')?.0.parse().ok())
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.len() > MAX_DISKS - 1 {
            return Err(ApiError::invalid_param("DataDisk"));
        }
        let mut data = Vec::with_capacity(numbers.len());
        for n in numbers {
            let spec = DiskSpec::parse(p, &format!("DataDisk.{n}"))?;
            let category = spec.category.as_deref().unwrap_or("cloud_essd");
            if !CATEGORIES.contains(&category) {
                return Err(ApiError::new(
                    Code::InvalidDataDiskCategoryValueNotSupported,
                ));
            }
            if let Some(size) = spec.size {
                check_data_size(category, spec.performance_level.as_deref(), size)?;
            }
            data.push(spec);
        }
        Ok(InstanceDisks { system, data })
    }

    /// The disks of a new instance in `region`: the system disk first (`In_use`).
    pub fn build(&self, ctx: &Ctx<'_>, region: &str) -> Vec<Disk> {
        let mut disks = Vec::with_capacity(1 + self.data.len());
        disks.push(
            self.system
                .disk(new_id(ctx.random, "d", region), DiskType::System),
        );
        for spec in &self.data {
            disks.push(spec.disk(new_id(ctx.random, "d", region), DiskType::Data));
        }
        disks
    }
}
