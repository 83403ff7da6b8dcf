//! `mulaqat-netsim` in the lab's `srv` namespace: a UDP relay that delays
//! what goes through it (see `src/bin/netsim.rs`), put in front of coturn.

use std::ffi::OsString;
use std::time::Duration;

use crate::netns::Lab;
use crate::procs::{Bins, Proc};

/// A running relay.
#[derive(Debug)]
pub struct Netsim {
    /// The process.
    pub proc: Proc,
}

impl Netsim {
    /// Relays UDP from `listen` to `to` (both `ip:port` in `srv`), delaying
    /// the way to `to` by `delay_ms` ± `jitter_ms` (never reordering).
    pub fn start(
        lab: &Lab,
        bins: &Bins,
        (listen, to): (&str, &str),
        delay_ms: u32,
        jitter_ms: u32,
    ) -> Netsim {
        let args: Vec<OsString> = [
            "--listen",
            listen,
            "--to",
            to,
            "--delay-ms",
            &delay_ms.to_string(),
            "--jitter-ms",
            &jitter_ms.to_string(),
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let proc = Proc::spawn(
            Some(lab),
            Some(&lab.ns("srv")),
            "netsim",
            &bins.netsim,
            &args,
            lab.dir(),
        );
        proc.wait_line("relaying", Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("mulaqat-netsim did not start: {e}"));
        Netsim { proc }
    }

    /// From its latest tally line: packets relayed towards `--to`, and the
    /// mean delay it added to them, milliseconds.
    pub fn tally(&self) -> Option<(u64, f64)> {
        let line = self
            .proc
            .stdout()
            .into_iter()
            .rev()
            .find(|l| l.starts_with("relayed "))?;
        let mut words = line.split_whitespace();
        let packets = words.nth(1)?.parse().ok()?;
        let mean = words.nth(5)?.parse().ok()?;
        Some((packets, mean))
    }
}
