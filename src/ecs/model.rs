//! The ECS state model, in the public fixture format (PascalCase JSON; see the README's "Fixture format").
//!
//! An [`Instance`] has exactly the shape of an `Instance` object of a DescribeInstances
//! response — any field ecs-mock does not reason about is kept verbatim in `extra` and
//! returned by Describe* — plus mock-only fields whose names start with `Mock` or that
//! a response never carries (`AccountId`). Accounts, regions/zones (with stock and spot
//! prices), the instance-type catalog and the fixture document are in
//! [`catalog`](crate::ecs::catalog).

use serde::{Deserialize, Serialize};

use crate::clock::{format_ecs, format_millis, format_precise, parse_time, Millis};
use crate::ecs::stored::Stored;
use crate::ecs::sym::Sym;

/// An API status of an instance (spec §3.1). There is no "Deleted": a released
/// instance disappears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// Being created.
    Pending,
    /// Booting.
    Starting,
    /// Up.
    Running,
    /// Shutting down.
    Stopping,
    /// Down (also expired, locked, created-but-not-started).
    Stopped,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Starting,
        Status::Running,
        Status::Stopping,
        Status::Stopped,
    ];

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "Pending",
            Status::Starting => "Starting",
            Status::Running => "Running",
            Status::Stopping => "Stopping",
            Status::Stopped => "Stopped",
        }
    }

    /// Parse a wire string (exact case, as the API does).
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// Billing method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ChargeType {
    /// Pay-as-you-go.
    #[default]
    PostPaid,
    /// Subscription.
    PrePaid,
}

impl ChargeType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeType::PostPaid => "PostPaid",
            ChargeType::PrePaid => "PrePaid",
        }
    }
}

/// How a stopped instance is billed (`StoppedMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StoppedMode {
    /// Standard stop: resources (stock, quota) stay reserved.
    KeepCharging,
    /// Economical mode: compute resources are released and must be found again at start.
    StopCharging,
    /// Not stopped (or economical mode not applicable).
    #[default]
    #[serde(rename = "Not-applicable")]
    NotApplicable,
}

impl StoppedMode {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            StoppedMode::KeepCharging => "KeepCharging",
            StoppedMode::StopCharging => "StopCharging",
            StoppedMode::NotApplicable => "Not-applicable",
        }
    }
}

/// Spot bidding strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SpotStrategy {
    /// A regular instance.
    #[default]
    NoSpot,
    /// Spot with a maximum hourly price (`SpotPriceLimit`).
    SpotWithPriceLimit,
    /// Spot at the market price.
    SpotAsPriceGo,
}

impl SpotStrategy {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            SpotStrategy::NoSpot => "NoSpot",
            SpotStrategy::SpotWithPriceLimit => "SpotWithPriceLimit",
            SpotStrategy::SpotAsPriceGo => "SpotAsPriceGo",
        }
    }
}

/// A time in fixtures and responses, written `2017-12-10T04:04Z`. An empty string
/// reads as absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EcsTime(pub Millis);

impl Serialize for EcsTime {
    /// The ECS form when the time is on a whole minute; otherwise RFC 3339 with the
    /// seconds (and milliseconds), so a state dump — and a persisted state — loses
    /// nothing.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.rem_euclid(60_000) == 0 {
            s.serialize_str(&format_ecs(self.0))
        } else {
            s.serialize_str(&format_precise(self.0))
        }
    }
}

/// Serde helpers for `Option<EcsTime>` where `""` means `None`.
pub mod opt_time {
    use super::*;

    /// Deserialize `"2017-12-10T04:04Z"`, `""` or null.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<EcsTime>, D::Error> {
        let s: Option<crate::ecs::sym::CowStr<'de>> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) => from_text(&s.0),
        }
    }

    /// The time a string's text stands for (`""`: none).
    pub fn from_text<E: serde::de::Error>(s: &str) -> Result<Option<EcsTime>, E> {
        match s.trim() {
            "" => Ok(None),
            t => parse_time(t)
                .map(|ms| Some(EcsTime(ms)))
                .ok_or_else(|| E::custom(format!("{t:?} is not a time like 2017-12-10T04:04Z"))),
        }
    }

    /// Serialize as the ECS form (callers skip `None`).
    pub fn serialize<S: serde::Serializer>(v: &Option<EcsTime>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => t.serialize(s),
            None => s.serialize_str(""),
        }
    }
}

/// One entry of `OperationLocks.LockReason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Lock {
    /// `financial`, `security`, `recycling`, `dedicatedhostfinancial` or `refunded`, kept
    /// as the fixture spells it (Describe* shows it verbatim; [`Lock::reason`] reads it).
    pub lock_reason: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_msg: Option<String>,
}

impl Lock {
    /// The documented reason this lock names (case-insensitive), if any.
    pub fn reason(&self) -> Option<LockReason> {
        LockReason::parse(&self.lock_reason)
    }
}

/// A documented lock reason (spec §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockReason {
    /// Overdue payment.
    Financial,
    /// Locked for security reasons (refuses every lifecycle action).
    Security,
    /// Being recycled.
    Recycling,
    /// The dedicated host is overdue.
    DedicatedHostFinancial,
    /// Refunded.
    Refunded,
}

impl crate::params::Choice for LockReason {
    const ALL: &'static [LockReason] = &LockReason::ALL;

    fn as_str(self) -> &'static str {
        LockReason::as_str(self)
    }
}

impl LockReason {
    /// Every documented reason.
    pub const ALL: [LockReason; 5] = [
        LockReason::Financial,
        LockReason::Security,
        LockReason::Recycling,
        LockReason::DedicatedHostFinancial,
        LockReason::Refunded,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LockReason::Financial => "financial",
            LockReason::Security => "security",
            LockReason::Recycling => "recycling",
            LockReason::DedicatedHostFinancial => "dedicatedhostfinancial",
            LockReason::Refunded => "refunded",
        }
    }

    /// The reason spelled `s`, in any case.
    pub fn parse(s: &str) -> Option<LockReason> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
    }
}

/// `OperationLocks` as ECS wraps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationLocks {
    /// The locks.
    #[serde(default)]
    pub lock_reason: Vec<Lock>,
}

impl OperationLocks {
    /// Whether a lock with this reason is present (its spelling in any case).
    pub fn has(&self, reason: LockReason) -> bool {
        self.lock_reason.iter().any(|l| l.reason() == Some(reason))
    }
}

/// One tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Key.
    pub tag_key: Sym,
    /// Value.
    #[serde(default)]
    pub tag_value: Sym,
}

/// Whether `have` carries every wanted tag: each `(key, value)` a tag with that key and,
/// when a value is given, that value (the `Tag.N` filter of every Describe).
pub fn has_tags(have: &[Tag], want: &[(String, Option<String>)]) -> bool {
    want.iter().all(|(k, v)| {
        have.iter()
            .any(|t| *t.tag_key == **k && v.as_deref().is_none_or(|v| *t.tag_value == *v))
    })
}

/// `Tags` as ECS wraps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tags {
    /// The tags.
    #[serde(default)]
    pub tag: Vec<Tag>,
}

/// Kind of disk attached to an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiskType {
    /// The system disk.
    System,
    /// A cloud data disk.
    Data,
    /// A local (instance-store) disk of d1/i2-style types.
    Local,
}

/// A disk: attached to an instance (its `MockDisks`, what StartInstance checks) or
/// standalone (the fixture's `Disks`). Fixtures write it flat, unknown keys refused
/// ([`DiskDoc`](crate::ecs::disk_model::DiskDoc)); the fields a Disk object has beyond
/// these are in the boxed [`DiskDetails`](crate::ecs::disk_model::DiskDetails), absent
/// (and derived when rendered) unless set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    from = "crate::ecs::disk_model::DiskDoc",
    into = "crate::ecs::disk_model::DiskDoc"
)]
pub struct Disk {
    /// `d-…`.
    pub disk_id: String,
    /// system, data or local.
    #[serde(rename = "Type")]
    pub disk_type: DiskType,
    /// A documented disk status (`In_use`, `Available`, `Attaching`, `Detaching`,
    /// `Creating`, `ReIniting`) or `Error` for a failed disk.
    #[serde(default)]
    pub status: DiskStatus,
    /// Subscription disk expiry; in the past means in arrears.
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub expired_time: Option<EcsTime>,
    /// Encrypted with a KMS key.
    #[serde(default)]
    pub encrypted: bool,
    /// The KMS key of an encrypted disk.
    #[serde(default, rename = "KMSKeyId", skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Set when StartInstance with `InitLocalDisk=true` restored this failed local disk:
    /// the disk works again, its data is gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mock_data_lost: bool,
    /// Every other Disk field, when one is set (see [`crate::ecs::disk_model`]).
    pub details: Option<Box<crate::ecs::disk_model::DiskDetails>>,
}

/// The status of a disk. Fixtures may hold any string: the documented ones are read
/// exactly as spelled, anything else is kept verbatim in [`DiskStatus::Other`] (and
/// counts as `In_use` only when it is that word in another case), so a dump gives back
/// what was loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DiskStatus {
    /// `In_use`: attached and working (the default).
    #[default]
    InUse,
    /// `Available`: not attached.
    Available,
    /// `Attaching`.
    Attaching,
    /// `Detaching`.
    Detaching,
    /// `Creating`.
    Creating,
    /// `ReIniting`.
    ReIniting,
    /// `Error`: a failed disk.
    Error,
    /// Any other spelling, kept as loaded.
    Other(String),
}

impl DiskStatus {
    const KNOWN: [(DiskStatus, &'static str); 7] = [
        (DiskStatus::InUse, "In_use"),
        (DiskStatus::Available, "Available"),
        (DiskStatus::Attaching, "Attaching"),
        (DiskStatus::Detaching, "Detaching"),
        (DiskStatus::Creating, "Creating"),
        (DiskStatus::ReIniting, "ReIniting"),
        (DiskStatus::Error, "Error"),
    ];

    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            DiskStatus::Other(s) => s,
            known => Self::KNOWN
                .iter()
                .find(|(k, _)| k == known)
                .map_or("", |(_, s)| s),
        }
    }

    /// Whether the disk is attached and working (`In_use`, in any case).
    pub fn is_in_use(&self) -> bool {
        match self {
            DiskStatus::InUse => true,
            DiskStatus::Other(s) => s.eq_ignore_ascii_case("In_use"),
            _ => false,
        }
    }
}

impl From<&str> for DiskStatus {
    fn from(s: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(_, w)| *w == s)
            .map_or_else(|| DiskStatus::Other(s.to_string()), |(k, _)| k.clone())
    }
}

impl PartialEq<&str> for DiskStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for DiskStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DiskStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(DiskStatus::from(s.as_str()))
    }
}

/// A scheduled status change of an instance in the middle of a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Phase {
    /// When it happens (ms since epoch; written RFC 3339 in fixtures).
    #[serde(with = "millis_rfc3339")]
    pub at: Millis,
    /// What happens.
    pub then: Step,
}

/// What a [`Phase`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// The instance takes this status.
    Status(Status),
    /// The instance is released and disappears.
    Release,
    /// The instance becomes `Stopped` with this `StoppedMode` (end of CreateInstance).
    StoppedAs(StoppedMode),
}

/// Serde for a [`Millis`] written RFC 3339.
pub(crate) mod millis_rfc3339 {
    use super::*;

    pub(crate) fn serialize<S: serde::Serializer>(v: &Millis, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_millis(*v))
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Millis, D::Error> {
        let s = String::deserialize(d)?;
        parse_time(&s).ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a time")))
    }
}

/// An ECS instance: the DescribeInstances shape plus mock facts. Read by
/// [`instance_de`](crate::ecs::instance_de).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Instance {
    /// `i-` + 20 lower-case alphanumerics; one allocation shared with the world's map
    /// key and listing index ([`Sym::unshared`]).
    pub instance_id: Sym,
    /// Mock: the owning account; absent (a pasted DescribeInstances object) means the
    /// document's first account.
    #[serde(default)]
    pub account_id: Sym,
    /// Region.
    pub region_id: Sym,
    /// Zone of the region.
    pub zone_id: Sym,
    /// A type of the catalog.
    pub instance_type: Sym,
    /// Current API status.
    pub status: Status,
    /// PostPaid or PrePaid.
    #[serde(default)]
    pub instance_charge_type: ChargeType,
    /// How the instance is stopped; `Not-applicable` while not stopped.
    #[serde(default)]
    pub stopped_mode: StoppedMode,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub instance_name: String,
    /// When created.
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<EcsTime>,
    /// When last started.
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<EcsTime>,
    /// Subscription expiry (PrePaid); PostPaid shows `2099-12-31T15:59Z`.
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub expired_time: Option<EcsTime>,
    /// Spot strategy.
    #[serde(default)]
    pub spot_strategy: SpotStrategy,
    /// Maximum hourly price of a `SpotWithPriceLimit` instance.
    #[serde(default)]
    pub spot_price_limit: f64,
    /// Release protection.
    #[serde(default)]
    pub deletion_protection: bool,
    /// Locks (`security`, `financial`, …).
    #[serde(default)]
    pub operation_locks: OperationLocks,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
    /// Mock: disks with the facts StartInstance checks.
    #[serde(default)]
    pub mock_disks: Vec<Disk>,
    /// Mock: a transitional status that never ends by itself (a stuck instance).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mock_stuck: bool,
    /// Mock: the scheduled rest of an ongoing transition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mock_transitions: Vec<Phase>,
    /// Every other DescribeInstances field, kept as given (in the real service's shape
    /// and order) and returned by Describe*.
    #[serde(flatten)]
    pub extra: Stored,
    /// Insertion order, the basis of Describe ordering and NextToken.
    #[serde(skip)]
    pub seq: u64,
}

impl Instance {
    /// Whether a pending transition falls due at `now` (settling has work to do).
    pub fn due(&self, now: Millis) -> bool {
        self.mock_transitions.first().is_some_and(|p| p.at <= now)
    }

    /// Whether the instance holds zone stock and account quota. Only an instance
    /// stopped in economical mode (StopCharging) has given them back.
    pub fn holds_resources(&self) -> bool {
        self.stopped_mode != StoppedMode::StopCharging
    }

    /// Apply every scheduled phase due at `now`. Returns `true` when the instance has
    /// reached its release and must be removed.
    pub fn settle(&mut self, now: Millis) -> bool {
        if self.mock_transitions.is_empty() {
            return false;
        }
        let due = self
            .mock_transitions
            .iter()
            .take_while(|p| p.at <= now)
            .count();
        let mut released = false;
        for phase in self.mock_transitions.drain(..due) {
            match phase.then {
                Step::Status(s) => self.status = s,
                Step::Release => released = true,
                Step::StoppedAs(mode) => {
                    self.status = Status::Stopped;
                    self.stopped_mode = mode;
                }
            }
        }
        released
    }

    /// Replace any ongoing transition: set `status` now and schedule `phases`
    /// (durations relative to `now`, applied in order).
    pub fn transition(&mut self, now: Millis, status: Status, phases: &[(Millis, Step)]) {
        self.status = status;
        self.mock_transitions.clear();
        let mut at = now;
        for &(duration, then) in phases {
            at += duration.max(0);
            self.mock_transitions.push(Phase { at, then });
        }
    }

    /// Whether the instance is scheduled for release.
    pub fn is_releasing(&self) -> bool {
        self.mock_transitions
            .iter()
            .any(|p| p.then == Step::Release)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_applies_due_phases_in_order() {
        let mut i: Instance = serde_json::from_value(serde_json::json!({
            "InstanceId": "i-1", "AccountId": "1", "RegionId": "r", "ZoneId": "r-a",
            "InstanceType": "t", "Status": "Running"
        }))
        .unwrap();
        i.transition(
            0,
            Status::Stopping,
            &[
                (10, Step::Status(Status::Starting)),
                (10, Step::Status(Status::Running)),
            ],
        );
        assert!(!i.settle(5));
        assert_eq!(i.status, Status::Stopping);
        assert!(!i.settle(10));
        assert_eq!(i.status, Status::Starting);
        assert!(!i.settle(25));
        assert_eq!(i.status, Status::Running);
        assert!(i.mock_transitions.is_empty());
        i.transition(0, Status::Stopping, &[(5, Step::Release)]);
        assert!(i.settle(5));
    }
}
