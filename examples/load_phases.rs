//! Time the phases of loading a fixture file, in one process, several times over:
//! reading it (`store::fixtures::load_path`: parse on every core, check) and building
//! the world from it (`World::from_fixture`: index, read the instances' network).
//! One process repeating each phase resolves smaller changes than whole server starts
//! on a shared machine.
//!
//!     cargo run --release --example load_phases -- FILE [ROUNDS]
//!
//! Prints each round's times and the median of each phase.

use std::time::Instant;

use ecs_mock::ecs::world::World;
use ecs_mock::store::fixtures::load_path;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: load_phases FILE [ROUNDS]");
    let rounds: usize = args
        .next()
        .map_or(3, |r| r.parse().expect("ROUNDS is a number"));
    let timing = ecs_mock::timing::Timing::default();
    let (mut reads, mut builds) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let started = Instant::now();
        let fixture = load_path(path.as_ref()).expect("the fixture loads");
        let read = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let world = World::from_fixture(&fixture, 0, &timing);
        let build = started.elapsed().as_secs_f64();
        println!(
            "round {round}: {} instances, read {read:.3} s, world {build:.3} s",
            fixture.instances.len()
        );
        drop(world);
        drop(fixture);
        reads.push(read);
        builds.push(build);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "median: read {:.3} s, world {:.3} s",
        median(&mut reads),
        median(&mut builds)
    );
}
