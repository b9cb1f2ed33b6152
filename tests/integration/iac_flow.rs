//! A whole flow as an infrastructure-as-code tool runs it (the calls Terraform's
//! alicloud provider makes for a security group with a rule, a key pair, an instance in a
//! vSwitch, a tag and a data disk attachment), then the teardown in reverse order, with
//! every resource gone at the end. The emulator clock is advanced, never waited for.

use serde_json::{json, Value};

use crate::common::{TestServer, STEP_MS};

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20250101.vhd";
const VPC: &str = "vpc-bp1demo0000000000001";
const VSWITCH: &str = "vsw-bp1demo000000000001h";
const ZONE: &str = "cn-hangzhou-h";
const PUBLIC_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDfZjVxLvnMxgpac5nrlEFbXq8uybgg7tg5+tuoEBBNmC7osz4sTYqiW5gUflPAOZftuqv4U956/ZF++g76xd5No9vEFfCD2qdvfoGNJuTVGGEAPY/ESfmWl0ca6/KZdZZ2p+cJLGcuvGBFEUSmOBjitMDCCysKDXIG/kHpGFs5v9qVbAhFl7ZmQYnzKG65gICb+Icv/SIXeHPOg0PuWfnQZfQE3QZN8YGu22Op+go/bBH15gGbzm25JUX7sbheclGnOFz0MGXYSqi/zS7wre3Wy2T7xH1FvJXmWZcqjevArTtyypZUB2uVBJmvWo03ILnZTJETttd+2Dx8Gri1Kxvr deploy@ci";

fn list<'a>(body: &'a Value, outer: &str, inner: &str) -> &'a Vec<Value> {
    body[outer][inner]
        .as_array()
        .unwrap_or_else(|| panic!("{outer}.{inner} is not an array: {body}"))
}

/// Advance the clock one step at a time until `check` holds (at most 30 steps).
async fn settle<F, Fut>(srv: &TestServer, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..30 {
        if check().await {
            return;
        }
        srv.advance(STEP_MS);
    }
    panic!("{what} did not happen within 30 clock steps");
}

async fn disk_status(srv: &TestServer, disk: &str) -> Option<String> {
    let ids = format!("[\"{disk}\"]");
    let body = srv.call("DescribeDisks", &[("DiskIds", &ids)]).await.ok();
    list(&body, "Disks", "Disk")
        .first()
        .map(|d| d["Status"].as_str().unwrap_or_default().to_string())
}

/// The rule the flow authorizes and then revokes: SSH from 10.0.0.0/8 into `sg`.
fn ssh_rule(sg: &str) -> [(&str, &str); 6] {
    [
        ("SecurityGroupId", sg),
        ("Permissions.1.IpProtocol", "tcp"),
        ("Permissions.1.PortRange", "22/22"),
        ("Permissions.1.SourceCidrIp", "10.0.0.0/8"),
        ("Permissions.1.Policy", "accept"),
        ("Permissions.1.Priority", "1"),
    ]
}

#[tokio::test]
async fn create_describe_and_tear_down_as_terraform_does() {
    let srv = TestServer::start().await;

    // alicloud_security_group + alicloud_security_group_rule
    let sg = srv
        .call(
            "CreateSecurityGroup",
            &[
                ("VpcId", VPC),
                ("SecurityGroupName", "tf-web"),
                ("Description", "web tier"),
            ],
        )
        .await
        .ok()["SecurityGroupId"]
        .as_str()
        .expect("a group id")
        .to_string();
    srv.call("AuthorizeSecurityGroup", &ssh_rule(&sg))
        .await
        .ok();
    let rules = srv
        .call(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await
        .ok();
    let rule = &list(&rules, "Permissions", "Permission")[0];
    assert_eq!(
        (
            &rule["IpProtocol"],
            &rule["PortRange"],
            &rule["SourceCidrIp"]
        ),
        (&json!("TCP"), &json!("22/22"), &json!("10.0.0.0/8")),
        "{rules}"
    );

    // alicloud_ecs_key_pair (public_key)
    let imported = srv
        .call(
            "ImportKeyPair",
            &[("KeyPairName", "tf-deploy"), ("PublicKeyBody", PUBLIC_KEY)],
        )
        .await
        .ok();
    assert_eq!(imported["KeyPairName"], "tf-deploy");

    // alicloud_instance: RunInstances, then DescribeInstances until Running.
    let run = srv
        .call(
            "RunInstances",
            &[
                ("ImageId", IMAGE),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", ZONE),
                ("VSwitchId", VSWITCH),
                ("SecurityGroupIds.1", &sg),
                ("KeyPairName", "tf-deploy"),
                ("InstanceName", "tf-web-1"),
                ("SystemDisk.Category", "cloud_essd"),
                ("SystemDisk.Size", "40"),
            ],
        )
        .await
        .ok();
    let id = run["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .expect("an instance id")
        .to_string();
    settle(&srv, "the instance running", || async {
        srv.status(&id).await.as_deref() == Some("Running")
    })
    .await;

    // Tags (TagResources), then a data disk: CreateDisk, AttachDisk, wait for In_use.
    srv.call(
        "TagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", &id),
            ("Tag.1.Key", "managed-by"),
            ("Tag.1.Value", "terraform"),
        ],
    )
    .await
    .ok();
    let disk = srv
        .call(
            "CreateDisk",
            &[
                ("ZoneId", ZONE),
                ("Size", "100"),
                ("DiskCategory", "cloud_essd"),
                ("DiskName", "tf-data"),
            ],
        )
        .await
        .ok()["DiskId"]
        .as_str()
        .expect("a disk id")
        .to_string();
    settle(&srv, "the new disk available", || async {
        disk_status(&srv, &disk).await.as_deref() == Some("Available")
    })
    .await;
    srv.call("AttachDisk", &[("InstanceId", &id), ("DiskId", &disk)])
        .await
        .ok();
    settle(&srv, "the disk in use", || async {
        disk_status(&srv, &disk).await.as_deref() == Some("In_use")
    })
    .await;

    // Describe everything the way the provider's read does.
    let inst = srv.describe_one(&id).await.expect("the instance is listed");
    assert_eq!(inst["KeyPairName"], "tf-deploy", "{inst}");
    assert_eq!(
        inst["SecurityGroupIds"]["SecurityGroupId"],
        json!([sg]),
        "{inst}"
    );
    assert_eq!(inst["VpcAttributes"]["VSwitchId"], VSWITCH, "{inst}");
    assert_eq!(inst["VpcAttributes"]["VpcId"], VPC, "{inst}");
    let private = inst["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
        .as_str()
        .expect("a private address")
        .to_string();
    assert!(
        private.starts_with("172.16.1."),
        "{private} is in the vSwitch's 172.16.1.0/24"
    );
    assert_eq!(
        inst["Tags"]["Tag"],
        json!([{"TagKey": "managed-by", "TagValue": "terraform"}]),
        "{inst}"
    );
    // The provider's other reads of a new instance.
    let enis = srv
        .call("DescribeNetworkInterfaces", &[("InstanceId", &id)])
        .await
        .ok();
    let eni = &list(&enis, "NetworkInterfaceSets", "NetworkInterfaceSet")[0];
    assert_eq!(
        (&eni["Type"], &eni["PrivateIpAddress"], &eni["VSwitchId"]),
        (&json!("Primary"), &json!(private), &json!(VSWITCH)),
        "{enis}"
    );
    assert_eq!(
        eni["SecurityGroupIds"]["SecurityGroupId"],
        json!([sg]),
        "{enis}"
    );
    let maintenance = srv
        .call(
            "DescribeInstanceMaintenanceAttributes",
            &[("InstanceId.1", &id)],
        )
        .await
        .ok();
    assert_eq!(
        list(
            &maintenance,
            "MaintenanceAttributes",
            "MaintenanceAttribute"
        )[0]["InstanceId"],
        json!(id)
    );
    let ids = format!("[\"{id}\"]");
    let attachment = srv
        .call(
            "DescribeInstanceAttachmentAttributes",
            &[("InstanceIds", &ids)],
        )
        .await
        .ok();
    assert_eq!(
        list(&attachment, "Instances", "Instance")[0]["PrivatePoolOptionsMatchCriteria"],
        "Open"
    );
    let disks = srv.call("DescribeDisks", &[("InstanceId", &id)]).await.ok();
    let mut kinds: Vec<(String, String, String)> = list(&disks, "Disks", "Disk")
        .iter()
        .map(|d| {
            (
                d["DiskId"].as_str().unwrap().to_string(),
                d["Type"].as_str().unwrap().to_string(),
                d["Status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    kinds.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(kinds.len(), 2, "a system disk and the data disk: {disks}");
    assert_eq!(
        (kinds[0].1.as_str(), kinds[0].2.as_str()),
        ("data", "In_use")
    );
    assert_eq!(kinds[0].0, disk);
    assert_eq!(
        (kinds[1].1.as_str(), kinds[1].2.as_str()),
        ("system", "In_use")
    );
    let system_disk = kinds[1].0.clone();
    let groups = srv
        .call("DescribeSecurityGroups", &[("SecurityGroupId", &sg)])
        .await
        .ok();
    assert_eq!(
        list(&groups, "SecurityGroups", "SecurityGroup")[0]["EcsCount"],
        1
    );
    let pairs = srv
        .call("DescribeKeyPairs", &[("KeyPairName", "tf-deploy")])
        .await
        .ok();
    assert_eq!(list(&pairs, "KeyPairs", "KeyPair").len(), 1, "{pairs}");

    // Teardown in reverse order. The group cannot go while the instance is in it.
    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
        .await
        .err(403, "DependencyViolation", None);
    srv.call("DetachDisk", &[("InstanceId", &id), ("DiskId", &disk)])
        .await
        .ok();
    settle(&srv, "the disk detached", || async {
        disk_status(&srv, &disk).await.as_deref() == Some("Available")
    })
    .await;
    srv.call("DeleteDisk", &[("DiskId", &disk)]).await.ok();
    assert_eq!(
        disk_status(&srv, &disk).await,
        None,
        "the data disk is gone"
    );
    srv.call(
        "UntagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", &id),
            ("TagKey.1", "managed-by"),
        ],
    )
    .await
    .ok();
    srv.call("DeleteInstance", &[("InstanceId", &id), ("Force", "true")])
        .await
        .ok();
    settle(&srv, "the instance released", || async {
        srv.describe_one(&id).await.is_none()
    })
    .await;
    assert_eq!(
        disk_status(&srv, &system_disk).await,
        None,
        "the system disk goes with the instance"
    );
    srv.call("DeleteKeyPairs", &[("KeyPairNames", "[\"tf-deploy\"]")])
        .await
        .ok();
    srv.call("RevokeSecurityGroup", &ssh_rule(&sg)).await.ok();
    let rules = srv
        .call(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await
        .ok();
    assert_eq!(
        list(&rules, "Permissions", "Permission").len(),
        0,
        "{rules}"
    );
    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
        .await
        .ok();

    // Every resource is gone.
    let groups = srv
        .call("DescribeSecurityGroups", &[("SecurityGroupId", &sg)])
        .await
        .ok();
    assert_eq!(
        list(&groups, "SecurityGroups", "SecurityGroup").len(),
        0,
        "{groups}"
    );
    srv.call(
        "DescribeSecurityGroupAttribute",
        &[("SecurityGroupId", &sg)],
    )
    .await
    .err(404, "InvalidSecurityGroupId.NotFound", None);
    let pairs = srv
        .call("DescribeKeyPairs", &[("KeyPairName", "tf-deploy")])
        .await
        .ok();
    assert_eq!(list(&pairs, "KeyPairs", "KeyPair").len(), 0, "{pairs}");
    let tags = srv
        .call(
            "ListTagResources",
            &[("ResourceType", "instance"), ("ResourceId.1", &id)],
        )
        .await
        .ok();
    assert_eq!(
        tags["TagResources"]["TagResource"],
        json!([]),
        "the instance is gone, so are its tags"
    );
    let state = srv.state().await;
    let text = state.to_string();
    for gone in [&id, &disk, &system_disk, &sg] {
        assert!(
            !text.contains(gone.as_str()),
            "{gone} is still in the state"
        );
    }
    assert!(
        !text.contains("tf-deploy"),
        "the key pair is still in the state"
    );
}
