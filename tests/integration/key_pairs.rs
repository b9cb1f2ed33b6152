//! Key pairs: CreateKeyPair (a real RSA key whose public half has the returned
//! fingerprint), ImportKeyPair, DescribeKeyPairs (filters, paging, XML), DeleteKeyPairs,
//! AttachKeyPair / DetachKeyPair, the key-pair check of RunInstances, fixture and
//! implicit key pairs, and persistence.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

use crate::binary::temp_dir;
use crate::common::TestServer;

const STOPPED: &str = "i-bp1stopped0000000001";
const RUNNING: &str = "i-bp1running0000000001";
const OTHER_ACCOUNT: &str = "i-bp1otheracct00000001";
const IMAGE: &str = "aliyun_3_x64_20G_alibase_20250101.vhd";
const WINDOWS_IMAGE: &str = "win2022_21H2_x64_dtc_en-us_40G_alibase_20250817.vhd";

/// Made with `ssh-keygen -t rsa -b 2048`; `ssh-keygen -l -E md5` gives [`RSA_MD5`].
const RSA_PUB: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDfZjVxLvnMxgpac5nrlEFbXq8uybgg7tg5+tuoEBBNmC7osz4sTYqiW5gUflPAOZftuqv4U956/ZF++g76xd5No9vEFfCD2qdvfoGNJuTVGGEAPY/ESfmWl0ca6/KZdZZ2p+cJLGcuvGBFEUSmOBjitMDCCysKDXIG/kHpGFs5v9qVbAhFl7ZmQYnzKG65gICb+Icv/SIXeHPOg0PuWfnQZfQE3QZN8YGu22Op+go/bBH15gGbzm25JUX7sbheclGnOFz0MGXYSqi/zS7wre3Wy2T7xH1FvJXmWZcqjevArTtyypZUB2uVBJmvWo03ILnZTJETttd+2Dx8Gri1Kxvr test@ecs-mock";
const RSA_MD5: &str = "3304febe147f96e05165a0d28fe3e1e3";
/// Made with `ssh-keygen -t ecdsa`.
const ECDSA_PUB: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMcxsvpe9Ps5NFG+4RRsjEZ2nCelgiXiXhUWtOhFbRPdtXJAwDlRO0IGXmeRQEurFn5d1CAxgBtO2EOxLGlaSko= e";
const ECDSA_MD5: &str = "1d5a3bbc5e68bed46e06ccece484db6c";
const ED25519_PUB: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x";

/// The SSH wire blob of an RSA public key, written here independently of the server.
fn rsa_blob(key: &RsaPrivateKey) -> Vec<u8> {
    fn string(out: &mut Vec<u8>, s: &[u8]) {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s);
    }
    fn mpint(out: &mut Vec<u8>, be: Vec<u8>) {
        let mut v = be;
        if v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        string(out, &v);
    }
    let mut blob = Vec::new();
    string(&mut blob, b"ssh-rsa");
    mpint(&mut blob, key.e().to_bytes_be());
    mpint(&mut blob, key.n().to_bytes_be());
    blob
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

async fn import(srv: &TestServer, name: &str, body: &str) -> Value {
    srv.call(
        "ImportKeyPair",
        &[("KeyPairName", name), ("PublicKeyBody", body)],
    )
    .await
    .ok()
}

async fn describe(srv: &TestServer, params: &[(&str, &str)]) -> Value {
    srv.call("DescribeKeyPairs", params).await.ok()
}

fn names(body: &Value) -> Vec<String> {
    body["KeyPairs"]["KeyPair"]
        .as_array()
        .unwrap_or_else(|| panic!("KeyPairs.KeyPair is not an array: {body}"))
        .iter()
        .map(|k| k["KeyPairName"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn create_key_pair_returns_a_real_rsa_key_with_its_fingerprint() {
    let srv = TestServer::start().await;
    let body = srv
        .call("CreateKeyPair", &[("KeyPairName", "deploy-key")])
        .await
        .ok();
    assert_eq!(body["KeyPairName"], "deploy-key");
    let id = body["KeyPairId"].as_str().unwrap();
    assert!(id.starts_with("skp-bp") && id.len() == 24, "{id}");
    let pem = body["PrivateKeyBody"].as_str().unwrap();
    assert!(
        pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
        "{pem}"
    );
    let key = RsaPrivateKey::from_pkcs1_pem(pem).expect("a PKCS#1 RSA private key");
    assert_eq!(key.size() * 8, 2048);
    let fingerprint = body["KeyPairFingerPrint"].as_str().unwrap();
    assert_eq!(fingerprint, md5_hex(&rsa_blob(&key)));

    let listed = describe(
        &srv,
        &[("KeyPairName", "deploy-key"), ("IncludePublicKey", "true")],
    )
    .await;
    assert_eq!(listed["TotalCount"], 1);
    let kp = &listed["KeyPairs"]["KeyPair"][0];
    assert_eq!(kp["KeyPairFingerPrint"], fingerprint);
    assert_eq!(kp["CreationTime"], "2026-06-01T00:00Z");
    assert_eq!(kp["ResourceGroupId"], "");
    assert_eq!(kp["Tags"], json!({"Tag": []}));
    let public = kp["PublicKey"].as_str().unwrap();
    let blob = STANDARD
        .decode(public.split_whitespace().nth(1).unwrap())
        .unwrap();
    assert_eq!(blob, rsa_blob(&key), "the public half of the returned key");
    // Without IncludePublicKey the key is not shown; the private key never is.
    let plain = describe(&srv, &[("KeyPairName", "deploy-key")]).await;
    assert!(plain["KeyPairs"]["KeyPair"][0].get("PublicKey").is_none());
    assert!(!plain.to_string().contains("PRIVATE"));
}

#[tokio::test]
async fn create_key_pair_refusals() {
    let srv = TestServer::start().await;
    srv.call("CreateKeyPair", &[("KeyPairName", "dup")])
        .await
        .ok();
    srv.call("CreateKeyPair", &[("KeyPairName", "dup")])
        .await
        .err(
            400,
            "KeyPair.AlreadyExist",
            Some("The key pair already exist."),
        );
    for bad in ["1abc", "a", "has space", "http://x"] {
        srv.call("CreateKeyPair", &[("KeyPairName", bad)])
            .await
            .err(400, "InvalidKeyPairName.Malformed", None);
    }
    srv.call("CreateKeyPair", &[])
        .await
        .err(400, "MissingKeyPairName", None);
    srv.rpc("CreateKeyPair")
        .p("KeyPairName", "elsewhere")
        .region(Some("xx-nowhere-1"))
        .send()
        .await
        .err(404, "InvalidRegionId.NotFound", None);
    srv.call(
        "CreateKeyPair",
        &[("KeyPairName", "rg"), ("ResourceGroupId", "default")],
    )
    .await
    .err(404, "InvalidResourceGroup.NotFound", None);
    srv.call(
        "CreateKeyPair",
        &[("KeyPairName", "tagged"), ("Tag.1.Key", "aliyun-x")],
    )
    .await
    .err(400, "InvalidTagKey.Malformed", None);
    srv.call(
        "CreateKeyPair",
        &[
            ("KeyPairName", "tagged"),
            ("Tag.1.Key", "a"),
            ("Tag.2.Key", "a"),
        ],
    )
    .await
    .err(400, "Duplicate.TagKey", None);
    // Created with tags and a resource group: both shown.
    srv.call(
        "CreateKeyPair",
        &[
            ("KeyPairName", "tagged"),
            ("ResourceGroupId", "rg-aek2demo"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ],
    )
    .await
    .ok();
    let kp = &describe(&srv, &[("KeyPairName", "tagged")]).await["KeyPairs"]["KeyPair"][0];
    assert_eq!(kp["ResourceGroupId"], "rg-aek2demo");
    assert_eq!(
        kp["Tags"],
        json!({"Tag": [{"TagKey": "env", "TagValue": "prod"}]})
    );
}

#[tokio::test]
async fn import_key_pair_computes_the_md5_fingerprint() {
    let srv = TestServer::start().await;
    let body = import(&srv, "laptop", RSA_PUB).await;
    assert_eq!(
        body,
        json!({"KeyPairName": "laptop", "KeyPairFingerPrint": RSA_MD5, "RequestId": body["RequestId"]})
    );
    assert_eq!(
        import(&srv, "ec-key", ECDSA_PUB).await["KeyPairFingerPrint"],
        ECDSA_MD5
    );
    let listed = describe(
        &srv,
        &[("KeyPairName", "laptop"), ("IncludePublicKey", "True")],
    )
    .await;
    assert_eq!(listed["KeyPairs"]["KeyPair"][0]["PublicKey"], RSA_PUB);
    for bad in [
        ED25519_PUB,
        "ssh-rsa !!!",
        "not a key",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAAQ==",
    ] {
        srv.call(
            "ImportKeyPair",
            &[("KeyPairName", "bad"), ("PublicKeyBody", bad)],
        )
        .await
        .err(
            400,
            "InvalidPublicKeyBody.Malformed",
            Some("The PublicKeyBody format is not supported."),
        );
    }
    srv.call("ImportKeyPair", &[("KeyPairName", "bad")])
        .await
        .err(
            400,
            "MissingParameter",
            Some("The input parameter \"PublicKeyBody\" that is mandatory for processing this request is not supplied."),
        );
    srv.call(
        "ImportKeyPair",
        &[("KeyPairName", "laptop"), ("PublicKeyBody", ECDSA_PUB)],
    )
    .await
    .err(400, "KeyPair.AlreadyExist", None);
}

#[tokio::test]
async fn describe_key_pairs_filters_pages_and_speaks_xml() {
    let srv = TestServer::start().await;
    for name in ["alpha-SshKey", "SshKey-beta", "gamma", "delta-SshKey-x"] {
        import(&srv, name, RSA_PUB).await;
    }
    import(&srv, "ec", ECDSA_PUB).await;
    srv.call(
        "TagResources",
        &[
            ("ResourceType", "keypair"),
            ("ResourceId.1", "gamma"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "ops"),
        ],
    )
    .await
    .ok();
    let all = describe(&srv, &[]).await;
    assert_eq!(all["TotalCount"], 5);
    assert_eq!(all["PageNumber"], 1);
    assert_eq!(all["PageSize"], 10);
    assert_eq!(
        names(&all),
        [
            "SshKey-beta",
            "alpha-SshKey",
            "delta-SshKey-x",
            "ec",
            "gamma"
        ]
    );
    assert_eq!(
        names(&describe(&srv, &[("KeyPairName", "*SshKey")]).await),
        ["alpha-SshKey"]
    );
    assert_eq!(
        names(&describe(&srv, &[("KeyPairName", "SshKey*")]).await),
        ["SshKey-beta"]
    );
    assert_eq!(
        names(&describe(&srv, &[("KeyPairName", "*SshKey*")]).await),
        ["SshKey-beta", "alpha-SshKey", "delta-SshKey-x"]
    );
    assert_eq!(
        names(&describe(&srv, &[("KeyPairName", "Ssh")]).await),
        Vec::<String>::new(),
        "without a star the name matches exactly"
    );
    assert_eq!(
        names(&describe(&srv, &[("KeyPairFingerPrint", ECDSA_MD5)]).await),
        ["ec"]
    );
    assert_eq!(
        names(&describe(&srv, &[("Tag.1.Key", "team"), ("Tag.1.Value", "ops")]).await),
        ["gamma"]
    );
    assert_eq!(
        names(&describe(&srv, &[("Tag.1.Key", "team"), ("Tag.1.Value", "dev")]).await),
        Vec::<String>::new()
    );
    let page = describe(&srv, &[("PageSize", "2"), ("PageNumber", "2")]).await;
    assert_eq!(page["TotalCount"], 5);
    assert_eq!(names(&page), ["delta-SshKey-x", "ec"]);
    srv.call("DescribeKeyPairs", &[("PageSize", "51")])
        .await
        .err(400, "InvalidParameter", None);
    // Another account sees none of them; another region neither.
    let other = srv
        .rpc("DescribeKeyPairs")
        .region(Some("cn-shanghai"))
        .send()
        .await
        .ok();
    assert_eq!(other["TotalCount"], 0);
    assert_eq!(other["KeyPairs"], json!({"KeyPair": []}));

    let xml = srv
        .rpc("DescribeKeyPairs")
        .p("KeyPairName", "gamma")
        .format(Some("XML"))
        .send()
        .await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    for part in [
        "<DescribeKeyPairsResponse>",
        "<KeyPairs><KeyPair><KeyPairFingerPrint>3304febe147f96e05165a0d28fe3e1e3</KeyPairFingerPrint><KeyPairName>gamma</KeyPairName>",
        "<Tags><Tag><TagKey>team</TagKey><TagValue>ops</TagValue></Tag></Tags>",
        "<TotalCount>1</TotalCount>",
    ] {
        assert!(xml.body.contains(part), "{part} in {}", xml.body);
    }
}

async fn key_pair_of(srv: &TestServer, id: &str) -> Option<String> {
    srv.describe_one(id)
        .await
        .expect("listed")
        .get("KeyPairName")
        .map(|v| v.as_str().unwrap().to_string())
}

#[tokio::test]
async fn attach_detach_and_delete() {
    let srv = TestServer::start().await;
    import(&srv, "ops", RSA_PUB).await;
    import(&srv, "ops2", ECDSA_PUB).await;
    let ids = format!(r#"["{STOPPED}","{RUNNING}","i-bp1nosuchinstance001","{OTHER_ACCOUNT}"]"#);
    let body = srv
        .call(
            "AttachKeyPair",
            &[("KeyPairName", "ops"), ("InstanceIds", &ids)],
        )
        .await
        .ok();
    assert_eq!(body["KeyPairName"], "ops");
    assert_eq!(body["TotalCount"], "4");
    assert_eq!(body["FailCount"], "2");
    let results = body["Results"]["Result"].as_array().unwrap();
    assert_eq!(
        results[0],
        json!({"Code": "200", "Message": "successful", "InstanceId": STOPPED, "Success": "true"})
    );
    assert_eq!(results[2]["Code"], "InvalidInstanceId.NotFound");
    assert_eq!(results[2]["Success"], "false");
    assert_eq!(results[3]["Code"], "InvalidInstanceId.NotFound");
    assert_eq!(key_pair_of(&srv, STOPPED).await.as_deref(), Some("ops"));
    assert_eq!(key_pair_of(&srv, RUNNING).await.as_deref(), Some("ops"));
    // DescribeInstances filters by it.
    let filtered = srv
        .call("DescribeInstances", &[("KeyPairName", "ops")])
        .await
        .ok();
    assert_eq!(filtered["TotalCount"], 2);

    // Attaching another pair replaces it.
    srv.call(
        "AttachKeyPair",
        &[
            ("KeyPairName", "ops2"),
            ("InstanceIds", &format!(r#"["{RUNNING}"]"#)),
        ],
    )
    .await
    .ok();
    assert_eq!(key_pair_of(&srv, RUNNING).await.as_deref(), Some("ops2"));

    // A pair in use cannot be deleted; nothing is deleted then.
    srv.call("DeleteKeyPairs", &[("KeyPairNames", r#"["ops2","ops"]"#)])
        .await
        .err(
            400,
            "InvalidParameter.KeypairAlreadyAttachedInstance",
            Some("The specified parameter \"KeyPairNames\" attached to instances can not be deleted."),
        );
    assert_eq!(describe(&srv, &[]).await["TotalCount"], 2);

    // Detach: the instance using another pair is left alone.
    let body = srv
        .call(
            "DetachKeyPair",
            &[
                ("KeyPairName", "ops"),
                ("InstanceIds", &format!(r#"["{STOPPED}","{RUNNING}"]"#)),
            ],
        )
        .await
        .ok();
    assert_eq!(body["FailCount"], "0");
    assert_eq!(key_pair_of(&srv, STOPPED).await, None);
    assert_eq!(key_pair_of(&srv, RUNNING).await.as_deref(), Some("ops2"));
    srv.call(
        "DeleteKeyPairs",
        &[("KeyPairNames", r#"["ops","never-existed"]"#)],
    )
    .await
    .ok();
    assert_eq!(names(&describe(&srv, &[]).await), ["ops2"]);
}

#[tokio::test]
async fn attach_and_delete_refusals() {
    let srv = TestServer::start().await;
    import(&srv, "ops", RSA_PUB).await;
    let one = format!(r#"["{STOPPED}"]"#);
    srv.call(
        "AttachKeyPair",
        &[("KeyPairName", "nope"), ("InstanceIds", &one)],
    )
    .await
    // AttachKeyPair's error table gives this code 400 (RunInstances: 404).
    .err(400, "InvalidKeyPairName.NotFound", None);
    for bad in ["i-1", "[]", "[1]", r#"{"a":1}"#] {
        srv.call(
            "AttachKeyPair",
            &[("KeyPairName", "ops"), ("InstanceIds", bad)],
        )
        .await
        .err(
            400,
            "InvalidInstanceIds.ValueNotSupported",
            Some("The specified parameter InstanceIds is not valid."),
        );
    }
    let many: Vec<String> = (0..51).map(|i| format!("i-bp1many{i:014}")).collect();
    srv.call(
        "DetachKeyPair",
        &[
            ("KeyPairName", "ops"),
            ("InstanceIds", &serde_json::to_string(&many).unwrap()),
        ],
    )
    .await
    .err(403, "InstanceKeyPairLimitExceeded", None);
    srv.call("AttachKeyPair", &[("KeyPairName", "ops")])
        .await
        .err(400, "MissingInstanceIds", None);

    srv.call("DeleteKeyPairs", &[])
        .await
        .err(
            400,
            "MissingParameter",
            Some("The input parameter \"KeyPairNames\" that is mandatory for processing this request is not supplied."),
        );
    srv.call("DeleteKeyPairs", &[("KeyPairNames", "ops")])
        .await
        .err(400, "InvalidKeyPairNames.ValueNotSupported", None);
    let names: Vec<String> = (0..101).map(|i| format!("k{i}")).collect();
    srv.call(
        "DeleteKeyPairs",
        &[("KeyPairNames", &serde_json::to_string(&names).unwrap())],
    )
    .await
    .err(
        403,
        "InstanceKeyPairLimitExceeded",
        Some("Exceeding the allowed amount of instance which will be deleted."),
    );

    // A Windows instance fails in Results, not as a whole.
    let win = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", WINDOWS_IMAGE),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", "cn-hangzhou-h"),
            ],
        )
        .await
        .ok()["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string();
    let body = srv
        .call(
            "AttachKeyPair",
            &[
                ("KeyPairName", "ops"),
                ("InstanceIds", &format!(r#"["{win}"]"#)),
            ],
        )
        .await
        .ok();
    assert_eq!(body["FailCount"], "1");
    assert_eq!(
        body["Results"]["Result"][0]["Code"],
        "DependencyViolation.WindowsInstance"
    );
}

#[tokio::test]
async fn run_instances_checks_the_key_pair() {
    let srv = TestServer::start().await;
    let run = |key: &'static str, image: &'static str| {
        let srv = &srv;
        async move {
            srv.call(
                "RunInstances",
                &[
                    ("ImageId", image),
                    ("InstanceType", "ecs.g7.large"),
                    ("ZoneId", "cn-hangzhou-h"),
                    ("KeyPairName", key),
                ],
            )
            .await
        }
    };
    run("missing", IMAGE).await.err(
        404,
        "InvalidKeyPairName.NotFound",
        Some("The specified parameter KeyPairName does not exist in our records."),
    );
    srv.call(
        "CreateInstance",
        &[
            ("ImageId", IMAGE),
            ("InstanceType", "ecs.g7.large"),
            ("KeyPairName", "missing"),
        ],
    )
    .await
    .err(404, "InvalidKeyPairName.NotFound", None);
    import(&srv, "web", RSA_PUB).await;
    run("web", WINDOWS_IMAGE).await.err(
        403,
        "DependencyViolation.WindowsInstance",
        Some("The instance creating is windows, cannot use ssh key pair to login"),
    );
    let id = run("web", IMAGE).await.ok()["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(key_pair_of(&srv, &id).await.as_deref(), Some("web"));
    srv.call("DeleteKeyPairs", &[("KeyPairNames", r#"["web"]"#)])
        .await
        .err(400, "InvalidParameter.KeypairAlreadyAttachedInstance", None);
}

#[tokio::test]
async fn fixture_key_pairs_and_those_instances_name_exist() {
    let mut f = ecs_mock::store::fixtures::default_fixture();
    let inst = Arc::make_mut(&mut f.instances[0]);
    inst.extra = inst.extra.with("KeyPairName", Some(json!("legacy-key")));
    f.key_pairs.push(
        serde_json::from_value(json!({
            "KeyPairName": "from-fixture",
            "PublicKeyBody": RSA_PUB,
            "CreationTime": "2025-01-02T03:04Z",
            "Tags": {"Tag": [{"TagKey": "k", "TagValue": "v"}]}
        }))
        .unwrap(),
    );
    ecs_mock::store::fixtures::complete(&mut f);
    let srv = TestServer::builder().fixture(f).start().await;
    let all = describe(&srv, &[]).await;
    assert_eq!(names(&all), ["from-fixture", "legacy-key"]);
    let fixture_pair = &all["KeyPairs"]["KeyPair"][0];
    assert_eq!(fixture_pair["KeyPairFingerPrint"], RSA_MD5);
    assert_eq!(fixture_pair["CreationTime"], "2025-01-02T03:04Z");
    // The implicit pair is used by the instance: not deletable.
    srv.call("DeleteKeyPairs", &[("KeyPairNames", r#"["legacy-key"]"#)])
        .await
        .err(400, "InvalidParameter.KeypairAlreadyAttachedInstance", None);
    let state = srv.state().await;
    let dumped: Vec<&str> = state["KeyPairs"]
        .as_array()
        .expect("KeyPairs in the state")
        .iter()
        .map(|k| k["KeyPairName"].as_str().unwrap())
        .collect();
    assert_eq!(dumped, ["from-fixture", "legacy-key"]);
    assert_eq!(state["KeyPairs"][0]["AccountId"], "1000000000000001");
    assert_eq!(state["KeyPairs"][0]["RegionId"], "cn-hangzhou");
}

#[tokio::test]
async fn key_pairs_survive_a_restart() {
    let dir = temp_dir("persist-key-pairs");
    let fingerprint = {
        let srv = TestServer::builder().data_dir(&dir).start().await;
        let fp = srv
            .call("CreateKeyPair", &[("KeyPairName", "kept")])
            .await
            .ok()["KeyPairFingerPrint"]
            .clone();
        import(&srv, "dropped", RSA_PUB).await;
        srv.call("DeleteKeyPairs", &[("KeyPairNames", r#"["dropped"]"#)])
            .await
            .ok();
        srv.call(
            "TagResources",
            &[
                ("ResourceType", "keypair"),
                ("ResourceId.1", "kept"),
                ("Tag.1.Key", "a"),
            ],
        )
        .await
        .ok();
        fp
    };
    let srv = TestServer::builder().data_dir(&dir).start().await;
    let all = describe(&srv, &[]).await;
    assert_eq!(names(&all), ["kept"]);
    assert_eq!(
        all["KeyPairs"]["KeyPair"][0]["KeyPairFingerPrint"],
        fingerprint
    );
    assert_eq!(
        all["KeyPairs"]["KeyPair"][0]["Tags"]["Tag"][0]["TagKey"],
        "a"
    );
}
