//! The tags of any taggable resource, found by kind and id within the caller's account
//! and region: the one dispatch the tag actions use.
//!
//! Every arm must give `None` for a resource of another account or region, so the tag
//! actions answer `InvalidResourceId.NotFound` for it.

use super::World;
use crate::ecs::images::Image;
use crate::ecs::model::Tags;
use crate::ecs::tags::ResourceKind;

/// The tags of a disk without details.
static NO_TAGS: Tags = Tags { tag: Vec::new() };

impl World {
    /// The tags of resource `id` of `kind`, owned by `account` in `region`, to change.
    pub fn tags_mut(
        &mut self,
        kind: ResourceKind,
        account: &str,
        region: &str,
        id: &str,
    ) -> Option<&mut Tags> {
        match kind {
            ResourceKind::Instance => {
                self.instance(id)
                    .filter(|i| *i.account_id == *account && *i.region_id == *region)?;
                self.instance_mut(id).map(|i| &mut i.tags)
            }
            ResourceKind::KeyPair => self.key_pair_mut(account, region, id).map(|k| &mut k.tags),
            ResourceKind::Disk => {
                self.owned_disk(account, Some(region), id)?;
                self.disk_tags_mut(id)
            }
            ResourceKind::Image => {
                self.image_by_id(id)
                    .filter(|img| owns_image(img, account, region))?;
                self.image_tags_mut(id)
            }
            ResourceKind::SecurityGroup => {
                self.security_group(account, id)
                    .filter(|g| g.region_id == region)?;
                self.security_group_tags_mut(account, id)
            }
            ResourceKind::Other(_) => None,
        }
    }

    /// The tags of resource `id` of `kind`, owned by `account` in `region` (call
    /// `World::add_implicit_key_pairs` first).
    pub fn tags_of(
        &self,
        kind: ResourceKind,
        account: &str,
        region: &str,
        id: &str,
    ) -> Option<&Tags> {
        match kind {
            ResourceKind::Instance => self
                .instance(id)
                .filter(|i| *i.account_id == *account && *i.region_id == *region)
                .map(|i| &i.tags),
            ResourceKind::KeyPair => self
                .key_pairs_in(account, region)
                .find(|k| {
                    k.key_pair_name == id || (!k.key_pair_id.is_empty() && k.key_pair_id == id)
                })
                .map(|k| &k.tags),
            ResourceKind::Disk => self
                .owned_disk(account, Some(region), id)
                .map(|(_, d)| d.details().map_or(&NO_TAGS, |x| &x.tags)),
            ResourceKind::Image => self
                .image_by_id(id)
                .filter(|img| owns_image(img, account, region))
                .map(|img| &img.tags),
            ResourceKind::SecurityGroup => self
                .security_group(account, id)
                .filter(|g| g.region_id == region)
                .map(|g| &g.tags),
            ResourceKind::Other(_) => None,
        }
    }

    /// Every resource of `kind` that `account` has in `region` and that carries a tag,
    /// with its id and tags, in listing order (call `World::add_implicit_key_pairs`
    /// first).
    pub fn tagged<'a>(
        &'a self,
        kind: ResourceKind,
        account: &'a str,
        region: &'a str,
    ) -> Vec<(String, &'a Tags)> {
        match kind {
            ResourceKind::Instance => self
                .listing(account, region)
                .into_iter()
                .flat_map(|l| l.values())
                .filter_map(|id| self.instance(id))
                .filter(|i| !i.tags.tag.is_empty())
                .map(|i| (i.instance_id.to_string(), &i.tags))
                .collect(),
            ResourceKind::KeyPair => self
                .key_pairs_in(account, region)
                .filter(|k| !k.tags.tag.is_empty())
                .map(|k| (k.key_pair_name.clone(), &k.tags))
                .collect(),
            ResourceKind::Disk => {
                let attached = self
                    .listed_instances(account, region)
                    .flat_map(|i| i.mock_disks.iter());
                self.standalone_disks_in(account, region)
                    .chain(attached)
                    .filter_map(|d| Some((d.disk_id.clone(), &d.details()?.tags)))
                    .filter(|(_, tags)| !tags.tag.is_empty())
                    .collect()
            }
            ResourceKind::Image => self
                .images()
                .filter(|img| owns_image(img, account, region) && !img.tags.tag.is_empty())
                .map(|img| (img.image_id.clone(), &img.tags))
                .collect(),
            ResourceKind::SecurityGroup => self
                .security_groups_in(account, region)
                .into_iter()
                .filter(|g| !g.tags.tag.is_empty())
                .map(|g| (g.security_group_id.clone(), &g.tags))
                .collect(),
            ResourceKind::Other(_) => Vec::new(),
        }
    }
}

/// Whether `account` may tag `img` in `region`: its own custom image there (public and
/// shared images belong to someone else).
fn owns_image(img: &Image, account: &str, region: &str) -> bool {
    img.account_id == account && (img.region_id.is_empty() || img.region_id == region)
}
