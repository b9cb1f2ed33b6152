//! The world's image store: the images of the fixture (or the built-in public images),
//! and the implicit custom images that fixture instances refer to without defining.
//!
//! Implicit images cost nothing at load: the first lookup of an id the store lacks scans
//! the instances once and keeps one image per distinct `ImageId` (owner, region and OS
//! from the first instance that uses it). An implicit image that a call changes (a
//! patch, a tag) is copied into the store, which then shadows it. An instance patched
//! later to an unknown `ImageId` does not add an implicit image once the scan is done.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::World;
use crate::ecs::admin::patches::{fixture_doc, merged};
use crate::ecs::admin::{refuse, Refusal};
use crate::ecs::images::{public_images, Image, STATUSES};
use crate::ecs::model::Tags;

impl World {
    /// Load the fixture's images (`None`: the built-in public images). A custom image
    /// without `AccountId` belongs to the first account; an unnamed one is named by its id.
    pub(super) fn load_images(&mut self, images: Option<Vec<Image>>) {
        let first = self.accounts.keys().next().cloned().unwrap_or_default();
        for mut img in images.unwrap_or_else(public_images) {
            if img.account_id.is_empty() && !img.is_shared_by_everyone() {
                img.account_id = first.clone();
            }
            if img.image_name.is_empty() {
                img.image_name = img.image_id.clone();
            }
            self.images.insert(img.image_id.clone(), img);
        }
    }

    /// The images of the store, for dumps and persistence images.
    pub(super) fn stored_images(&self) -> Vec<Image> {
        self.images.values().cloned().collect()
    }

    /// Put an image as stored (replay).
    pub(super) fn put_image(&mut self, img: Image) {
        self.images.insert(img.image_id.clone(), img);
    }

    /// The implicit images (computed at the first call).
    fn implicit_images(&self) -> &BTreeMap<String, Image> {
        self.implicit_images.get_or_init(|| {
            let mut found = BTreeMap::new();
            for inst in self.instances.values() {
                let Some(id) = inst
                    .extra
                    .raw("ImageId")
                    .and_then(|t| serde_json::from_str::<String>(&t).ok())
                else {
                    continue;
                };
                if id.is_empty() || self.images.contains_key(&id) || found.contains_key(&id) {
                    continue;
                }
                let text = |k: &str| {
                    inst.extra
                        .raw(k)
                        .and_then(|t| serde_json::from_str::<String>(&t).ok())
                        .unwrap_or_default()
                };
                let os = [text("OSType"), text("OSName"), text("OSNameEn")];
                let img = Image::implicit(&id, &inst.account_id, &inst.region_id, os);
                found.insert(id, img);
            }
            found
        })
    }

    /// An image by id: stored, or implicit.
    pub fn image_by_id(&self, id: &str) -> Option<&Image> {
        self.images
            .get(id)
            .or_else(|| self.implicit_images().get(id))
    }

    /// Every image: stored ones, then implicit ones the store does not shadow.
    pub fn images(&self) -> impl Iterator<Item = &Image> {
        self.images.values().chain(
            self.implicit_images()
                .values()
                .filter(|i| !self.images.contains_key(&i.image_id)),
        )
    }

    /// An image to change, copied into the store if implicit; marked as changed for
    /// persistence.
    pub fn image_mut(&mut self, id: &str) -> Option<&mut Image> {
        if !self.images.contains_key(id) {
            let img = self.implicit_images().get(id)?.clone();
            self.images.insert(id.to_string(), img);
        }
        self.mark_image(id);
        self.images.get_mut(id)
    }

    /// An image's tags.
    pub fn image_tags(&self, id: &str) -> Option<&Tags> {
        self.image_by_id(id).map(|i| &i.tags)
    }

    /// An image's tags, to change.
    pub fn image_tags_mut(&mut self, id: &str) -> Option<&mut Tags> {
        self.image_mut(id).map(|i| &mut i.tags)
    }

    /// Patch an image with fixture fields (`null` puts a field back to its default).
    /// Returns the image as the state dump shows it.
    pub fn patch_image(&mut self, id: &str, patch: &Map<String, Value>) -> Result<Image, Refusal> {
        let Some(current) = self.image_by_id(id).cloned() else {
            return refuse(format!("ImageId: {id} is not an image"));
        };
        if patch.get("ImageId").is_some_and(|v| v.as_str() != Some(id)) {
            return refuse("ImageId: an image's id cannot change");
        }
        let img: Image = merged(fixture_doc(&current, "ImageId")?, patch)?;
        if !STATUSES.contains(&img.status.as_str()) {
            return refuse(format!(
                "Status: {} is not one of {}",
                img.status,
                STATUSES.join(", ")
            ));
        }
        if !["system", "self", "others", "marketplace"].contains(&img.image_owner_alias.as_str()) {
            return refuse("ImageOwnerAlias: not system, self, others or marketplace");
        }
        if !img.account_id.is_empty() && self.account(&img.account_id).is_none() {
            return refuse(format!("AccountId: {} is not an account", img.account_id));
        }
        if !img.region_id.is_empty() && self.region(&img.region_id).is_err() {
            return refuse(format!("RegionId: {} is not a region", img.region_id));
        }
        if let Some(slot) = self.image_mut(id) {
            *slot = img.clone();
        }
        Ok(img)
    }
}
