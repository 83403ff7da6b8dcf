//! Start-up and shutdown: [`start`] checks the configuration, binds,
//! starts the handler task, the SFU pool and the HTTP server, and returns a
//! [`RunningServer`] that shuts them down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum_server::accept::NoDelayAcceptor;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::config::{ServerConfig, TlsConfig};
use crate::directory::RoomDirectory;
use crate::handler_task::{ToHandler, run_handler, start_pool, watch_directory};
use crate::http::AppState;
use crate::netcheck::NetCheck;
use crate::rooms::{Handler, IceSettings, Input, SfuPolicy};
use crate::token::TokenSigner;
use crate::turn::TurnIssuer;
use crate::well_known::WellKnownSettings;
use crate::ws::Connections;

/// How long a graceful shutdown waits for clients to be told.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

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

/// Binds, starts the handler and the listener, and returns once connections
/// are accepted. `secret` signs and checks join tokens.
pub async fn start(config: ServerConfig, secret: Vec<u8>) -> Result<RunningServer, StartError> {
    config.validate()?;
    let (ice, netcheck_turn) = ice_settings(&config)?;
    let netcheck = NetCheck::new(TokenSigner::new(&secret), netcheck_turn);
    let sfu_policy = SfuPolicy {
        enabled: config.sfu.enabled(),
        p2p_max_participants: config.sfu.p2p_max_participants,
        max_participants: config.sfu.max_participants,
    };
    let handler =
        Handler::new(config.rooms.clone(), TokenSigner::new(&secret), ice).with_sfu(sfu_policy);
    let janus_secrets = janus_secrets(&config)?;
    let (listener, local_addr) = bind(config.listen)?;

    let (to_handler, from_conns) = mpsc::channel(4096);
    let directory = RoomDirectory::new(config.rooms_path());
    let pool = config
        .sfu
        .enabled()
        .then(|| start_pool(&config.sfu, janus_secrets, &to_handler));
    tokio::spawn(run_handler(handler, from_conns, pool));
    tokio::spawn(watch_directory(directory, to_handler.clone()));

    let permits = Arc::new(Semaphore::new(config.limits.max_connections));
    let connections = (permits.clone(), config.limits.max_connections);
    let state = AppState {
        connections: Arc::new(Connections::new(
            to_handler.clone(),
            config.limits.clone(),
            permits,
        )),
        well_known: Arc::new(WellKnownSettings::new(&config)),
        netcheck: Arc::new(netcheck),
    };
    let app = crate::http::router(&config, state);
    let http = axum_server::Handle::new();
    let serve = serve(listener, app, config.tls.as_ref(), http.clone()).await?;
    Ok(RunningServer {
        local_addr,
        client_url: config.client_url(local_addr),
        to_handler,
        http,
        serve,
        connections,
    })
}

/// A non-blocking listener on `addr`, and the address it got.
fn bind(addr: SocketAddr) -> Result<(std::net::TcpListener, SocketAddr), StartError> {
    let error = |source| StartError::Bind { addr, source };
    let listener = std::net::TcpListener::bind(addr).map_err(error)?;
    listener.set_nonblocking(true).map_err(error)?;
    let local_addr = listener.local_addr().map_err(error)?;
    Ok((listener, local_addr))
}

/// Serves `app` on `listener`, over TLS when `tls` is set.
async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    tls: Option<&TlsConfig>,
    http: axum_server::Handle,
) -> Result<JoinHandle<std::io::Result<()>>, StartError> {
    // Signalling is many small messages: send each at once (no Nagle).
    let Some(tls) = tls else {
        let server = axum_server::from_tcp(listener)
            .acceptor(NoDelayAcceptor::new())
            .handle(http);
        return Ok(tokio::spawn(server.serve(app.into_make_service())));
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rustls_config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
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
        .handle(http);
    Ok(tokio::spawn(server.serve(app.into_make_service())))
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
