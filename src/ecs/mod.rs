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
pub mod lifecycle;
pub mod listing;
pub mod model;
pub mod new_instance;
pub mod reboot;
pub mod regions;
pub mod start;
pub mod stop;
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
    /// The page, with each instance's catalog type.
    pub instances: Vec<(model::Instance, Option<catalog::InstanceType>)>,
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
struct InstanceList<'a>(&'a [(model::Instance, Option<catalog::InstanceType>)]);

impl serde::Serialize for InstanceList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("Instance", &Views(self.0))?;
        m.end()
    }
}

/// The instances of a page, each serialized through [`view::InstanceView`].
struct Views<'a>(&'a [(model::Instance, Option<catalog::InstanceType>)]);

impl serde::Serialize for Views<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(inst, itype)| view::InstanceView {
            inst,
            itype: itype.as_ref(),
        }))
    }
}

impl InstancePage {
    /// The body to serialize, with `request_id`.
    pub fn body<'a>(&'a self, request_id: &'a str) -> InstancePageBody<'a> {
        InstancePageBody {
            instances: InstanceList(&self.instances),
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
