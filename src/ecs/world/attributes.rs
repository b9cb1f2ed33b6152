//! The world's side of instance attributes: public IP addresses handed out without
//! clashing with any instance's, and an instance-type change that moves stock and quota
//! in one step.

use std::collections::HashSet;

use super::World;
use crate::ecs::capacity::Placement;
use crate::ecs::sym::Sym;
use crate::error::ApiResult;
use crate::random::{Random, Stream};

/// The range AllocatePublicIpAddress draws from: `47.96.0.0/15` (RunInstances gives
/// `47.98.x.x` addresses, so the two never meet).
const FIRST_OCTETS: [u8; 2] = [47, 96];

/// Draws before the allocator walks the range in order for a free address.
const RANDOM_TRIES: usize = 64;

/// Every address an instance shows: `PublicIpAddress.IpAddress[]` and a bound
/// `EipAddress.IpAddress`.
fn addresses_of(inst: &crate::ecs::model::Instance) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = inst.extra.get("PublicIpAddress") {
        if let Some(list) = v.get("IpAddress").and_then(|l| l.as_array()) {
            out.extend(list.iter().filter_map(|a| a.as_str()).map(str::to_string));
        }
    }
    if let Some(ip) = inst.extra.get("EipAddress").and_then(|v| {
        v.get("IpAddress")
            .and_then(|a| a.as_str().map(str::to_string))
    }) {
        if !ip.is_empty() {
            out.push(ip);
        }
    }
    out
}

impl World {
    /// The set of addresses in use, gathered from every instance the first time it is
    /// needed (so a world that never allocates pays nothing) and kept in step by
    /// [`World::claim_public_ip`].
    fn public_ips(&mut self) -> &mut HashSet<Box<str>> {
        if self.public_ips.is_none() {
            let set = self
                .instances
                .values()
                .flat_map(|i| addresses_of(i))
                .map(String::into_boxed_str)
                .collect();
            self.public_ips = Some(set);
        }
        self.public_ips.get_or_insert_with(HashSet::new)
    }

    /// Whether any instance shows `ip` (a full look, for an address a caller names).
    pub fn public_ip_in_use(&mut self, ip: &str) -> bool {
        self.public_ips().contains(ip)
            || self
                .instances
                .values()
                .any(|i| addresses_of(i).iter().any(|a| a == ip))
    }

    /// A free address of `47.96.0.0/15`, drawn from the emulator's randomness (seeded
    /// runs give the same addresses), or `None` when the range is used up.
    pub fn free_public_ip(&mut self, random: &Random) -> Option<String> {
        let used = self.public_ips();
        let format = |n: u32| {
            format!(
                "{}.{}.{}.{}",
                FIRST_OCTETS[0],
                FIRST_OCTETS[1] + (n >> 16) as u8,
                (n >> 8) & 0xFF,
                n & 0xFF
            )
        };
        // Host parts 1..=254 of each /24: no network or broadcast-looking addresses.
        let usable = |n: u32| !matches!(n & 0xFF, 0 | 255);
        for _ in 0..RANDOM_TRIES {
            let n = random.with(Stream::Resources, |rng| rng.next_u32()) & 0x1_FFFF;
            if usable(n) && !used.contains(format(n).as_str()) {
                return Some(format(n));
            }
        }
        (0..0x2_0000u32)
            .filter(|&n| usable(n))
            .map(format)
            .find(|ip| !used.contains(ip.as_str()))
    }

    /// Record that `ip` now belongs to an instance.
    pub fn claim_public_ip(&mut self, ip: &str) {
        self.public_ips().insert(ip.into());
    }

    /// Change a checked instance's type to `new_type`: its stock and quota move from the
    /// old type to the new one in one step, refused with the capacity check's
    /// `OperationDenied.NoStock` / `QuotaExceed.ElasticQuota` (nothing changes then).
    /// An instance that holds no resources (economical mode) only has the new type
    /// checked; it takes it when it starts. `dry_run` checks without changing anything.
    pub fn change_instance_type(
        &mut self,
        id: &str,
        new_type: &str,
        dry_run: bool,
    ) -> ApiResult<()> {
        let Some(inst) = self.instances.get(id) else {
            return Ok(());
        };
        let old = Placement::of(inst);
        let holds = inst.holds_resources();
        let new = Placement {
            instance_type: new_type.to_string(),
            ..old.clone()
        };
        if holds {
            // The instance's own units count as free for its new type.
            self.release_resources(&old, 1);
            let verdict = self.check_capacity(&new, 1);
            if verdict.is_err() || dry_run {
                self.acquire_resources(&old, 1);
                return verdict;
            }
            self.acquire_resources(&new, 1);
        } else {
            self.check_capacity(&new, 1)?;
            if dry_run {
                return Ok(());
            }
        }
        if let Some(inst) = self.instance_mut(id) {
            inst.instance_type = Sym::from(new_type);
        }
        Ok(())
    }
}
