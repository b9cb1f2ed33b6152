//! Security groups, VPCs and vSwitches: every security group action with its
//! documented errors, the network checks of RunInstances, membership, and the state
//! dump.

use serde_json::{json, Value};

use crate::common::{xml_text, Resp, TestServer, STEP_MS};
use ecs_mock::ecs::network::{VSwitch, Vpc};
use ecs_mock::store::fixtures::default_fixture;

const SG: &str = "sg-bp1demo00000000000001";
const VPC: &str = "vpc-bp1demo0000000000001";
const VSW_H: &str = "vsw-bp1demo000000000001h";
const VSW_I: &str = "vsw-bp1demo000000000001i";
const IMAGE: &str = "aliyun_3_x64_20G_alibase_20250101.vhd";
const STOPPED: &str = "i-bp1stopped0000000001";

async fn create(srv: &TestServer, params: &[(&str, &str)]) -> String {
    let body = srv.call("CreateSecurityGroup", params).await.ok();
    let id = body["SecurityGroupId"].as_str().expect("an id").to_string();
    assert!(id.starts_with("sg-bp") && id.len() == 23, "{id}");
    id
}

async fn describe(srv: &TestServer, params: &[(&str, &str)]) -> Value {
    srv.call("DescribeSecurityGroups", params).await.ok()
}

fn groups(body: &Value) -> Vec<Value> {
    body["SecurityGroups"]["SecurityGroup"]
        .as_array()
        .unwrap_or_else(|| panic!("SecurityGroups.SecurityGroup: {body}"))
        .clone()
}

async fn rules(srv: &TestServer, id: &str, direction: &str) -> Vec<Value> {
    let body = srv
        .call(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", id), ("Direction", direction)],
        )
        .await
        .ok();
    body["Permissions"]["Permission"]
        .as_array()
        .unwrap_or_else(|| panic!("Permissions.Permission: {body}"))
        .clone()
}

async fn authorize(srv: &TestServer, id: &str, extra: &[(&str, &str)]) -> Resp {
    let mut p = vec![("SecurityGroupId", id)];
    p.extend_from_slice(extra);
    srv.call("AuthorizeSecurityGroup", &p).await
}

async fn run(srv: &TestServer, params: &[(&str, &str)]) -> Resp {
    let mut all: Vec<(&str, &str)> = vec![("ImageId", IMAGE), ("InstanceType", "ecs.g7.large")];
    all.extend_from_slice(params);
    srv.call("RunInstances", &all).await
}

fn run_ids(body: &Value) -> Vec<String> {
    body["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

async fn attribute(srv: &TestServer, id: &str) -> Value {
    srv.call("DescribeInstanceAttribute", &[("InstanceId", id)])
        .await
        .ok()
}

fn instance_groups(attr: &Value) -> Vec<String> {
    attr["SecurityGroupIds"]["SecurityGroupId"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn create_describe_modify_delete() {
    let srv = TestServer::start().await;
    let id = create(
        &srv,
        &[
            ("SecurityGroupName", "web"),
            ("Description", "web servers"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "test"),
        ],
    )
    .await;
    let body = describe(&srv, &[("SecurityGroupId", &id)]).await;
    assert_eq!(body["TotalCount"], 1, "{body}");
    assert_eq!(
        (body["PageNumber"].clone(), body["PageSize"].clone()),
        (json!(1), json!(10))
    );
    assert_eq!(body["NextToken"], "");
    assert_eq!(body["RegionId"], "cn-hangzhou");
    let g = &groups(&body)[0];
    assert_eq!(g["SecurityGroupName"], "web");
    assert_eq!(g["Description"], "web servers");
    assert_eq!(g["VpcId"], VPC, "without VpcId: the region's default VPC");
    assert_eq!(g["SecurityGroupType"], "normal");
    assert_eq!(
        (g["EcsCount"].clone(), g["RuleCount"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(g["AvailableInstanceAmount"], 2000);
    assert_eq!(g["ServiceManaged"], false);
    assert_eq!(
        g["Tags"]["Tag"],
        json!([{"TagKey": "env", "TagValue": "test"}])
    );
    let created = g["CreationTime"].as_str().unwrap();
    assert!(created.len() == 20 && created.ends_with('Z'), "{created}");

    srv.call(
        "ModifySecurityGroupAttribute",
        &[("SecurityGroupId", &id), ("SecurityGroupName", "web2")],
    )
    .await
    .ok();
    let g = &groups(&describe(&srv, &[("SecurityGroupId", &id)]).await)[0];
    assert_eq!(
        (g["SecurityGroupName"].as_str(), g["Description"].as_str()),
        (Some("web2"), Some("web servers"))
    );
    srv.call(
        "ModifySecurityGroupAttribute",
        &[("SecurityGroupId", &id), ("SecurityGroupName", "1bad")],
    )
    .await
    .err(400, "InvalidSecurityGroupName.Malformed", None);
    srv.call(
        "ModifySecurityGroupAttribute",
        &[
            ("SecurityGroupId", "sg-bp1nothere0000000000"),
            ("SecurityGroupName", "ok"),
        ],
    )
    .await
    .err(
        404,
        "InvalidSecurityGroupId.NotFound",
        Some("The specified security group does not exist."),
    );

    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &id)])
        .await
        .ok();
    assert!(groups(&describe(&srv, &[("SecurityGroupId", &id)]).await).is_empty());
    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &id)])
        .await
        .err(
            404,
            "InvalidSecurityGroup.NotFound",
            Some("The specified security group is not found."),
        );
}

#[tokio::test]
async fn create_errors() {
    let srv = TestServer::start().await;
    let e = |params: &'static [(&'static str, &'static str)]| {
        let srv = &srv;
        async move { srv.call("CreateSecurityGroup", params).await }
    };
    e(&[("VpcId", "vpc-bp1nothere00000000000")]).await.err(
        404,
        "InvalidVpcId.NotFound",
        Some("Specified VPC does not exist."),
    );
    // A VPC of another region is not found either.
    e(&[("VpcId", "vpc-uf6demo0000000000001")])
        .await
        .err(404, "InvalidVpcId.NotFound", None);
    e(&[("SecurityGroupName", "x")])
        .await
        .err(400, "InvalidSecurityGroupName.Malformed", None);
    e(&[("SecurityGroupName", "http://web")]).await.err(
        400,
        "InvalidSecurityGroupName.Malformed",
        None,
    );
    e(&[("Description", "x")])
        .await
        .err(400, "InvalidDescription.Malformed", None);
    e(&[("SecurityGroupType", "special")]).await.err(
        400,
        "InvalidParameter.SecurityGroupType",
        None,
    );
    srv.rpc("CreateSecurityGroup")
        .region(None)
        .send()
        .await
        .err(400, "MissingRegionId", None);
    srv.rpc("CreateSecurityGroup")
        .region(Some("xx-nowhere-1"))
        .send()
        .await
        .err(404, "InvalidRegionId.NotFound", None);
    let ent = create(&srv, &[("SecurityGroupType", "enterprise"), ("VpcId", VPC)]).await;
    let attr = srv
        .call(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &ent)],
        )
        .await
        .ok();
    assert_eq!(attr["InnerAccessPolicy"], "Drop");
}

#[tokio::test]
async fn describe_filters_and_paging() {
    let srv = TestServer::start().await;
    let a = create(
        &srv,
        &[
            ("SecurityGroupName", "alpha"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "a"),
        ],
    )
    .await;
    let b = create(
        &srv,
        &[
            ("SecurityGroupName", "beta"),
            ("SecurityGroupType", "enterprise"),
        ],
    )
    .await;
    let all = describe(&srv, &[]).await;
    assert_eq!(
        all["TotalCount"], 3,
        "the fixture's group and two new ones: {all}"
    );
    let list = groups(&all);
    assert_eq!(list[0]["SecurityGroupId"], SG, "oldest first");
    // The fixture group's members are the account's instances that name it.
    let members = srv
        .call(
            "DescribeInstances",
            &[("SecurityGroupId", SG), ("PageSize", "100")],
        )
        .await
        .ok()["TotalCount"]
        .clone();
    assert_eq!(list[0]["EcsCount"], members);
    assert_eq!(list[0]["RuleCount"], 1);

    let ids = format!("[\"{a}\",\"{b}\",\"sg-bp1nothere0000000000\"]");
    assert_eq!(
        groups(&describe(&srv, &[("SecurityGroupIds", &ids)]).await).len(),
        2
    );
    let named = describe(&srv, &[("SecurityGroupName", "beta")]).await;
    assert_eq!(groups(&named)[0]["SecurityGroupId"], b.as_str());
    let typed = describe(&srv, &[("SecurityGroupType", "enterprise")]).await;
    assert_eq!(typed["TotalCount"], 1);
    let tagged = describe(&srv, &[("Tag.1.Key", "team"), ("Tag.1.Value", "a")]).await;
    assert_eq!(groups(&tagged)[0]["SecurityGroupId"], a.as_str());
    assert_eq!(
        describe(&srv, &[("Tag.1.Key", "team"), ("Tag.1.Value", "b")]).await["TotalCount"],
        0
    );
    assert_eq!(
        describe(&srv, &[("VpcId", "vpc-bp1other000000000000")]).await["TotalCount"],
        0
    );
    assert_eq!(describe(&srv, &[("VpcId", VPC)]).await["TotalCount"], 3);

    let p2 = describe(&srv, &[("PageSize", "2"), ("PageNumber", "2")]).await;
    assert_eq!(groups(&p2).len(), 1);
    assert_eq!(p2["TotalCount"], 3);

    let first = describe(&srv, &[("MaxResults", "2")]).await;
    assert_eq!(groups(&first).len(), 2);
    assert!(
        first.get("TotalCount").is_none(),
        "NextToken paging has no TotalCount"
    );
    let token = first["NextToken"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let second = describe(&srv, &[("MaxResults", "2"), ("NextToken", &token)]).await;
    assert_eq!(groups(&second).len(), 1);
    assert_eq!(second["NextToken"], "");

    srv.call("DescribeSecurityGroups", &[("NextToken", "garbage")])
        .await
        .err(
            400,
            "InValidParameter.NextToken",
            Some("The parameter NextToken is invalid."),
        );
    srv.call("DescribeSecurityGroups", &[("SecurityGroupIds", "sg-1")])
        .await
        .err(400, "InvalidSecurityGroupId.Malformed", None);
    srv.call("DescribeSecurityGroups", &[("SecurityGroupType", "x")])
        .await
        .err(400, "InvalidParameter.SecurityGroupType", None);

    // Another account sees none of these.
    let r = srv
        .rpc("DescribeSecurityGroups")
        .key("broke")
        .secret("broke")
        .p("SecurityGroupIds", &format!("[\"{a}\"]"))
        .send()
        .await
        .ok();
    assert_eq!(r["TotalCount"], 0);
}

#[tokio::test]
async fn describe_as_xml() {
    let srv = TestServer::start().await;
    let r = srv
        .rpc("DescribeSecurityGroups")
        .format(Some("XML"))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("<DescribeSecurityGroupsResponse>"),
        "{}",
        r.body
    );
    assert_eq!(xml_text(&r.body, "SecurityGroupId").as_deref(), Some(SG));
    assert_eq!(xml_text(&r.body, "TotalCount").as_deref(), Some("1"));
    let r = srv
        .rpc("DescribeSecurityGroupAttribute")
        .p("SecurityGroupId", SG)
        .format(Some("XML"))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<Permissions><Permission>"), "{}", r.body);
    assert_eq!(xml_text(&r.body, "PortRange").as_deref(), Some("22/22"));
}

#[tokio::test]
async fn rules_authorize_describe_revoke() {
    let srv = TestServer::start().await;
    let id = create(&srv, &[]).await;
    // The Permissions.N form, as Terraform creates rules.
    authorize(
        &srv,
        &id,
        &[
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "22/22"),
            ("Permissions.1.SourceCidrIp", "0.0.0.0/0"),
            ("Permissions.1.NicType", "intranet"),
            ("Permissions.1.Policy", "accept"),
            ("Permissions.1.Priority", "1"),
            ("Permissions.1.Description", "ssh"),
            ("Permissions.2.IpProtocol", "icmp"),
            ("Permissions.2.PortRange", "-1/-1"),
            ("Permissions.2.SourceCidrIp", "10.0.0.0/8"),
            ("Permissions.2.Policy", "drop"),
            ("Permissions.2.Priority", "100"),
        ],
    )
    .await
    .ok();
    // The deprecated flat form.
    authorize(
        &srv,
        &id,
        &[
            ("IpProtocol", "UDP"),
            ("PortRange", "53/53"),
            ("SourceCidrIp", "192.168.0.1"),
        ],
    )
    .await
    .ok();
    // An identical rule is accepted and not added twice.
    authorize(
        &srv,
        &id,
        &[
            ("IpProtocol", "TCP"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .ok();
    let ingress = rules(&srv, &id, "ingress").await;
    assert_eq!(ingress.len(), 3, "{ingress:?}");
    let ssh = &ingress[0];
    assert_eq!(ssh.as_object().unwrap().len(), 24);
    assert_eq!(ssh["IpProtocol"], "TCP");
    assert_eq!(ssh["PortRange"], "22/22");
    assert_eq!(ssh["SourceCidrIp"], "0.0.0.0/0");
    assert_eq!(ssh["Policy"], "Accept");
    assert_eq!(ssh["Priority"], 1);
    assert_eq!(ssh["NicType"], "intranet");
    assert_eq!(ssh["Direction"], "ingress");
    assert_eq!(ssh["Description"], "ssh");
    assert!(ssh["SecurityGroupRuleId"]
        .as_str()
        .unwrap()
        .starts_with("sgr-bp"));
    assert!(ssh["CreateTime"].as_str().unwrap().ends_with('Z'));
    assert_eq!(ingress[1]["Policy"], "Drop");
    assert_eq!(ingress[1]["Priority"], 100);

    // Egress.
    srv.call(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &id),
            ("Permissions.1.IpProtocol", "all"),
            ("Permissions.1.PortRange", "-1/-1"),
            ("Permissions.1.DestCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .ok();
    let egress = rules(&srv, &id, "egress").await;
    assert_eq!(egress.len(), 1);
    assert_eq!(
        (
            egress[0]["IpProtocol"].as_str(),
            egress[0]["DestCidrIp"].as_str()
        ),
        (Some("ALL"), Some("0.0.0.0/0"))
    );
    assert_eq!(rules(&srv, &id, "all").await.len(), 4);

    // Revoke with the flat form (as Terraform deletes), then a rule that does not
    // exist (success, nothing removed), then by rule id.
    srv.call(
        "RevokeSecurityGroup",
        &[
            ("SecurityGroupId", &id),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "0.0.0.0/0"),
            ("NicType", "intranet"),
            ("Policy", "accept"),
            ("Priority", "1"),
        ],
    )
    .await
    .ok();
    assert_eq!(rules(&srv, &id, "ingress").await.len(), 2);
    srv.call(
        "RevokeSecurityGroup",
        &[
            ("SecurityGroupId", &id),
            ("IpProtocol", "tcp"),
            ("PortRange", "80/80"),
            ("SourceCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .ok();
    assert_eq!(rules(&srv, &id, "ingress").await.len(), 2);
    let rule_id = rules(&srv, &id, "ingress").await[0]["SecurityGroupRuleId"]
        .as_str()
        .unwrap()
        .to_string();
    srv.call(
        "RevokeSecurityGroup",
        &[
            ("SecurityGroupId", &id),
            ("SecurityGroupRuleId.1", &rule_id),
        ],
    )
    .await
    .ok();
    assert_eq!(rules(&srv, &id, "ingress").await.len(), 1);
    srv.call(
        "RevokeSecurityGroup",
        &[
            ("SecurityGroupId", &id),
            ("SecurityGroupRuleId.1", "sgr-bp1nothere000000000"),
        ],
    )
    .await
    .err(403, "InvalidGroupAuthItem.NotFound", None);
    srv.call(
        "RevokeSecurityGroup",
        &[
            ("SecurityGroupId", &id),
            ("IpProtocol", "tcp"),
            ("PortRange", "0/99999"),
            ("SourceCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .err(400, "InvalidIpPortRange.Malformed", None);
    srv.call(
        "RevokeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &id),
            ("IpProtocol", "all"),
            ("PortRange", "-1/-1"),
            ("DestCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .ok();
    assert!(rules(&srv, &id, "egress").await.is_empty());
}

#[tokio::test]
async fn rule_errors() {
    let srv = TestServer::start().await;
    let id = create(&srv, &[]).await;
    let tcp = |extra: &'static [(&'static str, &'static str)]| {
        let mut v: Vec<(&str, &str)> = vec![
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "0.0.0.0/0"),
        ];
        for (k, val) in extra {
            v.retain(|(name, _)| name != k);
            v.push((k, val));
        }
        v
    };
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            tcp(&[("IpProtocol", "tcpx")]),
            400,
            "InvalidIpProtocol.ValueNotSupported",
        ),
        (
            tcp(&[("PortRange", "22")]),
            400,
            "InvalidIpProtocol.Malformed",
        ),
        (
            tcp(&[("PortRange", "100/20")]),
            400,
            "InvalidIpProtocol.Malformed",
        ),
        (tcp(&[("PortRange", "-1/-1")]), 400, "OperationDenied"),
        (
            tcp(&[("IpProtocol", "icmp"), ("PortRange", "22/22")]),
            400,
            "OperationDenied",
        ),
        (
            tcp(&[("SourceCidrIp", "10.0.0.0/33")]),
            400,
            "InvalidSourceCidrIp.Malformed",
        ),
        (tcp(&[("SourceCidrIp", "")]), 400, "MissingParameter.Source"),
        (tcp(&[("Policy", "maybe")]), 400, "InvalidPolicy.Malformed"),
        (
            tcp(&[("Priority", "0")]),
            400,
            "InvalidPriority.ValueNotSupported",
        ),
        (
            tcp(&[("NicType", "wifi")]),
            400,
            "InvalidNicType.ValueNotSupported",
        ),
        (
            tcp(&[
                ("SourceCidrIp", ""),
                ("SourceGroupId", "sg-bp1nothere0000000000"),
            ]),
            404,
            "InvalidSourceGroupId.NotFound",
        ),
    ];
    for (params, status, code) in cases {
        authorize(&srv, &id, &params).await.err(status, code, None);
    }
    authorize(&srv, "sg-bp1nothere0000000000", &tcp(&[]))
        .await
        .err(404, "InvalidSecurityGroupId.NotFound", None);
    srv.call(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &id),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
        ],
    )
    .await
    .err(400, "MissingParameter.Dest", None);
    srv.call(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &id),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("DestGroupId", "sg-bp1nothere0000000000"),
        ],
    )
    .await
    .err(404, "InvalidDestGroupId.NotFound", None);
    srv.call(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &id),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("DestCidrIp", "1.2.3"),
        ],
    )
    .await
    .err(400, "InvalidDestCidrIp.Malformed", None);
    // Nothing was added by the refused requests.
    assert!(rules(&srv, &id, "all").await.is_empty());

    // 200 rules per group.
    let ports: Vec<String> = (1..=201).map(|n| format!("{n}/{n}")).collect();
    for chunk in [0..100, 100..200] {
        let mut p: Vec<(String, String)> = vec![("SecurityGroupId".into(), id.clone())];
        for (i, n) in chunk.enumerate() {
            let k = i + 1;
            p.push((format!("Permissions.{k}.IpProtocol"), "tcp".into()));
            p.push((format!("Permissions.{k}.PortRange"), ports[n].clone()));
            p.push((format!("Permissions.{k}.SourceCidrIp"), "0.0.0.0/0".into()));
        }
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        srv.call("AuthorizeSecurityGroup", &refs).await.ok();
    }
    authorize(&srv, &id, &tcp(&[("PortRange", "201/201")]))
        .await
        .err(403, "AuthorizationLimitExceed", None);
}

#[tokio::test]
async fn attribute_errors() {
    let srv = TestServer::start().await;
    srv.call(
        "DescribeSecurityGroupAttribute",
        &[("SecurityGroupId", "sg-bp1nothere0000000000")],
    )
    .await
    .err(
        404,
        "InvalidSecurityGroupId.NotFound",
        Some("The specified SecurityGroupId does not exist."),
    );
    srv.call(
        "DescribeSecurityGroupAttribute",
        &[("SecurityGroupId", SG), ("NicType", "x")],
    )
    .await
    .err(400, "InvalidNicType.ValueNotSupported", None);
    srv.call(
        "DescribeSecurityGroupAttribute",
        &[("SecurityGroupId", SG), ("Attribute", "x")],
    )
    .await
    .err(400, "InvalidParameter.AttributeNotSupported", None);
    let body = srv
        .call("DescribeSecurityGroupAttribute", &[("SecurityGroupId", SG)])
        .await
        .ok();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "Description",
            "RequestId",
            "SecurityGroupName",
            "VpcId",
            "SecurityGroupId",
            "Permissions",
            "InnerAccessPolicy",
            "RegionId"
        ]
    );
    assert_eq!(body["InnerAccessPolicy"], "Accept");
    // Shanghai's group is not in Hangzhou.
    srv.call(
        "DescribeSecurityGroupAttribute",
        &[("SecurityGroupId", "sg-uf6demo00000000000001")],
    )
    .await
    .err(404, "InvalidSecurityGroupId.NotFound", None);
}

#[tokio::test]
async fn join_and_leave() {
    let srv = TestServer::start().await;
    let a = create(&srv, &[]).await;
    srv.call(
        "JoinSecurityGroup",
        &[("SecurityGroupId", &a), ("InstanceId", STOPPED)],
    )
    .await
    .ok();
    assert_eq!(
        instance_groups(&attribute(&srv, STOPPED).await),
        [SG, a.as_str()]
    );
    let g = &groups(&describe(&srv, &[("SecurityGroupId", &a)]).await)[0];
    assert_eq!(g["EcsCount"], 1);
    srv.call(
        "JoinSecurityGroup",
        &[("SecurityGroupId", &a), ("InstanceId", STOPPED)],
    )
    .await
    .err(403, "InvalidInstanceId.AlreadyExists", None);
    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
        .await
        .err(
            403,
            "DependencyViolation",
            Some("There is still instance(s) in the specified security group."),
        );
    srv.call(
        "LeaveSecurityGroup",
        &[("SecurityGroupId", &a), ("InstanceId", STOPPED)],
    )
    .await
    .ok();
    assert_eq!(instance_groups(&attribute(&srv, STOPPED).await), [SG]);
    srv.call(
        "LeaveSecurityGroup",
        &[("SecurityGroupId", &a), ("InstanceId", STOPPED)],
    )
    .await
    .err(403, "InstanceNotInSecurityGroup", None);
    srv.call(
        "LeaveSecurityGroup",
        &[("SecurityGroupId", SG), ("InstanceId", STOPPED)],
    )
    .await
    .err(403, "InstanceLastSecurityGroup", None);
    srv.call(
        "JoinSecurityGroup",
        &[
            ("SecurityGroupId", &a),
            ("InstanceId", "i-bp1starting000000001"),
        ],
    )
    .await
    .err(403, "IncorrectInstanceStatus", None);
    srv.call(
        "JoinSecurityGroup",
        &[
            ("SecurityGroupId", &a),
            ("InstanceId", "i-bp1seclock0000000001"),
        ],
    )
    .await
    .err(403, "InstanceLockedForSecurity", None);
    srv.call(
        "JoinSecurityGroup",
        &[
            ("SecurityGroupId", &a),
            ("InstanceId", "i-bp1nothere0000000000"),
        ],
    )
    .await
    .err(404, "InvalidInstanceId.NotFound", None);
    srv.call(
        "JoinSecurityGroup",
        &[
            ("SecurityGroupId", "sg-bp1nothere0000000000"),
            ("InstanceId", STOPPED),
        ],
    )
    .await
    .err(404, "InvalidSecurityGroupId.NotFound", None);
    srv.call("JoinSecurityGroup", &[("SecurityGroupId", &a)])
        .await
        .err(400, "MissingInstanceId", None);
    // Five groups at most.
    for _ in 0..4 {
        let g = create(&srv, &[]).await;
        srv.call(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &g), ("InstanceId", STOPPED)],
        )
        .await
        .ok();
    }
    srv.call(
        "JoinSecurityGroup",
        &[("SecurityGroupId", &a), ("InstanceId", STOPPED)],
    )
    .await
    .err(400, "InstanceSecurityGroupLimitExceeded", None);
}

/// The default fixtures plus a second VPC in Hangzhou with a vSwitch in zone h.
fn two_vpcs() -> ecs_mock::ecs::catalog::Fixture {
    let mut f = default_fixture();
    f.vpcs.push(Vpc {
        vpc_id: "vpc-bp1other000000000001".into(),
        region_id: "cn-hangzhou".into(),
        cidr_block: "10.0.0.0/8".into(),
        account_id: String::new(),
        is_default: false,
    });
    f.vswitches.push(VSwitch {
        vswitch_id: "vsw-bp1other00000000001h".into(),
        zone_id: "cn-hangzhou-h".into(),
        vpc_id: "vpc-bp1other000000000001".into(),
        cidr_block: "10.1.0.0/30".into(),
        account_id: String::new(),
        is_default: false,
    });
    f
}

#[tokio::test]
async fn vpc_mismatches() {
    let srv = TestServer::builder().fixture(two_vpcs()).start().await;
    let other = create(&srv, &[("VpcId", "vpc-bp1other000000000001")]).await;
    srv.call(
        "JoinSecurityGroup",
        &[("SecurityGroupId", &other), ("InstanceId", STOPPED)],
    )
    .await
    .err(
        400,
        "InvalidInstanceId.Mismatch",
        Some("Specified instance and security group are not in the same VPC."),
    );
    run(&srv, &[("VSwitchId", VSW_H), ("SecurityGroupId", &other)])
        .await
        .err(
            400,
            "InvalidParameter.Mismatch",
            Some("Specified security group and virtual switch are not in the same VPC."),
        );
    run(
        &srv,
        &[("SecurityGroupIds.1", SG), ("SecurityGroupIds.2", &other)],
    )
    .await
    .err(400, "InvalidSecurityGroup.VpcMismatch", None);
    // A source group of another VPC.
    authorize(
        &srv,
        SG,
        &[
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceGroupId", &other),
        ],
    )
    .await
    .err(400, "InvalidSourceGroupId.Mismatch", None);
    // Without VSwitchId, a group of the other VPC picks that VPC's vSwitch in the zone.
    let body = run(
        &srv,
        &[("ZoneId", "cn-hangzhou-h"), ("SecurityGroupId", &other)],
    )
    .await
    .ok();
    let id = &run_ids(&body)[0];
    let attr = attribute(&srv, id).await;
    assert_eq!(
        attr["VpcAttributes"]["VSwitchId"],
        "vsw-bp1other00000000001h"
    );
    assert_eq!(
        attr["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0],
        "10.1.0.0"
    );
    // A /30 holds four addresses: three are left, four are asked for.
    run(
        &srv,
        &[
            ("VSwitchId", "vsw-bp1other00000000001h"),
            ("SecurityGroupId", &other),
            ("Amount", "4"),
        ],
    )
    .await
    .err(400, "InvalidVSwitchId.IpNotEnough", None);
    // In a zone where the other VPC has no vSwitch.
    run(
        &srv,
        &[("ZoneId", "cn-hangzhou-i"), ("SecurityGroupId", &other)],
    )
    .await
    .err(400, "InvalidVSwitchId.Necessary", None);
}

#[tokio::test]
async fn run_instances_checks_the_network() {
    let srv = TestServer::start().await;
    run(&srv, &[("VSwitchId", "vsw-bp1nothere000000000000")])
        .await
        .err(
            404,
            "InvalidVSwitchId.NotFound",
            Some("Specified virtual switch does not exist."),
        );
    run(&srv, &[("VSwitchId", "vsw-uf6demo000000000001l")])
        .await
        .err(404, "InvalidVSwitchId.NotFound", None);
    run(&srv, &[("VSwitchId", VSW_I), ("ZoneId", "cn-hangzhou-h")])
        .await
        .err(
            400,
            "InvalidParameter.Mismatch",
            Some("Specified virtual switch is not in the specified zone."),
        );
    run(&srv, &[("SecurityGroupId", "sg-bp1nothere0000000000")])
        .await
        .err(
            404,
            "InvalidSecurityGroupId.NotFound",
            Some("The SecurityGroupId provided does not exist in our records."),
        );
    run(&srv, &[("SecurityGroupId", SG), ("SecurityGroupIds.1", SG)])
        .await
        .err(
            400,
            "InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
            None,
        );
    run(
        &srv,
        &[("SecurityGroupIds.1", SG), ("SecurityGroupIds.2", SG)],
    )
    .await
    .err(400, "InvalidParameter.SecurityGroupIdRepeated", None);
    let six = [
        ("SecurityGroupIds.1", "sg-1"),
        ("SecurityGroupIds.2", "sg-2"),
        ("SecurityGroupIds.3", "sg-3"),
        ("SecurityGroupIds.4", "sg-4"),
        ("SecurityGroupIds.5", "sg-5"),
        ("SecurityGroupIds.6", "sg-6"),
    ];
    run(&srv, &six)
        .await
        .err(400, "JoinedGroupLimitExceed", None);
    // Another account's group is not found.
    srv.rpc("RunInstances")
        .key("broke")
        .secret("broke")
        .p("ImageId", IMAGE)
        .p("InstanceType", "ecs.g7.large")
        .p("SecurityGroupId", &create(&srv, &[]).await)
        .send()
        .await
        .err(404, "InvalidSecurityGroupId.NotFound", None);
}

#[tokio::test]
async fn run_into_a_vswitch_with_a_group() {
    let srv = TestServer::start().await;
    let g = create(&srv, &[("SecurityGroupName", "app")]).await;
    // VSwitchId without ZoneId: the vSwitch's zone.
    let body = run(
        &srv,
        &[
            ("VSwitchId", VSW_I),
            ("SecurityGroupIds.1", &g),
            ("Amount", "2"),
        ],
    )
    .await
    .ok();
    let ids = run_ids(&body);
    let mut addresses = Vec::new();
    for id in &ids {
        let attr = attribute(&srv, id).await;
        assert_eq!(attr["ZoneId"], "cn-hangzhou-i");
        assert_eq!(attr["VpcAttributes"]["VpcId"], VPC);
        assert_eq!(attr["VpcAttributes"]["VSwitchId"], VSW_I);
        assert_eq!(instance_groups(&attr), [g.as_str()]);
        let ip = attr["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
            .as_str()
            .unwrap()
            .to_string();
        assert!(ip.starts_with("172.16.2."), "from the vSwitch block: {ip}");
        addresses.push(ip);
    }
    assert_ne!(addresses[0], addresses[1], "unique within the vSwitch");
    // Zone h's vSwitch already holds fixture instances up to 172.16.1.29.
    let body = run(&srv, &[("ZoneId", "cn-hangzhou-h")]).await.ok();
    let attr = attribute(&srv, &run_ids(&body)[0]).await;
    assert_eq!(
        attr["VpcAttributes"]["VSwitchId"], VSW_H,
        "the zone's default vSwitch"
    );
    assert_eq!(
        attr["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0],
        "172.16.1.30"
    );
    assert_eq!(instance_groups(&attr), [SG], "the region's default group");
    let filtered = srv
        .call("DescribeInstances", &[("SecurityGroupId", &g)])
        .await
        .ok();
    assert_eq!(filtered["TotalCount"], 2);

    // The group cannot go while its instances are there; it can once they are gone.
    assert_eq!(
        groups(&describe(&srv, &[("SecurityGroupId", &g)]).await)[0]["EcsCount"],
        2
    );
    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &g)])
        .await
        .err(403, "DependencyViolation", None);
    srv.advance(10 * STEP_MS);
    for id in &ids {
        srv.call("DeleteInstance", &[("InstanceId", id), ("Force", "true")])
            .await
            .ok();
    }
    srv.advance(10 * STEP_MS);
    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &g)])
        .await
        .ok();
}

#[tokio::test]
async fn delete_refused_while_another_group_refers_to_it() {
    let srv = TestServer::start().await;
    let a = create(&srv, &[]).await;
    authorize(
        &srv,
        SG,
        &[
            ("IpProtocol", "tcp"),
            ("PortRange", "80/80"),
            ("SourceGroupId", &a),
        ],
    )
    .await
    .ok();
    let r = rules(&srv, SG, "ingress").await;
    assert!(r.iter().any(|p| p["SourceGroupId"] == a.as_str()), "{r:?}");
    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
        .await
        .err(
            403,
            "DependencyViolation",
            Some("The specified security group has been authorized in another one."),
        );
    srv.call(
        "RevokeSecurityGroup",
        &[
            ("SecurityGroupId", SG),
            ("IpProtocol", "tcp"),
            ("PortRange", "80/80"),
            ("SourceGroupId", &a),
        ],
    )
    .await
    .ok();
    srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
        .await
        .ok();
}

#[tokio::test]
async fn a_new_account_gets_a_default_group_on_first_use() {
    let srv = TestServer::start().await;
    let acc = srv.new_account(json!({})).await;
    let none = srv.rpc_as(&acc, "DescribeSecurityGroups").send().await.ok();
    assert_eq!(none["TotalCount"], 0);
    let body = srv
        .rpc_as(&acc, "RunInstances")
        .p("ImageId", IMAGE)
        .p("InstanceType", "ecs.g7.large")
        .send()
        .await
        .ok();
    assert_eq!(run_ids(&body).len(), 1);
    let listed = srv.rpc_as(&acc, "DescribeSecurityGroups").send().await.ok();
    assert_eq!(listed["TotalCount"], 1);
    let g = &groups(&listed)[0];
    assert_eq!(g["SecurityGroupName"], "default");
    assert_eq!(g["VpcId"], VPC);
    assert_eq!(g["EcsCount"], 1);
}

#[tokio::test]
async fn state_dump_and_implied_resources() {
    let srv = TestServer::start().await;
    let g = create(&srv, &[("SecurityGroupName", "kept")]).await;
    let state = srv.state().await;
    assert_eq!(state["Vpcs"].as_array().unwrap().len(), 2);
    assert_eq!(state["VSwitches"].as_array().unwrap().len(), 3);
    let sgs = state["SecurityGroups"].as_array().unwrap();
    assert!(sgs.iter().any(|s| s["SecurityGroupId"] == g.as_str()));
    // Accounts 2 and 3 have instances naming the fixture group: each has it.
    assert!(sgs
        .iter()
        .any(|s| s["SecurityGroupId"] == SG && s["AccountId"] == "1000000000000002"));
    // The dump loads back.
    let doc = serde_json::to_string(&state).unwrap();
    srv.load_state(&doc).await;
    assert_eq!(
        describe(&srv, &[("SecurityGroupId", &g)]).await["TotalCount"],
        1
    );

    // A pasted instance naming a VPC, vSwitch and group the document lacks.
    let mut doc = state.clone();
    for key in ["Vpcs", "VSwitches", "SecurityGroups"] {
        doc.as_object_mut().unwrap().remove(key);
    }
    let inst = doc["Instances"][0].clone();
    let mut inst = inst;
    inst["InstanceId"] = json!("i-bp1pasted000000000001");
    inst["VpcAttributes"]["VpcId"] = json!("vpc-bp1pasted00000000001");
    inst["VpcAttributes"]["VSwitchId"] = json!("vsw-bp1pasted0000000001h");
    inst["VpcAttributes"]["PrivateIpAddress"]["IpAddress"] = json!(["192.168.7.9"]);
    inst["SecurityGroupIds"]["SecurityGroupId"] = json!(["sg-bp1pasted000000000001"]);
    doc["Instances"].as_array_mut().unwrap().push(inst);
    let r = srv.load_state(&serde_json::to_string(&doc).unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let state = srv.state().await;
    let vsw = state["VSwitches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["VSwitchId"] == "vsw-bp1pasted0000000001h")
        .cloned()
        .expect("the implied vSwitch");
    assert_eq!(vsw["CidrBlock"], "192.168.7.0/24");
    assert_eq!(vsw["VpcId"], "vpc-bp1pasted00000000001");
    let implied = describe(&srv, &[("SecurityGroupId", "sg-bp1pasted000000000001")]).await;
    assert_eq!(groups(&implied)[0]["EcsCount"], 1);
    assert_eq!(groups(&implied)[0]["VpcId"], "vpc-bp1pasted00000000001");
}

#[tokio::test]
async fn groups_survive_a_restart_and_addresses_stay_unique() {
    let dir = crate::binary::temp_dir("persist-sg");
    let (before, kept, first_ip) = {
        let srv = TestServer::builder().data_dir(&dir).start().await;
        let kept = create(&srv, &[("SecurityGroupName", "kept")]).await;
        let gone = create(&srv, &[("SecurityGroupName", "gone")]).await;
        authorize(
            &srv,
            &kept,
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "443/443"),
                ("SourceCidrIp", "0.0.0.0/0"),
            ],
        )
        .await
        .ok();
        srv.call("DeleteSecurityGroup", &[("SecurityGroupId", &gone)])
            .await
            .ok();
        let body = run(&srv, &[("VSwitchId", VSW_I), ("SecurityGroupId", &kept)])
            .await
            .ok();
        let attr = attribute(&srv, &run_ids(&body)[0]).await;
        let ip = attr["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0].clone();
        (srv.state().await, kept, ip)
    };
    let srv = TestServer::builder().data_dir(&dir).start().await;
    let after = srv.state().await;
    assert_eq!(after["SecurityGroups"], before["SecurityGroups"]);
    assert_eq!(rules(&srv, &kept, "ingress").await.len(), 1);
    let body = run(&srv, &[("VSwitchId", VSW_I), ("SecurityGroupId", &kept)])
        .await
        .ok();
    let attr = attribute(&srv, &run_ids(&body)[0]).await;
    assert_ne!(
        attr["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0],
        first_ip
    );
}

#[tokio::test]
async fn removing_an_account_removes_its_groups() {
    let srv = TestServer::start().await;
    let acc = srv.new_account(json!({})).await;
    srv.rpc_as(&acc, "CreateSecurityGroup").send().await.ok();
    let owned = |state: &Value| {
        state["SecurityGroups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["AccountId"] == acc.account_id.as_str())
            .count()
    };
    assert_eq!(owned(&srv.state().await), 1);
    srv.control_ok(
        "DELETE",
        &format!("/_mock/accounts/{}", acc.account_id),
        None,
    )
    .await;
    assert_eq!(owned(&srv.state().await), 0);
}
