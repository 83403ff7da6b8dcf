//! Opening the signalling WebSocket: `ws://` on a trusted network (the
//! embedded server on a LAN, tests), `wss://` everywhere else, verified
//! against the operating system's trust store plus, optionally, one pinned
//! CA file (a hospital's own CA that IT has not rolled out to every
//! machine). There is no way to turn verification off.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

/// How long opening the WebSocket (TCP, TLS and the upgrade) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The signalling WebSocket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Where the signalling server is and whom to trust for `wss://`.
#[derive(Debug, Clone)]
pub struct SignallingTarget {
    /// `ws://host:port/ws` or `wss://host/ws`.
    pub url: String,
    /// A PEM file of CA certificates trusted in addition to the OS store.
    pub pinned_ca: Option<PathBuf>,
}

impl SignallingTarget {
    /// A target trusting only the OS store.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pinned_ca: None,
        }
    }
}

/// Why the WebSocket could not be opened. Each message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// Not a `ws://` or `wss://` URL.
    #[error("{url:?} is not a signalling address (ws:// or wss://); check the join link")]
    BadUrl {
        /// What was given.
        url: String,
    },
    /// The pinned CA file is missing or holds no certificate.
    #[error(
        "the pinned CA file {path} cannot be used: {reason}; fix the file or remove the setting"
    )]
    PinnedCa {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// TLS could not be set up at all.
    #[error("TLS is not available: {0}")]
    Tls(String),
    /// The server's certificate is not trusted (or another TLS failure).
    #[error(
        "the server's certificate for {host} is not trusted ({reason}); if your hospital uses its own CA, ask IT for its certificate and set it as the pinned CA"
    )]
    Untrusted {
        /// The host name checked.
        host: String,
        /// What the TLS library said.
        reason: String,
    },
    /// No connection within [`CONNECT_TIMEOUT`].
    #[error("no answer from {url} within {}s; check the network or the server address", CONNECT_TIMEOUT.as_secs())]
    Timeout {
        /// Where.
        url: String,
    },
    /// Refused, unreachable, or not a WebSocket.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// Where.
        url: String,
        /// What happened.
        reason: String,
    },
}

/// Opens the signalling WebSocket to `target`.
pub async fn connect(target: &SignallingTarget) -> Result<Socket, ConnectError> {
    let url = &target.url;
    let bad_url = || ConnectError::BadUrl { url: url.clone() };
    let request = url.as_str().into_client_request().map_err(|_| bad_url())?;
    let secure = match request.uri().scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        _ => return Err(bad_url()),
    };
    let host = request.uri().host().ok_or_else(bad_url)?.to_owned();
    let connector = if secure {
        Some(Connector::Rustls(client_config(
            target.pinned_ca.as_deref(),
        )?))
    } else {
        Some(Connector::Plain)
    };
    let attempt = Box::pin(tokio_tungstenite::connect_async_tls_with_config(
        request, None, true, connector,
    ));
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok((socket, _response))) => Ok(socket),
        Ok(Err(e)) => Err(classify(url, &host, e)),
        Err(_) => Err(ConnectError::Timeout { url: url.clone() }),
    }
}

fn classify(url: &str, host: &str, error: tokio_tungstenite::tungstenite::Error) -> ConnectError {
    use tokio_tungstenite::tungstenite::Error;
    match error {
        Error::Tls(e) => ConnectError::Untrusted {
            host: host.to_owned(),
            reason: e.to_string(),
        },
        Error::Io(e) if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => {
            ConnectError::Untrusted {
                host: host.to_owned(),
                reason: e.to_string(),
            }
        }
        other => ConnectError::Unreachable {
            url: url.to_owned(),
            reason: other.to_string(),
        },
    }
}

/// The TLS configuration: the OS trust store plus the pinned CA, with ring.
pub fn client_config(pinned_ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, ConnectError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::warn!("a certificate of the OS trust store could not be read: {error}");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(added, ignored, "OS trust store loaded");
    if let Some(path) = pinned_ca {
        let pinned = read_pem_certificates(path)?;
        for cert in pinned {
            roots.add(cert).map_err(|e| ConnectError::PinnedCa {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, ConnectError> {
    let fail = |reason: String| ConnectError::PinnedCa {
        path: path.to_owned(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(e.to_string()))?;
    if certs.is_empty() {
        return Err(fail("it holds no PEM certificate".into()));
    }
    Ok(certs)
}
