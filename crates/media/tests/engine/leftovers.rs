//! What a call that never connects leaves behind in the process: nothing.
//! A browser that hides its addresses sends host candidates named
//! `<uuid>.local` (mDNS), which nothing here can resolve. Threads and
//! sockets are counted for the whole process, so the check runs in a
//! process of its own (see [`run_alone`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mulaqat_media::{Quality, VideoCodec};

use crate::support::*;

/// Set in the process that runs the check.
const ALONE: &str = "MULAQAT_TEST_LEFTOVERS";

/// Candidates given an mDNS name so far.
static HIDDEN: AtomicUsize = AtomicUsize::new(0);

/// A candidate as a browser sends it when it hides its address: the
/// connection address (the fifth field) is a random `.local` name.
fn behind_mdns_name(candidate: String) -> String {
    HIDDEN.fetch_add(1, Ordering::SeqCst);
    let mut fields: Vec<&str> = candidate.split(' ').collect();
    if let Some(address) = fields.get_mut(4) {
        *address = "5f0b7a6e-2c1d-4e3f-9a8b-7c6d5e4f3a2b.local";
    }
    fields.join(" ")
}

#[test]
fn a_peer_behind_mdns_names_leaves_no_thread_or_socket_behind() {
    if std::env::var_os(ALONE).is_none() {
        run_alone(
            "leftovers::a_peer_behind_mdns_names_leaves_no_thread_or_socket_behind",
            ALONE,
        );
        return;
    }
    mulaqat_media::init().expect("GStreamer starts");
    let before = Held::now();
    {
        let hide = Tampering {
            descriptions: None,
            candidates: Some(behind_mdns_name),
        };
        let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
        let call = Call::start_changed(
            settings(Quality::P360, vec![VideoCodec::H264], &fa),
            settings(Quality::P360, vec![VideoCodec::H264], &fb),
            Some(VideoCodec::H264),
            (fa, fb),
            (hide, hide),
        );
        let deadline = Instant::now() + Duration::from_secs(15);
        while HIDDEN.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(HIDDEN.load(Ordering::SeqCst) >= 2, "candidates were sent");
        // Two more stats rounds: each connection has taken the candidates
        // in (its statistics are asked for after them, in turn).
        for side in [&call.a, &call.b] {
            next_stats(side);
            next_stats(side);
        }
    } // Both engines stop here.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = Held::now();
    while !after.within(&before) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        after = Held::now();
    }
    assert!(
        after.within(&before),
        "the call left behind threads {:?} and {} sockets (before: {})",
        after.threads_beyond(&before),
        after.sockets,
        before.sockets
    );
}

/// The threads and sockets this process holds.
struct Held {
    /// Thread names, without the ones that live as long as the process
    /// (GLib's pools and worker, GStreamer's system clock).
    threads: Vec<String>,
    sockets: usize,
}

impl Held {
    fn now() -> Held {
        mulaqat_media::end_idle_threads();
        let process_wide = |name: &str| {
            name.starts_with("pool-") || matches!(name, "gmain" | "gdbus" | "GstSystemClock")
        };
        let mut threads: Vec<String> = std::fs::read_dir("/proc/self/task")
            .expect("/proc/self/task")
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .map(|name| name.trim().to_owned())
            .filter(|name| !process_wide(name))
            .collect();
        threads.sort();
        let sockets = std::fs::read_dir("/proc/self/fd")
            .expect("/proc/self/fd")
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count();
        Held { threads, sockets }
    }

    /// Threads here that were not there `before`.
    fn threads_beyond(&self, before: &Held) -> Vec<String> {
        let mut left = before.threads.clone();
        let mut beyond = Vec::new();
        for name in &self.threads {
            match left.iter().position(|n| n == name) {
                Some(i) => {
                    left.remove(i);
                }
                None => beyond.push(name.clone()),
            }
        }
        beyond
    }

    /// Nothing more than `before`.
    fn within(&self, before: &Held) -> bool {
        self.threads_beyond(before).is_empty() && self.sockets <= before.sockets
    }
}
