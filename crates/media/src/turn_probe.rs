//! Whether a TURN relay hands this computer an address: the pre-join
//! network check's "relay works" line.
//!
//! A `webrtcbin` alone in a pipeline, relay-only, with the TURN servers set
//! the way the engine sets a peer's, one audio transceiver and a local offer:
//! gathering then asks each relay for an allocation, and the first
//! `typ relay` candidate means one worked. When none comes, a bare STUN
//! request (UDP) or a TCP connection to each relay tells "it answered but
//! refused us" from "nothing answered", so the error can say what to do.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gst::prelude::*;

use crate::MediaError;
use crate::types::IceServer;

/// How long [`probe_turn`] waits for a relay candidate by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the follow-up reachability test waits for each relay.
const REACH_TIMEOUT: Duration = Duration::from_millis(800);
/// After gathering says it is complete, a relay candidate may still be on its way.
const GATHERING_GRACE: Duration = Duration::from_millis(300);

/// A relay allocation that worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayAllocated {
    /// From starting the probe to the first relay candidate.
    pub elapsed: Duration,
}

/// Why no relay address was allocated, in words the person can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TurnProbeError {
    /// No `turn:` or `turns:` URL was given.
    #[error("the server offers no TURN relay")]
    NoRelay,
    /// A relay answered but gave no address: it refused the credentials (or
    /// has no room left).
    #[error(
        "the relay answered but refused the credentials; run the check again, and if it keeps failing tell IT (the TURN secret may not match the server's)"
    )]
    Refused,
    /// Nothing answered on UDP.
    #[error(
        "no answer from the relay: UDP may be blocked on this network; TURN over TCP or TLS on port 443 is needed (ask IT)"
    )]
    NoAnswer,
    /// Nothing answered on UDP or TCP.
    #[error(
        "no answer from the relay over UDP or TCP: this network blocks it; ask IT to allow TURN over TLS on port 443"
    )]
    Unreachable,
    /// The probe itself could not run.
    #[error(transparent)]
    Media(#[from] MediaError),
}

/// Allocates on the TURN servers among `servers` and waits up to `timeout`
/// for a relay candidate. Blocks the calling thread (run it on a blocking
/// task); the pipeline is gone when it returns.
pub fn probe_turn(
    servers: &[IceServer],
    timeout: Duration,
) -> Result<RelayAllocated, TurnProbeError> {
    let relays = relays(servers);
    if relays.is_empty() {
        return Err(TurnProbeError::NoRelay);
    }
    crate::init()?;
    let started = Instant::now();
    let outcome = allocate(&relays, timeout)?;
    match outcome {
        Gathered::Relay => Ok(RelayAllocated {
            elapsed: started.elapsed(),
        }),
        Gathered::Nothing => Err(diagnose(&relays)),
    }
}

/// One TURN URL, as given and as webrtcbin wants it.
#[derive(Debug)]
struct Relay {
    /// `turn:host:port?transport=udp` (carries no secret).
    url: String,
    /// `turn://user:pass@host:port?...` (carries the credential; never logged).
    webrtcbin: String,
}

fn relays(servers: &[IceServer]) -> Vec<Relay> {
    servers
        .iter()
        .flat_map(|server| {
            server.urls.iter().filter_map(|url| {
                let converted = crate::engine::webrtcbin_url(
                    url,
                    server.username.as_deref(),
                    server.credential.as_deref(),
                )?;
                converted.starts_with("turn").then(|| Relay {
                    url: url.clone(),
                    webrtcbin: converted,
                })
            })
        })
        .collect()
}

enum Gathered {
    Relay,
    Nothing,
}

enum Event {
    RelayCandidate,
    GatheringComplete,
    Failed(String),
}

/// Sets the pipeline to NULL however the probe ends.
struct Teardown(gst::Pipeline);

impl Drop for Teardown {
    fn drop(&mut self) {
        let _ = self.0.set_state(gst::State::Null);
    }
}

fn allocate(relays: &[Relay], timeout: Duration) -> Result<Gathered, MediaError> {
    let pipeline = gst::Pipeline::with_name("mulaqat-turn-probe");
    let teardown = Teardown(pipeline.clone());
    let webrtcbin = crate::make_element("webrtcbin", "mulaqat-turn-probe-webrtc")?;
    webrtcbin.set_property_from_str("bundle-policy", "max-bundle");
    webrtcbin.set_property_from_str("ice-transport-policy", "relay");
    for relay in relays {
        if !webrtcbin.emit_by_name::<bool>("add-turn-server", &[&relay.webrtcbin]) {
            tracing::debug!(url = %relay.url, "webrtcbin refused a TURN server URL");
        }
    }
    let (tx, rx) = mpsc::channel();
    {
        let tx = tx.clone();
        webrtcbin.connect("on-ice-candidate", false, move |values| {
            let candidate = values
                .get(2)
                .and_then(|v| v.get::<String>().ok())
                .unwrap_or_default();
            if candidate.contains(" typ relay") {
                let _ = tx.send(Event::RelayCandidate);
            }
            None
        });
    }
    {
        let tx = tx.clone();
        webrtcbin.connect_notify(Some("ice-gathering-state"), move |webrtcbin, _| {
            let state =
                webrtcbin.property::<gst_webrtc::WebRTCICEGatheringState>("ice-gathering-state");
            if state == gst_webrtc::WebRTCICEGatheringState::Complete {
                let _ = tx.send(Event::GatheringComplete);
            }
        });
    }
    pipeline
        .add(&webrtcbin)
        .map_err(|e| MediaError::build("the TURN probe", e))?;
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| MediaError::Pipeline(format!("the TURN probe did not start: {e}")))?;
    let caps = gst::Caps::builder("application/x-rtp")
        .field("media", "audio")
        .field("encoding-name", "OPUS")
        .field("clock-rate", 48_000i32)
        .field("payload", 111i32)
        .build();
    webrtcbin.emit_by_name::<gst_webrtc::WebRTCRTPTransceiver>(
        "add-transceiver",
        &[&gst_webrtc::WebRTCRTPTransceiverDirection::Sendrecv, &caps],
    );
    let bin = webrtcbin.downgrade();
    let promise = gst::Promise::with_change_func(move |reply| {
        let Some(webrtcbin) = bin.upgrade() else {
            return;
        };
        match offer(reply) {
            Ok(offer) => webrtcbin
                .emit_by_name::<()>("set-local-description", &[&offer, &None::<gst::Promise>]),
            Err(e) => {
                let _ = tx.send(Event::Failed(e));
            }
        }
    });
    webrtcbin.emit_by_name::<()>("create-offer", &[&None::<gst::Structure>, &promise]);

    let mut deadline = Instant::now() + timeout;
    let gathered = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::RelayCandidate) => break Gathered::Relay,
            Ok(Event::GatheringComplete) => {
                deadline = deadline.min(Instant::now() + GATHERING_GRACE);
            }
            Ok(Event::Failed(e)) => {
                return Err(MediaError::build("the TURN probe's offer", e));
            }
            Err(_) => break Gathered::Nothing,
        }
    };
    drop(teardown);
    Ok(gathered)
}

fn offer(
    reply: Result<Option<&gst::StructureRef>, gst::PromiseError>,
) -> Result<gst_webrtc::WebRTCSessionDescription, String> {
    let reply = reply.map_err(|e| format!("{e:?}"))?.ok_or("no reply")?;
    if let Ok(error) = reply.get::<gst::glib::Error>("error") {
        return Err(error.to_string());
    }
    reply
        .get::<gst_webrtc::WebRTCSessionDescription>("offer")
        .map_err(|e| e.to_string())
}

/// No relay candidate came: did any relay answer at all?
fn diagnose(relays: &[Relay]) -> TurnProbeError {
    let mut tried_tcp = false;
    for relay in relays {
        let Some(target) = Target::parse(&relay.url) else {
            continue;
        };
        tried_tcp |= target.tcp;
        if target.answers() {
            return TurnProbeError::Refused;
        }
    }
    if tried_tcp {
        TurnProbeError::Unreachable
    } else {
        TurnProbeError::NoAnswer
    }
}

/// Where a TURN URL points.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    host: String,
    port: u16,
    /// TCP (`?transport=tcp` or `turns:`) rather than UDP.
    tcp: bool,
}

impl Target {
    fn parse(url: &str) -> Option<Target> {
        let (scheme, rest) = url.split_once(':')?;
        let tls = match scheme {
            "turn" => false,
            "turns" => true,
            _ => return None,
        };
        let rest = rest.trim_start_matches("//");
        let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        let tcp = tls
            || query
                .split('&')
                .any(|kv| kv.eq_ignore_ascii_case("transport=tcp"));
        let default_port = if tls { 5349 } else { 3478 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().ok()?,
                None => default_port,
            };
            (host.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), port.parse().ok()?),
                None => (authority.to_owned(), default_port),
            }
        };
        (!host.is_empty()).then_some(Target { host, port, tcp })
    }

    fn addrs(&self) -> Vec<SocketAddr> {
        (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map(Iterator::collect)
            .unwrap_or_default()
    }

    /// A TCP connection opens, or a STUN binding request gets any answer.
    fn answers(&self) -> bool {
        self.addrs().into_iter().any(|addr| {
            if self.tcp {
                TcpStream::connect_timeout(&addr, REACH_TIMEOUT).is_ok()
            } else {
                stun_answers(addr)
            }
        })
    }
}

/// Sends a STUN binding request (RFC 5389; TURN servers answer it without
/// credentials) and waits for a reply with the same transaction id.
fn stun_answers(addr: SocketAddr) -> bool {
    const MAGIC_COOKIE: [u8; 4] = [0x21, 0x12, 0xA4, 0x42];
    let mut txid = [0u8; 12];
    if getrandom::fill(&mut txid).is_err() {
        return false;
    }
    let mut request = Vec::with_capacity(20);
    request.extend_from_slice(&[0x00, 0x01, 0x00, 0x00]);
    request.extend_from_slice(&MAGIC_COOKIE);
    request.extend_from_slice(&txid);
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let Ok(socket) = UdpSocket::bind(local) else {
        return false;
    };
    if socket.connect(addr).is_err() {
        return false;
    }
    let deadline = Instant::now() + REACH_TIMEOUT;
    // Two sends: one lost datagram should not decide the verdict.
    for _ in 0..2 {
        if socket.send(&request).is_err() {
            return false;
        }
        let mut buf = [0u8; 1500];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero()
                || socket
                    .set_read_timeout(Some(left / 2 + Duration::from_millis(1)))
                    .is_err()
            {
                break;
            }
            match socket.recv(&mut buf) {
                Ok(n) if n >= 20 && buf[4..8] == MAGIC_COOKIE && buf[8..20] == txid => {
                    return true;
                }
                Ok(_) => continue,
                // Refused (ICMP port unreachable) or timed out.
                Err(_) => break,
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_urls_are_read_with_their_transport_and_default_port() {
        let t = |url: &str| Target::parse(url);
        assert_eq!(
            t("turn:turn.example:3478?transport=udp"),
            Some(Target {
                host: "turn.example".into(),
                port: 3478,
                tcp: false
            })
        );
        assert_eq!(
            t("turn:10.0.0.1?transport=tcp"),
            Some(Target {
                host: "10.0.0.1".into(),
                port: 3478,
                tcp: true
            })
        );
        assert_eq!(
            t("turns:turn.example"),
            Some(Target {
                host: "turn.example".into(),
                port: 5349,
                tcp: true
            })
        );
        assert_eq!(
            t("turn:[::1]:3479"),
            Some(Target {
                host: "::1".into(),
                port: 3479,
                tcp: false
            })
        );
        assert_eq!(t("stun:turn.example:3478"), None);
        assert_eq!(t("turn:"), None);
    }

    #[test]
    fn only_turn_urls_are_probed() {
        let servers = [
            IceServer {
                urls: vec!["stun:stun.example:3478".into()],
                username: None,
                credential: None,
            },
            IceServer {
                urls: vec!["turn:turn.example:3478".into()],
                username: Some("1:u".into()),
                credential: Some("p/w=".into()),
            },
        ];
        let relays = relays(&servers);
        assert_eq!(relays.len(), 1);
        assert_eq!(relays[0].url, "turn:turn.example:3478");
        assert_eq!(
            relays[0].webrtcbin,
            "turn://1%3Au:p%2Fw%3D@turn.example:3478"
        );
        assert!(matches!(
            probe_turn(&servers[..1], DEFAULT_TIMEOUT),
            Err(TurnProbeError::NoRelay)
        ));
    }
}

/// Against a real coturn on this machine's own address (installed by
/// `packaging/linux/install-deps.sh --test`; with `CI=true` a missing
/// `turnserver` fails the test, otherwise it is skipped).
#[cfg(test)]
mod coturn {
    use std::io::{BufRead, BufReader};
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};

    use super::*;

    const USER: &str = "probe-user";
    const PASSWORD: &str = "probe-password";

    struct Coturn {
        child: Child,
        port: u16,
        _dir: tempfile::TempDir,
    }

    impl Drop for Coturn {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn turnserver() -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(["/usr/bin", "/usr/sbin", "/bin", "/sbin"].map(PathBuf::from))
            .map(|dir| dir.join("turnserver"))
            .find(|p| p.is_file())
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

    fn free_udp_port() -> u16 {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
        socket.local_addr().expect("local address").port()
    }

    fn start() -> Option<Coturn> {
        let Some(binary) = turnserver() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but turnserver (coturn) is not installed: run packaging/linux/install-deps.sh --test"
            );
            eprintln!("skipped: turnserver (coturn) is not installed");
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_udp_port();
        let mut child = Command::new(binary)
            .args([
                "-n".to_owned(),
                format!("--listening-ip={}", host_ip()),
                format!("--relay-ip={}", host_ip()),
                format!("--listening-port={port}"),
                "--min-port=49300".to_owned(),
                "--max-port=49400".to_owned(),
                "--fingerprint".to_owned(),
                "--lt-cred-mech".to_owned(),
                format!("--user={USER}:{PASSWORD}"),
                "--realm=mulaqat.test".to_owned(),
                "--no-tcp".to_owned(),
                "--no-tls".to_owned(),
                "--no-dtls".to_owned(),
                "--no-cli".to_owned(),
                "--no-multicast-peers".to_owned(),
                format!("--pidfile={}", dir.path().join("turnserver.pid").display()),
                format!("--userdb={}", dir.path().join("turndb").display()),
                "--log-file=stdout".to_owned(),
                "--simple-log".to_owned(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Shown when the test fails.
                eprintln!("coturn: {line}");
                if line.contains("Total General servers") {
                    let _ = ready_tx.send(());
                }
            }
        });
        let coturn = Coturn {
            child,
            port,
            _dir: dir,
        };
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("turnserver says it is ready within 10 s");
        Some(coturn)
    }

    fn relay(port: u16, username: &str, credential: &str) -> Vec<IceServer> {
        vec![IceServer {
            urls: vec![format!("turn:{}:{port}?transport=udp", host_ip())],
            username: Some(username.to_owned()),
            credential: Some(credential.to_owned()),
        }]
    }

    #[test]
    fn a_relay_is_allocated_refused_or_unanswered_and_each_is_told_apart() {
        let Some(coturn) = start() else { return };

        let allocated = probe_turn(&relay(coturn.port, USER, PASSWORD), DEFAULT_TIMEOUT)
            .expect("valid credentials allocate a relay");
        assert!(allocated.elapsed < DEFAULT_TIMEOUT, "{allocated:?}");

        let started = Instant::now();
        let refused = probe_turn(&relay(coturn.port, USER, "wrong"), DEFAULT_TIMEOUT)
            .expect_err("wrong credentials allocate nothing");
        assert!(matches!(refused, TurnProbeError::Refused), "{refused:?}");
        assert!(refused.to_string().contains("refused the credentials"));
        assert!(started.elapsed() < DEFAULT_TIMEOUT + Duration::from_secs(3));

        let nobody = free_udp_port();
        let started = Instant::now();
        let silent = probe_turn(&relay(nobody, USER, PASSWORD), DEFAULT_TIMEOUT)
            .expect_err("nothing listens");
        assert!(matches!(silent, TurnProbeError::NoAnswer), "{silent:?}");
        assert!(silent.to_string().contains("UDP may be blocked"));
        assert!(started.elapsed() < DEFAULT_TIMEOUT + Duration::from_secs(3));
    }
}
