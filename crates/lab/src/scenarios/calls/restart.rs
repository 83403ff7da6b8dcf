//! A call that goes on after its server is killed and restarted.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{MEETING, exit_code, join, reports};
use crate::netns::Lab;
use crate::procs::{Bins, Server, Stats, frames, poll};
use crate::scenarios::round1;
use crate::{Figures, figures};

/// The present remote whose video grew the most between `before` and `after`.
fn growth(before: Option<&Stats>, after: &Stats) -> Option<(String, u64)> {
    after
        .present()
        .into_iter()
        .map(|(id, r)| {
            let was = before.and_then(|b| b.remote(&id)).map(frames).unwrap_or(0);
            (id, frames(r).saturating_sub(was))
        })
        .max_by_key(|(_, grew)| *grew)
}

pub(crate) fn a_call_resumes_after_the_server_is_killed_and_restarted(bins: &Bins) -> Figures {
    let lab = &Lab::new(2);
    let mut server = Server::start(Some(lab), lab.dir(), bins, MEETING);
    let host = server.link("ward-5", "host", "1h");
    let guest = server.link("ward-5", "guest", "1h");
    let doctor = join(lab, bins, 1, &host, "Doctor", &[]);
    let family = join(lab, bins, 2, &guest, "Family", &[]);
    let both = [&doctor, &family];
    for c in both {
        let flowing = poll(Duration::from_secs(15), || {
            c.stats()
                .filter(|s| s.present().iter().any(|(_, r)| frames(r) > 0))
        });
        assert!(
            flowing.is_some(),
            "expected {} to receive video before the restart\n{}",
            c.name,
            reports(&both)
        );
    }
    let ids_before: Vec<String> = both.iter().filter_map(|c| c.participant_id()).collect();
    let marks: Vec<usize> = both.iter().map(|c| c.proc.mark()).collect();

    server.kill();
    let killed = Instant::now();
    for (c, mark) in both.iter().zip(&marks) {
        let line = c
            .proc
            .wait_line_from(*mark, "state: reconnecting", Duration::from_secs(10));
        assert!(
            line.is_ok(),
            "expected {} to print `state: reconnecting` after the server was killed\n{}",
            c.name,
            c.report()
        );
    }
    std::thread::sleep(Duration::from_secs(3).saturating_sub(killed.elapsed()));
    server.restart(Some(lab), lab.dir());
    let restarted = Instant::now();
    let deadline = restarted + Duration::from_secs(20);

    let mut back = Vec::new();
    for (c, mark) in both.iter().zip(&marks) {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = c.proc.wait_line_from(*mark, "state: in the call", left);
        assert!(
            line.is_ok(),
            "expected {} to be back in the call within 20 s of the restart\n{}\n{}",
            c.name,
            c.report(),
            server.proc.transcript()
        );
        back.push(line.map(|l| l.at).unwrap_or(restarted));
    }
    let rejoined = back.into_iter().max().unwrap_or(restarted);
    // Video again: a present remote's frames grow after both are back.
    let mut report = Vec::new();
    for c in both {
        let base = c.stats();
        let left = deadline.saturating_duration_since(Instant::now());
        let grew = poll(left, || {
            let now = c.stats()?;
            growth(base.as_ref(), &now).filter(|(_, n)| *n >= 15)
        });
        assert!(
            grew.is_some(),
            "expected the video {} receives from a present participant to grow again within \
             20 s of the restart\n{}",
            c.name,
            c.report()
        );
        let (id, n) = grew.unwrap_or_default();
        report.push(format!(
            "{}: +{n} frames from {id} ({}), {:.1} s after the restart",
            c.name,
            if ids_before.contains(&id) {
                "same id as before"
            } else {
                "new id"
            },
            restarted.elapsed().as_secs_f64()
        ));
    }
    for c in both {
        assert!(
            c.proc.running(),
            "expected {} to stay in the call through the restart\n{}",
            c.name,
            c.report()
        );
        c.proc.interrupt();
    }
    for c in both {
        assert_eq!(
            exit_code(c, Duration::from_secs(10)),
            Some(0),
            "expected {} to leave on SIGINT with exit code 0\n{}",
            c.name,
            c.report()
        );
    }
    figures([
        (
            "backInCallAfterRestartSeconds",
            json!(round1(rejoined.duration_since(restarted).as_secs_f64())),
        ),
        (
            "backInCallAfterKillSeconds",
            json!(round1(rejoined.duration_since(killed).as_secs_f64())),
        ),
        ("video", json!(report)),
    ])
}
