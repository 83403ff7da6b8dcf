//! The pre-join network check's HTTP API (`/netcheck`), over plain HTTP/1.1.

use std::net::SocketAddr;

use mulaqat_protocol::{Role, UnixMillis};
use mulaqat_server::netcheck::{MAX_PROBE_BYTES, TURN_TTL_SECS};
use mulaqat_server::token::TokenSigner;
use mulaqat_server::turn::rest_password;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::*;

const TURN_SECRET: &str = "netcheck-turn-secret";
const TURN_URL: &str = "turn:127.0.0.1:3478?transport=udp";

impl HttpReply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// One request on a fresh connection (`Connection: close`); `body` with a
/// Content-Length unless `declared` says otherwise.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
    declared: Option<usize>,
) -> HttpReply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!(
            "Content-Length: {}\r\n",
            declared.unwrap_or(body.len())
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    // The server may answer (and close) before reading a body it refuses.
    let _ = stream.write_all(body).await;
    read_http_reply(&mut stream).await
}

async fn with_turn() -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret_file = dir.path().join("turn-secret");
    std::fs::write(&secret_file, TURN_SECRET).expect("write the TURN secret");
    let server = TestServer::start_with(|c| {
        c.ice.turn_urls = vec![TURN_URL.into()];
        c.ice.turn_secret_file = Some(secret_file.clone());
        c.ice.turn_ttl_secs = 3600;
    })
    .await;
    (server, dir)
}

fn assert_refused(reply: &HttpReply, code: &str, words: &str) {
    assert_eq!(
        reply.status,
        401,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let json = reply.json();
    assert_eq!(json["code"], code, "{json}");
    let message = json["message"].as_str().expect("a message");
    assert!(message.contains(words), "{message:?} should say {words:?}");
    assert!(
        reply
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer")),
        "{:?}",
        reply.headers
    );
}

#[tokio::test]
async fn netcheck_refuses_a_missing_foreign_or_expired_token_with_what_to_do() {
    let (server, _dir) = with_turn().await;
    let addr = server.local_addr();

    let none = http(addr, "POST", "/netcheck", None, b"", None).await;
    assert_refused(&none, "invalidToken", "join link");

    let foreign = TokenSigner::new(b"another-server-secret-32-bytes!!").issue(
        room("netcheck-a"),
        Role::Guest,
        now(),
        3600,
    );
    let reply = http(addr, "POST", "/netcheck", Some(&foreign), b"", None).await;
    assert_refused(&reply, "invalidToken", "not issued by this server");
    assert!(
        !String::from_utf8_lossy(&reply.body).contains("username"),
        "no TURN credentials without a valid token"
    );

    let expired = server.signer().issue(
        room("netcheck-a"),
        Role::Guest,
        UnixMillis(now().0 - 7_200_000),
        60,
    );
    let reply = http(addr, "POST", "/netcheck", Some(&expired), b"", None).await;
    assert_refused(&reply, "tokenExpired", "ask the host for a new one");

    let reply = http(
        addr,
        "GET",
        "/netcheck/download?bytes=1000",
        Some("mq1.garbage"),
        b"",
        None,
    )
    .await;
    assert_refused(&reply, "invalidToken", "copy the whole link again");
    let reply = http(addr, "POST", "/netcheck/upload", None, &[0; 100], None).await;
    assert_refused(&reply, "invalidToken", "join link");
}

#[tokio::test]
async fn turn_credentials_come_with_a_valid_token_and_live_two_minutes() {
    let (server, _dir) = with_turn().await;
    let token = server.token("netcheck-b", Role::Guest);
    let before = now().as_secs();
    let reply = http(
        server.local_addr(),
        "POST",
        "/netcheck",
        Some(&token),
        b"",
        None,
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let json = reply.json();
    assert_eq!(json["maxProbeBytes"], MAX_PROBE_BYTES);
    assert_eq!(json["ttlSecs"], TURN_TTL_SECS);
    let servers = json["iceServers"].as_array().expect("iceServers");
    assert_eq!(servers.len(), 1, "{json}");
    assert_eq!(servers[0]["urls"], serde_json::json!([TURN_URL]));
    let username = servers[0]["username"].as_str().expect("username");
    let expiry: u64 = username
        .split_once(':')
        .and_then(|(e, _)| e.parse().ok())
        .expect("expiry:who");
    // Two minutes, not the call's hour.
    assert!(
        expiry >= before + TURN_TTL_SECS && expiry <= now().as_secs() + TURN_TTL_SECS,
        "{username} at {before}"
    );
    assert_eq!(
        servers[0]["credential"].as_str(),
        Some(rest_password(TURN_SECRET.as_bytes(), username).as_str())
    );

    // Without a relay configured: no servers, the rest of the check still works.
    let plain = TestServer::start().await;
    let token = plain.token("netcheck-b", Role::Host);
    let reply = http(
        plain.local_addr(),
        "POST",
        "/netcheck",
        Some(&token),
        b"",
        None,
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["iceServers"], serde_json::json!([]));
}

#[tokio::test]
async fn downloads_and_uploads_are_capped_at_one_mebibyte() {
    let server = TestServer::start().await;
    let addr = server.local_addr();
    let token = server.token("netcheck-c", Role::Guest);

    let small = http(
        addr,
        "GET",
        "/netcheck/download?bytes=1000",
        Some(&token),
        b"",
        None,
    )
    .await;
    assert_eq!(small.status, 200);
    assert_eq!(small.body.len(), 1000);
    let huge = http(
        addr,
        "GET",
        "/netcheck/download?bytes=104857600",
        Some(&token),
        b"",
        None,
    )
    .await;
    assert_eq!(huge.status, 200);
    assert_eq!(huge.body.len(), MAX_PROBE_BYTES, "capped");
    let bad = http(
        addr,
        "GET",
        "/netcheck/download?bytes=lots",
        Some(&token),
        b"",
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["code"], "invalidField");

    let up = http(
        addr,
        "POST",
        "/netcheck/upload",
        Some(&token),
        &vec![7u8; 256 * 1024],
        None,
    )
    .await;
    assert_eq!(up.status, 200, "{}", String::from_utf8_lossy(&up.body));
    let json = up.json();
    assert_eq!(json["bytes"], 256 * 1024);
    assert!(json["ms"].is_u64(), "{json}");

    let other = server.token("netcheck-c2", Role::Guest);
    let too_big = http(
        addr,
        "POST",
        "/netcheck/upload",
        Some(&other),
        b"",
        Some(MAX_PROBE_BYTES + 1),
    )
    .await;
    assert_eq!(too_big.status, 413);
    let json = too_big.json();
    assert_eq!(json["code"], "messageTooLarge");
    assert!(
        json["message"]
            .as_str()
            .is_some_and(|m| m.contains("1048576"))
    );
}

#[tokio::test]
async fn one_link_cannot_pull_credentials_or_bandwidth_in_a_loop() {
    let (server, _dir) = with_turn().await;
    let addr = server.local_addr();
    let token = server.token("netcheck-d", Role::Guest);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(http(addr, "POST", "/netcheck", Some(&token), b"", None).await);
    }
    let codes: Vec<u16> = statuses.iter().map(|r| r.status).collect();
    assert_eq!(codes, [200, 200, 200, 200, 429, 429]);
    let json = statuses[4].json();
    assert_eq!(json["code"], "rateLimited");
    assert!(
        json["message"]
            .as_str()
            .is_some_and(|m| m.contains("try again")),
        "{json}"
    );

    // Bytes run out too: six mebibytes, then no more.
    let bytes = server.token("netcheck-e", Role::Guest);
    let mut pulled = 0;
    for _ in 0..8 {
        let reply = http(
            addr,
            "GET",
            "/netcheck/download?bytes=1048576",
            Some(&bytes),
            b"",
            None,
        )
        .await;
        if reply.status != 200 {
            assert_eq!(reply.status, 429);
            break;
        }
        pulled += reply.body.len();
    }
    assert_eq!(pulled, 6 * MAX_PROBE_BYTES);

    // Another link is not held back by the first.
    let fresh = server.token("netcheck-f", Role::Guest);
    let reply = http(addr, "POST", "/netcheck", Some(&fresh), b"", None).await;
    assert_eq!(reply.status, 200);
}
