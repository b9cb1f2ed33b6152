//! Integration tests of ecs-mock: a real server on a loopback port, driven over HTTP
//! by clients that sign requests the way the official SDKs do.
//!
//! Golden response bodies live in `tests/golden/`; run with `UPDATE_GOLDEN=1` to
//! rewrite them (then review every changed file against the spec).

mod abuse;
mod accounts;
mod attributes;
mod binary;
mod catalog;
mod common;
mod concurrency;
mod conformance;
mod control;
mod describe;
mod determinism;
mod disks;
mod faults;
mod golden;
mod iac_flow;
mod journal;
mod key_pairs;
mod lenient;
mod lifecycle;
mod limits;
mod patches;
mod persistence;
mod protocol;
mod readme;
mod refusals;
mod robustness;
mod run_delete;
mod rust_sdk;
mod security_groups;
mod start_instance;
mod tags;
mod terraform_reads;
