//! A scripted WebSocket client, and the in-process server of the
//! `testing` feature with helpers for it.

use std::ops::Deref;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use mulaqat_protocol::{
    ClientMsg, ErrorCode, MediaState, ParticipantId, Role, RoomId, ServerMsg, UnixMillis,
    decode_server, encode,
};
use mulaqat_server::ServerConfig;
use mulaqat_server::testing;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const WAIT: Duration = Duration::from_secs(5);

/// A [`testing::TestServer`] with scripted clients: tokens for rooms by
/// name, and connections that say hello and join.
pub struct TestServer(testing::TestServer);

impl Deref for TestServer {
    type Target = testing::TestServer;
    fn deref(&self) -> &testing::TestServer {
        &self.0
    }
}

pub fn now() -> UnixMillis {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    UnixMillis(since.as_millis() as u64)
}

pub fn room(name: &str) -> RoomId {
    RoomId::new(name).expect("valid room")
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let server = testing::TestServer::start_with(tweak)
            .await
            .expect("server starts");
        Self(server)
    }

    pub async fn shutdown(self) {
        self.0.shutdown().await;
    }

    pub fn url(&self) -> String {
        self.ws_url()
    }

    /// A join token for the room named `room_name`.
    pub fn token(&self, room_name: &str, role: Role) -> String {
        self.0.token(&room(room_name), role)
    }

    pub async fn connect(&self) -> Client {
        Client::connect(&self.url()).await
    }

    /// hello + join; returns the client, its id and the first reply.
    pub async fn join(
        &self,
        room_name: &str,
        role: Role,
        name: &str,
    ) -> (Client, ParticipantId, ServerMsg) {
        let mut client = self.connect().await;
        client
            .send(&ClientMsg::Hello {
                version: 1,
                token: self.token(room_name, role),
            })
            .await;
        client.send(&join(room_name, name)).await;
        let reply = client.recv().await;
        let id = match &reply {
            ServerMsg::Welcome { participant_id, .. }
            | ServerMsg::LobbyWaiting { participant_id, .. } => participant_id.clone(),
            other => panic!("join answered with {other:?}"),
        };
        (client, id, reply)
    }

    /// A host and an admitted guest in `room_name`.
    pub async fn pair(
        &self,
        room_name: &str,
    ) -> ((Client, ParticipantId), (Client, ParticipantId)) {
        let (mut host, host_id, _) = self.join(room_name, Role::Host, "Host").await;
        let (mut guest, guest_id, _) = self.join(room_name, Role::Guest, "Guest").await;
        assert!(matches!(host.recv().await, ServerMsg::Knock { .. }));
        host.send(&ClientMsg::Admit {
            participant: guest_id.clone(),
        })
        .await;
        assert!(matches!(guest.recv().await, ServerMsg::Welcome { .. }));
        assert!(matches!(host.recv().await, ServerMsg::KnockResolved { .. }));
        assert!(matches!(host.recv().await, ServerMsg::Joined { .. }));
        ((host, host_id), (guest, guest_id))
    }
}

pub fn join(room_name: &str, name: &str) -> ClientMsg {
    ClientMsg::Join {
        decodes: None,
        room: room(room_name),
        display_name: name.into(),
        role: None,
        resume: None,
        media: MediaState::default(),
    }
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection ended.
#[derive(Debug, PartialEq)]
pub enum Ending {
    Closed(u16),
    Dropped,
}

impl Client {
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
            .await
            .expect("connect in time")
            .expect("connect");
        Self { ws }
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        self.send_raw(&encode(msg)).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.ws
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    pub async fn send_frame(&mut self, frame: Message) -> bool {
        self.ws.send(frame).await.is_ok()
    }

    /// The next protocol message; panics on timeout or close.
    pub async fn recv(&mut self) -> ServerMsg {
        self.recv_within(WAIT).await
    }

    /// The next protocol message within `limit`; panics on timeout or close.
    pub async fn recv_within(&mut self, limit: Duration) -> ServerMsg {
        loop {
            let frame = tokio::time::timeout(limit, self.ws.next())
                .await
                .expect("a message in time")
                .expect("connection open")
                .expect("frame");
            match frame {
                Message::Text(text) => {
                    return decode_server(text.as_str(), usize::MAX)
                        .expect("server sends valid messages");
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// Waits for an error reply and returns its code.
    pub async fn recv_error(&mut self) -> ErrorCode {
        match self.recv().await {
            ServerMsg::Error { code, message } => {
                assert!(!message.is_empty());
                code
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }

    /// Reads until the connection ends, returning the messages on the way.
    pub async fn until_end(&mut self) -> (Vec<ServerMsg>, Ending) {
        let mut msgs = Vec::new();
        loop {
            let frame = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("the connection ends in time");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    msgs.push(decode_server(text.as_str(), usize::MAX).expect("valid"))
                }
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.map_or(1005, |f| u16::from(f.code));
                    return (msgs, Ending::Closed(code));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return (msgs, Ending::Dropped),
            }
        }
    }

    /// Asserts nothing arrives for a short while.
    pub async fn assert_quiet(&mut self) {
        match tokio::time::timeout(Duration::from_millis(300), self.ws.next()).await {
            Err(_) => {}
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            Ok(other) => panic!("expected silence, got {other:?}"),
        }
    }
}

pub const NORMAL: u16 = 1000;
pub const GOING_AWAY: u16 = 1001;
pub const POLICY: u16 = 1008;

/// A raw HTTP/1.1 reply, read to the end of its connection.
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads `stream` to its end (the request said `Connection: close`) and
/// splits the reply into status, headers and body.
pub async fn read_http_reply<S>(stream: &mut S) -> HttpReply
where
    S: tokio::io::AsyncRead + Unpin,
{
    use tokio::io::AsyncReadExt;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    HttpReply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}
