//! What a new instance looks like: ids, names (`[begin,bits]` sequences), network
//! attributes, disks (built by [`InstanceDisks`](crate::ecs::disk_specs::InstanceDisks)) and the scheduled Pending → … transition.

use serde_json::{json, Map};

use crate::clock::Millis;
use crate::ecs::create::RunInstances;
use crate::ecs::ids::new_id;
use crate::ecs::model::{
    ChargeType, EcsTime, Instance, OperationLocks, Status, Step, StoppedMode, Tags,
};
use crate::ecs::security_groups::RunNetwork;
use crate::ecs::stop::economical_mode_possible;
use crate::ecs::stored::Stored;
use crate::ecs::sym::Sym;
use crate::ecs::Ctx;
use crate::random::Stream;

impl RunInstances {
    /// The `n`-th name from a template: the `[begin,bits]` syntax, else `UniqueSuffix`.
    fn numbered(&self, template: &str, n: u64) -> String {
        let name = sequence_name(template, n);
        if self.unique_suffix && name == template {
            format!("{template}{:03}", n + 1)
        } else {
            name
        }
    }

    /// The `n`-th new instance, with the fresh `id`. `local_storage`: the type has local
    /// disks (no economical mode, so a created instance stops as `Not-applicable`).
    /// `net` and `private_ip`: its vSwitch, groups and address.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        &self,
        ctx: &Ctx<'_>,
        id: String,
        region: &str,
        zone: &str,
        n: u64,
        local_storage: bool,
        net: &RunNetwork,
        private_ip: &str,
    ) -> Instance {
        let economical =
            economical_mode_possible(self.charge_type, self.spot_strategy, local_storage);
        let stopped_mode = if economical {
            StoppedMode::KeepCharging
        } else {
            StoppedMode::NotApplicable
        };
        let now = ctx.now;
        let windows = self.image_id.starts_with("win");
        // The real default host name: `iZ` + the id without `i-` + `Z`; Windows host
        // names are cut to 15 characters (the last 12 of the id). An unnamed instance is
        // named like its default host name.
        let default_host = if windows {
            format!("iZ{}Z", &id[id.len().saturating_sub(12)..])
        } else {
            format!("iZ{}Z", &id[2..])
        };
        let name = self
            .name
            .as_deref()
            .map_or_else(|| default_host.clone(), |t| self.numbered(t, n));
        let host = self
            .host_name
            .as_deref()
            .map_or(default_host, |t| self.numbered(t, n));
        let mut octets = [0u8; 2];
        ctx.random
            .with(Stream::Resources, |rng| rng.fill_bytes(&mut octets));
        let mut extra = Map::new();
        extra.insert("ImageId".into(), json!(self.image_id));
        extra.insert("HostName".into(), json!(host));
        extra.insert("Description".into(), json!(self.description));
        if let Some(data) = &self.user_data {
            extra.insert("UserData".into(), json!(data));
        }
        extra.insert(
            "OSType".into(),
            json!(if windows { "windows" } else { "linux" }),
        );
        extra.insert(
            "SerialNumber".into(),
            json!(ctx.random.uuid(Stream::Resources).to_string()),
        );
        extra.insert("InternetMaxBandwidthOut".into(), json!(self.bandwidth_out));
        if let Some(k) = &self.key_pair_name {
            extra.insert("KeyPairName".into(), json!(k));
        }
        extra.insert(
            "SecurityGroupIds".into(),
            json!({ "SecurityGroupId": net.groups }),
        );
        let public: Vec<String> = if self.bandwidth_out > 0 {
            vec![format!("47.98.{}.{}", octets[1], octets[0].max(2))]
        } else {
            Vec::new()
        };
        extra.insert("PublicIpAddress".into(), json!({ "IpAddress": public }));
        extra.insert(
            "VpcAttributes".into(),
            json!({
                "VpcId": net.vpc_id,
                "VSwitchId": net.vswitch_id,
                "NatIpAddress": "",
                "PrivateIpAddress": {"IpAddress": [private_ip]}
            }),
        );
        extra.insert(
            "NetworkInterfaces".into(),
            json!({"NetworkInterface": [{
                "NetworkInterfaceId": new_id(ctx.random, "eni", region),
                "MacAddress": format!("00:16:3e:{:02x}:{:02x}:{:02x}", octets[0], octets[1], n as u8),
                "PrimaryIpAddress": private_ip,
                "Type": "Primary",
                "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": private_ip, "Primary": true}]}
            }]}),
        );
        let (status_after_pending, phases): (Status, Vec<(Millis, Step)>) = if self.create_only {
            (
                Status::Stopped,
                vec![(ctx.timing.pending, Step::StoppedAs(stopped_mode))],
            )
        } else {
            (
                Status::Running,
                vec![
                    (ctx.timing.pending, Step::Status(Status::Starting)),
                    (ctx.timing.starting, Step::Status(Status::Running)),
                ],
            )
        };
        let mut inst = Instance {
            instance_id: Sym::unshared(&id),
            account_id: ctx.caller.account_id.as_str().into(),
            region_id: region.into(),
            zone_id: zone.into(),
            instance_type: self.instance_type.as_str().into(),
            status: Status::Pending,
            instance_charge_type: self.charge_type,
            stopped_mode: StoppedMode::NotApplicable,
            instance_name: name,
            creation_time: Some(EcsTime(now)),
            start_time: (status_after_pending == Status::Running)
                .then_some(EcsTime(now + ctx.timing.pending)),
            expired_time: (self.charge_type == ChargeType::PrePaid)
                .then(|| EcsTime(now + self.period_months.max(1) * 30 * 86_400_000)),
            spot_strategy: self.spot_strategy,
            spot_price_limit: self.spot_price_limit,
            deletion_protection: self.deletion_protection,
            operation_locks: OperationLocks::default(),
            tags: Tags {
                tag: self.tags.clone(),
            },
            mock_disks: self.disks.build(ctx, region),
            mock_stuck: false,
            mock_transitions: Vec::new(),
            extra: Stored::from_fields(extra),
            seq: 0,
        };
        inst.transition(now, Status::Pending, &phases);
        inst
    }
}

/// Apply the `[begin,bits]` sequence syntax of InstanceName/HostName for the `n`-th
/// instance (`web-[1,3]` → `web-001`, `web-002`, …). Without the syntax the name is
/// used as is.
pub fn sequence_name(template: &str, n: u64) -> String {
    let parsed = template.find('[').and_then(|open| {
        let close = open + template[open..].find(']')?;
        let (begin, bits) = template[open + 1..close].split_once(',')?;
        let begin: u64 = begin.trim().parse().ok()?;
        let bits: usize = bits.trim().parse().ok()?;
        (bits <= 8).then_some((open, close, begin, bits))
    });
    match parsed {
        Some((open, close, begin, bits)) => format!(
            "{}{:0width$}{}",
            &template[..open],
            begin + n,
            &template[close + 1..],
            width = bits
        ),
        None => template.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_names() {
        assert_eq!(sequence_name("web-[1,3]", 0), "web-001");
        assert_eq!(sequence_name("web-[1,3]-prod", 11), "web-012-prod");
        assert_eq!(sequence_name("plain", 4), "plain");
        assert_eq!(sequence_name("broken-[x,3]", 1), "broken-[x,3]");
    }
}
