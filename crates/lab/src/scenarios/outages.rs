//! Links that go away (issue #8): down for a few seconds (media comes back),
//! down for good (a clean "connection lost", everything given back), and a
//! long soak under loss (memory and descriptors stay flat).

use std::time::{Duration, Instant};

use serde_json::json;

use super::calls::{exit_code, reports};
use super::impaired::{other, two_party, wait_for_video};
use super::round1;
use crate::measure::{fd_count, rss_kib};
use crate::netns::{Lab, client_addr};
use crate::procs::{Bins, Client, frames, poll};
use crate::{Figures, figures};

/// Frames `c` has decoded of the other participant's video.
fn frames_now(c: &Client) -> u64 {
    c.stats().map_or(0, |s| frames(&other(&s)))
}

/// Clinic's link goes down for 5 s: media flows both ways again within 5 s
/// of the link coming back, without anyone leaving.
pub(crate) fn link_down_short(bins: &Bins) -> Figures {
    let lab = &Lab::new(2);
    let args = ["--quality", "360p", "--stats-every", "1s"];
    let (server, clinic, specialist) = two_party(lab, bins, "", &args);
    let both = [&clinic, &specialist];
    wait_for_video(&both, Duration::from_secs(20));
    std::thread::sleep(Duration::from_secs(4));
    lab.link(1, false);
    std::thread::sleep(Duration::from_secs(5));
    let base: Vec<u64> = both.iter().map(|c| frames_now(c)).collect();
    lab.link(1, true);
    let up = Instant::now();
    let mut back = Vec::new();
    for (c, base) in both.iter().zip(base) {
        // Ten frames more than when the link came up: moving video again
        // (the stats file is written once a second, so this reads up to a
        // second late).
        let again = poll(Duration::from_secs(30), || {
            (frames_now(c) >= base + 10).then(|| up.elapsed().as_secs_f64())
        });
        back.push(again);
    }
    let context = reports(&both);
    for (c, again) in both.iter().zip(&back) {
        assert!(
            again.is_some_and(|s| s <= 6.0),
            "expected {} to receive moving video again within 5 s of the link coming back (6 s \
             with the stats file's second); after {again:?} s\n{context}",
            c.name
        );
        assert!(
            c.proc.running(),
            "expected {} to stay in the call\n{context}",
            c.name
        );
    }
    for c in both {
        c.proc.interrupt();
    }
    for c in both {
        assert_eq!(exit_code(c, Duration::from_secs(15)), Some(0), "{context}");
    }
    drop(server);
    figures([
        ("downSeconds", json!(5)),
        (
            "videoBackAfterSeconds",
            json!(back.iter().map(|s| s.map(round1)).collect::<Vec<_>>()),
        ),
    ])
}

/// Clinic's link goes down and stays down: within the reconnect window
/// (a minute) plus the time to notice the silence (15-20 s), Clinic ends with
/// "connection lost", exit code 3, and its process holds no more media
/// threads or sockets than before the call; Specialist stays and sees it
/// leave.
pub(crate) fn link_down_long(bins: &Bins) -> Figures {
    let lab = &Lab::new(2);
    let args = ["--quality", "360p", "--stats-every", "1s"];
    let (server, clinic, specialist) = two_party(lab, bins, "", &args);
    let both = [&clinic, &specialist];
    wait_for_video(&both, Duration::from_secs(20));
    let clinic_id = clinic.participant_id().expect("Clinic's participant id");
    lab.link(1, false);
    let down = Instant::now();
    let code = exit_code(&clinic, Duration::from_secs(120));
    let gave_up_after = down.elapsed().as_secs_f64();
    let context = reports(&both);
    assert_eq!(
        code,
        Some(3),
        "expected Clinic to give up with exit code 3 (connection lost) within 120 s of its link \
         going down\n{context}"
    );
    // Noticing: 15 s of silence, read every 5 s; then a minute of attempts,
    // the last of which may take its 10 s connect timeout.
    assert!(
        gave_up_after <= 95.0,
        "expected Clinic to end the call within a minute of noticing the silence (at most 20 s), \
         plus a last attempt's 10 s: after {gave_up_after:.0} s\n{context}"
    );
    let ended = clinic
        .proc
        .stdout()
        .into_iter()
        .find(|l| l.starts_with("ended: "))
        .unwrap_or_default();
    assert!(
        ended.contains("connection lost"),
        "expected Clinic to say `ended: connection lost ...`; it said {ended:?}\n{context}"
    );
    let stats = clinic.stats().expect("Clinic's final stats");
    assert_eq!(stats.0["ended"], "ConnectionLost", "{context}");
    let resources = stats.0["resources"].clone();
    // Sockets rather than every descriptor: GLib keeps one wake-up
    // descriptor for the life of the process once a call has run.
    for what in ["mediaThreads", "sockets"] {
        let before = resources["beforeCall"][what].as_u64();
        let after = resources["afterCall"][what].as_u64();
        assert!(
            before.is_some() && after <= before,
            "expected Clinic to hold no more {what} after the call than before it: {resources}\n\
             {context}"
        );
    }
    // The server notices Clinic's silence too (its idle timeout, 45 s).
    let left = specialist
        .proc
        .wait_line(&format!("left: {clinic_id}"), Duration::from_secs(30));
    assert!(
        left.is_ok() && specialist.proc.running(),
        "expected Specialist to stay in the call and see Clinic leave\n{context}"
    );
    specialist.proc.interrupt();
    assert_eq!(
        exit_code(&specialist, Duration::from_secs(15)),
        Some(0),
        "{context}"
    );
    drop(server);
    figures([
        ("gaveUpAfterSeconds", json!(round1(gave_up_after))),
        ("resources", resources),
    ])
}

/// A long call under 3% loss (20 minutes; `MULAQAT_SOAK_MINUTES` changes
/// it): after two minutes of warm-up, neither participant's memory grows
/// more than 10% and its descriptors stay flat.
pub(crate) fn soak(bins: &Bins) -> Figures {
    let minutes: u64 = std::env::var("MULAQAT_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(20)
        .max(4);
    let warmup = Duration::from_secs(120);
    let lab = &Lab::new(2);
    for (me, from) in [(1, 2), (2, 1)] {
        lab.ingress_loss(me, 3, Some(&client_addr(from)));
    }
    let args = ["--quality", "360p", "--stats-every", "5s"];
    let (server, clinic, specialist) = two_party(lab, bins, "", &args);
    let both = [&clinic, &specialist];
    wait_for_video(&both, Duration::from_secs(20));
    let start = Instant::now();
    let end = start + Duration::from_secs(minutes * 60);
    let mut after_warmup: Option<Vec<(u64, u64)>> = None;
    let mut last = Vec::new();
    let mut peak_rss = vec![0u64; 2];
    while Instant::now() < end {
        std::thread::sleep(Duration::from_secs(10));
        let now: Vec<(u64, u64)> = both
            .iter()
            .map(|c| {
                (
                    rss_kib(c.proc.pid).unwrap_or(0),
                    fd_count(c.proc.pid).unwrap_or(0),
                )
            })
            .collect();
        for (peak, (rss, _)) in peak_rss.iter_mut().zip(&now) {
            *peak = (*peak).max(*rss);
        }
        if after_warmup.is_none() && start.elapsed() >= warmup {
            after_warmup = Some(now.clone());
        }
        for c in both {
            assert!(
                c.proc.running(),
                "expected {} to stay in the call\n{}",
                c.name,
                reports(&both)
            );
        }
        last = now;
    }
    let warm = after_warmup.expect("the soak is longer than its warm-up");
    let mut participants = Vec::new();
    for ((c, (rss0, fd0)), (rss1, fd1)) in both.iter().zip(&warm).zip(&last) {
        let growth = if *rss0 == 0 {
            f64::INFINITY
        } else {
            (*rss1 as f64 - *rss0 as f64) / *rss0 as f64 * 100.0
        };
        let context = format!(
            "{}: RSS {rss0} KiB after warm-up, {rss1} KiB at the end; descriptors {fd0} -> {fd1}\n{}",
            c.name,
            reports(&both)
        );
        assert!(
            growth < 10.0,
            "expected RSS to grow less than 10%\n{context}"
        );
        assert!(
            *fd1 <= fd0 + 2,
            "expected the descriptor count to stay flat\n{context}"
        );
        participants.push(json!({
            "participant": c.name,
            "rssAfterWarmupKiB": rss0,
            "rssAtEndKiB": rss1,
            "rssGrowthPercent": round1(growth),
            "fdsAfterWarmup": fd0,
            "fdsAtEnd": fd1,
        }));
    }
    for c in both {
        c.proc.interrupt();
    }
    for c in both {
        assert_eq!(
            exit_code(c, Duration::from_secs(15)),
            Some(0),
            "{}",
            reports(&both)
        );
    }
    drop(server);
    figures([
        ("minutes", json!(minutes)),
        ("lossPercent", json!(3)),
        ("participants", json!(participants)),
        ("peakRssKiB", json!(peak_rss)),
    ])
}
