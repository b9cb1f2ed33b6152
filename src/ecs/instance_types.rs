//! DescribeInstanceTypes and DescribeInstanceTypeFamilies, from the world's type catalog.
//!
//! A catalog entry needs only its id, vCPUs and memory; every other field the SDK models
//! know is derived when the fixture does not give it: the family from the id
//! (`ecs.g7.large` → `ecs.g7`), the category and level from the family's letters, the
//! network limits from the vCPUs (scaled like the g7 family, whose `ecs.g7.xlarge` is the
//! captured reference). The object has the captured 36 keys (38 with local disks).
//!
//! DescribeInstanceTypes pages with `MaxResults` (default and maximum 1600) and an opaque
//! `NextToken` (the hex of the next type id), `""` on the last page. `Minimum<Field>` and
//! `Maximum<Field>` bound any numeric field of the object (absent fields count as 0).

use serde_json::{json, Map, Value};

use crate::ecs::catalog::InstanceType;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// The family's letters and generation: `ecs.g7` → (`g`, 7), `ecs.t6-c1m1` → (`t`, 6),
/// `ecs.g8y` → (`gy`, 8).
fn letters_and_generation(family: &str) -> (String, u32) {
    let name = family.trim_start_matches("ecs.");
    let name = name.split('-').next().unwrap_or(name);
    let letters: String = name.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let digits: String = name.chars().filter(|c| c.is_ascii_digit()).collect();
    (letters, digits.parse().unwrap_or(0))
}

/// `X86`, or `ARM` for the `y` families (g8y, c8y, r8y).
pub fn cpu_architecture(t: &InstanceType) -> String {
    if let Some(a) = &t.cpu_architecture {
        return a.clone();
    }
    let (letters, generation) = letters_and_generation(&t.family());
    if generation >= 6 && letters.len() > 1 && letters.ends_with('y') {
        "ARM".into()
    } else {
        "X86".into()
    }
}

/// The generation DescribeInstanceTypeFamilies shows: 5th-generation families are
/// `ecs-4`, 6th `ecs-5`, 7th and later `ecs-6`, older ones `ecs-3`.
pub fn generation(family: &str) -> String {
    let (_, n) = letters_and_generation(family);
    format!("ecs-{}", n.saturating_sub(1).clamp(3, 6))
}

fn category(letters: &str, t: &InstanceType) -> &'static str {
    if t.gpu_amount > 0 {
        return "Compute-optimized with GPU";
    }
    match letters.trim_end_matches(['y', 'i', 'a', 'e', 'n']) {
        "c" | "ic" => "Compute-optimized",
        "r" | "re" => "Memory-optimized",
        "d" => "Big data",
        "i" => "Local SSDs",
        "hfc" | "hfg" | "hfr" => "High Clock Speed",
        "t" | "s" | "xn" | "n" | "mn" | "sn" | "e" => "Shared",
        _ if letters.starts_with('d') => "Big data",
        _ if letters.starts_with('i') => "Local SSDs",
        _ => "General-purpose",
    }
}

fn level(letters: &str) -> &'static str {
    match letters {
        "t" => "CreditEntryLevel",
        "s" | "xn" | "n" | "mn" | "sn" | "e" => "EntryLevel",
        _ => "EnterpriseLevel",
    }
}

fn processor(generation: u32, arm: bool) -> (&'static str, f64, f64) {
    match (generation, arm) {
        (_, true) => ("Yitian 710", 2.75, 2.75),
        (0..=5, _) => ("Intel Xeon(Skylake) Platinum 8163", 2.5, 2.7),
        (6, _) => ("Intel Xeon(Cascade Lake) Platinum 8269CY", 2.5, 3.2),
        (7, _) => ("Intel Xeon (Ice Lake) Platinum 8369B", 2.7, 3.5),
        _ => ("Intel Xeon (Sapphire Rapids) Platinum 8475B", 2.7, 3.2),
    }
}

/// A JSON number: an integer when whole (`16`), else a float (`0.5`).
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

/// The DescribeInstanceTypes object of a catalog type (inserted in the captured order).
pub fn render(t: &InstanceType) -> Map<String, Value> {
    let fam = t.family();
    let (letters, gen) = letters_and_generation(&fam);
    let vcpu = t.cpu_core_count.max(1);
    let arch = cpu_architecture(t);
    let (model, speed, turbo) = processor(gen, arch == "ARM");
    let shared = level(&letters) != "EnterpriseLevel";
    let eni = t.eni_quantity.unwrap_or(match vcpu {
        0..=2 => 3,
        3..=8 => 4,
        9..=16 => 8,
        _ => 15,
    });
    let ips = if vcpu <= 2 {
        6
    } else if vcpu <= 16 {
        15
    } else {
        20
    };
    let queues = t.primary_eni_queue_number.unwrap_or(vcpu.min(32));
    let bandwidth = (vcpu * 768_000).clamp(1_024_000, 64_000_000);
    let pps = (300_000 + vcpu * 200_000).min(24_000_000);
    let local = t.local_storage || t.local_storage_amount > 0;
    let local_category = t.local_storage_category.clone().unwrap_or_else(|| {
        match (local, letters.starts_with('d')) {
            (false, _) => String::new(),
            (true, true) => "local_hdd_pro".into(),
            (true, false) => "local_ssd_pro".into(),
        }
    });
    let threads = if vcpu >= 2 { 2 } else { 1 };
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("InstancePpsTx", json!(t.instance_pps_tx.unwrap_or(pps)));
    put(
        "NvmeSupport",
        json!(t.nvme_support.clone().unwrap_or_else(|| if gen >= 8 {
            "required".into()
        } else {
            "unsupported".into()
        })),
    );
    put("PrimaryEniQueueNumber", json!(queues));
    put(
        "TotalEniQueueQuantity",
        json!(t.total_eni_queue_quantity.unwrap_or(queues * eni)),
    );
    if local {
        put("LocalStorageCapacity", json!(t.local_storage_capacity));
    }
    put(
        "EniTrunkSupported",
        json!(t.eni_trunk_supported.unwrap_or(!shared)),
    );
    put("InstanceTypeFamily", json!(fam));
    put("InstancePpsRx", json!(t.instance_pps_rx.unwrap_or(pps)));
    put(
        "NetworkEncryptionSupport",
        json!(t.network_encryption_support.unwrap_or(false)),
    );
    put("EriQuantity", json!(t.eri_quantity.unwrap_or(0)));
    put(
        "InstanceBandwidthRx",
        json!(t.instance_bandwidth_rx.unwrap_or(bandwidth)),
    );
    put("Clock", json!({}));
    put("EnhancedNetwork", json!({}));
    put(
        "InstanceBandwidthTx",
        json!(t.instance_bandwidth_tx.unwrap_or(bandwidth)),
    );
    if local {
        put("LocalStorageAmount", json!(t.local_storage_amount));
    }
    put(
        "SecondaryEniQueueNumber",
        json!(t.secondary_eni_queue_number.unwrap_or(queues)),
    );
    put(
        "PhysicalProcessorModel",
        json!(t.physical_processor_model.as_deref().unwrap_or(model)),
    );
    put("LocalStorageCategory", json!(local_category));
    put("GPUSpec", json!(t.gpu_spec.clone().unwrap_or_default()));
    put("CpuArchitecture", json!(arch));
    put("InstanceTypeId", json!(t.instance_type_id));
    put(
        "SupportedBootModes",
        json!({"SupportedBootMode": if arch == "ARM" { vec!["UEFI"] } else { vec!["BIOS", "UEFI"] }}),
    );
    put("MemorySize", number(t.memory_size));
    put(
        "MaximumQueueNumberPerEni",
        json!(t.maximum_queue_number_per_eni.unwrap_or(queues)),
    );
    put(
        "EniIpv6AddressQuantity",
        json!(t.eni_ipv6_address_quantity.unwrap_or(ips)),
    );
    put(
        "EniTotalQuantity",
        json!(t.eni_total_quantity.unwrap_or(eni * 5)),
    );
    put("CpuCoreCount", json!(t.cpu_core_count));
    put("NetworkInfo", json!({"BandwidthWeighting": {}}));
    put(
        "CpuOptions",
        json!({
            "SupportedTopologyTypes": {"SupportedTopologyType": ["ContinuousCoreToHTMapping", "DiscreteCoreToHTMapping"]},
            "CoreFactor": threads,
            "ThreadsPerCore": threads,
            "HyperThreadingAdjustable": threads > 1,
            "Core": vcpu / threads,
        }),
    );
    put(
        "InstanceCategory",
        json!(t
            .instance_category
            .as_deref()
            .unwrap_or_else(|| category(&letters, t))),
    );
    put("EniQuantity", json!(eni));
    put("GPUAmount", json!(t.gpu_amount));
    if let Some(g) = t.gpu_memory_size {
        put("GPUMemorySize", number(g));
    }
    put("DiskQuantity", json!(t.disk_quantity.unwrap_or(17)));
    put(
        "CpuSpeedFrequency",
        number(t.cpu_speed_frequency.unwrap_or(speed)),
    );
    put(
        "InstanceFamilyLevel",
        json!(t
            .instance_family_level
            .as_deref()
            .unwrap_or_else(|| level(&letters))),
    );
    put(
        "JumboFrameSupport",
        json!(t.jumbo_frame_support.unwrap_or(!shared && gen >= 7)),
    );
    put(
        "CpuTurboFrequency",
        number(t.cpu_turbo_frequency.unwrap_or(turbo)),
    );
    put(
        "EniPrivateIpAddressQuantity",
        json!(t.eni_private_ip_address_quantity.unwrap_or(ips)),
    );
    m
}

/// A parsed DescribeInstanceTypes request.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeInstanceTypes {
    /// `InstanceTypes.N`.
    ids: Vec<String>,
    /// `InstanceTypeFamily` and `InstanceTypeFamilies.N`.
    families: Vec<String>,
    /// String fields matched exactly, each against any of the values.
    exact: Vec<(&'static str, Vec<String>)>,
    /// `GPUSpec`, matched as a substring.
    gpu_spec: Option<String>,
    /// `Minimum<Field>` / `Maximum<Field>`: (field, bound, is minimum).
    bounds: Vec<(String, f64, bool)>,
    /// Resume after this type id.
    from: Option<String>,
    /// Page size.
    max: usize,
}

/// Scalar filters of DescribeInstanceTypes: parameter, its repeat-list form, field.
const EXACT: [(&str, &str, &str); 5] = [
    ("CpuArchitecture", "CpuArchitectures", "CpuArchitecture"),
    ("InstanceCategory", "InstanceCategories", "InstanceCategory"),
    ("InstanceFamilyLevel", "", "InstanceFamilyLevel"),
    ("NvmeSupport", "", "NvmeSupport"),
    ("", "LocalStorageCategories", "LocalStorageCategory"),
];

impl DescribeInstanceTypes {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let ids = p.repeat("InstanceTypes");
        let mut families = p.repeat("InstanceTypeFamilies");
        if let Some(f) = p.non_empty("InstanceTypeFamily") {
            families.push(f.to_string());
        }
        let mut exact = Vec::new();
        for (one, many, field) in EXACT {
            let mut values = if many.is_empty() {
                Vec::new()
            } else {
                p.repeat(many)
            };
            if let Some(v) = (!one.is_empty()).then(|| p.non_empty(one)).flatten() {
                values.push(v.to_string());
            }
            if !values.is_empty() {
                exact.push((field, values));
            }
        }
        let processors = p.repeat("PhysicalProcessorModels");
        if !processors.is_empty() {
            exact.push(("PhysicalProcessorModel", processors));
        }
        let mut bounds = Vec::new();
        for (name, _) in p.pairs() {
            let (field, min) = match (name.strip_prefix("Minimum"), name.strip_prefix("Maximum")) {
                (Some(f), _) => (f, true),
                (_, Some(f)) => (f, false),
                _ => continue,
            };
            if let Some(v) = p.float(name)? {
                bounds.push((field.to_string(), v, min));
            }
        }
        let from = match p.non_empty("NextToken") {
            None => None,
            Some(t) => Some(decode_token(t).ok_or_else(|| ApiError::new(Code::InvalidNextToken))?),
        };
        Ok(DescribeInstanceTypes {
            ids,
            families,
            exact,
            gpu_spec: p.non_empty("GPUSpec").map(str::to_string),
            bounds,
            from,
            max: p.int_in("MaxResults", 1, 1600)?.unwrap_or(1600) as usize,
        })
    }

    fn matches(&self, obj: &Map<String, Value>) -> bool {
        let text = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or_default();
        (self.ids.is_empty() || self.ids.iter().any(|i| i == text("InstanceTypeId")))
            && (self.families.is_empty()
                || self
                    .families
                    .iter()
                    .any(|f| f == text("InstanceTypeFamily")))
            && self
                .exact
                .iter()
                .all(|(k, vs)| vs.iter().any(|v| v.eq_ignore_ascii_case(text(k))))
            && self
                .gpu_spec
                .as_ref()
                .is_none_or(|g| text("GPUSpec").contains(g.as_str()))
            && self.bounds.iter().all(|(k, bound, min)| {
                let v = obj.get(k).and_then(Value::as_f64).unwrap_or(0.0);
                if *min {
                    v >= *bound
                } else {
                    v <= *bound
                }
            })
    }

    /// Apply: `NextToken`, `InstanceTypes.InstanceType[]`.
    pub fn apply(self, w: &mut World, _ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let mut page = Vec::new();
        let mut next = String::new();
        for t in w.instance_types() {
            if self
                .from
                .as_ref()
                .is_some_and(|f| t.instance_type_id.as_str() < f.as_str())
            {
                continue;
            }
            let obj = render(t);
            if !self.matches(&obj) {
                continue;
            }
            if page.len() == self.max {
                next = encode_token(&t.instance_type_id);
                break;
            }
            page.push(Value::Object(obj));
        }
        let mut reply = Reply::new();
        reply.insert("NextToken".into(), json!(next));
        reply.insert("InstanceTypes".into(), json!({ "InstanceType": page }));
        Ok(reply)
    }
}

fn encode_token(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_token(token: &str) -> Option<String> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// A parsed DescribeInstanceTypeFamilies request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeInstanceTypeFamilies {
    /// `Generation` filter.
    generation: Option<String>,
}

impl DescribeInstanceTypeFamilies {
    /// Parse the parameters.
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        Ok(DescribeInstanceTypeFamilies {
            generation: p.non_empty("Generation").map(str::to_string),
        })
    }

    /// Apply: the families of the types the region's zones sell (in their stock table),
    /// with their generation.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let region = w.region(ctx.region.unwrap_or_default())?;
        let mut families: Vec<String> = region
            .zones
            .iter()
            .flat_map(|z| z.stock.keys())
            .filter_map(|t| w.instance_type(t).map(InstanceType::family))
            .collect();
        families.sort();
        families.dedup();
        let list: Vec<Value> = families
            .into_iter()
            .map(|f| (generation(&f), f))
            .filter(|(g, _)| self.generation.as_ref().is_none_or(|want| want == g))
            .map(|(g, f)| json!({"InstanceTypeFamilyId": f, "Generation": g}))
            .collect();
        let mut reply = Reply::new();
        reply.insert(
            "InstanceTypeFamilies".into(),
            json!({ "InstanceTypeFamily": list }),
        );
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g7_xlarge() -> InstanceType {
        InstanceType {
            instance_type_id: "ecs.g7.xlarge".into(),
            cpu_core_count: 4,
            memory_size: 16.0,
            ..InstanceType::default()
        }
    }

    #[test]
    fn g7_xlarge_looks_like_the_capture() {
        let m = render(&g7_xlarge());
        assert_eq!(m.len(), 36);
        let expect = json!({
            "InstancePpsTx": 1100000, "NvmeSupport": "unsupported", "PrimaryEniQueueNumber": 4,
            "TotalEniQueueQuantity": 16, "EniTrunkSupported": true, "InstanceTypeFamily": "ecs.g7",
            "InstanceBandwidthRx": 3072000, "PhysicalProcessorModel": "Intel Xeon (Ice Lake) Platinum 8369B",
            "CpuArchitecture": "X86", "MemorySize": 16, "EniTotalQuantity": 20, "CpuCoreCount": 4,
            "InstanceCategory": "General-purpose", "EniQuantity": 4, "DiskQuantity": 17,
            "CpuSpeedFrequency": 2.7, "InstanceFamilyLevel": "EnterpriseLevel", "JumboFrameSupport": true,
            "CpuTurboFrequency": 3.5, "EniPrivateIpAddressQuantity": 15, "EniIpv6AddressQuantity": 15,
        });
        for (k, v) in expect.as_object().unwrap() {
            assert_eq!(&m[k], v, "{k}");
        }
        assert_eq!(m["CpuOptions"]["Core"], 2);
    }

    #[test]
    fn families_and_generations() {
        assert_eq!(generation("ecs.g7"), "ecs-6");
        assert_eq!(generation("ecs.g6"), "ecs-5");
        assert_eq!(generation("ecs.g5"), "ecs-4");
        assert_eq!(generation("ecs.t6-c1m1"), "ecs-5");
        assert_eq!(generation("ecs.d1ne"), "ecs-3");
        let mut t = g7_xlarge();
        t.instance_type_id = "ecs.t6-c1m1.large".into();
        let m = render(&t);
        assert_eq!(m["InstanceFamilyLevel"], "CreditEntryLevel");
        assert_eq!(m["InstanceCategory"], "Shared");
        t.instance_type_id = "ecs.g8y.large".into();
        assert_eq!(cpu_architecture(&t), "ARM");
    }

    #[test]
    fn tokens_round_trip() {
        assert_eq!(
            decode_token(&encode_token("ecs.g7.large")).as_deref(),
            Some("ecs.g7.large")
        );
        assert_eq!(decode_token("zz"), None);
    }
}
