//! The ECS domain: state model, lifecycle rules and one module per action family.
//!
//! Nothing here knows about HTTP. An action is parsed from [`Params`](crate::params::Params)
//! into a typed request ([`action::Request`]), then applied to the [`World`](world::World)
//! under the store's lock with a [`Ctx`] (caller, region, time, timing). It answers
//! the action-specific fields of the response or an [`ApiError`](crate::error::ApiError).
//!
//! | module | holds |
//! |---|---|
//! | [`model`] | instances, statuses, disks, locks, transition phases |
//! | [`catalog`] | accounts, regions/zones, instance types, the fixture document |
//! | [`world`] | the whole state behind named operations (private fields), instance index, lazy settling |
//! | [`capacity`] | stock and quota: placements, usage, capacity checks (a value the world owns) |
//! | [`lifecycle`] | the status machine and checks shared by actions |
//! | [`action`] | action names, typed requests, the dispatch `match` |
//! | [`start`], [`stop`], [`reboot`], [`batch`], [`delete`] | lifecycle actions |
//! | [`create`], [`new_instance`], [`ids`] | RunInstances / CreateInstance |
//! | [`describe`], [`filters`], [`listing`], [`view`] | Describe* actions and response objects |
//! | [`render_cache`] | each instance's rendered JSON object, until it changes |
//! | [`stored`], [`instance_de`], [`sym`] | an instance's stored wire fields, compact and interned; reading an instance fast |
//! | [`regions`] | DescribeRegions / DescribeZones |
//! | [`admin`] | control-plane verbs: throwaway accounts, patches |
//! | [`changes`] | records and images for persistence (the world's side of change tracking is in `world`) |

pub mod action;
pub mod admin;
pub mod batch;
pub mod capacity;
pub mod catalog;
pub mod changes;
pub mod create;
pub mod delete;
pub mod describe;
pub mod filters;
pub mod ids;
pub mod instance_de;
pub mod lifecycle;
pub mod listing;
pub mod model;
pub mod new_instance;
pub mod reboot;
pub mod regions;
pub mod render_cache;
pub mod start;
pub mod stop;
pub mod stored;
pub mod sym;
pub mod view;
pub mod world;

#[cfg(test)]
mod changes_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod rules_tests;
#[cfg(test)]
mod testkit;

use serde_json::{Map, Value};

use crate::clock::Millis;
use crate::random::Random;
use crate::timing::Timing;
use render_cache::Slot;
use std::sync::Arc;
use world::Caller;

/// Everything an action needs besides the world and its own parameters.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The verified caller.
    pub caller: &'a Caller,
    /// `RegionId` of the request, when sent.
    pub region: Option<&'a str>,
    /// The emulator clock's reading for this request.
    pub now: Millis,
    /// Transition durations.
    pub timing: &'a Timing,
    /// Where new ids, addresses and serial numbers come from.
    pub random: &'a Random,
}

/// The action-specific fields of a success response (`RequestId` is added by the gateway).
pub type Reply = Map<String, Value>;

/// What an action answers. Instance objects are large; a Describe* answer carries
/// copies of the instances and is rendered by the gateway after the state lock is
/// released, so both cores can build responses at once.
#[derive(Debug, Clone)]
pub enum Answer {
    /// All fields ready.
    Ready(Reply),
    /// A DescribeInstances page.
    Instances(Box<InstancePage>),
    /// One instance rendered as DescribeInstanceAttribute's fields.
    Attribute(Box<(model::Instance, Option<catalog::InstanceType>)>),
}

/// A DescribeInstances page: the paging fields and the instances with their types.
#[derive(Debug, Clone)]
pub struct InstancePage {
    /// Matches in total (see [`describe`] for NextToken mode).
    pub total_count: u64,
    /// The next page's token, `""` on the last page.
    pub next_token: String,
    /// Page size.
    pub page_size: u64,
    /// Page number (1 in NextToken mode).
    pub page_number: u64,
    /// The page's instances.
    pub instances: Vec<PageEntry>,
}

/// One instance of a page: its rendered JSON object when the cache has it, else a
/// copy (with its catalog type) to render outside the lock, and the slot to keep the
/// rendering in (see [`render_cache`]).
#[derive(Clone)]
pub struct PageEntry {
    /// Where the instance's rendered object is kept, when the budget allows one.
    pub slot: Option<Arc<Slot>>,
    /// The instance and its type, when the slot is not filled.
    pub copy: Option<Box<(Arc<model::Instance>, Option<catalog::InstanceType>)>>,
}

impl std::fmt::Debug for PageEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageEntry")
            .field(
                "rendered",
                &self.slot.as_ref().is_some_and(|s| s.get().is_some()),
            )
            .field("copy", &self.copy.as_ref().map(|c| &c.0.instance_id))
            .finish()
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
/// the cache, or rendered through [`view::InstanceView`] and kept in the cache; for any
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
                (Some(raw), _) => {
                    let value: Value = serde_json::from_str(raw.get()).map_err(S::Error::custom)?;
                    seq.serialize_element(&value)?
                }
                (None, Some(copy)) => {
                    let view = view::InstanceView {
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

impl InstancePage {
    /// The body to serialize with any serializer, with `request_id`.
    pub fn body<'a>(&'a self, request_id: &'a str) -> InstancePageBody<'a> {
        self.body_as(request_id, false)
    }

    /// The body as JSON, through the render cache.
    pub fn json(&self, request_id: &str) -> Vec<u8> {
        // Sized for the cached objects once, so a 26 KB page is not grown step by step.
        let cached: usize = self
            .instances
            .iter()
            .filter_map(|e| e.slot.as_ref()?.get())
            .map(|raw| raw.get().len() + 1)
            .sum();
        let mut out = Vec::with_capacity(cached + 512);
        match serde_json::to_writer(&mut out, &self.body_as(request_id, true)) {
            Ok(()) => out,
            Err(_) => Vec::new(),
        }
    }

    fn body_as<'a>(&'a self, request_id: &'a str, json: bool) -> InstancePageBody<'a> {
        InstancePageBody {
            instances: InstanceList(Views {
                entries: &self.instances,
                json,
            }),
            total_count: self.total_count,
            next_token: &self.next_token,
            page_size: self.page_size,
            request_id,
            page_number: self.page_number,
        }
    }
}

impl Answer {
    /// The answer's fields as a map, without `RequestId` (for in-process callers; the
    /// gateway serializes typed answers directly).
    pub fn into_reply(self) -> Reply {
        let value = match &self {
            Answer::Ready(_) => None,
            Answer::Instances(page) => serde_json::to_value(page.body("")).ok(),
            Answer::Attribute(pair) => serde_json::to_value(view::AttributeView {
                inst: &pair.0,
                itype: pair.1.as_ref(),
                request_id: "",
            })
            .ok(),
        };
        match (self, value) {
            (Answer::Ready(reply), _) => reply,
            (_, Some(Value::Object(mut map))) => {
                map.shift_remove("RequestId");
                map
            }
            _ => Reply::new(),
        }
    }
}
