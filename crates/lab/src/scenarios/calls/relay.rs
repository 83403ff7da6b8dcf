//! Relay-only calls through coturn, credentials that expire, and no secret
//! in what the processes write.

use std::time::Duration;

use serde_json::json;

use super::{MEETING, exit_code, join, reports};
use crate::coturn::Coturn;
use crate::measure;
use crate::netns::{Lab, SERVER_ADDR, client_addr};
use crate::procs::{Bins, Server, frames, poll};
use crate::scenarios::round1;
use crate::{Figures, figures};

pub(crate) fn relay_only_calls_connect_through_coturn_and_fail_clearly_with_expired_credentials(
    bins: &Bins,
) -> Figures {
    let lab = &Lab::new(2);
    let turn = Coturn::start(lab);
    // Direct UDP between the clients is dropped, and what comes from the
    // relay is counted: media can only flow through coturn.
    for (me, other) in [(1, 2), (2, 1)] {
        lab.block_udp_from(me, &client_addr(other));
        lab.count_from(me, SERVER_ADDR, "udp", "relay");
    }
    let relayed = relay_carries_the_call(lab, bins, &turn);
    let expired = expired_credentials_fail_clearly(lab, bins, &turn);
    // Nothing the clients or the server wrote (logs, stats) holds the TURN
    // secret or a join token.
    let secret = std::fs::read_to_string(&turn.secret_file).expect("the TURN secret");
    let mut secrets = vec![secret.trim().to_owned()];
    secrets.extend(
        relayed
            .links
            .iter()
            .chain(&expired.links)
            .filter_map(|l| l.split_once("token=").map(|(_, t)| t.to_owned())),
    );
    let (scanned, leaks) = scan_for_secrets(lab.dir(), &secrets);
    assert!(
        scanned >= 5 && leaks.is_empty(),
        "expected no secret in the {scanned} log and stats files; found: {leaks:?}"
    );
    figures([
        ("filesScannedForSecrets", json!(scanned)),
        ("relayedPackets", json!(format!("{:?}", relayed.relayed))),
        ("directDropped", json!(format!("{:?}", relayed.direct))),
        (
            "expiredGaveUpAfterSeconds",
            json!(round1(expired.gave_up_after.as_secs_f64())),
        ),
        ("expiredError", json!(expired.error)),
        ("secondExitCode", json!(expired.second_code)),
    ])
}

/// What the relay-only call showed.
struct RelayedCall {
    /// The join links it used (their tokens must not leak).
    links: Vec<String>,
    /// UDP packets each client received from the relay.
    relayed: [u64; 2],
    /// Direct UDP packets dropped at each client.
    direct: [u64; 2],
}

/// Two `--relay-only` clients that cannot reach each other directly
/// receive each other's video, through coturn.
fn relay_carries_the_call(lab: &Lab, bins: &Bins, turn: &Coturn) -> RelayedCall {
    let server = Server::start(
        Some(lab),
        lab.dir(),
        bins,
        &format!("{MEETING}{}", turn.server_config(600)),
    );
    let host = server.link("ward-9", "host", "1h");
    let guest = server.link("ward-9", "guest", "1h");
    let relay_args = ["--relay-only", "--duration", "12s"];
    let doctor = join(lab, bins, 1, &host, "Doctor", &relay_args);
    let family = join(lab, bins, 2, &guest, "Family", &relay_args);
    let both = [&doctor, &family];
    for c in both {
        let video = poll(Duration::from_secs(11), || {
            c.stats()
                .filter(|s| s.remotes().iter().any(|(_, r)| frames(r) > 30))
        });
        assert!(
            video.is_some(),
            "expected {} (--relay-only) to receive video through coturn\n{}\n{}",
            c.name,
            reports(&both),
            turn.proc.transcript()
        );
    }
    for c in both {
        assert_eq!(
            exit_code(c, Duration::from_secs(15)),
            Some(0),
            "expected {} to end normally\n{}",
            c.name,
            c.report()
        );
    }
    let relayed = [lab.counter(1, "relay"), lab.counter(2, "relay")];
    let direct = [lab.counter(1, "block"), lab.counter(2, "block")];
    assert!(
        relayed.iter().all(|n| *n > 100),
        "expected both clients to receive media from the relay ({SERVER_ADDR}); UDP packets \
         from it: {relayed:?}, direct UDP dropped: {direct:?}\n{}",
        reports(&both)
    );
    drop(server);
    RelayedCall {
        links: vec![host, guest],
        relayed,
        direct,
    }
}

/// What the call with expired credentials showed.
struct ExpiredCall {
    /// The join links it used (their tokens must not leak).
    links: Vec<String>,
    /// From the second client's start to the first giving up.
    gave_up_after: Duration,
    /// The first client's `error:` line.
    error: String,
    /// How the second client ended.
    second_code: Option<i32>,
}

/// Credentials that expire after a second: the first client's are stale
/// when the second joins 4 s later, so its relay allocation is refused and
/// it gives up with exit code 3, naming the relay.
fn expired_credentials_fail_clearly(lab: &Lab, bins: &Bins, turn: &Coturn) -> ExpiredCall {
    let server = Server::start(
        Some(lab),
        lab.dir(),
        bins,
        &format!("{MEETING}{}", turn.server_config(1)),
    );
    let host = server.link("ward-9", "host", "1h");
    let guest = server.link("ward-9", "guest", "1h");
    let stale_args = [
        "--relay-only",
        "--connect-timeout",
        "10s",
        "--duration",
        "60s",
    ];
    let first = join(lab, bins, 1, &host, "Consultant", &stale_args);
    assert!(
        first
            .proc
            .wait_line("state: in the call", Duration::from_secs(10))
            .is_ok(),
        "expected Consultant to join\n{}",
        first.report()
    );
    // A client's command line is readable by every user of the machine:
    // its join token is not on it.
    let cmdline = measure::cmdline(first.proc.pid);
    let token = host.split_once("token=").map_or("", |(_, t)| t);
    assert!(
        cmdline.contains("--relay-only") && !token.is_empty() && !cmdline.contains(token),
        "expected Consultant's command line without its join token: {cmdline}"
    );
    std::thread::sleep(Duration::from_secs(4));
    let second = join(lab, bins, 2, &guest, "Patient", &stale_args);
    let code = exit_code(&first, Duration::from_secs(10 + 8));
    let gave_up_after = second.proc.started.elapsed();
    let said = format!(
        "{}\n{}",
        first.proc.stderr().join("\n"),
        first.proc.stdout().join("\n")
    )
    .to_lowercase();
    assert_eq!(
        code,
        Some(3),
        "expected Consultant (expired TURN credentials) to give up with exit code 3 within the \
         10 s connect timeout\n{}",
        reports(&[&first, &second])
    );
    assert!(
        said.contains("turn") || said.contains("relay"),
        "expected Consultant's error to name the TURN relay or its credentials\n{}",
        first.report()
    );
    let received: u64 = first
        .stats()
        .map(|s| s.remotes().iter().map(|(_, r)| frames(r)).sum())
        .unwrap_or(0);
    assert_eq!(
        received,
        0,
        "expected no video to arrive with expired credentials\n{}",
        first.report()
    );
    let second_code = exit_code(&second, Duration::from_secs(15));
    let error = first
        .proc
        .stderr()
        .into_iter()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    ExpiredCall {
        links: vec![host, guest],
        gave_up_after,
        error,
        second_code,
    }
}

/// Searches the logs and stats files under `dir` (not coturn's own log,
/// nor the files that hold secrets by design) for any of `secrets`: how
/// many files were read, and `file: secret #i` for each find.
fn scan_for_secrets(dir: &std::path::Path, secrets: &[String]) -> (usize, Vec<String>) {
    let mut scanned = 0;
    let mut leaks = Vec::new();
    let files = std::fs::read_dir(dir).into_iter().flatten().flatten();
    for file in files {
        let name = file.file_name().to_string_lossy().into_owned();
        let ours = (name.ends_with(".log") || name.ends_with(".json")) && name != "turnserver.log";
        if !ours {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(file.path()) else {
            continue;
        };
        scanned += 1;
        for (i, secret) in secrets.iter().enumerate() {
            if !secret.is_empty() && text.contains(secret.as_str()) {
                leaks.push(format!("{name}: secret #{i}"));
            }
        }
    }
    (scanned, leaks)
}
