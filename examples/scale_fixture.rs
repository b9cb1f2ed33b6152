//! The fixture of `scripts/big_fixture.py N`, fast: for the scale benchmark
//! (`scripts/bench-scale`), which needs 1 000 000 instances (about 2.6 GB of JSON).
//!
//! Writes to stdout the accounts, regions and types of `fixtures/default.json` (the
//! quotas of account 1000000000000001 emptied) and N instances in that account,
//! cn-hangzhou, that replace the default ones: each a full DescribeInstances `Instance`
//! object with the same keys, order and values as the Python script writes them, and
//! byte for byte the same text (Python's `json.dump` separators `, ` and `: `, non-ASCII
//! unescaped). The per-instance text is formatted directly, not built as a JSON value:
//! every value that varies is made of characters JSON never escapes.
//!
//! Usage: `cargo run --release --example scale_fixture -- N [DEFAULT_JSON] > fixture.json`
//! (DEFAULT_JSON defaults to `fixtures/default.json` of this crate).

use std::io::{self, BufWriter, Write};

use serde_json::ser::Formatter;
use serde_json::Value;

const ACCOUNT: &str = "1000000000000001";
const TYPES: [&str; 5] = [
    "ecs.g7.large",
    "ecs.g7.xlarge",
    "ecs.c7.large",
    "ecs.c7.xlarge",
    "ecs.r7.large",
];
const ENVS: [&str; 5] = ["dev", "test", "staging", "prod", "prod"];
const ZONES: [&str; 2] = ["cn-hangzhou-h", "cn-hangzhou-i"];
/// Stands for the instance array while the rest of the document is serialized.
const MARK: &str = "\u{0}INSTANCES\u{0}";

/// Python's `json.dump` defaults: `, ` between items, `: ` after keys, no newlines.
struct PythonStyle;

impl Formatter for PythonStyle {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// The document around the instances: (text before them, text after them).
fn frame(default_json: &str) -> (String, String) {
    let text = std::fs::read_to_string(default_json)
        .unwrap_or_else(|e| panic!("cannot read {default_json}: {e}"));
    let mut doc: Value = serde_json::from_str(&text).expect("default fixtures are JSON");
    for account in doc["Accounts"].as_array_mut().expect("Accounts") {
        if account["AccountId"] == ACCOUNT {
            account["Quotas"] = Value::Array(Vec::new());
        }
    }
    doc["Instances"] = Value::String(MARK.to_string());
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonStyle);
    serde::Serialize::serialize(&doc, &mut ser).expect("serialize");
    let out = String::from_utf8(out).expect("UTF-8");
    let mark = serde_json::to_string(MARK).expect("serialize");
    let (before, after) = out.split_once(&mark).expect("the mark");
    (before.to_string(), after.to_string())
}

/// The i-th instance, as `instance(i)` of scripts/big_fixture.py serializes.
fn instance(w: &mut impl Write, i: u64) -> io::Result<()> {
    let zone = ZONES[(i % 2) as usize];
    let zone_letter = &zone[zone.len() - 1..];
    let running = i.is_multiple_of(2);
    let (status, stopped_mode) = if running {
        ("Running", "Not-applicable")
    } else {
        ("Stopped", "KeepCharging")
    };
    let (a, b) = (10 + i / 90 % 90, 10 + i % 90);
    let (day, minute) = (i % 28 + 1, i % 60);
    let serial = (0x5EEDu128 << 96) + u128::from(i);
    let serial = format!("{serial:032x}");
    let bandwidth = if i.is_multiple_of(5) { 5 } else { 0 };
    let ty = TYPES[(i % 5) as usize];
    write!(
        w,
        concat!(
            r#"{{"InstanceId": "i-bp1bench{i:012}", "AccountId": "{account}", "#,
            r#""RegionId": "cn-hangzhou", "ZoneId": "{zone}", "InstanceType": "{ty}", "#,
            r#""Status": "{status}", "InstanceChargeType": "PostPaid", "#,
            r#""InstanceName": "bench-{i:05}", "HostName": "iZbp1bench{i:012}Z", "#,
            r#""Description": "benchmark instance {i:06}", "#,
            r#""ResourceGroupId": "rg-acfmzw2jz2z3abc", "#,
            r#""SerialNumber": "{s0}-{s1}-{s2}-{s3}-{s4}", "#,
            r#""CreationTime": "2026-01-{day:02}T08:{minute:02}Z", "#,
            r#""StartTime": "2026-01-{day:02}T08:{minute:02}Z", "#,
            r#""ExpiredTime": "2099-12-31T15:59Z", "#,
            r#""ImageId": "aliyun_3_x64_20G_alibase_20250101.vhd", "OSType": "linux", "#,
            "\"OSName\": \"Alibaba Cloud Linux  3.2104 LTS 64\u{4f4d}\", ",
            r#""OSNameEn": "Alibaba Cloud Linux  3.2104 LTS 64 bit", "#,
            r#""InstanceNetworkType": "vpc", "InternetChargeType": "PayByTraffic", "#,
            r#""InternetMaxBandwidthOut": {bandwidth}, "InternetMaxBandwidthIn": -1, "#,
            r#""IoOptimized": true, "DeletionProtection": false, "DeviceAvailable": true, "#,
            r#""Recyclable": false, "StoppedMode": "{stopped_mode}", "#,
            r#""SpotStrategy": "NoSpot", "SpotPriceLimit": 0.0, "GPUSpec": "", "#,
            r#""SaleCycle": "", "AutoReleaseTime": "", "DeploymentSetId": "", "#,
            r#""VlanId": "", "ClusterId": "", "KeyPairName": "bench-key-{key}", "#,
            r#""OperationLocks": {{"LockReason": []}}, "#,
            r#""Tags": {{"Tag": [{{"TagKey": "env", "TagValue": "{env}"}}, "#,
            r#"{{"TagKey": "team", "TagValue": "team-{team}"}}, "#,
            r#"{{"TagKey": "acs:ecs:bench", "TagValue": "{i:06}"}}]}}, "#,
            r#""SecurityGroupIds": {{"SecurityGroupId": ["sg-bp1bench{sg:011}"]}}, "#,
        ),
        i = i,
        account = ACCOUNT,
        zone = zone,
        ty = ty,
        status = status,
        s0 = &serial[0..8],
        s1 = &serial[8..12],
        s2 = &serial[12..16],
        s3 = &serial[16..20],
        s4 = &serial[20..32],
        day = day,
        minute = minute,
        bandwidth = bandwidth,
        stopped_mode = stopped_mode,
        key = i % 3,
        env = ENVS[(i % 5) as usize],
        team = i % 7,
        sg = i % 4,
    )?;
    if i.is_multiple_of(5) {
        write!(
            w,
            r#""PublicIpAddress": {{"IpAddress": ["47.98.{a}.{b}"]}}, "#
        )?;
    } else {
        w.write_all(br#""PublicIpAddress": {"IpAddress": []}, "#)?;
    }
    write!(
        w,
        concat!(
            r#""InnerIpAddress": {{"IpAddress": []}}, "#,
            r#""VpcAttributes": {{"VpcId": "vpc-bp1bench0000000000001", "#,
            r#""VSwitchId": "vsw-bp1bench00000000000{zone_letter}", "NatIpAddress": "", "#,
            r#""PrivateIpAddress": {{"IpAddress": ["172.16.{a}.{b}"]}}}}, "#,
            r#""EipAddress": {{"AllocationId": "", "IpAddress": "", "InternetChargeType": ""}}, "#,
            r#""NetworkInterfaces": {{"NetworkInterface": [{{"#,
            r#""NetworkInterfaceId": "eni-bp1bench{i:012}", "#,
            r#""MacAddress": "00:16:3e:{m0:02x}:{m1:02x}:{m2:02x}", "#,
            r#""PrimaryIpAddress": "172.16.{a}.{b}", "Type": "Primary", "#,
            r#""PrivateIpSets": {{"PrivateIpSet": [{{"PrivateIpAddress": "172.16.{a}.{b}", "#,
            r#""Primary": true}}]}}}}]}}, "#,
            r#""DedicatedHostAttribute": {{"DedicatedHostId": "", "DedicatedHostName": "", "#,
            r#""DedicatedHostClusterId": ""}}, "#,
            r#""DedicatedInstanceAttribute": {{"Tenancy": "", "Affinity": ""}}, "#,
            r#""EcsCapacityReservationAttr": {{"CapacityReservationId": "", "#,
            r#""CapacityReservationPreference": ""}}, "#,
            r#""MetadataOptions": {{"HttpTokens": "optional", "HttpEndpoint": "enabled"}}, "#,
            r#""HibernationOptions": {{"Configured": false}}, "#,
            r#""ImageOptions": {{"LoginAsNonRoot": false}}, "#,
            r#""PrivateDnsNameOptions": {{"HostnameType": "Custom", "#,
            r#""EnableInstanceIdDnsARecord": false, "EnableInstanceIdDnsAAAARecord": false, "#,
            r#""EnableIpDnsARecord": false, "EnableIpDnsPtrRecord": false}}, "#,
            r#""MockDisks": [{{"DiskId": "d-bp1bench{i:012}", "Type": "system", "#,
            r#""Status": "In_use"}}]}}"#,
        ),
        zone_letter = zone_letter,
        a = a,
        b = b,
        i = i,
        m0 = i >> 16 & 255,
        m1 = i >> 8 & 255,
        m2 = i & 255,
    )
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .expect("usage: scale_fixture N [DEFAULT_JSON] > fixture.json");
    let default_json = args.next().unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/default.json").to_string()
    });
    let (before, after) = frame(&default_json);
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
    w.write_all(before.as_bytes())?;
    w.write_all(b"[")?;
    for i in 0..n {
        if i > 0 {
            w.write_all(b", ")?;
        }
        instance(&mut w, i)?;
    }
    w.write_all(b"]")?;
    w.write_all(after.as_bytes())?;
    w.flush()
}
