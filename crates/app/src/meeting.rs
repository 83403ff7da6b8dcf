//! Meetings on this computer's own server (the embedded `mulaqat-server`),
//! for when no hospital server is configured: a call still works on a LAN.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::Duration;

use mulaqat_protocol::{Role, RoomId, RoomKind, UnixMillis};
use mulaqat_server::token::{TokenSigner, browser_link, join_link};
use mulaqat_server::{RunningServer, ServerConfig};

use crate::error::{CommandError, CommandErrorCode};
use crate::ipc::BrowserLinkNote;

/// How long links made by the embedded server stay valid.
const LINK_TTL: Duration = Duration::from_secs(12 * 3600);

/// The embedded server, started on the first meeting and kept for the
/// app's life (later meetings reuse it).
pub(crate) struct EmbeddedServer {
    server: RunningServer,
    signer: TokenSigner,
    /// `ws://<LAN address>:<port>`: what guests on other machines use.
    lan_url: String,
    /// `ws://127.0.0.1:<port>`: what this app uses.
    local_url: String,
}

impl std::fmt::Debug for EmbeddedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedServer")
            .field("lan_url", &self.lan_url)
            .finish_non_exhaustive()
    }
}

/// The links of one meeting.
#[derive(Debug, Clone)]
pub(crate) struct MeetingLinks {
    pub room: RoomId,
    pub host_link: String,
    pub guest_link: String,
    /// The guest link for a browser (`http://<LAN address>:<port>/join#t=...`).
    pub guest_browser_link: String,
    /// Why a browser cannot use it, when it cannot.
    pub browser_note: Option<BrowserLinkNote>,
}

impl EmbeddedServer {
    /// Starts on `listen` (all interfaces, so others on the LAN can join),
    /// or on a free port when that one is taken.
    pub(crate) async fn start(
        listen: SocketAddr,
        data_dir: PathBuf,
        lobby: bool,
    ) -> Result<Self, CommandError> {
        let secret = mulaqat_server::secret::random();
        let mut rooms = mulaqat_server::rooms::RoomSettings::default();
        if !lobby {
            rooms.default_kind = RoomKind::Meeting;
        }
        let config = |listen| ServerConfig {
            listen,
            data_dir: Some(data_dir.clone()),
            rooms: rooms.clone(),
            ..Default::default()
        };
        let server = match mulaqat_server::start(config(listen), secret.clone()).await {
            Ok(server) => server,
            Err(first) => {
                tracing::info!("embedded server: {first}; trying a free port");
                let any_port = SocketAddr::new(listen.ip(), 0);
                mulaqat_server::start(config(any_port), secret.clone())
                    .await
                    .map_err(|e| {
                        CommandError::new(
                            CommandErrorCode::ServerUnreachable,
                            format!("this computer could not host the meeting: {e}"),
                        )
                    })?
            }
        };
        let port = server.local_addr().port();
        // Listening on loopback only (tests, a locked-down machine): guests
        // can only be on this computer too.
        let lan = if listen.ip().is_loopback() {
            listen.ip()
        } else {
            lan_address().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
        };
        Ok(Self {
            signer: TokenSigner::new(&secret),
            lan_url: format!("ws://{}", SocketAddr::new(lan, port)),
            local_url: format!("ws://127.0.0.1:{port}"),
            server,
        })
    }

    /// Host and guest links for `room`: the host's points at this computer
    /// over loopback, the guests' (app and browser) at its LAN address.
    pub(crate) fn links(
        &self,
        room: RoomId,
        now: UnixMillis,
    ) -> Result<MeetingLinks, CommandError> {
        let ttl = LINK_TTL.as_secs();
        let host = self.signer.issue(room.clone(), Role::Host, now, ttl);
        let guest = self.signer.issue(room.clone(), Role::Guest, now, ttl);
        let guest_browser_link = browser_link(&self.lan_url, &guest)
            .map_err(|e| CommandError::internal(e.to_string()))?;
        Ok(MeetingLinks {
            host_link: join_link(&self.local_url, &host),
            guest_link: join_link(&self.lan_url, &guest),
            browser_note: browser_link_note(&guest_browser_link, mulaqat_server::web::built_in()),
            guest_browser_link,
            room,
        })
    }

    pub(crate) async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Why a browser cannot use `link` (an `http(s)://.../join#t=...` link) as
/// it is: no browser client in this build, or a page that is not a secure
/// context, where browsers give no camera or microphone. Secure: https, and
/// http to the browser's own computer (`localhost`, `127.x.x.x`, `[::1]`).
pub(crate) fn browser_link_note(link: &str, built_in: bool) -> Option<BrowserLinkNote> {
    if !built_in {
        return Some(BrowserLinkNote::NoBrowserClient);
    }
    if link.starts_with("https://") {
        return None;
    }
    let authority = link
        .strip_prefix("http://")
        .and_then(|rest| rest.split(['/', '#', '?']).next())
        .unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    let own_computer = host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    (!own_computer).then_some(BrowserLinkNote::InsecureLan)
}

/// This computer's address on the network its default route uses (no
/// packet is sent: connecting a UDP socket only picks the route).
pub(crate) fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

/// A room name people can read out ("consult-4821").
pub(crate) fn new_room_id() -> Result<RoomId, CommandError> {
    let mut bytes = [0u8; 2];
    getrandom::fill(&mut bytes).map_err(|e| CommandError::internal(e.to_string()))?;
    let number = u16::from_le_bytes(bytes) % 9000 + 1000;
    RoomId::new(format!("consult-{number}")).map_err(|e| CommandError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_ids_are_valid_and_readable() {
        for _ in 0..50 {
            let room = new_room_id().unwrap();
            assert!(room.as_str().starts_with("consult-"), "{room}");
        }
    }

    #[tokio::test]
    async fn a_meeting_on_this_computer_gives_links_that_parse() {
        let dir = tempfile::tempdir().unwrap();
        let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap(), dir.path().into(), true)
            .await
            .unwrap();
        let links = server
            .links(
                RoomId::new("consult-1234").unwrap(),
                UnixMillis(1_700_000_000_000),
            )
            .unwrap();
        let host = mulaqat_client::link::JoinLink::parse(&links.host_link).unwrap();
        let guest = mulaqat_client::link::JoinLink::parse(&links.guest_link).unwrap();
        assert_eq!(host.role, Role::Host);
        assert_eq!(guest.role, Role::Guest);
        assert_eq!(host.room.as_str(), "consult-1234");
        assert!(
            host.server.starts_with("ws://127.0.0.1:"),
            "{}",
            host.server
        );
        // The guest's browser link: the same server's /join, the guest token
        // in the fragment; on loopback a browser may use camera and microphone.
        assert_eq!(
            links.guest_browser_link,
            format!(
                "http://{}/join#t={}",
                guest.server.trim_start_matches("ws://"),
                guest.token
            )
        );
        let note = (!mulaqat_server::web::built_in()).then_some(BrowserLinkNote::NoBrowserClient);
        assert_eq!(links.browser_note, note);
        server.shutdown().await;
    }

    #[test]
    fn browsers_get_no_camera_over_plain_http_on_the_lan() {
        let insecure = Some(BrowserLinkNote::InsecureLan);
        for (link, note) in [
            ("http://192.168.1.20:8717/join#t=x", insecure),
            ("http://10.0.0.5:8717/join#t=x", insecure),
            ("http://[fe80::1]:8717/join#t=x", insecure),
            ("http://ward-pc.local:8717/join#t=x", insecure),
            ("http://127.0.0.1:8717/join#t=x", None),
            ("http://127.8.0.1:8717/join#t=x", None),
            ("http://[::1]:8717/join#t=x", None),
            ("http://localhost:8717/join#t=x", None),
            ("https://meet.hospital.example/join#t=x", None),
        ] {
            assert_eq!(browser_link_note(link, true), note, "{link}");
        }
        assert_eq!(
            browser_link_note("https://meet.hospital.example/join#t=x", false),
            Some(BrowserLinkNote::NoBrowserClient)
        );
    }
}
