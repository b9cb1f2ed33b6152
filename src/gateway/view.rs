//! How instances look in responses: the DescribeInstances `Instance` object and the
//! DescribeInstanceAttribute body, with the real service's keys, values and order.
//!
//! The `Instance` object is built in the captured key order
//! ([`INSTANCE`]), one key at a time: the live value
//! when the emulator owns the field (status, times, locks, type-derived sizes …), else
//! the value the fixture or RunInstances stored in `extra`, else the real service's
//! default for an instance without it. Optional keys (`Tags`, `KeyPairName`,
//! `LocalStorage*`, `PrivateDnsNameOptions`) are left out when they do not apply, as the
//! real service does; fields the model does not know are appended and put in their
//! slot by the renderer.
//!
//! [`InstanceView`] and [`AttributeView`] serialize straight into the output (JSON or
//! XML) in that order, without building an intermediate map; only an instance that
//! carries fields the model does not know takes the slower path through a map that the
//! key-order rule arranges.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::clock::{format_ecs, format_ecs_seconds};
use crate::ecs::catalog::InstanceType;
use crate::ecs::lifecycle::expired_time_text;
use crate::ecs::model::{EcsTime, Instance, OperationLocks};
use crate::ecs::shapes::DEFAULTS;
use crate::ecs::stored::{Fragment, StoredKey};
use crate::ecs::{Answer, InstancePage, PageEntry, Reply, StatusPage};
use crate::gateway::order::{self, INSTANCE, INSTANCE_ATTRIBUTE};

/// Each `Instance` key's position in the captured order, for one-pass lookups.
static POSITION: LazyLock<HashMap<&'static str, usize>> =
    LazyLock::new(|| INSTANCE.iter().enumerate().map(|(i, k)| (*k, i)).collect());

/// Keys of the `Instance` object that ecs-mock decides on (everything in the captured
/// list); a stored key outside it is a field the model does not know and is echoed.
static KNOWN: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| INSTANCE.iter().chain(&NEVER_SHOWN).copied().collect());

/// Keys the API reference lists for an instance that no real response carries; a pasted
/// body that has them (SDK-model dumps do) renders without them. `UserData` is stored
/// with the instance (RunInstances, ModifyInstanceAttribute) and shown only by
/// DescribeUserData, as the real service does.
const NEVER_SHOWN: [&str; 5] = [
    "HpcClusterId",
    "RdmaIpAddress",
    "SpotDuration",
    "SpotInterruptionBehavior",
    "UserData",
];

/// One value of a response object, borrowed from the state where it can be.
enum Field<'a> {
    Str(&'a str),
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A default value.
    Stored(&'a Value),
    Owned(Value),
    /// A stored field's JSON text.
    Raw(&'a str),
    Locks(&'a OperationLocks),
    /// `OperationLocks` with `LockReason` only (DescribeInstanceAttribute).
    LockReasons(&'a OperationLocks),
    Tags(&'a crate::ecs::model::Tags),
    EmptyObject,
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Str(v) => s.serialize_str(v),
            Field::Text(v) => s.serialize_str(v),
            Field::Int(v) => s.serialize_i64(*v),
            Field::Float(v) => s.serialize_f64(*v),
            Field::Bool(v) => s.serialize_bool(*v),
            Field::Stored(v) => v.serialize(s),
            Field::Owned(v) => v.serialize(s),
            Field::Raw(text) => Fragment(text).serialize(s),
            Field::Locks(locks) => locks.serialize(s),
            Field::LockReasons(locks) => {
                #[derive(Serialize)]
                #[serde(rename_all = "PascalCase")]
                struct Reason<'a> {
                    lock_reason: &'a str,
                }
                #[derive(Serialize)]
                #[serde(rename_all = "PascalCase")]
                struct Reasons<'a> {
                    lock_reason: Vec<Reason<'a>>,
                }
                Reasons {
                    lock_reason: locks
                        .lock_reason
                        .iter()
                        .map(|l| Reason {
                            lock_reason: &l.lock_reason,
                        })
                        .collect(),
                }
                .serialize(s)
            }
            Field::Tags(tags) => tags.serialize(s),
            Field::EmptyObject => s.serialize_map(Some(0))?.end(),
        }
    }
}

/// The stored JSON text of each captured key (by position), and whether the instance
/// carries keys the model does not know.
fn stored_by_position(inst: &Instance) -> ([Option<Cow<'_, str>>; INSTANCE_KEYS], bool) {
    let mut stored = [const { None }; INSTANCE_KEYS];
    let mut unknown = false;
    // Stored fields are kept in the captured order: one walk finds them all.
    for (key, text) in inst.extra.iter() {
        match key {
            StoredKey::Known(i) => stored[i] = Some(text),
            StoredKey::Other(name) => unknown |= !NEVER_SHOWN.contains(&name),
        }
    }
    (stored, unknown)
}

/// How many keys the captured `Instance` has (optional ones included).
const INSTANCE_KEYS: usize = 59;
const _: () = assert!(INSTANCE.len() == INSTANCE_KEYS);

/// The DescribeInstances `Instance` object, serialized straight into the output.
pub struct InstanceView<'a> {
    /// The instance.
    pub inst: &'a Instance,
    /// Its catalog type, when known.
    pub itype: Option<&'a InstanceType>,
}

impl Serialize for InstanceView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (stored, unknown) = stored_by_position(self.inst);
        if unknown {
            // Fields the model does not know: place them by the key-order rule.
            return Value::Object(instance_json(self.itype, self.inst)).serialize(s);
        }
        let mut m = s.serialize_map(None)?;
        for (key, stored) in INSTANCE.iter().zip(&stored) {
            if let Some(value) = instance_field(key, self.itype, self.inst, stored.as_deref()) {
                m.serialize_entry(key, &value)?;
            }
        }
        m.end()
    }
}

/// The DescribeInstances `Instance` object as a map (for callers that need one, and for
/// instances with fields the model does not know, arranged by the key-order rule).
pub fn instance_json(itype: Option<&InstanceType>, inst: &Instance) -> Map<String, Value> {
    let (stored, _) = stored_by_position(inst);
    let mut out = Map::with_capacity(INSTANCE.len() + 2);
    for (key, stored) in INSTANCE.iter().zip(&stored) {
        if let Some(value) = instance_field(key, itype, inst, stored.as_deref()) {
            let value = serde_json::to_value(&value).unwrap_or_default();
            out.insert((*key).to_string(), value);
        }
    }
    for (key, text) in inst.extra.iter() {
        if let StoredKey::Other(name) = key {
            if !KNOWN.contains(name) {
                let value = serde_json::from_str(&text).unwrap_or(Value::Null);
                out.insert(name.to_string(), value);
            }
        }
    }
    order::arrange_map(&mut out, order::Kind::Instance);
    out
}

fn time(t: Option<EcsTime>) -> Field<'static> {
    Field::Text(t.map(|t| format_ecs(t.0)).unwrap_or_default())
}

/// A stored string (its JSON text), when it is a string and not empty.
fn non_empty(stored: Option<&str>) -> Option<&str> {
    stored.filter(|t| t.starts_with('"') && *t != "\"\"")
}

/// One key of the `Instance` object, or `None` when the real service leaves it out.
/// `stored` is what the fixture or RunInstances stored under that key.
fn instance_field<'a>(
    key: &'a str,
    itype: Option<&'a InstanceType>,
    inst: &'a Instance,
    stored: Option<&'a str>,
) -> Option<Field<'a>> {
    let live = match key {
        "InstanceId" => Field::Str(&inst.instance_id),
        "InstanceName" => Field::Str(&inst.instance_name),
        "HostName" => match non_empty(stored) {
            Some(text) => Field::Raw(text),
            None => Field::Str(&inst.instance_name),
        },
        "Status" => Field::Str(inst.status.as_str()),
        "RegionId" => Field::Str(&inst.region_id),
        "ZoneId" => Field::Str(&inst.zone_id),
        "InstanceType" => Field::Str(&inst.instance_type),
        "InstanceChargeType" => Field::Str(inst.instance_charge_type.as_str()),
        "CreationTime" => time(inst.creation_time),
        "StartTime" => time(inst.start_time),
        "ExpiredTime" => Field::Text(expired_time_text(inst)),
        "StoppedMode" => Field::Str(inst.stopped_mode.as_str()),
        "SpotStrategy" => Field::Str(inst.spot_strategy.as_str()),
        "SpotPriceLimit" => Field::Float(inst.spot_price_limit),
        "DeletionProtection" => Field::Bool(inst.deletion_protection),
        "OperationLocks" => Field::Locks(&inst.operation_locks),
        // Absent on an untagged instance (not `{"Tag": []}`).
        "Tags" if inst.tags.tag.is_empty() => return None,
        "Tags" => Field::Tags(&inst.tags),
        // Absent when no key pair is set.
        "KeyPairName" => Field::Raw(non_empty(stored)?),
        // Present ({}) on every captured cn-hangzhou instance and on none elsewhere.
        "PrivateDnsNameOptions" => match stored {
            Some(v) => Field::Raw(v),
            None if inst.region_id == "cn-hangzhou" => Field::EmptyObject,
            None => return None,
        },
        // Only on types with local disks.
        "LocalStorageAmount" | "LocalStorageCapacity" => match itype {
            Some(t) if t.local_storage_amount == 0 => return None,
            Some(t) if key == "LocalStorageAmount" => Field::Int(t.local_storage_amount as i64),
            Some(t) => Field::Int(t.local_storage_capacity as i64),
            None => Field::Raw(stored.filter(|t| *t != "0")?),
        },
        _ => match (itype, type_field(key)) {
            (Some(t), Some(derive)) => derive(t),
            _ => {
                // Stored fixed-shape objects already have the real shape
                // (see [`prepare_fields`]).
                return match stored {
                    Some(text) => Some(Field::Raw(text)),
                    None => DEFAULTS.get(key).map(Field::Stored),
                };
            }
        },
    };
    Some(live)
}

type Derive = fn(&InstanceType) -> Field<'static>;

/// Fields that follow from the instance type, when the catalog knows it.
fn type_field(key: &str) -> Option<Derive> {
    let derive: Derive = match key {
        "InstanceTypeFamily" => |t| Field::Text(t.family()),
        "Cpu" => |t| Field::Int(t.cpu_core_count as i64),
        // MiB, as the real service answers.
        "Memory" => |t| Field::Int((t.memory_size * 1024.0).round() as i64),
        "GPUAmount" => |t| Field::Int(t.gpu_amount as i64),
        "CpuOptions" => |t| {
            Field::Owned(
                json!({"ThreadsPerCore": 2, "Numa": numa(t), "CoreCount": t.cpu_core_count.div_ceil(2)}),
            )
        },
        "CreditSpecification" => |t| Field::Str(if burstable(t) { "Standard" } else { "" }),
        _ => return None,
    };
    Some(derive)
}

/// Burstable families (t5, t6): `CreditSpecification` `Standard`, `Numa` empty.
fn burstable(t: &InstanceType) -> bool {
    let id = t.instance_type_id.as_str();
    id.starts_with("ecs.t5") || id.starts_with("ecs.t6")
}

/// `CpuOptions.Numa` as captured: `""` for burstable, entry-level (`e-`), GPU (`gn`) and
/// bare-metal (`ebm`) families; `"ON"` for 2 vCPUs; `"N/A"` for larger sizes.
fn numa(t: &InstanceType) -> &'static str {
    let short = t.instance_type_id.trim_start_matches("ecs.");
    if burstable(t)
        || short.starts_with("e-")
        || short.starts_with("gn")
        || short.starts_with("ebm")
    {
        ""
    } else if t.cpu_core_count <= 2 {
        "ON"
    } else {
        "N/A"
    }
}

/// The DescribeInstanceAttribute body, `RequestId` included in its captured slot: the
/// captured 33 keys, with this action's own value types — `IoOptimized` the string
/// `"optimized"`, `CreationTime` with seconds, `DedicatedHostAttribute` without its
/// cluster id, `EnableJumboFrame` `false`.
pub struct AttributeView<'a> {
    /// The instance.
    pub inst: &'a Instance,
    /// Its catalog type, when known.
    pub itype: Option<&'a InstanceType>,
    /// The request id, written among the fields.
    pub request_id: &'a str,
}

impl Serialize for AttributeView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (stored, _) = stored_by_position(self.inst);
        let at = |key: &str| POSITION.get(key).and_then(|&i| stored[i].as_deref());
        let (inst, itype) = (self.inst, self.itype);
        let mut m = s.serialize_map(Some(INSTANCE_ATTRIBUTE.len()))?;
        for key in INSTANCE_ATTRIBUTE {
            let value = match *key {
                "RequestId" => Field::Str(self.request_id),
                "EnableJumboFrame" => Field::Bool(false),
                "IoOptimized" => Field::Str(if at(key) == Some("false") {
                    "none"
                } else {
                    "optimized"
                }),
                "CreationTime" => Field::Text(
                    inst.creation_time
                        .map(|t| format_ecs_seconds(t.0))
                        .unwrap_or_default(),
                ),
                "DedicatedHostAttribute" => {
                    let stored: Option<Value> = at(key).and_then(|t| serde_json::from_str(t).ok());
                    let get = |k: &str| {
                        stored
                            .as_ref()
                            .and_then(|v| v.get(k))
                            .cloned()
                            .unwrap_or_else(|| json!(""))
                    };
                    Field::Owned(
                        json!({"DedicatedHostId": get("DedicatedHostId"), "DedicatedHostName": get("DedicatedHostName")}),
                    )
                }
                "OperationLocks" => Field::LockReasons(&inst.operation_locks),
                _ => match instance_field(key, itype, inst, at(key)) {
                    Some(v) => v,
                    None => continue,
                },
            };
            m.serialize_entry(key, &value)?;
        }
        m.end()
    }
}

/// The DescribeInstances body in the real service's key order (`RequestId` among the
/// paging fields).
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstancePageBody<'a> {
    instances: InstanceList<'a>,
    total_count: u64,
    next_token: &'a str,
    page_size: u64,
    request_id: &'a str,
    page_number: u64,
}

/// `{"Instance": [...]}`.
struct InstanceList<'a>(Views<'a>);

impl serde::Serialize for InstanceList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("Instance", &self.0)?;
        m.end()
    }
}

/// The instances of a page. Written as JSON (`json`), each is its rendered object from
/// the cache, or rendered through [`InstanceView`] and kept in the cache; for any
/// other serializer (XML, a `Value`), a cached object is read back as a value.
struct Views<'a> {
    entries: &'a [PageEntry],
    json: bool,
}

impl serde::Serialize for Views<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.entries.len()))?;
        for entry in self.entries {
            let cached = entry.slot.as_ref().and_then(|s| s.get());
            match (cached, &entry.copy) {
                (Some(raw), _) if self.json => seq.serialize_element(raw)?,
                // Another format with the instance at hand: written from it directly.
                (Some(_), Some(copy)) => seq.serialize_element(&InstanceView {
                    inst: &copy.0,
                    itype: copy.1.as_ref(),
                })?,
                (Some(raw), None) => {
                    let value: Value = serde_json::from_str(raw.get()).map_err(S::Error::custom)?;
                    seq.serialize_element(&value)?
                }
                (None, Some(copy)) => {
                    let view = InstanceView {
                        inst: &copy.0,
                        itype: copy.1.as_ref(),
                    };
                    match (&entry.slot, self.json) {
                        (Some(slot), true) => {
                            let raw =
                                serde_json::value::to_raw_value(&view).map_err(S::Error::custom)?;
                            seq.serialize_element(&raw)?;
                            slot.fill(raw);
                        }
                        _ => seq.serialize_element(&view)?,
                    }
                }
                (None, None) => return Err(S::Error::custom("a page entry lost its instance")),
            }
        }
        seq.end()
    }
}

/// A DescribeInstances page's body, to serialize with any serializer.
pub fn page_body<'a>(page: &'a InstancePage, request_id: &'a str) -> InstancePageBody<'a> {
    body_as(page, request_id, false)
}

/// A DescribeInstances page's body as JSON, through the render cache.
pub fn page_json(page: &InstancePage, request_id: &str) -> Vec<u8> {
    // Sized for the cached objects once, so a 26 KB page is not grown step by step.
    let cached: usize = page
        .instances
        .iter()
        .filter_map(|e| e.slot.as_ref()?.get())
        .map(|raw| raw.get().len() + 1)
        .sum();
    let mut out = Vec::with_capacity(cached + 512);
    match serde_json::to_writer(&mut out, &body_as(page, request_id, true)) {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

fn body_as<'a>(page: &'a InstancePage, request_id: &'a str, json: bool) -> InstancePageBody<'a> {
    InstancePageBody {
        instances: InstanceList(Views {
            entries: &page.instances,
            json,
        }),
        total_count: page.total_count,
        next_token: &page.next_token,
        page_size: page.page_size,
        request_id,
        page_number: page.page_number,
    }
}

/// The DescribeInstanceStatus body in the real service's key order (`RequestId` among
/// the paging fields; each status `Status` before `InstanceId`).
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatusPageBody<'a> {
    total_count: u64,
    page_size: u64,
    request_id: &'a str,
    page_number: u64,
    instance_statuses: StatusList<'a>,
}

/// `{"InstanceStatus": [...]}`.
#[derive(serde::Serialize)]
struct StatusList<'a> {
    #[serde(rename = "InstanceStatus")]
    instance_status: Vec<StatusEntry<'a>>,
}

/// One instance's status.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct StatusEntry<'a> {
    status: &'static str,
    instance_id: &'a str,
}

/// A DescribeInstanceStatus page as its body.
pub fn status_body<'a>(page: &'a StatusPage, request_id: &'a str) -> StatusPageBody<'a> {
    StatusPageBody {
        total_count: page.total_count,
        page_size: page.page_size,
        request_id,
        page_number: page.page_number,
        instance_statuses: StatusList {
            instance_status: page
                .statuses
                .iter()
                .map(|(id, status)| StatusEntry {
                    status: status.as_str(),
                    instance_id: id,
                })
                .collect(),
        },
    }
}

/// A DescribeInstanceStatus page as JSON: the bytes `serde_json` writes for
/// [`status_body`], written straight into the buffer (a page of 50 statuses is most of
/// what a status poll costs to render).
pub fn status_json(page: &StatusPage, request_id: &str) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = Vec::with_capacity(160 + request_id.len() + page.statuses.len() * 56);
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "{{\"TotalCount\":{},\"PageSize\":{},\"RequestId\":",
        page.total_count, page.page_size
    );
    json_str(&mut out, request_id);
    let _ = write!(
        out,
        ",\"PageNumber\":{},\"InstanceStatuses\":{{\"InstanceStatus\":[",
        page.page_number
    );
    for (i, (id, status)) in page.statuses.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"Status\":\"");
        out.extend_from_slice(status.as_str().as_bytes());
        out.extend_from_slice(b"\",\"InstanceId\":");
        json_str(&mut out, id);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}}");
    out
}

/// A JSON string as `serde_json` writes it: as it is when nothing in it needs an
/// escape (the common case, checked in one pass), else through `serde_json`.
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    json_str_of(out, &[s]);
}

/// One JSON string of the text `pieces` make together, as `serde_json` writes it: the
/// pieces copied when none needs an escape, else escaped as they go.
pub fn json_str_of(out: &mut Vec<u8>, pieces: &[&str]) {
    if pieces.iter().any(|p| needs_escape(p.as_bytes())) {
        struct Joined<'a>(&'a [&'a str]);
        impl std::fmt::Display for Joined<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.iter().try_for_each(|p| f.write_str(p))
            }
        }
        // Writing into a Vec cannot fail; `collect_str` escapes as it goes, without an
        // intermediate String.
        let _ = (&mut serde_json::Serializer::new(out)).collect_str(&Joined(pieces));
    } else {
        out.push(b'"');
        for piece in pieces {
            out.extend_from_slice(piece.as_bytes());
        }
        out.push(b'"');
    }
}

/// Whether a JSON string of `s` escapes anything: a control byte, `"` or `\\`.
fn needs_escape(s: &[u8]) -> bool {
    crate::scan::first_in::<crate::scan::JsonEscapes>(s) < s.len()
}

/// An answer's fields as a map, without `RequestId` (for in-process callers; the
/// gateway serializes typed answers directly).
pub fn answer_fields(answer: Answer) -> Reply {
    let value = match &answer {
        Answer::Ready(_) => None,
        Answer::Instances(page) => serde_json::to_value(page_body(page, "")).ok(),
        Answer::Statuses(page) => serde_json::to_value(status_body(page, "")).ok(),
        Answer::Attribute(pair) => serde_json::to_value(AttributeView {
            inst: &pair.0,
            itype: pair.1.as_ref(),
            request_id: "",
        })
        .ok(),
    };
    match (answer, value) {
        (Answer::Ready(reply), _) => reply,
        (_, Some(Value::Object(mut map))) => {
            map.shift_remove("RequestId");
            map
        }
        _ => Reply::new(),
    }
}
