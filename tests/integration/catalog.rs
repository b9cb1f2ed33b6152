//! The catalog and images: DescribeInstanceTypes, DescribeInstanceTypeFamilies,
//! DescribeAvailableResource, DescribeImages, the image store (built-in public images,
//! fixture images, implicit images of fixture instances), `PATCH /_mock/images/{Id}`
//! and the RunInstances / CreateInstance image check.

use serde_json::{json, Value};

use crate::common::TestServer;

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20250101.vhd";

fn list<'a>(body: &'a Value, outer: &str, inner: &str) -> &'a Vec<Value> {
    body[outer][inner].as_array().expect("a wrapped list")
}

fn values(body: &Value, outer: &str, inner: &str, key: &str) -> Vec<String> {
    list(body, outer, inner)
        .iter()
        .map(|v| v[key].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn describe_instance_types_lists_the_catalog_with_derived_fields() {
    let srv = TestServer::start().await;
    let body = srv
        .rpc("DescribeInstanceTypes")
        .region(None)
        .send()
        .await
        .ok();
    assert_eq!(body["NextToken"], "");
    let types = list(&body, "InstanceTypes", "InstanceType");
    assert_eq!(types.len(), 10);
    let g7 = types
        .iter()
        .find(|t| t["InstanceTypeId"] == "ecs.g7.xlarge")
        .unwrap();
    assert_eq!(g7.as_object().unwrap().len(), 36);
    assert_eq!(g7["InstanceTypeFamily"], "ecs.g7");
    assert_eq!(g7["CpuCoreCount"], 4);
    assert_eq!(g7["MemorySize"], 16);
    assert_eq!(g7["InstanceCategory"], "General-purpose");
    assert_eq!(g7["CpuArchitecture"], "X86");
    assert_eq!(
        g7["SupportedBootModes"]["SupportedBootMode"],
        json!(["BIOS", "UEFI"])
    );
    let d1 = types
        .iter()
        .find(|t| t["InstanceTypeId"] == "ecs.d1ne.2xlarge")
        .unwrap();
    assert_eq!(d1.as_object().unwrap().len(), 38);
    assert_eq!(d1["LocalStorageAmount"], 4);
    assert_eq!(d1["LocalStorageCapacity"], 5500);
    assert_eq!(d1["LocalStorageCategory"], "local_hdd_pro");
}

#[tokio::test]
async fn describe_instance_types_filters() {
    let srv = TestServer::start().await;
    let ids = |body: Value| values(&body, "InstanceTypes", "InstanceType", "InstanceTypeId");
    let r = srv
        .call(
            "DescribeInstanceTypes",
            &[
                ("InstanceTypes.1", "ecs.g7.large"),
                ("InstanceTypes.2", "ecs.c7.large"),
            ],
        )
        .await
        .ok();
    assert_eq!(ids(r), ["ecs.c7.large", "ecs.g7.large"]);
    let r = srv
        .call("DescribeInstanceTypes", &[("InstanceTypeFamily", "ecs.g7")])
        .await
        .ok();
    assert_eq!(
        ids(r),
        [
            "ecs.g7.2xlarge",
            "ecs.g7.32xlarge",
            "ecs.g7.large",
            "ecs.g7.xlarge"
        ]
    );
    let r = srv
        .call(
            "DescribeInstanceTypes",
            &[
                ("InstanceTypeFamilies.1", "ecs.g7"),
                ("MinimumCpuCoreCount", "4"),
                ("MaximumMemorySize", "32"),
            ],
        )
        .await
        .ok();
    assert_eq!(ids(r), ["ecs.g7.2xlarge", "ecs.g7.xlarge"]);
    let r = srv
        .call(
            "DescribeInstanceTypes",
            &[("InstanceFamilyLevel", "CreditEntryLevel")],
        )
        .await
        .ok();
    assert_eq!(ids(r), ["ecs.t6-c1m1.large"]);
    let r = srv
        .call(
            "DescribeInstanceTypes",
            &[("InstanceCategory", "Memory-optimized")],
        )
        .await
        .ok();
    assert_eq!(ids(r), ["ecs.r7.large"]);
    srv.call("DescribeInstanceTypes", &[("MinimumCpuCoreCount", "x")])
        .await
        .err(400, "InvalidParameter", None);
}

#[tokio::test]
async fn describe_instance_types_pages_by_next_token() {
    let srv = TestServer::start().await;
    let mut token = String::new();
    let mut seen = Vec::new();
    loop {
        let mut params = vec![("MaxResults", "3")];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let body = srv.call("DescribeInstanceTypes", &params).await.ok();
        let page = values(&body, "InstanceTypes", "InstanceType", "InstanceTypeId");
        assert!(page.len() <= 3);
        seen.extend(page);
        token = body["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 10);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "every type once, in order");
    srv.call("DescribeInstanceTypes", &[("NextToken", "not-a-token")])
        .await
        .err(400, "InvalidParameter.NextToken", None);
    srv.call("DescribeInstanceTypes", &[("MaxResults", "1601")])
        .await
        .err(400, "InvalidParameter", None);
}

#[tokio::test]
async fn describe_instance_types_as_xml() {
    let srv = TestServer::start().await;
    let r = srv
        .rpc("DescribeInstanceTypes")
        .p("InstanceTypes.1", "ecs.g7.large")
        .format(Some("XML"))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains("<InstanceTypes><InstanceType><InstancePpsTx>"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("<SupportedBootModes><SupportedBootMode>BIOS</SupportedBootMode><SupportedBootMode>UEFI</SupportedBootMode></SupportedBootModes>"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn describe_instance_type_families_by_generation() {
    let srv = TestServer::start().await;
    let body = srv.call("DescribeInstanceTypeFamilies", &[]).await.ok();
    let families = values(
        &body,
        "InstanceTypeFamilies",
        "InstanceTypeFamily",
        "InstanceTypeFamilyId",
    );
    assert!(families.contains(&"ecs.g7".to_string()), "{body}");
    assert!(families.contains(&"ecs.t6-c1m1".to_string()), "{body}");
    let g7 = list(&body, "InstanceTypeFamilies", "InstanceTypeFamily")
        .iter()
        .find(|f| f["InstanceTypeFamilyId"] == "ecs.g7")
        .unwrap();
    assert_eq!(g7["Generation"], "ecs-6");
    let body = srv
        .call("DescribeInstanceTypeFamilies", &[("Generation", "ecs-5")])
        .await
        .ok();
    assert_eq!(
        values(
            &body,
            "InstanceTypeFamilies",
            "InstanceTypeFamily",
            "InstanceTypeFamilyId"
        ),
        ["ecs.t6-c1m1"]
    );
    let body = srv
        .rpc("DescribeInstanceTypeFamilies")
        .region(Some("cn-shanghai"))
        .send()
        .await
        .ok();
    assert_eq!(
        values(
            &body,
            "InstanceTypeFamilies",
            "InstanceTypeFamily",
            "InstanceTypeFamilyId"
        ),
        ["ecs.c7", "ecs.g7"]
    );
    srv.rpc("DescribeInstanceTypeFamilies")
        .region(Some("nowhere"))
        .send()
        .await
        .err(404, "InvalidRegionId.NotFound", None);
}

async fn available(srv: &TestServer, params: &[(&str, &str)]) -> Value {
    srv.call("DescribeAvailableResource", params).await.ok()
}

/// One supported resource: (value, status, category).
type Offer = (String, String, String);

/// (zone, offers) of a DescribeAvailableResource answer.
fn offers(body: &Value) -> Vec<(String, Vec<Offer>)> {
    list(body, "AvailableZones", "AvailableZone")
        .iter()
        .map(|z| {
            let res = &z["AvailableResources"]["AvailableResource"][0];
            let items = res["SupportedResources"]["SupportedResource"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["Value"].as_str().unwrap().to_string(),
                        s["Status"].as_str().unwrap().to_string(),
                        s["StatusCategory"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            (z["ZoneId"].as_str().unwrap().to_string(), items)
        })
        .collect()
}

#[tokio::test]
async fn available_resource_follows_zone_stock() {
    let srv = TestServer::start().await;
    let body = available(
        &srv,
        &[
            ("DestinationResource", "InstanceType"),
            ("InstanceType", "ecs.g7.xlarge"),
        ],
    )
    .await;
    let zones = offers(&body);
    assert_eq!(
        zones,
        [
            (
                "cn-hangzhou-h".to_string(),
                vec![(
                    "ecs.g7.xlarge".to_string(),
                    "Available".to_string(),
                    "WithStock".to_string()
                )]
            ),
            (
                "cn-hangzhou-i".to_string(),
                vec![(
                    "ecs.g7.xlarge".to_string(),
                    "SoldOut".to_string(),
                    "WithoutStock".to_string()
                )]
            ),
        ]
    );
    let z = &list(&body, "AvailableZones", "AvailableZone")[1];
    assert_eq!(z["Status"], "SoldOut");
    assert_eq!(z["RegionId"], "cn-hangzhou");

    // A retiring type, then a type the zone no longer sells at all.
    srv.control_ok(
        "PATCH",
        "/_mock/zones/cn-hangzhou-h",
        Some(json!({"Closed": ["ecs.g7.xlarge"]})),
    )
    .await;
    srv.control_ok(
        "PATCH",
        "/_mock/zones/cn-hangzhou-i",
        Some(json!({"Stock": {"ecs.g7.xlarge": null}})),
    )
    .await;
    let body = available(
        &srv,
        &[
            ("DestinationResource", "InstanceType"),
            ("InstanceType", "ecs.g7.xlarge"),
        ],
    )
    .await;
    assert_eq!(
        offers(&body),
        [(
            "cn-hangzhou-h".to_string(),
            vec![(
                "ecs.g7.xlarge".to_string(),
                "Available".to_string(),
                "ClosedWithStock".to_string()
            )]
        )]
    );
}

#[tokio::test]
async fn available_resource_destinations() {
    let srv = TestServer::start().await;
    let zones = offers(&available(&srv, &[("DestinationResource", "Zone")]).await);
    assert_eq!(
        zones
            .iter()
            .map(|(z, items)| (z.as_str(), items[0].0.as_str()))
            .collect::<Vec<_>>(),
        [
            ("cn-hangzhou-h", "cn-hangzhou-h"),
            ("cn-hangzhou-i", "cn-hangzhou-i")
        ]
    );
    let body = available(
        &srv,
        &[
            ("DestinationResource", "Zone"),
            ("ZoneId", "cn-hangzhou-i"),
            ("IoOptimized", "optimized"),
            ("InstanceChargeType", "PostPaid"),
        ],
    )
    .await;
    assert_eq!(offers(&body).len(), 1);
    let body = available(
        &srv,
        &[
            ("DestinationResource", "InstanceType"),
            ("Cores", "2"),
            ("Memory", "8"),
        ],
    )
    .await;
    for (_, items) in offers(&body) {
        let types: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(types, ["ecs.g7.large"]);
    }
    let body = available(
        &srv,
        &[
            ("DestinationResource", "SystemDisk"),
            ("InstanceType", "ecs.g7.large"),
        ],
    )
    .await;
    let disk = &list(&body, "AvailableZones", "AvailableZone")[0]["AvailableResources"]
        ["AvailableResource"][0];
    assert_eq!(disk["Type"], "SystemDisk");
    let first = &disk["SupportedResources"]["SupportedResource"][0];
    assert_eq!(
        first,
        &json!({"Status": "Available", "Min": 20, "Max": 2048, "Value": "cloud_efficiency", "Unit": "GiB"})
    );
    let body = available(
        &srv,
        &[
            ("DestinationResource", "InstanceType"),
            ("SpotStrategy", "SpotAsPriceGo"),
            ("ZoneId", "cn-hangzhou-h"),
        ],
    )
    .await;
    let types: Vec<String> = offers(&body)[0].1.iter().map(|i| i.0.clone()).collect();
    assert_eq!(
        types,
        [
            "ecs.c7.large",
            "ecs.g7.large",
            "ecs.g7.xlarge",
            "ecs.t6-c1m1.large"
        ]
    );
}

#[tokio::test]
async fn available_resource_errors() {
    let srv = TestServer::start().await;
    srv.call("DescribeAvailableResource", &[])
        .await
        .err(400, "Invalid.Param", None);
    for (param, value, status, code) in [
        (
            "DestinationResource",
            "Moon",
            404,
            "Invalid.DestinationResource",
        ),
        ("ResourceType", "moon", 404, "Invalid.ResourceType"),
        (
            "InstanceChargeType",
            "Free",
            400,
            "Invalid.InstanceChargeType",
        ),
        ("IoOptimized", "maybe", 404, "Invalid.IoOptimized"),
        (
            "NetworkCategory",
            "token-ring",
            404,
            "Invalid.NetworkCategory",
        ),
        ("SpotStrategy", "Cheap", 404, "Invalid.SpotStrategy"),
        ("Cores", "2", 403, "InvalidParam.Cores"),
        ("Memory", "2", 403, "InvalidParam.Memory"),
    ] {
        let mut params = vec![("DestinationResource", "Zone")];
        params.retain(|(k, _)| *k != param);
        params.push((param, value));
        srv.call("DescribeAvailableResource", &params)
            .await
            .err(status, code, None);
    }
    srv.call(
        "DescribeAvailableResource",
        &[
            ("DestinationResource", "InstanceType"),
            ("InstanceType", "ecs.g7.large"),
            ("Cores", "2"),
        ],
    )
    .await
    .err(403, "InvalidParam.TypeAndCpuMem.Conflict", None);
    srv.rpc("DescribeAvailableResource")
        .p("DestinationResource", "Zone")
        .region(Some("nowhere"))
        .send()
        .await
        .err(404, "Invalid.RegionId", None);
}

fn image_ids(body: &Value) -> Vec<String> {
    values(body, "Images", "Image", "ImageId")
}

#[tokio::test]
async fn describe_images_lists_the_public_images_and_filters() {
    let srv = TestServer::start().await;
    let body = srv
        .call("DescribeImages", &[("PageSize", "100")])
        .await
        .ok();
    assert_eq!(body["RegionId"], "cn-hangzhou");
    assert_eq!(body["PageNumber"], 1);
    let ids = image_ids(&body);
    assert!(ids.contains(&IMAGE.to_string()), "{ids:?}");
    assert_eq!(body["TotalCount"], ids.len());
    let img = list(&body, "Images", "Image")
        .iter()
        .find(|i| i["ImageId"] == IMAGE)
        .unwrap();
    assert_eq!(img["ImageOwnerAlias"], "system");
    assert_eq!(img["IsPublic"], true);
    assert_eq!(img["Tags"], json!({"Tag": []}));
    assert_eq!(img["OSNameEn"], "Alibaba Cloud Linux  3.2104 LTS 64 bit");
    assert_eq!(img.as_object().unwrap().len(), 30);

    let windows = srv
        .call("DescribeImages", &[("OSType", "windows")])
        .await
        .ok();
    assert!(image_ids(&windows).iter().all(|i| i.starts_with("win")));
    assert_eq!(windows["TotalCount"], 2);
    let arm = srv
        .call("DescribeImages", &[("Architecture", "arm64")])
        .await
        .ok();
    assert_eq!(image_ids(&arm), ["aliyun_3_arm64_20G_alibase_20250629.vhd"]);
    let two = format!("{IMAGE},ubuntu_22_04_x64_20G_alibase_20230613.vhd");
    let body = srv
        .call("DescribeImages", &[("ImageId", two.as_str())])
        .await
        .ok();
    assert_eq!(body["TotalCount"], 2);
    let body = srv
        .call("DescribeImages", &[("ImageName", "ubuntu_22_04")])
        .await
        .ok();
    assert_eq!(body["TotalCount"], 2);
    let paged = srv
        .call("DescribeImages", &[("PageSize", "3"), ("PageNumber", "2")])
        .await
        .ok();
    assert_eq!(image_ids(&paged).len(), 3);
    assert_eq!(paged["PageSize"], 3);
    let body = srv
        .call("DescribeImages", &[("ImageOwnerAlias", "self")])
        .await
        .ok();
    assert_eq!(body["TotalCount"], 0, "no custom image in the defaults");
    let body = srv
        .call("DescribeImages", &[("ImageOwnerAlias", "marketplace")])
        .await
        .ok();
    assert_eq!(body["TotalCount"], 0);
}

#[tokio::test]
async fn describe_images_errors() {
    let srv = TestServer::start().await;
    for (param, value, status, code) in [
        (
            "ImageOwnerAlias",
            "friends",
            400,
            "InvalidImageOwnerAlias.ValueNotSupported",
        ),
        ("OSType", "beos", 404, "InvalidOSType"),
        ("Architecture", "mips", 404, "InvalidArchitecture"),
        ("Usage", "sometimes", 404, "InvalidUsage"),
        ("Filter.1.Key", "Colour", 404, "InvalidFilterKey.NotFound"),
        (
            "InstanceType",
            "ecs.nope",
            400,
            "InvalidInstanceType.ValueNotSupported",
        ),
        ("PageSize", "101", 400, "InvalidParameter"),
    ] {
        srv.call("DescribeImages", &[(param, value)])
            .await
            .err(status, code, None);
    }
    srv.rpc("DescribeImages")
        .region(None)
        .send()
        .await
        .err(400, "MissingRegionId", None);
}

#[tokio::test]
async fn describe_images_as_xml() {
    let srv = TestServer::start().await;
    let r = srv
        .rpc("DescribeImages")
        .p("ImageId", IMAGE)
        .format(Some("XML"))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains("<Images><Image><ImageOwnerAlias>system</ImageOwnerAlias>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("<TotalCount>1</TotalCount>"), "{}", r.body);
}

#[tokio::test]
async fn an_unavailable_image_is_hidden_by_default_and_refused_by_run_instances() {
    let srv = TestServer::start().await;
    let run = |image: &'static str| {
        let srv = &srv;
        async move {
            srv.call(
                "RunInstances",
                &[
                    ("ImageId", image),
                    ("InstanceType", "ecs.g7.large"),
                    ("ZoneId", "cn-hangzhou-h"),
                ],
            )
            .await
        }
    };
    run("m-bp1nosuchimage000001").await.err(
        404,
        "InvalidImageId.NotFound",
        Some("The specified ImageId does not exist."),
    );
    srv.call(
        "CreateInstance",
        &[
            ("ImageId", "m-bp1nosuchimage000001"),
            ("InstanceType", "ecs.g7.large"),
        ],
    )
    .await
    .err(404, "InvalidImageId.NotFound", None);

    let patched = srv
        .control_ok(
            "PATCH",
            &format!("/_mock/images/{IMAGE}"),
            Some(json!({"Status": "UnAvailable"})),
        )
        .await;
    assert_eq!(patched["Status"], "UnAvailable");
    run(IMAGE).await.err(
        404,
        "OperationDenied.ImageNotValid",
        Some("The specified Image is disabled or is deleted."),
    );
    let body = srv.call("DescribeImages", &[("ImageId", IMAGE)]).await.ok();
    assert_eq!(body["TotalCount"], 0, "Status defaults to Available");
    let body = srv
        .call(
            "DescribeImages",
            &[("ImageId", IMAGE), ("Status", "Available,UnAvailable")],
        )
        .await
        .ok();
    assert_eq!(body["TotalCount"], 1);
    let state = srv.state().await;
    let dumped = state["Images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ImageId"] == IMAGE)
        .unwrap();
    assert_eq!(dumped["Status"], "UnAvailable");

    srv.control_ok(
        "PATCH",
        &format!("/_mock/images/{IMAGE}"),
        Some(json!({"Status": "Available"})),
    )
    .await;
    run(IMAGE).await.ok();
    srv.control_refused(
        "PATCH",
        &format!("/_mock/images/{IMAGE}"),
        Some(json!({"Status": "Shiny"})),
        "Status",
    )
    .await;
    srv.control_refused(
        "PATCH",
        "/_mock/images/m-bp1nosuchimage000001",
        Some(json!({"Status": "Available"})),
        "ImageId",
    )
    .await;
}

/// A fixture with custom images and an instance whose image is not defined.
fn custom_fixture() -> String {
    let mut doc: Value = serde_json::from_str(include_str!("../../fixtures/default.json")).unwrap();
    doc["Images"] = json!([
        {"ImageId": "m-bp1custom0000000001", "ImageName": "golden-web", "CreationTime": "2025-03-01T10:00:00Z"},
        {"ImageId": "m-bp1other00000000001", "AccountId": "1000000000000002", "RegionId": "cn-hangzhou",
         "OSType": "windows", "Status": "Available"},
        {"ImageId": IMAGE, "ImageOwnerAlias": "system", "IsPublic": true, "IsSelfShared": ""}
    ]);
    let first = doc["Instances"][0].clone();
    let mut pasted = first;
    pasted["InstanceId"] = json!("i-bp1pastedimage000001");
    pasted["ImageId"] = json!("m-bp1implicit00000001");
    pasted["MockDisks"] = json!([]);
    doc["Instances"].as_array_mut().unwrap().push(pasted);
    doc.to_string()
}

#[tokio::test]
async fn fixture_images_and_implicit_images() {
    let srv = TestServer::start().await;
    let r = srv.load_state(&custom_fixture()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = srv
        .call("DescribeImages", &[("ImageOwnerAlias", "self")])
        .await
        .ok();
    let mut ids = image_ids(&body);
    ids.sort();
    assert_eq!(ids, ["m-bp1custom0000000001", "m-bp1implicit00000001"]);
    let implicit = list(&body, "Images", "Image")
        .iter()
        .find(|i| i["ImageId"] == "m-bp1implicit00000001")
        .unwrap();
    assert_eq!(implicit["IsSelfShared"], "False");
    assert_eq!(implicit["ImageOwnerAlias"], "self");
    assert_eq!(
        implicit["OSNameEn"], "Alibaba Cloud Linux  3.2104 LTS 64 bit",
        "the OS of the instance that uses it"
    );
    // Only the fixture's images: the built-in catalog is replaced.
    let all = srv
        .call("DescribeImages", &[("PageSize", "100")])
        .await
        .ok();
    assert_eq!(all["TotalCount"], 3, "{all}");
    // Another account's custom image is neither listed nor usable.
    for image in ["m-bp1implicit00000001", "m-bp1custom0000000001"] {
        srv.call(
            "RunInstances",
            &[("ImageId", image), ("InstanceType", "ecs.g7.large")],
        )
        .await
        .ok();
    }
    srv.call(
        "RunInstances",
        &[
            ("ImageId", "m-bp1other00000000001"),
            ("InstanceType", "ecs.g7.large"),
        ],
    )
    .await
    .err(404, "InvalidImageId.NotFound", None);
    // Patching an implicit image stores it.
    srv.control_ok(
        "PATCH",
        "/_mock/images/m-bp1implicit00000001",
        Some(json!({"Description": "from a pasted instance"})),
    )
    .await;
    let state = srv.state().await;
    let stored: Vec<&str> = state["Images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ImageId"].as_str().unwrap())
        .collect();
    assert!(stored.contains(&"m-bp1implicit00000001"), "{stored:?}");
}

#[tokio::test]
async fn a_fixture_with_a_bad_image_is_refused() {
    let srv = TestServer::start().await;
    let mut doc: Value = serde_json::from_str(include_str!("../../fixtures/default.json")).unwrap();
    doc["Images"] = json!([{"ImageId": "m-1", "Status": "Shiny"}]);
    let r = srv.load_state(&doc.to_string()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Images[0]"), "{}", r.body);
}
