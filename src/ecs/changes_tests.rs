//! Change records and images rebuild the world exactly.

use crate::ecs::world::World;
use crate::store::fixtures::default_fixture;
use crate::timing::{Profile, Timing};

fn world() -> World {
    let mut w = World::from_fixture(&default_fixture(), 0, &Timing::profile(Profile::Fast));
    w.track_changes();
    w
}

#[test]
fn an_image_restores_the_world_exactly() {
    let w = world();
    let restored = World::from_image(w.image());
    assert_eq!(restored.image(), w.image());
    assert_eq!(restored.to_fixture(), w.to_fixture());
    assert_eq!(
        restored.usage("1000000000000001", "cn-hangzhou"),
        w.usage("1000000000000001", "cn-hangzhou")
    );
}

#[test]
fn replaying_changes_on_the_old_image_gives_the_new_world() {
    let mut w = world();
    let before = w.image();
    assert!(w.take_changes().is_none(), "nothing touched yet");
    w.remove_instance("i-bp1stopped0000000001");
    let id = "i-bp1running0000000001";
    w.instance_mut(id).expect("present").instance_name = "renamed".into();
    let changes = w.take_changes().expect("changes");
    assert_eq!(changes.removed_instances, ["i-bp1stopped0000000001"]);
    assert_eq!(changes.instances.len(), 1);
    assert_eq!(changes.zones.len(), 1, "the removal gave back stock");
    let text = serde_json::to_string(&changes).expect("serialise");
    let mut replayed = World::from_image(before);
    replayed.apply_changes(serde_json::from_str(&text).expect("parse"));
    replayed.recount();
    assert_eq!(replayed.image(), w.image());
}

#[test]
fn standalone_disks_are_recorded_and_replayed() {
    use crate::ecs::model::{Disk, DiskStatus, DiskType};
    let mut w = world();
    let before = w.image();
    let mut disk = Disk::new("d-new".into(), DiskType::Data, DiskStatus::Available);
    let x = disk.details_mut();
    x.account_id = Some("1000000000000001".into());
    x.region_id = Some("cn-hangzhou".into());
    x.zone_id = Some("cn-hangzhou-h".into());
    w.insert_standalone_disk(disk);
    // A kept disk of a released instance becomes standalone; the system disk goes.
    w.disk_mut("d-bp1running0000000001")
        .expect("attached")
        .details_mut()
        .delete_with_instance = Some(false);
    w.remove_instance_at("i-bp1running0000000001", Some(60_000));
    let changes = w.take_changes().expect("changes");
    assert_eq!(changes.disks.len(), 2);
    let text = serde_json::to_string(&changes).expect("serialise");
    let mut replayed = World::from_image(before);
    replayed.apply_changes(serde_json::from_str(&text).expect("parse"));
    replayed.recount();
    assert_eq!(replayed.image(), w.image());
    assert!(replayed
        .owned_disk("1000000000000001", None, "d-bp1running0000000001")
        .is_some());
    w.take_standalone_disk("d-new");
    assert_eq!(w.take_changes().expect("changes").removed_disks, ["d-new"]);
}
