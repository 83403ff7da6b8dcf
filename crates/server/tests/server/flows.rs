//! A consultation as two people live it, and rooms that do not see each other.

use mulaqat_protocol::{
    ClientMsg, CloseReason, ErrorCode, IceCandidate, KnockOutcome, LeaveReason, LobbyReason, Role,
    SdpKind, ServerMsg, SessionDescription, Signal,
};

use crate::support::*;

#[tokio::test]
async fn host_and_guest_go_through_lobby_admission_signalling_and_chat() {
    let server = TestServer::start().await;
    let (mut host, host_id, welcome) = server.join("consult-1", Role::Host, "Dr. Khan").await;
    assert!(matches!(
        welcome,
        ServerMsg::Welcome {
            role: Role::Host,
            ..
        }
    ));
    host.send(&ClientMsg::Chat {
        text: "Dr. Khan will be with you shortly".into(),
    })
    .await;
    assert!(matches!(host.recv().await, ServerMsg::Chat { .. }));

    let (mut guest, guest_id, waiting) = server.join("consult-1", Role::Guest, "Bilal").await;
    assert_eq!(
        waiting,
        ServerMsg::LobbyWaiting {
            version: 1,
            participant_id: guest_id.clone(),
            reason: LobbyReason::AwaitingAdmission
        }
    );
    let ServerMsg::Knock { participant } = host.recv().await else {
        panic!("host is told someone knocks")
    };
    assert_eq!(participant.display_name, "Bilal");
    guest.assert_quiet().await;

    host.send(&ClientMsg::Admit {
        participant: guest_id.clone(),
    })
    .await;
    let ServerMsg::Welcome {
        participants, chat, ..
    } = guest.recv().await
    else {
        panic!("the admitted guest is welcomed")
    };
    assert_eq!(
        participants
            .iter()
            .map(|p| p.display_name.as_str())
            .collect::<Vec<_>>(),
        ["Dr. Khan", "Bilal"]
    );
    assert_eq!(chat.len(), 1, "the guest sees what was said before");
    assert_eq!(
        host.recv().await,
        ServerMsg::KnockResolved {
            participant: guest_id.clone(),
            outcome: KnockOutcome::Admitted
        }
    );
    assert!(matches!(host.recv().await, ServerMsg::Joined { .. }));

    // Offer, answer and a candidate pass through untouched.
    let offer = Signal::Sdp(SessionDescription {
        kind: SdpKind::Offer,
        sdp: "v=0\r\no=- 42 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n".into(),
    });
    host.send(&ClientMsg::Signal {
        to: guest_id.clone(),
        signal: offer.clone(),
    })
    .await;
    assert_eq!(
        guest.recv().await,
        ServerMsg::Signal {
            from: host_id.clone(),
            signal: offer
        }
    );
    let answer = Signal::Sdp(SessionDescription {
        kind: SdpKind::Answer,
        sdp: "v=0\r\n".into(),
    });
    guest
        .send(&ClientMsg::Signal {
            to: host_id.clone(),
            signal: answer.clone(),
        })
        .await;
    assert_eq!(
        host.recv().await,
        ServerMsg::Signal {
            from: guest_id.clone(),
            signal: answer
        }
    );
    let candidate = Signal::Candidate(IceCandidate {
        candidate: "candidate:1 1 UDP 2122252543 127.0.0.1 40000 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
    });
    guest
        .send(&ClientMsg::Signal {
            to: host_id.clone(),
            signal: candidate.clone(),
        })
        .await;
    assert_eq!(
        host.recv().await,
        ServerMsg::Signal {
            from: guest_id.clone(),
            signal: candidate
        }
    );

    guest
        .send(&ClientMsg::Chat {
            text: "I can see you".into(),
        })
        .await;
    for client in [&mut host, &mut guest] {
        let ServerMsg::Chat { message } = client.recv().await else {
            panic!("chat reaches everyone")
        };
        assert_eq!((message.seq, message.text.as_str()), (2, "I can see you"));
    }

    guest.send(&ClientMsg::Leave).await;
    let (msgs, ending) = guest.until_end().await;
    assert_eq!(
        msgs,
        vec![ServerMsg::Closed {
            reason: CloseReason::Left
        }]
    );
    assert_eq!(ending, Ending::Closed(NORMAL));
    assert_eq!(
        host.recv().await,
        ServerMsg::Left {
            participant: guest_id,
            reason: LeaveReason::Left
        }
    );
}

#[tokio::test]
async fn a_dropped_connection_is_reported_as_disconnected() {
    let server = TestServer::start().await;
    let ((mut host, _), (guest, guest_id)) = server.pair("r").await;
    drop(guest);
    assert_eq!(
        host.recv().await,
        ServerMsg::Left {
            participant: guest_id,
            reason: LeaveReason::Disconnected
        }
    );
}

#[tokio::test]
async fn rooms_do_not_see_each_other() {
    let server = TestServer::start().await;
    let ((mut a_host, _), (mut a_guest, a_guest_id)) = server.pair("room-a").await;
    let ((mut b_host, b_host_id), (mut b_guest, _)) = server.pair("room-b").await;
    let (mut a_third, _, _) = server.join("room-a", Role::Host, "Co-host A").await;
    for c in [&mut a_host, &mut a_guest] {
        assert!(matches!(c.recv().await, ServerMsg::Joined { .. }));
    }

    a_guest
        .send(&ClientMsg::Chat {
            text: "room a only".into(),
        })
        .await;
    for c in [&mut a_host, &mut a_guest, &mut a_third] {
        assert!(matches!(c.recv().await, ServerMsg::Chat { .. }));
    }
    b_host.assert_quiet().await;
    b_guest.assert_quiet().await;

    // Signalling across rooms is refused as if the target did not exist.
    a_guest
        .send(&ClientMsg::Signal {
            to: b_host_id,
            signal: Signal::Sdp(SessionDescription {
                kind: SdpKind::Offer,
                sdp: "v=0\r\n".into(),
            }),
        })
        .await;
    assert_eq!(a_guest.recv_error().await, ErrorCode::UnknownParticipant);
    b_host.assert_quiet().await;

    // A guest of room B cannot act on room A's people.
    b_host
        .send(&ClientMsg::Remove {
            participant: a_guest_id,
        })
        .await;
    assert_eq!(b_host.recv_error().await, ErrorCode::UnknownParticipant);

    // Ending room B leaves room A untouched.
    b_host.send(&ClientMsg::EndMeeting).await;
    for c in [&mut b_host, &mut b_guest] {
        let (msgs, ending) = c.until_end().await;
        assert_eq!(
            msgs,
            vec![ServerMsg::Closed {
                reason: CloseReason::MeetingEnded
            }]
        );
        assert_eq!(ending, Ending::Closed(NORMAL));
    }
    a_host
        .send(&ClientMsg::Chat {
            text: "still on".into(),
        })
        .await;
    assert!(matches!(a_guest.recv().await, ServerMsg::Chat { .. }));
}

#[tokio::test]
async fn a_guest_token_cannot_open_another_room() {
    let server = TestServer::start().await;
    let mut client = server.connect().await;
    client
        .send(&ClientMsg::Hello {
            version: 1,
            token: server.token("ward-7", Role::Guest),
        })
        .await;
    client.send(&join("icu-1", "Curious")).await;
    assert_eq!(client.recv_error().await, ErrorCode::WrongRoom);
    let (_, ending) = client.until_end().await;
    assert_eq!(ending, Ending::Closed(POLICY));
}

#[tokio::test]
async fn well_known_describes_the_signalling_endpoint() {
    let server = TestServer::start().await;
    let addr = server.local_addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            format!(
                "GET /.well-known/mulaqat HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    let json: serde_json::Value = serde_json::from_str(body).expect("json");
    assert_eq!(json["signalling"], format!("ws://{addr}/ws"));
    assert_eq!(json["protocolVersion"], 1);
    // Byte for byte what clients of every version have read (default settings).
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        body,
        format!(
            r#"{{"icePolicy":"all","limits":{{"maxChatChars":4000,"maxDisplayNameChars":64,"maxLobby":50,"maxMessageBytes":65536,"maxParticipants":4}},"maxMessageBytes":65536,"minProtocolVersion":1,"protocolVersion":1,"server":"mulaqat-server/{version}","signalling":"ws://{addr}/ws"}}"#
        )
    );
}
