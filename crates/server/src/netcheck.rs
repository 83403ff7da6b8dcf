//! The pre-join network check's HTTP API (docs/server.md): short-lived
//! TURN credentials to try a relay allocation, and a few hundred KiB down
//! and up for a rough bandwidth figure.
//!
//! Every request carries the join token of the link the person is about to
//! use (`Authorization: Bearer <token>`); tokens are never logged. Each token
//! has a small allowance of requests, bytes and TURN credentials (a check is
//! three requests), and only a few transfers run at once server-wide, so the
//! endpoints cannot be used to pull bandwidth or credentials in a loop.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use mulaqat_protocol::{ErrorCode, IceServer, ParticipantId, UnixMillis};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::token::{TokenError, TokenSigner};
use crate::turn::TurnIssuer;

/// The most bytes one download or upload may move.
pub const MAX_PROBE_BYTES: usize = 1024 * 1024;
/// How long the check's TURN credentials stay valid, at most.
pub const TURN_TTL_SECS: u64 = 120;
/// Downloads and uploads running at once, server-wide; more get 503.
const MAX_TRANSFERS: usize = 8;
/// Requests per token: this many at once, the same again over `REFILL`.
const REQUESTS_PER_TOKEN: f64 = 12.0;
/// Bytes (down and up together) per token: this many at once, again over `REFILL`.
const BYTES_PER_TOKEN: f64 = 6.0 * MAX_PROBE_BYTES as f64;
/// TURN credentials per token: this many at once, again over `REFILL`.
const TURN_PER_TOKEN: f64 = 4.0;
/// How long a token's allowance takes to fill up again.
const REFILL: Duration = Duration::from_secs(600);
/// Tokens tracked at once; idle ones are forgotten first.
const MAX_TRACKED_TOKENS: usize = 4096;
/// An upload must arrive within this.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(30);
/// The download's body comes in pieces of this size.
const CHUNK_BYTES: usize = 64 * 1024;

/// The check's state: the signer of join tokens, the relay's credentials
/// (short-lived) and each token's allowance. Cheap to clone.
#[derive(Clone)]
pub(crate) struct NetCheck {
    inner: Arc<Inner>,
}

struct Inner {
    signer: TokenSigner,
    turn: Option<TurnIssuer>,
    allowances: Mutex<HashMap<[u8; 32], Allowance>>,
    transfers: Arc<Semaphore>,
}

impl std::fmt::Debug for NetCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetCheck")
            .field("turn", &self.inner.turn)
            .finish_non_exhaustive()
    }
}

impl NetCheck {
    /// Checks tokens with `signer`; hands out credentials for `turn` (whose
    /// TTL should be [`TURN_TTL_SECS`] or less) when a relay is configured.
    pub(crate) fn new(signer: TokenSigner, turn: Option<TurnIssuer>) -> Self {
        Self {
            inner: Arc::new(Inner {
                signer,
                turn,
                allowances: Mutex::new(HashMap::new()),
                transfers: Arc::new(Semaphore::new(MAX_TRANSFERS)),
            }),
        }
    }

    /// The token in the request, checked; then one request (and `bytes`,
    /// and `turn` credentials) taken from its allowance.
    fn admit(&self, headers: &HeaderMap, bytes: usize, turn: bool) -> Result<(), ApiError> {
        let token = bearer(headers).ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::InvalidToken,
                "the network check needs the join link's token; open the check from a join link"
                    .into(),
            )
        })?;
        let claims = self.inner.signer.verify(token, now_millis()).map_err(|e| {
            let code = match e {
                TokenError::Expired { .. } => ErrorCode::TokenExpired,
                TokenError::Malformed | TokenError::BadSignature => ErrorCode::InvalidToken,
            };
            ApiError::unauthorized(code, e.to_string())
        })?;
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = Instant::now();
        let mut allowances = self
            .inner
            .allowances
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !allowances.contains_key(&key) && allowances.len() >= MAX_TRACKED_TOKENS {
            allowances.retain(|_, a| !a.is_full(now));
            if allowances.len() >= MAX_TRACKED_TOKENS {
                return Err(ApiError::busy());
            }
        }
        let allowance = allowances.entry(key).or_insert_with(|| Allowance::new(now));
        if !allowance.take(now, bytes, turn) {
            tracing::debug!(room = %claims.room, "network check over its allowance");
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "this link has run the network check many times in the last minutes; wait a few minutes and try again".into(),
            ));
        }
        tracing::debug!(room = %claims.room, bytes, turn, "network check request");
        Ok(())
    }

    fn transfer_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        self.inner
            .transfers
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::busy())
    }
}

/// What `POST /netcheck` answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Started {
    /// TURN servers with credentials valid for [`TURN_TTL_SECS`] (empty: no relay).
    ice_servers: Vec<IceServer>,
    /// The most bytes a download or upload may move.
    max_probe_bytes: usize,
    /// How long the credentials stay valid, seconds.
    ttl_secs: u64,
}

/// What `POST /netcheck/upload` answers.
#[derive(Debug, Serialize)]
struct Uploaded {
    /// Bytes received.
    bytes: usize,
    /// From the request's headers to its last byte, milliseconds.
    ms: u64,
}

/// `POST /netcheck`: starts a check; hands out the relay's credentials.
pub(crate) async fn start(State(check): State<NetCheck>, headers: HeaderMap) -> Response {
    let turn = check.inner.turn.as_ref();
    if let Err(e) = check.admit(&headers, 0, turn.is_some()) {
        return e.into_response();
    }
    let (ice_servers, ttl_secs) = match turn {
        Some(issuer) => {
            let who = ParticipantId::new("netcheck")
                .unwrap_or_else(|_| unreachable!("a valid participant id"));
            let (server, _expires) = issuer.issue(&who, now_millis());
            (vec![server], issuer.ttl_secs())
        }
        None => (Vec::new(), 0),
    };
    no_store(Json(Started {
        ice_servers,
        max_probe_bytes: MAX_PROBE_BYTES,
        ttl_secs,
    }))
}

/// `GET /netcheck/download?bytes=N`: N bytes (at most [`MAX_PROBE_BYTES`])
/// that do not compress.
pub(crate) async fn download(
    State(check): State<NetCheck>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let asked = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("bytes="))
        .map(str::parse::<usize>);
    let bytes = match asked {
        None => MAX_PROBE_BYTES,
        Some(Ok(n)) => n.min(MAX_PROBE_BYTES),
        Some(Err(_)) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidField,
                format!("bytes must be a whole number up to {MAX_PROBE_BYTES}"),
            )
            .into_response();
        }
    };
    if let Err(e) = check.admit(&headers, bytes, false) {
        return e.into_response();
    }
    let permit = match check.transfer_slot() {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let pattern = pattern();
    let chunks = (0..bytes.div_ceil(CHUNK_BYTES)).map(move |i| {
        let len = (bytes - i * CHUNK_BYTES).min(CHUNK_BYTES);
        Ok::<_, Infallible>(pattern.slice(..len))
    });
    // The permit is held until the last chunk has gone.
    let body = futures_util::stream::iter(chunks).chain(futures_util::stream::once(async move {
        drop(permit);
        Ok(Bytes::new())
    }));
    let mut response = Body::from_stream(body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /netcheck/upload`: reads the body (at most [`MAX_PROBE_BYTES`],
/// more gets 413) and says how much came in how long.
pub(crate) async fn upload(
    State(check): State<NetCheck>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let charge = declared.map_or(MAX_PROBE_BYTES, |n| {
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(MAX_PROBE_BYTES)
    });
    if let Err(e) = check.admit(&headers, charge, false) {
        return e.into_response();
    }
    if declared.is_some_and(|n| n > MAX_PROBE_BYTES as u64) {
        return ApiError::too_large().into_response();
    }
    let _permit = match check.transfer_slot() {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut stream = body.into_data_stream();
    let read = tokio::time::timeout(UPLOAD_TIMEOUT, async {
        let mut total = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::MalformedMessage,
                    format!("the upload broke off: {e}"),
                )
            })?;
            total = total.saturating_add(chunk.len());
            if total > MAX_PROBE_BYTES {
                return Err(ApiError::too_large());
            }
        }
        Ok(total)
    })
    .await;
    match read {
        Ok(Ok(bytes)) => no_store(Json(Uploaded {
            bytes,
            ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })),
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::RateLimited,
            format!(
                "the upload took longer than {} s; the connection is very slow",
                UPLOAD_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn no_store(json: impl IntoResponse) -> Response {
    let mut response = json.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn now_millis() -> UnixMillis {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    UnixMillis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

/// 64 KiB of bytes that do not compress, made once.
fn pattern() -> Bytes {
    static PATTERN: OnceLock<Bytes> = OnceLock::new();
    PATTERN
        .get_or_init(|| {
            // xorshift64: enough to defeat compression on the way, not a secret.
            let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
            let bytes: Vec<u8> = (0..CHUNK_BYTES)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x.to_le_bytes()[0]
                })
                .collect();
            Bytes::from(bytes)
        })
        .clone()
}

/// One token's allowance: requests, bytes and TURN credentials, each
/// refilling to its cap over [`REFILL`].
#[derive(Debug)]
struct Allowance {
    requests: f64,
    bytes: f64,
    turn: f64,
    last: Instant,
}

impl Allowance {
    fn new(now: Instant) -> Self {
        Self {
            requests: REQUESTS_PER_TOKEN,
            bytes: BYTES_PER_TOKEN,
            turn: TURN_PER_TOKEN,
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let share = now.saturating_duration_since(self.last).as_secs_f64() / REFILL.as_secs_f64();
        self.last = now;
        self.requests = (self.requests + share * REQUESTS_PER_TOKEN).min(REQUESTS_PER_TOKEN);
        self.bytes = (self.bytes + share * BYTES_PER_TOKEN).min(BYTES_PER_TOKEN);
        self.turn = (self.turn + share * TURN_PER_TOKEN).min(TURN_PER_TOKEN);
    }

    /// Takes a request, `bytes` and maybe a credential, all or nothing.
    fn take(&mut self, now: Instant, bytes: usize, turn: bool) -> bool {
        self.refill(now);
        let bytes = bytes as f64;
        let turn = if turn { 1.0 } else { 0.0 };
        if self.requests < 1.0 || self.bytes < bytes || self.turn < turn {
            return false;
        }
        self.requests -= 1.0;
        self.bytes -= bytes;
        self.turn -= turn;
        true
    }

    fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.requests >= REQUESTS_PER_TOKEN
            && self.bytes >= BYTES_PER_TOKEN
            && self.turn >= TURN_PER_TOKEN
    }
}

/// An error reply: `{code, message}` with an HTTP status.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, message: String) -> Self {
        Self {
            status,
            code,
            message,
        }
    }

    fn unauthorized(code: ErrorCode, message: String) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::MessageTooLarge,
            format!("an upload may carry at most {MAX_PROBE_BYTES} bytes"),
        )
    }

    fn busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::RateLimited,
            "the server is running many network checks; try again in a minute".into(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (
            self.status,
            Json(serde_json::json!({"code": self.code, "message": self.message})),
        )
            .into_response();
        if unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"mulaqat\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowance_covers_a_few_checks_then_refills_slowly() {
        let t0 = Instant::now();
        let mut a = Allowance::new(t0);
        // A check: start (with TURN), 512 KiB down, 256 KiB up.
        let check = |a: &mut Allowance, now| {
            a.take(now, 0, true) && a.take(now, 512 * 1024, false) && a.take(now, 256 * 1024, false)
        };
        assert!(check(&mut a, t0));
        assert!(check(&mut a, t0));
        assert!(check(&mut a, t0));
        assert!(check(&mut a, t0));
        // Credentials are the first to run out.
        assert!(!a.take(t0, 0, true));
        // A minute later: one more request, still no credentials.
        let t1 = t0 + Duration::from_secs(60);
        assert!(!a.take(t1, 0, true));
        assert!(a.take(t1, 0, false));
        assert!(!a.take(t1, 0, false));
        // After the refill period, all of it again.
        let t2 = t1 + REFILL;
        assert!(a.is_full(t2));
    }

    #[test]
    fn the_download_pattern_does_not_repeat_within_a_chunk() {
        let p = pattern();
        assert_eq!(p.len(), CHUNK_BYTES);
        assert_ne!(p.slice(..4096), p.slice(4096..8192));
        let distinct: std::collections::HashSet<u8> = p.iter().copied().collect();
        assert!(distinct.len() > 200);
    }

    #[test]
    fn a_bearer_token_is_read_from_the_authorization_header() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer mq1.a.b"),
        );
        assert_eq!(bearer(&h), Some("mq1.a.b"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer  "));
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic eDp5"),
        );
        assert_eq!(bearer(&h), None);
    }
}
