//! SFU rooms end to end (issue #6): Janus (Debian's package, configured
//! from `packaging/janus/`) and `mulaqat-server` in namespace `srv`, each
//! `mulaqat-cli` in its own namespace linked to it by veth, as in the
//! `netns` tests, whose lab (`mulaqat-lab`) this reuses. Janus needs those veth links: it
//! never offers loopback candidates for media.
//!
//! ```text
//! cargo test -p mulaqat-cli --test sfu
//! ```
//! Needs root, iproute2 and `janus`. Without them the tests say why and
//! pass as skipped, unless `CI` is set: then they fail. A test binary of its
//! own so that cargo never runs these beside the `netns` scenarios (two
//! cores), and the scenarios here take turns.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod scenarios;

use mulaqat_lab::netns as lab;
use mulaqat_lab::procs;
