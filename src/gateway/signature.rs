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

/// The only V3 signature algorithm accepted by [`parse_v3_authorization`].
const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// RFC 3986 percent-encoding used by both schemes: bytes `A-Z a-z 0-9 - _ . ~` pass, all
/// others become `%XX` with upper-case hex.
///
/// Space → `%20`, `*` → `%2A`, `/` → `%2F`, `+` → `%2B`, `~` stays `~`, and non-ASCII text
/// is encoded byte by byte from its UTF-8 form (`中` → `%E4%B8%AD`).
pub fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
        }
    }
    out
}

/// Sorts decoded pairs by key then value (byte order) and joins `pe(k)=pe(v)` with `&`.
fn canonical_pairs(pairs: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = pairs.to_vec();
    sorted.sort_unstable();
    let mut out = String::new();
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
    }
    out
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
    let canonical = v1_canonicalized_query(params);
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode("/"),
        percent_encode(&canonical)
    )
}

/// V1: the signature, `base64(HMAC-SHA1(key = secret + "&", string_to_sign))`.
///
/// The result uses the standard base64 alphabet with padding (as sent by the SDKs once
/// the `Signature` parameter is decoded).
pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut key = Vec::with_capacity(secret.len() + 1);
    key.extend_from_slice(secret.as_bytes());
    key.push(b'&');
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
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
fn v3_canonical_uri(path: &str) -> String {
    if path.is_empty() || path == "/" {
        return "/".to_owned();
    }
    path.split('/')
        .map(|segment| percent_encode(&percent_decode_segment(segment)))
        .collect::<Vec<_>>()
        .join("/")
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
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let mut values: Vec<&str> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        values.sort_unstable();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        v3_canonical_uri(path),
        canonical_query,
        canonical_headers,
        signed_headers.join(";"),
        hashed_payload
    )
}

/// V3: the string to sign, `"ACS3-HMAC-SHA256\n" + hex(sha256(canonical_request))`.
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{V3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// V3: the signature, `hex(HMAC-SHA256(key = secret, string_to_sign))` in lower case.
/// Unlike V1, no `&` is appended to the secret.
pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
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
mod tests {
    use super::*;
    use serde_json::Value;
    use std::path::Path;

    const VECTOR_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

    /// One recorded request from a vector file.
    struct Request {
        method: String,
        path: String,
        raw_query: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Request {
        fn from_json(v: &Value) -> Self {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            let headers = v["headers"]
                .as_array()
                .expect("headers array")
                .iter()
                .map(|h| {
                    (
                        h[0].as_str().expect("header name").to_owned(),
                        h[1].as_str().expect("header value").to_owned(),
                    )
                })
                .collect();
            let body = match v.get("body_b64").and_then(Value::as_str) {
                Some(b64) => base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .expect("valid body_b64"),
                None => s("body").into_bytes(),
            };
            Request {
                method: s("method"),
                path: s("path"),
                raw_query: s("raw_query"),
                headers,
                body,
            }
        }

        fn header_values(&self, name: &str) -> Vec<&str> {
            self.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect()
        }

        fn is_form_body(&self) -> bool {
            self.header_values("content-type").iter().any(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        }

        fn header_refs(&self) -> Vec<(&str, &str)> {
            self.headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect()
        }
    }

    fn form_decode(raw: &[u8]) -> Vec<(String, String)> {
        form_urlencoded::parse(raw)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn as_refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
        pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn load_vectors() -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(Path::new(VECTOR_DIR)).expect("vector directory") {
            let path = entry.expect("dir entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if !name.ends_with(".json") || name == "INDEX.json" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read vector");
            let json: Value = serde_json::from_str(&text).expect("vector JSON");
            out.push((name, json));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn expected<'a>(vector: &'a Value, key: &str) -> &'a str {
        vector["expected"][key]
            .as_str()
            .unwrap_or_else(|| panic!("expected.{key} missing"))
    }

    /// Checks one V1 vector; returns mismatch descriptions.
    fn check_v1(vector: &Value, req: &Request) -> Vec<String> {
        let mut errors = Vec::new();
        let mut params = form_decode(req.raw_query.as_bytes());
        if req.is_form_body() {
            params.extend(form_decode(&req.body));
        }
        let mut sent = None;
        params.retain(|(k, v)| {
            if k == "Signature" {
                sent = Some(v.clone());
                false
            } else {
                true
            }
        });
        let params = as_refs(&params);
        let secret = vector["secret"].as_str().expect("secret");

        let canonical = v1_canonicalized_query(&params);
        let sts = v1_string_to_sign(&req.method, &params);
        let sig = v1_signature(secret, &sts);
        let sent = sent.unwrap_or_default();
        let mut cmp = |what: &str, ours: &str, theirs: &str| {
            if ours != theirs {
                errors.push(format!("{what}:\n  ours:   {ours}\n  theirs: {theirs}"));
            }
        };
        cmp(
            "canonicalized_query",
            &canonical,
            expected(vector, "canonicalized_query"),
        );
        cmp("string_to_sign", &sts, expected(vector, "string_to_sign"));
        cmp("signature_calc", &sig, expected(vector, "signature_calc"));
        cmp("signature_sent", &sig, expected(vector, "signature_sent"));
        cmp(
            "Signature parameter",
            &sent,
            expected(vector, "signature_sent"),
        );
        if !signatures_equal(&sig, &sent) {
            errors.push("signatures_equal(ours, sent) is false".to_owned());
        }
        errors
    }

    /// Checks one V3 vector; returns mismatch descriptions.
    fn check_v3(vector: &Value, req: &Request) -> Vec<String> {
        let mut errors = Vec::new();
        let auth_header = req.header_values("authorization");
        assert_eq!(auth_header.len(), 1, "exactly one Authorization header");
        let auth = parse_v3_authorization(auth_header[0]).expect("parse Authorization");
        let secret = vector["secret"].as_str().expect("secret");

        let query = form_decode(req.raw_query.as_bytes());
        let canonical_query = v3_canonical_query(&as_refs(&query));
        let hashed = sha256_hex(&req.body);
        let headers = req.header_refs();
        let creq = v3_canonical_request(
            &req.method,
            &req.path,
            &canonical_query,
            &headers,
            &auth.signed_headers,
            &hashed,
        );
        let sts = v3_string_to_sign(&creq);
        let sig = v3_signature(secret, &sts);

        let expected_signed: Vec<String> = vector["expected"]["signed_headers"]
            .as_array()
            .expect("expected.signed_headers")
            .iter()
            .map(|h| h.as_str().expect("header name").to_owned())
            .collect();
        if auth.signed_headers != expected_signed {
            errors.push(format!(
                "signed_headers: ours {:?}, theirs {expected_signed:?}",
                auth.signed_headers
            ));
        }
        let mut cmp = |what: &str, ours: &str, theirs: &str| {
            if ours != theirs {
                errors.push(format!("{what}:\n  ours:   {ours}\n  theirs: {theirs}"));
            }
        };
        cmp(
            "access_key_id",
            &auth.access_key_id,
            vector["access_key_id"].as_str().expect("access_key_id"),
        );
        cmp(
            "hashed_payload",
            &hashed,
            expected(vector, "hashed_payload"),
        );
        cmp(
            "x-acs-content-sha256",
            &hashed,
            req.header_values("x-acs-content-sha256")
                .first()
                .copied()
                .unwrap_or_default(),
        );
        cmp(
            "canonical_request",
            &creq,
            expected(vector, "canonical_request"),
        );
        cmp("string_to_sign", &sts, expected(vector, "string_to_sign"));
        cmp("signature_calc", &sig, expected(vector, "signature_calc"));
        cmp("signature_sent", &sig, expected(vector, "signature_sent"));
        cmp(
            "Authorization Signature",
            &auth.signature,
            expected(vector, "signature_sent"),
        );
        if !signatures_equal(&sig, &auth.signature) {
            errors.push("signatures_equal(ours, sent) is false".to_owned());
        }
        errors
    }

    #[test]
    fn all_vectors_verify() {
        let vectors = load_vectors();
        assert!(
            vectors.len() >= 20,
            "expected at least 20 vectors in {VECTOR_DIR}, found {}",
            vectors.len()
        );
        let (mut v1, mut v3) = (0, 0);
        let mut failures = Vec::new();
        for (name, vector) in &vectors {
            let req = Request::from_json(&vector["request"]);
            let scheme = vector["scheme"].as_str().unwrap_or_default();
            let has_auth = !req.header_values("authorization").is_empty();
            let errors = if scheme.starts_with("V1") {
                assert!(!has_auth, "{name}: V1 vector has an Authorization header");
                v1 += 1;
                check_v1(vector, &req)
            } else if scheme.starts_with("V3") {
                assert!(has_auth, "{name}: V3 vector has no Authorization header");
                v3 += 1;
                check_v3(vector, &req)
            } else {
                panic!("{name}: unknown scheme {scheme:?}");
            };
            for e in errors {
                failures.push(format!("{name}: {e}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(v1 > 0 && v3 > 0, "both schemes covered ({v1} V1, {v3} V3)");
        assert_eq!(v1 + v3, vectors.len());
    }

    #[test]
    fn percent_encode_edge_cases() {
        assert_eq!(percent_encode(" "), "%20");
        assert_eq!(percent_encode("*"), "%2A");
        assert_eq!(percent_encode("~"), "~");
        assert_eq!(percent_encode("中"), "%E4%B8%AD");
        assert_eq!(percent_encode("+"), "%2B");
        assert_eq!(percent_encode("/"), "%2F");
        assert_eq!(percent_encode("="), "%3D");
        assert_eq!(percent_encode("%"), "%25");
        assert_eq!(percent_encode("\n"), "%0A");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(percent_encode("!'()"), "%21%27%28%29");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn canonical_query_sorting_and_empty() {
        assert_eq!(v3_canonical_query(&[]), "");
        assert_eq!(v1_canonicalized_query(&[]), "");
        let pairs = [("b", "2"), ("a", "x y"), ("B", "1"), ("a", "w"), ("e", "")];
        assert_eq!(v1_canonicalized_query(&pairs), "B=1&a=w&a=x%20y&b=2&e=");
        assert_eq!(v3_canonical_query(&pairs), v1_canonicalized_query(&pairs));
    }

    #[test]
    fn v1_string_to_sign_double_encodes() {
        let sts = v1_string_to_sign("get", &[("Timestamp", "2026-01-01T00:00:00Z")]);
        assert_eq!(sts, "GET&%2F&Timestamp%3D2026-01-01T00%253A00%253A00Z");
    }

    #[test]
    fn changed_param_changes_v1_signature() {
        let secret = "TestSecret0123456789abcdefABCDEF";
        let base = [("Action", "StartInstance"), ("InstanceId", "i-test")];
        let changed = [("Action", "StartInstance"), ("InstanceId", "i-tesu")];
        let sig = v1_signature(secret, &v1_string_to_sign("POST", &base));
        let sig_changed = v1_signature(secret, &v1_string_to_sign("POST", &changed));
        let sig_get = v1_signature(secret, &v1_string_to_sign("GET", &base));
        let sig_other_secret = v1_signature("other", &v1_string_to_sign("POST", &base));
        assert_ne!(sig, sig_changed);
        assert_ne!(sig, sig_get);
        assert_ne!(sig, sig_other_secret);
        assert!(!signatures_equal(&sig, &sig_changed));
        assert!(signatures_equal(
            &sig,
            &v1_signature(secret, &v1_string_to_sign("POST", &base))
        ));
    }

    #[test]
    fn tampered_vectors_fail() {
        for (name, vector) in load_vectors() {
            let req = Request::from_json(&vector["request"]);
            let secret = vector["secret"].as_str().expect("secret");
            let sent = expected(&vector, "signature_sent");
            if req.header_values("authorization").is_empty() {
                // V1: change the value of one signed parameter.
                let mut params = form_decode(req.raw_query.as_bytes());
                if req.is_form_body() {
                    params.extend(form_decode(&req.body));
                }
                params.retain(|(k, _)| k != "Signature");
                let target = params
                    .iter_mut()
                    .find(|(k, _)| k == "Action" || k == "InstanceId" || k == "RegionId")
                    .unwrap_or_else(|| panic!("{name}: no param to tamper with"));
                target.1.push('x');
                let sig = v1_signature(secret, &v1_string_to_sign(&req.method, &as_refs(&params)));
                assert!(
                    !signatures_equal(&sig, sent),
                    "{name}: tampered V1 still verifies"
                );
            } else {
                // V3: add a query parameter, and separately change a signed header.
                let auth = parse_v3_authorization(req.header_values("authorization")[0])
                    .expect("parse Authorization");
                let hashed = sha256_hex(&req.body);
                let mut query = form_decode(req.raw_query.as_bytes());
                query.push(("Extra".to_owned(), "1".to_owned()));
                let creq = v3_canonical_request(
                    &req.method,
                    &req.path,
                    &v3_canonical_query(&as_refs(&query)),
                    &req.header_refs(),
                    &auth.signed_headers,
                    &hashed,
                );
                let sig = v3_signature(secret, &v3_string_to_sign(&creq));
                assert!(
                    !signatures_equal(&sig, sent),
                    "{name}: extra query verifies"
                );

                let query = form_decode(req.raw_query.as_bytes());
                let mut headers = req.headers.clone();
                for (n, v) in &mut headers {
                    if n.eq_ignore_ascii_case("x-acs-action") {
                        v.push('x');
                    }
                }
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let creq = v3_canonical_request(
                    &req.method,
                    &req.path,
                    &v3_canonical_query(&as_refs(&query)),
                    &headers,
                    &auth.signed_headers,
                    &hashed,
                );
                let sig = v3_signature(secret, &v3_string_to_sign(&creq));
                assert!(
                    !signatures_equal(&sig, sent),
                    "{name}: changed header verifies"
                );
            }
        }
    }

    #[test]
    fn parse_authorization_variants() {
        let ok = parse_v3_authorization(
            "ACS3-HMAC-SHA256 Credential=AK1, SignedHeaders=host;x-acs-date,  Signature=abc",
        )
        .expect("valid");
        assert_eq!(
            ok,
            V3Authorization {
                access_key_id: "AK1".to_owned(),
                signed_headers: vec!["host".to_owned(), "x-acs-date".to_owned()],
                signature: "abc".to_owned(),
            }
        );
        // Order of parts does not matter; no spaces after commas is fine.
        assert_eq!(
            parse_v3_authorization(
                "ACS3-HMAC-SHA256 Signature=abc,Credential=AK1,SignedHeaders=host;x-acs-date"
            ),
            Ok(ok)
        );
        assert_eq!(parse_v3_authorization("  "), Err(AuthorizationError::Empty));
        assert_eq!(
            parse_v3_authorization("ACS3-HMAC-SM3 Credential=a,SignedHeaders=h,Signature=s"),
            Err(AuthorizationError::UnsupportedAlgorithm(
                "ACS3-HMAC-SM3".to_owned()
            ))
        );
        assert_eq!(
            parse_v3_authorization("acs AK:sig"),
            Err(AuthorizationError::UnsupportedAlgorithm("acs".to_owned()))
        );
        assert_eq!(
            parse_v3_authorization("ACS3-HMAC-SHA256"),
            Err(AuthorizationError::Missing("Credential"))
        );
        assert_eq!(
            parse_v3_authorization("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=h"),
            Err(AuthorizationError::Missing("Signature"))
        );
        assert_eq!(
            parse_v3_authorization("ACS3-HMAC-SHA256 Credential=a,Signature=s"),
            Err(AuthorizationError::Missing("SignedHeaders"))
        );
        assert_eq!(
            parse_v3_authorization("ACS3-HMAC-SHA256 Credential=,SignedHeaders=h,Signature=s"),
            Err(AuthorizationError::EmptyValue("Credential"))
        );
        assert_eq!(
            parse_v3_authorization(
                "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=h,Signature=s"
            ),
            Err(AuthorizationError::Duplicate("Credential"))
        );
        assert_eq!(
            parse_v3_authorization(
                "ACS3-HMAC-SHA256 Credential=a,junk,SignedHeaders=h,Signature=s"
            ),
            Err(AuthorizationError::Malformed("junk".to_owned()))
        );
        assert!(matches!(
            parse_v3_authorization("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=h;;x,Signature=s"),
            Err(AuthorizationError::Malformed(_))
        ));
        assert_eq!(
            AuthorizationError::Missing("Signature").to_string(),
            "authorization header is missing Signature"
        );
    }

    #[test]
    fn canonical_request_headers_and_uri() {
        let signed = vec![
            "host".to_owned(),
            "x-acs-a".to_owned(),
            "x-acs-b".to_owned(),
        ];
        let headers = [
            ("Host", " example.com "),
            ("X-Acs-A", "two"),
            ("x-acs-a", " one"),
            ("Accept-Encoding", "gzip"),
        ];
        let creq = v3_canonical_request("post", "/", "a=1", &headers, &signed, "HASH");
        assert_eq!(
            creq,
            "POST\n/\na=1\nhost:example.com\nx-acs-a:one,two\nx-acs-b:\n\nhost;x-acs-a;x-acs-b\nHASH"
        );
        let raw = v3_canonical_request("GET", "/a%20b/c+d/中", "", &[], &[], "H");
        let decoded = v3_canonical_request("GET", "/a b/c+d/中", "", &[], &[], "H");
        assert_eq!(raw, "GET\n/a%20b/c%2Bd/%E4%B8%AD\n\n\n\nH");
        assert_eq!(raw, decoded);
        assert_eq!(
            v3_canonical_request("GET", "", "", &[], &[], "H"),
            "GET\n/\n\n\n\nH"
        );
    }

    #[test]
    fn hashes_and_comparison() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(v3_string_to_sign("x").starts_with("ACS3-HMAC-SHA256\n"));
        assert_eq!(v3_signature("k", "s").len(), 64);
        assert!(signatures_equal("abc", "abc"));
        assert!(!signatures_equal("abc", "abd"));
        assert!(!signatures_equal("abc", "abcd"));
        assert!(!signatures_equal("ABC", "abc"));
        assert!(signatures_equal("", ""));
    }
}
