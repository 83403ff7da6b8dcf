//! The SFU scenarios of issue #6: six participants through Janus, one of
//! them leaving; Janus killed and started again; a peer-to-peer room moving
//! to the SFU when a fifth person joins.
//!
//! Timing: on the two-core CI machine every client encodes one 360p stream
//! at 10 fps and decodes the others, so the waits below are generous and
//! the assertions are about frames *flowing* (counters growing over a few
//! seconds), never about exact rates.

use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use mulaqat_lab::janus::Janus;

use crate::lab::{self, Lab};
use crate::procs::{Bins, Client, Server, Stats, frames, poll};

/// Rooms are command meetings: through the SFU from the first participant.
const COMMAND: &str = "[rooms]\ndefault_kind = \"command\"\n";
/// Rooms are meetings: peer-to-peer until a fifth participant comes.
const MEETING: &str = "[rooms]\ndefault_kind = \"meeting\"\n";
/// What every client sends.
const MEDIA: [&str; 4] = ["--quality", "360p", "--fps", "10"];
/// How long a whole room may take to get everyone's video (six clients
/// starting at once on two cores take about 10 s; see docs/sfu.md).
const ROOM_UP: Duration = Duration::from_secs(90);
/// How long frames are watched to call them flowing.
const WINDOW: Duration = Duration::from_secs(4);

static SERIAL: Mutex<()> = Mutex::new(());
static BINS: OnceLock<Bins> = OnceLock::new();

fn bins() -> &'static Bins {
    BINS.get_or_init(|| Bins::locate(env!("CARGO_BIN_EXE_mulaqat-cli")))
}

struct Setup {
    lab: Lab,
    _serial: MutexGuard<'static, ()>,
}

fn setup(test: &str, clients: usize) -> Option<Setup> {
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !lab::available(test, &["janus"]) {
        return None;
    }
    bins();
    Some(Setup {
        lab: Lab::new(clients),
        _serial: serial,
    })
}

fn join(lab: &Lab, i: usize, link: &str, name: &str, extra: &[&str]) -> Client {
    let mut args: Vec<&str> = MEDIA.to_vec();
    args.extend_from_slice(&["--duration", "5m"]);
    args.extend_from_slice(extra);
    Client::start(
        Some(lab),
        Some(i),
        lab.dir(),
        bins(),
        "join",
        link,
        name,
        &args,
    )
}

fn reports(clients: &[&Client]) -> String {
    clients.iter().map(|c| c.report()).collect()
}

/// Waits until every client receives at least `n` remote videos at 640x360;
/// returns how long that took, or the reports.
fn all_receive(clients: &[&Client], n: usize, timeout: Duration) -> Result<Duration, String> {
    let started = Instant::now();
    for c in clients {
        let left = timeout.saturating_sub(started.elapsed());
        if poll(left, || c.stats().filter(|s| s.videos_at(640, 360) >= n)).is_none() {
            return Err(format!(
                "expected {} to receive {n} remote videos at 640x360 within {timeout:?}\n{}",
                c.name,
                reports(clients)
            ));
        }
    }
    Ok(started.elapsed())
}

/// How long Janus stays down in the restart scenario.
const JANUS_OUTAGE: Duration = Duration::from_secs(2);

/// Frames of each present remote.
fn frame_counts(stats: &Stats) -> Vec<(String, u64)> {
    stats
        .present()
        .into_iter()
        .map(|(id, r)| (id, frames(r)))
        .collect()
}

/// Whether, for every client, at least `n` present remotes' frames grow
/// over [`WINDOW`] (stats files are written every two seconds).
fn flowing(clients: &[&Client], n: usize) -> Result<(), String> {
    let before: Vec<Vec<(String, u64)>> = clients
        .iter()
        .map(|c| c.stats().map(|s| frame_counts(&s)).unwrap_or_default())
        .collect();
    std::thread::sleep(WINDOW);
    for (c, before) in clients.iter().zip(before) {
        let after = c.stats().map(|s| frame_counts(&s)).unwrap_or_default();
        let grew = after
            .iter()
            .filter(|(id, now)| {
                let was = before.iter().find(|(b, _)| b == id).map_or(0, |(_, f)| *f);
                *now > was
            })
            .count();
        if grew < n {
            return Err(format!(
                "expected video from {n} remotes to keep flowing to {} over {WINDOW:?}, but \
                 {grew} grew (before {before:?}, after {after:?})\n{}",
                c.name,
                reports(clients)
            ));
        }
    }
    Ok(())
}

/// Polls [`flowing`] until it holds or `timeout` passes.
fn flowing_within(clients: &[&Client], n: usize, timeout: Duration) -> Result<Duration, String> {
    let started = Instant::now();
    loop {
        match flowing(clients, n) {
            Ok(()) => return Ok(started.elapsed()),
            Err(e) if started.elapsed() > timeout => return Err(e),
            Err(_) => {}
        }
    }
}

fn sfu_packets_sent(client: &Client) -> u64 {
    client
        .stats()
        .and_then(|s| s.0["sent"]["sfu:camera:video"]["packetsSent"].as_u64())
        .unwrap_or(0)
}

fn leave_all(clients: &[&Client]) {
    for c in clients {
        c.proc.interrupt();
    }
    for c in clients {
        let code = c
            .proc
            .wait_exit(Duration::from_secs(15))
            .and_then(|s| s.code());
        assert_eq!(
            code,
            Some(0),
            "expected {} to leave on SIGINT with exit code 0 (the call stayed up)\n{}",
            c.name,
            c.report()
        );
    }
}

#[test]
fn six_participants_receive_five_videos_each_through_janus_and_see_one_leave() {
    let Some(s) = setup("six through janus", 6) else {
        return;
    };
    let lab = &s.lab;
    let janus = Janus::start(lab);
    let server = Server::start(
        Some(lab),
        lab.dir(),
        bins(),
        &format!("{COMMAND}{}", janus.server_config()),
    );
    let host = server.link("ops", "host", "1h");
    let guest = server.link("ops", "guest", "1h");
    let names = ["WHO", "NIH", "Punjab", "Sindh", "KP", "Balochistan"];
    let clients: Vec<Client> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let link = if i == 0 { &host } else { &guest };
            join(lab, i + 1, link, name, &[])
        })
        .collect();
    let all: Vec<&Client> = clients.iter().collect();

    let took = all_receive(&all, 5, ROOM_UP).unwrap_or_else(|e| panic!("{e}"));
    flowing(&all, 5).unwrap_or_else(|e| panic!("{e}"));
    for c in &all {
        assert!(
            sfu_packets_sent(c) > 0,
            "expected {} to send through its SFU publication (sent.sfu:camera:video)\n{}",
            c.name,
            c.report()
        );
    }
    eprintln!("six through Janus: everyone had five videos at 640x360 after {took:?}");

    // Balochistan leaves: the five others see it gone within seconds.
    let leaver = &clients[5];
    let leaver_id = leaver
        .participant_id()
        .unwrap_or_else(|| panic!("no participant id\n{}", leaver.report()));
    let left_at = Instant::now();
    leaver.proc.interrupt();
    assert_eq!(
        leaver
            .proc
            .wait_exit(Duration::from_secs(15))
            .and_then(|s| s.code()),
        Some(0),
        "expected the leaver to exit 0 on SIGINT\n{}",
        leaver.report()
    );
    let stayers: Vec<&Client> = clients[..5].iter().collect();
    for c in &stayers {
        let line = c
            .proc
            .wait_line(&format!("left: {leaver_id}"), Duration::from_secs(10));
        assert!(
            line.is_ok(),
            "expected {} to print `left: {leaver_id}` within 10 s\n{}",
            c.name,
            c.report()
        );
        let gone = poll(Duration::from_secs(10), || {
            c.stats()
                .filter(|s| s.remote(&leaver_id).is_some_and(|r| r["present"] == false))
        });
        assert!(
            gone.is_some(),
            "expected {}'s stats to mark {leaver_id} not present\n{}",
            c.name,
            c.report()
        );
    }
    let seen_gone = left_at.elapsed();
    // Its video stopped; the four others keep flowing.
    let before: Vec<u64> = stayers
        .iter()
        .map(|c| {
            c.stats()
                .and_then(|s| s.remote(&leaver_id).map(frames))
                .unwrap_or(0)
        })
        .collect();
    flowing(&stayers, 4).unwrap_or_else(|e| panic!("{e}"));
    for (c, was) in stayers.iter().zip(before) {
        let now = c
            .stats()
            .and_then(|s| s.remote(&leaver_id).map(frames))
            .unwrap_or(0);
        assert_eq!(
            now,
            was,
            "expected {}'s frames from the leaver to stop\n{}",
            c.name,
            c.report()
        );
    }
    eprintln!("six through Janus: the others saw the leaver gone within {seen_gone:?}");
    leave_all(&stayers);
    drop(server);
    drop(janus);
}

#[test]
fn janus_killed_and_started_again_brings_everyones_video_back() {
    let Some(s) = setup("janus restart", 3) else {
        return;
    };
    let lab = &s.lab;
    let mut janus = Janus::start(lab);
    let server = Server::start(
        Some(lab),
        lab.dir(),
        bins(),
        &format!("{COMMAND}{}", janus.server_config()),
    );
    let host = server.link("ops", "host", "1h");
    let guest = server.link("ops", "guest", "1h");
    let clients = [
        join(lab, 1, &host, "WHO", &[]),
        join(lab, 2, &guest, "NIH", &[]),
        join(lab, 3, &guest, "Sindh", &[]),
    ];
    let all: Vec<&Client> = clients.iter().collect();
    all_receive(&all, 2, ROOM_UP).unwrap_or_else(|e| panic!("{e}"));
    flowing(&all, 2).unwrap_or_else(|e| panic!("{e}"));

    let marks: Vec<usize> = all.iter().map(|c| c.proc.mark()).collect();
    janus.kill();
    for (c, mark) in all.iter().zip(&marks) {
        let reset = c
            .proc
            .wait_line_from(*mark, "sfu: reset", Duration::from_secs(15));
        assert!(
            reset.is_ok(),
            "expected {} to hear that the SFU room was lost (`sfu: reset`)\n{}",
            c.name,
            c.report()
        );
    }
    // Down for a while, as a real restart is, not a blink: the clients'
    // attempts to get the room back fail meanwhile and must be retried.
    std::thread::sleep(JANUS_OUTAGE);
    let restarted = Instant::now();
    janus.restart(lab);
    let took = flowing_within(&all, 2, Duration::from_secs(45))
        .unwrap_or_else(|e| panic!("{e}\n--- janus:\n{}", janus.proc.transcript()));
    for c in &all {
        assert!(
            c.proc.running(),
            "expected {} to stay in the call through the restart\n{}",
            c.name,
            c.report()
        );
    }
    eprintln!(
        "janus restart: video flowing again for everyone {:?} after Janus started again \
         (checked over {took:?})",
        restarted.elapsed()
    );
    leave_all(&all);
    drop(server);
}

#[test]
fn a_fifth_participant_moves_a_p2p_room_to_the_sfu_and_everyone_keeps_video() {
    let Some(s) = setup("p2p to sfu", 5) else {
        return;
    };
    let lab = &s.lab;
    let janus = Janus::start(lab);
    let server = Server::start(
        Some(lab),
        lab.dir(),
        bins(),
        &format!("{MEETING}{}", janus.server_config()),
    );
    let host = server.link("ward", "host", "1h");
    let guest = server.link("ward", "guest", "1h");
    let first: Vec<Client> = ["Doctor", "Nurse", "Family", "Interpreter"]
        .iter()
        .enumerate()
        .map(|(i, name)| join(lab, i + 1, if i == 0 { &host } else { &guest }, name, &[]))
        .collect();
    let four: Vec<&Client> = first.iter().collect();
    all_receive(&four, 3, ROOM_UP).unwrap_or_else(|e| panic!("{e}"));
    for c in &four {
        assert_eq!(
            sfu_packets_sent(c),
            0,
            "expected {} to be peer-to-peer with four in the room\n{}",
            c.name,
            c.report()
        );
    }

    let fifth_at = Instant::now();
    let fifth = join(lab, 5, &guest, "Pharmacist", &[]);
    let mut all = four.clone();
    all.push(&fifth);
    all_receive(&all, 4, ROOM_UP).unwrap_or_else(|e| panic!("{e}"));
    for c in &all {
        let published = poll(Duration::from_secs(20), || {
            (sfu_packets_sent(c) > 0).then_some(())
        });
        assert!(
            published.is_some(),
            "expected {} to publish to the SFU once five are in\n{}",
            c.name,
            reports(&all)
        );
    }
    // After the handover (the mesh is gone once everyone publishes), video
    // from all four others flows to everyone: polled until it does.
    let took = flowing_within(&all, 4, Duration::from_secs(30)).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "p2p to sfu: all five had four videos flowing {:?} after the fifth started \
         (checked over {took:?})",
        fifth_at.elapsed()
    );
    leave_all(&all);
    drop(server);
    drop(janus);
}

/// The remote entry `id` of `stats` if its video has frames at `w`x`h`.
fn video_at(stats: &Stats, id: &str, (w, h): (u64, u64)) -> bool {
    stats
        .remote(id)
        .is_some_and(|r| frames(r) > 0 && r["video"]["width"] == w && r["video"]["height"] == h)
}

#[test]
fn a_shared_screen_reaches_everyone_as_a_second_video_beside_the_presenters_camera() {
    let Some(s) = setup("screen through janus", 3) else {
        return;
    };
    let lab = &s.lab;
    let janus = Janus::start(lab);
    let server = Server::start(
        Some(lab),
        lab.dir(),
        bins(),
        &format!("{COMMAND}{}", janus.server_config()),
    );
    let host = server.link("ops", "host", "1h");
    let guest = server.link("ops", "guest", "1h");
    let presenter = join(lab, 1, &host, "WHO", &["--share-screen"]);
    let nih = join(lab, 2, &guest, "NIH", &[]);
    let punjab = join(lab, 3, &guest, "Punjab", &[]);
    let everyone = [&presenter, &nih, &punjab];
    let presenter_id = poll(Duration::from_secs(30), || presenter.participant_id())
        .unwrap_or_else(|| panic!("the presenter never got in\n{}", reports(&everyone)));
    let screen_id = format!("{presenter_id}/screen");

    // Each of the others gets the presenter's camera at 360p and, apart
    // from it, the screen at 720p (readable text, whatever the cameras are).
    for c in [&nih, &punjab] {
        let both = poll(ROOM_UP, || {
            c.stats().filter(|s| {
                video_at(s, &presenter_id, (640, 360)) && video_at(s, &screen_id, (1280, 720))
            })
        });
        assert!(
            both.is_some(),
            "expected {} to receive the presenter's camera at 640x360 and screen at 1280x720 \
             as two videos\n{}",
            c.name,
            reports(&everyone)
        );
    }
    // Both keep flowing, and the presenter sends two publications.
    let screen_frames = |c: &Client| {
        c.stats()
            .and_then(|s| s.remote(&screen_id).map(frames))
            .unwrap_or(0)
    };
    let before = [screen_frames(&nih), screen_frames(&punjab)];
    flowing(&[&nih, &punjab], 2).unwrap_or_else(|e| panic!("{e}"));
    let after = [screen_frames(&nih), screen_frames(&punjab)];
    assert!(
        after[0] > before[0] && after[1] > before[1],
        "expected the screen to keep flowing ({before:?} then {after:?})\n{}",
        reports(&everyone)
    );
    let sent = presenter
        .stats()
        .map(|s| s.0["sent"].clone())
        .unwrap_or_default();
    assert_eq!(
        sent["sfu:screen:video"]["resolution"],
        "1280x720",
        "expected the presenter's stats to show the screen's publication at 1280x720\n{}",
        presenter.report()
    );
    assert!(
        sfu_packets_sent(&presenter) > 0,
        "expected the presenter's camera publication to go on beside the screen\n{}",
        presenter.report()
    );

    // The presenter leaves: their screen stops for everyone.
    presenter.proc.interrupt();
    assert_eq!(
        presenter
            .proc
            .wait_exit(Duration::from_secs(15))
            .and_then(|s| s.code()),
        Some(0),
        "expected the presenter to exit 0 on SIGINT\n{}",
        presenter.report()
    );
    std::thread::sleep(WINDOW);
    let stopped = [screen_frames(&nih), screen_frames(&punjab)];
    std::thread::sleep(WINDOW);
    assert_eq!(
        [screen_frames(&nih), screen_frames(&punjab)],
        stopped,
        "expected the screen to stop once its presenter left\n{}",
        reports(&everyone)
    );
    leave_all(&[&nih, &punjab]);
    drop(server);
    drop(janus);
}
