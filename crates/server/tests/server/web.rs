//! The browser client at `/join`, over plain HTTP/1.1 (and HTTPS): the page
//! with its security headers, gzip, caching, ETags, what is refused, and a
//! server built without the client. The file tests use a client made here, so
//! they run whether or not `ui/dist-web` was built; the server tests check
//! whichever the build embedded.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

use mulaqat_server::web::{self, WebClient};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

const INDEX: &str = "<!doctype html><html><head>\
<script type=\"module\" src=\"/join/assets/index-3f2a9c.js\"></script>\
<link rel=\"stylesheet\" href=\"/join/assets/index-77ab01.css\"></head>\
<body><div id=\"app\"></div></body></html>";

impl HttpReply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Every header a `/join` response must carry, and no cookie.
    fn assert_secure(&self, connect_src: &str) {
        let csp = self.header("content-security-policy").expect("a CSP");
        assert_eq!(
            csp,
            format!(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                 media-src 'self' blob: mediastream:; font-src 'self'; connect-src {connect_src}; \
                 manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            )
        );
        assert_eq!(
            self.header("permissions-policy"),
            Some(
                "camera=(self), microphone=(self), display-capture=(self), fullscreen=(self), \
                 autoplay=(self), geolocation=(), payment=(), usb=(), serial=(), interest-cohort=()"
            )
        );
        assert_eq!(self.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(self.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(
            self.header("cross-origin-opener-policy"),
            Some("same-origin")
        );
        assert_eq!(self.header("x-frame-options"), Some("DENY"));
        assert_eq!(self.header("set-cookie"), None);
    }
}

/// One request on `stream` (`Connection: close`) with extra header lines.
async fn request_on<S>(
    mut stream: S,
    host: &str,
    method: &str,
    path: &str,
    extra: &[&str],
) -> HttpReply
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    if method == "POST" {
        head.push_str("Content-Length: 0\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    read_http_reply(&mut stream).await
}

async fn request(addr: SocketAddr, method: &str, path: &str, extra: &[&str]) -> HttpReply {
    let stream = TcpStream::connect(addr).await.expect("connect");
    request_on(stream, &addr.to_string(), method, path, extra).await
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a valid gzip body");
    out
}

fn script() -> Vec<u8> {
    "const greeting = 'assalam o alaikum';\n"
        .repeat(200)
        .into_bytes()
}

/// A client like Vite's build: the page, hashed assets (a font that gzip
/// does not shrink), and the favicon from `public/`.
fn test_client() -> WebClient {
    let font: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
    WebClient::none()
        .with_file("index.html", INDEX.into(), Some(gzip(INDEX.as_bytes())))
        .with_file("assets/index-3f2a9c.js", script(), Some(gzip(&script())))
        .with_file("assets/index-77ab01.css", b"body{margin:0}".to_vec(), None)
        .with_file("assets/inter-1a2b.woff2", font, None)
        .with_file("favicon.svg", b"<svg/>".to_vec(), None)
}

/// Serves only the `/join` routes of `client`, as the server merges them.
async fn serve(client: WebClient, public_url: Option<&str>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app: axum::Router = web::routes(client, public_url, false);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn the_page_comes_with_every_security_header_and_no_cookie() {
    let addr = serve(test_client(), None).await;
    for path in ["/join", "/join/", "/join/index.html"] {
        let reply = request(addr, "GET", path, &[]).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.text(), INDEX);
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        // Older Safari does not count ws: as 'self': the origin is named.
        reply.assert_secure(&format!("'self' ws://{addr}"));
    }
    // Errors carry the same headers.
    for (method, path) in [("GET", "/join/nope"), ("POST", "/join")] {
        let reply = request(addr, method, path, &[]).await;
        reply.assert_secure(&format!("'self' ws://{addr}"));
    }
}

#[tokio::test]
async fn connect_src_names_the_public_url_or_a_plain_host_and_nothing_else() {
    let public = serve(test_client(), Some("wss://meet.hospital.example/")).await;
    let reply = request(public, "GET", "/join", &[]).await;
    reply.assert_secure("'self' wss://meet.hospital.example");

    let addr = serve(test_client(), None).await;
    for host in [
        "evil.example; script-src *",
        "a b",
        "\"quoted\"",
        "[::1]:8717",
    ] {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let reply = request_on(stream, host, "GET", "/join", &[]).await;
        if reply.status == 200 {
            reply.assert_secure("'self'");
        } else {
            // hyper may refuse a Host that is not a valid header at all.
            assert_eq!(reply.status, 400, "{host}");
        }
    }
    let stream = TcpStream::connect(addr).await.expect("connect");
    let reply = request_on(stream, "ward-pc.local:8717", "GET", "/join", &[]).await;
    reply.assert_secure("'self' ws://ward-pc.local:8717");
}

#[tokio::test]
async fn gzip_is_sent_to_browsers_that_take_it_and_decompresses_to_the_same_bytes() {
    let addr = serve(test_client(), None).await;
    let path = "/join/assets/index-3f2a9c.js";
    let plain = request(addr, "GET", path, &[]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, script());
    assert_eq!(
        plain.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );

    let zipped = request(addr, "GET", path, &["Accept-Encoding: gzip, deflate, br"]).await;
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(zipped.body.len() < plain.body.len() / 4);
    assert_eq!(gunzip(&zipped.body), script());
    for reply in [&plain, &zipped] {
        assert_eq!(reply.header("vary"), Some("accept-encoding"));
    }
    assert_ne!(plain.header("etag"), zipped.header("etag"));

    let refused = request(addr, "GET", path, &["Accept-Encoding: gzip;q=0, br"]).await;
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(refused.body, script());

    // No gzip kept for a file it does not shrink: sent as it is.
    let font = request(
        addr,
        "GET",
        "/join/assets/inter-1a2b.woff2",
        &["Accept-Encoding: gzip"],
    )
    .await;
    assert_eq!(font.status, 200);
    assert_eq!(font.header("content-encoding"), None);
    assert_eq!(font.header("content-type"), Some("font/woff2"));
}

#[tokio::test]
async fn hashed_assets_are_cached_for_good_and_the_page_never() {
    let addr = serve(test_client(), None).await;
    for (path, content_type) in [
        (
            "/join/assets/index-3f2a9c.js",
            "text/javascript; charset=utf-8",
        ),
        ("/join/assets/index-77ab01.css", "text/css; charset=utf-8"),
    ] {
        let reply = request(addr, "GET", path, &[]).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), Some(content_type));
        assert_eq!(
            reply.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }
    // Not hashed: kept, but checked each time.
    let favicon = request(addr, "GET", "/join/favicon.svg", &[]).await;
    assert_eq!(favicon.status, 200);
    assert_eq!(favicon.header("content-type"), Some("image/svg+xml"));
    assert_eq!(favicon.header("cache-control"), Some("no-cache"));
}

#[tokio::test]
async fn a_known_etag_gets_304_with_no_body() {
    let addr = serve(test_client(), None).await;
    let path = "/join/assets/index-3f2a9c.js";
    for accept in ["Accept-Encoding: identity", "Accept-Encoding: gzip"] {
        let first = request(addr, "GET", path, &[accept]).await;
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        let again = request(
            addr,
            "GET",
            path,
            &[accept, &format!("If-None-Match: {etag}")],
        )
        .await;
        assert_eq!(again.status, 304, "{accept}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        assert_eq!(
            again.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        again.assert_secure(&format!("'self' ws://{addr}"));

        let changed = request(addr, "GET", path, &[accept, "If-None-Match: \"0000\""]).await;
        assert_eq!(changed.status, 200);
        assert_eq!(changed.header("etag"), Some(etag.as_str()));
    }
}

#[tokio::test]
async fn unknown_paths_are_404_and_only_get_and_head_are_served() {
    let addr = serve(test_client(), None).await;
    for path in [
        "/join/nope",
        "/join/assets/",
        "/join/assets/missing-123.js",
        "/join/assets/../index.html.bak",
        "/join/assets/..%2F..%2FCargo.toml",
        "/join/room/ward-7",
        "/join/.vite/manifest.json",
    ] {
        let reply = request(addr, "GET", path, &[]).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.text(), "not found\n");
    }
    for method in ["POST", "PUT", "DELETE"] {
        let reply = request(addr, method, "/join", &[]).await;
        assert_eq!(reply.status, 405, "{method}");
        let allow = reply.header("allow").expect("Allow");
        assert!(allow.contains("GET") && allow.contains("HEAD"), "{allow}");
    }
    let head = request(addr, "HEAD", "/join/assets/index-3f2a9c.js", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        Some(script().len().to_string().as_str())
    );
}

#[tokio::test]
async fn a_server_built_without_the_client_says_how_to_add_it() {
    let addr = serve(WebClient::none(), None).await;
    for path in ["/join", "/join/", "/join/assets/index-3f2a9c.js"] {
        let reply = request(addr, "GET", path, &[]).await;
        assert_eq!(reply.status, 503, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        let text = reply.text();
        assert_eq!(text, web::NOT_BUILT_IN);
        assert!(text.contains("without the browser client"), "{text}");
        assert!(text.contains("cd ui && npm run build:web"), "{text}");
        assert!(!text.contains('<'), "a message, not a page: {text}");
        reply.assert_secure(&format!("'self' ws://{addr}"));
    }
}

/// The real server: the embedded client, every file the page references
/// served, or the 503 when this build has none.
#[tokio::test]
async fn the_server_serves_its_embedded_client_beside_the_websocket() {
    let server = TestServer::start().await;
    let addr = server.local_addr();
    let page = request(addr, "GET", "/join", &["Accept-Encoding: gzip"]).await;
    page.assert_secure(&format!("'self' ws://{addr}"));
    if !web::built_in() {
        assert_eq!(page.status, 503);
        assert_eq!(page.text(), web::NOT_BUILT_IN);
        return;
    }
    assert_eq!(page.status, 200);
    let html = match page.header("content-encoding") {
        Some("gzip") => String::from_utf8(gunzip(&page.body)).expect("utf8"),
        _ => page.text(),
    };
    let client = WebClient::embedded();
    let mut referenced = 0;
    for piece in html.split("\"/join/").skip(1) {
        let path = piece.split('"').next().expect("a closing quote");
        assert!(client.paths().any(|p| p == path), "{path} is embedded");
        let file = request(addr, "GET", &format!("/join/{path}"), &[]).await;
        assert_eq!(file.status, 200, "{path}");
        referenced += 1;
    }
    assert!(referenced > 0, "the page references its script: {html}");
    // The WebSocket still answers beside it.
    let _client = server.connect().await;
}

/// Under TLS the page comes over https on the same listener, naming wss:.
#[tokio::test]
async fn the_page_is_served_over_https_on_the_websocket_listener() {
    use tokio_rustls::rustls::pki_types::ServerName;
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};

    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).expect("write cert");
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).expect("write key");
    let server = TestServer::start_with(|c| {
        c.tls = Some(mulaqat_server::config::TlsConfig {
            cert: cert_path.clone(),
            key: key_path.clone(),
        })
    })
    .await;
    let mut roots = RootCertStore::empty();
    roots.add(cert.cert.der().clone()).expect("trust");
    let tls = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let port = server.local_addr().port();
    let tcp = TcpStream::connect(server.local_addr()).await.expect("tcp");
    let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("TLS handshake");
    let host = format!("localhost:{port}");
    let reply = request_on(stream, &host, "GET", "/join", &[]).await;
    reply.assert_secure(&format!("'self' wss://{host}"));
    let expected = if web::built_in() { 200 } else { 503 };
    assert_eq!(reply.status, expected, "{}", reply.text());
}

/// What reaches the server is never logged with its query: a link pasted
/// with `?t=` instead of `#t=` leaves no token in the log, even at debug.
#[test]
fn requests_leave_no_query_string_in_the_log() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let data = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mulaqat-server"))
        .args(["--listen", "127.0.0.1:0", "--log", "debug", "--data-dir"])
        .arg(data.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read line");
    let addr = line
        .trim()
        .strip_prefix("listening on ws://")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    for path in [
        "/join?t=mq1.SECRET-QUERY.x",
        "/join/assets/none.js?t=mq1.SECRET-QUERY.x",
        "/ws?t=mq1.SECRET-QUERY.x",
    ] {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        assert!(reply.starts_with("HTTP/1.1 "), "{path}: {reply}");
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("mulaqat-server ready"), "{log}");
    assert!(!log.contains("SECRET-QUERY"), "{log}");
    // A build without the client says so once, at start-up.
    let warnings = log.matches("built without the browser client").count();
    assert_eq!(warnings, usize::from(!web::built_in()), "{log}");
}
