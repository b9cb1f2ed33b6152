//! The RPC gateway (spec §1): methods, parameter sources, formats, common errors, V1
//! and V3 signatures, replay and timestamp checks, RAM, `--auth off`, body limit.

use ecs_mock::gateway::auth::AuthMode;
use ecs_mock::gateway::signature::{
    v1_signature, v1_string_to_sign, v3_signature, v3_string_to_sign,
};
use serde_json::Value;

use crate::common::{assert_upper_uuid, xml_text, TestServer, HOST, JSON_CT, XML_CT};

const FROZEN_NOW_MINUS_20_MIN: i64 = 20 * 60;

fn timestamp_offset(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[test]
fn harness_signs_like_the_sdks() {
    // Deterministic signature vectors produced with the SDKs' own code.
    let pairs = [
        ("Action", "StartInstance"),
        ("Version", "2014-05-26"),
        ("InstanceId", "i-bp67acfmxazb4ph12345"),
        ("RegionId", "cn-hangzhou"),
        ("Format", "JSON"),
        ("Timestamp", "2024-01-01T00:00:00Z"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureType", ""),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("AccessKeyId", "testid"),
    ];
    let sts = v1_string_to_sign("GET", &pairs);
    assert_eq!(sts, "GET&%2F&AccessKeyId%3Dtestid%26Action%3DStartInstance%26Format%3DJSON%26InstanceId%3Di-bp67acfmxazb4ph12345%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Version%3D2014-05-26");
    assert_eq!(
        v1_signature("testsecret", &sts),
        "osVIuCrjO6AOU0wuZ6EWZstk858="
    );

    let headers = [
        ("host", "ecs.cn-hangzhou.aliyuncs.com"),
        ("x-acs-action", "StartInstance"),
        (
            "x-acs-content-sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        ("x-acs-date", "2024-01-01T00:00:00Z"),
        (
            "x-acs-signature-nonce",
            "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        ),
        ("x-acs-version", "2014-05-26"),
    ];
    let signed: Vec<String> = headers.iter().map(|(k, _)| k.to_string()).collect();
    let creq = ecs_mock::gateway::signature::v3_canonical_request(
        "POST",
        "/",
        "InstanceId=i-bp67acfmxazb4ph12345",
        &headers,
        &signed,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    assert_eq!(
        v3_signature("testsecret", &v3_string_to_sign(&creq)),
        "e9aa2929acd0b3661a18b919f46d0de9f306b63f4de4dc35cb5962314abcc73f"
    );
}

#[tokio::test]
async fn unknown_action() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "StartInstanceX",
            &[("InstanceId", "i-bp1stopped0000000001")],
        )
        .await;
    resp.err(
        404,
        "InvalidAction.NotFound",
        Some("Specified api is not found, please check your url and method."),
    );
    // Action names are case-sensitive.
    srv.call("startinstance", &[("InstanceId", "i-bp1stopped0000000001")])
        .await
        .err(404, "InvalidAction.NotFound", None);
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
}

#[tokio::test]
async fn missing_instance_id() {
    let srv = TestServer::start().await;
    for action in [
        "StartInstance",
        "StopInstance",
        "RebootInstance",
        "DeleteInstance",
        "DescribeInstanceAttribute",
    ] {
        srv.call(action, &[]).await.err(
            400,
            "MissingInstanceId",
            Some("InstanceId is mandatory for this action."),
        );
        // An empty value is missing too.
        srv.call(action, &[("InstanceId", "")]).await.err(
            400,
            "MissingInstanceId",
            Some("InstanceId is mandatory for this action."),
        );
    }
}

#[tokio::test]
async fn missing_region_id_where_required() {
    let srv = TestServer::start().await;
    for action in [
        "DescribeInstances",
        "DescribeInstanceStatus",
        "DescribeZones",
        "StartInstances",
        "RunInstances",
    ] {
        srv.rpc(action)
            .region(None)
            .p("InstanceId.1", "i-bp1stopped0000000001")
            .send()
            .await
            .err(
                400,
                "MissingRegionId",
                Some("RegionId is mandatory for this action."),
            );
    }
}

#[tokio::test]
async fn unknown_region_is_not_found() {
    let srv = TestServer::start().await;
    srv.call("DescribeInstances", &[("RegionId", "cn-nowhere")])
        .await
        .err(
            404,
            "InvalidRegionId.NotFound",
            Some("The specified RegionId does not exist."),
        );
    srv.call("DescribeZones", &[("RegionId", "cn-nowhere")])
        .await
        .err(404, "InvalidRegionId.NotFound", None);
}

#[tokio::test]
async fn invalid_boolean() {
    let srv = TestServer::start().await;
    let resp = srv
        .call(
            "StartInstance",
            &[
                ("InstanceId", "i-bp1stopped0000000001"),
                ("DryRun", "maybe"),
            ],
        )
        .await;
    resp.err(
        400,
        "InvalidParameter",
        Some("The specified parameter \"DryRun\" is not valid."),
    );
    srv.call(
        "StartInstance",
        &[
            ("InstanceId", "i-bp1stopped0000000001"),
            ("InitLocalDisk", "1"),
        ],
    )
    .await
    .err(
        400,
        "InvalidParameter",
        Some("The specified parameter \"InitLocalDisk\" is not valid."),
    );
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
}

#[tokio::test]
async fn put_and_delete_are_unsupported() {
    let srv = TestServer::start().await;
    for method in ["PUT", "DELETE", "PATCH"] {
        let resp = srv
            .raw(
                method,
                "/?Action=DescribeRegions&Version=2014-05-26&Format=JSON",
            )
            .send()
            .await;
        resp.err(
            403,
            "UnsupportedHTTPMethod",
            Some("This http method is not supported."),
        );
    }
    // Even a correctly signed request (for POST) sent with PUT.
    let rpc = srv
        .rpc("StartInstance")
        .p("InstanceId", "i-bp1stopped0000000001");
    let mut pairs = rpc.pairs();
    pairs.push((
        "Signature".into(),
        v1_signature(
            "test",
            &v1_string_to_sign(
                "PUT",
                &pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect::<Vec<_>>(),
            ),
        ),
    ));
    srv.raw("PUT", &format!("/?{}", crate::common::encode_pairs(&pairs)))
        .send()
        .await
        .err(403, "UnsupportedHTTPMethod", None);
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
}

#[tokio::test]
async fn unsupported_method_without_format_is_xml() {
    let srv = TestServer::start().await;
    let resp = srv
        .raw("DELETE", "/?Action=DescribeRegions&Version=2014-05-26")
        .send()
        .await;
    assert_eq!(resp.status, 403);
    assert_eq!(resp.content_type(), XML_CT);
    assert_eq!(
        xml_text(&resp.body, "Code").as_deref(),
        Some("UnsupportedHTTPMethod")
    );
    resp.request_id();
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let srv = TestServer::builder().max_body(1024).start().await;
    let resp = srv
        .rpc("DescribeRegions")
        .raw_body(vec![b'a'; 4096])
        .send()
        .await;
    let body = resp.err(
        413,
        "InvalidParameter.BodyTooLarge",
        Some("The request body is too large."),
    );
    assert_eq!(body["HostId"], HOST);

    // Just under the limit is fine (pop-core style, everything in the form body).
    let padding = "x".repeat(300);
    srv.rpc("DescribeRegions")
        .form_body()
        .p("Description", &padding)
        .send()
        .await
        .ok();
}

#[tokio::test]
async fn default_body_limit_is_one_mebibyte() {
    assert_eq!(ecs_mock::DEFAULT_MAX_BODY, 1024 * 1024);
    assert_eq!(
        ecs_mock::App::new(TestServer::start().await.store.clone()).max_body,
        1024 * 1024
    );
}

#[tokio::test]
async fn wrong_version() {
    let srv = TestServer::start().await;
    srv.rpc("DescribeRegions")
        .version("2016-03-14")
        .send()
        .await
        .err(
            400,
            "InvalidVersion",
            Some("Specified parameter Version is not valid."),
        );
}

#[tokio::test]
async fn missing_action_and_version() {
    let srv = TestServer::start().await;
    srv.raw("GET", "/?Version=2014-05-26&Format=JSON")
        .send()
        .await
        .err(
            400,
            "MissingAction",
            Some("Action is mandatory for this action."),
        );
    srv.raw("GET", "/?Action=DescribeRegions&Format=JSON")
        .send()
        .await
        .err(
            400,
            "MissingVersion",
            Some("Version is mandatory for this action."),
        );
}

#[tokio::test]
async fn unknown_access_key() {
    let srv = TestServer::start().await;
    srv.rpc("DescribeRegions").key("nobody").send().await.err(
        404,
        "InvalidAccessKeyId.NotFound",
        Some("Specified access key is not found."),
    );
}

#[tokio::test]
async fn wrong_secret_returns_server_string_to_sign() {
    let srv = TestServer::start().await;
    let rpc = srv
        .rpc("StartInstance")
        .p("InstanceId", "i-bp1stopped0000000001")
        .p("InstanceName", "web server*1~(x)!'/+中文")
        .secret("not-the-secret");
    let sts = rpc.string_to_sign();
    let resp = rpc.send().await;
    let body = resp.err(400, "SignatureDoesNotMatch", None);
    let message = body["Message"].as_str().expect("Message");
    assert_eq!(
        message,
        format!("Specified signature is not matched with our calculation. server string to sign is:{sts}")
    );
    // aliyun-python-sdk-core compares its own string to sign with Message.split(':')[1].
    assert_eq!(message.split(':').nth(1), Some(sts.as_str()));
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
}

#[tokio::test]
async fn get_signed_with_post_method_does_not_match() {
    // The method is part of the V1 string to sign.
    let srv = TestServer::start().await;
    let rpc = srv.rpc("DescribeRegions");
    let mut pairs = rpc.pairs();
    let post_sts = rpc.string_to_sign();
    pairs.push(("Signature".into(), v1_signature("test", &post_sts)));
    let resp = srv
        .raw("GET", &format!("/?{}", crate::common::encode_pairs(&pairs)))
        .send()
        .await;
    let body = resp.err(400, "SignatureDoesNotMatch", None);
    let message = body["Message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with(&post_sts.replacen("POST", "GET", 1)),
        "{message}"
    );
}

#[tokio::test]
async fn replayed_nonce() {
    let srv = TestServer::start().await;
    let rpc = srv.rpc("DescribeRegions");
    rpc.send().await.ok();
    rpc.send().await.err(
        400,
        "SignatureNonceUsed",
        Some("Specified signature nonce was used already."),
    );
    // The same nonce with another key is a different nonce.
    let other = rpc.clone().key("nokms");
    other.send().await.ok();
}

#[tokio::test]
async fn stale_and_future_timestamps() {
    let srv = TestServer::start().await;
    for offset in [-FROZEN_NOW_MINUS_20_MIN, FROZEN_NOW_MINUS_20_MIN] {
        srv.rpc("DescribeRegions")
            .timestamp(&timestamp_offset(offset))
            .send()
            .await
            .err(
                400,
                "InvalidTimeStamp.Expired",
                Some("Specified time stamp or date value is expired."),
            );
    }
    // Within the ±15 minute window.
    srv.rpc("DescribeRegions")
        .timestamp(&timestamp_offset(-10 * 60))
        .send()
        .await
        .ok();
    srv.rpc("DescribeRegions")
        .timestamp("yesterday")
        .send()
        .await
        .err(
            400,
            "InvalidTimeStamp.Format",
            Some("Specified time stamp or date value is not well formatted."),
        );
}

#[tokio::test]
async fn auth_window_uses_real_time_not_the_emulator_clock() {
    // The emulator clock is frozen months away from the wall clock; requests signed
    // with the wall clock still pass.
    let srv = TestServer::start().await;
    srv.advance(48 * 3600 * 1000);
    srv.call("DescribeRegions", &[]).await.ok();
}

#[tokio::test]
async fn missing_signature_parts() {
    let srv = TestServer::start().await;
    srv.rpc("DescribeRegions").unsigned().send().await.err(
        400,
        "MissingSignature",
        Some("Signature is mandatory for this action."),
    );
    srv.rpc("DescribeRegions")
        .drop_param("AccessKeyId")
        .send()
        .await
        .err(
            400,
            "MissingAccessKeyId",
            Some("AccessKeyId is mandatory for this action."),
        );
    srv.rpc("DescribeRegions")
        .drop_param("SignatureNonce")
        .send()
        .await
        .err(400, "MissingSignatureNonce", None);
    srv.rpc("DescribeRegions")
        .drop_param("Timestamp")
        .send()
        .await
        .err(400, "MissingTimestamp", None);
}

#[tokio::test]
async fn v3_signed_requests_work() {
    let srv = TestServer::start().await;
    let resp = srv
        .v3("StartInstance")
        .q("InstanceId", "i-bp1stopped0000000001")
        .send()
        .await;
    resp.ok();
    assert_eq!(
        resp.content_type(),
        JSON_CT,
        "V3 without Format answers JSON"
    );
    srv.assert_status("i-bp1stopped0000000001", "Starting")
        .await;

    let body = srv
        .v3("DescribeInstances")
        .q("RegionId", "cn-hangzhou")
        .q("InstanceIds", "[\"i-bp1running0000000001\"]")
        .q("Tag.1.Key", "env")
        .q("Tag.1.Value", "demo")
        .send()
        .await
        .ok();
    assert_eq!(
        crate::common::instance_ids(&body),
        ["i-bp1running0000000001"]
    );

    // Python-style booleans and special characters in values.
    srv.v3("StartInstance")
        .q("InstanceId", "i-bp1stopped2000000001")
        .q("DryRun", "True")
        .q("InstanceName", "web server*1~(x)!'/+中文")
        .send()
        .await
        .err(400, "DryRunOperation", None);
}

#[tokio::test]
async fn v3_tampered_or_wrong_secret_fails() {
    let srv = TestServer::start().await;
    srv.v3("StartInstance")
        .q("InstanceId", "i-bp1stopped0000000001")
        .tamper("DryRun", "true")
        .send()
        .await
        .err(400, "SignatureDoesNotMatch", None);
    srv.v3("StartInstance")
        .q("InstanceId", "i-bp1stopped0000000001")
        .secret("wrong")
        .send()
        .await
        .err(400, "SignatureDoesNotMatch", None);
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
}

#[tokio::test]
async fn v3_message_carries_the_v3_string_to_sign() {
    let srv = TestServer::start().await;
    let body = srv.v3("DescribeRegions").secret("wrong").send().await.err(
        400,
        "SignatureDoesNotMatch",
        None,
    );
    let message = body["Message"].as_str().unwrap_or_default();
    let prefix = "Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n";
    assert!(message.starts_with(prefix), "{message}");
    let hash = &message[prefix.len()..];
    assert_eq!(
        hash.len(),
        64,
        "hex sha256 of the canonical request: {message}"
    );
}

#[tokio::test]
async fn v3_stale_date_and_replay() {
    let srv = TestServer::start().await;
    srv.v3("DescribeRegions")
        .date(&timestamp_offset(-FROZEN_NOW_MINUS_20_MIN))
        .send()
        .await
        .err(400, "InvalidTimeStamp.Expired", None);
    let v3 = srv.v3("DescribeRegions");
    v3.send().await.ok();
    v3.send().await.err(400, "SignatureNonceUsed", None);
}

#[tokio::test]
async fn v3_unknown_key_and_bad_authorization() {
    let srv = TestServer::start().await;
    let resp = srv
        .raw("POST", "/")
        .header("x-acs-action", "DescribeRegions")
        .header("x-acs-version", "2014-05-26")
        .header("x-acs-date", &crate::common::now_timestamp())
        .header("x-acs-signature-nonce", "abc")
        .header(
            "authorization",
            "ACS3-HMAC-SHA256 Credential=nobody,SignedHeaders=host;x-acs-action,Signature=00",
        )
        .send()
        .await;
    resp.err(404, "InvalidAccessKeyId.NotFound", None);
    let resp = srv
        .raw("POST", "/")
        .header("x-acs-action", "DescribeRegions")
        .header("x-acs-version", "2014-05-26")
        .header(
            "authorization",
            "ACS3-HMAC-SM3 Credential=test,SignedHeaders=host,Signature=00",
        )
        .send()
        .await;
    resp.err(400, "IncompleteSignature", None);
}

#[tokio::test]
async fn pop_core_form_body_post() {
    let srv = TestServer::start().await;
    srv.rpc("StartInstance")
        .form_body()
        .p("InstanceId", "i-bp1stopped0000000001")
        .p("InstanceName", "web server*1~(x)!'/+中文")
        .send()
        .await
        .ok();
    srv.assert_status("i-bp1stopped0000000001", "Starting")
        .await;
}

#[tokio::test]
async fn signed_query_plus_signed_form_body() {
    // tea-rpc (Terraform): common parameters in the query, API parameters in a form
    // body; the V1 signature covers both.
    let srv = TestServer::start().await;
    let rpc = srv
        .rpc("StartInstance")
        .p("InstanceId", "i-bp1stopped0000000001");
    let all = rpc.pairs();
    let (api, common): (Vec<_>, Vec<_>) = all.into_iter().partition(|(k, _)| k == "InstanceId");
    let mut signed: Vec<(&str, &str)> = api
        .iter()
        .chain(common.iter())
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let signature = v1_signature("test", &v1_string_to_sign("POST", &signed));
    signed.push(("Signature", &signature));
    let query: Vec<(String, String)> = common
        .iter()
        .cloned()
        .chain([("Signature".to_string(), signature.clone())])
        .collect();
    srv.raw(
        "POST",
        &format!("/?{}", crate::common::encode_pairs(&query)),
    )
    .header("content-type", "application/x-www-form-urlencoded")
    .body(crate::common::encode_pairs(&api).into_bytes())
    .send()
    .await
    .ok();
    srv.assert_status("i-bp1stopped0000000001", "Starting")
        .await;
}

#[tokio::test]
async fn get_works() {
    let srv = TestServer::start().await;
    let body = srv
        .rpc("DescribeInstances")
        .get()
        .p("InstanceIds", "[\"i-bp1stopped0000000001\"]")
        .send()
        .await
        .ok();
    assert_eq!(
        crate::common::instance_ids(&body),
        ["i-bp1stopped0000000001"]
    );
    srv.rpc("StartInstance")
        .get()
        .p("InstanceId", "i-bp1stopped0000000001")
        .send()
        .await
        .ok();
    srv.assert_status("i-bp1stopped0000000001", "Starting")
        .await;
}

#[tokio::test]
async fn format_selection() {
    let srv = TestServer::start().await;
    for format in ["xml", "XML", "Xml"] {
        let resp = srv.rpc("DescribeRegions").format(Some(format)).send().await;
        assert_eq!(resp.status, 200);
        assert_eq!(resp.content_type(), XML_CT, "Format={format}");
        assert!(
            resp.body.starts_with(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeRegionsResponse><RequestId>"
            ),
            "{}",
            resp.body
        );
        assert!(
            resp.body.ends_with("</DescribeRegionsResponse>"),
            "{}",
            resp.body
        );
        resp.request_id();
    }
    for format in ["JSON", "json"] {
        let resp = srv.rpc("DescribeRegions").format(Some(format)).send().await;
        resp.ok();
    }
    // No Format on a V1 request: XML, the documented RPC default.
    let resp = srv.rpc("DescribeRegions").format(None).send().await;
    assert_eq!(
        (resp.status, resp.content_type()),
        (200, XML_CT),
        "{}",
        resp.body
    );
    resp.request_id();
    // Errors follow the same rule.
    let resp = srv
        .rpc("StartInstance")
        .format(None)
        .p("InstanceId", "i-bp1running0000000001")
        .send()
        .await;
    assert_eq!((resp.status, resp.content_type()), (403, XML_CT));
    assert!(
        resp.body
            .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><RequestId>"),
        "{}",
        resp.body
    );
    assert_eq!(
        xml_text(&resp.body, "Code").as_deref(),
        Some("IncorrectInstanceStatus")
    );
}

#[tokio::test]
async fn xml_lists_repeat_elements() {
    let srv = TestServer::start().await;
    let resp = srv.rpc("DescribeRegions").format(Some("XML")).send().await;
    assert_eq!(resp.body.matches("<Region>").count(), 2, "{}", resp.body);
    assert!(
        resp.body
            .contains("<Regions><Region><RegionId>cn-hangzhou</RegionId>"),
        "{}",
        resp.body
    );
}

#[tokio::test]
async fn request_ids_are_unique_upper_case_uuids() {
    let srv = TestServer::start().await;
    let a = srv.call("DescribeRegions", &[]).await.request_id();
    let b = srv.call("DescribeRegions", &[]).await.request_id();
    assert_upper_uuid(&a);
    assert_ne!(a, b);
}

#[tokio::test]
async fn host_id_is_the_host_called() {
    let srv = TestServer::start().await;
    let body = srv
        .rpc("StartInstance")
        .host("ecs.aliyuncs.com")
        .p("InstanceId", "i-bp1running0000000001")
        .send()
        .await
        .err(403, "IncorrectInstanceStatus", None);
    assert_eq!(body["HostId"], "ecs.aliyuncs.com");
}

#[tokio::test]
async fn ram_user_may_describe_but_not_start() {
    let srv = TestServer::start().await;
    let body = srv
        .rpc("DescribeInstances")
        .key("readonly")
        .send()
        .await
        .ok();
    assert_eq!(
        body["TotalCount"], 17,
        "the RAM user sees its account's instances"
    );
    srv.rpc("DescribeInstanceAttribute")
        .key("readonly")
        .p("InstanceId", "i-bp1running0000000001")
        .send()
        .await
        .ok();
    let resp = srv
        .rpc("StartInstance")
        .key("readonly")
        .p("InstanceId", "i-bp1stopped0000000001")
        .send()
        .await;
    let body = resp.err(
        403,
        "Forbidden.RAM",
        Some("User not authorized to operate on the specified resource, or this API doesn't support RAM."),
    );
    let detail = &body["AccessDeniedDetail"];
    assert_eq!(detail["AuthAction"], "ecs:StartInstance");
    assert_eq!(detail["AuthPrincipalType"], "SubUser");
    assert_eq!(detail["AuthPrincipalOwnerId"], "1000000000000001");
    assert_eq!(detail["AuthPrincipalDisplayName"], "readonly");
    assert_eq!(detail["NoPermissionType"], "ImplicitDeny");
    assert!(
        detail["PolicyType"].is_string() && detail["EncodedDiagnosticMessage"].is_string(),
        "{detail}"
    );
    srv.assert_status("i-bp1stopped0000000001", "Stopped").await;
    for action in ["RunInstances", "StopInstances", "DeleteInstance"] {
        srv.rpc(action)
            .key("readonly")
            .p("InstanceId", "i-bp1running0000000001")
            .send()
            .await
            .err(403, "Forbidden.RAM", None);
    }
}

#[tokio::test]
async fn ram_user_without_describe_sees_an_empty_list() {
    // DescribeInstances documents an empty list (not Forbidden.RAM) for RAM users without
    // the permission; the `operator` user may only start and stop.
    let srv = TestServer::start().await;
    let body = srv
        .rpc("DescribeInstances")
        .key("operator")
        .send()
        .await
        .ok();
    assert_eq!(body["TotalCount"], 0);
    assert_eq!(body["Instances"]["Instance"], serde_json::json!([]));
    srv.rpc("StartInstance")
        .key("operator")
        .p("InstanceId", "i-bp1stopped0000000001")
        .send()
        .await
        .ok();
    srv.rpc("DescribeInstanceStatus")
        .key("operator")
        .send()
        .await
        .err(403, "Forbidden.RAM", None);
}

#[tokio::test]
async fn auth_off_accepts_unsigned_requests() {
    let srv = TestServer::builder().auth(AuthMode::Off).start().await;
    let resp = srv
        .raw("GET", "/?Action=StartInstance&Version=2014-05-26&Format=JSON&InstanceId=i-bp1stopped0000000001")
        .send()
        .await;
    resp.ok();
    srv.assert_status("i-bp1stopped0000000001", "Starting")
        .await;
    // With a known AccessKeyId (and a garbage signature) the caller is that key's owner.
    srv.raw("GET", "/?Action=StartInstance&Version=2014-05-26&Format=JSON&InstanceId=i-bp1broke000000000001&AccessKeyId=broke&Signature=junk")
        .send()
        .await
        .err(403, "InsufficientBalance", None);
    // A stale timestamp or a reused nonce does not matter either.
    let rpc = srv
        .rpc("DescribeRegions")
        .timestamp("2001-01-01T00:00:00Z")
        .secret("wrong");
    rpc.send().await.ok();
    rpc.send().await.ok();
}

#[tokio::test]
async fn malformed_requests_never_500_and_never_empty() {
    let srv = TestServer::start().await;
    let cases: Vec<(&str, String, Vec<u8>, Option<&str>)> = vec![
        ("GET", "/".into(), vec![], None),
        ("POST", "/".into(), vec![], None),
        ("GET", "/?%%%=%%%&&&==".into(), vec![], None),
        ("GET", "/?Action=&Version=".into(), vec![], None),
        ("GET", "/some/other/path?Action=DescribeRegions&Version=2014-05-26&Format=JSON".into(), vec![], None),
        ("POST", "/?Format=JSON".into(), vec![0xff, 0xfe, 0x00, b'=', b'&'], Some("application/x-www-form-urlencoded")),
        ("POST", "/?Format=JSON".into(), b"{\"Action\":\"DescribeRegions\"}".to_vec(), Some("application/json")),
        ("POST", "/".into(), vec![], Some("application/x-www-form-urlencoded")),
        ("GET", format!("/?Action=DescribeRegions&Version=2014-05-26&Format=JSON&AccessKeyId=test&Signature=x&Timestamp={}&SignatureNonce=n&SignatureMethod=HMAC-SHA256", crate::common::now_timestamp()), vec![], None),
        ("GET", "/?Action=DescribeInstances&Version=2014-05-26&Format=JSON&AccessKeyId=test".into(), vec![], None),
    ];
    for (method, path, body, ct) in cases {
        let mut raw = srv.raw(method, &path).body(body);
        if let Some(ct) = ct {
            raw = raw.header("content-type", ct);
        }
        let resp = raw.send().await;
        assert!(
            (400..500).contains(&resp.status),
            "{method} {path}: {} {}",
            resp.status,
            resp.body
        );
        resp.request_id();
        let code = if resp.content_type() == XML_CT {
            xml_text(&resp.body, "Code").unwrap_or_default()
        } else {
            resp.json()["Code"].as_str().unwrap_or_default().to_string()
        };
        assert!(
            !code.is_empty(),
            "{method} {path}: no Code in {}",
            resp.body
        );
    }
    // An unsupported SignatureMethod is an IncompleteSignature.
    let resp = srv
        .raw(
            "GET",
            &format!(
                "/?Action=DescribeRegions&Version=2014-05-26&Format=JSON&AccessKeyId=test&Signature=x&Timestamp={}&SignatureNonce=n&SignatureMethod=HMAC-SHA256",
                crate::common::now_timestamp()
            ),
        )
        .send()
        .await;
    let body: Value = resp.err(400, "IncompleteSignature", None);
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .starts_with("The request signature does not conform to Aliyun standards."));
}

#[tokio::test]
async fn xml_escapes_text() {
    let srv = TestServer::start().await;
    let body = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", "aliyun_3_x64_20G_alibase_20250101.vhd"),
                ("InstanceType", "ecs.g7.large"),
                ("InstanceName", "a<b>&\"c\""),
            ],
        )
        .await
        .ok();
    let id = body["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .expect("id")
        .to_string();
    let json = srv.describe_one(&id).await.expect("listed");
    assert_eq!(json["InstanceName"], "a<b>&\"c\"");
    let resp = srv
        .rpc("DescribeInstances")
        .format(Some("XML"))
        .p("InstanceIds", &format!("[\"{id}\"]"))
        .send()
        .await;
    assert_eq!(resp.status, 200);
    let name = xml_text(&resp.body, "InstanceName").expect("InstanceName");
    assert!(
        name == "a&lt;b&gt;&amp;&quot;c&quot;" || name == "a&lt;b&gt;&amp;\"c\"",
        "{name}"
    );
}
