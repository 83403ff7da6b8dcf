//! The frame server: a WebSocket server on `127.0.0.1` that accepts only
//! clients presenting the per-launch token.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_tungstenite::tungstenite::handshake::server::{
    Callback, ErrorResponse, Request, Response,
};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::connection;
use super::track::{FramePublisher, Registry};
use crate::MediaError;
use crate::types::TrackId;

/// Random bytes in a token (43 base64url characters).
const TOKEN_BYTES: usize = 32;
/// Connections served at once; more are closed at once. The UI needs one
/// per window.
const MAX_CONNECTIONS: usize = 32;
/// How long a client may take to complete the WebSocket upgrade.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long connections get to close when the server stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// Largest client message: clients only send small JSON.
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// The frame socket. Listens on `127.0.0.1:<ephemeral port>` until
/// [`FrameServer::shutdown`] or drop; hand [`FrameServer::url`] and
/// [`FrameServer::token`] to the UI over Tauri IPC. Must be started inside
/// a tokio runtime.
pub struct FrameServer {
    addr: SocketAddr,
    token: Arc<str>,
    registry: Arc<Registry>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Makes publishers for a [`FrameServer`] without holding the server.
#[derive(Clone)]
pub struct FrameOutput {
    registry: Arc<Registry>,
}

impl std::fmt::Debug for FrameOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrameOutput")
    }
}

impl FrameOutput {
    /// The publisher for `track` (shared with any other for the same track).
    pub fn publisher(&self, track: &TrackId) -> FramePublisher {
        self.registry.publisher(track)
    }
}

impl FrameServer {
    /// Binds `127.0.0.1:0`, draws a new random token and starts serving.
    pub async fn start() -> Result<FrameServer, MediaError> {
        let token: Arc<str> = Arc::from(new_token()?);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|source| MediaError::Io {
                what: "binding the frame socket on 127.0.0.1".to_owned(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| MediaError::Io {
            what: "reading the frame socket's address".to_owned(),
            source,
        })?;
        let registry = Arc::new(Registry::default());
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(
            listener,
            token.clone(),
            registry.clone(),
            stop_rx,
        ));
        tracing::debug!(%addr, "frame socket listening");
        Ok(FrameServer {
            addr,
            token,
            registry,
            stop,
            task: Some(task),
        })
    }

    /// The port on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address the server listens on (always `127.0.0.1:<port>`).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:<port>`; clients connect to `<url>/?token=<token>`.
    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// This launch's token (43 base64url characters). Give it to the UI
    /// only; never log it.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// A publisher for a track. Publishers for the same track share it;
    /// clients may subscribe before the publisher exists. Publishers keep
    /// working (as no-ops) after the server stops.
    pub fn publisher(&self, track: TrackId) -> FramePublisher {
        self.registry.publisher(&track)
    }

    /// A handle the media engine keeps to make publishers for the tracks it
    /// produces; it stays usable (as a no-op) after the server stops.
    pub fn output(&self) -> FrameOutput {
        FrameOutput {
            registry: self.registry.clone(),
        }
    }

    /// Stops accepting, closes every connection (a WebSocket close with
    /// code 1001, or cut off after a second if the client is stuck) and
    /// releases the port. Dropping the server does the same without
    /// waiting.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
        {
            tracing::debug!(error = %e, "frame socket task ended abnormally");
        }
    }
}

impl Drop for FrameServer {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

impl fmt::Debug for FrameServer {
    // Leaves the token out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn new_token() -> Result<String, MediaError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| MediaError::Io {
        what: "drawing the frame socket token".to_owned(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

async fn accept_loop(
    listener: TcpListener,
    token: Arc<str>,
    registry: Arc<Registry>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = connection::stopped(&mut stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off.
                        tracing::debug!(error = %e, "frame socket accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if !peer.ip().is_loopback() {
                    tracing::debug!("frame socket refused a non-loopback peer");
                    continue;
                }
                if connections.len() >= MAX_CONNECTIONS {
                    tracing::debug!("frame socket refused a connection: too many open");
                    continue;
                }
                connections.spawn(handle(tcp, token.clone(), registry.clone(), stop.clone()));
            }
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        tracing::debug!("frame socket cut off connections that did not close");
    }
    // Dropping the set aborts whatever is left.
}

async fn handle(
    tcp: TcpStream,
    token: Arc<str>,
    registry: Arc<Registry>,
    stop: watch::Receiver<bool>,
) {
    // Small messages (acks, errors) should not wait for Nagle.
    let _ = tcp.set_nodelay(true);
    let callback = TokenCheck { token: &token };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_CLIENT_MESSAGE))
        .max_frame_size(Some(MAX_CLIENT_MESSAGE));
    let upgrade = tokio_tungstenite::accept_hdr_async_with_config(tcp, callback, Some(config));
    let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, upgrade).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "frame socket upgrade refused or failed");
            return;
        }
        Err(_) => {
            tracing::debug!("frame socket upgrade timed out");
            return;
        }
    };
    tracing::debug!("frame socket client connected");
    connection::serve(ws, registry, stop).await;
    tracing::debug!("frame socket client gone");
}

/// The upgrade callback: accepts only `GET /?token=<token>`.
struct TokenCheck<'a> {
    token: &'a str,
}

impl Callback for TokenCheck<'_> {
    fn on_request(self, request: &Request, response: Response) -> Result<Response, ErrorResponse> {
        match check_request(request, self.token) {
            Ok(()) => Ok(response),
            Err((status, why)) => {
                let mut refusal = ErrorResponse::new(Some(why.to_owned()));
                *refusal.status_mut() = status;
                Err(refusal)
            }
        }
    }
}

/// Whether the request may upgrade, or the status and reason to refuse it
/// with. Never logs the URI: it carries the token.
fn check_request(request: &Request, token: &str) -> Result<(), (StatusCode, &'static str)> {
    if request.uri().path() != "/" {
        return Err((StatusCode::NOT_FOUND, "the frame socket is at /"));
    }
    let presented = request
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="));
    match presented {
        Some(presented) if constant_time_eq(presented.as_bytes(), token.as_bytes()) => Ok(()),
        _ => Err((StatusCode::UNAUTHORIZED, "missing or wrong token")),
    }
}

/// Compares without an early exit, so timing does not reveal how much of
/// a guess was right. (The length is not secret: every token has 43.)
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> Request {
        Request::builder().uri(uri).body(()).unwrap()
    }

    #[test]
    fn tokens_are_43_random_base64url_characters() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
    }

    #[test]
    fn only_the_right_token_on_the_root_path_is_accepted() {
        let token = "abc_-123";
        assert!(check_request(&request("/?token=abc_-123"), token).is_ok());
        assert!(check_request(&request("/?x=1&token=abc_-123"), token).is_ok());
        for (uri, status) in [
            ("/", 401),
            ("/?token=", 401),
            ("/?token=abc_-12", 401),
            ("/?token=abc_-1234", 401),
            ("/?token=ABC_-123", 401),
            ("/?tok=abc_-123", 401),
            ("/?xtoken=abc_-123", 401),
            ("/frames?token=abc_-123", 404),
        ] {
            let refused = check_request(&request(uri), token).unwrap_err();
            assert_eq!(refused.0.as_u16(), status, "{uri}");
        }
    }

    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn debug_does_not_show_the_token() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let server = FrameServer::start().await.unwrap();
            let text = format!("{server:?}");
            assert!(!text.contains(server.token()), "{text}");
            server.shutdown().await;
        });
    }
}
