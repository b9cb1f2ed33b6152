//! HTTP statuses: the code → status table, and the one place a domain error becomes a
//! wire error ([`WireError`], through `From<ApiError>`).
//!
//! The domain ([`crate::ecs`]) refuses with an [`ApiError`] — a code and a message. What
//! HTTP status the real service answers each code with is a protocol fact and lives
//! here; the renderer writes [`WireError::status`]. Injected faults carry their own
//! status (a rule may give any code any status), so they are built as a [`WireError`]
//! directly.

use crate::ecs::action::Action;
use crate::error::{ApiError, Code, Kind};

/// An error ready for the wire: the error and the HTTP status it is answered with.
#[derive(Debug, Clone, PartialEq)]
pub struct WireError {
    /// Code, message and detail.
    pub error: ApiError,
    /// The HTTP status.
    pub status: u16,
}

impl From<ApiError> for WireError {
    fn from(error: ApiError) -> Self {
        let status = match error.kind {
            Kind::Code(code) => code_status(code),
            Kind::MissingParameter => 400,
            Kind::NoInstanceIds => 403,
            // Only injected faults have codes outside the table, and they are built
            // with their status; any other is a server-side failure.
            Kind::Other => 500,
        };
        WireError { error, status }
    }
}

impl WireError {
    /// `error` as `action` answers it: the code's status, unless the action's own
    /// documentation gives that code another one (`action_status`).
    pub fn of_action(action: Action, error: ApiError) -> Self {
        let mut wire = WireError::from(error);
        if let Kind::Code(code) = wire.error.kind {
            if let Some(status) = action_status(action, code) {
                wire.status = status;
            }
        }
        wire
    }
}

/// The codes a few actions answer with another status than the rest of the API (each
/// from that action's error table).
fn action_status(action: Action, code: Code) -> Option<u16> {
    match (action, code) {
        (Action::AttachDisk, Code::IncorrectInstanceStatus) => Some(400),
        (Action::AttachKeyPair | Action::DetachKeyPair, Code::InvalidKeyPairNameNotFound) => {
            Some(400)
        }
        (Action::DescribeDisks, Code::InvalidStatusValueNotSupported) => Some(400),
        _ => None,
    }
}

impl From<Code> for WireError {
    fn from(code: Code) -> Self {
        WireError::from(ApiError::new(code))
    }
}

/// The HTTP status the real service answers `code` with (the number each variant's doc
/// starts with).
pub fn code_status(code: Code) -> u16 {
    match code {
        Code::MissingParameter => 400,
        Code::InvalidParameter => 400,
        Code::InvalidAccessKeyIdNotFound => 404,
        Code::InvalidAccessKeyIdInactive => 400,
        Code::SignatureDoesNotMatch => 400,
        Code::IncompleteSignature => 400,
        Code::SignatureNonceUsed => 400,
        Code::InvalidSignatureNonceLength => 400,
        Code::InvalidTimeStampFormat => 400,
        Code::InvalidTimeStampExpired => 400,
        Code::InvalidVersion => 400,
        Code::InvalidActionNotFound => 404,
        Code::UnsupportedHttpMethod => 403,
        Code::RequestBodyTooLarge => 413,
        Code::InvalidRequestBody => 400,
        Code::UriTooLong => 414,
        Code::HeaderTooLarge => 431,
        Code::MalformedRequest => 400,
        Code::UnsupportedHttpVersion => 400,
        Code::InvalidContentLength => 400,
        Code::UnsupportedTransferEncoding => 400,
        Code::RequestTimeout => 408,
        Code::ForbiddenRam => 403,
        Code::InternalError => 500,
        Code::ServiceUnavailable => 503,
        Code::LimitedOperationServiceUnavailable => 503,
        Code::Throttling => 400,
        Code::ThrottlingUser => 400,
        Code::ThrottlingApi => 400,
        Code::ThrottlingResource => 429,
        Code::InvalidOperationConflict => 409,
        Code::OperationConflict => 409,
        Code::ServiceUnavailableRegionMaintaining => 503,
        Code::UnknownError => 400,
        Code::ForbiddenRiskControl => 403,
        Code::ForbiddenNotSupportRam => 403,
        Code::InvalidSecurityTokenExpired => 400,
        Code::InvalidSecurityTokenMalformed => 400,
        Code::InvalidSecurityTokenMismatch => 400,
        Code::LastTokenProcessing => 403,
        Code::InvalidIdempotenceParameterMismatch => 403,
        Code::OperationDeniedHostRepairing => 403,
        Code::InvalidInstanceNotFoundSystemDisk => 400,
        Code::LackResource => 400,
        Code::InvalidPrivatePoolOptionsNoStock => 400,
        Code::InvalidRegionIdNotFound => 404,
        Code::InvalidInstanceIdNotFound => 404,
        Code::InvalidInstanceIdsNotFound => 404,
        Code::InvalidInstanceIdsMalformed => 400,
        Code::TooManyInstanceIds => 403,
        Code::DryRunOperation => 400,
        Code::DryRunSuccess => 400,
        Code::IncorrectInstanceStatus => 403,
        Code::IncorrectInstanceStatusInitializing => 403,
        Code::InstanceLockedForSecurity => 403,
        Code::InsufficientBalance => 403,
        Code::DiskError => 403,
        Code::InstanceExpired => 403,
        Code::InstanceExpiredOrInArrears => 403,
        Code::InstanceNotReady => 403,
        Code::DiskInArrears => 403,
        Code::OperationDeniedNoStock => 403,
        Code::OperationDeniedSpotPrice => 403,
        Code::QuotaExceedElasticQuota => 403,
        Code::KmsUnauthorized => 403,
        Code::InvalidStatusNotFound => 404,
        Code::InvalidZoneIdNotFound => 404,
        Code::InvalidInstanceTypeValueNotSupported => 400,
        Code::InvalidInstanceTypeZoneNotSupported => 403,
        Code::InvalidInstanceChargeTypeNotFound => 404,
        Code::InvalidNetworkTypeNotFound => 404,
        Code::InvalidInternetChargeTypeValueNotSupported => 404,
        Code::InvalidLockReasonNotFound => 404,
        Code::InvalidTagMismatch => 400,
        Code::InvalidTagCount => 400,
        Code::IdempotentParameterMismatch => 400,
        Code::InvalidInstanceNameMalformed => 400,
        Code::InvalidParamAmount => 403,
        Code::InvalidSpotStrategy => 400,
        Code::InvalidPeriod => 400,
        Code::InvalidOperationDeletionProtection => 403,
        Code::ChargeTypeViolation => 403,
        Code::InvalidNextToken => 400,
        Code::InvalidAcceptLanguageNotFound => 404,
        // Key pairs and tags.
        Code::InvalidKeyPairNameNotFound => 404,
        Code::InvalidKeyPairNameMalformed => 400,
        Code::KeyPairAlreadyExist => 400,
        Code::QuotaExceedKeyPair => 403,
        Code::InvalidPublicKeyBodyMalformed => 400,
        Code::InvalidKeyPairNamesValueNotSupported => 400,
        Code::KeypairAlreadyAttachedInstance => 400,
        Code::InstanceKeyPairLimitExceeded => 403,
        Code::InvalidInstanceIdsValueNotSupported => 400,
        Code::DependencyViolationWindowsInstance => 403,
        Code::InvalidResourceGroupNotFound => 404,
        Code::InvalidResourceIdNotFound => 404,
        Code::InvalidResourceTypeNotFound => 404,
        Code::MissingParameterResourceType => 404,
        Code::MissingParameterTags => 404,
        Code::MissingParameterRegionId => 404,
        Code::NumberExceedResourceIds => 400,
        Code::NumberExceedTags => 400,
        Code::DuplicateTagKey => 400,
        Code::InvalidTagKeyMalformed => 400,
        Code::InvalidTagValueMalformed => 400,
        Code::OperationDeniedQuotaExceed => 400,
        // Instance attributes.
        Code::InvalidDescriptionMalformed => 400,
        Code::InvalidHostNameMalformed => 400,
        Code::InvalidPasswordMalformed => 400,
        Code::InvalidUserDataSizeExceeded => 400,
        Code::InvalidUserDataBase64 => 403,
        Code::InvalidStatusStoppedRequired => 400,
        Code::InvalidChargeTypeValueNotSupported => 403,
        Code::AllocatedAlready => 403,
        Code::InvalidIpAddressMalformed => 400,
        Code::IpInUse => 403,
        Code::AllocateIpInvalidInstanceBandwidth => 400,
        Code::InvalidInstanceStatusNotStopped => 400,
        Code::InvalidStatusValueNotSupported => 403,
        Code::DependencyViolationInstanceType => 400,
        Code::InvalidAccountStatusNotEnoughBalance => 403,
        // Catalog and images.
        Code::InvalidRegionIdDotted => 404,
        Code::InvalidParamDotted => 400,
        Code::InvalidDestinationResource => 404,
        Code::InvalidResourceTypeDotted => 404,
        Code::InvalidInstanceChargeTypeDotted => 400,
        Code::InvalidIoOptimizedDotted => 404,
        Code::InvalidNetworkCategoryDotted => 404,
        Code::InvalidSpotStrategyDotted => 404,
        Code::InvalidParamTypeAndCpuMemConflict => 403,
        Code::InvalidParamCores => 403,
        Code::InvalidParamMemory => 403,
        Code::InvalidImageOwnerAliasValueNotSupported => 400,
        Code::InvalidOsType => 404,
        Code::InvalidArchitecture => 404,
        Code::InvalidUsage => 404,
        Code::InvalidFilterKeyNotFound => 404,
        Code::InvalidImageIdNotFound => 404,
        Code::OperationDeniedImageNotValid => 404,
        // Network and security groups.
        Code::InvalidSecurityGroupIdNotFound => 404,
        Code::InvalidSecurityGroupNotFound => 404,
        Code::InvalidSecurityGroupIdMalformed => 400,
        Code::InvalidSecurityGroupNameMalformed => 400,
        Code::InvalidVpcIdNotFound => 404,
        Code::AuthorizationLimitExceed => 403,
        Code::InvalidIpProtocolValueNotSupported => 400,
        Code::InvalidIpProtocolMalformed => 400,
        Code::InvalidIpPortRangeMalformed => 400,
        Code::OperationDenied => 400,
        Code::InvalidSourceCidrIpMalformed => 400,
        Code::InvalidDestCidrIpMalformed => 400,
        Code::InvalidPolicyMalformed => 400,
        Code::InvalidPriorityValueNotSupported => 400,
        Code::InvalidNicTypeValueNotSupported => 400,
        Code::MissingParameterSource => 400,
        Code::MissingParameterDest => 400,
        Code::InvalidSourceGroupIdNotFound => 404,
        Code::InvalidSourceGroupIdMismatch => 400,
        Code::InvalidDestGroupIdNotFound => 404,
        Code::InvalidGroupAuthItemNotFound => 403,
        Code::InvalidRuleDescriptionMalformed => 400,
        Code::InvalidInstanceIdAlreadyExists => 403,
        Code::InstanceLastSecurityGroup => 403,
        Code::InstanceNotInSecurityGroup => 403,
        Code::InstanceSecurityGroupLimitExceeded => 400,
        Code::SecurityGroupInstanceLimitExceeded => 403,
        Code::InvalidInstanceIdMismatch => 400,
        Code::DependencyViolation => 403,
        Code::InValidParameterNextToken => 400,
        Code::InvalidParameterSecurityGroupType => 400,
        Code::InvalidParameterAttributeNotSupported => 400,
        Code::InvalidNetworkInterfaceIdNotFound => 404,
        Code::InvalidVSwitchIdNotFound => 404,
        Code::InvalidVSwitchIdNecessary => 400,
        Code::InvalidVSwitchIdIpNotEnough => 400,
        Code::InvalidParameterMismatch => 400,
        Code::SecurityGroupIdSingleIdAndMultiIdConflict => 400,
        Code::SecurityGroupIdRepeated => 400,
        Code::JoinedGroupLimitExceed => 400,
        Code::InvalidSecurityGroupVpcMismatch => 400,
        // Disks.
        Code::InvalidDiskIdNotFound => 404,
        Code::IncorrectDiskStatus => 403,
        Code::IncorrectDiskStatusInitializing => 403,
        Code::ResourcesNotInSameZone => 403,
        Code::InvalidDiskAlreadyDetached => 404,
        Code::DiskNotPortable => 403,
        Code::DiskTypeViolation => 403,
        Code::DiskDetachingFromThisEcs => 403,
        Code::DiskStillAttached => 403,
        Code::InstanceDiskLimitExceeded => 403,
        Code::InvalidDeviceInUse => 403,
        Code::InvalidDeviceMalformed => 400,
        Code::InvalidSizeValueNotSupported => 400,
        Code::InvalidDataDiskSizeValueNotSupported => 403,
        Code::InvalidDiskCategoryValueNotSupported => 400,
        Code::InvalidDataDiskCategoryValueNotSupported => 403,
        Code::InvalidDiskNameMalformed => 400,
        Code::InvalidPerformanceLevelMalformed => 400,
        Code::PerformanceLevelNotMatch => 403,
        Code::InvalidDiskSizeTooSmall => 403,
        Code::InvalidDiskSize => 403,
        Code::InvalidDiskSizeTooLarge => 403,
        Code::InvalidParamType => 400,
        Code::InvalidInstanceStatusNotRunning => 403,
        Code::ZoneIdAndInstanceIdConflict => 403,
        Code::InvalidParameterDiskIds => 400,
        Code::InvalidDiskIdsMalformed => 403,
        Code::InvalidDiskTypeValueNotSupported => 400,
        Code::InvalidCategoryValueNotSupported => 400,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_error_status() {
        for &c in Code::ALL {
            assert!((400..600).contains(&code_status(c)), "{}", c.as_str());
        }
    }

    #[test]
    fn the_status_comes_from_the_kind() {
        assert_eq!(WireError::from(ApiError::missing("RegionId")).status, 400);
        assert_eq!(WireError::from(ApiError::no_instance_ids()).status, 403);
        assert_eq!(
            WireError::from(ApiError::new(Code::InvalidInstanceIdNotFound)).status,
            404
        );
    }
}
