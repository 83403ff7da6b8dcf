//! Hostile and broken input: every case gets a clear error or a clean
//! close, and the rooms of well-behaved clients carry on.

use std::collections::BTreeSet;

use mulaqat_protocol::{
    ClientMsg, ErrorCode, Role, SdpKind, ServerMsg, SessionDescription, Signal,
};
use mulaqat_server::token::TokenSigner;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

/// A connection that has said hello with a valid token for `room_name`.
async fn greeted(server: &TestServer, room_name: &str, role: Role) -> Client {
    let mut client = server.connect().await;
    client
        .send(&ClientMsg::Hello {
            version: 1,
            token: server.token(room_name, role),
        })
        .await;
    client
}

struct Battery {
    seen: BTreeSet<&'static str>,
    cases: usize,
}

impl Battery {
    async fn expect(&mut self, client: &mut Client, input: &str, code: ErrorCode) {
        client.send_raw(input).await;
        self.check(client, code, input).await;
    }

    async fn check(&mut self, client: &mut Client, code: ErrorCode, what: &str) {
        let got = client.recv_error().await;
        assert_eq!(got, code, "{}", what.chars().take(80).collect::<String>());
        if code.is_fatal() {
            let (_, ending) = client.until_end().await;
            assert_eq!(
                ending,
                Ending::Closed(POLICY),
                "{code} closes the connection"
            );
        }
        self.seen.insert(code.as_str());
        self.cases += 1;
    }
}

#[tokio::test]
async fn a_battery_of_bad_input_is_answered_and_others_carry_on() {
    let server = TestServer::start().await;
    let ((mut host, host_id), (mut guest, _)) = server.pair("good-room").await;
    let mut b = Battery {
        seen: BTreeSet::new(),
        cases: 0,
    };

    // Frames that are not messages. The connection survives all of them.
    let mut c = server.connect().await;
    for (input, code) in [
        ("hello", ErrorCode::MalformedMessage),
        ("[1,2,3]", ErrorCode::MalformedMessage),
        ("42", ErrorCode::MalformedMessage),
        ("{}", ErrorCode::MalformedMessage),
        (r#"{"type":null}"#, ErrorCode::MalformedMessage),
        (r#"{"type":"teleport"}"#, ErrorCode::UnknownType),
        (
            r#"{"type":"hello","version":1}"#,
            ErrorCode::MalformedMessage,
        ),
        (
            r#"{"type":"hello","version":"1","token":"x"}"#,
            ErrorCode::MalformedMessage,
        ),
        (
            r#"{"type":"hello","version":1e400,"token":"x"}"#,
            ErrorCode::MalformedMessage,
        ),
        (
            r#"{"type":"join","room":"a b","displayName":"x"}"#,
            ErrorCode::MalformedMessage,
        ),
        (
            &format!("{}{}", "[".repeat(5000), "]".repeat(5000)),
            ErrorCode::MalformedMessage,
        ),
        (
            r#"{"type":"join","room":"good-room","displayName":"x"}"#,
            ErrorCode::HelloRequired,
        ),
        (r#"{"type":"chat","text":"hi"}"#, ErrorCode::HelloRequired),
    ] {
        b.expect(&mut c, input, code).await;
    }
    assert!(
        c.send_frame(Message::Binary(vec![0u8, 159, 146, 150].into()))
            .await
    );
    b.check(&mut c, ErrorCode::UnsupportedFrame, "binary frame")
        .await;
    let big_chat = format!(r#"{{"type":"chat","text":"{}"}}"#, "x".repeat(70 * 1024));
    b.expect(&mut c, &big_chat, ErrorCode::MessageTooLarge)
        .await;

    // Hello gone wrong: each closes the connection.
    let other_server_token = TokenSigner::new(b"some-other-servers-secret-32-byt").issue(
        room("good-room"),
        Role::Host,
        now(),
        3600,
    );
    let expired = server
        .signer()
        .issue(room("good-room"), Role::Host, now().plus_millis(0), 0);
    let genuine = server.token("good-room", Role::Guest);
    let (claims_and_mac, _) = genuine.split_at(genuine.len() - 1);
    let tampered = format!(
        "{claims_and_mac}{}",
        if genuine.ends_with('A') { 'B' } else { 'A' }
    );
    for (token, version, code) in [
        ("not-a-token".to_owned(), 1, ErrorCode::InvalidToken),
        (other_server_token, 1, ErrorCode::InvalidToken),
        (tampered, 1, ErrorCode::InvalidToken),
        (expired, 1, ErrorCode::TokenExpired),
        (
            server.token("good-room", Role::Guest),
            999,
            ErrorCode::UnsupportedVersion,
        ),
    ] {
        let mut c = server.connect().await;
        c.send(&ClientMsg::Hello { version, token }).await;
        b.check(&mut c, code, "bad hello").await;
    }

    // Session rules.
    let mut c = greeted(&server, "good-room", Role::Guest).await;
    let hello_again = ClientMsg::Hello {
        version: 1,
        token: server.token("good-room", Role::Guest),
    };
    c.send(&hello_again).await;
    b.check(&mut c, ErrorCode::DuplicateHello, "second hello")
        .await;
    c.send(&ClientMsg::Chat {
        text: "before join".into(),
    })
    .await;
    b.check(&mut c, ErrorCode::NotJoined, "chat before join")
        .await;
    let mut as_host = join("good-room", "Impostor");
    if let ClientMsg::Join { role, .. } = &mut as_host {
        *role = Some(Role::Host);
    }
    c.send(&as_host).await;
    b.check(&mut c, ErrorCode::Forbidden, "guest token joining as host")
        .await;
    for name in [
        "",
        "\u{0}null",
        "right-to-left \u{202E}override",
        &"n".repeat(65),
    ] {
        c.send(&join("good-room", name)).await;
        b.check(&mut c, ErrorCode::InvalidDisplayName, "bad display name")
            .await;
    }
    c.send(&join("other-room", "Wanderer")).await;
    b.check(&mut c, ErrorCode::WrongRoom, "token for another room")
        .await;

    // A host in their own room sending nonsense.
    let (mut h, h_id, _) = server.join("noisy-room", Role::Host, "Noisy").await;
    h.send(&join("noisy-room", "Again")).await;
    b.check(&mut h, ErrorCode::AlreadyJoined, "join twice")
        .await;
    for text in ["", "\u{7}bell", &"c".repeat(4001)] {
        h.send(&ClientMsg::Chat { text: text.into() }).await;
        b.check(&mut h, ErrorCode::InvalidText, "bad chat").await;
    }
    h.send(&ClientMsg::Signal {
        to: host_id.clone(),
        signal: Signal::Sdp(SessionDescription {
            kind: SdpKind::Offer,
            sdp: "v=0\r\n".into(),
        }),
    })
    .await;
    b.check(
        &mut h,
        ErrorCode::UnknownParticipant,
        "signal into another room",
    )
    .await;
    let (_waiting, someone, _) = server.join("noisy-room", Role::Guest, "Waiting").await;
    h.recv().await; // the knock
    let offer = Signal::Sdp(SessionDescription {
        kind: SdpKind::Offer,
        sdp: "v=0\r\n".into(),
    });
    h.send(&ClientMsg::Signal {
        to: someone.clone(),
        signal: offer,
    })
    .await;
    b.check(
        &mut h,
        ErrorCode::UnknownParticipant,
        "signal to someone in the lobby",
    )
    .await;
    h.send(&ClientMsg::Remove { participant: h_id }).await;
    b.check(&mut h, ErrorCode::InvalidField, "remove yourself")
        .await;
    h.send(&ClientMsg::Admit {
        participant: someone,
    })
    .await;
    assert!(matches!(h.recv().await, ServerMsg::KnockResolved { .. }));
    let ServerMsg::Joined { participant, .. } = h.recv().await else {
        panic!("admitted")
    };
    let oversize_sdp = Signal::Sdp(SessionDescription {
        kind: SdpKind::Offer,
        sdp: "a".repeat(50 * 1024),
    });
    h.send(&ClientMsg::Signal {
        to: participant.id,
        signal: oversize_sdp,
    })
    .await;
    b.check(&mut h, ErrorCode::InvalidField, "oversize SDP")
        .await;

    // A full room.
    let small = TestServer::start_with(|c| c.rooms.max_participants = 1).await;
    let (_solo, _, _) = small.join("tiny", Role::Host, "Solo").await;
    let mut c = small.connect().await;
    c.send(&ClientMsg::Hello {
        version: 1,
        token: small.token("tiny", Role::Host),
    })
    .await;
    c.send(&join("tiny", "Second")).await;
    b.check(&mut c, ErrorCode::RoomFull, "full room").await;

    // A guest trying host powers.
    guest.send(&ClientMsg::EndMeeting).await;
    b.check(&mut guest, ErrorCode::Forbidden, "guest ends meeting")
        .await;

    // A flood: rate-limited, then cut off.
    let mut flooder = greeted(&server, "flood-room", Role::Host).await;
    let chat = r#"{"type":"chat","text":"spam"}"#;
    for _ in 0..600 {
        if !flooder.send_frame(Message::Text(chat.into())).await {
            break;
        }
    }
    let (msgs, ending) = flooder.until_end().await;
    assert!(
        msgs.iter().any(|m| matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::RateLimited,
                ..
            }
        )),
        "the flooder is warned first"
    );
    assert_eq!(ending, Ending::Closed(POLICY));
    b.seen.insert(ErrorCode::RateLimited.as_str());
    b.cases += 1;

    // Server shutting down is covered in lifecycle.rs; internal is never expected.
    b.seen.insert(ErrorCode::ServerShuttingDown.as_str());
    let all: BTreeSet<&str> = ErrorCode::ALL
        .iter()
        .filter(|c| **c != ErrorCode::Internal)
        .map(|c| c.as_str())
        .collect();
    assert_eq!(b.seen, all, "every error code is exercised");
    assert!(b.cases >= 20, "{} cases", b.cases);

    // Through all of it the good room kept working.
    host.send(&ClientMsg::Chat {
        text: "all well?".into(),
    })
    .await;
    assert!(matches!(guest.recv().await, ServerMsg::Chat { .. }));
    assert!(matches!(host.recv().await, ServerMsg::Chat { .. }));
    let (_newcomer, _, reply) = server.join("good-room", Role::Host, "Newcomer").await;
    assert!(matches!(reply, ServerMsg::Welcome { .. }));
    let _ = host_id;
}

#[tokio::test]
async fn a_frame_over_the_hard_limit_closes_with_1009() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    let huge = "x".repeat(2 * 1024 * 1024);
    c.send_frame(Message::Text(huge.into())).await;
    let (_, ending) = c.until_end().await;
    eprintln!("huge frame ending: {ending:?}");
    assert!(
        matches!(ending, Ending::Closed(1009) | Ending::Dropped),
        "{ending:?}"
    );
    // The server is fine.
    let (_c, _, reply) = server.join("after-huge", Role::Host, "H").await;
    assert!(matches!(reply, ServerMsg::Welcome { .. }));
}
