//! Two media engines in one process, connected directly (no server),
//! with test sources and software codecs.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

mod call;
mod leftovers;
mod openh264;
mod security;
mod sfu;
mod support;
mod ui;
