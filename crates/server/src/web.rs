//! The browser client at `/join`: the web build of the UI, embedded into the
//! binary by `build.rs`, served from memory with strict security headers.
//!
//! A browser link is `https://<server>/join#t=<token>`
//! ([`crate::token::browser_link`]): the token travels in the fragment, which
//! browsers never send, so it is in no request line, log or proxy. The page
//! reads it and speaks the same WebSocket protocol as the desktop app.
//!
//! Routes: `/join` and `/join/` give `index.html` (`Cache-Control:
//! no-store`); `/join/assets/<file>` the build's hashed files (cached for a
//! year, `immutable`); another file of the build by its path (`no-cache`);
//! anything else under `/join/` is 404, and methods other than GET and HEAD
//! 405. A server built without the client answers 503 with how to add it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::Digest as _;

use crate::token::{is_host_port, server_origin};

/// The page `/join` serves.
const INDEX: &str = "index.html";
/// Vite's hashed output: a name changes whenever its content does.
const ASSETS: &str = "assets/";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The 503 body of a server built without the browser client.
pub const NOT_BUILT_IN: &str = "This Mulaqat server was built without the browser client, so \
there is no page to join from a browser.\nTo add it, build the web client and then the server \
again:\n  cd ui && npm run build:web\n  cargo build --release -p mulaqat-server\n";

/// The embedded files: `(path, content, gzip-compressed content, ETag)`,
/// listed by `build.rs` (empty when the web client was not built).
type EmbeddedFile = (
    &'static str,
    &'static [u8],
    Option<&'static [u8]>,
    &'static str,
);
static EMBEDDED: &[EmbeddedFile] = include!(concat!(env!("OUT_DIR"), "/web_client.rs"));

/// The CSP up to `connect-src 'self'`, and what follows it.
macro_rules! csp_head {
    () => {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         media-src 'self' blob: mediastream:; font-src 'self'; connect-src 'self'"
    };
}
macro_rules! csp_tail {
    () => {
        "; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    };
}
/// The CSP when this server's WebSocket origin is not known.
const CSP_SELF_ONLY: &str = concat!(csp_head!(), csp_tail!());

/// Camera, microphone, screen, fullscreen and autoplay for the page itself;
/// nothing else, and nothing for frames. Only names browsers know: Chromium
/// 156 logs "Unrecognized feature" for `bluetooth`, so it is not sent.
const PERMISSIONS_POLICY: &str = "camera=(self), microphone=(self), display-capture=(self), \
fullscreen=(self), autoplay=(self), geolocation=(), payment=(), usb=(), serial=(), \
interest-cohort=()";

/// One file of the web client.
#[derive(Clone)]
struct WebFile {
    raw: Bytes,
    gzip: Option<Bytes>,
    /// The strong ETag of `raw`, quoted.
    etag: String,
    /// The ETag of the gzip body (another representation, another tag).
    gzip_etag: String,
}

impl WebFile {
    fn new(raw: Bytes, gzip: Option<Bytes>, etag: String) -> Self {
        let gzip_etag = format!("{}-gzip\"", etag.trim_end_matches('"'));
        Self {
            raw,
            gzip,
            etag,
            gzip_etag,
        }
    }
}

/// The files of the browser client, by path inside the build
/// (`index.html`, `assets/index-3f2a.js`).
#[derive(Clone, Default)]
pub struct WebClient {
    files: Arc<BTreeMap<String, WebFile>>,
}

impl std::fmt::Debug for WebClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebClient")
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl WebClient {
    /// The client built into this binary (none when `ui/dist-web` was
    /// missing at build time).
    pub fn embedded() -> Self {
        let files = EMBEDDED
            .iter()
            .map(|&(path, raw, gzip, etag)| {
                let file = WebFile::new(
                    Bytes::from_static(raw),
                    gzip.map(Bytes::from_static),
                    etag.to_owned(),
                );
                (path.to_owned(), file)
            })
            .collect();
        Self {
            files: Arc::new(files),
        }
    }

    /// No client: what a server built without the web client serves (503).
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file: `path` inside the build, its content, and
    /// the same gzip-compressed if a smaller body is wanted for browsers
    /// that accept it. For tests and tools; the server uses [`Self::embedded`].
    pub fn with_file(mut self, path: &str, raw: Vec<u8>, gzip: Option<Vec<u8>>) -> Self {
        let file = WebFile::new(Bytes::from(raw.clone()), gzip.map(Bytes::from), etag(&raw));
        Arc::make_mut(&mut self.files).insert(path.to_owned(), file);
        self
    }

    /// Whether there is a page to serve (the build has `index.html`).
    pub fn is_available(&self) -> bool {
        self.files.contains_key(INDEX)
    }

    /// The paths of its files, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

/// Whether this binary has the browser client built in.
pub fn built_in() -> bool {
    EMBEDDED.iter().any(|(path, ..)| *path == INDEX)
}

/// The ETag `build.rs` gives a file: the first 128 bits of its SHA-256, quoted.
fn etag(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// What the `/join` routes know.
#[derive(Debug)]
struct Web {
    client: WebClient,
    /// The WebSocket origin for `connect-src`, from `public_url`; `None`:
    /// taken from each request's `Host`.
    public_origin: Option<String>,
    /// `ws` or `wss` (this server serves TLS) for an origin from `Host`.
    scheme: &'static str,
}

/// The `/join` routes, to merge into the server's router. `public_url` is
/// the configured public URL, `tls` whether this listener serves TLS.
pub fn routes<S>(client: WebClient, public_url: Option<&str>, tls: bool) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let web = Arc::new(Web {
        client,
        public_origin: public_url.and_then(websocket_origin),
        scheme: if tls { "wss" } else { "ws" },
    });
    Router::new()
        .route("/join", get(index))
        .route("/join/", get(index))
        .route("/join/{*path}", get(file))
        .route_layer(middleware::from_fn_with_state(web.clone(), secure))
        .with_state(web)
}

/// `ws://host:port` or `wss://host:port` for a configured public URL.
fn websocket_origin(url: &str) -> Option<String> {
    let (secure, authority) = server_origin(url).ok()?;
    let scheme = if secure { "wss" } else { "ws" };
    csp_host(authority).then(|| format!("{scheme}://{authority}"))
}

/// Whether `authority` may go into a CSP source: a name or IPv4 address with
/// an optional port. (CSP has no syntax for IPv6 literals; `'self'` covers
/// them in current browsers.)
fn csp_host(authority: &str) -> bool {
    !authority.starts_with('[') && is_host_port(authority)
}

async fn index(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    web.respond(INDEX, &headers)
}

async fn file(
    State(web): State<Arc<Web>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    web.respond(&path, &headers)
}

impl Web {
    fn respond(&self, path: &str, request: &HeaderMap) -> Response {
        if !self.client.is_available() {
            return plain(StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT_IN);
        }
        let Some(file) = self.client.files.get(path) else {
            return plain(StatusCode::NOT_FOUND, "not found\n");
        };
        let cache = if path == INDEX {
            "no-store"
        } else if path.starts_with(ASSETS) {
            IMMUTABLE
        } else {
            "no-cache"
        };
        let (body, etag, gzip) = match file.gzip.as_ref().filter(|_| accepts_gzip(request)) {
            Some(gzip) => (gzip.clone(), &file.gzip_etag, true),
            None => (file.raw.clone(), &file.etag, false),
        };
        let not_modified = if_none_match(request, &[&file.etag, &file.gzip_etag]);
        let mut response = if not_modified {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut response = Response::new(Body::from(body));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(path)),
            );
            if gzip {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Ok(value) = HeaderValue::from_str(etag) {
            headers.insert(header::ETAG, value);
        }
        response
    }

    /// The WebSocket origin `connect-src` names besides `'self'` (older
    /// Safari does not let `'self'` cover `ws:`/`wss:`): the public URL's,
    /// else this request's `Host` when it is a plain `host[:port]`.
    fn connect_origin(&self, request: &Request) -> Option<String> {
        if let Some(origin) = &self.public_origin {
            return Some(origin.clone());
        }
        let host = match request.headers().get(header::HOST) {
            Some(value) => value.to_str().ok()?,
            None => request.uri().authority()?.as_str(),
        };
        csp_host(host).then(|| format!("{}://{host}", self.scheme))
    }
}

/// Adds the security headers to every `/join` response (errors included).
async fn secure(State(web): State<Arc<Web>>, request: Request, next: Next) -> Response {
    let csp = match web.connect_origin(&request) {
        Some(origin) => {
            HeaderValue::from_str(&format!(concat!(csp_head!(), " {}", csp_tail!()), origin))
                .unwrap_or(HeaderValue::from_static(CSP_SELF_ONLY))
        }
        None => HeaderValue::from_static(CSP_SELF_ONLY),
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.remove(header::SET_COOKIE);
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// Whether `Accept-Encoding` allows gzip: listed (or `*`) with a q above 0.
fn accepts_gzip(request: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in request.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let allowed = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                .all(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0));
            match coding.as_str() {
                "gzip" | "x-gzip" => gzip = Some(allowed),
                "*" => any = Some(allowed),
                _ => {}
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// Whether `If-None-Match` names one of `etags` (weak comparison) or is `*`.
fn if_none_match(request: &HeaderMap, etags: &[&str]) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || etags.contains(&tag.trim_start_matches("W/")))
}

fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "png" => "image/png",
        "wasm" => "application/wasm",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn gzip_is_chosen_only_when_the_browser_takes_it() {
        let yes = [
            "gzip, deflate, br, zstd",
            "br;q=1.0, gzip;q=0.8",
            "*",
            "GZIP",
        ];
        for value in yes {
            let map = headers(&[("accept-encoding", value)]);
            assert!(accepts_gzip(&map), "{value}");
        }
        let no = [
            "",
            "identity",
            "br",
            "gzip;q=0",
            "*;q=0",
            "gzip;q=0, *",
            "br, *;q=0",
        ];
        for value in no {
            let map = headers(&[("accept-encoding", value)]);
            assert!(!accepts_gzip(&map), "{value}");
        }
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists_and_star() {
        let tags = ["\"abc\"", "\"abc-gzip\""];
        for value in ["\"abc\"", "W/\"abc-gzip\"", "\"x\", \"abc\"", "*"] {
            assert!(
                if_none_match(&headers(&[("if-none-match", value)]), &tags),
                "{value}"
            );
        }
        for value in ["\"abd\"", "abc", ""] {
            assert!(
                !if_none_match(&headers(&[("if-none-match", value)]), &tags),
                "{value}"
            );
        }
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/index-3f.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type("assets/a.mjs"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("assets/a.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("assets/a.js.map"), "application/json");
        assert_eq!(content_type("assets/font.woff2"), "font/woff2");
        assert_eq!(content_type("assets/x.wasm"), "application/wasm");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn only_plain_names_and_ipv4_enter_the_csp() {
        assert_eq!(
            websocket_origin("wss://meet.hospital.example/"),
            Some("wss://meet.hospital.example".to_owned())
        );
        assert_eq!(
            websocket_origin("https://meet.hospital.example:8443/mulaqat"),
            Some("wss://meet.hospital.example:8443".to_owned())
        );
        assert_eq!(
            websocket_origin("ws://10.0.0.5:8717"),
            Some("ws://10.0.0.5:8717".to_owned())
        );
        assert_eq!(websocket_origin("ws://[::1]:8717"), None);
        assert_eq!(websocket_origin("meet.hospital.example"), None);
        for bad in [
            "a b",
            "a;b",
            "a'b",
            "a\"b",
            "host:",
            "host:99999",
            "[::1]:8717",
            "",
        ] {
            assert!(!csp_host(bad), "{bad}");
        }
        assert!(csp_host("meet.hospital.example"));
        assert!(csp_host("192.168.1.20:8717"));
    }

    #[test]
    fn the_build_embeds_a_client_or_nothing() {
        let client = WebClient::embedded();
        assert_eq!(client.is_available(), built_in());
        assert_eq!(client.paths().next().is_some(), !EMBEDDED.is_empty());
        for (path, raw, gzip, tag) in EMBEDDED {
            assert_eq!(etag(raw), *tag, "{path}: build.rs and web.rs agree");
            if let Some(gzip) = gzip {
                assert!(
                    gzip.len() < raw.len(),
                    "{path}: gzip kept only when smaller"
                );
            }
        }
    }
}
