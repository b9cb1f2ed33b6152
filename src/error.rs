//! The one error type of ecs-mock: an ECS error code, its HTTP status and its message.
//!
//! Every failure a client can see — a protocol problem found by the gateway or a
//! business rule refused by the domain — is an [`ApiError`]. The [`Code`] enum lists
//! each documented code once, with its wire string, its HTTP status and its default
//! message (the ECS common error table and the per-action error tables); codes marked
//! "injected faults only" are never raised by ecs-mock itself, but a fault rule given
//! one of them by code alone answers with this status and message. Rendering to JSON or
//! XML happens in exactly one place, `gateway::render`.

use std::borrow::Cow;
use std::fmt;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident => ($wire:literal, $status:literal, $message:literal), )*) => {
        /// An ECS error code. Each variant's wire string, HTTP status and default
        /// message are given by [`Code::as_str`], [`Code::http_status`] and
        /// [`Code::default_message`].
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

            /// The HTTP status the real service answers with for this code.
            pub fn http_status(self) -> u16 {
                match self { $( Code::$variant => $status, )* }
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
    MissingParameter => ("MissingParameter", 400, "The input parameter that is mandatory for processing this request is not supplied."),
    /// 400: a parameter has an invalid value.
    InvalidParameter => ("InvalidParameter", 400, "The specified parameter is not valid."),
    /// 404: the AccessKeyId is unknown.
    InvalidAccessKeyIdNotFound => ("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."),
    /// 400: the AccessKeyId's status is `Inactive` (`PATCH /_mock/accounts/{AccountId}`).
    InvalidAccessKeyIdInactive => ("InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled."),
    /// 400: the signature does not match the server's calculation.
    SignatureDoesNotMatch => ("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation."),
    /// 400: the signature parts are malformed or use an unsupported algorithm.
    IncompleteSignature => ("IncompleteSignature", 400, "The request signature does not conform to Aliyun standards."),
    /// 400: the SignatureNonce was seen before within the replay window.
    SignatureNonceUsed => ("SignatureNonceUsed", 400, "Specified signature nonce was used already."),
    /// 400: the SignatureNonce is longer than 256 characters (never stored).
    InvalidSignatureNonceLength => ("InvalidSignatureNonce.Length", 400, "The specified SignatureNonce is too long: at most 256 characters are accepted."),
    /// 400: Timestamp / x-acs-date cannot be parsed.
    InvalidTimeStampFormat => ("InvalidTimeStamp.Format", 400, "Specified time stamp or date value is not well formatted."),
    /// 400: Timestamp / x-acs-date is more than 15 minutes away from the server clock.
    InvalidTimeStampExpired => ("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."),
    /// 400: Version is not `2014-05-26`.
    InvalidVersion => ("InvalidVersion", 400, "Specified parameter Version is not valid."),
    /// 404: the Action is not an ECS action ecs-mock knows.
    InvalidActionNotFound => ("InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method."),
    /// 403: only GET and POST are accepted.
    UnsupportedHttpMethod => ("UnsupportedHTTPMethod", 403, "This http method is not supported."),
    /// 413: the request body is larger than the gateway accepts (no documented ECS code; ecs-mock's choice).
    RequestBodyTooLarge => ("InvalidParameter.BodyTooLarge", 413, "The request body is too large."),
    /// 400: the request body could not be read (bad chunked framing, a connection that
    /// ended early); ecs-mock's choice, the message says what went wrong.
    InvalidRequestBody => ("InvalidRequest.Body", 400, "The request body could not be read."),
    /// 414: the request target is longer than the HTTP layer serves (no documented ECS code; ecs-mock's choice).
    UriTooLong => ("InvalidParameter.UriTooLong", 414, "The request URI is too long."),
    /// 431: the header block is larger, or has more fields, than the HTTP layer serves (ecs-mock's choice).
    HeaderTooLarge => ("InvalidParameter.HeaderTooLarge", 431, "The request header block is too large."),
    /// 400: the request line or a header line is not valid HTTP/1.1 (ecs-mock's choice).
    MalformedRequest => ("InvalidRequest.Malformed", 400, "The request is not a valid HTTP request."),
    /// 400: an HTTP version other than HTTP/1.0 or HTTP/1.1 (ecs-mock's choice; HTTP would say 505).
    UnsupportedHttpVersion => ("InvalidRequest.HttpVersion", 400, "The HTTP version is not supported; use HTTP/1.1."),
    /// 400: Content-Length is not a decimal number, or two of them disagree (ecs-mock's choice).
    InvalidContentLength => ("InvalidParameter.ContentLength", 400, "The Content-Length header is not valid."),
    /// 400: a Transfer-Encoding other than a final `chunked`, or one on HTTP/1.0 (ecs-mock's choice).
    UnsupportedTransferEncoding => ("InvalidRequest.TransferEncoding", 400, "The Transfer-Encoding header is not supported; only chunked is."),
    /// 408: the client stopped sending in the middle of a request head for longer than
    /// `--idle-timeout` (ecs-mock's choice; the connection is closed after the answer).
    RequestTimeout => ("InvalidRequest.Timeout", 408, "The request head did not arrive in time."),
    /// 403: a RAM user lacks permission for the action.
    ForbiddenRam => ("Forbidden.RAM", 403, "User not authorized to operate on the specified resource, or this API doesn't support RAM."),
    /// 500: an internal failure (also the default injected fault).
    InternalError => ("InternalError", 500, "The request processing has failed due to some unknown error."),
    /// 503: a temporary failure: injected faults, and a connection over `--max-connections`
    /// (closed after the answer).
    ServiceUnavailable => ("ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server."),
    /// 503: the operation is unavailable for now (Stop/Reboot tables; injected faults only).
    LimitedOperationServiceUnavailable => ("LimitedOperation.ServiceUnavailable", 503, "The service is currently unavailable. Please try again later."),
    /// 400: flow control (the ECS common table's status; every SDK that retries
    /// throttling matches on the code; injected faults only).
    Throttling => ("Throttling", 400, "Request was denied due to flow control."),
    /// 400: per-user flow control (injected faults only).
    ThrottlingUser => ("Throttling.User", 400, "Request was denied due to user flow control."),
    /// 400: per-API flow control (injected faults only).
    ThrottlingApi => ("Throttling.Api", 400, "Request was denied due to api flow control."),
    /// 429: RunInstances resource throttling (injected faults only).
    ThrottlingResource => ("Throttling.Resource", 429, "The request throttle by resource operation."),
    /// 409: a conflicting request is in progress (batch actions; injected faults only).
    InvalidOperationConflict => ("InvalidOperation.Conflict", 409, "Request was denied due to conflict with a previous request, please try again later."),
    /// 409: a conflicting request is in progress (injected faults only).
    OperationConflict => ("OperationConflict", 409, "Request was denied due to conflict with a previous request."),
    /// 503: region maintenance (injected faults only).
    ServiceUnavailableRegionMaintaining => ("ServiceUnavailable.RegionMaintaining", 503, "System maintenance is in progress on the selected region, please wait a few minutes before trying again."),
    /// 400: an unknown failure, client side (injected faults only; retried by py_core).
    UnknownError => ("UnknownError", 400, "The request processing has failed due to some unknown error."),
    /// 403: risk control (injected faults only).
    ForbiddenRiskControl => ("Forbidden.RiskControl", 403, "This operation is forbidden by Aliyun RiskControl system."),
    /// 403: the action refuses RAM users (injected faults only).
    ForbiddenNotSupportRam => ("Forbidden.NotSupportRAM", 403, "This action does not support accessed by RAM mode."),
    /// 400: STS token expired (injected faults only).
    InvalidSecurityTokenExpired => ("InvalidSecurityToken.Expired", 400, "Specified SecurityToken is expired."),
    /// 400: STS token malformed (injected faults only).
    InvalidSecurityTokenMalformed => ("InvalidSecurityToken.Malformed", 400, "Specified SecurityToken is malformed."),
    /// 400: STS token of another key (injected faults only).
    InvalidSecurityTokenMismatch => ("InvalidSecurityToken.MismatchWithAccessKey", 400, "Specified SecurityToken mismatch with the AccessKey."),
    /// 403: a request with the same ClientToken is still running (injected faults only).
    LastTokenProcessing => ("LastTokenProcessing", 403, "The last token request is processing."),
    /// 403: a ClientToken reused with other parameters, newer form (injected faults only).
    InvalidIdempotenceParameterMismatch => ("InvalidIdempotenceParameter.Mismatch", 403, "The specified parameters are different from before."),
    /// 403: the host is being repaired (StartInstance table; injected faults only).
    OperationDeniedHostRepairing => ("OperationDenied.HostRepairing", 403, "The specified operation is denied as the host of ECS instance is being repaired."),
    /// 400: the instance has no system disk (StartInstance table; injected faults only).
    InvalidInstanceNotFoundSystemDisk => ("InvalidInstance.NotFoundSystemDisk", 400, "The specified instance does not have system disk."),
    /// 400: the capacity reservation is used up (StartInstance table; injected faults only).
    LackResource => ("LackResource", 400, "There's no enough resource on the specified capacity reservation."),
    /// 400: the private pool is used up (StartInstance table; injected faults only).
    InvalidPrivatePoolOptionsNoStock => ("Invalid.PrivatePoolOptions.NoStock", 400, "The PrivatePool has been used up."),
    /// 404: RegionId is not a region of the fixtures.
    InvalidRegionIdNotFound => ("InvalidRegionId.NotFound", 404, "The specified RegionId does not exist."),
    /// 404: the instance does not exist for this caller in this region.
    InvalidInstanceIdNotFound => ("InvalidInstanceId.NotFound", 404, "The specified InstanceId does not exist."),
    /// 404: none of the instances of a batch exist.
    InvalidInstanceIdsNotFound => ("InvalidInstanceIds.NotFound", 404, "The specified InstanceIds does not exist."),
    /// 400: InstanceIds is not a valid JSON array of ids.
    InvalidInstanceIdsMalformed => ("InvalidInstanceIds.Malformed", 400, "The specified InstanceIds is not valid."),
    /// 403: more than 100 ids in a batch.
    TooManyInstanceIds => ("InvalidParameter.TooManyInstanceIds", 403, "Instance ids cannot be more than 100."),
    /// 400: DryRun passed on a single-instance action.
    DryRunOperation => ("DryRunOperation", 400, "Request validation has been passed with DryRun flag set."),
    /// 400: DryRun passed on a batch action.
    DryRunSuccess => ("DRYRUN.SUCCESS", 400, "This request is a dryrun request with successful result."),
    /// 403: the instance status does not allow the action.
    IncorrectInstanceStatus => ("IncorrectInstanceStatus", 403, "The current status of the resource does not support this operation."),
    /// 403: the instance is still initialising (Pending) and cannot be deleted yet.
    IncorrectInstanceStatusInitializing => ("IncorrectInstanceStatus.Initializing", 403, "The specified instance status does not support this operation."),
    /// 403: the instance has a `security` operation lock.
    InstanceLockedForSecurity => ("InstanceLockedForSecurity", 403, "The specified operation is denied as your instance is locked for security reasons."),
    /// 403: the PostPaid account balance is not positive.
    InsufficientBalance => ("InsufficientBalance", 403, "Your account does not have enough balance."),
    /// 403: a system or data disk is not In_use.
    DiskError => ("DiskError", 403, "IncorrectDiskStatus."),
    /// 403: the instance is expired (message says prePaid or postPaid).
    InstanceExpired => ("InstanceExpired", 403, "The prePaid instance has been expired."),
    /// 403: Stop/Reboot of an expired or overdue instance.
    InstanceExpiredOrInArrears => ("InstanceExpiredOrInArrears", 403, "The specified operation is denied as your prepay instance is expired (prepay mode) or in arrears (afterpay mode)."),
    /// 403: the instance is still Pending (500 when injected as a fault).
    InstanceNotReady => ("InstanceNotReady", 403, "The specified instance is not ready for use."),
    /// 403: a disk of the instance has expired.
    DiskInArrears => ("DiskInArrears", 403, "The specified operation is denied as your disk has expired."),
    /// 403: no stock of the instance type in the zone.
    OperationDeniedNoStock => ("OperationDenied.NoStock", 403, "The requested resource is sold out in the specified zone; try other types of resources or other regions and zones."),
    /// 403: the spot price limit is below the zone's current spot price.
    OperationDeniedSpotPrice => ("OperationDenied.SpotPriceLowerThanPublicPrice", 403, "The spot instance price is lower than public price."),
    /// 403: an account quota (vCPUs or instances of a type) would be exceeded.
    QuotaExceedElasticQuota => ("QuotaExceed.ElasticQuota", 403, "No additional quota is available for the specified ECS instance type."),
    /// 403: the instance has an encrypted disk and the account has not authorised KMS.
    KmsUnauthorized => ("InvalidParameter.KMSKeyId.KMSUnauthorized", 403, "ECS service have no right to access your KMS."),
    /// 404: Status filter value unknown.
    InvalidStatusNotFound => ("InvalidStatus.NotFound", 404, "The specified Status is not found"),
    /// 404: ZoneId unknown in the region.
    InvalidZoneIdNotFound => ("InvalidZoneId.NotFound", 404, "The ZoneId provided does not exist in our records."),
    /// 400: InstanceType unknown or not sold.
    InvalidInstanceTypeValueNotSupported => ("InvalidInstanceType.ValueNotSupported", 400, "The specified InstanceType does not exist or beyond the permitted range."),
    /// 403: the zone does not sell the instance type.
    InvalidInstanceTypeZoneNotSupported => ("InvalidInstanceType.ZoneNotSupported", 403, "The specified zone does not support this instancetype."),
    /// 404: InstanceChargeType value unknown.
    InvalidInstanceChargeTypeNotFound => ("InvalidInstanceChargeType.NotFound", 404, "The InstanceChargeType does not exist in our records"),
    /// 404: InstanceNetworkType filter unknown.
    InvalidNetworkTypeNotFound => ("InvalidNetworkType.NotFound", 404, "The specified InstanceNetworkType is not found"),
    /// 404: InternetChargeType filter unknown.
    InvalidInternetChargeTypeValueNotSupported => ("InvalidInternetChargeType.ValueNotSupported", 404, "The specified InternetChargeType is not valid"),
    /// 404: LockReason filter unknown.
    InvalidLockReasonNotFound => ("InvalidLockReason.NotFound", 404, "The specified LockReason is not found"),
    /// 400: a Tag.N.Value without its Tag.N.Key.
    InvalidTagMismatch => ("InvalidTag.Mismatch", 400, "The specified Tag.n.Key and Tag.n.Value are not match."),
    /// 400: more than 20 tags.
    InvalidTagCount => ("InvalidTagCount", 400, "The specified tags are beyond the permitted range."),
    /// 400: a ClientToken reused with different parameters.
    IdempotentParameterMismatch => ("IdempotentParameterMismatch", 400, "The request is retried with updated parameters."),
    /// 400: InstanceName is not 2–128 characters or starts badly.
    InvalidInstanceNameMalformed => ("InvalidInstanceName.Malformed", 400, "The specified parameter \"InstanceName\" is not valid."),
    /// 403: Amount / MinAmount out of range.
    InvalidParamAmount => ("InvalidParam.Amount", 403, "The specified parameter Amount is not valid."),
    /// 400: SpotStrategy value unknown.
    InvalidSpotStrategy => ("InvalidSpotStrategy", 400, "The specified SpotStrategy is not valid."),
    /// 400: a PrePaid request without a valid Period.
    InvalidPeriod => ("InvalidPeriod", 400, "The specified period is not valid."),
    /// 403: release protection is on.
    InvalidOperationDeletionProtection => ("InvalidOperation.DeletionProtection", 403, "The operation is not allowed due to deletion protection."),
    /// 403: the charge type forbids the operation (unexpired subscription).
    ChargeTypeViolation => ("ChargeTypeViolation", 403, "The operation is not permitted due to charge type of the instance."),
    /// 400: NextToken is not one ecs-mock issued.
    InvalidNextToken => ("InvalidParameter.NextToken", 400, "The specified parameter NextToken is not valid."),
    /// 404: AcceptLanguage value unknown.
    InvalidAcceptLanguageNotFound => ("InvalidAcceptLanguage.NotFound", 404, "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed."),
}

/// An error as the client will see it: code, HTTP status and message.
///
/// Most errors use their code's status; a few documented cases differ (the 403
/// `InvalidInstanceId.NotFound` "InstanceId should not be null." of batches), and the
/// gateway's `Missing<Name>` codes are built from the parameter name.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The `Code` field on the wire.
    pub code: Cow<'static, str>,
    /// The HTTP status.
    pub status: u16,
    /// The `Message` field on the wire.
    pub message: Cow<'static, str>,
    /// `AccessDeniedDetail` of a RAM denial.
    pub detail: Option<Box<serde_json::Value>>,
}

impl ApiError {
    /// The error for `code` with its default message.
    pub fn new(code: Code) -> Self {
        ApiError {
            code: Cow::Borrowed(code.as_str()),
            status: code.http_status(),
            message: Cow::Borrowed(code.default_message()),
            detail: None,
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
            status: 400,
            message: Cow::Owned(format!("{name} is mandatory for this action.")),
            detail: None,
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
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Result of any ECS operation.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_with_error_statuses_and_messages() {
        let mut seen = std::collections::HashSet::new();
        for &c in Code::ALL {
            assert!(
                seen.insert(c.as_str()),
                "duplicate wire code {}",
                c.as_str()
            );
            assert!((400..600).contains(&c.http_status()), "{}", c.as_str());
            assert!(!c.default_message().is_empty(), "{}", c.as_str());
            assert_eq!(Code::from_wire(c.as_str()), Some(c));
        }
        assert_eq!(Code::from_wire("NoSuchCode"), None);
    }
}
