//! Conformance with the real service's responses, checked from recorded facts rather than
//! from ecs-mock's own output: the key order of every object (Java `HashMap` order plus
//! the captured lists in `tests/reference/key-orders.json`) and the value types and
//! formats real responses show.
//!
//! [`check_body`] runs on every ECS API response the integration tests receive (the
//! harness calls it from `Resp::from_reqwest`) and on every golden file ([`goldens`]).
//! The rule is implemented here again, independently of `src/gateway/order.rs`.

use std::sync::LazyLock;

use serde_json::{Map, Value};

/// The recorded facts.
struct Facts {
    toplevel: Map<String, Value>,
    error: Vec<String>,
    objects: Map<String, Value>,
    instance_never: Vec<String>,
}

static FACTS: LazyLock<Facts> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/key-orders.json"
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("key-orders.json")).unwrap();
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    Facts {
        toplevel: doc["toplevel"].as_object().unwrap().clone(),
        error: list(&doc["error"]),
        objects: doc["objects"].as_object().unwrap().clone(),
        instance_never: list(&doc["instance_never"]),
    }
});

/// `String.hashCode` as Java computes it.
fn hash_code(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// The bucket of `key` in a default-grown `HashMap` holding `n` keys.
fn bucket(key: &str, n: usize) -> u32 {
    let mut cap = 16u32;
    while n as f64 > 0.75 * cap as f64 {
        cap *= 2;
    }
    let h = hash_code(key) as u32;
    (h ^ (h >> 16)) & (cap - 1)
}

/// What the check knows about an object: where it is, and the recorded relative order
/// of its keys (if any).
fn check_object(path: &str, map: &Map<String, Value>, recorded: Option<&[String]>) {
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    let n = keys.len();
    for pair in keys.windows(2) {
        let (a, b) = (bucket(pair[0], n), bucket(pair[1], n));
        assert!(
            a <= b,
            "{path}: `{}` (bucket {a}) comes before `{}` (bucket {b}) in a map of {n} keys: {keys:?}",
            pair[0],
            pair[1]
        );
    }
    if let Some(list) = recorded {
        let positions: Vec<usize> = keys
            .iter()
            .filter_map(|k| list.iter().position(|r| r == k))
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "{path}: keys not in the captured order {list:?}: {keys:?}"
        );
    }
}

fn recorded_object(name: &str) -> Option<Vec<String>> {
    FACTS.objects.get(name).map(|v| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    })
}

/// Walk a value: every object is checked under the recorded list named by its key (or
/// by the key of the list that holds it).
fn walk(path: &str, name: &str, value: &Value, json: bool) {
    match value {
        Value::Object(map) => {
            let mut recorded = recorded_object(name);
            // cloud_efficiency disks swap `PerformanceLevel` and `Device` (captured).
            if name == "Disk"
                && map.get("Category").and_then(Value::as_str) == Some("cloud_efficiency")
            {
                if let Some(list) = recorded.as_mut() {
                    let d = list.iter().position(|k| k == "Device").unwrap();
                    let p = list.iter().position(|k| k == "PerformanceLevel").unwrap();
                    list.swap(d, p);
                }
            }
            check_object(path, map, recorded.as_deref());
            // DescribeInstanceAttachmentAttributes' `Instance` is not the instance object.
            if json && name == "Instance" && !map.contains_key("PrivatePoolOptionsMatchCriteria") {
                check_instance_values(path, map);
            }
            for (k, v) in map {
                walk(&format!("{path}.{k}"), k, v, json);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(&format!("{path}[{i}]"), name, item, json);
            }
        }
        Value::Null => panic!("{path}: null (the real service never sends null)"),
        _ => {}
    }
}

fn is_minute_time(s: &str) -> bool {
    // YYYY-MM-DDTHH:MMZ
    s.len() == 17
        && s.as_bytes()[10] == b'T'
        && s.ends_with('Z')
        && s[..16].bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 => b == b':',
            _ => b.is_ascii_digit(),
        })
}

fn is_second_time(s: &str) -> bool {
    s.len() == 20
        && is_minute_time(&format!("{}Z", &s[..16]))
        && s[16..19].starts_with(':')
        && s[17..19].bytes().all(|b| b.is_ascii_digit())
        && s.ends_with('Z')
}

/// Value types and formats of a DescribeInstances `Instance` (real-responses §1, §7).
fn check_instance_values(path: &str, m: &Map<String, Value>) {
    let get = |k: &str| m.get(k).unwrap_or_else(|| panic!("{path}: no `{k}`"));
    for k in [
        "Memory",
        "Cpu",
        "InternetMaxBandwidthOut",
        "InternetMaxBandwidthIn",
        "GPUAmount",
    ] {
        assert!(
            get(k).is_i64() || get(k).is_u64(),
            "{path}.{k} is not an integer: {}",
            get(k)
        );
    }
    assert!(
        get("SpotPriceLimit").is_f64(),
        "{path}.SpotPriceLimit is not a float"
    );
    for k in [
        "IoOptimized",
        "DeviceAvailable",
        "Recyclable",
        "DeletionProtection",
    ] {
        assert!(get(k).is_boolean(), "{path}.{k} is not a boolean");
    }
    for k in ["CreationTime", "StartTime", "ExpiredTime"] {
        let t = get(k).as_str().unwrap();
        assert!(
            t.is_empty() || is_minute_time(t),
            "{path}.{k} {t:?} is not YYYY-MM-DDTHH:MMZ"
        );
    }
    assert_eq!(
        get("ImageOptions"),
        &Value::Object(Map::new()),
        "{path}.ImageOptions"
    );
    let eip = get("EipAddress").as_object().unwrap();
    let eip_keys: Vec<&str> = eip.keys().map(String::as_str).collect();
    if eip["AllocationId"] == "" {
        assert_eq!(
            eip_keys,
            ["AllocationId", "IpAddress", "InternetChargeType"],
            "{path}.EipAddress without an EIP"
        );
    } else {
        assert_eq!(eip.len(), 5, "{path}.EipAddress with an EIP");
    }
    let meta: Vec<&str> = get("MetadataOptions")
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        meta,
        ["HttpTokens", "HttpEndpoint"],
        "{path}.MetadataOptions"
    );
    let cpu = get("CpuOptions").as_object().unwrap();
    assert_eq!(cpu.len(), 3, "{path}.CpuOptions");
    assert!(cpu["Numa"].is_string() && cpu["CoreCount"].is_u64() && cpu["ThreadsPerCore"].is_u64());
    if let Some(tags) = m.get("Tags") {
        assert!(
            !tags["Tag"].as_array().unwrap().is_empty(),
            "{path}.Tags present on an untagged instance"
        );
    }
    if let Some(kp) = m.get("KeyPairName") {
        assert_ne!(kp, "", "{path}.KeyPairName present but empty");
    }
    if let Some(n) = m.get("LocalStorageAmount") {
        assert_ne!(n, 0, "{path}.LocalStorageAmount present but 0");
    }
    for k in &FACTS.instance_never {
        assert!(
            !m.contains_key(k),
            "{path}: `{k}` is never in a real Instance"
        );
    }
}

/// DescribeInstanceAttribute's own value types (real-responses §2).
fn check_attribute_values(m: &Map<String, Value>) {
    assert_eq!(
        m["IoOptimized"], "optimized",
        "IoOptimized is a string here"
    );
    let created = m["CreationTime"].as_str().unwrap();
    assert!(
        is_second_time(created),
        "CreationTime {created:?} has seconds here"
    );
    let expired = m["ExpiredTime"].as_str().unwrap();
    assert!(
        is_minute_time(expired),
        "ExpiredTime {expired:?} has no seconds"
    );
    let dh: Vec<&str> = m["DedicatedHostAttribute"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(dh, ["DedicatedHostId", "DedicatedHostName"]);
    assert_eq!(m["EnableJumboFrame"], false);
}

fn toplevel(name: &str) -> Vec<String> {
    FACTS.toplevel[name]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Check a whole response body given as parsed JSON (`json` = the values are typed, not
/// XML text). `root` is the XML root element name, or `None` for JSON.
fn check_document(body: &Map<String, Value>, root: Option<&str>, json: bool) {
    let is_error = root == Some("Error") || (root.is_none() && body.contains_key("HostId"));
    if is_error {
        let keys: Vec<&str> = body.keys().map(String::as_str).collect();
        let mut expect: Vec<&str> = FACTS.error.iter().map(String::as_str).collect();
        if body.contains_key("AccessDeniedDetail") {
            expect.push("AccessDeniedDetail");
        }
        assert_eq!(keys, expect, "the error envelope's captured order");
        if let Some(detail) = body.get("AccessDeniedDetail") {
            walk("AccessDeniedDetail", "AccessDeniedDetail", detail, json);
        }
        return;
    }
    let action = root.map(|r| r.trim_end_matches("Response"));
    let attribute = action == Some("DescribeInstanceAttribute")
        || (root.is_none() && body.contains_key("VpcAttributes") && body.contains_key("RequestId"));
    let recorded = if attachment_body(body) {
        toplevel("Paging")
    } else if attribute {
        toplevel("DescribeInstanceAttribute")
    } else if body.contains_key("Instances") {
        toplevel("DescribeInstances")
    } else if body.contains_key("Regions") {
        toplevel("DescribeRegions")
    } else if body.contains_key("Disks") {
        toplevel("DescribeDisks")
    } else if body.contains_key("Images") {
        toplevel("DescribeImages")
    } else if body.contains_key("InstanceTypes") {
        toplevel("DescribeInstanceTypes")
    } else if body.contains_key("SecurityGroups") {
        toplevel("DescribeSecurityGroups")
    } else if body.contains_key("Permissions") {
        toplevel("DescribeSecurityGroupAttribute")
    } else {
        toplevel("Paging")
    };
    check_object("body", body, Some(&recorded));
    if attribute && json {
        check_attribute_values(body);
    }
    if json && body.contains_key("Instances") && !attachment_body(body) {
        for k in ["TotalCount", "PageSize", "PageNumber"] {
            assert!(body[k].is_u64(), "{k} is an integer");
        }
        assert!(
            body["NextToken"].is_string(),
            "NextToken is always present, a string"
        );
    }
    for (k, v) in body {
        walk(&format!("body.{k}"), k, v, json);
    }
}

/// A DescribeInstanceAttachmentAttributes body: `Instances.Instance[]` of
/// `{InstanceId, PrivatePoolOptionsId, PrivatePoolOptionsMatchCriteria}` and no
/// `NextToken` (DescribeInstances always sends one).
fn attachment_body(body: &Map<String, Value>) -> bool {
    let Some(instances) = body.get("Instances") else {
        return false;
    };
    let items: Vec<&Value> = match instances.get("Instance") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    !body.contains_key("NextToken")
        && items
            .iter()
            .all(|i| i.get("PrivatePoolOptionsMatchCriteria").is_some())
}

/// Check one response body (JSON or XML) against the recorded facts; panics with the
/// object path and the offending keys.
pub(crate) fn check_body(body: &str) {
    let trimmed = body.trim_start();
    if trimmed.starts_with('<') {
        let (root, tree) = xml_tree(body);
        check_document(&tree, Some(&root), false);
    } else if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) {
        check_document(&map, None, true);
    }
}

/// An XML document as (root name, children): repeated sibling elements become an array,
/// text becomes a string, so the same walk checks key order.
fn xml_tree(text: &str) -> (String, Map<String, Value>) {
    use quick_xml::events::Event;
    use quick_xml::Reader;
    let mut reader = Reader::from_str(text);
    // A stack of (name, children, text).
    let mut stack: Vec<(String, Map<String, Value>, String)> = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                stack.push((name, Map::new(), String::new()));
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let parent = &mut stack.last_mut().expect("an element inside the root").1;
                add_child(parent, name, Value::String(String::new()));
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.2.push_str(&t.unescape().unwrap());
                }
            }
            Event::End(_) => {
                let (name, children, text) = stack.pop().unwrap();
                let value = if children.is_empty() {
                    Value::String(text)
                } else {
                    Value::Object(children)
                };
                match stack.last_mut() {
                    Some(parent) => add_child(&mut parent.1, name, value),
                    None => {
                        let Value::Object(children) = value else {
                            return (name, Map::new());
                        };
                        root = Some((name, children));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.expect("a root element")
}

fn add_child(parent: &mut Map<String, Value>, name: String, value: Value) {
    match parent.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            parent.insert(name, value);
        }
    }
}

#[test]
fn goldens() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check_body(&text));
        assert!(
            outcome.is_ok(),
            "golden {} fails the conformance check",
            path.display()
        );
        seen += 1;
    }
    assert!(seen > 40, "all golden files were checked ({seen})");
}

#[test]
fn the_check_rejects_a_wrong_order() {
    // The reference's own example: PublicIpAddress before EipAddress and InstanceId is
    // DescribeInstanceAttribute's order, wrong for an Instance.
    let bad = r#"{"RequestId":"R","TotalCount":1,"Instances":{"Instance":[{"PublicIpAddress":{"IpAddress":[]},"EipAddress":{},"InstanceId":"i-1"}]}}"#;
    assert!(std::panic::catch_unwind(|| check_body(bad)).is_err());
    let bad_error = r#"{"Code":"X","RequestId":"R","HostId":"h","Message":"m","Recommend":"r"}"#;
    assert!(std::panic::catch_unwind(|| check_body(bad_error)).is_err());
    let bad_xml = "<?xml version=\"1.0\"?><DescribeRegionsResponse><Regions><Region><LocalName>x</LocalName><RegionId>r</RegionId></Region></Regions><RequestId>R</RequestId></DescribeRegionsResponse>";
    assert!(std::panic::catch_unwind(|| check_body(bad_xml)).is_err());
}
