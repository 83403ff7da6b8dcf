//! The WebSocket layer: one task per connection doing frames, limits and
//! timeouts, and one task owning the [`Handler`]. No room logic here.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::extract::ws::{self, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_server::accept::NoDelayAcceptor;
use futures_util::{SinkExt, StreamExt};
use mulaqat_protocol::{ClientMsg, ErrorCode, ServerMsg, UnixMillis, decode_client, encode};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::config::{Limits, ServerConfig};
use crate::directory::RoomDirectory;
use crate::janus::SfuPool;
use crate::rate::TokenBucket;
use crate::rooms::{CloseFrame, ConnId, Handler, IceSettings, Input, Output};
use crate::token::TokenSigner;
use crate::turn::TurnIssuer;

/// Frames above this are not even read: the connection is closed with 1009.
/// Between `limits.max_message_bytes` and this, the client gets an error
/// reply and keeps its connection.
const HARD_FRAME_LIMIT: usize = 1024 * 1024;
/// Initial read buffer per connection; it grows for larger frames.
const READ_BUFFER_BYTES: usize = 4 * 1024;
/// How often the room handler's clock ticks.
const TICK: Duration = Duration::from_secs(1);
/// How often the rooms file is checked for changes.
const DIRECTORY_POLL: Duration = Duration::from_secs(2);
/// How long a closing connection waits for the client's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// How long a graceful shutdown waits for clients to be told.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

const TOO_SLOW: CloseFrame = CloseFrame {
    code: 1013,
    reason: "not reading messages fast enough",
};
const IDLE: CloseFrame = CloseFrame {
    code: 1001,
    reason: "no answer to pings",
};
const NO_HELLO: CloseFrame = CloseFrame {
    code: 1008,
    reason: "no hello in time",
};
const FLOODING: CloseFrame = CloseFrame {
    code: 1008,
    reason: "too many messages",
};
const TOO_BIG: CloseFrame = CloseFrame {
    code: 1009,
    reason: "frame too large",
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listen address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS certificate or key could not be loaded.
    #[error("cannot load TLS certificate {cert} / key {key}: {source}")]
    Tls {
        /// Certificate file.
        cert: std::path::PathBuf,
        /// Key file.
        key: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TURN secret file could not be read.
    #[error(transparent)]
    TurnSecret(#[from] crate::secret::SecretError),
    /// The configuration is inconsistent.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

enum ToHandler {
    Connected(ConnId, mpsc::Sender<Outbound>),
    Input(Input),
    /// Reply once every connection has been told and closed (or at once if none).
    Drain(oneshot::Sender<()>),
}

enum Outbound {
    /// Encoded once and shared by every recipient of a broadcast.
    Text(ws::Utf8Bytes),
    Close(CloseFrame),
}

struct Shared {
    to_handler: mpsc::Sender<ToHandler>,
    limits: Limits,
    permits: Arc<Semaphore>,
    next_conn: AtomicU64,
    public_url: Option<String>,
    scheme: &'static str,
    /// Room limits and ICE policy, for `/.well-known/mulaqat`.
    rooms: crate::rooms::RoomSettings,
    force_relay: bool,
    /// The pre-join network check: the same token secret, and the TURN
    /// relay (with short-lived credentials) when one is configured.
    netcheck: crate::netcheck::NetCheck,
}

impl axum::extract::FromRef<Arc<Shared>> for crate::netcheck::NetCheck {
    fn from_ref(shared: &Arc<Shared>) -> Self {
        shared.netcheck.clone()
    }
}

/// A server that is accepting connections.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    client_url: String,
    to_handler: mpsc::Sender<ToHandler>,
    http: axum_server::Handle,
    serve: JoinHandle<std::io::Result<()>>,
    /// One permit per open connection, and how many there are in all: when
    /// all are back, every connection task has written its last frame.
    connections: (Arc<Semaphore>, usize),
}

impl std::fmt::Debug for ToHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ToHandler")
    }
}

impl RunningServer {
    /// The address it listens on (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL clients use: `ws://host:port` or the configured public URL.
    pub fn client_url(&self) -> &str {
        &self.client_url
    }

    /// Tells every client the server is going away, closes their
    /// connections, and stops listening.
    pub async fn shutdown(self) {
        let (done_tx, done_rx) = oneshot::channel();
        if self
            .to_handler
            .send(ToHandler::Input(Input::Shutdown))
            .await
            .is_ok()
            && self
                .to_handler
                .send(ToHandler::Drain(done_tx))
                .await
                .is_ok()
        {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, done_rx).await;
        }
        self.http.graceful_shutdown(Some(SHUTDOWN_GRACE));
        let _ = self.serve.await;
        // Upgraded WebSockets are not the HTTP server's to wait for: without
        // this, the process could end before a busy connection task wrote
        // `closed` and the close frame.
        let (permits, all) = self.connections;
        let all = u32::try_from(all).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, permits.acquire_many(all)).await;
    }

    /// Runs until `signal` resolves, then shuts down gracefully.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        tracing::info!("shutting down: telling clients");
        self.shutdown().await;
    }
}

fn now_millis() -> UnixMillis {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UnixMillis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

/// Binds, starts the handler and the listener, and returns once connections
/// are accepted. `secret` signs and checks join tokens.
pub async fn start(config: ServerConfig, secret: Vec<u8>) -> Result<RunningServer, StartError> {
    config.validate()?;
    let (ice, netcheck_turn) = ice_settings(&config)?;
    let netcheck = crate::netcheck::NetCheck::new(TokenSigner::new(&secret), netcheck_turn);
    let sfu_policy = crate::rooms::SfuPolicy {
        enabled: config.sfu.enabled(),
        p2p_max_participants: config.sfu.p2p_max_participants,
        max_participants: config.sfu.max_participants,
    };
    let handler =
        Handler::new(config.rooms.clone(), TokenSigner::new(&secret), ice).with_sfu(sfu_policy);
    let janus_secrets = janus_secrets(&config)?;

    let listener =
        std::net::TcpListener::bind(config.listen).map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;

    let (to_handler, from_conns) = mpsc::channel(4096);
    let directory = RoomDirectory::new(config.rooms_path());
    let pool = if config.sfu.enabled() {
        let (events_tx, mut events_rx) = mpsc::unbounded_channel();
        let pool = SfuPool::start(&config.sfu, janus_secrets, events_tx);
        let forward = to_handler.clone();
        tokio::spawn(async move {
            while let Some(event) = events_rx.recv().await {
                if forward
                    .send(ToHandler::Input(Input::Sfu(Box::new(event))))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
        tracing::info!(nodes = config.sfu.nodes.len(), "SFU rooms on Janus");
        Some(pool)
    } else {
        None
    };
    tokio::spawn(run_handler(handler, from_conns, pool));
    tokio::spawn(watch_directory(directory, to_handler.clone()));

    let permits = Arc::new(Semaphore::new(config.limits.max_connections));
    let connections = (permits.clone(), config.limits.max_connections);
    let shared = Arc::new(Shared {
        to_handler: to_handler.clone(),
        limits: config.limits.clone(),
        permits,
        next_conn: AtomicU64::new(1),
        public_url: config.public_url.clone(),
        scheme: if config.tls.is_some() { "wss" } else { "ws" },
        rooms: config.rooms.clone(),
        force_relay: config.ice.force_relay,
        netcheck,
    });
    let app = router(&config, shared);

    let http = axum_server::Handle::new();
    let serve = match &config.tls {
        Some(tls) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let rustls_config =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                    .await
                    .map_err(|source| StartError::Tls {
                        cert: tls.cert.clone(),
                        key: tls.key.clone(),
                        source,
                    })?;
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(rustls_config)
                .acceptor(NoDelayAcceptor::new());
            let server = axum_server::from_tcp(listener)
                .acceptor(acceptor)
                .handle(http.clone());
            tokio::spawn(server.serve(app.into_make_service()))
        }
        None => {
            // Signalling is many small messages: send each at once (no Nagle).
            let server = axum_server::from_tcp(listener)
                .acceptor(NoDelayAcceptor::new())
                .handle(http.clone());
            tokio::spawn(server.serve(app.into_make_service()))
        }
    };
    Ok(RunningServer {
        local_addr,
        client_url: config.client_url(local_addr),
        to_handler,
        http,
        serve,
        connections,
    })
}

/// STUN servers as they are, TURN credentials per participant when coturn's
/// secret is set, and the network check's own short-lived TURN issuer.
fn ice_settings(config: &ServerConfig) -> Result<(IceSettings, Option<TurnIssuer>), StartError> {
    let mut ice = IceSettings {
        servers: config
            .ice
            .stun_urls
            .iter()
            .map(|url| mulaqat_protocol::IceServer {
                urls: vec![url.clone()],
                username: None,
                credential: None,
            })
            .collect(),
        turn: None,
    };
    let mut netcheck_turn = None;
    if let Some(path) = &config.ice.turn_secret_file {
        let turn_secret = crate::secret::read_text(path)?;
        netcheck_turn = Some(TurnIssuer::new(
            config.ice.turn_urls.clone(),
            turn_secret.clone(),
            config.ice.turn_ttl_secs.min(crate::netcheck::TURN_TTL_SECS),
        ));
        ice.turn = Some(TurnIssuer::new(
            config.ice.turn_urls.clone(),
            turn_secret,
            config.ice.turn_ttl_secs,
        ));
    }
    Ok((ice, netcheck_turn))
}

/// Each Janus node's API secret (and admin key), refused when it is short
/// or still the template's placeholder.
fn janus_secrets(config: &ServerConfig) -> Result<Vec<(String, Option<String>)>, StartError> {
    let mut janus_secrets = Vec::new();
    for node in &config.sfu.nodes {
        let bytes = crate::secret::read_text(&node.api_secret_file)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if text.len() < 16 || text.contains('@') {
            return Err(StartError::Config(crate::config::ConfigError::Invalid(
                format!(
                    "{}: the Janus API secret must be at least 16 characters, not the template's placeholder",
                    node.api_secret_file.display()
                ),
            )));
        }
        let admin_key = match &node.admin_key_file {
            Some(path) => {
                Some(String::from_utf8_lossy(&crate::secret::read_text(path)?).into_owned())
            }
            None => None,
        };
        janus_secrets.push((text, admin_key));
    }

    Ok(janus_secrets)
}

/// The HTTP routes: the signalling WebSocket, discovery, the network check,
/// and the browser client at `/join`.
fn router(config: &ServerConfig, shared: Arc<Shared>) -> Router {
    let web = crate::web::WebClient::embedded();
    if !web.is_available() {
        tracing::warn!(
            "built without the browser client: /join answers 503 \
             (cd ui && npm run build:web, then rebuild the server)"
        );
    }
    Router::new()
        .route("/", get(upgrade))
        .route("/ws", get(upgrade))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/.well-known/mulaqat", get(well_known))
        .route("/netcheck", post(crate::netcheck::start))
        .route("/netcheck/download", get(crate::netcheck::download))
        .route("/netcheck/upload", post(crate::netcheck::upload))
        .merge(crate::web::routes(
            web,
            config.public_url.as_deref(),
            config.tls.is_some(),
        ))
        .with_state(shared)
}

async fn well_known(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Json<serde_json::Value> {
    let signalling = match &shared.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("{}://{host}", shared.scheme)
        }
    };
    Json(serde_json::json!({
        "server": concat!("mulaqat-server/", env!("CARGO_PKG_VERSION")),
        "signalling": format!("{signalling}/ws"),
        "protocolVersion": mulaqat_protocol::PROTOCOL_VERSION,
        "minProtocolVersion": mulaqat_protocol::MIN_SUPPORTED_VERSION,
        "maxMessageBytes": shared.limits.max_message_bytes,
        "icePolicy": if shared.force_relay { "relay" } else { "all" },
        "limits": {
            "maxParticipants": shared.rooms.max_participants,
            "maxLobby": shared.rooms.max_lobby,
            "maxDisplayNameChars": shared.rooms.max_display_name_chars,
            "maxChatChars": shared.rooms.max_chat_chars,
            "maxMessageBytes": shared.limits.max_message_bytes,
        },
    }))
}

async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    let Ok(permit) = shared.permits.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is at its connection limit; try again later\n",
        )
            .into_response();
    };
    // Small buffers: most messages are a few hundred bytes, and thousands of
    // connections with the 128 KiB default would cost hundreds of MiB.
    ws.max_message_size(HARD_FRAME_LIMIT)
        .max_frame_size(HARD_FRAME_LIMIT)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            serve_connection(socket, shared).await;
            drop(permit);
        })
}

/// Owns the handler: feeds it inputs and delivers its outputs.
async fn run_handler(
    mut handler: Handler,
    mut inbox: mpsc::Receiver<ToHandler>,
    pool: Option<SfuPool>,
) {
    let mut senders: HashMap<ConnId, mpsc::Sender<Outbound>> = HashMap::new();
    let mut drains: Vec<oneshot::Sender<()>> = Vec::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let input = tokio::select! {
            msg = inbox.recv() => match msg {
                Some(ToHandler::Connected(conn, tx)) => {
                    senders.insert(conn, tx);
                    Input::Connected(conn)
                }
                Some(ToHandler::Input(input)) => input,
                Some(ToHandler::Drain(done)) => {
                    drains.push(done);
                    Input::Tick
                }
                None => return,
            },
            _ = tick.tick() => Input::Tick,
        };
        if let Input::Disconnected(conn) = &input {
            senders.remove(conn);
        }
        handler.handle(now_millis(), input);
        let mut too_slow = Vec::new();
        // A broadcast is one message to many connections in a row: encode it once.
        let mut last_encoded: Option<(ServerMsg, ws::Utf8Bytes)> = None;
        while let Some(output) = handler.poll_output() {
            let (conn, outbound) = match output {
                Output::Send(conn, msg) => {
                    let text = match &last_encoded {
                        Some((last, text)) if *last == msg => text.clone(),
                        _ => {
                            let text = ws::Utf8Bytes::from(encode(&msg));
                            last_encoded = Some((msg, text.clone()));
                            text
                        }
                    };
                    (conn, Outbound::Text(text))
                }
                Output::Close(conn, frame) => (conn, Outbound::Close(frame)),
                Output::Sfu(command) => {
                    if let Some(pool) = &pool {
                        pool.command(command);
                    }
                    continue;
                }
            };
            let Some(tx) = senders.get(&conn) else {
                continue;
            };
            let closing = matches!(outbound, Outbound::Close(_));
            match tx.try_send(outbound) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => too_slow.push(conn),
                // The connection task has ended; its Disconnected is on the way.
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    senders.remove(&conn);
                }
            }
            if closing {
                senders.remove(&conn);
            }
        }
        for conn in too_slow {
            // Dropping the sender makes the connection close itself.
            if senders.remove(&conn).is_some() {
                tracing::warn!(
                    conn = conn.0,
                    "disconnecting a client that is not keeping up"
                );
                handler.handle(now_millis(), Input::Disconnected(conn));
            }
        }
        if senders.is_empty() {
            for done in drains.drain(..) {
                let _ = done.send(());
            }
        }
    }
}

/// Feeds the handler the rooms set up ahead of time, and again when the file changes.
async fn watch_directory(directory: RoomDirectory, to_handler: mpsc::Sender<ToHandler>) {
    let mut seen = None;
    let mut first = true;
    loop {
        let modified = directory.modified();
        if first || modified != seen {
            first = false;
            seen = modified;
            match directory.load() {
                Ok(rooms) => {
                    tracing::debug!(count = rooms.len(), "rooms set up ahead of time loaded");
                    if to_handler
                        .send(ToHandler::Input(Input::DefineRooms(rooms)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => tracing::warn!("{e}; keeping the rooms loaded before"),
            }
        }
        tokio::time::sleep(DIRECTORY_POLL).await;
        if to_handler.is_closed() {
            return;
        }
    }
}

/// Per-connection state for limits.
struct Guard {
    bucket: TokenBucket,
    dropped_in_window: u32,
    window_start: Instant,
    last_rate_error: Option<Instant>,
    burst: u32,
}

enum Verdict {
    Pass,
    Drop { reply: bool },
    Flooding,
}

impl Guard {
    fn check(&mut self, now: Instant) -> Verdict {
        if self.bucket.try_take(now) {
            return Verdict::Pass;
        }
        if now.duration_since(self.window_start) > Duration::from_secs(10) {
            self.window_start = now;
            self.dropped_in_window = 0;
        }
        self.dropped_in_window += 1;
        if self.dropped_in_window > self.burst {
            return Verdict::Flooding;
        }
        let reply = self
            .last_rate_error
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if reply {
            self.last_rate_error = Some(now);
        }
        Verdict::Drop { reply }
    }
}

async fn serve_connection(socket: WebSocket, shared: Arc<Shared>) {
    let conn = ConnId(shared.next_conn.fetch_add(1, Ordering::Relaxed));
    let limits = &shared.limits;
    let (tx, mut outbox) = mpsc::channel(limits.outbound_queue);
    if shared
        .to_handler
        .send(ToHandler::Connected(conn, tx))
        .await
        .is_err()
    {
        return;
    }
    tracing::debug!(conn = conn.0, "connection opened");
    let (mut sink, mut stream) = socket.split();
    let started = Instant::now();
    let mut guard = Guard {
        bucket: TokenBucket::new(limits.messages_per_second, limits.message_burst, started),
        dropped_in_window: 0,
        window_start: started,
        last_rate_error: None,
        burst: limits.message_burst,
    };
    let mut greeted = false;
    let mut last_heard = started;
    let mut ping = tokio::time::interval(Duration::from_secs(limits.ping_interval_secs));
    ping.tick().await;
    let hello_deadline = tokio::time::sleep(Duration::from_secs(limits.hello_timeout_secs));
    tokio::pin!(hello_deadline);

    let close: Option<CloseFrame> = loop {
        tokio::select! {
            frame = stream.next() => {
                let now = Instant::now();
                last_heard = now;
                let reply = match frame {
                    Some(Ok(Message::Text(text))) => match guard.check(now) {
                        Verdict::Flooding => break Some(FLOODING),
                        Verdict::Drop { reply } => reply.then(|| ServerMsg::error(
                            ErrorCode::RateLimited,
                            format!("more than {} messages a second; slow down", limits.messages_per_second),
                        )),
                        Verdict::Pass => match decode_client(text.as_str(), limits.max_message_bytes) {
                            Ok(msg) => {
                                greeted |= matches!(msg, ClientMsg::Hello { .. });
                                let input = ToHandler::Input(Input::Message(conn, msg));
                                if shared.to_handler.send(input).await.is_err() {
                                    break Some(CloseFrame::GOING_AWAY);
                                }
                                None
                            }
                            Err(e) => Some(ServerMsg::error(e.code(), e.to_string())),
                        },
                    },
                    Some(Ok(Message::Binary(_))) => Some(ServerMsg::error(
                        ErrorCode::UnsupportedFrame,
                        "binary frames are not part of the protocol; send JSON text",
                    )),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                    Some(Ok(Message::Close(_))) | None => break None,
                    Some(Err(e)) => {
                        tracing::debug!(conn = conn.0, "read failed: {e}");
                        break is_too_large(&e).then_some(TOO_BIG);
                    }
                };
                if let Some(msg) = reply
                    && sink.send(Message::Text(encode(&msg).into())).await.is_err()
                {
                    break None;
                }
            }
            out = outbox.recv() => match out {
                Some(Outbound::Text(text)) => {
                    if sink.send(Message::Text(text)).await.is_err() {
                        break None;
                    }
                }
                Some(Outbound::Close(frame)) => break Some(frame),
                None => break Some(TOO_SLOW),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > Duration::from_secs(limits.idle_timeout_secs) {
                    break Some(IDLE);
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
            }
            _ = &mut hello_deadline, if !greeted => break Some(NO_HELLO),
        }
    };
    if let Some(frame) = close {
        tracing::debug!(
            conn = conn.0,
            code = frame.code,
            reason = frame.reason,
            "closing connection"
        );
        let frame = ws::CloseFrame {
            code: frame.code,
            reason: frame.reason.into(),
        };
        let _ = sink.send(Message::Close(Some(frame))).await;
        // Finish the closing handshake: read (and drop) what the client still
        // sends until its close frame. Closing the socket with unread data
        // makes the kernel reset it, and the client could then lose our close
        // frame and its reason.
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(msg)) = stream.next().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
        let _ = sink.close().await;
    }
    let _ = shared
        .to_handler
        .send(ToHandler::Input(Input::Disconnected(conn)))
        .await;
    tracing::debug!(conn = conn.0, "connection closed");
}

fn is_too_large(e: &axum::Error) -> bool {
    // axum wraps tungstenite's capacity error; match on its text rather than
    // depend on tungstenite's types directly.
    let text = e.to_string();
    text.contains("too long") || text.contains("too big") || text.contains("Space limit")
}
