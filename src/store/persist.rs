//! Persistence (`--data-dir DIR`): the state survives a restart and a `kill -9`.
//!
//! `DIR` holds `snapshot.json` (a whole-world [`Image`]) and `log.jsonl`, one JSON
//! record per line: the new values of what one request changed ([`Changes`]), with a
//! sequence number. The record is built under the world lock, so records are numbered
//! and queued in the order the changes happened; one writer thread appends them,
//! `fsync`s once per batch (group commit: concurrent requests share an `fsync`) and
//! then releases the requests waiting on their [`Ticket`], so an answer is sent only
//! once its change is on disk.
//!
//! At startup the snapshot is loaded (or the fixtures, for an empty `DIR`), every
//! record newer than it is replayed, a torn last line (a crash in the middle of an
//! append) is dropped with a warning, and a new snapshot replaces both files. A
//! snapshot is also written every [`SNAPSHOT_EVERY`] records, on `POST /_mock/reset`
//! (which so truncates the log) and on `POST /_mock/state`: it is written to a
//! temporary file, `fsync`ed and renamed, then the log is emptied; a snapshot's
//! sequence number tells replay which records it already contains, so a crash between
//! the two steps loses nothing.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::clock::Millis;
use crate::ecs::catalog::Fixture;
use crate::ecs::changes::{Changes, Image};
use crate::ecs::world::World;
use crate::random::Random;
use crate::timing::Timing;

/// Records between two automatic snapshots.
pub const SNAPSHOT_EVERY: u64 = 10_000;

const SNAPSHOT: &str = "snapshot.json";
const LOG: &str = "log.jsonl";

/// A persistence failure (the data dir cannot be read or written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistError(pub String);

impl std::fmt::Display for PersistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PersistError {}

fn io_err(what: &str, path: &Path, e: impl std::fmt::Display) -> PersistError {
    PersistError(format!("{what} {}: {e}", path.display()))
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SnapshotDoc {
    seq: u64,
    image: Image,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    random: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Record {
    seq: u64,
    #[serde(flatten)]
    changes: Changes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    random: Option<Vec<String>>,
}

fn positions(random: &Random) -> Option<Vec<String>> {
    random
        .positions()
        .map(|p| p.iter().map(u128::to_string).collect())
}

fn parse_positions(p: &[String]) -> Vec<u128> {
    p.iter().filter_map(|s| s.parse().ok()).collect()
}

#[derive(Debug, Clone, Default)]
struct Progress {
    /// Every job up to this sequence number is on disk.
    seq: u64,
    /// Set once a write failed; every later wait fails.
    failed: Option<Arc<str>>,
}

enum Job {
    Append { seq: u64, line: Vec<u8> },
    Snapshot { seq: u64, doc: Vec<u8> },
}

/// A change waiting to reach the disk.
#[derive(Debug)]
pub struct Ticket {
    seq: u64,
    durable: watch::Receiver<Progress>,
}

impl Ticket {
    /// Wait until the change is on disk.
    pub async fn wait(mut self) -> Result<(), PersistError> {
        let seq = self.seq;
        let progress = self
            .durable
            .wait_for(|p| p.seq >= seq || p.failed.is_some())
            .await
            .map_err(|_| PersistError("the persistence writer stopped".into()))?;
        match &progress.failed {
            Some(why) if progress.seq < seq => Err(PersistError(why.to_string())),
            _ => Ok(()),
        }
    }
}

/// The open data dir (see the module docs).
#[derive(Debug)]
pub struct Persist {
    jobs: mpsc::Sender<Job>,
    durable: watch::Receiver<Progress>,
    /// Next sequence number; taken under the world lock.
    next_seq: AtomicU64,
    since_snapshot: AtomicU64,
}

/// What [`open`] found in the data dir.
#[derive(Debug)]
pub struct Restored {
    /// The state.
    pub world: World,
    /// Records replayed.
    pub records: usize,
    /// Whether a torn last record was dropped.
    pub torn: bool,
}

/// Open (or create) `dir`: load the snapshot or `fixture`, replay the log, write a
/// fresh snapshot and start the writer. Seeded streams of `random` continue where the
/// last record left them.
pub fn open(
    dir: &Path,
    fixture: &Fixture,
    now: Millis,
    timing: &Timing,
    random: &Random,
) -> Result<(Persist, Restored), PersistError> {
    fs::create_dir_all(dir).map_err(|e| io_err("cannot create", dir, e))?;
    let snap_path = dir.join(SNAPSHOT);
    let (mut world, mut seq) = match fs::read(&snap_path) {
        Ok(bytes) => {
            let doc: SnapshotDoc = serde_json::from_slice(&bytes)
                .map_err(|e| io_err("cannot parse", &snap_path, e))?;
            if let Some(p) = &doc.random {
                random.set_positions(&parse_positions(p));
            }
            (World::from_image(doc.image), doc.seq)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (World::from_fixture(fixture, now, timing), 0)
        }
        Err(e) => return Err(io_err("cannot read", &snap_path, e)),
    };
    let log_path = dir.join(LOG);
    let text = match fs::read(&log_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io_err("cannot read", &log_path, e)),
    };
    let (mut records, mut torn) = (0, false);
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let last = i + 1 == lines.len();
        let parsed = match line.strip_suffix(b"\n") {
            Some(body) => serde_json::from_slice::<Record>(body).map_err(|e| e.to_string()),
            None => Err("no end of line".to_string()),
        };
        match parsed {
            Ok(r) if r.seq <= seq => {}
            Ok(r) => {
                seq = r.seq;
                if let Some(p) = &r.random {
                    random.set_positions(&parse_positions(p));
                }
                world.apply_changes(r.changes);
                records += 1;
            }
            Err(e) if last => {
                tracing::warn!(file = %log_path.display(), line = i + 1, error = %e, "dropping a torn last record (the write it held was never acknowledged)");
                torn = true;
            }
            Err(e) => {
                return Err(io_err(
                    &format!("record {} is corrupt in", i + 1),
                    &log_path,
                    e,
                ))
            }
        }
    }
    world.recount();
    world.track_changes();
    let seq = seq + 1;
    let doc = snapshot_doc(seq, &world, random)?;
    write_snapshot(dir, &doc)?;
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| io_err("cannot open", &log_path, e))?;
    log.set_len(0)
        .and_then(|()| log.sync_all())
        .map_err(|e| io_err("cannot truncate", &log_path, e))?;
    let (jobs, rx) = mpsc::channel();
    let (tx, durable) = watch::channel(Progress { seq, failed: None });
    let dir = dir.to_path_buf();
    std::thread::Builder::new()
        .name("ecs-mock-persist".into())
        .spawn(move || writer(dir, log, rx, tx))
        .map_err(|e| PersistError(format!("cannot start the persistence writer: {e}")))?;
    let persist = Persist {
        jobs,
        durable,
        next_seq: AtomicU64::new(seq + 1),
        since_snapshot: AtomicU64::new(0),
    };
    Ok((
        persist,
        Restored {
            world,
            records,
            torn,
        },
    ))
}

fn snapshot_doc(seq: u64, w: &World, random: &Random) -> Result<Vec<u8>, PersistError> {
    let doc = SnapshotDoc {
        seq,
        image: w.image(),
        random: positions(random),
    };
    serde_json::to_vec(&doc).map_err(|e| PersistError(format!("cannot write a snapshot: {e}")))
}

/// Write `snapshot.json` atomically: temporary file, fsync, rename, fsync the folder.
fn write_snapshot(dir: &Path, doc: &[u8]) -> Result<(), PersistError> {
    let tmp = dir.join(format!("{SNAPSHOT}.tmp"));
    let path = dir.join(SNAPSHOT);
    let mut f = File::create(&tmp).map_err(|e| io_err("cannot create", &tmp, e))?;
    f.write_all(doc)
        .and_then(|()| f.sync_all())
        .map_err(|e| io_err("cannot write", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| io_err("cannot rename", &tmp, e))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err("cannot sync", dir, e))
}

/// The writer thread: batches of queued jobs, one fsync per batch.
fn writer(dir: PathBuf, mut log: File, jobs: mpsc::Receiver<Job>, done: watch::Sender<Progress>) {
    let log_path = dir.join(LOG);
    while let Ok(first) = jobs.recv() {
        let batch: Vec<Job> = std::iter::once(first).chain(jobs.try_iter()).collect();
        let mut buf = Vec::new();
        let mut last = 0;
        let mut result = Ok(());
        for job in batch {
            match job {
                Job::Append { seq, line } => {
                    buf.extend_from_slice(&line);
                    last = seq;
                }
                Job::Snapshot { seq, doc } => {
                    // Everything queued before is in the snapshot; the log starts over.
                    buf.clear();
                    result = result
                        .and_then(|()| write_snapshot(&dir, &doc))
                        .and_then(|()| {
                            log.set_len(0)
                                .and_then(|()| log.sync_all())
                                .map_err(|e| io_err("cannot truncate", &log_path, e))
                        });
                    last = seq;
                }
            }
        }
        if !buf.is_empty() {
            result = result.and_then(|()| {
                log.write_all(&buf)
                    .and_then(|()| log.sync_data())
                    .map_err(|e| io_err("cannot append to", &log_path, e))
            });
        }
        match result {
            Ok(()) => done.send_modify(|p| p.seq = p.seq.max(last)),
            Err(e) => {
                tracing::error!(error = %e, "persistence failed; changes are no longer saved");
                done.send_modify(|p| p.failed = Some(e.0.into()));
            }
        }
    }
}

impl Persist {
    fn ticket(&self, seq: u64) -> Ticket {
        Ticket {
            seq,
            durable: self.durable.clone(),
        }
    }

    fn send(&self, job: Job) {
        // A stopped writer is reported by the ticket's wait.
        let _ = self.jobs.send(job);
    }

    /// Queue a record of what changed in `w` since the last call (call under the world
    /// lock); `None` when nothing changed.
    pub fn log_changes(&self, w: &mut World, random: &Random) -> Option<Ticket> {
        let changes = w.take_changes()?;
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        let record = Record {
            seq,
            changes,
            random: positions(random),
        };
        let mut line = match serde_json::to_vec(&record) {
            Ok(line) => line,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise a change record");
                return None;
            }
        };
        line.push(b'\n');
        self.send(Job::Append { seq, line });
        if self.since_snapshot.fetch_add(1, Ordering::SeqCst) + 1 >= SNAPSHOT_EVERY {
            return Some(self.snapshot(w, random));
        }
        Some(self.ticket(seq))
    }

    /// Queue a snapshot of `w` (call under the world lock): it replaces the log.
    pub fn snapshot(&self, w: &mut World, random: &Random) -> Ticket {
        w.track_changes();
        w.take_changes();
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        self.since_snapshot.store(0, Ordering::SeqCst);
        match snapshot_doc(seq, w, random) {
            Ok(doc) => self.send(Job::Snapshot { seq, doc }),
            Err(e) => {
                // Still release the waiters; the next snapshot will carry the state.
                tracing::error!(error = %e, "cannot serialise a snapshot");
                self.send(Job::Append {
                    seq,
                    line: Vec::new(),
                });
            }
        }
        self.ticket(seq)
    }
}
