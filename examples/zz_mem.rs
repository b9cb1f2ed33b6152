//! debug
fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines().find(|l| l.starts_with("VmRSS")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap()
}
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let r0 = rss();
    let f = ecs_mock::store::fixtures::load_path(std::path::Path::new(&path)).unwrap();
    let r1 = rss();
    let n = f.instances.len() as u64;
    let stored: usize = f.instances.iter().map(|i| i.extra.len_bytes()).sum();
    let tags: usize = f.instances.iter().map(|i| i.tags.tag.len()).sum();
    println!("n={n} rss fixture {} KiB ({} B/inst), stored avg {} B, tags avg {}", r1 - r0, (r1 - r0) * 1024 / n, stored as u64 / n, tags as u64 / n);
    let w = ecs_mock::ecs::world::World::from_fixture(f.clone(), 0, &ecs_mock::timing::Timing::default());
    let r2 = rss();
    println!("world adds {} B/inst", (r2 - r1) * 1024 / n);
    drop(w);
}
