//! Tags: TagResources, UntagResources, ListTagResources and the legacy AddTags,
//! RemoveTags, DescribeTags on instances and key pairs, with the documented limits and
//! errors.

use serde_json::{json, Value};

use crate::common::TestServer;

const STOPPED: &str = "i-bp1stopped0000000001";
const RUNNING: &str = "i-bp1running0000000001";
const OTHER_ACCOUNT: &str = "i-bp1otheracct00000001";
const SHANGHAI: &str = "i-uf6shanghai000000001";
const RSA_PUB: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDfZjVxLvnMxgpac5nrlEFbXq8uybgg7tg5+tuoEBBNmC7osz4sTYqiW5gUflPAOZftuqv4U956/ZF++g76xd5No9vEFfCD2qdvfoGNJuTVGGEAPY/ESfmWl0ca6/KZdZZ2p+cJLGcuvGBFEUSmOBjitMDCCysKDXIG/kHpGFs5v9qVbAhFl7ZmQYnzKG65gICb+Icv/SIXeHPOg0PuWfnQZfQE3QZN8YGu22Op+go/bBH15gGbzm25JUX7sbheclGnOFz0MGXYSqi/zS7wre3Wy2T7xH1FvJXmWZcqjevArTtyypZUB2uVBJmvWo03ILnZTJETttd+2Dx8Gri1Kxvr test@ecs-mock";

async fn tags_of(srv: &TestServer, id: &str) -> Value {
    srv.describe_one(id)
        .await
        .expect("listed")
        .get("Tags")
        .cloned()
        .unwrap_or(json!(null))
}

fn rows(body: &Value) -> Vec<(String, String, String)> {
    body["TagResources"]["TagResource"]
        .as_array()
        .unwrap_or_else(|| panic!("TagResources.TagResource is not an array: {body}"))
        .iter()
        .map(|r| {
            assert_eq!(
                r.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["ResourceId", "TagKey", "ResourceType", "TagValue"]
            );
            (
                r["ResourceId"].as_str().unwrap().to_string(),
                r["TagKey"].as_str().unwrap().to_string(),
                r["TagValue"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn row(id: &str, k: &str, v: &str) -> (String, String, String) {
    (id.to_string(), k.to_string(), v.to_string())
}

#[tokio::test]
async fn tag_list_and_untag_instances() {
    let srv = TestServer::start().await;
    // The fixture instances carry `env=demo`: start from none.
    srv.call(
        "UntagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", STOPPED),
            ("ResourceId.2", RUNNING),
            ("All", "true"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        tags_of(&srv, STOPPED).await,
        json!(null),
        "Tags left out when untagged"
    );
    let body = srv
        .call(
            "TagResources",
            &[
                ("ResourceType", "instance"),
                ("ResourceId.1", STOPPED),
                ("ResourceId.2", RUNNING),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "prod"),
                ("Tag.2.Key", "team"),
            ],
        )
        .await
        .ok();
    assert_eq!(body.as_object().unwrap().len(), 1, "only RequestId: {body}");
    assert_eq!(
        tags_of(&srv, STOPPED).await,
        json!({"Tag": [{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": ""}]})
    );
    // DescribeInstances filters by them.
    let found = srv
        .call(
            "DescribeInstances",
            &[("Tag.1.Key", "env"), ("Tag.1.Value", "prod")],
        )
        .await
        .ok();
    assert_eq!(found["TotalCount"], 2);
    // An existing key is overwritten.
    srv.call(
        "TagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", RUNNING),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "dev"),
        ],
    )
    .await
    .ok();

    let both = [
        ("ResourceType", "instance"),
        ("ResourceId.1", STOPPED),
        ("ResourceId.2", RUNNING),
    ];
    let list = srv.call("ListTagResources", &both).await.ok();
    assert_eq!(list["NextToken"], "");
    assert_eq!(
        rows(&list),
        [
            row(STOPPED, "env", "prod"),
            row(STOPPED, "team", ""),
            row(RUNNING, "env", "dev"),
            row(RUNNING, "team", ""),
        ]
    );
    assert_eq!(
        list["TagResources"]["TagResource"][0]["ResourceType"],
        "instance"
    );
    let by_id = srv
        .call(
            "ListTagResources",
            &[("ResourceType", "instance"), ("ResourceId.1", RUNNING)],
        )
        .await
        .ok();
    assert_eq!(rows(&by_id).len(), 2);
    let by_tag = srv
        .call(
            "ListTagResources",
            &[
                ("ResourceType", "instance"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "dev"),
            ],
        )
        .await
        .ok();
    assert_eq!(rows(&by_tag), [row(RUNNING, "env", "dev")]);
    let by_filter = srv
        .call(
            "ListTagResources",
            &[
                ("ResourceType", "instance"),
                ("TagFilter.1.TagKey", "env"),
                ("TagFilter.1.TagValues.1", "prod"),
                ("TagFilter.1.TagValues.2", "qa"),
            ],
        )
        .await
        .ok();
    assert_eq!(rows(&by_filter), [row(STOPPED, "env", "prod")]);

    // Untag one key (an absent key is fine), then everything.
    srv.call(
        "UntagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", STOPPED),
            ("TagKey.1", "team"),
            ("TagKey.2", "never-set"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        tags_of(&srv, STOPPED).await,
        json!({"Tag": [{"TagKey": "env", "TagValue": "prod"}]})
    );
    srv.call(
        "UntagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", STOPPED),
            ("ResourceId.2", RUNNING),
            ("All", "true"),
        ],
    )
    .await
    .ok();
    assert_eq!(tags_of(&srv, STOPPED).await, json!(null));
    let list = srv.call("ListTagResources", &both).await.ok();
    assert_eq!(list["TagResources"], json!({"TagResource": []}));
    // Without ids: every tagged instance of the caller in the region (the others keep
    // the fixture's `env=demo`).
    let all = srv
        .call("ListTagResources", &[("ResourceType", "instance")])
        .await
        .ok();
    assert_eq!(rows(&all).len(), 15);
    assert!(rows(&all).iter().all(|r| r.1 == "env" && r.2 == "demo"));
}

#[tokio::test]
async fn list_tag_resources_pages_by_next_token() {
    let srv = TestServer::start().await;
    let mut params: Vec<(String, String)> = vec![
        ("ResourceType".into(), "instance".into()),
        ("ResourceId.1".into(), STOPPED.into()),
        ("ResourceId.2".into(), RUNNING.into()),
        ("ResourceId.3".into(), "i-bp1econok00000000001".into()),
    ];
    for n in 1..=20 {
        params.push((format!("Tag.{n}.Key"), format!("k{n:02}")));
        params.push((format!("Tag.{n}.Value"), format!("v{n}")));
    }
    let refs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut clear = refs[..4].to_vec();
    clear.push(("All", "true"));
    srv.call("UntagResources", &clear).await.ok();
    srv.call("TagResources", &refs).await.ok();
    let first = srv.call("ListTagResources", &refs[..4]).await.ok();
    assert_eq!(rows(&first).len(), 50);
    let token = first["NextToken"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let mut next = refs[..4].to_vec();
    next.push(("NextToken", &token));
    let second = srv.call("ListTagResources", &next).await.ok();
    assert_eq!(rows(&second).len(), 10);
    assert_eq!(second["NextToken"], "");
    srv.call(
        "ListTagResources",
        &[("ResourceType", "instance"), ("NextToken", "garbage")],
    )
    .await
    .err(400, "InvalidParameter.NextToken", None);
    // A 21st tag is over the per-resource quota.
    srv.call(
        "TagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", STOPPED),
            ("Tag.1.Key", "one-more"),
        ],
    )
    .await
    .err(
        400,
        "OperationDenied.QuotaExceed",
        Some("The quota of tags on resource is beyond permitted range."),
    );
}

#[tokio::test]
async fn tag_resources_refusals() {
    let srv = TestServer::start().await;
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut p = vec![
            ("ResourceType", "instance"),
            ("ResourceId.1", STOPPED),
            ("Tag.1.Key", "env"),
        ];
        for (k, v) in extra {
            p.retain(|(name, _)| name != k);
            p.push((k, v));
        }
        p
    };
    srv.call("TagResources", &base(&[("ResourceType", "bucket")]))
        .await
        .err(
            404,
            "InvalidResourceType.NotFound",
            Some("The ResourceType provided does not exist in our records."),
        );
    srv.call(
        "TagResources",
        &[("ResourceId.1", STOPPED), ("Tag.1.Key", "a")],
    )
    .await
    .err(
        404,
        "MissingParameter.ResourceType",
        Some("The parameter - ResourceType should not be null"),
    );
    srv.call(
        "TagResources",
        &[("ResourceType", "instance"), ("ResourceId.1", STOPPED)],
    )
    .await
    .err(
        404,
        "MissingParameter.Tags",
        Some("The parameter - Tags should not be null"),
    );
    srv.rpc("TagResources")
        .region(None)
        .p("ResourceType", "instance")
        .p("ResourceId.1", STOPPED)
        .p("Tag.1.Key", "a")
        .send()
        .await
        .err(
            404,
            "MissingParameter.RegionId",
            Some("The parameter - RegionId should not be null"),
        );
    srv.call(
        "TagResources",
        &[("ResourceType", "instance"), ("Tag.1.Key", "a")],
    )
    .await
    .err(400, "MissingParameter", None);
    for (k, v) in [
        ("Tag.1.Key", "aliyun:x"),
        ("Tag.1.Key", "acs:x"),
        ("Tag.1.Key", "http://x"),
    ] {
        srv.call("TagResources", &base(&[(k, v)])).await.err(
            400,
            "InvalidTagKey.Malformed",
            Some("The specified Tag.n.Key is not valid."),
        );
    }
    srv.call("TagResources", &base(&[("Tag.1.Value", "https://x")]))
        .await
        .err(400, "InvalidTagValue.Malformed", None);
    srv.call("TagResources", &base(&[("Tag.2.Key", "env")]))
        .await
        .err(
            400,
            "Duplicate.TagKey",
            Some("The Tag.N.Key contain duplicate key."),
        );
    let mut many: Vec<(String, String)> = vec![
        ("ResourceType".into(), "instance".into()),
        ("ResourceId.1".into(), STOPPED.into()),
    ];
    for n in 1..=21 {
        many.push((format!("Tag.{n}.Key"), format!("k{n}")));
    }
    let refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    srv.call("TagResources", &refs)
        .await
        .err(400, "NumberExceed.Tags", None);
    let mut ids: Vec<(String, String)> = vec![
        ("ResourceType".into(), "instance".into()),
        ("Tag.1.Key".into(), "a".into()),
    ];
    for n in 1..=51 {
        ids.push((format!("ResourceId.{n}"), format!("i-bp1x{n:016}")));
    }
    let refs: Vec<(&str, &str)> = ids.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    srv.call("TagResources", &refs)
        .await
        .err(400, "NumberExceed.ResourceIds", None);
    // A missing resource (unknown, another account's, another region's): nothing changes.
    for missing in ["i-bp1nosuchinstance001", OTHER_ACCOUNT, SHANGHAI] {
        srv.call(
            "TagResources",
            &[
                ("ResourceType", "instance"),
                ("ResourceId.1", RUNNING),
                ("ResourceId.2", missing),
                ("Tag.1.Key", "a"),
            ],
        )
        .await
        .err(
            404,
            "InvalidResourceId.NotFound",
            Some("The specified ResourceIds are not found in our records."),
        );
    }
    assert_eq!(
        tags_of(&srv, RUNNING).await,
        json!({"Tag": [{"TagKey": "env", "TagValue": "demo"}]}),
        "unchanged"
    );
    srv.call(
        "UntagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", "i-bp1nosuchinstance001"),
            ("TagKey.1", "a"),
        ],
    )
    .await
    .err(404, "InvalidResourceId.NotFound", None);
    srv.rpc("TagResources")
        .region(Some("xx-nowhere-1"))
        .p("ResourceType", "instance")
        .p("ResourceId.1", STOPPED)
        .p("Tag.1.Key", "a")
        .send()
        .await
        .err(404, "InvalidRegionId.NotFound", None);
    // A documented kind ecs-mock holds none of: accepted, with nothing in it.
    srv.call("ListTagResources", &[("ResourceType", "snapshot")])
        .await
        .ok();
    srv.call("TagResources", &base(&[("ResourceType", "snapshot")]))
        .await
        .err(404, "InvalidResourceId.NotFound", None);
}

#[tokio::test]
async fn key_pairs_are_tagged_by_name() {
    let srv = TestServer::start().await;
    srv.call(
        "ImportKeyPair",
        &[("KeyPairName", "ops"), ("PublicKeyBody", RSA_PUB)],
    )
    .await
    .ok();
    srv.call(
        "TagResources",
        &[
            ("ResourceType", "keypair"),
            ("ResourceId.1", "ops"),
            ("Tag.1.Key", "owner"),
            ("Tag.1.Value", "me"),
        ],
    )
    .await
    .ok();
    let list = srv
        .call("ListTagResources", &[("ResourceType", "keypair")])
        .await
        .ok();
    assert_eq!(rows(&list), [row("ops", "owner", "me")]);
    assert_eq!(
        list["TagResources"]["TagResource"][0]["ResourceType"],
        "keypair"
    );
    srv.call(
        "UntagResources",
        &[
            ("ResourceType", "keypair"),
            ("ResourceId.1", "ops"),
            ("TagKey.1", "owner"),
        ],
    )
    .await
    .ok();
    let kp = srv.call("DescribeKeyPairs", &[]).await.ok();
    assert_eq!(kp["KeyPairs"]["KeyPair"][0]["Tags"], json!({"Tag": []}));
}

#[tokio::test]
async fn legacy_add_remove_and_describe_tags() {
    let srv = TestServer::start().await;
    srv.call(
        "AddTags",
        &[
            ("ResourceType", "instance"),
            ("ResourceId", STOPPED),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("Tag.2.key", "team"),
            ("Tag.2.value", "ops"),
        ],
    )
    .await
    .ok();
    srv.call(
        "AddTags",
        &[
            ("ResourceType", "instance"),
            ("ResourceId", RUNNING),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ],
    )
    .await
    .ok();
    srv.call(
        "ImportKeyPair",
        &[("KeyPairName", "ops"), ("PublicKeyBody", RSA_PUB)],
    )
    .await
    .ok();
    srv.call(
        "AddTags",
        &[
            ("ResourceType", "keypair"),
            ("ResourceId", "ops"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ],
    )
    .await
    .ok();
    let body = srv.call("DescribeTags", &[]).await.ok();
    // env=demo on the other fixture instances, env=prod, team=ops.
    assert_eq!(body["TotalCount"], 3);
    assert_eq!(body["PageSize"], 50);
    assert_eq!(body["PageNumber"], 1);
    let tags = body["Tags"]["Tag"].as_array().unwrap();
    assert_eq!(tags[0]["TagValue"], "demo");
    assert_eq!(tags[0]["ResourceTypeCount"]["Instance"], 15);
    assert_eq!(tags[1]["TagKey"], "env");
    assert_eq!(tags[1]["TagValue"], "prod");
    let counts = tags[1]["ResourceTypeCount"].as_object().unwrap();
    assert_eq!(counts.len(), 12);
    assert_eq!(counts["Instance"], 2);
    assert_eq!(counts["KeyPair"], 1);
    assert_eq!(counts["Disk"], 0);
    assert_eq!(tags[2]["TagKey"], "team");
    let page = srv
        .call("DescribeTags", &[("PageSize", "1"), ("PageNumber", "3")])
        .await
        .ok();
    assert_eq!(page["TotalCount"], 3);
    assert_eq!(page["Tags"]["Tag"][0]["TagKey"], "team");
    let only = srv
        .call(
            "DescribeTags",
            &[
                ("ResourceType", "instance"),
                ("ResourceId", STOPPED),
                ("Tag.1.Key", "team"),
            ],
        )
        .await
        .ok();
    assert_eq!(only["TotalCount"], 1);
    assert_eq!(only["Tags"]["Tag"][0]["ResourceTypeCount"]["Instance"], 1);

    // RemoveTags: a value removes the tag only when it matches.
    srv.call(
        "RemoveTags",
        &[
            ("ResourceType", "instance"),
            ("ResourceId", STOPPED),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "dev"),
        ],
    )
    .await
    .ok();
    srv.call(
        "RemoveTags",
        &[
            ("ResourceType", "instance"),
            ("ResourceId", STOPPED),
            ("Tag.1.Key", "team"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        tags_of(&srv, STOPPED).await,
        json!({"Tag": [{"TagKey": "env", "TagValue": "prod"}]})
    );

    // Refusals: (resource type, resource id, tag parameter) → status and code.
    for (kind, id, tag, status, code) in [
        (
            "instance",
            "i-bp1nosuchinstance001",
            "Tag.1.Key",
            404,
            "InvalidResourceId.NotFound",
        ),
        (
            "volcano",
            STOPPED,
            "Tag.1.Key",
            404,
            "InvalidResourceType.NotFound",
        ),
        (
            "instance",
            STOPPED,
            "Tag.1.Value",
            400,
            "InvalidTag.Mismatch",
        ),
        ("instance", STOPPED, "Tag.21.Key", 400, "InvalidTagCount"),
    ] {
        let params = [("ResourceType", kind), ("ResourceId", id), (tag, "a")];
        srv.call("AddTags", &params).await.err(status, code, None);
    }
    srv.call("DescribeTags", &[("ResourceType", "volcano")])
        .await
        .err(404, "InvalidResourceType.NotFound", None);

    let xml = srv.rpc("DescribeTags").format(Some("XML")).send().await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    assert!(xml.body.contains("<TagKey>env</TagKey>"), "{}", xml.body);
    assert!(xml.body.contains("<Instance>2</Instance>"), "{}", xml.body);
}

#[tokio::test]
async fn security_groups_are_tagged_and_filtered_by_tag() {
    let srv = TestServer::start().await;
    let created = srv
        .call("CreateSecurityGroup", &[("SecurityGroupName", "web")])
        .await
        .ok();
    let sg = created["SecurityGroupId"]
        .as_str()
        .expect("an id")
        .to_string();
    srv.call(
        "TagResources",
        &[
            ("ResourceType", "securitygroup"),
            ("ResourceId.1", &sg),
            ("Tag.1.Key", "tier"),
            ("Tag.1.Value", "front"),
        ],
    )
    .await
    .ok();
    let list = srv
        .call("ListTagResources", &[("ResourceType", "securitygroup")])
        .await
        .ok();
    assert_eq!(rows(&list), [row(&sg, "tier", "front")]);
    let found = srv
        .call(
            "DescribeSecurityGroups",
            &[("Tag.1.Key", "tier"), ("Tag.1.Value", "front")],
        )
        .await
        .ok();
    let ids: Vec<&str> = found["SecurityGroups"]["SecurityGroup"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|g| g["SecurityGroupId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sg.as_str()]);
    // Another account's caller cannot tag the group: it does not exist for it.
    let other = srv.new_account(json!({})).await;
    srv.rpc_as(&other, "TagResources")
        .p("RegionId", "cn-hangzhou")
        .p("ResourceType", "securitygroup")
        .p("ResourceId.1", &sg)
        .p("Tag.1.Key", "x")
        .send()
        .await
        .err(404, "InvalidResourceId.NotFound", None);
    srv.call(
        "UntagResources",
        &[
            ("ResourceType", "securitygroup"),
            ("ResourceId.1", &sg),
            ("All", "true"),
        ],
    )
    .await
    .ok();
    let list = srv
        .call("ListTagResources", &[("ResourceType", "securitygroup")])
        .await
        .ok();
    assert_eq!(rows(&list), []);
}

#[tokio::test]
async fn custom_images_are_tagged_public_ones_are_not() {
    let srv = TestServer::start().await;
    let mut doc: Value = serde_json::from_str(include_str!("../../fixtures/default.json")).unwrap();
    doc["Images"] = json!([
        {"ImageId": "m-bp1custom0000000001", "ImageName": "golden-web"},
        {"ImageId": "aliyun_3_x64_20G_alibase_20250101.vhd", "ImageOwnerAlias": "system", "IsPublic": true}
    ]);
    let r = srv.load_state(&doc.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    srv.call(
        "TagResources",
        &[
            ("ResourceType", "image"),
            ("ResourceId.1", "m-bp1custom0000000001"),
            ("Tag.1.Key", "golden"),
            ("Tag.1.Value", "yes"),
        ],
    )
    .await
    .ok();
    let list = srv
        .call("ListTagResources", &[("ResourceType", "image")])
        .await
        .ok();
    assert_eq!(rows(&list), [row("m-bp1custom0000000001", "golden", "yes")]);
    let images = srv
        .call(
            "DescribeImages",
            &[("ImageOwnerAlias", "self"), ("Tag.1.Key", "golden")],
        )
        .await
        .ok();
    assert_eq!(
        images["Images"]["Image"][0]["ImageId"], "m-bp1custom0000000001",
        "{images}"
    );
    let r = srv
        .call(
            "TagResources",
            &[
                ("ResourceType", "image"),
                ("ResourceId.1", "aliyun_3_x64_20G_alibase_20250101.vhd"),
                ("Tag.1.Key", "golden"),
            ],
        )
        .await;
    r.err(404, "InvalidResourceId.NotFound", None);
}
