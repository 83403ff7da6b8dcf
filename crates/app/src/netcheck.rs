//! The pre-join network check against the server a join link points to:
//! the server answers (and accepts the link), a TURN relay allocates, and
//! rough bandwidth down and up (docs/server.md, "Network check").
//!
//! The link's token goes only in the `Authorization` header (marked
//! sensitive) and is never logged.

use std::time::{Duration, Instant};

use mulaqat_client::link::JoinLink;
use mulaqat_media::IceServer;
use mulaqat_media::turn_probe::{self, TurnProbeError};
use mulaqat_settings::{ServerAddress, TrustConfig};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;

use crate::ipc::{CheckProblem, CheckStep, NetworkCheck};

/// How much the download test fetches.
const DOWNLOAD_BYTES: usize = 512 * 1024;
/// How much the upload test sends.
const UPLOAD_BYTES: usize = 256 * 1024;
/// Each request's time budget.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Connecting's time budget.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest JSON answer read.
const MAX_JSON_BYTES: usize = 64 * 1024;

/// What `POST /netcheck` answers.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Started {
    ice_servers: Vec<IceServer>,
}

/// What `POST /netcheck/upload` answers.
#[derive(Debug, Deserialize)]
struct Uploaded {
    bytes: usize,
    ms: u64,
}

/// An error reply's `{code, message}`.
#[derive(Debug, Deserialize)]
struct Refusal {
    message: String,
}

/// Runs the check for `link`, trusting what `trust` adds to the system's roots.
pub(crate) async fn run(link: &JoinLink, trust: &TrustConfig) -> NetworkCheck {
    let started = Instant::now();
    if let Err(e) = mulaqat_settings::discover(&link.server, trust).await {
        return only_server(failed(CheckProblem::ServerUnreachable, e.to_string()));
    }
    let reachable_ms = millis(started.elapsed());
    let (client, base) = match client(trust).and_then(|c| Ok((c, origin(&link.server)?))) {
        Ok(pair) => pair,
        Err(e) => return only_server(failed(CheckProblem::ServerUnreachable, e)),
    };
    let auth = match bearer(&link.token) {
        Ok(auth) => auth,
        Err(e) => return only_server(failed(CheckProblem::LinkRefused, e)),
    };
    let probe = Probe { client, base, auth };

    let asked = Instant::now();
    let response = match probe.post("/netcheck").send().await {
        Ok(r) => r,
        Err(e) => {
            return only_server(failed(
                CheckProblem::CheckInterrupted,
                format!(
                    "the server stopped answering during the check: {}",
                    deepest(&e)
                ),
            ));
        }
    };
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        // A server from before the check's API: it answers, nothing more to test.
        return only_server(CheckStep {
            ok: true,
            ms: Some(reachable_ms),
            detail: Some("the server is reachable; it cannot test the relay or the speed".into()),
            problem: Some(CheckProblem::CheckUnsupported),
        });
    }
    if !status.is_success() {
        let message = read_json::<Refusal>(response)
            .await
            .map(|r| r.message)
            .unwrap_or_else(|_| format!("the server answered HTTP {status}"));
        if status == reqwest::StatusCode::UNAUTHORIZED {
            // Reachable, but this link will not get in: that is what matters.
            return only_server(failed(CheckProblem::LinkRefused, message));
        }
        return only_server(CheckStep {
            ok: true,
            ms: Some(reachable_ms),
            detail: Some(message),
            problem: Some(CheckProblem::CheckUnsupported),
        });
    }
    let rtt = asked.elapsed();
    let ice_servers = match read_json::<Started>(response).await {
        Ok(started) => started.ice_servers,
        Err(e) => return only_server(failed(CheckProblem::CheckInterrupted, e)),
    };

    let turn = async {
        if ice_servers.is_empty() {
            return None;
        }
        Some(relay_step(ice_servers).await)
    };
    let bandwidth = async {
        let down = probe.download(rtt).await;
        let up = probe.upload(rtt).await;
        (down, up)
    };
    let (turn, (downlink_kbps, uplink_kbps)) = tokio::join!(turn, bandwidth);
    NetworkCheck {
        server: CheckStep {
            ok: true,
            ms: Some(reachable_ms),
            detail: None,
            problem: None,
        },
        turn,
        uplink_kbps,
        downlink_kbps,
    }
}

/// The relay step: a real allocation through the media engine.
async fn relay_step(servers: Vec<IceServer>) -> CheckStep {
    let probed = tokio::task::spawn_blocking(move || {
        turn_probe::probe_turn(&servers, turn_probe::DEFAULT_TIMEOUT)
    })
    .await;
    match probed {
        Ok(Ok(allocated)) => CheckStep {
            ok: true,
            ms: Some(millis(allocated.elapsed)),
            detail: None,
            problem: None,
        },
        Ok(Err(e)) => failed(relay_problem(&e), relay_detail(e)),
        Err(e) => failed(
            CheckProblem::RelayUntested,
            format!("the relay test stopped: {e}"),
        ),
    }
}

/// What kind of relay failure `e` is.
fn relay_problem(e: &TurnProbeError) -> CheckProblem {
    match e {
        TurnProbeError::Refused => CheckProblem::RelayRefused,
        TurnProbeError::NoAnswer => CheckProblem::RelayNoUdp,
        TurnProbeError::Unreachable => CheckProblem::RelayBlocked,
        _ => CheckProblem::RelayUntested,
    }
}

fn relay_detail(e: TurnProbeError) -> String {
    match e {
        TurnProbeError::Media(e) => format!("the relay could not be tested on this computer: {e}"),
        e => e.to_string(),
    }
}

/// The HTTP side of one check.
struct Probe {
    client: reqwest::Client,
    base: String,
    auth: HeaderValue,
}

impl Probe {
    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .header(AUTHORIZATION, self.auth.clone())
    }

    /// Fetches [`DOWNLOAD_BYTES`]; kbit/s, or `None` when it failed.
    async fn download(&self, rtt: Duration) -> Option<u32> {
        let started = Instant::now();
        let url = format!("{}/netcheck/download?bytes={DOWNLOAD_BYTES}", self.base);
        let mut response = self
            .client
            .get(url)
            .header(AUTHORIZATION, self.auth.clone())
            .send()
            .await
            .inspect_err(|e| tracing::debug!("network check download failed: {}", deepest(e)))
            .ok()?;
        if !response.status().is_success() {
            tracing::debug!(status = %response.status(), "network check download refused");
            return None;
        }
        let mut received = 0usize;
        while let Some(chunk) = response.chunk().await.ok()? {
            received += chunk.len();
            if received > 2 * DOWNLOAD_BYTES {
                return None;
            }
        }
        (received > 0).then(|| kbps(received, started.elapsed(), rtt, Duration::ZERO))
    }

    /// Sends [`UPLOAD_BYTES`]; kbit/s, or `None` when it failed.
    async fn upload(&self, rtt: Duration) -> Option<u32> {
        let started = Instant::now();
        let response = self
            .post("/netcheck/upload")
            .body(payload(UPLOAD_BYTES))
            .send()
            .await
            .inspect_err(|e| tracing::debug!("network check upload failed: {}", deepest(e)))
            .ok()?;
        if !response.status().is_success() {
            tracing::debug!(status = %response.status(), "network check upload refused");
            return None;
        }
        let elapsed = started.elapsed();
        let answer = read_json::<Uploaded>(response).await.ok()?;
        (answer.bytes > 0)
            .then(|| kbps(answer.bytes, elapsed, rtt, Duration::from_millis(answer.ms)))
    }
}

/// kbit/s for `bytes` in `elapsed`, less one round trip (the request's own),
/// but never counting less than half the time nor less than `at_least` (the
/// server's own measure), so a short test on a fast link is not overstated much.
fn kbps(bytes: usize, elapsed: Duration, rtt: Duration, at_least: Duration) -> u32 {
    let effective = elapsed
        .saturating_sub(rtt)
        .max(elapsed / 2)
        .max(at_least)
        .max(Duration::from_millis(1));
    let kbps = (bytes as f64) * 8.0 / effective.as_secs_f64() / 1000.0;
    if kbps >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        kbps.round() as u32
    }
}

fn client(trust: &TrustConfig) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("mulaqat/", env!("CARGO_PKG_VERSION")));
    let certificates = trust.certificates().map_err(|e| e.to_string())?;
    for cert in certificates {
        let cert = reqwest::Certificate::from_der(cert.as_ref())
            .map_err(|e| format!("the pinned certificate authority cannot be used: {e}"))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build()
        .map_err(|e| format!("the network check could not start: {}", deepest(&e)))
}

/// `http(s)://host:port` of the signalling URL `ws(s)://host:port/...`.
fn origin(server: &str) -> Result<String, String> {
    ServerAddress::parse(server)
        .map(|a| a.origin().to_owned())
        .map_err(|e| e.to_string())
}

fn bearer(token: &str) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| "the join link's token is damaged; copy the whole link again".to_owned())?;
    value.set_sensitive(true);
    Ok(value)
}

async fn read_json<T: serde::de::DeserializeOwned>(
    mut response: reqwest::Response,
) -> Result<T, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("the server's answer broke off: {}", deepest(&e)))?
    {
        if body.len() + chunk.len() > MAX_JSON_BYTES {
            return Err("the server's answer is too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| format!("the server's answer is not understood: {e}"))
}

/// Bytes that do not compress (no secret: a fixed xorshift sequence).
fn payload(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

fn failed(problem: CheckProblem, detail: impl Into<String>) -> CheckStep {
    CheckStep {
        ok: false,
        ms: None,
        detail: Some(detail.into()),
        problem: Some(problem),
    }
}

fn only_server(server: CheckStep) -> NetworkCheck {
    NetworkCheck {
        server,
        turn: None,
        uplink_kbps: None,
        downlink_kbps: None,
    }
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// The innermost cause's message.
fn deepest(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_leave_out_one_round_trip_but_never_more_than_half_the_time() {
        let ms = Duration::from_millis;
        // 512 KiB in 1 s with a 100 ms round trip: 4194304 bits / 0.9 s.
        assert_eq!(kbps(512 * 1024, ms(1000), ms(100), ms(0)), 4660);
        // A round trip longer than the transfer: half the time counts.
        assert_eq!(kbps(256 * 1024, ms(200), ms(300), ms(0)), 20972);
        // The server's own measure is a floor.
        assert_eq!(kbps(256 * 1024, ms(200), ms(0), ms(400)), 5243);
        // Nothing measured is not infinite.
        assert_eq!(kbps(1000, ms(0), ms(0), ms(0)), 8000);
    }

    #[test]
    fn the_http_origin_follows_the_signalling_url() {
        assert_eq!(
            origin("ws://192.168.1.4:8717/ws").as_deref(),
            Ok("http://192.168.1.4:8717")
        );
        assert_eq!(
            origin("wss://meet.hospital.example").as_deref(),
            Ok("https://meet.hospital.example")
        );
    }

    #[test]
    fn the_token_header_is_marked_sensitive() {
        let value = bearer("mq1.abc.def").expect("a header");
        assert!(value.is_sensitive());
        assert!(bearer("mq1\nbad").is_err());
    }
}
