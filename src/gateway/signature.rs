//! Alibaba Cloud OpenAPI request signatures, computed the way the server side must
//! recompute them to verify a request.
//!
//! Everything here is a pure function over already-extracted request parts: no I/O, no
//! HTTP types. The gateway decodes the request (query string, form body, headers) and
//! feeds the pieces in; these functions build the canonical strings and signatures.
//!
//! # Percent-encoding
//!
//! Both schemes use the same encoding, [`percent_encode`]: the UTF-8 bytes
//! `A-Z a-z 0-9 - _ . ~` pass unchanged and every other byte becomes `%XX` with
//! upper-case hex (space → `%20`, `*` → `%2A`, `+` → `%2B`, `中` → `%E4%B8%AD`).
//! Canonical strings are always built from **decoded** parameters: the server
//! form-decodes the wire text (`+` → space, `%XX` → byte) and re-encodes it with
//! [`percent_encode`]. SDKs that send `web+server*` and `web%20server%2A` therefore
//! produce the same canonical string.
//!
//! # V1: RPC signature, `HMAC-SHA1` (`SignatureVersion=1.0`)
//!
//! The signature travels as the `Signature` parameter (query string, or form body).
//!
//! 1. `params` = all decoded query parameters ∪ all decoded form-body parameters (when the
//!    body is `application/x-www-form-urlencoded`), minus `Signature`. Empty values are
//!    kept and signed (`SignatureType=`).
//! 2. Canonicalized query = the pairs sorted by key (byte order; ties by value), each
//!    written `pe(k)=pe(v)`, joined by `&` ([`v1_canonicalized_query`]).
//! 3. String to sign = `METHOD&%2F&pe(canonicalized)`: the canonical string is
//!    percent-encoded a second time ([`v1_string_to_sign`]).
//! 4. Signature = `base64(HMAC-SHA1(key = secret + "&", string_to_sign))`
//!    ([`v1_signature`]).
//!
//! # V3: `ACS3-HMAC-SHA256` (`Authorization` header)
//!
//! `Authorization: ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h1;h2>,Signature=<hex>`
//! ([`parse_v3_authorization`]).
//!
//! 1. Hashed payload = `hex(sha256(raw body))` ([`sha256_hex`]); the client also sends it
//!    as `x-acs-content-sha256`.
//! 2. Canonical URI = the path with each segment percent-encoded; `/` for RPC.
//! 3. Canonical query = sorted `pe(k)=pe(v)` over the decoded **query only**
//!    ([`v3_canonical_query`]); the body is covered by the payload hash.
//! 4. Canonical headers = for each name in the client's `SignedHeaders` (lower-case,
//!    sorted), `name:trim(value)\n`; repeated headers are joined with `,`.
//! 5. Canonical request = `METHOD\nURI\nQUERY\nHEADERS\nSIGNED_HEADERS\nPAYLOAD_HASH`
//!    ([`v3_canonical_request`]).
//! 6. String to sign = `"ACS3-HMAC-SHA256\n" + hex(sha256(canonical_request))`
//!    ([`v3_string_to_sign`]).
//! 7. Signature = `hex(HMAC-SHA256(key = secret, string_to_sign))`, no `&` appended
//!    ([`v3_signature`]).
//!
//! Compare a computed signature with the one sent using [`signatures_equal`], which runs
//! in constant time.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::last::Last;
use crate::scan;

/// The only V3 signature algorithm accepted by [`parse_v3_authorization`].
const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// RFC 3986 percent-encoding used by both schemes: bytes `A-Z a-z 0-9 - _ . ~` pass, all
/// others become `%XX` with upper-case hex.
///
/// Space → `%20`, `*` → `%2A`, `/` → `%2F`, `+` → `%2B`, `~` stays `~`, and non-ASCII text
/// is encoded byte by byte from its UTF-8 form (`中` → `%E4%B8%AD`).
pub fn percent_encode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() * 3);
    encode_into(&mut out, s);
    into_string(out)
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `pe(s)`, or with `twice` `pe(pe(s))` in one pass (`pe`'s output is unreserved
/// bytes and `%`, and the second encoding turns only the `%` into `%25`): each reserved
/// byte `b` is written as `%` (`%25`) then `b` in hex, and the runs of unreserved bytes
/// between them are copied whole.
#[inline]
fn encode_with(out: &mut Vec<u8>, s: &str, twice: bool) {
    let mut rest = s.as_bytes();
    loop {
        let run = scan::first_in::<scan::Reserved>(rest);
        scan::push_run(out, &rest[..run]);
        let Some(&b) = rest.get(run) else {
            return;
        };
        let hex = [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0F)]];
        if twice {
            out.extend_from_slice(&[b'%', b'2', b'5', hex[0], hex[1]]);
        } else {
            out.extend_from_slice(&[b'%', hex[0], hex[1]]);
        }
        rest = &rest[run + 1..];
    }
}

/// Appends `pe(s)`.
fn encode_into(out: &mut Vec<u8>, s: &str) {
    encode_with(out, s, false);
}

/// Text made only of ASCII (every writer here writes ASCII bytes or whole UTF-8 input).
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends the already sorted pairs as `pe(k)=pe(v)` joined by `&` (`twice`: each of
/// those bytes percent-encoded once more, so `&` is `%26` and `=` is `%3D`).
fn write_pairs(out: &mut Vec<u8>, sorted: &[(&str, &str)], twice: bool) {
    // Fixed-size pieces in each branch: copied in place, not through `memcpy`.
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            if twice {
                out.extend_from_slice(b"%26");
            } else {
                out.push(b'&');
            }
        }
        encode_with(out, k, twice);
        if twice {
            out.extend_from_slice(b"%3D");
        } else {
            out.push(b'=');
        }
        encode_with(out, v, twice);
    }
}

/// Room for the pairs written by [`write_pairs`] in most requests without a regrowth.
fn pairs_capacity(pairs: &[(&str, &str)]) -> usize {
    pairs
        .iter()
        .map(|(k, v)| (k.len() + v.len()) * 2 + 6)
        .sum::<usize>()
}

/// Sorts `pairs` by key, then value (byte order), as `sort_unstable` on the tuples
/// would. Up to [`KEYED`] pairs are first ordered as numbers, each its key's first 7
/// bytes above its position (no string comparison: a request's keys mostly differ
/// there); keys that share those bytes, or repeat, are then ordered in full among
/// themselves.
fn sort_pairs(pairs: &mut [(&str, &str)]) {
    let n = pairs.len();
    if n > KEYED {
        pairs.sort_unstable();
        return;
    }
    let mut order = [0u64; KEYED];
    for (slot, (i, (key, _))) in order.iter_mut().zip(pairs.iter().enumerate()) {
        *slot = key_prefix(key.as_bytes()) | i as u64;
    }
    let order = &mut order[..n];
    order.sort_unstable();
    let mut before = [("", ""); KEYED];
    before[..n].copy_from_slice(pairs);
    for (pair, &at) in pairs.iter_mut().zip(order.iter()) {
        *pair = before[(at & 0xff) as usize];
    }
    let mut start = 0;
    for end in 1..=n {
        if end == n || order[end] >> 8 != order[start] >> 8 {
            if end - start > 1 {
                pairs[start..end].sort_unstable();
            }
            start = end;
        }
    }
}

/// How many pairs [`sort_pairs`] orders by key prefix (more are sorted as tuples).
const KEYED: usize = 32;

/// The first 7 bytes of `key` as the top of a big-endian number, zero-padded (the low
/// byte is left for a position): a shorter key that is a prefix of a longer one gets a
/// number no greater, so the order of the numbers agrees with the byte order of the
/// keys wherever they differ.
fn key_prefix(key: &[u8]) -> u64 {
    if let Some(&word) = key.first_chunk::<8>() {
        return u64::from_be_bytes(word) & !0xff;
    }
    let mut bytes = [0u8; 8];
    for (to, from) in bytes.iter_mut().take(7).zip(key) {
        *to = *from;
    }
    u64::from_be_bytes(bytes)
}

/// Sorts decoded pairs by key then value (byte order) and joins `pe(k)=pe(v)` with `&`.
fn canonical_pairs(pairs: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = pairs.to_vec();
    sort_pairs(&mut sorted);
    let mut out = Vec::with_capacity(pairs_capacity(&sorted));
    write_pairs(&mut out, &sorted, false);
    into_string(out)
}

/// V1: the canonicalized query string.
///
/// `params` are the DECODED name/value pairs of the query string and, for a form body, of
/// the body; the caller has already removed `Signature`. They are sorted by key (byte
/// order; ties by value) and written `pe(k)=pe(v)`, joined by `&`. Empty values give
/// `k=`. Repeated keys are all kept.
pub fn v1_canonicalized_query(params: &[(&str, &str)]) -> String {
    canonical_pairs(params)
}

/// V1: the string to sign, `METHOD&%2F&pe(canonicalized)`.
///
/// `method` is the HTTP method actually used (`GET` or `POST`; it is upper-cased), and
/// `params` are as for [`v1_canonicalized_query`]. The canonicalized query is
/// percent-encoded a second time, so `%3A` becomes `%253A`.
pub fn v1_string_to_sign(method: &str, params: &[(&str, &str)]) -> String {
    v1_string_to_sign_sorting(method, &mut params.to_vec())
}

/// [`v1_string_to_sign`], sorting `params` in place (no copy of them), and writing the
/// doubly encoded canonical string straight into the result.
pub fn v1_string_to_sign_sorting(method: &str, params: &mut [(&str, &str)]) -> String {
    sort_pairs(params);
    let mut out = Vec::with_capacity(method.len() + 5 + pairs_capacity(params));
    out.extend(method.bytes().map(|b| b.to_ascii_uppercase()));
    // `&` + pe("/") + `&`
    out.extend_from_slice(b"&%2F&");
    write_pairs(&mut out, params, true);
    into_string(out)
}

/// V1: the signature, `base64(HMAC-SHA1(key = secret + "&", string_to_sign))`.
///
/// The result uses the standard base64 alphabet with padding (as sent by the SDKs once
/// the `Signature` parameter is decoded).
pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut sig = [0u8; V1_SIGNATURE_LEN];
    let n = v1_signature_into(secret, string_to_sign, &mut sig);
    into_string(sig[..n].to_vec())
}

/// The length of a V1 signature: base64 of 20 bytes.
const V1_SIGNATURE_LEN: usize = 28;

/// [`v1_signature`] into `out`; returns its length.
fn v1_signature_into(
    secret: &str,
    string_to_sign: &str,
    out: &mut [u8; V1_SIGNATURE_LEN],
) -> usize {
    let mut mac = v1_mac(secret);
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD
        .encode_slice(mac.finalize().into_bytes(), out)
        .unwrap_or(0)
}

/// HMAC-SHA1 keyed with `secret + "&"`. Keying costs two SHA-1 blocks (the padded key
/// XOR-ed with each pad), so each thread keeps the keyed state of the last secret it
/// used and starts from a copy of it when the next request is signed with the same one
/// (most are: a test suite signs with one or two keys).
fn v1_mac(secret: &str) -> Hmac<Sha1> {
    thread_local! {
        static LAST: Last<Box<str>, Hmac<Sha1>> = const { Last::new() };
    }
    LAST.with(|last| {
        last.get_or(
            |kept| **kept == *secret,
            || (secret.into(), v1_mac_keyed(secret)),
        )
    })
}

/// [`v1_mac`] keyed from scratch (the key on the stack when it is short).
fn v1_mac_keyed(secret: &str) -> Hmac<Sha1> {
    let mut short = [0u8; 128];
    let long;
    let key: &[u8] = if secret.len() < short.len() {
        short[..secret.len()].copy_from_slice(secret.as_bytes());
        short[secret.len()] = b'&';
        &short[..=secret.len()]
    } else {
        long = [secret.as_bytes(), b"&"].concat();
        &long
    };
    Hmac::<Sha1>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// V1: whether `sent` is the signature of `string_to_sign` with `secret`
/// ([`v1_signature`] compared by [`signatures_equal`], without allocating).
pub fn v1_signature_matches(secret: &str, string_to_sign: &str, sent: &str) -> bool {
    let mut sig = [0u8; V1_SIGNATURE_LEN];
    let n = v1_signature_into(secret, string_to_sign, &mut sig);
    bool::from(sig[..n].ct_eq(sent.as_bytes()))
}

/// The parsed value of an
/// `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Authorization {
    /// The AccessKeyId from `Credential=`.
    pub access_key_id: String,
    /// The header names from `SignedHeaders=` (split on `;`), in the order and case the
    /// client gave them (the SDKs send them lower-case and sorted).
    pub signed_headers: Vec<String>,
    /// The hex signature from `Signature=`, as sent.
    pub signature: String,
}

/// Why an `Authorization` header could not be parsed. `Display` gives a short reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// The header value is empty or only whitespace.
    #[error("authorization header is empty")]
    Empty,
    /// The algorithm is not `ACS3-HMAC-SHA256`; holds the algorithm sent.
    #[error("unsupported signature algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    /// A required part (`Credential`, `SignedHeaders` or `Signature`) is absent.
    #[error("authorization header is missing {0}")]
    Missing(&'static str),
    /// A required part is present but has an empty value.
    #[error("authorization header has an empty {0}")]
    EmptyValue(&'static str),
    /// A required part appears more than once.
    #[error("authorization header repeats {0}")]
    Duplicate(&'static str),
    /// A part is not of the form `Name=value`, or `SignedHeaders` has an empty name;
    /// holds the offending part.
    #[error("malformed authorization header part `{0}`")]
    Malformed(String),
}

/// Parses an `Authorization` header value of the form
/// `ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h1;h2;...>,Signature=<hex>`.
///
/// The algorithm must be exactly `ACS3-HMAC-SHA256`. Parts are separated by commas,
/// optionally followed by spaces; their order does not matter, empty parts and unknown
/// `Name=value` parts are ignored. `Credential`, `SignedHeaders` and `Signature` are
/// required, non-empty and may appear only once. Field names are case-sensitive.
pub fn parse_v3_authorization(value: &str) -> Result<V3Authorization, AuthorizationError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AuthorizationError::Empty);
    }
    let (algorithm, rest) = match value.split_once([' ', '\t']) {
        Some((algorithm, rest)) => (algorithm, rest),
        None => (value, ""),
    };
    if algorithm != V3_ALGORITHM {
        return Err(AuthorizationError::UnsupportedAlgorithm(
            algorithm.to_owned(),
        ));
    }

    let mut credential: Option<&str> = None;
    let mut signed_headers: Option<&str> = None;
    let mut signature: Option<&str> = None;
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, val)) = part.split_once('=') else {
            return Err(AuthorizationError::Malformed(part.to_owned()));
        };
        let (slot, label) = match name.trim() {
            "Credential" => (&mut credential, "Credential"),
            "SignedHeaders" => (&mut signed_headers, "SignedHeaders"),
            "Signature" => (&mut signature, "Signature"),
            _ => continue,
        };
        if slot.is_some() {
            return Err(AuthorizationError::Duplicate(label));
        }
        let val = val.trim();
        if val.is_empty() {
            return Err(AuthorizationError::EmptyValue(label));
        }
        *slot = Some(val);
    }

    let access_key_id = credential.ok_or(AuthorizationError::Missing("Credential"))?;
    let signed_headers = signed_headers.ok_or(AuthorizationError::Missing("SignedHeaders"))?;
    let signature = signature.ok_or(AuthorizationError::Missing("Signature"))?;

    let names: Vec<String> = signed_headers
        .split(';')
        .map(|h| h.trim().to_owned())
        .collect();
    if names.iter().any(String::is_empty) {
        return Err(AuthorizationError::Malformed(format!(
            "SignedHeaders={signed_headers}"
        )));
    }

    Ok(V3Authorization {
        access_key_id: access_key_id.to_owned(),
        signed_headers: names,
        signature: signature.to_owned(),
    })
}

/// V3: the canonical query string over the DECODED query pairs (the body is not
/// included): sorted by key (then value, byte order), `pe(k)=pe(v)` joined by `&`. An
/// empty query gives `""`.
pub fn v3_canonical_query(query: &[(&str, &str)]) -> String {
    canonical_pairs(query)
}

/// Decodes `%XX` escapes (and only those: `+` is a literal in a path) of one path segment.
/// Invalid escapes are kept verbatim; invalid UTF-8 is replaced lossily.
fn percent_decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The V3 canonical URI: `/` for an empty or root path, otherwise each `/`-separated
/// segment is percent-decoded then [`percent_encode`]d (so a raw or decoded path gives
/// the same result).
fn write_v3_canonical_uri(out: &mut Vec<u8>, path: &str) {
    if path.is_empty() || path == "/" {
        out.push(b'/');
        return;
    }
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        if scan::first_in::<scan::Reserved>(segment.as_bytes()) == segment.len() {
            out.extend_from_slice(segment.as_bytes());
        } else {
            encode_into(out, &percent_decode_segment(segment));
        }
    }
}

/// V3: the canonical request,
/// `METHOD\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload`.
///
/// * `method` is upper-cased.
/// * `path` is the request path; `/` (or empty) gives `/`, any other path has each
///   segment percent-decoded and re-encoded with [`percent_encode`] (`/` kept), so the
///   raw wire path can be passed as is.
/// * `canonical_query` is the output of [`v3_canonical_query`].
/// * `headers` are ALL request headers as `(name, value)` in any case; only the names
///   listed in `signed_headers` (as given by the client, lower-case) are used, matched
///   case-insensitively, in the order of `signed_headers`. Each gives
///   `name:trim(value)\n`; repeated headers have their trimmed values sorted and joined
///   with `,`; a signed header that is absent gives `name:\n`.
/// * The `SignedHeaders` line is `signed_headers` joined by `;`.
/// * `hashed_payload` is [`sha256_hex`] of the raw body.
pub fn v3_canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    headers: &[(&str, &str)],
    signed_headers: &[String],
    hashed_payload: &str,
) -> String {
    let mut out = Vec::with_capacity(
        method.len()
            + path.len() * 3
            + canonical_query.len()
            + signed_headers
                .iter()
                .map(|h| h.len() * 2 + 2)
                .sum::<usize>()
            + headers.iter().map(|(_, v)| v.len()).sum::<usize>()
            + hashed_payload.len()
            + 8,
    );
    out.extend(method.bytes().map(|b| b.to_ascii_uppercase()));
    out.push(b'\n');
    write_v3_canonical_uri(&mut out, path);
    out.push(b'\n');
    out.extend_from_slice(canonical_query.as_bytes());
    out.push(b'\n');
    let mut several: Vec<&str> = Vec::new();
    for name in signed_headers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let mut values = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim());
        // Most signed headers are sent once: written as they are, without a list.
        if let Some(first) = values.next() {
            match values.next() {
                None => out.extend_from_slice(first.as_bytes()),
                Some(second) => {
                    several.clear();
                    several.extend([first, second]);
                    several.extend(values);
                    several.sort_unstable();
                    for (i, v) in several.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(v.as_bytes());
                    }
                }
            }
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    for (i, name) in signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        out.extend_from_slice(name.as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(hashed_payload.as_bytes());
    // Header values and the path may be any text: only the bytes written here are
    // added, all from `&str`s, so the result is UTF-8.
    into_string(out)
}

/// V3: the string to sign, `"ACS3-HMAC-SHA256\n" + hex(sha256(canonical_request))`.
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    let mut out = String::with_capacity(V3_ALGORITHM.len() + 1 + 64);
    out.push_str(V3_ALGORITHM);
    out.push('\n');
    let mut hex = [0u8; 64];
    // 32 bytes always fit 64 hex digits.
    let _ = hex::encode_to_slice(Sha256::digest(canonical_request.as_bytes()), &mut hex);
    out.push_str(std::str::from_utf8(&hex).unwrap_or_default());
    out
}

/// V3: the signature, `hex(HMAC-SHA256(key = secret, string_to_sign))` in lower case.
/// Unlike V1, no `&` is appended to the secret.
pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// V3: whether `sent` is the signature of `string_to_sign` with `secret`
/// ([`v3_signature`] compared by [`signatures_equal`], without allocating).
pub fn v3_signature_matches(secret: &str, string_to_sign: &str, sent: &str) -> bool {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    let mut hex = [0u8; 64];
    // 32 bytes always fit 64 hex digits.
    let _ = hex::encode_to_slice(mac.finalize().into_bytes(), &mut hex);
    bool::from(hex.ct_eq(sent.as_bytes()))
}

/// `hex(sha256(body))` in lower case: the V3 hashed payload (also the expected value of
/// the `x-acs-content-sha256` header). An empty body gives
/// `e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`.
pub fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Compares two signatures in constant time (for equal lengths; a length difference
/// returns `false` at once). Comparison is exact and case-sensitive.
pub fn signatures_equal(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
