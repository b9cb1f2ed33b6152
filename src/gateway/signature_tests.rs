//! Signature tests: all 20 captured SDK vectors in `tests/vectors/`, tampering, and
//! percent-encoding edge cases.

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
fn the_kept_keyed_state_follows_the_secret() {
    // The thread keeps the last secret's keyed HMAC: each signature here, in an order
    // that switches secrets (one a prefix of another, one empty, one longer than a
    // SHA-1 block), is the one computed from scratch.
    let long = "k".repeat(200);
    let sts = v1_string_to_sign("GET", &[("Action", "StartInstance")]);
    for secret in [
        "a",
        "a",
        "ab",
        "a",
        "",
        "b",
        long.as_str(),
        "a",
        long.as_str(),
    ] {
        let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
        mac.update(sts.as_bytes());
        let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(v1_signature(secret, &sts), want, "secret {secret:?}");
        assert!(v1_signature_matches(secret, &sts, &want));
    }
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
        parse_v3_authorization("ACS3-HMAC-SHA256 Credential=a,junk,SignedHeaders=h,Signature=s"),
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

/// The definitions, written the plain way: what the one-pass writers must equal.
mod reference {
    pub(super) fn pe(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    pub(super) fn canonical(pairs: &[(&str, &str)]) -> String {
        let mut sorted = pairs.to_vec();
        sorted.sort();
        sorted
            .iter()
            .map(|(k, v)| format!("{}={}", pe(k), pe(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub(super) fn v1_sts(method: &str, pairs: &[(&str, &str)]) -> String {
        format!(
            "{}&{}&{}",
            method.to_ascii_uppercase(),
            pe("/"),
            pe(&canonical(pairs))
        )
    }
}

proptest::proptest! {
    #[test]
    fn one_pass_writers_equal_the_definitions(
        method in "(get|GET|post|Post)",
        pairs in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,16}"), 0..12),
        secret in "\\PC{0,150}",
        path in "(/|/[a-z%2F +*]{0,8}(/[a-zA-Z0-9%~ ]{0,6}){0,3})",
    ) {
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        proptest::prop_assert_eq!(percent_encode(refs.first().map_or("", |p| p.0)), reference::pe(refs.first().map_or("", |p| p.0)));
        proptest::prop_assert_eq!(v1_canonicalized_query(&refs), reference::canonical(&refs));
        proptest::prop_assert_eq!(v3_canonical_query(&refs), reference::canonical(&refs));
        let sts = v1_string_to_sign(&method, &refs);
        proptest::prop_assert_eq!(&sts, &reference::v1_sts(&method, &refs));
        let mut shuffled = refs.clone();
        shuffled.reverse();
        proptest::prop_assert_eq!(&v1_string_to_sign_sorting(&method, &mut shuffled), &sts);
        let good = v1_signature(&secret, &sts);
        proptest::prop_assert!(v1_signature_matches(&secret, &sts, &good));
        proptest::prop_assert!(!v1_signature_matches(&secret, &sts, &good[1..]));
        let longer = format!("{sts}x");
        proptest::prop_assert!(!v1_signature_matches(&secret, &longer, &good));
        let good3 = v3_signature(&secret, &sts);
        proptest::prop_assert!(v3_signature_matches(&secret, &sts, &good3));
        proptest::prop_assert!(!v3_signature_matches(&secret, &sts, &good3.to_uppercase()));
        proptest::prop_assert_eq!(
            v3_string_to_sign(&sts),
            format!("ACS3-HMAC-SHA256\n{}", sha256_hex(sts.as_bytes()))
        );
        // The canonical request, against its definition.
        let headers: Vec<(&str, &str)> = refs.iter().map(|(k, v)| (*k, *v)).collect();
        let signed: Vec<String> = refs.iter().take(3).map(|(k, _)| k.to_lowercase()).filter(|k| !k.is_empty()).collect();
        let mut canonical_headers = String::new();
        for name in &signed {
            let mut values: Vec<&str> = headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
                .collect();
            values.sort_unstable();
            canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
        }
        let uri = if path == "/" {
            "/".to_string()
        } else {
            path.split('/')
                .map(|s| reference::pe(&percent_decode_segment(s)))
                .collect::<Vec<_>>()
                .join("/")
        };
        let q = reference::canonical(&refs);
        proptest::prop_assert_eq!(
            v3_canonical_request(&method, &path, &q, &headers, &signed, "HASH"),
            format!("{}\n{uri}\n{q}\n{canonical_headers}\n{}\nHASH", method.to_ascii_uppercase(), signed.join(";"))
        );
    }
}

proptest::proptest! {
    /// Keys that share their first 16 bytes or more, repeat, end in NUL bytes or are
    /// prefixes of each other, in lists on both sides of the keyed limit.
    #[test]
    fn pairs_sort_as_tuples_do(
        pairs in proptest::collection::vec(
            ("(SignatureVersion|SignatureNonce|Sig|A|a|\u{0}|é){0,3}[AaZ\u{0}]{0,3}", "[ab\u{0}]{0,2}"),
            0..40,
        ),
    ) {
        let mut sorted: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut expected = sorted.clone();
        expected.sort_unstable();
        sort_pairs(&mut sorted);
        proptest::prop_assert_eq!(sorted, expected);
    }
}
