//! The reads Terraform's alicloud provider makes of an instance after DescribeInstances:
//! DescribeNetworkInterfaces (the primary ENI), DescribeInstanceMaintenanceAttributes
//! and DescribeInstanceAttachmentAttributes, for a fixture instance and for one created
//! by RunInstances in a vSwitch.

use serde_json::{json, Value};

use crate::common::{TestServer, STEP_MS};

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20250101.vhd";
const VPC: &str = "vpc-bp1demo0000000000001";
const VSWITCH: &str = "vsw-bp1demo000000000001h";
const GROUP: &str = "sg-bp1demo00000000000001";
/// A default-fixture instance with a stored primary ENI.
const FIXTURE: &str = "i-bp1running0000000001";
const FIXTURE_ENI: &str = "eni-bp1ddef293259e470522";
const FIXTURE_MAC: &str = "00:16:3e:b0:c2:b6";
const FIXTURE_IP: &str = "172.16.1.13";
/// The fixture instance of another account.
const OTHER: &str = "i-bp1otheracct00000001";

fn list<'a>(body: &'a Value, outer: &str, inner: &str) -> &'a Vec<Value> {
    body[outer][inner]
        .as_array()
        .unwrap_or_else(|| panic!("{outer}.{inner} is not an array: {body}"))
}

async fn enis(srv: &TestServer, params: &[(&str, &str)]) -> Vec<Value> {
    let body = srv.call("DescribeNetworkInterfaces", params).await.ok();
    list(&body, "NetworkInterfaceSets", "NetworkInterfaceSet").clone()
}

/// What DescribeInstances says of the instance: (ENI id, MAC, private IP, vSwitch, groups).
async fn described(srv: &TestServer, id: &str) -> (String, String, String, String, Value) {
    let inst = srv.describe_one(id).await.expect("listed");
    let nic = &inst["NetworkInterfaces"]["NetworkInterface"][0];
    (
        nic["NetworkInterfaceId"]
            .as_str()
            .expect("an ENI id")
            .to_string(),
        nic["MacAddress"].as_str().expect("a MAC").to_string(),
        inst["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
            .as_str()
            .expect("a private IP")
            .to_string(),
        inst["VpcAttributes"]["VSwitchId"]
            .as_str()
            .unwrap()
            .to_string(),
        inst["SecurityGroupIds"]["SecurityGroupId"].clone(),
    )
}

/// The three reads of one instance answer its exact values.
async fn check_reads(srv: &TestServer, id: &str, zone: &str) -> String {
    let (eni_id, mac, ip, vsw, groups) = described(srv, id).await;
    assert!(eni_id.starts_with("eni-bp"), "{eni_id}");
    assert!(mac.starts_with("00:16:3e:") && mac.len() == 17, "{mac}");

    // DescribeNetworkInterfaces(NetworkInterfaceId.1) as Terraform reads it.
    let found = enis(srv, &[("NetworkInterfaceId.1", &eni_id)]).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let e = &found[0];
    assert_eq!(e["NetworkInterfaceId"], eni_id.as_str());
    assert_eq!(e["MacAddress"], mac.as_str());
    assert_eq!(e["PrivateIpAddress"], ip.as_str());
    assert_eq!(e["VSwitchId"], vsw.as_str());
    assert_eq!(e["VpcId"], VPC);
    assert_eq!(e["ZoneId"], zone);
    assert_eq!(e["InstanceId"], id);
    assert_eq!(e["Status"], "InUse");
    assert_eq!(e["Type"], "Primary");
    assert_eq!(e["SecurityGroupIds"]["SecurityGroupId"], groups);
    assert_eq!(
        e["PrivateIpSets"]["PrivateIpSet"],
        json!([{"PrivateIpAddress": ip, "Primary": true}])
    );
    assert_eq!(e["Tags"], json!({"Tag": []}));
    assert_eq!(e["ResourceGroupId"], "");
    assert_eq!(e["Description"], "");
    assert_eq!(e["NetworkInterfaceName"], "");
    assert!(
        e["CreationTime"].as_str().is_some_and(|t| t.len() == 20),
        "{e}"
    );

    // Filters.
    for (k, v) in [
        ("InstanceId", id),
        ("VSwitchId", vsw.as_str()),
        ("VpcId", VPC),
        ("SecurityGroupId", GROUP),
        ("Type", "Primary"),
        ("PrivateIpAddress.1", ip.as_str()),
    ] {
        let got = enis(srv, &[(k, v), ("NetworkInterfaceId.1", &eni_id)]).await;
        assert_eq!(got.len(), 1, "{k}={v}");
        let got = enis(srv, &[(k, v), ("PageSize", "100")]).await;
        assert!(
            got.iter()
                .any(|e| e["NetworkInterfaceId"] == eni_id.as_str()),
            "{k}={v}"
        );
        assert!(got.iter().all(|e| match k {
            "InstanceId" => e["InstanceId"] == v,
            "VSwitchId" => e["VSwitchId"] == v,
            "PrivateIpAddress.1" => e["PrivateIpAddress"] == v,
            _ => true,
        }));
    }
    for (k, v) in [
        ("Type", "Secondary"),
        ("InstanceId", OTHER),
        ("VSwitchId", "vsw-bp1nothere0000000000"),
        ("SecurityGroupId", "sg-bp1nothere000000000"),
        ("PrivateIpAddress.1", "10.9.9.9"),
    ] {
        let got = enis(srv, &[(k, v), ("NetworkInterfaceId.1", &eni_id)]).await;
        assert!(got.is_empty(), "{k}={v}: {got:?}");
    }

    // DescribeInstanceMaintenanceAttributes(InstanceId.1).
    let body = srv
        .call(
            "DescribeInstanceMaintenanceAttributes",
            &[("InstanceId.1", id)],
        )
        .await
        .ok();
    assert_eq!(body["TotalCount"], 1);
    assert_eq!(
        list(&body, "MaintenanceAttributes", "MaintenanceAttribute")[0],
        json!({
            "InstanceId": id,
            "NotifyOnMaintenance": false,
            "MaintenanceWindows": {"MaintenanceWindow": [{"StartTime": "18:00:00Z", "EndTime": "21:00:00Z"}]},
            "ActionOnMaintenance": {
                "Value": "AutoRecover",
                "DefaultValue": "AutoRecover",
                "SupportedValues": {"SupportedValue": ["Stop", "AutoRecover", "AutoRedeploy"]}
            }
        })
    );

    // DescribeInstanceAttachmentAttributes(InstanceIds JSON).
    let ids = format!("[\"{id}\"]");
    let body = srv
        .call(
            "DescribeInstanceAttachmentAttributes",
            &[("InstanceIds", &ids)],
        )
        .await
        .ok();
    assert_eq!(body["TotalCount"], 1);
    assert_eq!(body["PageNumber"], 1);
    assert_eq!(body["PageSize"], 10);
    assert_eq!(
        list(&body, "Instances", "Instance")[0],
        json!({"InstanceId": id, "PrivatePoolOptionsId": "", "PrivatePoolOptionsMatchCriteria": "Open"})
    );
    eni_id
}

#[tokio::test]
async fn fixture_instance_reads() {
    let srv = TestServer::start().await;
    let eni = check_reads(&srv, FIXTURE, "cn-hangzhou-h").await;
    assert_eq!(eni, FIXTURE_ENI);
    let e = &enis(&srv, &[("NetworkInterfaceId.1", FIXTURE_ENI)]).await[0];
    assert_eq!(e["MacAddress"], FIXTURE_MAC);
    assert_eq!(e["PrivateIpAddress"], FIXTURE_IP);
    assert_eq!(e["SecurityGroupIds"]["SecurityGroupId"], json!([GROUP]));
}

#[tokio::test]
async fn created_instance_reads() {
    let srv = TestServer::start().await;
    let run = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", IMAGE),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", "cn-hangzhou-h"),
                ("VSwitchId", VSWITCH),
                ("SecurityGroupIds.1", GROUP),
            ],
        )
        .await
        .ok();
    let id = run["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .expect("an instance id")
        .to_string();
    // Terraform reads while the instance is still starting, too.
    check_reads(&srv, &id, "cn-hangzhou-h").await;
    srv.advance(STEP_MS * 5);
    let eni = check_reads(&srv, &id, "cn-hangzhou-h").await;
    let e = &enis(&srv, &[("NetworkInterfaceId.1", &eni)]).await[0];
    assert_eq!(e["VSwitchId"], VSWITCH);
    assert_eq!(e["SecurityGroupIds"]["SecurityGroupId"], json!([GROUP]));
    // The new ENI is distinct from every fixture ENI.
    let all = enis(&srv, &[("PageSize", "100")]).await;
    let with_id = all
        .iter()
        .filter(|e| e["NetworkInterfaceId"] == eni.as_str());
    assert_eq!(with_id.count(), 1);
}

#[tokio::test]
async fn listing_paging_and_accounts() {
    let srv = TestServer::start().await;
    // Unfiltered: every ENI of account `test` in cn-hangzhou, never another account's
    // or another region's.
    let body = srv
        .call("DescribeNetworkInterfaces", &[("PageSize", "100")])
        .await
        .ok();
    let all = list(&body, "NetworkInterfaceSets", "NetworkInterfaceSet");
    assert_eq!(body["TotalCount"], all.len());
    assert_eq!(body["PageNumber"], 1);
    assert_eq!(body["PageSize"], 100);
    assert!(all.len() >= 2);
    assert!(all.iter().all(|e| e["InstanceId"] != OTHER));
    assert!(all
        .iter()
        .all(|e| e["ZoneId"].as_str().unwrap().starts_with("cn-hangzhou")));
    let page2 = srv
        .call(
            "DescribeNetworkInterfaces",
            &[("PageSize", "1"), ("PageNumber", "2")],
        )
        .await
        .ok();
    assert_eq!(
        list(&page2, "NetworkInterfaceSets", "NetworkInterfaceSet")[0],
        all[1]
    );
    // Token paging.
    let first = srv
        .call("DescribeNetworkInterfaces", &[("MaxResults", "10")])
        .await
        .ok();
    let got = list(&first, "NetworkInterfaceSets", "NetworkInterfaceSet");
    assert_eq!(got.len(), all.len().min(10));
    assert!(first.get("NextToken").is_some(), "{first}");

    // The other account's ENI, by id: not listed. Nor any of `test`'s for a new account.
    let other_eni = "eni-bp17806be2fe54dccd54";
    assert!(enis(&srv, &[("NetworkInterfaceId.1", other_eni)])
        .await
        .is_empty());
    let acc = srv.new_account(json!({})).await;
    for (action, k, v) in [
        (
            "DescribeNetworkInterfaces",
            "NetworkInterfaceId.1",
            FIXTURE_ENI,
        ),
        ("DescribeNetworkInterfaces", "PageSize", "100"),
        (
            "DescribeInstanceMaintenanceAttributes",
            "InstanceId.1",
            FIXTURE,
        ),
        ("DescribeInstanceMaintenanceAttributes", "PageSize", "100"),
        (
            "DescribeInstanceAttachmentAttributes",
            "InstanceIds",
            "[\"i-bp1running0000000001\"]",
        ),
    ] {
        let body = srv.rpc_as(&acc, action).p(k, v).send().await.ok();
        assert_eq!(body["TotalCount"], 0, "{action}: {body}");
    }
    // Unknown or foreign instance ids are simply not listed.
    let body = srv
        .call(
            "DescribeInstanceMaintenanceAttributes",
            &[
                ("InstanceId.1", OTHER),
                ("InstanceId.2", "i-bp1nothere"),
                ("InstanceId.3", FIXTURE),
            ],
        )
        .await
        .ok();
    let got = list(&body, "MaintenanceAttributes", "MaintenanceAttribute");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["InstanceId"], FIXTURE);
    let body = srv
        .call(
            "DescribeInstanceAttachmentAttributes",
            &[(
                "InstanceIds",
                "[\"i-bp1otheracct00000001\",\"i-uf6shanghai000000001\"]",
            )],
        )
        .await
        .ok();
    assert_eq!(body["TotalCount"], 0);
    assert_eq!(body["Instances"], json!({"Instance": []}));
    // Shanghai's ENI is listed in cn-shanghai only.
    let sh = srv
        .rpc("DescribeNetworkInterfaces")
        .region(Some("cn-shanghai"))
        .send()
        .await
        .ok();
    let sh = list(&sh, "NetworkInterfaceSets", "NetworkInterfaceSet");
    assert_eq!(sh.len(), 1);
    assert_eq!(sh[0]["InstanceId"], "i-uf6shanghai000000001");
}

#[tokio::test]
async fn refusals_and_xml() {
    let srv = TestServer::start().await;
    for action in [
        "DescribeNetworkInterfaces",
        "DescribeInstanceMaintenanceAttributes",
        "DescribeInstanceAttachmentAttributes",
    ] {
        srv.rpc(action)
            .region(None)
            .p("InstanceIds", "[]")
            .send()
            .await
            .err(400, "MissingRegionId", None);
        srv.rpc(action)
            .region(Some("cn-nowhere"))
            .p("InstanceIds", "[]")
            .send()
            .await
            .err(404, "InvalidRegionId.NotFound", None);
    }
    srv.call(
        "DescribeInstanceAttachmentAttributes",
        &[("InstanceIds", "i-bp1x")],
    )
    .await
    .err(400, "InvalidInstanceIds.Malformed", None);
    srv.call("DescribeInstanceAttachmentAttributes", &[])
        .await
        .err(400, "MissingInstanceIds", None);

    let xml = srv
        .rpc("DescribeNetworkInterfaces")
        .p("NetworkInterfaceId.1", FIXTURE_ENI)
        .format(Some("XML"))
        .send()
        .await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    for part in [
        format!("<NetworkInterfaceId>{FIXTURE_ENI}</NetworkInterfaceId>"),
        format!("<MacAddress>{FIXTURE_MAC}</MacAddress>"),
        format!("<PrivateIpAddress>{FIXTURE_IP}</PrivateIpAddress>"),
        format!("<SecurityGroupId>{GROUP}</SecurityGroupId>"),
        "<TotalCount>1</TotalCount>".to_string(),
    ] {
        assert!(xml.body.contains(&part), "{part} in {}", xml.body);
    }
}

/// Reads that name instances look each one up: another account's, an unknown and a
/// repeated id are left out, and what remains comes newest first, as the listing has it.
#[tokio::test]
async fn named_instances_newest_first() {
    let srv = TestServer::start().await;
    let listed = crate::common::instance_ids(
        &srv.call("DescribeInstances", &[("PageSize", "100")])
            .await
            .ok(),
    );
    assert!(listed.len() >= 3, "{listed:?}");
    let (newest, older) = (listed[0].as_str(), listed[2].as_str());
    let named = [older, OTHER, "i-bp1nothere0000000001", newest, older];
    let keys: Vec<String> = (1..=named.len())
        .map(|n| format!("InstanceId.{n}"))
        .collect();
    let pairs: Vec<(&str, &str)> = keys.iter().map(String::as_str).zip(named).collect();
    let maintenance = srv
        .call("DescribeInstanceMaintenanceAttributes", &pairs)
        .await
        .ok();
    // The `InstanceId` of each entry of a list.
    let ids_of = |list: &Value| -> Vec<String> {
        let entries = list.as_array().expect("a list").iter();
        entries
            .map(|a| a["InstanceId"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(maintenance["TotalCount"], 2);
    let maintained = ids_of(&maintenance["MaintenanceAttributes"]["MaintenanceAttribute"]);
    assert_eq!(maintained, [newest, older]);
    let attachments = srv
        .call(
            "DescribeInstanceAttachmentAttributes",
            &[("InstanceIds", &serde_json::to_string(&named).unwrap())],
        )
        .await
        .ok();
    assert_eq!(attachments["TotalCount"], 2);
    assert_eq!(
        ids_of(&attachments["Instances"]["Instance"]),
        [newest, older]
    );
    assert_eq!(enis(&srv, &[("InstanceId", OTHER)]).await.len(), 0);
    let own = enis(&srv, &[("InstanceId", older)]).await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["InstanceId"], older);
}
