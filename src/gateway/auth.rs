//! Authentication: turn a request into a verified [`Caller`] (V1 HMAC-SHA1 or V3
//! ACS3-HMAC-SHA256), with the timestamp window and nonce replay check.
//!
//! Order: key present → key known (`InvalidAccessKeyId.NotFound`) and active
//! (`InvalidAccessKeyId.Inactive`) → timestamp
//! (format, ±15 minutes of *real* time, so tests that move the emulator clock keep
//! signing with their wall clock) → signature (`SignatureDoesNotMatch` carrying the
//! server's string-to-sign, as the real gateway does) → nonce not reused
//! (`SignatureNonceUsed`). With `--auth off` nothing is checked and the caller is the
//! owner of the AccessKeyId when it is known, else the first account.

use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;

use crate::clock::{parse_time, Millis};
use crate::ecs::world::{Caller, KeyInfo};
use crate::error::{ApiError, ApiResult, Code};
use crate::gateway::header;
use crate::gateway::signature as sig;
use crate::last::Last;
use crate::params::Params;
use crate::store::nonces::MAX_NONCE_LEN;
use crate::store::Store;

/// Authentication mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AuthMode {
    /// Known keys, valid signatures, ±15 min timestamps, no nonce reuse.
    #[default]
    Strict,
    /// Accept anything.
    Off,
}

/// The timestamp window.
const WINDOW_MS: i64 = 15 * 60 * 1000;

/// A verified caller and, for RAM users, what they may do: the access key's entry,
/// shared with the world's key table (a request does not copy it).
#[derive(Debug, Clone)]
pub struct Verified {
    key: Arc<KeyInfo>,
}

impl Verified {
    /// The caller.
    pub fn caller(&self) -> &Caller {
        &self.key.caller
    }

    /// RAM patterns; `None` for root keys.
    pub fn allowed_actions(&self) -> Option<&[String]> {
        self.key.allowed_actions.as_deref()
    }
}

/// Everything of the request the verifier reads.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// URL path.
    pub path: &'a str,
    /// Query ∪ form body (V1); its query pairs alone (V3 canonical query).
    pub params: &'a Params,
    /// Headers.
    pub headers: &'a HeaderMap,
    /// Raw body (V3 payload hash).
    pub body: &'a [u8],
    /// The system clock when the request arrived: the timestamp window is around it, and
    /// the nonce is remembered from it.
    pub system_now: Millis,
}

/// Authenticate a request.
pub fn authenticate(store: &Store, mode: AuthMode, req: &SignedRequest<'_>) -> ApiResult<Verified> {
    let v3 = req.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    if mode == AuthMode::Off {
        let header = v3.and_then(|h| sig::parse_v3_authorization(h).ok());
        let key_id = match &header {
            Some(a) => Some(a.access_key_id.as_str()),
            None => req.params.get("AccessKeyId"),
        };
        let known = key_id.and_then(|k| store.access_key(k));
        return match known {
            Some(key) => Ok(Verified { key }),
            None => store
                .with_world(|w| w.default_caller())
                // No key was sent or it is unknown: an entry for the default caller
                // alone (its secret is never read with auth off).
                .map(|caller| Verified {
                    key: Arc::new(KeyInfo {
                        secret: Arc::from(""),
                        caller,
                        allowed_actions: None,
                        active: true,
                    }),
                })
                .ok_or_else(|| {
                    ApiError::with_message(
                        Code::InvalidAccessKeyIdNotFound,
                        "No account is loaded.",
                    )
                }),
        };
    }
    match v3 {
        Some(h) => verify_v3(store, req, h),
        None => verify_v1(store, req),
    }
}

fn lookup(store: &Store, key_id: &str) -> ApiResult<Arc<KeyInfo>> {
    let info = store
        .access_key(key_id)
        .ok_or_else(|| ApiError::new(Code::InvalidAccessKeyIdNotFound))?;
    if !info.active {
        return Err(ApiError::new(Code::InvalidAccessKeyIdInactive));
    }
    Ok(info)
}

/// `value` is a valid timestamp within the window around `now` (the system clock).
fn check_timestamp(value: &str, now: Millis) -> ApiResult<()> {
    let t = timestamp(value).ok_or_else(|| ApiError::new(Code::InvalidTimeStampFormat))?;
    if (now - t).abs() > WINDOW_MS {
        return Err(ApiError::new(Code::InvalidTimeStampExpired));
    }
    Ok(())
}

/// [`parse_time`] of a timestamp, remembering the last one of the SDKs' form
/// (`2026-11-30T00:15:20Z`) each thread read: the requests signed within one second
/// all carry the same.
fn timestamp(value: &str) -> Option<Millis> {
    thread_local! {
        static LAST: Last<[u8; 20], Option<Millis>> = const { Last::new() };
    }
    let Ok(text) = <[u8; 20]>::try_from(value.as_bytes()) else {
        return parse_time(value);
    };
    LAST.with(|last| last.get_or(|kept| *kept == text, || (text, parse_time(value))))
}

fn mismatch(string_to_sign: &str) -> ApiError {
    tracing::debug!(%string_to_sign, "signature mismatch");
    ApiError::with_message(
        Code::SignatureDoesNotMatch,
        format!("Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"),
    )
}

/// `nonce` was not used with `key_id` in the replay window before `now` (the system clock,
/// read once per request with the timestamp check).
fn check_nonce(store: &Store, key_id: &str, nonce: &str, now: Millis) -> ApiResult<()> {
    // Refused before it is remembered: the SDKs send 32 or 64 characters.
    if nonce.len() > MAX_NONCE_LEN {
        return Err(ApiError::new(Code::InvalidSignatureNonceLength));
    }
    if store.use_nonce_at(key_id, nonce, now) {
        Ok(())
    } else {
        Err(ApiError::new(Code::SignatureNonceUsed))
    }
}

fn verify_v1(store: &Store, req: &SignedRequest<'_>) -> ApiResult<Verified> {
    let p = req.params;
    let key_id = p.required("AccessKeyId")?;
    let signature = p.required("Signature")?;
    let info = lookup(store, key_id)?;
    if let Some(m) = p.non_empty("SignatureMethod") {
        if m != "HMAC-SHA1" {
            return Err(ApiError::with_message(
                Code::IncompleteSignature,
                format!("The request signature does not conform to Aliyun standards. SignatureMethod {m} is not supported."),
            ));
        }
    }
    let now = req.system_now;
    check_timestamp(p.required("Timestamp")?, now)?;
    let nonce = p.required("SignatureNonce")?;
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(p.len());
    pairs.extend(p.pairs().filter(|(k, _)| *k != "Signature"));
    let sts = sig::v1_string_to_sign_sorting(req.method, &mut pairs);
    if !sig::v1_signature_matches(&info.secret, &sts, signature) {
        return Err(mismatch(&sts));
    }
    check_nonce(store, key_id, nonce, now)?;
    Ok(Verified { key: info })
}

fn verify_v3(store: &Store, req: &SignedRequest<'_>, authorization: &str) -> ApiResult<Verified> {
    let auth = sig::parse_v3_authorization(authorization).map_err(|e| {
        ApiError::with_message(
            Code::IncompleteSignature,
            format!("The request signature does not conform to Aliyun standards. {e}"),
        )
    })?;
    let info = lookup(store, &auth.access_key_id)?;
    let date = header(req.headers, "x-acs-date").ok_or_else(|| ApiError::missing("x-acs-date"))?;
    let now = req.system_now;
    check_timestamp(date, now)?;
    let nonce = header(req.headers, "x-acs-signature-nonce")
        .ok_or_else(|| ApiError::missing("x-acs-signature-nonce"))?;
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
        .collect();
    let query: Vec<(&str, &str)> = req.params.query().collect();
    let canonical = sig::v3_canonical_request(
        req.method,
        req.path,
        &sig::v3_canonical_query(&query),
        &headers,
        &auth.signed_headers,
        &sig::sha256_hex(req.body),
    );
    let sts = sig::v3_string_to_sign(&canonical);
    if !sig::v3_signature_matches(&info.secret, &sts, &auth.signature) {
        tracing::debug!(%canonical, "V3 canonical request");
        return Err(mismatch(&sts));
    }
    check_nonce(store, &auth.access_key_id, nonce, now)?;
    Ok(Verified { key: info })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::system_now;

    fn at(ms: i64) -> String {
        chrono::DateTime::from_timestamp_millis(ms)
            .expect("a time")
            .format("%Y-%m-%dT%H:%M:%S%.9fZ")
            .to_string()
    }

    #[test]
    fn timestamps_with_nanoseconds_are_in_the_window() {
        // aliyun-openapi-core-rust-sdk sends `2026-11-30T00:15:20.123456789Z`.
        let now = system_now();
        assert!(check_timestamp(&at(now), now).is_ok());
        assert!(check_timestamp(&at(now - WINDOW_MS + 60_000), now).is_ok());
        let late = check_timestamp(&at(now + WINDOW_MS + 60_000), now).expect_err("expired");
        assert_eq!(late.code, "InvalidTimeStamp.Expired");
        let bad = check_timestamp("2026-11-30T00:15:20.Z", now).expect_err("malformed");
        assert_eq!(bad.code, "InvalidTimeStamp.Format");
    }

    /// The remembered timestamp answers for its own text only, valid or not.
    #[test]
    fn a_remembered_timestamp_answers_for_its_text_only() {
        let texts = [
            "2026-11-30T00:15:20Z",
            "2026-11-30T00:15:21Z",
            "2026-11-30T00:15:2xZ",
            "2026-11-30T00:15:20Z",
            "2026-11-30T00:15:20Z",
            "2026-11-30T00:15:2xZ",
            "2026-11-30T00:15Z",
            "2026-11-30T00:15:20.5Z",
            "2026-11-30T00:15:21Z",
        ];
        for text in texts {
            assert_eq!(timestamp(text), parse_time(text), "{text}");
        }
        assert_eq!(timestamp("2026-11-30T00:15:2xZ"), None);
    }
}
