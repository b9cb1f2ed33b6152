//! Change tracking for persistence: which entities an operation touched, a record of
//! their new values, and the exact replay of records and whole-world images.
//!
//! When persistence is on, the world keeps a set of the entities changed since the last
//! flush: every verb that changes an instance, a zone's stock, an account or an
//! idempotency token marks it. After each request [`World::take_changes`] turns the set
//! into [`Changes`] — the *current values* of the touched entities, or their removal —
//! which the store appends to its log. Records are absolute values, so replaying them in
//! order onto the state they were taken from rebuilds the state exactly; derived indexes
//! (usage, key lookup, listing index) are recomputed by [`World::recount`] rather than
//! stored. This module holds the record types; the world's side of it is in
//! `world::replay`.
//!
//! Status changes that only follow the clock (a `Starting` instance becoming `Running`)
//! are not marked: the scheduled phases are stored with the instance, so a replayed
//! world reaches the same status at the same time.

#[cfg(doc)]
use crate::ecs::world::World;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ecs::catalog::{Account, Fixture, Zone};
use crate::ecs::key_pairs::KeyPair;
use crate::ecs::model::{Disk, Instance};

/// An instance with its listing position (Describe* order is by this sequence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Placed {
    /// Insertion sequence number.
    pub seq: u64,
    /// The instance in fixture format.
    pub instance: Instance,
}

/// A zone with its region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlacedZone {
    /// The region holding the zone.
    pub region_id: String,
    /// The zone (stock and spot prices).
    pub zone: Zone,
}

/// An account and whether it is a throwaway one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlacedAccount {
    /// Created through `POST /_mock/accounts`.
    #[serde(default)]
    pub throwaway: bool,
    /// The account.
    pub account: Account,
}

/// One idempotency entry of RunInstances / CreateInstance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientToken {
    /// The caller's account.
    pub account_id: String,
    /// The action.
    pub action: String,
    /// The `ClientToken` sent.
    pub token: String,
    /// Fingerprint of the other parameters.
    pub fingerprint: String,
    /// The answer given the first time.
    pub response: Value,
}

/// New values of the entities one operation touched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Changes {
    /// Instances created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<Placed>,
    /// Instances gone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_instances: Vec<String>,
    /// Zones whose stock or spot prices changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<PlacedZone>,
    /// Accounts created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<PlacedAccount>,
    /// Accounts gone (their tokens go with them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_accounts: Vec<String>,
    /// New idempotency entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_tokens: Vec<ClientToken>,
    /// Every key pair, when one changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_pairs: Option<Vec<KeyPair>>,
    /// Images created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<crate::ecs::images::Image>,
    /// Security groups created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<crate::ecs::network::SecurityGroup>,
    /// Security groups gone: (account, id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_security_groups: Vec<(String, String)>,
    /// Standalone disks created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disks: Vec<Disk>,
    /// Standalone disks gone (deleted or attached).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_disks: Vec<String>,
}

/// The whole world in a form that restores it exactly (listing order, throwaway
/// accounts, idempotency entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Image {
    /// Accounts, regions and the type catalog (`Instances` empty).
    pub state: Fixture,
    /// Instances with their sequence numbers.
    pub instances: Vec<Placed>,
    /// The next sequence number.
    pub next_seq: u64,
    /// Throwaway accounts.
    #[serde(default)]
    pub throwaway: Vec<String>,
    /// Idempotency entries.
    #[serde(default)]
    pub client_tokens: Vec<ClientToken>,
}
