//! Who is in a call: three participants and one leaving; a station that
//! admits a guest from the lobby and denies another.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{MEETING, exit_code, join, reports};
use crate::netns::Lab;
use crate::procs::{Bins, Client, Server, frames, poll};
use crate::scenarios::round1;
use crate::{Figures, figures};

pub(crate) fn three_participants_each_receive_two_videos_and_see_one_leave(bins: &Bins) -> Figures {
    let lab = &Lab::new(3);
    let server = Server::start(Some(lab), lab.dir(), bins, MEETING);
    let host = server.link("ward-3", "host", "1h");
    let guest = server.link("ward-3", "guest", "1h");
    let doctor = join(
        lab,
        bins,
        1,
        &host,
        "Doctor",
        &["--quality", "360p", "--duration", "15s"],
    );
    let nurse = join(
        lab,
        bins,
        2,
        &guest,
        "Nurse",
        &["--quality", "360p", "--duration", "15s"],
    );
    let family = join(
        lab,
        bins,
        3,
        &guest,
        "Family",
        &["--quality", "360p", "--duration", "9s"],
    );
    let all = [&doctor, &nurse, &family];

    // While all three are in (Family leaves 9 s after it started), everyone
    // receives two remote videos at 640x360.
    let deadline = family.proc.started + Duration::from_millis(8800);
    for c in all {
        let left = deadline.saturating_duration_since(Instant::now());
        let seen = poll(left, || c.stats().filter(|s| s.videos_at(640, 360) >= 2));
        assert!(
            seen.is_some(),
            "expected {} to receive two remote videos at 640x360 while all three were in\n{}",
            c.name,
            reports(&all)
        );
    }
    assert_eq!(
        exit_code(&family, Duration::from_secs(15)),
        Some(0),
        "expected Family to leave after --duration 9s with exit code 0\n{}",
        family.report()
    );
    let family_final = family.stats().expect("Family's stats on exit");
    assert_eq!(
        family_final.videos_at(640, 360),
        2,
        "expected Family's final stats to show two remote videos at 640x360\n{}",
        family.report()
    );
    let family_id = family
        .participant_id()
        .unwrap_or_else(|| panic!("Family never said its id\n{}", family.report()));

    // The two others see it leave, and stop receiving from it.
    for c in [&doctor, &nurse] {
        let line = c
            .proc
            .wait_line(&format!("left: {family_id}"), Duration::from_secs(5));
        assert!(
            line.is_ok(),
            "expected {} to print `left: {family_id}` within 5 s of Family leaving\n{}",
            c.name,
            c.report()
        );
    }
    std::thread::sleep(Duration::from_secs(3));
    let mut after_leave = Vec::new();
    for c in [&doctor, &nurse] {
        let stats = c.stats().expect("stats");
        let entry = stats.remote(&family_id).cloned().unwrap_or_default();
        assert_eq!(
            entry["present"],
            false,
            "expected {}'s stats to mark Family ({family_id}) `present: false` after it left\n{}",
            c.name,
            c.report()
        );
        let others: Vec<u64> = stats
            .present()
            .iter()
            .map(|(_, r)| frames(r))
            .filter(|n| *n > 0)
            .collect();
        assert_eq!(
            others.len(),
            1,
            "expected {} to go on receiving the third participant's video (one present remote \
             with video) after Family left\n{}",
            c.name,
            c.report()
        );
        after_leave.push((frames(&entry), others[0]));
    }
    let mut after_leaving = Vec::new();
    for (c, (before, other)) in [&doctor, &nurse].into_iter().zip(after_leave) {
        assert_eq!(
            exit_code(c, Duration::from_secs(15)),
            Some(0),
            "expected {} to end after --duration 15s with exit code 0\n{}",
            c.name,
            c.report()
        );
        let stats = c.stats().expect("final stats");
        let entry = stats.remote(&family_id).cloned().unwrap_or_default();
        assert_eq!(
            frames(&entry),
            before,
            "expected {}'s frames from Family to stop growing once Family left ({before} three \
             seconds after, then {} at the end)\n{}",
            c.name,
            frames(&entry),
            c.report()
        );
        after_leaving.push(json!({
            "participant": c.name,
            "framesFromLeaver": before,
            "framesFromThirdWithin3s": other,
        }));
    }
    drop(server);
    figures([("afterLeaving", json!(after_leaving))])
}

pub(crate) fn a_station_admits_the_allowed_guest_from_the_lobby_and_denies_others(
    bins: &Bins,
) -> Figures {
    let lab = &Lab::new(3);
    // Without [rooms] default_kind, rooms are consultations: a lobby.
    let server = Server::start(Some(lab), lab.dir(), bins, "");
    let host = server.link("bed-12", "host", "1h");
    let guest = server.link("bed-12", "guest", "1h");

    let family = join(lab, bins, 1, &guest, "Family", &["--duration", "60s"]);
    let waiting = family
        .proc
        .wait_line("state: waiting for the host", Duration::from_secs(15));
    assert!(
        waiting.is_ok(),
        "expected Family, joining before any host, to wait in the lobby\n{}",
        family.report()
    );
    let station = Client::start(
        Some(lab),
        Some(2),
        lab.dir(),
        bins,
        "station",
        &host,
        "Bed 12",
        &[
            "--allow",
            "family",
            "--allow",
            "Dr Khan",
            "--duration",
            "60s",
        ],
    );
    let admitted = station
        .proc
        .wait_line("admitted: Family", Duration::from_secs(15));
    assert!(
        admitted.is_ok(),
        "expected the station (--allow family) to print `admitted: Family`\n{}",
        reports(&[&station, &family])
    );
    let in_call = family
        .proc
        .wait_line("state: in the call", Duration::from_secs(10));
    assert!(
        in_call.is_ok(),
        "expected Family to get into the call once admitted\n{}",
        reports(&[&station, &family])
    );

    let stranger = join(lab, bins, 3, &guest, "Stranger", &["--duration", "60s"]);
    let code = exit_code(&stranger, Duration::from_secs(20));
    assert_eq!(
        code,
        Some(2),
        "expected Stranger (not on the allow list) to be denied with exit code 2\n{}",
        reports(&[&station, &stranger])
    );
    let ended = stranger
        .proc
        .stdout()
        .into_iter()
        .find(|l| l.starts_with("ended:"))
        .unwrap_or_default();
    assert!(
        ended.contains("host") && ended.contains("not let you in"),
        "expected Stranger's `ended:` line to say the host did not let it in, got {ended:?}\n{}",
        stranger.report()
    );
    assert!(
        station
            .proc
            .wait_line("denied: Stranger", Duration::from_secs(2))
            .is_ok(),
        "expected the station to print `denied: Stranger`\n{}",
        station.report()
    );

    // The admitted guest and the station see each other.
    let video = poll(Duration::from_secs(10), || {
        family.stats().filter(|s| s.videos_at(640, 360) >= 1)
    });
    assert!(
        video.is_some(),
        "expected Family to receive the station's video at 640x360\n{}",
        reports(&[&family, &station])
    );
    family.proc.interrupt();
    station.proc.interrupt();
    for c in [&family, &station] {
        assert_eq!(
            exit_code(c, Duration::from_secs(10)),
            Some(0),
            "expected {} to leave on SIGINT with exit code 0\n{}",
            c.name,
            c.report()
        );
    }
    let admitted_after = admitted
        .map(|l| l.at.duration_since(station.proc.started).as_secs_f64())
        .unwrap_or(0.0);
    drop(server);
    figures([
        ("admittedAfterSeconds", json!(round1(admitted_after))),
        ("deniedExitCode", json!(2)),
        ("denied", json!(ended.to_string())),
    ])
}
