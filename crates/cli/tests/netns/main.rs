//! End-to-end calls between real processes across network namespaces
//! (issue #4): `mulaqat-server` in namespace `srv`, each `mulaqat-cli` in its
//! own namespace linked to it by veth, coturn for relay-only calls, and
//! tc/nftables for a capped, lossy link.
//!
//! ```text
//! cargo test -p mulaqat-cli --test netns -- --test-threads=1
//! ```
//! Needs root, iproute2, nftables and coturn (`turnserver`). Without root or
//! `ip` the tests say why and pass as skipped, unless `CI` is set: then they
//! fail. The scenarios take turns (they encode and decode real video, and
//! this machine has two cores), so `--test-threads` only changes the order.
//! A failing scenario keeps its folder (processes' logs, configs, stats
//! files) and prints where it is.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)]
mod coturn;
#[allow(dead_code)]
mod lab;
#[allow(dead_code)]
mod procs;
mod scenarios;
