//! Calls over a bad network: a bandwidth drop, a long delay through the
//! TURN relay, and UDP blocked (random loss is in `loss`), and the helpers
//! the two-party scenarios share. Two participants at
//! 360p each time (sizes chosen for two cores), asserting on the stats JSON
//! each `mulaqat-cli` writes once a second.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::calls::{MEETING, exit_code, join, median, reports};
use super::round1;
use crate::coturn::{self, Coturn};
use crate::netns::{Lab, SERVER_ADDR, client_addr};
use crate::netsim::Netsim;
use crate::procs::{Bins, Client, Server, Stats, frames, poll};
use crate::{Figures, figures};

/// A meeting of two: "Clinic" in `c1` (the host) and "Specialist" in `c2`.
pub(crate) fn two_party(
    lab: &Lab,
    bins: &Bins,
    server_extra: &str,
    args: &[&str],
) -> (Server, Client, Client) {
    let server = Server::start(
        Some(lab),
        lab.dir(),
        bins,
        &format!("{MEETING}{server_extra}"),
    );
    let host = server.link("ward-8", "host", "1h");
    let guest = server.link("ward-8", "guest", "1h");
    let clinic = join(lab, bins, 1, &host, "Clinic", args);
    let specialist = join(lab, bins, 2, &guest, "Specialist", args);
    (server, clinic, specialist)
}

/// Waits until every client receives video; panics after `timeout`.
pub(crate) fn wait_for_video(clients: &[&Client], timeout: Duration) -> Instant {
    for c in clients {
        let flowing = poll(timeout, || {
            c.stats()
                .filter(|s| s.present().iter().any(|(_, r)| frames(r) > 0))
        });
        assert!(
            flowing.is_some(),
            "expected {} to receive video within {timeout:?}\n{}",
            c.name,
            reports(clients)
        );
    }
    Instant::now()
}

/// The one other participant's entry (in a call of two): the one present,
/// or after the call (when nobody is), the one there was.
pub(crate) fn other(stats: &Stats) -> Value {
    stats
        .present()
        .into_iter()
        .next()
        .or_else(|| stats.remotes().into_iter().next())
        .map(|(_, r)| r.clone())
        .unwrap_or_default()
}

/// What we send of `kind` (`video`, `audio`) to the one other participant.
pub(crate) fn sent(stats: &Stats, kind: &str) -> Value {
    let suffix = format!(":{kind}");
    stats.0["sent"]
        .as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.ends_with(&suffix)))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Lines of a client's output that say it lost the server.
pub(crate) fn reconnects(c: &Client) -> usize {
    c.proc
        .stdout()
        .iter()
        .filter(|l| l.starts_with("state: reconnecting"))
        .count()
}

/// The sender's target bitrate for its video, kbit/s, now.
fn target_kbps(c: &Client) -> Option<f64> {
    c.stats()
        .and_then(|s| sent(&s, "video")["targetBitrateKbps"].as_f64())
}

/// Reads `c`'s target bitrate every half second for `span`, returning the
/// first moment (seconds from now) `hit` held, and every reading.
fn watch_target(c: &Client, span: Duration, hit: impl Fn(f64) -> bool) -> (Option<f64>, Vec<f64>) {
    let start = Instant::now();
    let mut readings = Vec::new();
    let mut first = None;
    while start.elapsed() < span {
        if let Some(kbps) = target_kbps(c) {
            if readings.last() != Some(&kbps) {
                readings.push(kbps);
            }
            if first.is_none() && hit(kbps) {
                first = Some(start.elapsed().as_secs_f64());
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    (first, readings)
}

/// The sender's link: 2 Mbit/s, then 300 kbit/s for a minute, then 2 Mbit/s.
pub(crate) fn bandwidth_step(bins: &Bins) -> Figures {
    const HIGH: u32 = 2_000;
    const LOW: u32 = 300;
    let lab = &Lab::new(2);
    lab.rate_cap(1, HIGH);
    let args = ["--quality", "360p", "--stats-every", "1s"];
    let (server, clinic, specialist) = two_party(lab, bins, "", &args);
    let both = [&clinic, &specialist];
    wait_for_video(&both, Duration::from_secs(20));
    // The first value: where the target settles on the 2 Mbit/s link.
    std::thread::sleep(Duration::from_secs(10));
    let mut settled: Vec<f64> = (0..4)
        .filter_map(|_| {
            std::thread::sleep(Duration::from_secs(1));
            target_kbps(&clinic)
        })
        .collect();
    let first = median(&mut settled);
    assert!(
        first > f64::from(LOW),
        "expected the sender's target bitrate to settle above {LOW} kbit/s on a {HIGH} kbit/s \
         link; it is {first:.0}\n{}",
        reports(&both)
    );
    lab.rate_cap(1, LOW);
    let (below_after, capped) =
        watch_target(&clinic, Duration::from_secs(60), |k| k < f64::from(LOW));
    lab.rate_cap(1, HIGH);
    let (recovered_after, freed) =
        watch_target(&clinic, Duration::from_secs(40), |k| k >= 0.8 * first);
    let context = format!(
        "first {first:.0} kbit/s; while capped {capped:?}; after {freed:?}\n{}",
        reports(&both)
    );
    assert!(
        below_after.is_some_and(|s| s <= 10.0),
        "expected the sender's target bitrate to fall below the {LOW} kbit/s cap within 10 s; \
         it did after {below_after:?} s\n{context}"
    );
    assert!(
        recovered_after.is_some_and(|s| s <= 30.0),
        "expected the target bitrate to recover to 80% of {first:.0} kbit/s within 30 s of the \
         cap going; it did after {recovered_after:?} s\n{context}"
    );
    for c in both {
        assert_eq!(reconnects(c), 0, "expected no reconnect\n{context}");
        c.proc.interrupt();
    }
    for c in both {
        assert_eq!(exit_code(c, Duration::from_secs(15)), Some(0), "{context}");
    }
    drop(server);
    figures([
        ("firstTargetKbps", json!(first.round())),
        ("belowCapAfterSeconds", json!(below_after.map(round1))),
        (
            "lowestWhileCappedKbps",
            json!(capped.iter().copied().reduce(f64::min)),
        ),
        ("recoveredAfterSeconds", json!(recovered_after.map(round1))),
    ])
}

/// 150 ms ± 30 ms on the way to the TURN relay (`mulaqat-netsim` in front of
/// coturn); both participants relay-only: no freeze longer than a second.
pub(crate) fn delay_through_turn(bins: &Bins) -> Figures {
    const DELAYED_PORT: u16 = 3479;
    let lab = &Lab::new(2);
    let turn = Coturn::start(lab);
    let netsim = Netsim::start(
        lab,
        bins,
        (
            &format!("{SERVER_ADDR}:{DELAYED_PORT}"),
            &format!("{SERVER_ADDR}:{}", coturn::PORT),
        ),
        150,
        30,
    );
    for (me, from) in [(1, 2), (2, 1)] {
        lab.block_udp_from(me, &client_addr(from));
    }
    let delayed = format!("turn:{SERVER_ADDR}:{DELAYED_PORT}?transport=udp");
    let extra = turn.server_config_for(&[&delayed], 600);
    let args = [
        "--quality",
        "360p",
        "--relay-only",
        "--duration",
        "50s",
        "--stats-every",
        "1s",
    ];
    let (server, clinic, specialist) = two_party(lab, bins, &extra, &args);
    let both = [&clinic, &specialist];
    wait_for_video(&both, Duration::from_secs(30));
    // Read before anyone leaves: a participant who left is a pause too.
    // Meanwhile, what each sender aims at: jitter alone must not be taken
    // for congestion.
    let mut targets = [Vec::new(), Vec::new()];
    while clinic.proc.started.elapsed() < Duration::from_secs(44) {
        for (c, seen) in both.iter().zip(targets.iter_mut()) {
            seen.extend(target_kbps(c));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    // Proof that the media went through the delay: the relay's own tally.
    let (relayed, added_ms) = netsim.tally().unwrap_or_default();
    assert!(
        relayed >= 1_000 && (120.0..=180.0).contains(&added_ms),
        "expected the media to cross mulaqat-netsim with about 150 ms added; it relayed \
         {relayed} packets with {added_ms:.1} ms added on average\n{}",
        reports(&both)
    );
    let mut directions = Vec::new();
    for (c, mut targets) in both.into_iter().zip(targets) {
        let stats = c.stats().expect("stats");
        let video = other(&stats)["video"].clone();
        let longest = video["longestFreezeMs"].as_u64().unwrap_or(u64::MAX);
        let context = format!("{}: {video}\n{}", c.name, reports(&both));
        assert!(
            longest <= 1_000,
            "expected no freeze longer than 1 s with 150 ± 30 ms of delay; the longest was \
             {longest} ms\n{context}"
        );
        // Each way crosses the delay once: the round trip people read in
        // the stats overlay is about 300 ms.
        let rtt = sent(&stats, "video")["rttMs"].as_f64().unwrap_or(0.0);
        assert!(
            (200.0..=600.0).contains(&rtt),
            "expected the sender's video round trip near 300 ms (150 ms added each way); it \
             reports {rtt:.0} ms\n{context}"
        );
        directions.push(json!({
            "receiver": c.name,
            "sendingRttMs": rtt.round(),
            "sendingTargetKbps": {
                "lowest": targets.iter().copied().reduce(f64::min),
                "median": (!targets.is_empty()).then(|| median(&mut targets)),
            },
            "longestFreezeMs": longest,
            "freezes": video["freezeCount"],
            "fps": video["fps"],
            "firstFrameMs": other(&stats)["firstFrameMs"],
        }));
    }
    for c in both {
        assert_eq!(
            exit_code(c, Duration::from_secs(20)),
            Some(0),
            "{}",
            c.report()
        );
    }
    drop(server);
    figures([
        ("delayMs", json!(150)),
        ("jitterMs", json!(30)),
        ("relayedPackets", json!(relayed)),
        ("meanAddedDelayMs", json!(round1(added_ms))),
        ("directions", json!(directions)),
    ])
}

/// No UDP at all reaches either participant: the call goes through TURN
/// over TCP, and the picture comes within 5 s of the second one joining.
pub(crate) fn udp_blocked(bins: &Bins) -> Figures {
    let lab = &Lab::new(2);
    let turn = Coturn::start(lab);
    for i in 1..=2 {
        lab.count_from(i, SERVER_ADDR, "tcp", "tcp");
        lab.block_all_udp(i);
    }
    let udp = format!("turn:{SERVER_ADDR}:{}?transport=udp", coturn::PORT);
    let tcp = format!("turn:{SERVER_ADDR}:{}?transport=tcp", coturn::PORT);
    let extra = turn.server_config_for(&[&udp, &tcp], 600);
    let args = [
        "--quality",
        "360p",
        "--relay-only",
        "--duration",
        "20s",
        "--stats-every",
        "1s",
    ];
    let (server, clinic, specialist) = two_party(lab, bins, &extra, &args);
    let both = [&clinic, &specialist];
    wait_for_video(&both, Duration::from_secs(15));
    // The second to join waits for nobody: its first frame is the connection time.
    let first_frame_ms = specialist
        .stats()
        .and_then(|s| other(&s)["firstFrameMs"].as_u64())
        .unwrap_or(u64::MAX);
    let context = reports(&both);
    assert!(
        first_frame_ms <= 5_000,
        "expected video within 5 s of joining with UDP blocked (TURN over TCP); it took \
         {first_frame_ms} ms\n{context}"
    );
    for c in both {
        assert_eq!(exit_code(c, Duration::from_secs(30)), Some(0), "{context}");
    }
    let tcp_packets = [lab.counter(1, "tcp"), lab.counter(2, "tcp")];
    let udp_dropped = [lab.counter(1, "no-udp"), lab.counter(2, "no-udp")];
    drop(server);
    figures([
        ("firstFrameMs", json!(first_frame_ms)),
        ("tcpPacketsFromServer", json!(tcp_packets)),
        ("udpDropped", json!(udp_dropped)),
    ])
}
