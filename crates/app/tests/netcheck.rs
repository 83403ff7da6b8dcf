//! The pre-join network check against real servers: the embedded one a
//! meeting runs on, and a standalone mulaqat-server with a coturn relay on
//! this machine's own address (coturn from `packaging/linux/install-deps.sh --test`; with
//! `CI=true` a missing `turnserver` fails, otherwise the relay test is skipped).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mulaqat_app::ipc::{CheckProblem, JoinTarget};
use mulaqat_app::{App, AppConfig, AppEvent, CommandErrorCode};
use mulaqat_media::devices::TestDevices;
use mulaqat_protocol::{Role, RoomId, UnixMillis};
use mulaqat_server::ServerConfig;
use mulaqat_server::testing::TestServer;
use mulaqat_server::token::{TokenSigner, join_link};
use mulaqat_settings::SettingsFile;
use tokio::sync::mpsc;

struct Person {
    app: App,
    _events: mpsc::UnboundedReceiver<AppEvent>,
    _dir: tempfile::TempDir,
}

async fn person() -> Person {
    let dir = tempfile::tempdir().unwrap();
    let policy = mulaqat_settings::MachinePolicy::load_file(&dir.path().join("none.toml"));
    let (tx, events) = mpsc::unbounded_channel();
    let app = App::start(
        AppConfig {
            settings_file: SettingsFile::at(dir.path().join("settings.toml")),
            policy,
            test_devices: TestDevices::Only,
            embedded_listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().join("server"),
        },
        Arc::new(tx),
    )
    .await
    .expect("the app starts");
    Person {
        app,
        _events: events,
        _dir: dir,
    }
}

fn now() -> UnixMillis {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    UnixMillis(since.as_millis() as u64)
}

/// A host link to `room` on `server`, signed by `signer`.
fn link_to(server: &TestServer, signer: &TokenSigner, room: &str) -> JoinTarget {
    let token = signer.issue(RoomId::new(room).unwrap(), Role::Host, now(), 3600);
    JoinTarget::Link {
        link: join_link(server.running().client_url(), &token),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_meeting_started_here_passes_the_check_with_rough_speeds() {
    let doctor = person().await;
    let meeting = doctor.app.start_meeting(false).await.expect("a meeting");

    let check = doctor
        .app
        .network_check(JoinTarget::RoomCode {
            room_code: meeting.room_code.clone(),
        })
        .await
        .expect("the check runs");
    assert!(check.server.ok, "{check:?}");
    assert!(check.server.ms.is_some(), "{check:?}");
    assert_eq!(check.turn, None, "the embedded server has no relay");
    let (down, up) = (check.downlink_kbps.unwrap(), check.uplink_kbps.unwrap());
    // On loopback both are far above what a call needs.
    assert!(down > 1000 && up > 1000, "{check:?}");

    let family = person().await;
    let check = family
        .app
        .network_check(JoinTarget::Link {
            link: meeting.guest_link.clone(),
        })
        .await
        .expect("the check runs");
    assert!(check.server.ok && check.uplink_kbps.is_some(), "{check:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_the_server_did_not_issue_fails_the_check_with_what_to_do() {
    let server = standalone(|_| {}).await;
    let person = person().await;
    let forged = link_to(
        &server,
        &TokenSigner::new(b"some-other-servers-secret-32byte"),
        "ward-7",
    );
    let check = person.app.network_check(forged).await.expect("it runs");
    assert!(!check.server.ok, "{check:?}");
    let detail = check.server.detail.as_deref().unwrap_or_default();
    assert!(detail.contains("not issued by this server"), "{detail}");
    assert_eq!(check.server.problem, Some(CheckProblem::LinkRefused));
    assert_eq!(check.uplink_kbps, None);

    let expired = JoinTarget::Link {
        link: join_link(
            server.running().client_url(),
            &server.signer().issue(
                RoomId::new("ward-7").unwrap(),
                Role::Guest,
                UnixMillis(now().0 - 7_200_000),
                60,
            ),
        ),
    };
    let check = person.app.network_check(expired).await.expect("it runs");
    let detail = check.server.detail.as_deref().unwrap_or_default();
    assert!(
        !check.server.ok && detail.contains("ask the host"),
        "{check:?}"
    );

    let nonsense = JoinTarget::Link {
        link: "mulaqat://join?server=nowhere".into(),
    };
    let refused = person.app.network_check(nonsense).await.unwrap_err();
    assert_eq!(refused.code, CommandErrorCode::InvalidLink);

    // The same server with a link it did issue: all well.
    let good = link_to(&server, server.signer(), "ward-7");
    let check = person.app.network_check(good).await.expect("it runs");
    assert!(check.server.ok && check.uplink_kbps.is_some(), "{check:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_allocates_with_the_servers_short_lived_credentials() {
    let Some(coturn) = Coturn::start() else {
        return;
    };
    let person = person().await;

    let server = standalone(|c| coturn.configure(c, coturn.port)).await;
    let check = person
        .app
        .network_check(link_to(&server, server.signer(), "icu-2"))
        .await
        .expect("it runs");
    let turn = check.turn.clone().expect("the server has a relay");
    assert!(turn.ok, "{check:?}");
    assert_eq!(turn.problem, None);
    assert!(turn.ms.is_some_and(|ms| ms < 5000), "{check:?}");

    // A relay port where nothing listens: said in words.
    let silent = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = standalone(|c| coturn.configure(c, silent)).await;
    let check = person
        .app
        .network_check(link_to(&dead, dead.signer(), "icu-2"))
        .await
        .expect("it runs");
    let turn = check.turn.clone().expect("the server names a relay");
    assert!(!turn.ok, "{check:?}");
    let detail = turn.detail.unwrap_or_default();
    assert!(detail.contains("UDP may be blocked"), "{detail}");
    assert_eq!(turn.problem, Some(CheckProblem::RelayNoUdp));
    assert!(
        check.server.ok && check.downlink_kbps.is_some(),
        "{check:?}"
    );
}

/// This machine's address on its default route (no packet is sent).
/// libnice gathers from non-loopback interfaces only, and replies from a
/// relay on 127.0.0.1 do not reach those sockets, so coturn listens here.
fn host_ip() -> std::net::IpAddr {
    let socket = UdpSocket::bind("0.0.0.0:0").expect("bind");
    match socket
        .connect("198.51.100.1:9")
        .and_then(|()| socket.local_addr())
    {
        Ok(addr) if !addr.ip().is_unspecified() => addr.ip(),
        _ => std::net::Ipv4Addr::LOCALHOST.into(),
    }
}

async fn standalone(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
    TestServer::start_with(configure)
        .await
        .expect("the server starts")
}

/// coturn on this machine's address with REST credentials (what mulaqat-server issues).
struct Coturn {
    child: Child,
    port: u16,
    secret_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Coturn {
    fn start() -> Option<Coturn> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let binary = std::env::split_paths(&path)
            .chain(["/usr/bin", "/usr/sbin", "/bin", "/sbin"].map(PathBuf::from))
            .map(|dir| dir.join("turnserver"))
            .find(|p| p.is_file());
        let Some(binary) = binary else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but turnserver (coturn) is not installed: run packaging/linux/install-deps.sh --test"
            );
            eprintln!("skipped: turnserver (coturn) is not installed");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("netcheck-{}", std::process::id());
        let secret_file = dir.path().join("turn-secret");
        std::fs::write(&secret_file, &secret).unwrap();
        let port = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let file = |name: &str| dir.path().join(name).display().to_string();
        let mut child = Command::new(binary)
            .args([
                "-n".to_owned(),
                format!("--listening-ip={}", host_ip()),
                format!("--relay-ip={}", host_ip()),
                format!("--listening-port={port}"),
                "--min-port=49410".to_owned(),
                "--max-port=49510".to_owned(),
                "--fingerprint".to_owned(),
                "--use-auth-secret".to_owned(),
                format!("--static-auth-secret={secret}"),
                "--realm=mulaqat.test".to_owned(),
                "--no-tcp".to_owned(),
                "--no-tls".to_owned(),
                "--no-dtls".to_owned(),
                "--no-cli".to_owned(),
                "--no-multicast-peers".to_owned(),
                format!("--pidfile={}", file("turnserver.pid")),
                format!("--userdb={}", file("turndb")),
                "--log-file=stdout".to_owned(),
                "--simple-log".to_owned(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver starts");
        let stdout = child.stdout.take().unwrap();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("Total General servers") {
                    let _ = ready_tx.send(());
                }
            }
        });
        let coturn = Coturn {
            child,
            port,
            secret_file,
            _dir: dir,
        };
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("turnserver is ready within 10 s");
        Some(coturn)
    }

    /// Points the server's `[ice]` at `port` on that address with this relay's secret.
    fn configure(&self, config: &mut ServerConfig, port: u16) {
        config.ice.turn_urls = vec![format!("turn:{}:{port}?transport=udp", host_ip())];
        config.ice.turn_secret_file = Some(self.secret_file.clone());
    }
}
