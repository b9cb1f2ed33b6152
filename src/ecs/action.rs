//! The supported actions: names, parsing into typed requests, and the one dispatch `match`.

use crate::ecs::batch::{Batch, BatchOp};
use crate::ecs::create::RunInstances;
use crate::ecs::delete::{DeleteInstance, DeleteInstances};
use crate::ecs::describe::{DescribeInstanceAttribute, DescribeInstanceStatus, DescribeInstances};
use crate::ecs::disk_actions::{CreateDisk, DeleteDisk, ResizeDisk};
use crate::ecs::disk_attach::{AttachDisk, DetachDisk};
use crate::ecs::disks::DescribeDisks;
use crate::ecs::model::ChargeType;
use crate::ecs::reboot::RebootInstance;
use crate::ecs::regions::{DescribeRegions, DescribeZones};
use crate::ecs::start::StartInstance;
use crate::ecs::stop::{StopInstance, StopOptions};
use crate::ecs::world::World;
use crate::ecs::{Answer, Ctx};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::{Choice, Params};

macro_rules! actions {
    ($($name:ident),* $(,)?) => {
        /// An ECS action ecs-mock implements.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $( #[doc = stringify!($name)] $name, )* }

        impl Action {
            /// Every supported action.
            pub const ALL: &'static [Action] = &[$(Action::$name,)*];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $( Action::$name => stringify!($name), )* }
            }

            /// Whether a RAM user without permission gets an empty list rather than
            /// Forbidden.RAM ("an empty list is returned when the user … does not have
            /// the permission", DescribeInstances).
            pub fn empty_when_denied(self) -> bool {
                matches!(self, Action::DescribeInstances)
            }

            /// Look up a wire name (exact case, as the gateway does).
            pub fn parse(name: &str) -> Option<Action> {
                match name { $( stringify!($name) => Some(Action::$name), )* _ => None }
            }
        }
    };
}

actions!(
    StartInstance,
    StartInstances,
    StopInstance,
    StopInstances,
    RebootInstance,
    RebootInstances,
    DescribeInstances,
    DescribeInstanceStatus,
    DescribeInstanceAttribute,
    RunInstances,
    CreateInstance,
    DeleteInstance,
    DeleteInstances,
    DescribeRegions,
    DescribeZones,
    // Disks.
    DescribeDisks,
    CreateDisk,
    AttachDisk,
    DetachDisk,
    DeleteDisk,
    ResizeDisk,
);

impl Choice for ChargeType {
    const ALL: &'static [Self] = &[ChargeType::PostPaid, ChargeType::PrePaid];

    fn as_str(self) -> &'static str {
        ChargeType::as_str(self)
    }
}

/// `InstanceChargeType` (`PostPaid` or `PrePaid`) when sent, as RunInstances and the
/// DescribeInstances filter read it.
pub fn charge_type(p: &Params) -> ApiResult<Option<ChargeType>> {
    p.choice(
        "InstanceChargeType",
        ApiError::new(Code::InvalidInstanceChargeTypeNotFound),
    )
}

/// A parsed request of any supported action.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// StartInstance.
    StartInstance(StartInstance),
    /// StopInstance.
    StopInstance(StopInstance),
    /// RebootInstance.
    RebootInstance(RebootInstance),
    /// StartInstances / StopInstances / RebootInstances.
    Batch(Batch),
    /// DescribeInstances.
    DescribeInstances(DescribeInstances),
    /// DescribeInstanceStatus.
    DescribeInstanceStatus(DescribeInstanceStatus),
    /// DescribeInstanceAttribute.
    DescribeInstanceAttribute(DescribeInstanceAttribute),
    /// RunInstances / CreateInstance.
    Run(RunInstances),
    /// DeleteInstance.
    DeleteInstance(DeleteInstance),
    /// DeleteInstances.
    DeleteInstances(DeleteInstances),
    /// DescribeRegions.
    DescribeRegions(DescribeRegions),
    /// DescribeZones.
    DescribeZones(DescribeZones),
    // Disks.
    /// DescribeDisks.
    DescribeDisks(DescribeDisks),
    /// CreateDisk.
    CreateDisk(CreateDisk),
    /// AttachDisk.
    AttachDisk(AttachDisk),
    /// DetachDisk.
    DetachDisk(DetachDisk),
    /// DeleteDisk.
    DeleteDisk(DeleteDisk),
    /// ResizeDisk.
    ResizeDisk(ResizeDisk),
}

impl Request {
    /// Parse the parameters of `action`.
    pub fn parse(action: Action, p: &Params) -> ApiResult<Request> {
        Ok(match action {
            Action::StartInstance => Request::StartInstance(StartInstance::parse(p)?),
            Action::StopInstance => Request::StopInstance(StopInstance::parse(p)?),
            Action::RebootInstance => Request::RebootInstance(RebootInstance::parse(p)?),
            Action::StartInstances => Request::Batch(Batch::parse(p, BatchOp::Start)?),
            Action::StopInstances => {
                Request::Batch(Batch::parse(p, BatchOp::Stop(StopOptions::parse(p)?))?)
            }
            Action::RebootInstances => Request::Batch(Batch::parse(
                p,
                BatchOp::Reboot {
                    force: p.flag("ForceReboot", false)?,
                },
            )?),
            Action::DescribeInstances => Request::DescribeInstances(DescribeInstances::parse(p)?),
            Action::DescribeInstanceStatus => {
                Request::DescribeInstanceStatus(DescribeInstanceStatus::parse(p)?)
            }
            Action::DescribeInstanceAttribute => {
                Request::DescribeInstanceAttribute(DescribeInstanceAttribute::parse(p)?)
            }
            Action::RunInstances => Request::Run(RunInstances::parse(p, false)?),
            Action::CreateInstance => Request::Run(RunInstances::parse(p, true)?),
            Action::DeleteInstance => Request::DeleteInstance(DeleteInstance::parse(p)?),
            Action::DeleteInstances => Request::DeleteInstances(DeleteInstances::parse(p)?),
            Action::DescribeRegions => Request::DescribeRegions(DescribeRegions::parse(p)?),
            Action::DescribeZones => Request::DescribeZones(DescribeZones::parse(p)?),
            // Disks.
            Action::DescribeDisks => Request::DescribeDisks(DescribeDisks::parse(p)?),
            Action::CreateDisk => Request::CreateDisk(CreateDisk::parse(p)?),
            Action::AttachDisk => Request::AttachDisk(AttachDisk::parse(p)?),
            Action::DetachDisk => Request::DetachDisk(DetachDisk::parse(p)?),
            Action::DeleteDisk => Request::DeleteDisk(DeleteDisk::parse(p)?),
            Action::ResizeDisk => Request::ResizeDisk(ResizeDisk::parse(p)?),
        })
    }

    /// For a caller without permission on an action that
    /// [answers an empty list](Action::empty_when_denied): match nothing.
    pub fn show_nothing(&mut self) {
        if let Request::DescribeInstances(r) = self {
            r.filters.ids = Some(Vec::new());
        }
    }

    /// Apply to the world.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Answer> {
        // Releases that fell due give back stock and quota, and leave listings, before
        // any action looks at them.
        w.sweep_releases(ctx.now);
        let ready = match self {
            Request::DescribeInstances(r) => return r.apply(w, ctx),
            Request::DescribeInstanceAttribute(r) => return r.apply(w, ctx),
            Request::DescribeInstanceStatus(r) => return r.apply(w, ctx),
            Request::StartInstance(r) => r.apply(w, ctx),
            Request::StopInstance(r) => r.apply(w, ctx),
            Request::RebootInstance(r) => r.apply(w, ctx),
            Request::Batch(r) => r.apply(w, ctx),
            Request::Run(r) => r.apply(w, ctx),
            Request::DeleteInstance(r) => r.apply(w, ctx),
            Request::DeleteInstances(r) => r.apply(w, ctx),
            Request::DescribeRegions(r) => r.apply(w, ctx),
            Request::DescribeZones(r) => r.apply(w, ctx),
            // Disks.
            Request::DescribeDisks(r) => r.apply(w, ctx),
            Request::CreateDisk(r) => r.apply(w, ctx),
            Request::AttachDisk(r) => r.apply(w, ctx),
            Request::DetachDisk(r) => r.apply(w, ctx),
            Request::DeleteDisk(r) => r.apply(w, ctx),
            Request::ResizeDisk(r) => r.apply(w, ctx),
        };
        ready.map(Answer::Ready)
    }
}
