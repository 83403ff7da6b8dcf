//! Server discovery: from the address a person types to the server's
//! signalling endpoint and policy, via `GET {origin}/.well-known/mulaqat`.
//!
//! - `meet.hospital.example` (a bare host) means `https://meet.hospital.example`;
//!   `http://`, `https://`, `ws://` and `wss://` are taken as written; any
//!   path is ignored (the well-known document lives at the origin).
//! - The request has a 5 s budget, follows redirects only within the same
//!   origin, and reads at most 64 KiB.
//! - The signalling URL must be `ws://` or `wss://`, and `wss://` when the
//!   server was reached over `https://` (no downgrade).
//! - Certificates are checked against the system's trusted roots plus, if
//!   set, a pinned CA file ([`TrustConfig`]), which the WebSocket client
//!   uses too.

use std::path::PathBuf;
use std::time::Duration;

use mulaqat_protocol::WellKnown;
use reqwest::Url;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};

use crate::error::{DiscoveryError, TrustError};

pub use mulaqat_protocol::{IcePolicy, ServerLimits, WELL_KNOWN_PATH};

/// How long discovery may take, connection and answer included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Same-origin redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// Which certificate authorities to trust for Mulaqat servers, besides
/// the system's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustConfig {
    /// A PEM file with one or more CA certificates (a hospital's private CA).
    pub extra_ca_pem: Option<PathBuf>,
}

impl TrustConfig {
    /// The extra CA certificates (none when no file is set). A file that
    /// cannot be read or holds no certificate is an error.
    pub fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, TrustError> {
        let Some(path) = &self.extra_ca_pem else {
            return Ok(Vec::new());
        };
        let error = |detail: String| TrustError {
            path: path.clone(),
            detail,
        };
        let pem = std::fs::read(path).map_err(|e| error(e.to_string()))?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| error(format!("it is not valid PEM ({e})")))?;
        if certs.is_empty() {
            return Err(error("it holds no CERTIFICATE block".to_owned()));
        }
        Ok(certs)
    }
}

/// A server's address reduced to its origin (`https://host[:port]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddress {
    url: Url,
    origin: String,
}

impl ServerAddress {
    /// Reads what a person typed: a bare host (`meet.hospital.example`,
    /// `localhost:8443`) means https; `ws://`/`wss://` count as
    /// `http://`/`https://`; any path, query or trailing slash is dropped.
    pub fn parse(input: &str) -> Result<Self, DiscoveryError> {
        let trimmed = input.trim();
        let invalid = |reason: String| DiscoveryError::InvalidAddress {
            input: trimmed.to_owned(),
            reason,
        };
        if trimmed.is_empty() {
            return Err(invalid("it is empty".into()));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("it contains spaces".into()));
        }
        let text = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let mut url = Url::parse(&text).map_err(|e| invalid(e.to_string()))?;
        let scheme = match url.scheme() {
            "https" | "wss" => "https",
            "http" | "ws" => "http",
            other => {
                return Err(invalid(format!(
                    "{other}:// is not a server address scheme; use https://"
                )));
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "it must not contain a user name or password".into(),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it has no host name".into()));
        }
        url.set_scheme(scheme)
            .map_err(|()| invalid("its scheme cannot be used".into()))?;
        url.set_path("");
        url.set_query(None);
        url.set_fragment(None);
        let origin = url.origin().ascii_serialization();
        Ok(Self { url, origin })
    }

    /// `https://host[:port]`, without a trailing slash.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether the server is reached over TLS.
    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The URL of the well-known document.
    pub fn well_known_url(&self) -> String {
        format!("{}{WELL_KNOWN_PATH}", self.origin)
    }
}

impl std::fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.origin)
    }
}

impl std::str::FromStr for ServerAddress {
    type Err = DiscoveryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// What discovery learned about a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// The origin that was asked.
    pub origin: String,
    /// The server's software and version, as it says (`mulaqat-server/0.1.0`).
    pub server: Option<String>,
    /// The WebSocket URL for signalling (`wss://…/ws`).
    pub signalling_url: String,
    /// Which ICE candidates to use.
    pub ice_policy: IcePolicy,
    /// The newest protocol version the server speaks.
    pub protocol_version: u32,
    /// The oldest protocol version the server still serves.
    pub min_protocol_version: u32,
    /// Room and message limits.
    pub limits: ServerLimits,
}

impl ServerInfo {
    /// Checks a well-known document fetched from `address`: its shape, its
    /// signalling URL (no downgrade from https) and the protocol version.
    pub fn from_well_known(address: &ServerAddress, body: &[u8]) -> Result<Self, DiscoveryError> {
        let origin = address.origin().to_owned();
        let not_mulaqat = |detail: String| DiscoveryError::NotMulaqat {
            origin: origin.clone(),
            detail,
        };
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|_| not_mulaqat(format!("its {WELL_KNOWN_PATH} answer is not JSON")))?;
        let doc: WellKnown = serde_json::from_value(value).map_err(|e| {
            not_mulaqat(format!(
                "its {WELL_KNOWN_PATH} answer does not describe a Mulaqat server: {e}"
            ))
        })?;

        let signalling = Url::parse(&doc.signalling).map_err(|_| {
            not_mulaqat(format!(
                "its signalling address {:?} is not a URL",
                doc.signalling
            ))
        })?;
        match signalling.scheme() {
            "wss" => {}
            "ws" if !address.is_https() => {}
            "ws" => {
                return Err(DiscoveryError::InsecureSignalling {
                    origin,
                    signalling: doc.signalling,
                });
            }
            _ => {
                return Err(not_mulaqat(format!(
                    "its signalling address {:?} is not ws:// or wss://",
                    doc.signalling
                )));
            }
        }
        if !signalling.username().is_empty() || signalling.password().is_some() {
            return Err(not_mulaqat(
                "its signalling address carries a user name or password".into(),
            ));
        }

        let max = doc.protocol_version;
        let min = doc.min_protocol_version.unwrap_or(max);
        if min > max {
            return Err(not_mulaqat(format!(
                "it claims protocol versions {min} to {max}"
            )));
        }
        let ours = mulaqat_protocol::PROTOCOL_VERSION;
        if !(min..=max).contains(&ours) {
            return Err(DiscoveryError::Incompatible {
                origin,
                server_min: min,
                server_max: max,
                ours,
            });
        }

        // A policy this build does not know reads as relay (see WellKnown).
        let ice_policy = doc.ice_policy.unwrap_or_default();
        let mut limits = doc.limits;
        if limits.max_message_bytes.is_none() {
            limits.max_message_bytes = doc.max_message_bytes;
        }
        Ok(Self {
            origin,
            server: doc.server,
            signalling_url: signalling.to_string(),
            ice_policy,
            protocol_version: max,
            min_protocol_version: min,
            limits,
        })
    }
}

/// Asks servers what they are. Build one and reuse it.
#[derive(Debug, Clone)]
pub struct Discoverer {
    client: reqwest::Client,
    timeout: Duration,
}

impl Discoverer {
    /// A discoverer trusting the system's roots and `trust`'s pinned CA.
    pub fn new(trust: &TrustConfig) -> Result<Self, DiscoveryError> {
        Self::with_timeout(trust, DEFAULT_TIMEOUT)
    }

    /// The same with another time budget (tests).
    pub fn with_timeout(trust: &TrustConfig, timeout: Duration) -> Result<Self, DiscoveryError> {
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if !same_origin {
                attempt.stop()
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(redirects)
            .user_agent(concat!("mulaqat/", env!("CARGO_PKG_VERSION")));
        for cert in trust.certificates()? {
            let cert = reqwest::Certificate::from_der(cert.as_ref()).map_err(|e| TrustError {
                path: trust.extra_ca_pem.clone().unwrap_or_default(),
                detail: e.to_string(),
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder.build().map_err(|e| DiscoveryError::Client {
            detail: deepest(&e),
        })?;
        Ok(Self { client, timeout })
    }

    /// Finds the server behind `input` (see the module docs).
    pub async fn discover(&self, input: &str) -> Result<ServerInfo, DiscoveryError> {
        let address = ServerAddress::parse(input)?;
        let origin = address.origin().to_owned();
        tracing::debug!(%origin, "discovering server");
        let mut response = self
            .client
            .get(address.well_known_url())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| self.classify(&origin, &e))?;

        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("an address it did not give")
                .to_owned();
            return Err(DiscoveryError::Redirected { origin, location });
        }
        if status.is_server_error() {
            return Err(DiscoveryError::Unreachable {
                origin,
                detail: format!("the server answered HTTP {status}"),
            });
        }
        if !status.is_success() {
            return Err(DiscoveryError::NotMulaqat {
                origin,
                detail: format!("{WELL_KNOWN_PATH} answered HTTP {status}"),
            });
        }
        let too_big = || DiscoveryError::NotMulaqat {
            origin: origin.clone(),
            detail: format!("its answer is larger than {} KiB", MAX_BODY_BYTES / 1024),
        };
        if response
            .content_length()
            .is_some_and(|len| len > MAX_BODY_BYTES as u64)
        {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.classify(&origin, &e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        let info = ServerInfo::from_well_known(&address, &body)?;
        tracing::debug!(%origin, signalling = %info.signalling_url, "server discovered");
        Ok(info)
    }

    fn classify(&self, origin: &str, err: &reqwest::Error) -> DiscoveryError {
        let origin = origin.to_owned();
        if let Some(detail) = tls_failure(err) {
            return DiscoveryError::Tls { origin, detail };
        }
        if err.is_timeout() {
            return DiscoveryError::Unreachable {
                origin,
                detail: format!("no answer within {} s", self.timeout.as_secs_f32()),
            };
        }
        if err.is_redirect() {
            return DiscoveryError::NotMulaqat {
                origin,
                detail: "it redirects in a loop".into(),
            };
        }
        DiscoveryError::Unreachable {
            origin,
            detail: deepest(err),
        }
    }
}

/// Finds the server behind `input` with a one-off [`Discoverer`].
pub async fn discover(input: &str, trust: &TrustConfig) -> Result<ServerInfo, DiscoveryError> {
    Discoverer::new(trust)?.discover(input).await
}

/// The innermost cause's message ("Connection refused", "failed to lookup
/// address information: …").
fn deepest(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A TLS failure anywhere in the chain, described for people.
fn tls_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(describe_tls(tls));
        }
        // `io::Error::source` skips the error it wraps (which may be another
        // `io::Error` around the TLS error), so step into it instead.
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

fn describe_tls(err: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match err {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "its certificate is not signed by an authority this computer trusts".into()
        }
        rustls::Error::InvalidCertificate(C::NotValidForName)
        | rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. }) => {
            "its certificate is for another name".into()
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "its certificate has expired (or this computer's clock is wrong)".into()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
