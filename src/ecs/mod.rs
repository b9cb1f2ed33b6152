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
//! | [`world`] | the whole state, instance index, lazy settling |
//! | [`resources`] | stock and quota checks and moves |
//! | [`lifecycle`] | the status machine and checks shared by actions |
//! | [`action`] | action names, typed requests, the dispatch `match` |
//! | [`start`], [`stop`], [`reboot`], [`batch`], [`delete`] | lifecycle actions |
//! | [`create`], [`new_instance`], [`ids`] | RunInstances / CreateInstance |
//! | [`describe`], [`filters`], [`listing`], [`view`] | Describe* actions and response objects |
//! | [`regions`] | DescribeRegions / DescribeZones |
//! | [`admin`] | control-plane verbs: throwaway accounts, patches |
//! | [`changes`] | change tracking, records and images for persistence |

pub mod action;
pub mod admin;
pub mod batch;
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
pub mod resources;
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
/// copies of the instances and is rendered by [`Answer::into_reply`] after the state
/// lock is released, so both cores can build responses at once.
#[derive(Debug, Clone)]
pub enum Answer {
    /// All fields ready.
    Ready(Reply),
    /// Fields plus instances to render under `Instances.Instance` (DescribeInstances).
    Instances {
        /// The other fields (TotalCount, PageNumber …).
        reply: Reply,
        /// The page, with each instance's catalog type.
        instances: Vec<(model::Instance, Option<catalog::InstanceType>)>,
    },
    /// One instance rendered as DescribeInstanceAttribute's fields.
    Attribute(Box<(model::Instance, Option<catalog::InstanceType>)>),
}

impl Answer {
    /// Render the answer's fields.
    pub fn into_reply(self) -> Reply {
        match self {
            Answer::Ready(reply) => reply,
            Answer::Instances {
                mut reply,
                instances,
            } => {
                let objects: Vec<Value> = instances
                    .iter()
                    .map(|(inst, t)| Value::Object(view::instance_json(t.as_ref(), inst)))
                    .collect();
                reply.insert(
                    "Instances".into(),
                    serde_json::json!({ "Instance": objects }),
                );
                reply
            }
            Answer::Attribute(pair) => view::attribute_json(pair.1.as_ref(), &pair.0),
        }
    }
}
