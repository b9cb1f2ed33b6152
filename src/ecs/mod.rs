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
//! | [`describe`], [`filters`], [`listing`] | Describe* actions |
//! | [`shapes`] | the real service's shape of stored instance fields |
//! | [`render_cache`] | each instance's rendered JSON object, until it changes |
//! | [`stored`], [`instance_de`], `instance_scan`, [`sym`], `layouts`, `recent` | an instance's stored wire fields, compact and interned (what the last instance read on a thread had, remembered); reading an instance fast (serde's way, and straight from fixture text); stored objects prepared by shape |
//! | [`regions`] | DescribeRegions / DescribeZones |
//! | [`key_pairs`], [`ssh_keys`] | SSH key pairs and their key material |
//! | [`tags`] | tags of every taggable resource |
//! | [`attributes`], [`public_ip`], [`modify_spec`] | ModifyInstanceAttribute, DescribeUserData, AllocatePublicIpAddress, ModifyInstanceSpec |
//! | [`instance_types`], [`available`] | DescribeInstanceTypes / DescribeInstanceTypeFamilies, DescribeAvailableResource |
//! | [`images`] | the Image object, built-in public images, DescribeImages, the RunInstances image check |
//! | [`network`], [`security_groups`], [`sg_rules`] | VPCs, vSwitches, security groups, their rules and actions |
//! | [`disks`], [`disk_actions`], [`disk_attach`], [`disk_specs`], [`disk_model`] | DescribeDisks and the Disk object; CreateDisk, DeleteDisk, ResizeDisk; AttachDisk, DetachDisk; RunInstances disks; a disk's optional fields and derived defaults |
//! | [`terraform_reads`] | DescribeNetworkInterfaces, DescribeInstanceMaintenanceAttributes, DescribeInstanceAttachmentAttributes (the instance reads Terraform makes) |
//! | [`admin`] | control-plane verbs: throwaway accounts, patches |
//! | [`changes`] | records and images for persistence (the world's side of change tracking is in `world`) |

pub mod action;
pub mod admin;
pub mod attributes;
pub mod available;
pub mod batch;
pub mod capacity;
pub mod catalog;
pub mod changes;
pub mod create;
pub mod delete;
pub mod describe;
pub mod disk_actions;
pub mod disk_attach;
pub mod disk_model;
pub mod disk_specs;
pub mod disks;
pub mod filters;
pub mod ids;
pub mod images;
pub mod instance_de;
pub(crate) mod instance_scan;
pub mod instance_types;
pub mod key_pairs;
pub(crate) mod layouts;
pub mod lifecycle;
pub mod listing;
pub mod model;
pub mod modify_spec;
pub mod network;
pub mod new_instance;
pub mod public_ip;
pub mod reboot;
pub(crate) mod recent;
pub mod regions;
pub mod render_cache;
pub mod security_groups;
pub mod sg_rules;
pub mod shapes;
pub mod ssh_keys;
pub mod start;
pub mod stop;
pub mod stored;
pub mod sym;
pub mod tags;
pub mod terraform_reads;
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
    /// A DescribeInstanceStatus page.
    Statuses(Box<StatusPage>),
}

/// A DescribeInstanceStatus page: the paging fields and each instance's status.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusPage {
    /// Matches in total.
    pub total_count: u64,
    /// Page size.
    pub page_size: u64,
    /// Page number.
    pub page_number: u64,
    /// The page's instances: id and status.
    pub statuses: Vec<(sym::Sym, model::Status)>,
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
