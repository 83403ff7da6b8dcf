//! `mulaqat-cli host` and two `mulaqat-cli join` processes make a call, as a
//! person would from the README; a damaged link is refused with exit code 1
//! and a message, and a wrong server's link with exit code 2. Each link
//! `host` prints comes with its browser link, which reaches the server's `/join`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn cli() -> Command {
    let mut cli = Command::new(env!("CARGO_BIN_EXE_mulaqat-cli"));
    cli.env_remove("MULAQAT_JOIN_LINK");
    cli
}

/// A `mulaqat-cli host` that is killed however the test ends (a leftover
/// would hold the test's output open).
struct Host {
    child: std::process::Child,
    host_link: String,
    guest_link: String,
    /// The browser forms of the two links, as printed after each.
    host_browser_link: String,
    guest_browser_link: String,
    /// Kept open: the host goes on printing, and a closed pipe would kill it.
    _stdout: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Host {
    fn start() -> Host {
        let mut child = cli()
            .args(["host", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("host starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut next = |prefix: &str| {
            lines
                .next()
                .unwrap()
                .unwrap()
                .strip_prefix(prefix)
                .unwrap()
                .to_owned()
        };
        let host_link = next("host link: ");
        let host_browser_link = next("browser link: ");
        let guest_link = next("guest link: ");
        let guest_browser_link = next("browser link: ");
        Host {
            child,
            host_link,
            guest_link,
            host_browser_link,
            guest_browser_link,
            _stdout: lines,
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Each link is followed by its browser form: the same server's `/join`
/// over http, the same token in the fragment; opening it reaches the page
/// (or, in a build without the browser client, the message saying so).
#[test]
fn host_prints_a_browser_link_after_each_link() {
    let host = Host::start();
    for (link, browser) in [
        (&host.host_link, &host.host_browser_link),
        (&host.guest_link, &host.guest_browser_link),
    ] {
        let token = link.split("token=").nth(1).unwrap();
        let port = link
            .split("%3A")
            .nth(2)
            .and_then(|rest| rest.split('&').next())
            .unwrap();
        assert_eq!(
            *browser,
            format!("http://127.0.0.1:{port}/join#t={token}"),
            "{link}"
        );
    }
    let authority = host
        .guest_browser_link
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap();
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    // A browser sends neither the fragment nor the token.
    write!(
        stream,
        "GET /join HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    std::io::Read::read_to_string(&mut stream, &mut reply).unwrap();
    let expected = if mulaqat_server::web::built_in() {
        "HTTP/1.1 200 OK"
    } else {
        "HTTP/1.1 503 Service Unavailable"
    };
    assert!(reply.starts_with(expected), "{reply}");
    if !mulaqat_server::web::built_in() {
        assert!(reply.contains("npm run build:web"), "{reply}");
    }
}

#[test]
fn the_cli_refuses_bad_links_with_a_clear_message_and_exit_code() {
    bad_links_are_refused_with_a_clear_message_and_exit_code();
}

/// The README's call: a host and two joins on one machine, each receiving
/// the other's video at the size sent, with the stats JSON to show it.
#[test]
fn host_and_two_joins_make_a_call_and_write_stats() {
    let host = Host::start();
    let (host_link, guest_link) = (host.host_link.clone(), host.guest_link.clone());
    let dir = tempfile::tempdir().unwrap();
    // Neither link goes on the command line, where any user could read its
    // token: the doctor's comes from the environment, the family's on
    // standard input.
    let join = |link: &str, on_stdin: bool, name: &str, secs: &str, stats: &std::path::Path| {
        let mut join = cli();
        join.arg("join");
        if on_stdin {
            join.arg("-").stdin(Stdio::piped());
        } else {
            join.env("MULAQAT_JOIN_LINK", link);
        }
        let mut child = join
            .args(["--name", name, "--duration", secs, "--stats-json"])
            .arg(stats)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("join starts");
        if on_stdin {
            let mut stdin = child.stdin.take().expect("piped stdin");
            writeln!(stdin, "{link}").expect("the link written");
        }
        child
    };
    let (doctor_stats, family_stats) = (
        dir.path().join("doctor.json"),
        dir.path().join("family.json"),
    );
    let doctor = join(&host_link, false, "Doctor", "14s", &doctor_stats);
    let family = join(&guest_link, true, "Family", "12s", &family_stats);
    for (child, stats) in [(family, &family_stats), (doctor, &doctor_stats)] {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(stdout.contains("ended: Left"), "{stdout}");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(stats).unwrap()).unwrap();
        let remote = doc["remote"].as_object().expect("remote participants");
        assert_eq!(remote.len(), 1, "{doc}\n{stdout}");
        let other = remote.values().next().unwrap();
        assert!(other["firstFrameMs"].as_u64().is_some(), "{doc}");
        let video = &other["video"];
        assert!(video["framesReceived"].as_u64().unwrap() > 30, "{doc}");
        assert_eq!(video["width"], 640);
        assert_eq!(video["height"], 360);
        assert_eq!(doc["ended"], "Left");
    }
    drop(host);
}

#[test]
fn a_machine_policy_locking_another_server_refuses_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "server_url = \"https://meet.hospital.example\"\nlock_server = true\n",
    )
    .unwrap();
    let host = Host::start();
    let out = cli()
        .args(["join", &host.guest_link, "--duration", "5s"])
        .env("MULAQAT_POLICY_FILE", &policy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("IT department") && stderr.contains("meet.hospital.example"),
        "{stderr}"
    );
}

fn bad_links_are_refused_with_a_clear_message_and_exit_code() {
    let out = cli()
        .args(["join", "https://example.org/call"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Mulaqat join link"));

    // "-" with nothing on standard input.
    let out = cli()
        .args(["join", "-"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no join link on standard input"),
        "{stderr}"
    );

    // A link signed by another server: the server refuses the token.
    let host = Host::start();
    let (head, _) = host.host_link.rsplit_once('.').unwrap();
    let forged = format!("{head}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let out = cli()
        .args(["join", &forged, "--duration", "20s"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("refused (invalidToken)"), "{stdout}");
}
