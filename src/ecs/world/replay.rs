//! The world's side of persistence: which entities an operation touched, their values
//! as [`Changes`], whole-world [`Image`]s, and the exact replay of both (see
//! [`crate::ecs::changes`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{TokenKey, World};
use crate::ecs::capacity::Placement;
use crate::ecs::catalog::{Account, Fixture};
use crate::ecs::changes::{Changes, ClientToken, Image, Placed, PlacedAccount, PlacedZone};
use crate::ecs::model::Instance;

/// What changed since the last flush: ids only, values are read at flush time.
#[derive(Debug, Default)]
pub(crate) struct Dirty {
    instances: BTreeSet<String>,
    zones: BTreeSet<String>,
    accounts: BTreeSet<String>,
    disks: BTreeSet<String>,
    tokens: Vec<TokenKey>,
    /// Some key pair changed (all of them are recorded).
    key_pairs: bool,
    images: BTreeSet<String>,
    groups: BTreeSet<(String, String)>,
}

impl Dirty {
    fn is_empty(&self) -> bool {
        self.instances.is_empty()
            && self.zones.is_empty()
            && self.accounts.is_empty()
            && self.disks.is_empty()
            && self.tokens.is_empty()
            && !self.key_pairs
            && self.images.is_empty()
            && self.groups.is_empty()
    }
}

impl World {
    /// Start tracking changes (persistence on).
    pub fn track_changes(&mut self) {
        if self.dirty.is_none() {
            self.dirty = Some(Dirty::default());
        }
    }

    pub(super) fn mark_instance(&mut self, id: &str) {
        if let Some(d) = &mut self.dirty {
            d.instances.insert(id.to_string());
        }
    }

    pub(super) fn mark_zone(&mut self, zone_id: &str) {
        if let Some(d) = &mut self.dirty {
            d.zones.insert(zone_id.to_string());
        }
    }

    pub(super) fn mark_account(&mut self, account_id: &str) {
        if let Some(d) = &mut self.dirty {
            d.accounts.insert(account_id.to_string());
        }
    }

    pub(super) fn mark_key_pairs(&mut self) {
        if let Some(d) = &mut self.dirty {
            d.key_pairs = true;
        }
    }

    pub(super) fn mark_image(&mut self, id: &str) {
        if let Some(d) = &mut self.dirty {
            d.images.insert(id.to_string());
        }
    }

    pub(super) fn mark_group(&mut self, key: &(String, String)) {
        if let Some(d) = &mut self.dirty {
            d.groups.insert(key.clone());
        }
    }

    pub(super) fn mark_disk(&mut self, id: &str) {
        if let Some(d) = &mut self.dirty {
            d.disks.insert(id.to_string());
        }
    }

    pub(super) fn mark_token(&mut self, key: &TokenKey) {
        if let Some(d) = &mut self.dirty {
            d.tokens.push(key.clone());
        }
    }

    /// The values of everything touched since the last call, or `None` when nothing was
    /// (or changes are not tracked).
    pub fn take_changes(&mut self) -> Option<Changes> {
        let dirty = self.dirty.as_mut()?;
        if dirty.is_empty() {
            return None;
        }
        let d = std::mem::take(dirty);
        let mut c = Changes::default();
        for id in d.instances {
            match self.instances.get(id.as_str()) {
                Some(i) => c.instances.push(Placed {
                    seq: i.seq,
                    instance: (**i).clone(),
                }),
                None => c.removed_instances.push(id),
            }
        }
        for zone_id in d.zones {
            for r in self.regions.values() {
                if let Some(z) = r.zone(&zone_id) {
                    c.zones.push(PlacedZone {
                        region_id: r.region_id.clone(),
                        zone: z.clone(),
                    });
                }
            }
        }
        for id in d.accounts {
            match self.accounts.get(&id) {
                Some(a) => c.accounts.push(PlacedAccount {
                    throwaway: self.throwaway.contains(&id),
                    account: a.clone(),
                }),
                None => c.removed_accounts.push(id),
            }
        }
        for id in d.images {
            if let Some(img) = self.images.get(&id) {
                c.images.push(img.clone());
            }
        }
        for id in d.disks {
            match self.disks.get(&id) {
                Some(disk) => c.disks.push(disk.clone()),
                None => c.removed_disks.push(id),
            }
        }
        for key in d.tokens {
            if let Some((fingerprint, response)) = self.client_tokens.get(&key) {
                c.client_tokens.push(ClientToken {
                    account_id: key.0.clone(),
                    action: key.1.clone(),
                    token: key.2.clone(),
                    fingerprint: fingerprint.clone(),
                    response: response.clone(),
                });
            }
        }
        if d.key_pairs {
            c.key_pairs = Some(self.all_key_pairs());
        }
        for key in d.groups {
            match self.groups.get(&key) {
                Some(g) => c.security_groups.push(g.clone()),
                None => c.removed_security_groups.push(key),
            }
        }
        Some(c)
    }

    /// The whole world as an [`Image`].
    pub fn image(&self) -> Image {
        let mut instances: Vec<Placed> = self
            .instances
            .values()
            .map(|i| Placed {
                seq: i.seq,
                instance: (**i).clone(),
            })
            .collect();
        instances.sort_by_key(|p| p.seq);
        let mut tokens: Vec<ClientToken> = self
            .client_tokens
            .iter()
            .map(|(k, (fingerprint, response))| ClientToken {
                account_id: k.0.clone(),
                action: k.1.clone(),
                token: k.2.clone(),
                fingerprint: fingerprint.clone(),
                response: response.clone(),
            })
            .collect();
        tokens.sort_by(|a, b| {
            (&a.account_id, &a.action, &a.token).cmp(&(&b.account_id, &b.action, &b.token))
        });
        Image {
            state: Fixture {
                accounts: self.accounts.values().cloned().collect(),
                regions: self.regions.values().cloned().collect(),
                instance_types: self.types.values().cloned().collect(),
                instances: Vec::new(),
                key_pairs: self.all_key_pairs(),
                images: Some(self.stored_images()),
                vpcs: self.network_entries().0,
                vswitches: self.network_entries().1,
                security_groups: self.security_group_entries(),
                disks: self.disks.values().cloned().collect(),
            },
            instances,
            next_seq: self.next_seq,
            throwaway: self.throwaway.iter().cloned().collect(),
            client_tokens: tokens,
        }
    }

    /// A world exactly as an [`Image`] describes it (no normalisation of instances:
    /// their scheduled phases are kept as stored).
    pub fn from_image(image: Image) -> World {
        let mut w = World::default();
        for account in image.state.accounts {
            w.accounts.insert(account.account_id.clone(), account);
        }
        for region in image.state.regions {
            w.regions.insert(region.region_id.clone(), region);
        }
        for t in image.state.instance_types {
            w.types.insert(t.instance_type_id.clone(), t);
        }
        w.load_images(image.state.images);
        w.restore_network(image.state.vpcs, image.state.vswitches);
        w.restore_security_groups(image.state.security_groups);
        for d in image.state.disks {
            w.disks.insert(d.disk_id.clone(), d);
        }
        for p in image.instances {
            w.put_raw(p.seq, p.instance);
        }
        w.set_key_pairs(image.state.key_pairs);
        w.next_seq = w.next_seq.max(image.next_seq);
        w.throwaway = image.throwaway.into_iter().collect();
        w.apply_changes(Changes {
            client_tokens: image.client_tokens,
            ..Changes::default()
        });
        w.recount();
        w
    }

    /// Replay a record as stored: values are set, nothing is checked or counted. Call
    /// [`World::recount`] after the last one.
    pub fn apply_changes(&mut self, c: Changes) {
        for p in c.instances {
            self.put_raw(p.seq, p.instance);
        }
        for id in c.removed_instances {
            self.drop_raw(&id);
        }
        for d in c.disks {
            self.disks.insert(d.disk_id.clone(), d);
        }
        for id in c.removed_disks {
            self.disks.remove(&id);
        }
        for pz in c.zones {
            if let Some(r) = self.regions.get_mut(&pz.region_id) {
                match r.zones.iter_mut().find(|z| z.zone_id == pz.zone.zone_id) {
                    Some(z) => *z = pz.zone,
                    None => r.zones.push(pz.zone),
                }
            }
        }
        for pa in c.accounts {
            let id = pa.account.account_id.clone();
            if pa.throwaway {
                self.throwaway.insert(id.clone());
            } else {
                self.throwaway.remove(&id);
            }
            self.accounts.insert(id, pa.account);
        }
        for id in c.removed_accounts {
            self.accounts.remove(&id);
            self.throwaway.remove(&id);
            self.client_tokens.retain(|k, _| k.0 != id);
        }
        if let Some(pairs) = c.key_pairs {
            self.set_key_pairs(pairs);
        }
        for img in c.images {
            self.put_image(img);
        }
        for t in c.client_tokens {
            self.client_tokens.insert(
                (t.account_id, t.action, t.token),
                (t.fingerprint, t.response),
            );
        }
        self.restore_security_groups(c.security_groups);
        for key in c.removed_security_groups {
            self.groups.remove(&key);
        }
    }

    /// Rebuild what is derived from the stored entities: resource usage and the access
    /// key lookup.
    pub fn recount(&mut self) {
        self.capacity.clear();
        let holding: Vec<Placement> = self
            .instances
            .values()
            .filter(|i| i.holds_resources())
            .map(|i| Placement::of(i))
            .collect();
        for p in &holding {
            self.add_usage(p, 1);
        }
        self.keys.clear();
        let accounts: Vec<Account> = self.accounts.values().cloned().collect();
        for a in &accounts {
            self.index_keys(a);
        }
        self.recount_addresses();
    }

    /// Insert or replace an instance at a given sequence number, without counting
    /// resources.
    pub(super) fn put_raw(&mut self, seq: u64, mut inst: Instance) {
        self.rendered.remove(&inst.instance_id);
        self.drop_raw(&inst.instance_id);
        inst.seq = seq;
        let id = inst.instance_id.clone();
        self.listing_of(&inst).insert(seq, id.clone());
        self.track_release(&id, inst.is_releasing());
        self.index_disks(&inst);
        self.next_seq = self.next_seq.max(seq + 1);
        self.instances.insert(id, Arc::new(inst));
    }

    /// Remove an instance from the maps and indexes, without giving back resources.
    pub(super) fn drop_raw(&mut self, id: &str) -> Option<Arc<Instance>> {
        let old = self.instances.remove(id)?;
        self.rendered.remove(id);
        self.track_release(id, false);
        self.unlist(&old);
        self.unindex_disks(&old);
        Some(old)
    }
}
