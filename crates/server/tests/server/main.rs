//! mulaqat-server over real WebSockets (and HTTP) on port 0.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

mod battery;
mod flows;
mod lifecycle;
mod netcheck;
mod support;
mod tls;
mod web;
