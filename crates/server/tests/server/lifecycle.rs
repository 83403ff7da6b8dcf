//! Starting, timing out and stopping: the binary, its links, and shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use mulaqat_protocol::{ClientMsg, CloseReason, ErrorCode, Role, ServerMsg};

use crate::support::*;

#[tokio::test]
async fn shutdown_tells_every_client_before_closing() {
    let server = TestServer::start().await;
    let ((mut host, _), (mut guest, _)) = server.pair("r").await;
    let (mut waiting, _, _) = server.join("r", Role::Guest, "Waiting").await;
    let mut fresh = server.connect().await;
    let stop = tokio::spawn(server.shutdown());
    for c in [&mut host, &mut guest, &mut waiting] {
        let (msgs, ending) = c.until_end().await;
        assert!(
            msgs.contains(&ServerMsg::Closed {
                reason: CloseReason::ServerShutdown
            }),
            "{msgs:?}"
        );
        assert_eq!(ending, Ending::Closed(GOING_AWAY));
    }
    let (msgs, ending) = fresh.until_end().await;
    assert!(matches!(
        msgs[..],
        [ServerMsg::Error {
            code: ErrorCode::ServerShuttingDown,
            ..
        }]
    ));
    assert_eq!(ending, Ending::Closed(GOING_AWAY));
    tokio::time::timeout(Duration::from_secs(10), stop)
        .await
        .expect("shutdown finishes")
        .expect("no panic");
}

#[tokio::test]
async fn a_connection_that_never_says_hello_is_closed() {
    let server = TestServer::start_with(|c| c.limits.hello_timeout_secs = 1).await;
    let mut silent = server.connect().await;
    let (_, ending) = silent.until_end().await;
    assert_eq!(ending, Ending::Closed(POLICY));
}

#[tokio::test]
async fn a_client_that_stops_answering_pings_is_dropped_and_reported() {
    let server = TestServer::start_with(|c| {
        c.limits.ping_interval_secs = 1;
        c.limits.idle_timeout_secs = 2;
    })
    .await;
    let ((mut host, _), (mut guest, guest_id)) = server.pair("r").await;
    // The host keeps reading (and so answering pings); the guest reads
    // nothing, and so answers no pings, until the host is told it left:
    // after the idle timeout and the close frame's grace, about 5 s.
    let msg = host.recv_within(Duration::from_secs(15)).await;
    assert!(matches!(msg, ServerMsg::Left { participant, .. } if participant == guest_id));
    let (_, ending) = guest.until_end().await;
    assert!(
        matches!(ending, Ending::Closed(1001) | Ending::Dropped),
        "{ending:?}"
    );
}

fn server_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mulaqat-server"))
}

#[tokio::test]
async fn the_binary_prints_its_address_makes_links_and_stops_on_sigterm() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut child = server_bin()
        .args(["--listen", "127.0.0.1:0", "--log", "warn", "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");

    // The token command signs with the same secret (same data dir).
    let link = |role: &str| {
        let out = server_bin()
            .args([
                "token",
                "--room",
                "ward-7",
                "--ttl",
                "10m",
                "--role",
                role,
                "--public-url",
                &url,
                "--data-dir",
            ])
            .arg(data.path())
            .output()
            .expect("token command");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).expect("utf8");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "the link, then the browser link: {stdout}");
        (lines[0].to_owned(), lines[1].to_owned())
    };
    let (host_link, browser) = link("host");
    assert!(
        host_link.starts_with("mulaqat://join?server=ws%3A%2F%2F127.0.0.1%3A"),
        "{host_link}"
    );
    let token = host_link
        .split("token=")
        .nth(1)
        .expect("token in link")
        .to_owned();
    // The same token for a browser, in the fragment of the server's /join.
    let port = url.rsplit(':').next().expect("port");
    assert_eq!(
        browser,
        format!("browser link: http://127.0.0.1:{port}/join#t={token}")
    );

    let mut host = Client::connect(&url).await;
    host.send(&ClientMsg::Hello { version: 1, token }).await;
    host.send(&join("ward-7", "Ward station")).await;
    assert!(matches!(host.recv().await, ServerMsg::Welcome { .. }));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let (msgs, ending) = host.until_end().await;
    assert_eq!(
        msgs,
        vec![ServerMsg::Closed {
            reason: CloseReason::ServerShutdown
        }]
    );
    assert_eq!(ending, Ending::Closed(GOING_AWAY));
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn a_room_created_ahead_of_time_is_picked_up_by_a_running_server() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_owned();
    let server = TestServer::start_with(|c| c.data_dir = Some(dir.clone())).await;
    let out = server_bin()
        .args([
            "room",
            "create",
            "command-daily",
            "--kind",
            "meeting",
            "--max-participants",
            "20",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .expect("room create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The server polls the file every 2 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    loop {
        let (_c, _, reply) = server.join("command-daily", Role::Guest, "Site").await;
        if let ServerMsg::Welcome { policy, .. } = &reply {
            assert_eq!(policy.max_participants, 20);
            assert!(!policy.lobby);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "room never picked up: {reply:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[test]
fn bad_arguments_say_what_is_wrong() {
    let out = server_bin()
        .args(["token", "--room", "has space"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("may only contain letters"), "{err}");

    let data = tempfile::tempdir().expect("tempdir");
    let config = data.path().join("server.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:0\"\n[limits]\nping_interval = 5\n",
    )
    .expect("write");
    let out = server_bin()
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ping_interval"), "{err}");
}
