//! The one error type of ecs-mock: an ECS error code and its message, without HTTP.
//!
//! Every failure a client can see — a protocol problem found by the gateway or a
//! business rule refused by the domain — is an [`ApiError`]. The [`Code`] enum lists
//! each documented code once, with its wire string and its default message (the ECS
//! common error table and the per-action error tables); codes marked "injected faults
//! only" are never raised by ecs-mock itself, but a fault rule given one of them by code
//! alone answers with its status and message. The HTTP status of each code (the number
//! at the start of each variant's doc) is the gateway's business:
//! `gateway::status` maps an error to it in one place, and rendering to JSON or XML
//! happens in exactly one place, `gateway::render`.

use std::borrow::Cow;
use std::fmt;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident => ($wire:literal, $message:literal), )*) => {
        /// An ECS error code. Each variant's wire string and default message are given
        /// by [`Code::as_str`] and [`Code::default_message`]; its HTTP status, written
        /// in its doc, by the gateway.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code (the tests check that wire strings are unique).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as it appears in the `Code` field on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $wire, )* }
            }

            /// The documented message used when no more specific one is given.
            pub fn default_message(self) -> &'static str {
                match self { $( Code::$variant => $message, )* }
            }

            /// The code with this wire string, if the table has it.
            pub fn from_wire(wire: &str) -> Option<Code> {
                match wire { $( $wire => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    /// 400: a required parameter is absent (action-level form, e.g. RunInstances ImageId).
    MissingParameter => ("MissingParameter", "The input parameter that is mandatory for processing this request is not supplied."),
    /// 400: a parameter has an invalid value.
    InvalidParameter => ("InvalidParameter", "The specified parameter is not valid."),
    /// 404: the AccessKeyId is unknown.
    InvalidAccessKeyIdNotFound => ("InvalidAccessKeyId.NotFound", "Specified access key is not found."),
    /// 400: the AccessKeyId's status is `Inactive` (`PATCH /_mock/accounts/{AccountId}`).
    InvalidAccessKeyIdInactive => ("InvalidAccessKeyId.Inactive", "Specified access key is disabled."),
    /// 400: the signature does not match the server's calculation.
    SignatureDoesNotMatch => ("SignatureDoesNotMatch", "Specified signature is not matched with our calculation."),
    /// 400: the signature parts are malformed or use an unsupported algorithm.
    IncompleteSignature => ("IncompleteSignature", "The request signature does not conform to Aliyun standards."),
    /// 400: the SignatureNonce was seen before within the replay window.
    SignatureNonceUsed => ("SignatureNonceUsed", "Specified signature nonce was used already."),
    /// 400: the SignatureNonce is longer than 256 characters (never stored).
    InvalidSignatureNonceLength => ("InvalidSignatureNonce.Length", "The specified SignatureNonce is too long: at most 256 characters are accepted."),
    /// 400: Timestamp / x-acs-date cannot be parsed.
    InvalidTimeStampFormat => ("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."),
    /// 400: Timestamp / x-acs-date is more than 15 minutes away from the server clock.
    InvalidTimeStampExpired => ("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
    /// 400: Version is not `2014-05-26`.
    InvalidVersion => ("InvalidVersion", "Specified parameter Version is not valid."),
    /// 404: the Action is not an ECS action ecs-mock knows.
    InvalidActionNotFound => ("InvalidAction.NotFound", "Specified api is not found, please check your url and method."),
    /// 403: only GET and POST are accepted.
    UnsupportedHttpMethod => ("UnsupportedHTTPMethod", "This http method is not supported."),
    /// 413: the request body is larger than the gateway accepts (no documented ECS code; ecs-mock's choice).
    RequestBodyTooLarge => ("InvalidParameter.BodyTooLarge", "The request body is too large."),
    /// 400: the request body could not be read (bad chunked framing, a connection that
    /// ended early); ecs-mock's choice, the message says what went wrong.
    InvalidRequestBody => ("InvalidRequest.Body", "The request body could not be read."),
    /// 414: the request target is longer than the HTTP layer serves (no documented ECS code; ecs-mock's choice).
    UriTooLong => ("InvalidParameter.UriTooLong", "The request URI is too long."),
    /// 431: the header block is larger, or has more fields, than the HTTP layer serves (ecs-mock's choice).
    HeaderTooLarge => ("InvalidParameter.HeaderTooLarge", "The request header block is too large."),
    /// 400: the request line or a header line is not valid HTTP/1.1 (ecs-mock's choice).
    MalformedRequest => ("InvalidRequest.Malformed", "The request is not a valid HTTP request."),
    /// 400: an HTTP version other than HTTP/1.0 or HTTP/1.1 (ecs-mock's choice; HTTP would say 505).
    UnsupportedHttpVersion => ("InvalidRequest.HttpVersion", "The HTTP version is not supported; use HTTP/1.1."),
    /// 400: Content-Length is not a decimal number, or two of them disagree (ecs-mock's choice).
    InvalidContentLength => ("InvalidParameter.ContentLength", "The Content-Length header is not valid."),
    /// 400: a Transfer-Encoding other than a final `chunked`, or one on HTTP/1.0 (ecs-mock's choice).
    UnsupportedTransferEncoding => ("InvalidRequest.TransferEncoding", "The Transfer-Encoding header is not supported; only chunked is."),
    /// 408: the client stopped sending in the middle of a request head for longer than
    /// `--idle-timeout` (ecs-mock's choice; the connection is closed after the answer).
    RequestTimeout => ("InvalidRequest.Timeout", "The request head did not arrive in time."),
    /// 403: a RAM user lacks permission for the action.
    ForbiddenRam => ("Forbidden.RAM", "User not authorized to operate on the specified resource, or this API doesn't support RAM."),
    /// 500: an internal failure (also the default injected fault).
    InternalError => ("InternalError", "The request processing has failed due to some unknown error."),
    /// 503: a temporary failure: injected faults, and a connection over `--max-connections`
    /// (closed after the answer).
    ServiceUnavailable => ("ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    /// 503: the operation is unavailable for now (Stop/Reboot tables; injected faults only).
    LimitedOperationServiceUnavailable => ("LimitedOperation.ServiceUnavailable", "The service is currently unavailable. Please try again later."),
    /// 400: flow control (the ECS common table's status; every SDK that retries
    /// throttling matches on the code; injected faults only).
    Throttling => ("Throttling", "Request was denied due to flow control."),
    /// 400: per-user flow control (injected faults only).
    ThrottlingUser => ("Throttling.User", "Request was denied due to user flow control."),
    /// 400: per-API flow control (injected faults only).
    ThrottlingApi => ("Throttling.Api", "Request was denied due to api flow control."),
    /// 429: RunInstances resource throttling (injected faults only).
    ThrottlingResource => ("Throttling.Resource", "The request throttle by resource operation."),
    /// 409: a conflicting request is in progress (batch actions; injected faults only).
    InvalidOperationConflict => ("InvalidOperation.Conflict", "Request was denied due to conflict with a previous request, please try again later."),
    /// 409: a conflicting request is in progress (injected faults only).
    OperationConflict => ("OperationConflict", "Request was denied due to conflict with a previous request."),
    /// 503: region maintenance (injected faults only).
    ServiceUnavailableRegionMaintaining => ("ServiceUnavailable.RegionMaintaining", "System maintenance is in progress on the selected region, please wait a few minutes before trying again."),
    /// 400: an unknown failure, client side (injected faults only; retried by py_core).
    UnknownError => ("UnknownError", "The request processing has failed due to some unknown error."),
    /// 403: risk control (injected faults only).
    ForbiddenRiskControl => ("Forbidden.RiskControl", "This operation is forbidden by Aliyun RiskControl system."),
    /// 403: the action refuses RAM users (injected faults only).
    ForbiddenNotSupportRam => ("Forbidden.NotSupportRAM", "This action does not support accessed by RAM mode."),
    /// 400: STS token expired (injected faults only).
    InvalidSecurityTokenExpired => ("InvalidSecurityToken.Expired", "Specified SecurityToken is expired."),
    /// 400: STS token malformed (injected faults only).
    InvalidSecurityTokenMalformed => ("InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed."),
    /// 400: STS token of another key (injected faults only).
    InvalidSecurityTokenMismatch => ("InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey."),
    /// 403: a request with the same ClientToken is still running (injected faults only).
    LastTokenProcessing => ("LastTokenProcessing", "The last token request is processing."),
    /// 403: a ClientToken reused with other parameters, newer form (injected faults only).
    InvalidIdempotenceParameterMismatch => ("InvalidIdempotenceParameter.Mismatch", "The specified parameters are different from before."),
    /// 403: the host is being repaired (StartInstance table; injected faults only).
    OperationDeniedHostRepairing => ("OperationDenied.HostRepairing", "The specified operation is denied as the host of ECS instance is being repaired."),
    /// 400: the instance has no system disk (StartInstance table; injected faults only).
    InvalidInstanceNotFoundSystemDisk => ("InvalidInstance.NotFoundSystemDisk", "The specified instance does not have system disk."),
    /// 400: the capacity reservation is used up (StartInstance table; injected faults only).
    LackResource => ("LackResource", "There's no enough resource on the specified capacity reservation."),
    /// 400: the private pool is used up (StartInstance table; injected faults only).
    InvalidPrivatePoolOptionsNoStock => ("Invalid.PrivatePoolOptions.NoStock", "The PrivatePool has been used up."),
    /// 404: RegionId is not a region of the fixtures.
    InvalidRegionIdNotFound => ("InvalidRegionId.NotFound", "The specified RegionId does not exist."),
    /// 404: the instance does not exist for this caller in this region.
    InvalidInstanceIdNotFound => ("InvalidInstanceId.NotFound", "The specified InstanceId does not exist."),
    /// 404: none of the instances of a batch exist.
    InvalidInstanceIdsNotFound => ("InvalidInstanceIds.NotFound", "The specified InstanceIds does not exist."),
    /// 400: InstanceIds is not a valid JSON array of ids.
    InvalidInstanceIdsMalformed => ("InvalidInstanceIds.Malformed", "The specified InstanceIds is not valid."),
    /// 403: more than 100 ids in a batch.
    TooManyInstanceIds => ("InvalidParameter.TooManyInstanceIds", "Instance ids cannot be more than 100."),
    /// 400: DryRun passed on a single-instance action.
    DryRunOperation => ("DryRunOperation", "Request validation has been passed with DryRun flag set."),
    /// 400: DryRun passed on a batch action.
    DryRunSuccess => ("DRYRUN.SUCCESS", "This request is a dryrun request with successful result."),
    /// 403: the instance status does not allow the action (AttachDisk answers 400, see
    /// `gateway::status`).
    IncorrectInstanceStatus => ("IncorrectInstanceStatus", "The current status of the resource does not support this operation."),
    /// 403: the instance is still initialising (Pending) and cannot be deleted yet.
    IncorrectInstanceStatusInitializing => ("IncorrectInstanceStatus.Initializing", "The specified instance status does not support this operation."),
    /// 403: the instance has a `security` operation lock.
    InstanceLockedForSecurity => ("InstanceLockedForSecurity", "The specified operation is denied as your instance is locked for security reasons."),
    /// 403: the PostPaid account balance is not positive.
    InsufficientBalance => ("InsufficientBalance", "Your account does not have enough balance."),
    /// 403: a system or data disk is not In_use.
    DiskError => ("DiskError", "IncorrectDiskStatus."),
    /// 403: the instance is expired (message says prePaid or postPaid).
    InstanceExpired => ("InstanceExpired", "The prePaid instance has been expired."),
    /// 403: Stop/Reboot of an expired or overdue instance.
    InstanceExpiredOrInArrears => ("InstanceExpiredOrInArrears", "The specified operation is denied as your prepay instance is expired (prepay mode) or in arrears (afterpay mode)."),
    /// 403: the instance is still Pending (500 when injected as a fault).
    InstanceNotReady => ("InstanceNotReady", "The specified instance is not ready for use."),
    /// 403: a disk of the instance has expired.
    DiskInArrears => ("DiskInArrears", "The specified operation is denied as your disk has expired."),
    /// 403: no stock of the instance type in the zone.
    OperationDeniedNoStock => ("OperationDenied.NoStock", "The requested resource is sold out in the specified zone; try other types of resources or other regions and zones."),
    /// 403: the spot price limit is below the zone's current spot price.
    OperationDeniedSpotPrice => ("OperationDenied.SpotPriceLowerThanPublicPrice", "The spot instance price is lower than public price."),
    /// 403: an account quota (vCPUs or instances of a type) would be exceeded.
    QuotaExceedElasticQuota => ("QuotaExceed.ElasticQuota", "No additional quota is available for the specified ECS instance type."),
    /// 403: the instance has an encrypted disk and the account has not authorised KMS.
    KmsUnauthorized => ("InvalidParameter.KMSKeyId.KMSUnauthorized", "ECS service have no right to access your KMS."),
    /// 404: Status filter value unknown.
    InvalidStatusNotFound => ("InvalidStatus.NotFound", "The specified Status is not found"),
    /// 404: ZoneId unknown in the region.
    InvalidZoneIdNotFound => ("InvalidZoneId.NotFound", "The ZoneId provided does not exist in our records."),
    /// 400: InstanceType unknown or not sold.
    InvalidInstanceTypeValueNotSupported => ("InvalidInstanceType.ValueNotSupported", "The specified InstanceType does not exist or beyond the permitted range."),
    /// 403: the zone does not sell the instance type.
    InvalidInstanceTypeZoneNotSupported => ("InvalidInstanceType.ZoneNotSupported", "The specified zone does not support this instancetype."),
    /// 404: InstanceChargeType value unknown.
    InvalidInstanceChargeTypeNotFound => ("InvalidInstanceChargeType.NotFound", "The InstanceChargeType does not exist in our records"),
    /// 404: InstanceNetworkType filter unknown.
    InvalidNetworkTypeNotFound => ("InvalidNetworkType.NotFound", "The specified InstanceNetworkType is not found"),
    /// 404: InternetChargeType filter unknown.
    InvalidInternetChargeTypeValueNotSupported => ("InvalidInternetChargeType.ValueNotSupported", "The specified InternetChargeType is not valid"),
    /// 404: LockReason filter unknown.
    InvalidLockReasonNotFound => ("InvalidLockReason.NotFound", "The specified LockReason is not found"),
    /// 400: a Tag.N.Value without its Tag.N.Key.
    InvalidTagMismatch => ("InvalidTag.Mismatch", "The specified Tag.n.Key and Tag.n.Value are not match."),
    /// 400: more than 20 tags.
    InvalidTagCount => ("InvalidTagCount", "The specified tags are beyond the permitted range."),
    /// 400: a ClientToken reused with different parameters.
    IdempotentParameterMismatch => ("IdempotentParameterMismatch", "The request is retried with updated parameters."),
    /// 400: InstanceName is not 2–128 characters or starts badly.
    InvalidInstanceNameMalformed => ("InvalidInstanceName.Malformed", "The specified parameter \"InstanceName\" is not valid."),
    /// 403: Amount / MinAmount out of range.
    InvalidParamAmount => ("InvalidParam.Amount", "The specified parameter Amount is not valid."),
    /// 400: SpotStrategy value unknown.
    InvalidSpotStrategy => ("InvalidSpotStrategy", "The specified SpotStrategy is not valid."),
    /// 400: a PrePaid request without a valid Period.
    InvalidPeriod => ("InvalidPeriod", "The specified period is not valid."),
    /// 403: release protection is on.
    InvalidOperationDeletionProtection => ("InvalidOperation.DeletionProtection", "The operation is not allowed due to deletion protection."),
    /// 403: the charge type forbids the operation (unexpired subscription).
    ChargeTypeViolation => ("ChargeTypeViolation", "The operation is not permitted due to charge type of the instance."),
    /// 400: NextToken is not one ecs-mock issued.
    InvalidNextToken => ("InvalidParameter.NextToken", "The specified parameter NextToken is not valid."),
    /// 404: AcceptLanguage value unknown.
    InvalidAcceptLanguageNotFound => ("InvalidAcceptLanguage.NotFound", "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed."),
    // Key pairs and tags.
    /// 404: the key pair does not exist (RunInstances, CreateInstance; AttachKeyPair and DetachKeyPair answer 400, see `gateway::status`).
    InvalidKeyPairNameNotFound => ("InvalidKeyPairName.NotFound", "The specified KeyPairName does not exist in our records."),
    /// 400: KeyPairName is not 2–128 characters, starting with a letter, of letters, digits, `:`, `_`, `.`, `-`.
    InvalidKeyPairNameMalformed => ("InvalidKeyPairName.Malformed", "Specified Key Pair name is not valid."),
    /// 400: a key pair of that name exists in the region.
    KeyPairAlreadyExist => ("KeyPair.AlreadyExist", "The key pair already exist."),
    /// 403: the region already has 500 key pairs.
    QuotaExceedKeyPair => ("QuotaExceed.KeyPair", "The key pair quota exceeds."),
    /// 400: PublicKeyBody is not a one-line OpenSSH key of an accepted type.
    InvalidPublicKeyBodyMalformed => ("InvalidPublicKeyBody.Malformed", "The PublicKeyBody format is not supported."),
    /// 400: KeyPairNames is not a JSON array of names.
    InvalidKeyPairNamesValueNotSupported => ("InvalidKeyPairNames.ValueNotSupported", "The specified parameter \"KeyPairNames\" is not valid."),
    /// 400: DeleteKeyPairs of a key pair instances still use.
    KeypairAlreadyAttachedInstance => ("InvalidParameter.KeypairAlreadyAttachedInstance", "The specified parameter \"KeyPairNames\" attached to instances can not be deleted."),
    /// 403: more than 50 instances (Attach/DetachKeyPair) or 100 names (DeleteKeyPairs).
    InstanceKeyPairLimitExceeded => ("InstanceKeyPairLimitExceeded", "The specified instances are beyond the permitted range."),
    /// 400: InstanceIds of Attach/DetachKeyPair is not a JSON array of ids.
    InvalidInstanceIdsValueNotSupported => ("InvalidInstanceIds.ValueNotSupported", "The specified parameter InstanceIds is not valid."),
    /// 403: a key pair for a Windows instance.
    DependencyViolationWindowsInstance => ("DependencyViolation.WindowsInstance", "The instance creating is windows, cannot use ssh key pair to login"),
    /// 404: ResourceGroupId is not a resource group id (`rg-…`).
    InvalidResourceGroupNotFound => ("InvalidResourceGroup.NotFound", "The ResourceGroup provided does not exist in our records."),
    /// 404: a resource to tag does not exist for the caller in the region.
    InvalidResourceIdNotFound => ("InvalidResourceId.NotFound", "The specified ResourceIds are not found in our records."),
    /// 404: ResourceType is not a taggable kind.
    InvalidResourceTypeNotFound => ("InvalidResourceType.NotFound", "The ResourceType provided does not exist in our records."),
    /// 404: a tag action without ResourceType (documented as 404).
    MissingParameterResourceType => ("MissingParameter.ResourceType", "The parameter - ResourceType should not be null"),
    /// 404: TagResources without Tag.N (documented as 404).
    MissingParameterTags => ("MissingParameter.Tags", "The parameter - Tags should not be null"),
    /// 404: a tag action without RegionId (documented as 404).
    MissingParameterRegionId => ("MissingParameter.RegionId", "The parameter - RegionId should not be null"),
    /// 400: more than 50 ResourceId.N.
    NumberExceedResourceIds => ("NumberExceed.ResourceIds", "The ResourceIds parameter's number is exceed , Valid : 50"),
    /// 400: more than 20 Tag.N or TagKey.N.
    NumberExceedTags => ("NumberExceed.Tags", "The Tags parameter's number is exceed , Valid : 20"),
    /// 400: the same Tag.N.Key twice.
    DuplicateTagKey => ("Duplicate.TagKey", "The Tag.N.Key contain duplicate key."),
    /// 400: a tag key that is empty, longer than 128, starts with `aliyun` or `acs:`, or holds `http://`/`https://`.
    InvalidTagKeyMalformed => ("InvalidTagKey.Malformed", "The specified Tag.n.Key is not valid."),
    /// 400: a tag value longer than 128 or holding `http://`/`https://`.
    InvalidTagValueMalformed => ("InvalidTagValue.Malformed", "The specified Tag.n.Value is not valid."),
    /// 400: a resource would carry more than 20 tags.
    OperationDeniedQuotaExceed => ("OperationDenied.QuotaExceed", "The quota of tags on resource is beyond permitted range."),
    // Instance attributes: ModifyInstanceAttribute, DescribeUserData,
    // AllocatePublicIpAddress, ModifyInstanceSpec.
    /// 400: Description is not 2–256 characters or starts with `http://` / `https://`.
    InvalidDescriptionMalformed => ("InvalidDescription.Malformed", "The specified parameter \"Description\" is not valid."),
    /// 400: HostName is not a valid host name (length, characters, `.`/`-` placement).
    InvalidHostNameMalformed => ("InvalidHostName.Malformed", "The specified parameter \"HostName\" is not valid."),
    /// 400: Password is not 8–30 characters of at least three character classes.
    InvalidPasswordMalformed => ("InvalidPassword.Malformed", "The specified parameter \"Password\" is not valid."),
    /// 400: UserData is larger than 32 KB once decoded.
    InvalidUserDataSizeExceeded => ("InvalidUserData.SizeExceeded", "The specified parameter \"UserData\" exceeds the size."),
    /// 403: UserData is not Base64.
    InvalidUserDataBase64 => ("InvalidUserData.Base64FormatInvalid", "The specified UserData is not valid"),
    /// 400: the change needs a Stopped instance (ModifyInstanceAttribute UserData).
    InvalidStatusStoppedRequired => ("InvalidStatus.StoppedRequired", "The current state of the resource does not support this operation, it can only be operated in a stopped state."),
    /// 403: deletion protection on a PrePaid or spot instance.
    InvalidChargeTypeValueNotSupported => ("InvalidChargeType.ValueNotSupported", "Deletion protection is only valid for postPaid instance, not for prePaid or spot instance."),
    /// 403: the instance already has a public IP address (or an EIP).
    AllocatedAlready => ("AllocatedAlready", "There is an IpAddress allocated already for the specified instance."),
    /// 400: IpAddress is not an IPv4 address.
    InvalidIpAddressMalformed => ("InvalidIpAddress.Malformed", "The specified parameter \"IpAddress\" is not valid."),
    /// 403: the requested IP address belongs to another instance.
    IpInUse => ("IpInUse", "The specified IP is already in use."),
    /// 400: a public IP for an instance without public bandwidth (message as the real service words it).
    AllocateIpInvalidInstanceBandwidth => ("AllocateIpInvalidInstanceBandwidth", "OperationDenied The InternetMaxBandwidthOut of the specified instance cannot be less than 0."),
    /// 400: ModifyInstanceSpec InstanceType on an instance that is not Stopped.
    InvalidInstanceStatusNotStopped => ("InvalidInstanceStatus.NotStopped", "The specified Instance status is not stopped."),
    /// 403: the instance status does not allow the change (ModifyInstanceSpec bandwidth;
    /// DescribeDisks answers an unknown `Status` with 400, see `gateway::status`).
    InvalidStatusValueNotSupported => ("InvalidStatus.ValueNotSupported", "The current status of the resource does not support this operation."),
    /// 400: ModifyInstanceSpec to the instance's own type.
    DependencyViolationInstanceType => ("DependencyViolation.InstanceType", "The current InstanceType cannot be changed to the specified InstanceType."),
    /// 403: a PostPaid change with a balance that is not positive.
    InvalidAccountStatusNotEnoughBalance => ("InvalidAccountStatus.NotEnoughBalance", "Your account does not have enough balance."),
    // Catalog and images (DescribeAvailableResource, DescribeImages, the RunInstances image check).
    /// 404: DescribeAvailableResource's RegionId is not a region.
    InvalidRegionIdDotted => ("Invalid.RegionId", "The specified RegionId does not exist."),
    /// 400: DescribeAvailableResource without DestinationResource.
    InvalidParamDotted => ("Invalid.Param", "The input parameter DestinationResource that is mandatory for processing this request is not supplied."),
    /// 404: DestinationResource value unknown.
    InvalidDestinationResource => ("Invalid.DestinationResource", "The specified DestinationResource is not valid."),
    /// 404: ResourceType value unknown (DescribeAvailableResource).
    InvalidResourceTypeDotted => ("Invalid.ResourceType", "The ResourceType provided does not exist in our records."),
    /// 400: InstanceChargeType value unknown (DescribeAvailableResource).
    InvalidInstanceChargeTypeDotted => ("Invalid.InstanceChargeType", "The specified InstanceChargeType is not valid."),
    /// 404: IoOptimized value unknown (DescribeAvailableResource).
    InvalidIoOptimizedDotted => ("Invalid.IoOptimized", "The specified IoOptimized is not valid."),
    /// 404: NetworkCategory value unknown (DescribeAvailableResource).
    InvalidNetworkCategoryDotted => ("Invalid.NetworkCategory", "The specified NetworkCategory is not valid."),
    /// 404: SpotStrategy value unknown (DescribeAvailableResource).
    InvalidSpotStrategyDotted => ("Invalid.SpotStrategy", "The specified SpotStrategy is not valid."),
    /// 403: InstanceType together with Cores or Memory (DescribeAvailableResource).
    InvalidParamTypeAndCpuMemConflict => ("InvalidParam.TypeAndCpuMem.Conflict", "The specified 'InstanceType' and 'Cores','Memory' are not blank at the same time."),
    /// 403: Cores with a DestinationResource other than InstanceType.
    InvalidParamCores => ("InvalidParam.Cores", "The specified parameter 'Cores' should be empty"),
    /// 403: Memory with a DestinationResource other than InstanceType.
    InvalidParamMemory => ("InvalidParam.Memory", "The specified parameter 'Memory' should be empty"),
    /// 400: ImageOwnerAlias is not system, self, others or marketplace.
    InvalidImageOwnerAliasValueNotSupported => ("InvalidImageOwnerAlias.ValueNotSupported", "The specified ImageOwnerAlias value is not supported."),
    /// 404: OSType is not linux or windows (the source's spelling).
    InvalidOsType => ("InvalidOSType", "The specifed OSType is not valid"),
    /// 404: Architecture is not i386, x86_64 or arm64 (the source's spelling).
    InvalidArchitecture => ("InvalidArchitecture", "The specifed Architecture is not valid"),
    /// 404: Usage is not instance or none (the source's spelling).
    InvalidUsage => ("InvalidUsage", "The specifed Usage is not valid"),
    /// 404: a Filter.N.Key DescribeImages does not know.
    InvalidFilterKeyNotFound => ("InvalidFilterKey.NotFound", "The specified filter key is not found."),
    /// 404: RunInstances / CreateInstance name an image the caller cannot see.
    InvalidImageIdNotFound => ("InvalidImageId.NotFound", "The specified ImageId does not exist."),
    /// 404: the image is not Available (the API metadata's status; older docs say 403).
    OperationDeniedImageNotValid => ("OperationDenied.ImageNotValid", "The specified Image is disabled or is deleted."),
    // Network and security groups.
    /// 404: InvalidSecurityGroupId.NotFound.
    InvalidSecurityGroupIdNotFound => ("InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist."),
    /// 404: InvalidSecurityGroup.NotFound.
    InvalidSecurityGroupNotFound => ("InvalidSecurityGroup.NotFound", "The specified security group is not found."),
    /// 400: InvalidSecurityGroupId.Malformed.
    InvalidSecurityGroupIdMalformed => ("InvalidSecurityGroupId.Malformed", "The specified parameter SecurityGroupId is not valid."),
    /// 400: InvalidSecurityGroupName.Malformed.
    InvalidSecurityGroupNameMalformed => ("InvalidSecurityGroupName.Malformed", "Specified security group name is not valid."),
    /// 404: InvalidVpcId.NotFound.
    InvalidVpcIdNotFound => ("InvalidVpcId.NotFound", "Specified VPC does not exist."),
    /// 403: AuthorizationLimitExceed.
    AuthorizationLimitExceed => ("AuthorizationLimitExceed", "The limit of authorization records in the security group reaches."),
    /// 400: InvalidIpProtocol.ValueNotSupported.
    InvalidIpProtocolValueNotSupported => ("InvalidIpProtocol.ValueNotSupported", "The parameter IpProtocol must be specified with case insensitive TCP, UDP, ICMP, GRE or All."),
    /// 400: InvalidIpProtocol.Malformed.
    InvalidIpProtocolMalformed => ("InvalidIpProtocol.Malformed", "The specified parameter \"PortRange\" is not valid."),
    /// 400: InvalidIpPortRange.Malformed.
    InvalidIpPortRangeMalformed => ("InvalidIpPortRange.Malformed", "The specified parameter \"PortRange\" is not valid."),
    /// 400: OperationDenied.
    OperationDenied => ("OperationDenied", "The specified IpProtocol does not exist or IpProtocol and PortRange do not match."),
    /// 400: InvalidSourceCidrIp.Malformed.
    InvalidSourceCidrIpMalformed => ("InvalidSourceCidrIp.Malformed", "The specified parameter \"SourceCidrIp\" is not valid."),
    /// 400: InvalidDestCidrIp.Malformed.
    InvalidDestCidrIpMalformed => ("InvalidDestCidrIp.Malformed", "The specified parameter DestCidrIp is not valid."),
    /// 400: InvalidPolicy.Malformed.
    InvalidPolicyMalformed => ("InvalidPolicy.Malformed", "The specified parameter \"Policy\" is not valid."),
    /// 400: InvalidPriority.ValueNotSupported.
    InvalidPriorityValueNotSupported => ("InvalidPriority.ValueNotSupported", "The parameter Priority is invalid."),
    /// 400: InvalidNicType.ValueNotSupported.
    InvalidNicTypeValueNotSupported => ("InvalidNicType.ValueNotSupported", "The specified NicType does not exist."),
    /// 400: MissingParameter.Source.
    MissingParameterSource => ("MissingParameter.Source", "Either SourceCidrIp or SourceGroupId must be specified."),
    /// 400: MissingParameter.Dest.
    MissingParameterDest => ("MissingParameter.Dest", "Either DestCidrIp or DestGroupId must be specified."),
    /// 404: InvalidSourceGroupId.NotFound.
    InvalidSourceGroupIdNotFound => ("InvalidSourceGroupId.NotFound", "The SourceGroupId provided does not exist in our records."),
    /// 400: InvalidSourceGroupId.Mismatch.
    InvalidSourceGroupIdMismatch => ("InvalidSourceGroupId.Mismatch", "Specified security group and source group are not in the same VPC."),
    /// 404: InvalidDestGroupId.NotFound.
    InvalidDestGroupIdNotFound => ("InvalidDestGroupId.NotFound", "The DestGroupId provided does not exist in our records."),
    /// 403: InvalidGroupAuthItem.NotFound.
    InvalidGroupAuthItemNotFound => ("InvalidGroupAuthItem.NotFound", "Specified group authorized item does not exist in our records."),
    /// 400: InvalidSecurityGroupDiscription.Malformed.
    InvalidRuleDescriptionMalformed => ("InvalidSecurityGroupDiscription.Malformed", "The specified security group rule description is not valid."),
    /// 403: InvalidInstanceId.AlreadyExists.
    InvalidInstanceIdAlreadyExists => ("InvalidInstanceId.AlreadyExists", "The specified instance already exists in the specified security group."),
    /// 403: InstanceLastSecurityGroup.
    InstanceLastSecurityGroup => ("InstanceLastSecurityGroup", "The specified security group is the last security group for the instance."),
    /// 403: InstanceNotInSecurityGroup.
    InstanceNotInSecurityGroup => ("InstanceNotInSecurityGroup", "The instance not in the group."),
    /// 400: InstanceSecurityGroupLimitExceeded.
    InstanceSecurityGroupLimitExceeded => ("InstanceSecurityGroupLimitExceeded", "Exceeding the allowed amount of security groups that an instance can be in."),
    /// 403: SecurityGroupInstanceLimitExceeded.
    SecurityGroupInstanceLimitExceeded => ("SecurityGroupInstanceLimitExceeded", "The maximum number of instances in a security group is exceeded."),
    /// 400: InvalidInstanceId.Mismatch.
    InvalidInstanceIdMismatch => ("InvalidInstanceId.Mismatch", "Specified instance and security group are not in the same VPC."),
    /// 403: DependencyViolation.
    DependencyViolation => ("DependencyViolation", "There is still instance(s) in the specified security group."),
    /// 400: InValidParameter.NextToken.
    InValidParameterNextToken => ("InValidParameter.NextToken", "The parameter NextToken is invalid."),
    /// 400: InvalidParameter.SecurityGroupType.
    InvalidParameterSecurityGroupType => ("InvalidParameter.SecurityGroupType", "The specified SecurityGroupType is not valid."),
    /// 400: InvalidParameter.AttributeNotSupported.
    InvalidParameterAttributeNotSupported => ("InvalidParameter.AttributeNotSupported", "The specified value for parameter Attribute is not supported. Valid values: snapshotPolicyIds."),
    /// 404: InvalidNetworkInterfaceId.NotFound.
    InvalidNetworkInterfaceIdNotFound => ("InvalidNetworkInterfaceId.NotFound", "The specified NetworkInterfaceId does not exist."),
    /// 404: InvalidVSwitchId.NotFound.
    InvalidVSwitchIdNotFound => ("InvalidVSwitchId.NotFound", "Specified virtual switch does not exist."),
    /// 400: InvalidVSwitchId.Necessary.
    InvalidVSwitchIdNecessary => ("InvalidVSwitchId.Necessary", "The VSwitchId is necessary."),
    /// 400: InvalidVSwitchId.IpNotEnough.
    InvalidVSwitchIdIpNotEnough => ("InvalidVSwitchId.IpNotEnough", "The specified VSwitch has not enough IpAddress."),
    /// 400: InvalidParameter.Mismatch.
    InvalidParameterMismatch => ("InvalidParameter.Mismatch", "Specified virtual switch is not in the specified zone."),
    /// 400: InvalidSecurityGroupId.SingleIdAndMultiIdConflict.
    SecurityGroupIdSingleIdAndMultiIdConflict => ("InvalidSecurityGroupId.SingleIdAndMultiIdConflict", "The parameters SecurityGroupId and SecurityGroupIds cannot be specified at the same time."),
    /// 400: InvalidParameter.SecurityGroupIdRepeated.
    SecurityGroupIdRepeated => ("InvalidParameter.SecurityGroupIdRepeated", "The specified security group ids has repeated."),
    /// 400: JoinedGroupLimitExceed.
    JoinedGroupLimitExceed => ("JoinedGroupLimitExceed", "The number of security groups an instance joins exceeds the limit of 5."),
    /// 400: InvalidSecurityGroup.VpcMismatch.
    InvalidSecurityGroupVpcMismatch => ("InvalidSecurityGroup.VpcMismatch", "The specified security groups are not in the same VPC."),
    // Disks (DescribeDisks, CreateDisk, AttachDisk, DetachDisk, DeleteDisk, ResizeDisk).
    /// 404: the disk does not exist for this caller.
    InvalidDiskIdNotFound => ("InvalidDiskId.NotFound", "The specified disk does not exist."),
    /// 403: the disk status does not allow the action.
    IncorrectDiskStatus => ("IncorrectDiskStatus", "The current disk status does not support this operation."),
    /// 403: the disk is still `Creating`.
    IncorrectDiskStatusInitializing => ("IncorrectDiskStatus.Initializing", "The current disk status does not support this operation."),
    /// 403: AttachDisk: the disk and the instance are in different zones.
    ResourcesNotInSameZone => ("ResourcesNotInSameZone", "The specified instance and disk are not in the same zone."),
    /// 404: DetachDisk: the disk is not attached.
    InvalidDiskAlreadyDetached => ("InvalidDisk.AlreadyDetached", "The specified disk has been detached."),
    /// 403: the disk (a local disk) cannot be detached, attached or deleted.
    DiskNotPortable => ("DiskNotPortable", "The specified disk is not a portable disk."),
    /// 403: DetachDisk of a system disk.
    DiskTypeViolation => ("DiskTypeViolation", "The specified disk is a system disk and cannot support the operation."),
    /// 403: DetachDisk while the disk is still `Detaching` from the instance.
    DiskDetachingFromThisEcs => ("InvalidOperation.DiskDetachingFromThisEcs", "The specified disk is detaching from this ecs."),
    /// 403: DeleteDisk of an attached disk (the documented message, sic).
    DiskStillAttached => ("DiskStillAttached", "The disk is still attached to the disk."),
    /// 403: AttachDisk: no free device (`/dev/xvdb`–`/dev/xvdz`) is left.
    InstanceDiskLimitExceeded => ("InstanceDiskLimitExceeded", "The amount of the disk on instance in question reach its limits."),
    /// 403: AttachDisk: `Device` is used by another disk of the instance.
    InvalidDeviceInUse => ("InvalidDevice.InUse", "The specified device has been occupied."),
    /// 400: AttachDisk: `Device` is not `/dev/xvd[b-z]`.
    InvalidDeviceMalformed => ("InvalidDevice.Malformed", "The specified device is not valid."),
    /// 400: CreateDisk: `Size` is not a number.
    InvalidSizeValueNotSupported => ("InvalidSize.ValueNotSupported", "The specified parameter Size is not valid."),
    /// 403: a data disk size outside its category's range.
    InvalidDataDiskSizeValueNotSupported => ("InvalidDataDiskSize.ValueNotSupported", "The specified disk size is beyond the permitted range, or the snapshot capacity exceeds the size limit for the specified disk category."),
    /// 400: an unknown disk category (CreateDisk, RunInstances `SystemDisk.Category`).
    InvalidDiskCategoryValueNotSupported => ("InvalidDiskCategory.ValueNotSupported", "The specified parameter \"DiskCategory\" is not valid."),
    /// 403: RunInstances: an unknown `DataDisk.N.Category`.
    InvalidDataDiskCategoryValueNotSupported => ("InvalidDataDiskCategory.ValueNotSupported", "The specified Category of Data Disk is not valid."),
    /// 400: `DiskName` is not 2–128 characters starting with a letter.
    InvalidDiskNameMalformed => ("InvalidDiskName.Malformed", "The specified disk name is wrongly formed."),
    /// 400: `PerformanceLevel` is not PL0–PL3.
    InvalidPerformanceLevelMalformed => ("InvalidPerformanceLevel.Malformed", "The specified parameter PerformanceLevel is not valid."),
    /// 403: an ESSD smaller than its performance level allows.
    PerformanceLevelNotMatch => ("OperationDenied.PerformanceLevelNotMatch", "The specified PerformanceLevel and Size do not match."),
    /// 403: ResizeDisk: `NewSize` below the current size.
    InvalidDiskSizeTooSmall => ("InvalidDiskSize.TooSmall", "Specified new disk size is less than the original disk size."),
    /// 403: ResizeDisk: `NewSize` equal to the current size.
    InvalidDiskSize => ("InvalidDiskSize", "Specified new disk size is less than or equal the original disk size."),
    /// 403: ResizeDisk: `NewSize` above the category's maximum.
    InvalidDiskSizeTooLarge => ("InvalidDiskSize.TooLarge", "Specified new disk size is beyond the permitted range."),
    /// 400: ResizeDisk: `Type` is not offline or online.
    InvalidParamType => ("InvalidParam.Type", "The specified type is not supported."),
    /// 403: ResizeDisk online of a disk whose instance is not Running.
    InvalidInstanceStatusNotRunning => ("InvalidInstanceStatus.NotRunning", "The status of instance to which the disk attachs must be running when resizing online."),
    /// 403: CreateDisk with both `ZoneId` and `InstanceId`.
    ZoneIdAndInstanceIdConflict => ("InvalidParam.ZoneIdAndInstanceId.Conflict", "The specified parameter 'ZoneId' and 'InstanceId' are not blank at the same time."),
    /// 400: DescribeDisks: `DiskIds` is not a JSON array of ids.
    InvalidParameterDiskIds => ("InvalidParameter.DiskIds", "The specified parameter diskIds is not valid."),
    /// 403: DescribeDisks: more than 100 `DiskIds`.
    InvalidDiskIdsMalformed => ("InvalidDiskIds.Malformed", "The amount of specified disk Ids exceeds the limit."),
    /// 400: DescribeDisks: `DiskType` is not all, system or data.
    InvalidDiskTypeValueNotSupported => ("InvalidDiskType.ValueNotSupported", "The specified disk type is not supported."),
    /// 400: DescribeDisks: an unknown `Category`.
    InvalidCategoryValueNotSupported => ("InvalidCategory.ValueNotSupported", "The specified disk category is not supported."),
}

/// Which entry of the error table an [`ApiError`] is: what the gateway needs to choose
/// its HTTP status, and nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A documented code of [`Code`].
    Code(Code),
    /// `Missing<Name>`: a parameter the action requires is absent (gateway form).
    MissingParameter,
    /// `InvalidInstanceId.NotFound` "InstanceId should not be null." of a batch without
    /// ids, which the real service answers as a refusal rather than a lookup.
    NoInstanceIds,
    /// A code outside the table: an injected fault's, whose rule gives its status.
    Other,
}

/// An error as the client will see it: code and message (and a RAM denial's detail).
///
/// Most errors are a [`Code`] with its default or a specific message; the gateway's
/// `Missing<Name>` codes are built from the parameter name.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The `Code` field on the wire.
    pub code: Cow<'static, str>,
    /// The `Message` field on the wire.
    pub message: Cow<'static, str>,
    /// `AccessDeniedDetail` of a RAM denial.
    pub detail: Option<Box<serde_json::Value>>,
    /// Which table entry this is (for the gateway's HTTP status).
    pub kind: Kind,
}

impl ApiError {
    /// The error for `code` with its default message.
    pub fn new(code: Code) -> Self {
        ApiError {
            code: Cow::Borrowed(code.as_str()),
            message: Cow::Borrowed(code.default_message()),
            detail: None,
            kind: Kind::Code(code),
        }
    }

    /// The error for `code` with a specific message.
    pub fn with_message(code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            message: message.into(),
            ..ApiError::new(code)
        }
    }

    /// `Missing<Name>`: the gateway form for a parameter the action requires
    /// (`RegionId is mandatory for this action.`).
    pub fn missing(name: &str) -> Self {
        ApiError {
            code: Cow::Owned(format!("Missing{name}")),
            message: Cow::Owned(format!("{name} is mandatory for this action.")),
            detail: None,
            kind: Kind::MissingParameter,
        }
    }

    /// `InvalidInstanceId.NotFound` "InstanceId should not be null.": a batch without ids.
    pub fn no_instance_ids() -> Self {
        ApiError {
            kind: Kind::NoInstanceIds,
            ..ApiError::with_message(
                Code::InvalidInstanceIdNotFound,
                "InstanceId should not be null.",
            )
        }
    }

    /// An error whose code is not in the table (an injected fault's).
    pub fn other(
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            detail: None,
            kind: Kind::Other,
        }
    }

    /// `InvalidParameter` naming the parameter, as the gateway words it.
    pub fn invalid_param(name: &str) -> Self {
        ApiError::with_message(
            Code::InvalidParameter,
            format!("The specified parameter \"{name}\" is not valid."),
        )
    }
}

impl From<Code> for ApiError {
    fn from(code: Code) -> Self {
        ApiError::new(code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Result of any ECS operation.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_with_messages() {
        let mut seen = std::collections::HashSet::new();
        for &c in Code::ALL {
            assert!(
                seen.insert(c.as_str()),
                "duplicate wire code {}",
                c.as_str()
            );
            assert!(!c.default_message().is_empty(), "{}", c.as_str());
            assert_eq!(Code::from_wire(c.as_str()), Some(c));
        }
        assert_eq!(Code::from_wire("NoSuchCode"), None);
    }
}
