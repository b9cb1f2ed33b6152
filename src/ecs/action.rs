//! The supported actions: names, parsing into typed requests, and the one dispatch `match`.

use crate::ecs::attributes::{DescribeUserData, ModifyInstanceAttribute};
use crate::ecs::available::DescribeAvailableResource;
use crate::ecs::batch::{Batch, BatchOp};
use crate::ecs::create::RunInstances;
use crate::ecs::delete::{DeleteInstance, DeleteInstances};
use crate::ecs::describe::{DescribeInstanceAttribute, DescribeInstanceStatus, DescribeInstances};
use crate::ecs::disk_actions::{CreateDisk, DeleteDisk, ResizeDisk};
use crate::ecs::disk_attach::{AttachDisk, DetachDisk};
use crate::ecs::disks::DescribeDisks;
use crate::ecs::images::DescribeImages;
use crate::ecs::instance_types::{DescribeInstanceTypeFamilies, DescribeInstanceTypes};
use crate::ecs::key_pairs::{
    CreateKeyPair, DeleteKeyPairs, DescribeKeyPairs, ImportKeyPair, KeyPairBinding,
};
use crate::ecs::model::ChargeType;
use crate::ecs::modify_spec::ModifyInstanceSpec;
use crate::ecs::public_ip::AllocatePublicIpAddress;
use crate::ecs::reboot::RebootInstance;
use crate::ecs::regions::{DescribeRegions, DescribeZones};
use crate::ecs::security_groups::{
    CreateSecurityGroup, DeleteSecurityGroup, DescribeSecurityGroupAttribute,
    DescribeSecurityGroups, Membership, ModifySecurityGroupAttribute,
};
use crate::ecs::sg_rules::RuleChange;
use crate::ecs::start::StartInstance;
use crate::ecs::stop::{StopInstance, StopOptions};
use crate::ecs::tags::{DescribeTags, LegacyTags, ListTagResources, TagResources, UntagResources};
use crate::ecs::terraform_reads::{
    DescribeInstanceAttachmentAttributes, DescribeInstanceMaintenanceAttributes,
    DescribeNetworkInterfaces,
};
use crate::ecs::world::World;
use crate::ecs::{Answer, Ctx};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::{Choice, Params};
use crate::random::Random;

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
    // Key pairs.
    CreateKeyPair,
    ImportKeyPair,
    DescribeKeyPairs,
    DeleteKeyPairs,
    AttachKeyPair,
    DetachKeyPair,
    // Tags.
    TagResources,
    UntagResources,
    ListTagResources,
    AddTags,
    RemoveTags,
    DescribeTags,
    // Instance attributes.
    ModifyInstanceAttribute,
    DescribeUserData,
    AllocatePublicIpAddress,
    ModifyInstanceSpec,
    // Catalog and images.
    DescribeInstanceTypes,
    DescribeInstanceTypeFamilies,
    DescribeAvailableResource,
    DescribeImages,
    // Security groups.
    CreateSecurityGroup,
    DescribeSecurityGroups,
    DescribeSecurityGroupAttribute,
    AuthorizeSecurityGroup,
    AuthorizeSecurityGroupEgress,
    RevokeSecurityGroup,
    RevokeSecurityGroupEgress,
    ModifySecurityGroupAttribute,
    DeleteSecurityGroup,
    JoinSecurityGroup,
    LeaveSecurityGroup,
    // Disks.
    DescribeDisks,
    CreateDisk,
    AttachDisk,
    DetachDisk,
    DeleteDisk,
    ResizeDisk,
    // Reads Terraform makes of an instance.
    DescribeNetworkInterfaces,
    DescribeInstanceMaintenanceAttributes,
    DescribeInstanceAttachmentAttributes,
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
    p.choice("InstanceChargeType", || {
        ApiError::new(Code::InvalidInstanceChargeTypeNotFound)
    })
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
    // Key pairs.
    /// CreateKeyPair.
    CreateKeyPair(CreateKeyPair),
    /// ImportKeyPair.
    ImportKeyPair(ImportKeyPair),
    /// DescribeKeyPairs.
    DescribeKeyPairs(DescribeKeyPairs),
    /// DeleteKeyPairs.
    DeleteKeyPairs(DeleteKeyPairs),
    /// AttachKeyPair / DetachKeyPair.
    KeyPairBinding(KeyPairBinding),
    // Tags.
    /// TagResources.
    TagResources(TagResources),
    /// UntagResources.
    UntagResources(UntagResources),
    /// ListTagResources.
    ListTagResources(ListTagResources),
    /// AddTags / RemoveTags.
    LegacyTags(LegacyTags),
    /// DescribeTags.
    DescribeTags(DescribeTags),
    // Instance attributes.
    /// ModifyInstanceAttribute.
    ModifyInstanceAttribute(ModifyInstanceAttribute),
    /// DescribeUserData.
    DescribeUserData(DescribeUserData),
    /// AllocatePublicIpAddress.
    AllocatePublicIpAddress(AllocatePublicIpAddress),
    /// ModifyInstanceSpec.
    ModifyInstanceSpec(ModifyInstanceSpec),
    // Catalog and images.
    /// DescribeInstanceTypes.
    DescribeInstanceTypes(DescribeInstanceTypes),
    /// DescribeInstanceTypeFamilies.
    DescribeInstanceTypeFamilies(DescribeInstanceTypeFamilies),
    /// DescribeAvailableResource.
    DescribeAvailableResource(DescribeAvailableResource),
    /// DescribeImages.
    DescribeImages(DescribeImages),
    // Security groups.
    /// CreateSecurityGroup.
    CreateSecurityGroup(CreateSecurityGroup),
    /// DescribeSecurityGroups.
    DescribeSecurityGroups(DescribeSecurityGroups),
    /// DescribeSecurityGroupAttribute.
    DescribeSecurityGroupAttribute(DescribeSecurityGroupAttribute),
    /// Authorize / Revoke, ingress or egress.
    SecurityGroupRules(RuleChange),
    /// ModifySecurityGroupAttribute.
    ModifySecurityGroupAttribute(ModifySecurityGroupAttribute),
    /// DeleteSecurityGroup.
    DeleteSecurityGroup(DeleteSecurityGroup),
    /// JoinSecurityGroup / LeaveSecurityGroup.
    SecurityGroupMembership(Membership),
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
    // Reads Terraform makes of an instance.
    /// DescribeNetworkInterfaces.
    DescribeNetworkInterfaces(DescribeNetworkInterfaces),
    /// DescribeInstanceMaintenanceAttributes.
    DescribeInstanceMaintenanceAttributes(DescribeInstanceMaintenanceAttributes),
    /// DescribeInstanceAttachmentAttributes.
    DescribeInstanceAttachmentAttributes(DescribeInstanceAttachmentAttributes),
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
            // Key pairs.
            Action::CreateKeyPair => Request::CreateKeyPair(CreateKeyPair::parse(p)?),
            Action::ImportKeyPair => Request::ImportKeyPair(ImportKeyPair::parse(p)?),
            Action::DescribeKeyPairs => Request::DescribeKeyPairs(DescribeKeyPairs::parse(p)?),
            Action::DeleteKeyPairs => Request::DeleteKeyPairs(DeleteKeyPairs::parse(p)?),
            Action::AttachKeyPair => Request::KeyPairBinding(KeyPairBinding::parse(p, true)?),
            Action::DetachKeyPair => Request::KeyPairBinding(KeyPairBinding::parse(p, false)?),
            // Tags.
            Action::TagResources => Request::TagResources(TagResources::parse(p)?),
            Action::UntagResources => Request::UntagResources(UntagResources::parse(p)?),
            Action::ListTagResources => Request::ListTagResources(ListTagResources::parse(p)?),
            Action::AddTags => Request::LegacyTags(LegacyTags::parse(p, true)?),
            Action::RemoveTags => Request::LegacyTags(LegacyTags::parse(p, false)?),
            Action::DescribeTags => Request::DescribeTags(DescribeTags::parse(p)?),
            // Instance attributes.
            Action::ModifyInstanceAttribute => {
                Request::ModifyInstanceAttribute(ModifyInstanceAttribute::parse(p)?)
            }
            Action::DescribeUserData => Request::DescribeUserData(DescribeUserData::parse(p)?),
            Action::AllocatePublicIpAddress => {
                Request::AllocatePublicIpAddress(AllocatePublicIpAddress::parse(p)?)
            }
            Action::ModifyInstanceSpec => {
                Request::ModifyInstanceSpec(ModifyInstanceSpec::parse(p)?)
            }
            // Catalog and images.
            Action::DescribeInstanceTypes => {
                Request::DescribeInstanceTypes(DescribeInstanceTypes::parse(p)?)
            }
            Action::DescribeInstanceTypeFamilies => {
                Request::DescribeInstanceTypeFamilies(DescribeInstanceTypeFamilies::parse(p)?)
            }
            Action::DescribeAvailableResource => {
                Request::DescribeAvailableResource(DescribeAvailableResource::parse(p)?)
            }
            Action::DescribeImages => Request::DescribeImages(DescribeImages::parse(p)?),
            // Security groups.
            Action::CreateSecurityGroup => {
                Request::CreateSecurityGroup(CreateSecurityGroup::parse(p)?)
            }
            Action::DescribeSecurityGroups => {
                Request::DescribeSecurityGroups(DescribeSecurityGroups::parse(p)?)
            }
            Action::DescribeSecurityGroupAttribute => {
                Request::DescribeSecurityGroupAttribute(DescribeSecurityGroupAttribute::parse(p)?)
            }
            Action::AuthorizeSecurityGroup => {
                Request::SecurityGroupRules(RuleChange::parse(p, "ingress", false)?)
            }
            Action::AuthorizeSecurityGroupEgress => {
                Request::SecurityGroupRules(RuleChange::parse(p, "egress", false)?)
            }
            Action::RevokeSecurityGroup => {
                Request::SecurityGroupRules(RuleChange::parse(p, "ingress", true)?)
            }
            Action::RevokeSecurityGroupEgress => {
                Request::SecurityGroupRules(RuleChange::parse(p, "egress", true)?)
            }
            Action::ModifySecurityGroupAttribute => {
                Request::ModifySecurityGroupAttribute(ModifySecurityGroupAttribute::parse(p)?)
            }
            Action::DeleteSecurityGroup => {
                Request::DeleteSecurityGroup(DeleteSecurityGroup::parse(p)?)
            }
            Action::JoinSecurityGroup => {
                Request::SecurityGroupMembership(Membership::parse(p, false)?)
            }
            Action::LeaveSecurityGroup => {
                Request::SecurityGroupMembership(Membership::parse(p, true)?)
            }
            // Disks.
            Action::DescribeDisks => Request::DescribeDisks(DescribeDisks::parse(p)?),
            Action::CreateDisk => Request::CreateDisk(CreateDisk::parse(p)?),
            Action::AttachDisk => Request::AttachDisk(AttachDisk::parse(p)?),
            Action::DetachDisk => Request::DetachDisk(DetachDisk::parse(p)?),
            Action::DeleteDisk => Request::DeleteDisk(DeleteDisk::parse(p)?),
            Action::ResizeDisk => Request::ResizeDisk(ResizeDisk::parse(p)?),
            // Reads Terraform makes of an instance.
            Action::DescribeNetworkInterfaces => {
                Request::DescribeNetworkInterfaces(DescribeNetworkInterfaces::parse(p)?)
            }
            Action::DescribeInstanceMaintenanceAttributes => {
                Request::DescribeInstanceMaintenanceAttributes(
                    DescribeInstanceMaintenanceAttributes::parse(p)?,
                )
            }
            Action::DescribeInstanceAttachmentAttributes => {
                Request::DescribeInstanceAttachmentAttributes(
                    DescribeInstanceAttachmentAttributes::parse(p)?,
                )
            }
        })
    }

    /// For a caller without permission on an action that
    /// [answers an empty list](Action::empty_when_denied): match nothing.
    pub fn show_nothing(&mut self) {
        if let Request::DescribeInstances(r) = self {
            r.filters.ids = Some(Vec::new());
        }
    }

    /// Work done before the state lock is taken (making a CreateKeyPair key).
    pub fn prepare(&mut self, random: &Random) {
        if let Request::CreateKeyPair(r) = self {
            r.prepare(random);
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
            // Key pairs.
            Request::CreateKeyPair(r) => r.apply(w, ctx),
            Request::ImportKeyPair(r) => r.apply(w, ctx),
            Request::DescribeKeyPairs(r) => r.apply(w, ctx),
            Request::DeleteKeyPairs(r) => r.apply(w, ctx),
            Request::KeyPairBinding(r) => r.apply(w, ctx),
            // Tags.
            Request::TagResources(r) => r.apply(w, ctx),
            Request::UntagResources(r) => r.apply(w, ctx),
            Request::ListTagResources(r) => r.apply(w, ctx),
            Request::LegacyTags(r) => r.apply(w, ctx),
            Request::DescribeTags(r) => r.apply(w, ctx),
            // Instance attributes.
            Request::ModifyInstanceAttribute(r) => r.apply(w, ctx),
            Request::DescribeUserData(r) => r.apply(w, ctx),
            Request::AllocatePublicIpAddress(r) => r.apply(w, ctx),
            Request::ModifyInstanceSpec(r) => r.apply(w, ctx),
            // Catalog and images.
            Request::DescribeInstanceTypes(r) => r.apply(w, ctx),
            Request::DescribeInstanceTypeFamilies(r) => r.apply(w, ctx),
            Request::DescribeAvailableResource(r) => r.apply(w, ctx),
            Request::DescribeImages(r) => r.apply(w, ctx),
            // Security groups.
            Request::CreateSecurityGroup(r) => r.apply(w, ctx),
            Request::DescribeSecurityGroups(r) => r.apply(w, ctx),
            Request::DescribeSecurityGroupAttribute(r) => r.apply(w, ctx),
            Request::SecurityGroupRules(r) => r.apply(w, ctx),
            Request::ModifySecurityGroupAttribute(r) => r.apply(w, ctx),
            Request::DeleteSecurityGroup(r) => r.apply(w, ctx),
            Request::SecurityGroupMembership(r) => r.apply(w, ctx),
            // Disks.
            Request::DescribeDisks(r) => r.apply(w, ctx),
            Request::CreateDisk(r) => r.apply(w, ctx),
            Request::AttachDisk(r) => r.apply(w, ctx),
            Request::DetachDisk(r) => r.apply(w, ctx),
            Request::DeleteDisk(r) => r.apply(w, ctx),
            Request::ResizeDisk(r) => r.apply(w, ctx),
            // Reads Terraform makes of an instance.
            Request::DescribeNetworkInterfaces(r) => r.apply(w, ctx),
            Request::DescribeInstanceMaintenanceAttributes(r) => r.apply(w, ctx),
            Request::DescribeInstanceAttachmentAttributes(r) => r.apply(w, ctx),
        };
        ready.map(Answer::Ready)
    }
}
