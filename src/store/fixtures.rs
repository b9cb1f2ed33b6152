//! Loading, merging and validating fixture documents.
//!
//! `--fixtures` names a JSON file or a folder whose `*.json` files are merged in name
//! order; without it the built-in `fixtures/default.json` is used. Every problem is
//! reported with the file, the entry and what is wrong, e.g.
//! `fixtures/x.json: Instances[2] (i-bp1…): ZoneId "cn-hangzhou-z" is not a zone of region cn-hangzhou`.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::ecs::catalog::{Account, Fixture, InstanceType, Region};
use crate::ecs::lifecycle;
use crate::ecs::model::DiskType;
use crate::ecs::model::Instance;

/// The built-in default fixtures.
pub const DEFAULT_FIXTURES: &str = include_str!("../../fixtures/default.json");

/// A fixture problem: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    /// The file (or `built-in default`, or `POST /_mock/state`).
    pub source: String,
    /// The entry, e.g. `Instances[2] (i-bp1…)`, or the JSON path of a parse error.
    pub entry: String,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.entry, self.problem)
    }
}

impl std::error::Error for FixtureError {}

fn err(source: &str, entry: impl Into<String>, problem: impl Into<String>) -> FixtureError {
    FixtureError {
        source: source.to_string(),
        entry: entry.into(),
        problem: problem.into(),
    }
}

/// Documents from this size on are read with [`split`](crate::store::split) first.
const SPLIT_FROM: usize = 1 << 20;

/// Text is checked as UTF-8 on several cores only when each core gets this much.
const UTF8_PER_CORE: usize = 1 << 20;

/// The cores a fixture is read on.
fn cores() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// Parse one document; a type error names its JSON path. Instances are read on every
/// core (a million pasted objects are most of a large document).
pub fn parse(source: &str, text: &str) -> Result<Fixture, FixtureError> {
    parse_on(source, text, cores(), SPLIT_FROM)
}

/// `bytes` as text, checked on `threads` cores from [`UTF8_PER_CORE`] bytes a core (which
/// also brings a mapped file's pages in on every core); an error is the one-core
/// check's.
fn utf8(bytes: &[u8], threads: usize) -> Result<&str, std::str::Utf8Error> {
    let span = bytes.len() / threads.max(1);
    if threads < 2 || span < UTF8_PER_CORE {
        return std::str::from_utf8(bytes);
    }
    // Cut where a character starts.
    let cut = |k: usize| {
        let mut at = (k * span).min(bytes.len());
        while at < bytes.len() && bytes[at] & 0xC0 == 0x80 {
            at += 1;
        }
        at
    };
    let cuts: Vec<usize> = (0..threads).map(cut).chain([bytes.len()]).collect();
    let valid = std::thread::scope(|scope| {
        let parts: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let part = &bytes[w[0]..w[1]];
                scope.spawn(move || std::str::from_utf8(part).is_ok())
            })
            .collect();
        parts.into_iter().all(|p| p.join().unwrap_or(false))
    });
    if !valid {
        return std::str::from_utf8(bytes);
    }
    // SAFETY: the pieces are valid UTF-8, and pieces of valid UTF-8 one after the other
    // are valid UTF-8.
    Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// [`parse`] on `threads` cores; a document of `split_from` bytes or more is first
/// read by [`split::read`](crate::store::split::read), which reads a well-formed one
/// without scanning it whole first (and gives up on anything else, read below).
fn parse_on(
    source: &str,
    text: &str,
    threads: usize,
    split_from: usize,
) -> Result<Fixture, FixtureError> {
    if text.len() >= split_from {
        let started = std::time::Instant::now();
        if let Some((instances, rest)) = crate::store::split::read(text, threads) {
            if let Ok(doc) = serde_json::from_str::<Doc<'_>>(&rest) {
                if doc.instances.is_empty() {
                    tracing::debug!(
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "instances read in pieces"
                    );
                    return Ok(doc.into_fixture(instances));
                }
            }
        }
        tracing::debug!("reading the document whole");
    }
    let path_error = |prefix: &str, e: serde_path_to_error::Error<serde_json::Error>| {
        let path = e.path().to_string();
        let entry = match (prefix, path.as_str()) {
            ("", ".") => "document".to_string(),
            ("", path) => path.to_string(),
            (prefix, ".") => prefix.to_string(),
            (prefix, path) => format!("{prefix}.{path}"),
        };
        err(source, entry, e.inner().to_string())
    };
    let de = &mut serde_json::Deserializer::from_str(text);
    let started = std::time::Instant::now();
    let doc: Doc<'_> = serde_path_to_error::deserialize(de).map_err(|e| path_error("", e))?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "document scanned"
    );
    let chunk = doc.instances.len().div_ceil(threads).max(1);
    let decoded: Vec<Result<Vec<Arc<Instance>>, FixtureError>> =
        std::thread::scope(|scope| {
            let workers: Vec<_> =
                doc.instances
                    .chunks(chunk)
                    .enumerate()
                    .map(|(n, raws)| {
                        let path_error = &path_error;
                        scope.spawn(move || {
                            raws.iter()
                                .enumerate()
                                .map(|(i, raw)| {
                                    let de = &mut serde_json::Deserializer::from_str(raw.get());
                                    serde_path_to_error::deserialize(de).map(Arc::new).map_err(
                                        |e| path_error(&format!("Instances[{}]", n * chunk + i), e),
                                    )
                                })
                                .collect()
                        })
                    })
                    .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("an instance reader panicked"))
                .collect()
        });
    let mut instances = Vec::with_capacity(doc.instances.len());
    for part in decoded {
        instances.extend(part?);
    }
    Ok(doc.into_fixture(instances))
}

/// A fixture document with its instances still as text (read on every core by
/// [`parse`]).
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Doc<'a> {
    #[serde(default)]
    accounts: Vec<Account>,
    #[serde(default)]
    regions: Vec<Region>,
    #[serde(default)]
    instance_types: Vec<InstanceType>,
    #[serde(default, borrow)]
    instances: Vec<&'a serde_json::value::RawValue>,
    #[serde(default)]
    key_pairs: Vec<crate::ecs::key_pairs::KeyPair>,
    images: Option<Vec<crate::ecs::images::Image>>,
    #[serde(default)]
    vpcs: Vec<crate::ecs::network::Vpc>,
    #[serde(default, rename = "VSwitches")]
    vswitches: Vec<crate::ecs::network::VSwitch>,
    #[serde(default)]
    security_groups: Vec<crate::ecs::network::SecurityGroup>,
    #[serde(default)]
    disks: Vec<crate::ecs::model::Disk>,
}

impl Doc<'_> {
    /// The document with its instances read.
    fn into_fixture(self, instances: Vec<Arc<Instance>>) -> Fixture {
        Fixture {
            accounts: self.accounts,
            regions: self.regions,
            instance_types: self.instance_types,
            instances,
            key_pairs: self.key_pairs,
            images: self.images,
            vpcs: self.vpcs,
            vswitches: self.vswitches,
            security_groups: self.security_groups,
            disks: self.disks,
        }
    }
}

/// Load `--fixtures`: a file, or a folder of `*.json` merged in name order.
pub fn load_path(path: &Path) -> Result<Fixture, FixtureError> {
    let name = path.display().to_string();
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| err(&name, "folder", e.to_string()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(err(&name, "folder", "contains no *.json file"));
        }
        let mut all = Fixture::default();
        for file in files {
            all.merge(load_file(&file)?);
        }
        complete(&mut all);
        validate(&name, &all)?;
        Ok(all)
    } else {
        let mut doc = load_file(path)?;
        let started = std::time::Instant::now();
        complete(&mut doc);
        validate(&name, &doc)?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "fixtures checked"
        );
        Ok(doc)
    }
}

fn load_file(path: &Path) -> Result<Fixture, FixtureError> {
    let name = path.display().to_string();
    let started = std::time::Instant::now();
    let file = std::fs::File::open(path).map_err(|e| err(&name, "file", e.to_string()))?;
    // SAFETY: the map is only read, and only while this function runs; a fixture file
    // changed by another process during those seconds is the one case it does not
    // cover (the same as any reader that maps its input).
    let map = unsafe { memmap2::MmapOptions::new().map(&file) }
        .map_err(|e| err(&name, "file", e.to_string()))?;
    let text =
        utf8(&map, cores()).map_err(|e| err(&name, "file", format!("not UTF-8 text: {e}")))?;
    let read_ms = started.elapsed().as_millis() as u64;
    let doc = parse(&name, text)?;
    tracing::debug!(
        file = %name,
        bytes = text.len(),
        read_ms,
        parse_ms = started.elapsed().as_millis() as u64 - read_ms,
        instances = doc.instances.len(),
        "fixture file read"
    );
    Ok(doc)
}

/// The built-in default fixtures.
pub fn default_fixture() -> Fixture {
    let mut f =
        parse("built-in default", DEFAULT_FIXTURES).expect("the built-in fixtures parse (tested)");
    complete(&mut f);
    f
}

/// Fill what a pasted DescribeInstances object lacks: an instance without `AccountId`
/// belongs to the first account; an instance type missing from the catalog is added
/// from the instance's own `Cpu` and `Memory` (MiB) fields when it has them.
pub fn complete(f: &mut Fixture) {
    crate::ecs::key_pairs::complete(f);
    if let Some(first) = f.accounts.first().map(|a| a.account_id.clone()) {
        for inst in f.instances.iter_mut().filter(|i| i.account_id.is_empty()) {
            Arc::make_mut(inst).account_id = first.as_str().into();
        }
        for d in &mut f.disks {
            let x = d.details_mut();
            if x.account_id.is_none() {
                x.account_id = Some(first.clone());
            }
        }
    }
    // What loading would otherwise change in each world built from the document (the
    // sequence number, the default name, a stopped mode that matches the status), done
    // once here so the worlds share the instances until they change them.
    for (seq, inst) in f.instances.iter_mut().enumerate() {
        // The sequence number a world built from the document gives it.
        if inst.seq != seq as u64 {
            Arc::make_mut(inst).seq = seq as u64;
        }
        if lifecycle::shape_needs_normalizing(inst) {
            lifecycle::normalize_shape(Arc::make_mut(inst));
        }
    }
    for inst in &f.instances {
        if f.instance_types
            .iter()
            .any(|t| t.instance_type_id == inst.instance_type)
        {
            continue;
        }
        let cpu = inst.extra.get("Cpu").and_then(|v| v.as_u64());
        let memory = inst.extra.get("Memory").and_then(|v| v.as_f64());
        if let (Some(cpu), Some(memory)) = (cpu, memory) {
            f.instance_types.push(InstanceType {
                instance_type_id: inst.instance_type.to_string(),
                cpu_core_count: cpu,
                memory_size: memory / 1024.0,
                ..InstanceType::default()
            });
        }
    }
}

/// A set of names with a fast hasher (checked once per instance).
type StrSet<'a> = crate::ecs::world::FastSet<&'a str>;

/// `Instances[i] (id)`: where an instance problem is, formatted only when reported.
#[derive(Clone, Copy)]
struct Entry<'a>(usize, &'a str);

impl From<Entry<'_>> for String {
    fn from(e: Entry<'_>) -> String {
        format!("Instances[{}] ({})", e.0, e.1)
    }
}

/// Images: unique ids, known statuses and aliases, owners and regions that exist.
fn validate_images(
    source: &str,
    f: &Fixture,
    accounts: &StrSet<'_>,
    regions: &HashSet<&str>,
) -> Result<(), FixtureError> {
    let mut ids = HashSet::new();
    for (i, img) in f.images.iter().flatten().enumerate() {
        let entry = format!("Images[{i}] ({})", img.image_id);
        let problem = if img.image_id.is_empty() || !ids.insert(img.image_id.as_str()) {
            "ImageId is empty or duplicated".to_string()
        } else if !crate::ecs::images::STATUSES.contains(&img.status.as_str()) {
            format!("Status {:?} is not an image status", img.status)
        } else if !["system", "self", "others", "marketplace"]
            .contains(&img.image_owner_alias.as_str())
        {
            format!(
                "ImageOwnerAlias {:?} is not system, self, others or marketplace",
                img.image_owner_alias
            )
        } else if !img.account_id.is_empty() && !accounts.contains(img.account_id.as_str()) {
            format!(
                "AccountId {:?} is not an account of the fixtures",
                img.account_id
            )
        } else if !img.region_id.is_empty() && !regions.contains(img.region_id.as_str()) {
            format!(
                "RegionId {:?} is not a region of the fixtures",
                img.region_id
            )
        } else {
            continue;
        };
        return Err(err(source, entry, problem));
    }
    Ok(())
}

/// Check cross references and uniqueness.
pub fn validate(source: &str, f: &Fixture) -> Result<(), FixtureError> {
    let mut types = HashSet::new();
    for (i, t) in f.instance_types.iter().enumerate() {
        let entry = format!("InstanceTypes[{i}] ({})", t.instance_type_id);
        if !types.insert(t.instance_type_id.as_str()) {
            return Err(err(source, entry, "duplicate InstanceTypeId"));
        }
        if t.cpu_core_count == 0 {
            return Err(err(source, entry, "CpuCoreCount must be at least 1"));
        }
    }
    let mut accounts = StrSet::default();
    let mut keys = HashSet::new();
    for (i, a) in f.accounts.iter().enumerate() {
        let entry = format!("Accounts[{i}] ({})", a.account_id);
        if a.account_id.is_empty() || !accounts.insert(a.account_id.as_str()) {
            return Err(err(source, entry, "AccountId is empty or duplicated"));
        }
        let all_keys = a
            .access_keys
            .iter()
            .chain(a.ram_users.iter().flat_map(|u| u.access_keys.iter()));
        for k in all_keys {
            if k.access_key_id.is_empty() || !keys.insert(k.access_key_id.as_str()) {
                return Err(err(
                    source,
                    entry,
                    format!("AccessKeyId {:?} is empty or used twice", k.access_key_id),
                ));
            }
        }
    }
    let mut regions = HashSet::new();
    let mut zones = HashSet::new();
    for (i, r) in f.regions.iter().enumerate() {
        let entry = format!("Regions[{i}] ({})", r.region_id);
        if !regions.insert(r.region_id.as_str()) {
            return Err(err(source, entry, "duplicate RegionId"));
        }
        for z in &r.zones {
            if !zones.insert(z.zone_id.as_str()) {
                return Err(err(
                    source,
                    entry,
                    format!("duplicate ZoneId {}", z.zone_id),
                ));
            }
            for t in z.stock.keys().chain(z.spot_prices.keys()) {
                if !types.contains(t.as_str()) {
                    return Err(err(
                        source,
                        entry,
                        format!(
                            "zone {} names instance type {t} that is not in InstanceTypes",
                            z.zone_id
                        ),
                    ));
                }
            }
        }
    }
    for (i, a) in f.accounts.iter().enumerate() {
        for q in &a.quotas {
            if !regions.contains(q.region_id.as_str()) {
                return Err(err(
                    source,
                    format!("Accounts[{i}] ({})", a.account_id),
                    format!("quota for unknown region {}", q.region_id),
                ));
            }
        }
    }
    crate::ecs::key_pairs::validate(f).map_err(|(entry, problem)| err(source, entry, problem))?;
    validate_images(source, f, &accounts, &regions)?;
    crate::ecs::network::validate(f).map_err(|(entry, problem)| err(source, entry, problem))?;
    validate_instances(source, f, &accounts, CHECK_APART_FROM)?;
    validate_disks(source, f)
}

/// Instances from this many on are checked on two cores: ids repeated on one, the rest
/// on the other.
const CHECK_APART_FROM: usize = 1 << 16;

/// Instances: the first problem in document order (per instance: the id's form, a
/// repeated id, then the rest), whichever core found it; on two cores from `apart_from`
/// instances.
fn validate_instances(
    source: &str,
    f: &Fixture,
    accounts: &StrSet<'_>,
    apart_from: usize,
) -> Result<(), FixtureError> {
    let problem = || {
        f.instances
            .iter()
            .enumerate()
            .find_map(|(i, inst)| instance_problem(source, f, accounts, i, inst).map(|p| (i, p)))
    };
    let repeat = || {
        let mut ids = StrSet::default();
        ids.reserve(f.instances.len());
        f.instances
            .iter()
            .position(|inst| !ids.insert(inst.instance_id.as_str()))
    };
    let (problem, repeat) = if f.instances.len() >= apart_from {
        std::thread::scope(|s| {
            let checking = s.spawn(problem);
            let repeat = repeat();
            (
                checking.join().expect("the instance check panicked"),
                repeat,
            )
        })
    } else {
        (problem(), repeat())
    };
    let repeated = |i: usize| {
        err(
            source,
            Entry(i, &f.instances[i].instance_id),
            "duplicate InstanceId",
        )
    };
    match (problem, repeat) {
        (Some((at, (form, _))), Some(r)) if r < at || (r == at && !form) => Err(repeated(r)),
        (Some((_, (_, e))), _) => Err(e),
        (None, Some(r)) => Err(repeated(r)),
        (None, None) => Ok(()),
    }
}

/// Instance `i`'s first problem other than a repeated id, and whether it is the id's
/// form (checked before repeats).
fn instance_problem(
    source: &str,
    f: &Fixture,
    accounts: &StrSet<'_>,
    i: usize,
    inst: &Instance,
) -> Option<(bool, FixtureError)> {
    // Written only when there is a problem to report.
    let entry = Entry(i, &inst.instance_id);
    if !inst.instance_id.starts_with("i-") || inst.instance_id.len() < 3 {
        let e = err(
            source,
            entry,
            "InstanceId must look like i-bp1xxxxxxxxxxxxxxxxx",
        );
        return Some((true, e));
    }
    let problem = |p: String| Some((false, err(source, entry, p)));
    if !accounts.contains(inst.account_id.as_str()) {
        return problem(format!(
            "AccountId {:?} is not an account of the fixtures",
            inst.account_id
        ));
    }
    let Some(region) = f.regions.iter().find(|r| r.region_id == inst.region_id) else {
        return problem(format!(
            "RegionId {:?} is not a region of the fixtures",
            inst.region_id
        ));
    };
    if region.zone(&inst.zone_id).is_none() {
        return problem(format!(
            "ZoneId {:?} is not a zone of region {}",
            inst.zone_id, inst.region_id
        ));
    }
    let Some(t) = f
        .instance_types
        .iter()
        .find(|t| t.instance_type_id == inst.instance_type)
    else {
        return problem(format!(
            "InstanceType {:?} is not in InstanceTypes",
            inst.instance_type
        ));
    };
    for (n, d) in inst.mock_disks.iter().enumerate() {
        // An instance has a handful of disks: a repeat is found by looking back.
        let repeated = inst.mock_disks[..n].iter().any(|e| e.disk_id == d.disk_id);
        if d.disk_id.is_empty() || repeated {
            return problem(format!(
                "MockDisks: DiskId {:?} is empty or duplicated",
                d.disk_id
            ));
        }
        if d.disk_type == DiskType::Local && !t.local_storage {
            return problem(format!(
                "MockDisks: local disk {} on {}, which has no local storage",
                d.disk_id, t.instance_type_id
            ));
        }
    }
    if inst.spot_price_limit < 0.0 {
        return problem("SpotPriceLimit must not be negative".to_string());
    }
    None
}

/// Standalone disks (`Disks`): unique ids, an account, a region and a zone of it.
fn validate_disks(source: &str, f: &Fixture) -> Result<(), FixtureError> {
    let mut ids = HashSet::new();
    for (i, d) in f.disks.iter().enumerate() {
        let entry = format!("Disks[{i}] ({})", d.disk_id);
        if d.disk_id.is_empty() || !ids.insert(d.disk_id.as_str()) {
            return Err(err(source, entry, "DiskId is empty or duplicated"));
        }
        if d.disk_type == DiskType::Local {
            return Err(err(source, entry, "a local disk cannot be standalone"));
        }
        let x = d.details();
        let account = x.and_then(|x| x.account_id.as_deref()).unwrap_or_default();
        if !f.accounts.iter().any(|a| a.account_id == account) {
            return Err(err(
                source,
                entry,
                format!("AccountId {account:?} is not an account"),
            ));
        }
        let region = x.and_then(|x| x.region_id.as_deref()).unwrap_or_default();
        let zone = x.and_then(|x| x.zone_id.as_deref()).unwrap_or_default();
        let Some(r) = f.regions.iter().find(|r| r.region_id == region) else {
            return Err(err(
                source,
                entry,
                format!("RegionId {region:?} is not a region"),
            ));
        };
        if r.zone(zone).is_none() {
            return Err(err(
                source,
                entry,
                format!("ZoneId {zone:?} is not a zone of region {region}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_error_names_its_index_whatever_core_read_it() {
        let instances: Vec<String> = (0..37)
            .map(|n| {
                let status = if n == 29 { "Flying" } else { "Running" };
                format!(
                    r#"{{"InstanceId":"i-{n}","RegionId":"cn-hangzhou","ZoneId":"cn-hangzhou-h","InstanceType":"ecs.g7.large","Status":"{status}"}}"#
                )
            })
            .collect();
        let text = format!(r#"{{"Instances":[{}]}}"#, instances.join(","));
        let e = parse("x.json", &text).unwrap_err();
        assert_eq!(e.entry, "Instances[29].Status");
        assert!(e.problem.contains("unknown variant `Flying`"), "{e}");
        let ok = text.replace("Flying", "Stopped");
        let f = parse("x.json", &ok).unwrap();
        let ids: Vec<&str> = f.instances.iter().map(|i| i.instance_id.as_str()).collect();
        assert_eq!(ids, (0..37).map(|n| format!("i-{n}")).collect::<Vec<_>>());
    }

    #[test]
    fn a_document_read_in_pieces_is_the_document_read_whole() {
        let f = default_fixture();
        let mut big = f.clone();
        big.instances = (0..60)
            .flat_map(|_| f.instances.iter().cloned())
            .enumerate()
            .map(|(n, i)| {
                let mut i = (*i).clone();
                i.instance_id = format!("i-{n}").as_str().into();
                Arc::new(i)
            })
            .collect();
        let text = serde_json::to_string_pretty(&big).unwrap();
        let whole = parse_on("x.json", &text, 3, usize::MAX).unwrap();
        for threads in [1, 2, 3, 8] {
            let pieces = parse_on("x.json", &text, threads, 0).unwrap();
            assert_eq!(pieces, whole, "{threads} threads");
        }
        // Errors are the whole reader's, with their place.
        let at = text.rfind("\"Status\": \"Stopped\"").unwrap();
        let bad = format!("{}\"Status\": 7{}", &text[..at], &text[at + 19..]);
        let e = parse_on("x.json", &bad, 3, 0).unwrap_err();
        assert_eq!(e, parse_on("x.json", &bad, 3, usize::MAX).unwrap_err());
        assert!(e.entry.starts_with("Instances["), "{e}");
        // Whatever follows the document is read as the whole reader reads it.
        let odd = format!("{text}x");
        assert_eq!(
            parse_on("x.json", &odd, 3, 0),
            parse_on("x.json", &odd, 3, usize::MAX)
        );
    }

    #[test]
    fn text_checked_on_every_core_is_text_checked_on_one() {
        let text = "ab\u{4f4d}\u{1F600}c".repeat(UTF8_PER_CORE / 4);
        for threads in [1, 2, 3, 8] {
            assert_eq!(utf8(text.as_bytes(), threads), Ok(text.as_str()));
            for at in [0, 1, text.len() / 3 + 1, text.len() - 1] {
                let mut bad = text.clone().into_bytes();
                bad[at] = 0xFF;
                assert_eq!(utf8(&bad, threads), std::str::from_utf8(&bad), "{at}");
            }
        }
    }

    #[test]
    fn instance_checks_on_two_cores_report_what_one_core_reports() {
        let f = default_fixture();
        let accounts: StrSet<'_> = f.accounts.iter().map(|a| a.account_id.as_str()).collect();
        let cases: [&[(usize, &str, &str)]; 6] = [
            &[],
            &[(5, "id", "i-x"), (6, "id", "i-x"), (3, "zone", "z")],
            &[(1, "id", "i-x"), (3, "id", "i-x"), (5, "zone", "z")],
            &[(2, "id", "x"), (4, "id", "x")],
            &[(1, "id", "i-x"), (4, "id", "i-x"), (4, "zone", "z")],
            &[
                (4, "id", "x"),
                (4, "zone", "z"),
                (7, "id", "i-y"),
                (2, "id", "i-y"),
            ],
        ];
        let want = [
            None,
            Some("Instances[3] (i-"),
            Some("Instances[3] (i-x): duplicate"),
            Some("Instances[2] (x): InstanceId must"),
            Some("Instances[4] (i-x): duplicate"),
            Some("Instances[4] (x): InstanceId must"),
        ];
        for (changes, want) in cases.iter().zip(want) {
            let mut g = f.clone();
            for &(i, what, value) in *changes {
                let inst = Arc::make_mut(&mut g.instances[i]);
                match what {
                    "id" => inst.instance_id = value.into(),
                    _ => inst.zone_id = value.into(),
                }
            }
            let one = validate_instances("x.json", &g, &accounts, usize::MAX);
            assert_eq!(validate_instances("x.json", &g, &accounts, 0), one);
            let got = one.err().map(|e| format!("{}: {}", e.entry, e.problem));
            match want {
                None => assert_eq!(got, None),
                Some(w) => assert!(got.as_deref().unwrap_or("").starts_with(w), "{got:?}"),
            }
        }
    }

    #[test]
    fn default_fixtures_are_valid() {
        let f = default_fixture();
        validate("default", &f).unwrap();
        assert!(f.instances.len() >= 20);
    }

    #[test]
    fn every_file_in_fixtures_folder_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "json") {
                load_path(&path).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }

    #[test]
    fn a_pasted_describe_instances_object_loads() {
        // The shape SDKs parse (a captured real DescribeInstances example), as is:
        // no AccountId, a type (ecs.g6.large) the catalog lacks.
        let pasted = r#"{"InstanceId": "i-test", "Status": "Running", "RegionId": "cn-hangzhou",
            "ZoneId": "cn-hangzhou-i", "InstanceType": "ecs.g6.large", "InstanceChargeType": "PostPaid",
            "ExpiredTime": "2099-12-31T15:59Z", "CreationTime": "2024-01-01T00:00Z", "StartTime": "2024-01-01T00:01Z",
            "Cpu": 2, "Memory": 8192, "InstanceName": "web", "StoppedMode": "Not-applicable",
            "SpotStrategy": "NoSpot", "SpotPriceLimit": 0.0, "OperationLocks": {"LockReason": []},
            "Tags": {"Tag": [{"TagKey": "env", "TagValue": "dev"}]},
            "VpcAttributes": {"VpcId": "vpc-1", "VSwitchId": "vsw-1", "NatIpAddress": "", "PrivateIpAddress": {"IpAddress": ["172.16.0.10"]}}}"#;
        let mut f = default_fixture();
        f.instances = vec![serde_json::from_str(pasted).unwrap()];
        complete(&mut f);
        validate("pasted", &f).unwrap();
        assert_eq!(f.instances[0].account_id, f.accounts[0].account_id);
        let t = f
            .instance_types
            .iter()
            .find(|t| t.instance_type_id == "ecs.g6.large")
            .unwrap();
        assert_eq!((t.cpu_core_count, t.memory_size), (2, 8.0));
    }

    #[test]
    fn errors_name_file_entry_and_problem() {
        let e = parse("x.json", r#"{"Instances":[{"InstanceId":"i-1","AccountId":"1","RegionId":"r","ZoneId":"z","InstanceType":"t","Status":"running"}]}"#).unwrap_err();
        assert_eq!(e.source, "x.json");
        assert_eq!(e.entry, "Instances[0].Status");
        assert!(
            e.problem.contains("unknown variant `running`"),
            "{}",
            e.problem
        );

        let mut f = default_fixture();
        Arc::make_mut(&mut f.instances[0]).zone_id = "cn-hangzhou-z".into();
        let e = validate("y.json", &f).unwrap_err();
        assert_eq!(e.to_string(), format!("y.json: Instances[0] ({}): ZoneId \"cn-hangzhou-z\" is not a zone of region cn-hangzhou", f.instances[0].instance_id));

        let e = parse("z.json", r#"{"Acounts":[]}"#).unwrap_err();
        assert!(e.problem.contains("unknown field `Acounts`"), "{e}");
    }
}
