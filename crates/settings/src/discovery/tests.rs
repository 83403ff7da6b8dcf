//! Server addresses as people type them, and the well-known document read from them.

use super::*;

fn origin(input: &str) -> String {
    ServerAddress::parse(input)
        .unwrap_or_else(|e| panic!("{input}: {e}"))
        .origin()
        .to_owned()
}

#[test]
fn a_bare_host_means_https_and_paths_are_dropped() {
    assert_eq!(
        origin("meet.hospital.example"),
        "https://meet.hospital.example"
    );
    assert_eq!(
        origin("meet.hospital.example/"),
        "https://meet.hospital.example"
    );
    assert_eq!(
        origin("  Meet.Hospital.Example  "),
        "https://meet.hospital.example"
    );
    assert_eq!(
        origin("meet.hospital.example:8443"),
        "https://meet.hospital.example:8443"
    );
    assert_eq!(origin("localhost:8717"), "https://localhost:8717");
    assert_eq!(
        origin("https://meet.hospital.example/"),
        "https://meet.hospital.example"
    );
    assert_eq!(
        origin("https://meet.hospital.example:443/x?y#z"),
        "https://meet.hospital.example"
    );
    assert_eq!(origin("http://127.0.0.1:8717"), "http://127.0.0.1:8717");
    assert_eq!(origin("http://127.0.0.1:8717/"), "http://127.0.0.1:8717");
    assert_eq!(origin("ws://127.0.0.1:8717/ws"), "http://127.0.0.1:8717");
    assert_eq!(
        origin("wss://meet.hospital.example/ws"),
        "https://meet.hospital.example"
    );
    assert_eq!(origin("http://[::1]:8717"), "http://[::1]:8717");
    assert!(
        ServerAddress::parse("meet.hospital.example")
            .expect("ok")
            .is_https()
    );
    assert_eq!(
        ServerAddress::parse("http://127.0.0.1:8717")
            .expect("ok")
            .well_known_url(),
        "http://127.0.0.1:8717/.well-known/mulaqat"
    );
}

#[test]
fn things_that_are_not_server_addresses_are_refused_with_a_hint() {
    for bad in [
        "",
        "   ",
        "meet hospital",
        "ftp://files.example",
        "mulaqat://join?server=x",
        "https://user:pw@meet.example",
        "https://",
        "http://exa mple.com",
    ] {
        let err = ServerAddress::parse(bad).expect_err(bad);
        assert!(
            matches!(err, DiscoveryError::InvalidAddress { .. }),
            "{bad}: {err:?}"
        );
        assert!(err.to_string().contains("meet.hospital.example"), "{err}");
    }
}

fn info(address: &str, body: &str) -> Result<ServerInfo, DiscoveryError> {
    ServerInfo::from_well_known(
        &ServerAddress::parse(address).expect("address"),
        body.as_bytes(),
    )
}

#[test]
fn a_well_known_document_is_read_with_its_policy_and_limits() {
    let got = info(
        "meet.hospital.example",
        r#"{"server":"mulaqat-server/9","signalling":"wss://meet.hospital.example/ws",
            "protocolVersion":1,"minProtocolVersion":1,"maxMessageBytes":65536,
            "icePolicy":"relay","limits":{"maxParticipants":6,"maxChatChars":4000},"future":1}"#,
    )
    .expect("ok");
    assert_eq!(got.signalling_url, "wss://meet.hospital.example/ws");
    assert_eq!(got.ice_policy, IcePolicy::Relay);
    assert_eq!(got.limits.max_participants, Some(6));
    assert_eq!(got.limits.max_message_bytes, Some(65536));
    assert_eq!(got.server.as_deref(), Some("mulaqat-server/9"));
}

#[test]
fn an_older_server_without_policy_or_limits_is_fine() {
    let got = info(
        "http://127.0.0.1:1",
        r#"{"signalling":"ws://127.0.0.1:1/ws","protocolVersion":1}"#,
    )
    .expect("ok");
    assert_eq!(got.ice_policy, IcePolicy::All);
    assert_eq!(got.min_protocol_version, 1);
    assert_eq!(got.limits, ServerLimits::default());
}

#[test]
fn an_https_server_must_not_offer_plain_ws() {
    let err = info(
        "meet.hospital.example",
        r#"{"signalling":"ws://meet.hospital.example/ws","protocolVersion":1}"#,
    )
    .expect_err("downgrade");
    assert!(
        matches!(err, DiscoveryError::InsecureSignalling { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("public_url"));
}

#[test]
fn signalling_must_be_a_websocket_url() {
    for signalling in ["https://x/ws", "not a url", "wss://u:p@x/ws"] {
        let body = format!(r#"{{"signalling":"{signalling}","protocolVersion":1}}"#);
        let err = info("meet.hospital.example", &body).expect_err(signalling);
        assert!(matches!(err, DiscoveryError::NotMulaqat { .. }), "{err:?}");
    }
}

#[test]
fn unknown_ice_policies_are_treated_as_relay() {
    let got = info(
        "meet.hospital.example",
        r#"{"signalling":"wss://x/ws","protocolVersion":1,"icePolicy":"tcpRelayOnly"}"#,
    )
    .expect("ok");
    assert_eq!(got.ice_policy, IcePolicy::Relay);
}

#[test]
fn a_pinned_ca_file_must_hold_certificates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, "hello").expect("write");
    let trust = TrustConfig {
        extra_ca_pem: Some(path.clone()),
    };
    let err = trust.certificates().expect_err("no certs");
    assert!(err.to_string().contains("ca.pem"), "{err}");
    let missing = TrustConfig {
        extra_ca_pem: Some(dir.path().join("missing.pem")),
    };
    assert!(missing.certificates().is_err());
    assert!(
        TrustConfig::default()
            .certificates()
            .expect("none")
            .is_empty()
    );
}
