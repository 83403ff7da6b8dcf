//! Opening the signalling link: `wss://` verified against a pinned CA, and
//! the errors a person sees when it cannot be opened.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::{SinkExt, StreamExt};
use mulaqat_client::transport::{ConnectError, SignallingTarget, connect};
use mulaqat_protocol::{ClientMsg, MediaState, PROTOCOL_VERSION, Role, RoomId, ServerMsg};
use mulaqat_server::config::TlsConfig;
use mulaqat_server::testing::TestServer;
use tokio_tungstenite::tungstenite::Message;

/// A server serving `wss://` with a self-signed certificate for `localhost`.
struct TlsServer {
    server: TestServer,
    /// The certificate, which is its own CA.
    ca_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn tls_server() -> TlsServer {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let server = TestServer::start_with(|c| {
        c.tls = Some(TlsConfig {
            cert: cert_path.clone(),
            key: key_path,
        })
    })
    .await
    .expect("server with TLS");
    TlsServer {
        server,
        ca_file: cert_path,
        _dir: dir,
    }
}

fn wss_url(server: &TlsServer) -> String {
    format!("wss://localhost:{}/ws", server.server.local_addr().port())
}

#[tokio::test]
async fn wss_with_the_pinned_ca_reaches_the_room() {
    let server = tls_server().await;
    let target = SignallingTarget {
        url: wss_url(&server),
        pinned_ca: Some(server.ca_file.clone()),
    };
    let mut socket = connect(&target)
        .await
        .expect("trusted through the pinned CA");
    let room = RoomId::new("secure-ward").unwrap();
    let token = server.server.token(&room, Role::Host);
    for msg in [
        ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            token,
        },
        ClientMsg::Join {
            decodes: None,
            room,
            display_name: "Dr. Khan".into(),
            role: None,
            resume: None,
            media: MediaState::default(),
        },
    ] {
        socket
            .send(Message::Text(mulaqat_protocol::encode(&msg).into()))
            .await
            .unwrap();
    }
    let Some(Ok(Message::Text(reply))) = socket.next().await else {
        panic!("no reply over wss");
    };
    assert!(
        matches!(
            mulaqat_protocol::decode_server(reply.as_str(), usize::MAX),
            Ok(ServerMsg::Welcome { .. })
        ),
        "{reply}"
    );
    server.server.shutdown().await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_with_advice() {
    let server = tls_server().await;
    let err = connect(&SignallingTarget::new(wss_url(&server)))
        .await
        .expect_err("a self-signed certificate is not in the OS store");
    assert!(matches!(err, ConnectError::Untrusted { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("not trusted") && message.contains("pinned CA"),
        "{message}"
    );
    server.server.shutdown().await;
}

#[tokio::test]
async fn a_broken_pinned_ca_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hospital-ca.pem");
    std::fs::write(&file, "not a certificate").unwrap();
    let err = connect(&SignallingTarget {
        url: "wss://localhost:1/ws".into(),
        pinned_ca: Some(file.clone()),
    })
    .await
    .expect_err("garbage is not a CA");
    assert!(matches!(err, ConnectError::PinnedCa { .. }), "{err:?}");
    assert!(err.to_string().contains("hospital-ca.pem"), "{err}");
}

#[tokio::test]
async fn bad_addresses_and_closed_ports_say_so() {
    for url in ["http://localhost/ws", "not a url", "ftp://x/ws"] {
        let err = connect(&SignallingTarget::new(url)).await.unwrap_err();
        assert!(matches!(err, ConnectError::BadUrl { .. }), "{url}: {err:?}");
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = connect(&SignallingTarget::new(format!("ws://127.0.0.1:{port}/ws")))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot reach"), "{err}");
}
