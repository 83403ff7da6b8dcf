//! Server discovery against a real `mulaqat-server` (plain and TLS) and
//! against tiny fake HTTP servers that answer wrongly on purpose.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use mulaqat_server::ServerConfig;
use mulaqat_server::config::TlsConfig;
use mulaqat_server::testing::TestServer;
use mulaqat_settings::{Discoverer, DiscoveryError, IcePolicy, TrustConfig, discover};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

async fn start_server(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
    TestServer::start_with(configure)
        .await
        .expect("server starts")
}

fn quick() -> Discoverer {
    Discoverer::with_timeout(&TrustConfig::default(), Duration::from_secs(2)).expect("client")
}

#[tokio::test]
async fn discovers_a_running_mulaqat_server_from_any_spelling_of_its_address() {
    let server = start_server(|_| {}).await;
    let addr = server.local_addr();
    for input in [
        format!("http://{addr}"),
        format!("http://{addr}/"),
        format!("ws://{addr}/ws"),
    ] {
        let info = discover(&input, &TrustConfig::default())
            .await
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(info.origin, format!("http://{addr}"));
        assert_eq!(info.signalling_url, format!("ws://{addr}/ws"));
        assert_eq!(info.ice_policy, IcePolicy::All);
        assert_eq!(info.protocol_version, mulaqat_protocol::PROTOCOL_VERSION);
        assert!(info.min_protocol_version <= info.protocol_version);
        assert_eq!(info.limits.max_participants, Some(4));
        assert_eq!(info.limits.max_message_bytes, Some(64 * 1024));
        assert!(info.limits.max_display_name_chars.is_some());
        assert!(
            info.server
                .as_deref()
                .is_some_and(|s| s.starts_with("mulaqat-server/")),
            "{:?}",
            info.server
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_that_forces_relay_and_has_a_public_url_says_so() {
    let secret_dir = tempfile::tempdir().expect("tempdir");
    let turn_secret = secret_dir.path().join("turn-secret");
    std::fs::write(&turn_secret, "coturn-shared-secret\n").expect("write");
    let server = start_server(|c| {
        c.public_url = Some("wss://meet.hospital.example".into());
        c.rooms.max_participants = 6;
        c.ice.turn_urls = vec!["turn:127.0.0.1:3478".into()];
        c.ice.turn_secret_file = Some(turn_secret.clone());
        c.ice.force_relay = true;
    })
    .await;
    let info = quick()
        .discover(&format!("http://{}", server.local_addr()))
        .await
        .expect("discovered");
    assert_eq!(info.ice_policy, IcePolicy::Relay);
    assert_eq!(info.limits.max_participants, Some(6));
    assert_eq!(info.signalling_url, "wss://meet.hospital.example/ws");
    server.shutdown().await;
}

#[tokio::test]
async fn a_tls_server_is_trusted_only_with_its_pinned_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).expect("write cert");
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).expect("write key");
    let server = start_server(|c| {
        c.tls = Some(TlsConfig {
            cert: cert_path.clone(),
            key: key_path.clone(),
        })
    })
    .await;
    let port = server.local_addr().port();
    let address = format!("localhost:{port}"); // a bare host means https

    let err = quick().discover(&address).await.expect_err("untrusted");
    assert!(matches!(err, DiscoveryError::Tls { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("not signed by an authority"), "{text}");
    assert!(text.contains("extra_ca_pem"), "{text}");

    let trust = TrustConfig {
        extra_ca_pem: Some(cert_path.clone()),
    };
    let info = Discoverer::with_timeout(&trust, Duration::from_secs(2))
        .expect("client")
        .discover(&address)
        .await
        .expect("trusted with the pinned CA");
    assert_eq!(info.origin, format!("https://localhost:{port}"));
    assert_eq!(info.signalling_url, format!("wss://localhost:{port}/ws"));
    server.shutdown().await;
}

/// A one-route HTTP server: answers every request with what `respond`
/// returns for its path. Returns its origin.
async fn fake(respond: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let respond = Arc::new(respond);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let respond = respond.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let _ = stream.write_all(&respond(&path)).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn http(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn json(body: &str) -> Vec<u8> {
    http(
        "200 OK",
        &[
            ("Content-Type", "application/json".into()),
            ("Content-Length", body.len().to_string()),
        ],
        body.as_bytes(),
    )
}

#[tokio::test]
async fn a_404_is_not_a_mulaqat_server() {
    let origin = fake(|_| {
        http(
            "404 Not Found",
            &[("Content-Length", "9".into())],
            b"not found",
        )
    })
    .await;
    let err = quick().discover(&origin).await.expect_err("404");
    assert!(matches!(err, DiscoveryError::NotMulaqat { .. }), "{err:?}");
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn garbage_and_other_json_are_not_a_mulaqat_server() {
    let origin = fake(|_| {
        let body = "<html><body>Welcome to nginx!</body></html>";
        http(
            "200 OK",
            &[
                ("Content-Type", "text/html".into()),
                ("Content-Length", body.len().to_string()),
            ],
            body.as_bytes(),
        )
    })
    .await;
    let err = quick().discover(&origin).await.expect_err("html");
    assert!(matches!(err, DiscoveryError::NotMulaqat { .. }), "{err:?}");
    assert!(err.to_string().contains("not JSON"), "{err}");

    let origin = fake(|_| json(r#"{"hello":"world"}"#)).await;
    let err = quick().discover(&origin).await.expect_err("other json");
    assert!(matches!(err, DiscoveryError::NotMulaqat { .. }), "{err:?}");
    assert!(err.to_string().contains("signalling"), "{err}");
}

#[tokio::test]
async fn a_huge_answer_is_refused_with_or_without_a_length() {
    let huge = vec![b' '; 1024 * 1024];
    let with_length = {
        let huge = huge.clone();
        fake(move |_| {
            http(
                "200 OK",
                &[("Content-Length", huge.len().to_string())],
                &huge,
            )
        })
        .await
    };
    let without_length = fake(move |_| http("200 OK", &[], &huge)).await;
    for origin in [with_length, without_length] {
        let err = quick().discover(&origin).await.expect_err("huge");
        assert!(matches!(err, DiscoveryError::NotMulaqat { .. }), "{err:?}");
        assert!(err.to_string().contains("64 KiB"), "{err}");
    }
}

#[tokio::test]
async fn an_older_or_newer_protocol_is_incompatible_with_a_hint_which_to_update() {
    let older = fake(|_| {
        json(r#"{"signalling":"ws://127.0.0.1:1/ws","protocolVersion":0,"minProtocolVersion":0}"#)
    })
    .await;
    let err = quick().discover(&older).await.expect_err("older");
    assert!(
        matches!(err, DiscoveryError::Incompatible { server_max: 0, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("update the server"), "{err}");

    let newer = fake(|_| {
        json(r#"{"signalling":"ws://127.0.0.1:1/ws","protocolVersion":9,"minProtocolVersion":5}"#)
    })
    .await;
    let err = quick().discover(&newer).await.expect_err("newer");
    assert!(
        matches!(err, DiscoveryError::Incompatible { server_min: 5, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Update Mulaqat"), "{err}");
}

#[tokio::test]
async fn redirects_stay_within_the_origin() {
    let origin = fake(|path| match path {
        "/.well-known/mulaqat" => http(
            "301 Moved Permanently",
            &[
                ("Location", "/.well-known/mulaqat/".into()),
                ("Content-Length", "0".into()),
            ],
            b"",
        ),
        _ => json(r#"{"signalling":"ws://127.0.0.1:1/ws","protocolVersion":1}"#),
    })
    .await;
    let info = quick()
        .discover(&origin)
        .await
        .expect("same-origin redirect followed");
    assert_eq!(info.signalling_url, "ws://127.0.0.1:1/ws");

    let away = fake(|_| {
        http(
            "302 Found",
            &[
                (
                    "Location",
                    "http://elsewhere.example/.well-known/mulaqat".into(),
                ),
                ("Content-Length", "0".into()),
            ],
            b"",
        )
    })
    .await;
    let err = quick().discover(&away).await.expect_err("cross-origin");
    assert!(matches!(err, DiscoveryError::Redirected { .. }), "{err:?}");
    assert!(
        err.to_string().contains("http://elsewhere.example"),
        "{err}"
    );
}

#[tokio::test]
async fn refused_silent_and_failing_servers_are_unreachable() {
    // Nothing listens on a port just released.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("addr")
    };
    let err = quick()
        .discover(&format!("http://{closed}"))
        .await
        .expect_err("refused");
    assert!(matches!(err, DiscoveryError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("network connection"), "{err}");

    // A server that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let silent_addr = silent.local_addr().expect("addr");
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let started = std::time::Instant::now();
    let err = Discoverer::with_timeout(&TrustConfig::default(), Duration::from_millis(300))
        .expect("client")
        .discover(&format!("http://{silent_addr}"))
        .await
        .expect_err("silent");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(err, DiscoveryError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("no answer within"), "{err}");
    hold.abort();

    let failing = fake(|_| {
        http(
            "503 Service Unavailable",
            &[("Content-Length", "0".into())],
            b"",
        )
    })
    .await;
    let err = quick().discover(&failing).await.expect_err("503");
    assert!(matches!(err, DiscoveryError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("503"), "{err}");

    // A name that does not resolve (.invalid never does).
    let err = quick()
        .discover("mulaqat.invalid")
        .await
        .expect_err("no such host");
    assert!(matches!(err, DiscoveryError::Unreachable { .. }), "{err:?}");
}

#[tokio::test]
async fn a_typo_is_reported_before_any_network_use() {
    let err = quick().discover("meet hospital").await.expect_err("typo");
    assert!(
        matches!(err, DiscoveryError::InvalidAddress { .. }),
        "{err:?}"
    );
}
