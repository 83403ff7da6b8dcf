//! mulaqat-server with real Janus nodes: placement, pins, node loss and
//! recovery, and the move from peer-to-peer to the SFU.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

mod lab;
mod sfu;
#[path = "../server/support.rs"]
#[allow(dead_code)]
mod support;
