//! Property test: arbitrary parameter maps, fed to every action through the gateway's
//! own pipeline (signed, authenticated, parsed, applied), never panic and never answer a 5xx; the world stays
//! consistent enough to dump and reload afterwards.

use proptest::prelude::*;

use crate::ecs::action::Action;
use crate::ecs::testkit::Kit;
use crate::ecs::world::World;
use crate::params::Params;

/// Parameter names the actions read, plus some they do not.
const NAMES: &[&str] = &[
    "Amount",
    "ClientToken",
    "DeletionProtection",
    "Description",
    "DryRun",
    "Force",
    "ForceReboot",
    "ForceStop",
    "HostName",
    "InitLocalDisk",
    "InstanceChargeType",
    "InstanceId",
    "InstanceId.1",
    "InstanceId.2",
    "InstanceId.101",
    "InstanceIds",
    "InstanceName",
    "InstanceType",
    "InstanceTypeFamily",
    "InternetMaxBandwidthOut",
    "MaxResults",
    "MinAmount",
    "NextToken",
    "PageNumber",
    "PageSize",
    "Period",
    "PeriodUnit",
    "RegionId",
    "SecurityGroupId",
    "SecurityGroupIds",
    "SpotPriceLimit",
    "SpotStrategy",
    "Status",
    "StoppedMode",
    "TerminateSubscription",
    "UniqueSuffix",
    "VSwitchId",
    "Verbose",
    "ZoneId",
    "ImageId",
    "BatchOptimization",
    "Tag.1.Key",
    "Tag.1.Value",
    "Tag.21.Key",
    "LockReason",
    "AcceptLanguage",
    "ResourceType",
    "Unknown",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("i-bp1stopped0000000001".to_string()),
        Just("i-bp1running0000000001".to_string()),
        Just("[\"i-bp1stopped0000000001\",\"i-bp1running0000000001\"]".to_string()),
        Just("[\"i-bp1".to_string()),
        Just("cn-hangzhou".to_string()),
        Just("cn-hangzhou-h".to_string()),
        Just("ecs.g7.large".to_string()),
        Just("aliyun_3_x64_20G_alibase_20250101.vhd".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        Just("1e309".to_string()),
        Just("NaN".to_string()),
        Just("*".repeat(300)),
        "[0-9]{1,5}",
        "\\PC{0,24}",
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop::sample::select(NAMES).prop_map(str::to_string),
            value(),
        ),
        0..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn any_parameters_on_any_action_answer_cleanly(
        action in prop::sample::select(Action::ALL),
        pairs in params(),
        second in prop::sample::select(Action::ALL),
        pairs2 in params(),
    ) {
        let mut kit = Kit::new();
        for (action, pairs) in [(action, pairs), (second, pairs2)] {
            let outcome = kit.apply("1000000000000001", action, &Params::from_pairs(pairs));
            if let Err(e) = outcome {
                prop_assert!(e.status < 500, "{} answered {} {}", action.as_str(), e.status, e.error.code);
                // The kit signs every request: a refusal is the action's, never the
                // signature check's.
                prop_assert!(
                    !matches!(e.error.code.as_ref(), "SignatureDoesNotMatch" | "IncompleteSignature" | "SignatureNonceUsed"),
                    "{} refused at auth: {}",
                    action.as_str(),
                    e.error.message
                );
            }
            kit.advance(1_500);
        }
        // The state still dumps and loads back.
        let dumped = kit.with_world(|w| w.to_fixture());
        let reloaded = World::from_fixture(&dumped, kit.now(), &kit.timing());
        prop_assert_eq!(reloaded.to_fixture().instances.len(), dumped.instances.len());
    }
}
