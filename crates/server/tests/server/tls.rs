//! `wss://` with a certificate from the config.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use mulaqat_protocol::{ClientMsg, Role, ServerMsg, decode_server, encode};
use mulaqat_server::config::TlsConfig;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

#[tokio::test]
async fn serves_wss_with_the_configured_certificate() {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).expect("write cert");
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).expect("write key");

    let server = TestServer::start_with(|c| {
        c.tls = Some(TlsConfig {
            cert: cert_path.clone(),
            key: key_path.clone(),
        })
    })
    .await;
    assert!(
        server.running().client_url().starts_with("wss://"),
        "{}",
        server.running().client_url()
    );

    let mut roots = RootCertStore::empty();
    roots
        .add(cert.cert.der().clone())
        .expect("trust the test CA");
    let tls = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .expect("tcp");
    let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("TLS handshake with the configured certificate");
    let url = format!("wss://localhost:{}/ws", server.local_addr().port());
    let (mut ws, _) = tokio_tungstenite::client_async(url, stream)
        .await
        .expect("websocket over TLS");
    for msg in [
        ClientMsg::Hello {
            version: 1,
            token: server.token("secure-room", Role::Host),
        },
        join("secure-room", "Dr. Khan"),
    ] {
        ws.send(Message::Text(encode(&msg).into()))
            .await
            .expect("send");
    }
    let Some(Ok(Message::Text(text))) = ws.next().await else {
        panic!("no reply over TLS")
    };
    assert!(matches!(
        decode_server(text.as_str(), usize::MAX),
        Ok(ServerMsg::Welcome { .. })
    ));

    // A plain ws:// client gets nowhere.
    let plain = format!("ws://{}/ws", server.local_addr());
    assert!(tokio_tungstenite::connect_async(plain).await.is_err());
}

#[tokio::test]
async fn a_missing_certificate_is_a_clear_start_error() {
    let result = mulaqat_server::testing::TestServer::start_with(|c| {
        c.tls = Some(TlsConfig {
            cert: "/nonexistent/cert.pem".into(),
            key: "/nonexistent/key.pem".into(),
        })
    })
    .await;
    let err = result.expect_err("must not start").to_string();
    assert!(err.contains("/nonexistent/cert.pem"), "{err}");
}
