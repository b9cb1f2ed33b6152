//! Security groups in the world: by (account, id), loaded from the fixture or implied by
//! the instances that name them, with their members counted from the instances.
//!
//! Membership is not stored twice: an instance's stored `SecurityGroupIds` is the one
//! truth, and a group's members are found by walking the account's instances in the
//! group's region when an action needs them (DescribeSecurityGroups' `EcsCount`,
//! DeleteSecurityGroup, JoinSecurityGroup's limit). So DeleteInstance needs no hook, and
//! a million fixture instances cost nothing until such a call.

use std::collections::{BTreeMap, HashMap};

use super::network::InstanceScan;
use super::World;
use crate::clock::{format_ecs_seconds, Millis};
use crate::ecs::ids::new_id;
use crate::ecs::model::{Instance, Tags};
use crate::ecs::network::SecurityGroup;
use crate::ecs::world::network::security_group_ids;
use crate::random::Random;

/// (account, group id): the key of a group.
pub(crate) type GroupKey = (String, String);

impl World {
    /// Take the fixture's groups and add the ones instances name but the fixture lacks
    /// (in the instance's account, region and VPC; no rules).
    pub(super) fn load_security_groups(
        &mut self,
        groups: Vec<SecurityGroup>,
        first: &str,
        now: Millis,
        scan: &mut InstanceScan,
    ) {
        let created = format_ecs_seconds(now);
        for mut g in groups {
            if g.account_id.is_empty() {
                g.account_id = first.to_string();
            }
            if g.creation_time.is_empty() {
                g.creation_time = created.clone();
            }
            self.groups
                .insert((g.account_id.clone(), g.security_group_id.clone()), g);
        }
        let mut implied: BTreeMap<GroupKey, SecurityGroup> = BTreeMap::new();
        for (key, region_id, vpc_id) in std::mem::take(&mut scan.groups) {
            if self.groups.contains_key(&key) || implied.contains_key(&key) {
                continue;
            }
            let (account_id, security_group_id) = key.clone();
            implied.insert(
                key,
                SecurityGroup {
                    security_group_id,
                    region_id,
                    account_id,
                    vpc_id,
                    security_group_name: String::new(),
                    description: String::new(),
                    security_group_type: "normal".into(),
                    resource_group_id: String::new(),
                    creation_time: created.clone(),
                    tags: Tags::default(),
                    permissions: Vec::new(),
                },
            );
        }
        self.groups.extend(implied);
    }

    /// Put back groups from an image.
    pub(super) fn restore_security_groups(&mut self, groups: Vec<SecurityGroup>) {
        for g in groups {
            self.groups
                .insert((g.account_id.clone(), g.security_group_id.clone()), g);
        }
    }

    /// Every group (state dumps), by account and id.
    pub(super) fn security_group_entries(&self) -> Vec<SecurityGroup> {
        self.groups.values().cloned().collect()
    }

    /// The group `id` of `account`.
    pub fn security_group(&self, account: &str, id: &str) -> Option<&SecurityGroup> {
        self.groups.get(&(account.to_string(), id.to_string()))
    }

    /// The group `id` of `account`, to change (marked as changed for persistence).
    pub fn security_group_mut(&mut self, account: &str, id: &str) -> Option<&mut SecurityGroup> {
        let key = (account.to_string(), id.to_string());
        if self.groups.contains_key(&key) {
            self.mark_group(&key);
        }
        self.groups.get_mut(&key)
    }

    /// The tags of group `id` of `account`.
    pub fn security_group_tags(&self, account: &str, id: &str) -> Option<&Tags> {
        self.security_group(account, id).map(|g| &g.tags)
    }

    /// The tags of group `id` of `account`, to change.
    pub fn security_group_tags_mut(&mut self, account: &str, id: &str) -> Option<&mut Tags> {
        self.security_group_mut(account, id).map(|g| &mut g.tags)
    }

    /// Add a group.
    pub fn insert_security_group(&mut self, g: SecurityGroup) {
        let key = (g.account_id.clone(), g.security_group_id.clone());
        self.mark_group(&key);
        self.groups.insert(key, g);
    }

    /// Remove a group.
    pub fn remove_security_group(&mut self, account: &str, id: &str) -> Option<SecurityGroup> {
        let key = (account.to_string(), id.to_string());
        self.mark_group(&key);
        self.groups.remove(&key)
    }

    /// Remove every group of an account (the account is going).
    pub(super) fn remove_account_groups(&mut self, account: &str) {
        let keys: Vec<GroupKey> = self
            .groups
            .keys()
            .filter(|k| k.0 == account)
            .cloned()
            .collect();
        for key in keys {
            self.mark_group(&key);
            self.groups.remove(&key);
        }
    }

    /// An account's groups in a region, oldest first (ties by id).
    pub fn security_groups_in(&self, account: &str, region: &str) -> Vec<&SecurityGroup> {
        let mut out: Vec<&SecurityGroup> = self
            .groups
            .range((account.to_string(), String::new())..)
            .take_while(|(k, _)| k.0 == account)
            .map(|(_, g)| g)
            .filter(|g| g.region_id == region)
            .collect();
        out.sort_by(|a, b| {
            (&a.creation_time, &a.security_group_id).cmp(&(&b.creation_time, &b.security_group_id))
        });
        out
    }

    /// A new group id no group has.
    pub fn fresh_group_id(&self, random: &Random, region: &str) -> String {
        loop {
            let id = new_id(random, "sg", region);
            if !self.groups.keys().any(|k| k.1 == id) {
                return id;
            }
        }
    }

    /// How many instances of the account in `region` are in each of `ids`.
    pub fn group_members(&self, account: &str, region: &str, ids: &[&str]) -> HashMap<String, u64> {
        let mut counts: HashMap<String, u64> = ids.iter().map(|id| (id.to_string(), 0)).collect();
        self.for_each_listed(account, region, |inst| {
            for g in security_group_ids(inst) {
                if let Some(n) = counts.get_mut(&g) {
                    *n += 1;
                }
            }
        });
        counts
    }

    /// Call `f` with each instance the account lists in the region.
    fn for_each_listed(&self, account: &str, region: &str, mut f: impl FnMut(&Instance)) {
        let Some(listing) = self.listing(account, region) else {
            return;
        };
        for id in listing.values() {
            if let Some(inst) = self.instances.get(id.as_str()) {
                f(inst);
            }
        }
    }

    /// The id of an account's instance in `region` whose network interface is `eni`.
    pub fn instance_with_interface(
        &self,
        account: &str,
        region: &str,
        eni: &str,
    ) -> Option<String> {
        let needle = format!("\"{eni}\"");
        let mut found = None;
        self.for_each_listed(account, region, |inst| {
            if found.is_none()
                && inst
                    .extra
                    .raw("NetworkInterfaces")
                    .is_some_and(|t| t.contains(&needle))
            {
                found = Some(inst.instance_id.to_string());
            }
        });
        found
    }

    /// The group new instances of `account` in `vpc` get when the request names none:
    /// the account's oldest group in that VPC, created (named `default`, no rules) when
    /// there is none.
    pub fn default_security_group(
        &mut self,
        account: &str,
        region: &str,
        vpc: &str,
        random: &Random,
        now: Millis,
    ) -> String {
        if let Some(g) = self
            .security_groups_in(account, region)
            .into_iter()
            .find(|g| g.vpc_id == vpc)
        {
            return g.security_group_id.clone();
        }
        let id = self.fresh_group_id(random, region);
        self.insert_security_group(SecurityGroup {
            security_group_id: id.clone(),
            region_id: region.to_string(),
            account_id: account.to_string(),
            vpc_id: vpc.to_string(),
            security_group_name: "default".into(),
            description: "System created security group.".into(),
            security_group_type: "normal".into(),
            resource_group_id: String::new(),
            creation_time: format_ecs_seconds(now),
            tags: Tags::default(),
            permissions: Vec::new(),
        });
        id
    }

    /// Set an instance's stored `SecurityGroupIds`.
    pub fn set_instance_groups(&mut self, instance_id: &str, groups: Vec<String>) {
        if let Some(inst) = self.instance_mut(instance_id) {
            inst.extra = inst.extra.with(
                "SecurityGroupIds",
                Some(serde_json::json!({ "SecurityGroupId": groups })),
            );
        }
    }
}
