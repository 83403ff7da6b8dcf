//! Refusals, limits, time and shutdown.

use mulaqat_protocol::{
    ClientMsg, CloseReason, ErrorCode, KnockOutcome, MediaState, ParticipantId, Role, ServerMsg,
    UnixMillis,
};

use super::*;

#[test]
fn a_full_room_and_a_full_lobby_refuse_politely() {
    let mut w = World::with(
        RoomSettings {
            max_participants: 2,
            max_lobby: 1,
            ..RoomSettings::default()
        },
        IceSettings::default(),
    );
    let (host, _guest) = two_in_a_room(&mut w, "r");
    let conn = w.hello("r", Role::Host);
    let out = w.send(conn, join_msg("r", "Third host"));
    assert_eq!(error_code(&out, conn), Some(ErrorCode::RoomFull));
    assert!(
        !closed(&out, conn),
        "room full is not fatal: the client may retry"
    );
    let (waiting, _) = w.join("r", Role::Guest, "Waits");
    let out = w.send(
        host.conn,
        ClientMsg::Admit {
            participant: waiting.id,
        },
    );
    assert_eq!(error_code(&out, host.conn), Some(ErrorCode::RoomFull));
    let conn = w.hello("r", Role::Guest);
    let out = w.send(conn, join_msg("r", "One too many"));
    assert_eq!(error_code(&out, conn), Some(ErrorCode::RoomFull));
}

/// A refusal to provoke: the connection refused and what the handler put out.
type Case = Box<dyn Fn(&mut World) -> (ConnId, Vec<Output>)>;

/// Refusals of `hello` and `join`.
fn hello_and_join_refusals() -> Vec<(ErrorCode, Case)> {
    vec![
        (
            ErrorCode::HelloRequired,
            Box::new(|w| {
                let c = w.connect();
                (c, w.send(c, join_msg("r", "x")))
            }),
        ),
        (
            ErrorCode::UnsupportedVersion,
            Box::new(|w| {
                let c = w.connect();
                let token = w.token("r", Role::Guest);
                (c, w.send(c, ClientMsg::Hello { version: 99, token }))
            }),
        ),
        (
            ErrorCode::InvalidToken,
            Box::new(|w| {
                let c = w.connect();
                (
                    c,
                    w.send(
                        c,
                        ClientMsg::Hello {
                            version: 1,
                            token: "mq1.e30.AAAA".into(),
                        },
                    ),
                )
            }),
        ),
        (
            ErrorCode::TokenExpired,
            Box::new(|w| {
                let c = w.connect();
                let token =
                    w.signer
                        .issue(room("r"), Role::Guest, UnixMillis(T0.0 - 7_200_000), 3600);
                (c, w.send(c, ClientMsg::Hello { version: 1, token }))
            }),
        ),
        (
            ErrorCode::DuplicateHello,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                let token = w.token("r", Role::Guest);
                (c, w.send(c, ClientMsg::Hello { version: 1, token }))
            }),
        ),
        (
            ErrorCode::WrongRoom,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                (c, w.send(c, join_msg("other-room", "x")))
            }),
        ),
        (
            ErrorCode::Forbidden,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                let mut msg = join_msg("r", "x");
                if let ClientMsg::Join { role, .. } = &mut msg {
                    *role = Some(Role::Host);
                }
                (c, w.send(c, msg))
            }),
        ),
        (
            ErrorCode::InvalidDisplayName,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                (c, w.send(c, join_msg("r", "bad\u{202E}name")))
            }),
        ),
    ]
}

/// Refusals of requests that need a joined member (or a host).
fn member_refusals() -> Vec<(ErrorCode, Case)> {
    vec![
        (
            ErrorCode::NotJoined,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                (
                    c,
                    w.send(
                        c,
                        ClientMsg::MediaState {
                            state: MediaState::default(),
                        },
                    ),
                )
            }),
        ),
        (
            ErrorCode::AlreadyJoined,
            Box::new(|w| {
                let (h, _) = w.join("r2", Role::Host, "H");
                (h.conn, w.send(h.conn, join_msg("r2", "H")))
            }),
        ),
        (
            ErrorCode::InvalidText,
            Box::new(|w| {
                let (h, _) = w.join("r3", Role::Host, "H");
                (
                    h.conn,
                    w.send(h.conn, ClientMsg::Chat { text: "   ".into() }),
                )
            }),
        ),
        (
            ErrorCode::InvalidField,
            Box::new(|w| {
                let (h, _) = w.join("r4", Role::Host, "H");
                let id = h.id.clone();
                (
                    h.conn,
                    w.send(h.conn, ClientMsg::Remove { participant: id }),
                )
            }),
        ),
        (
            ErrorCode::UnknownParticipant,
            Box::new(|w| {
                let (h, _) = w.join("r5", Role::Host, "H");
                let nobody = ParticipantId::new("p-nobody").expect("valid");
                (
                    h.conn,
                    w.send(
                        h.conn,
                        ClientMsg::Admit {
                            participant: nobody,
                        },
                    ),
                )
            }),
        ),
    ]
}

#[test]
fn session_errors_have_their_codes_and_only_fatal_ones_close() {
    let mut w = World::new();
    let cases = hello_and_join_refusals()
        .into_iter()
        .chain(member_refusals());
    for (expected, case) in cases {
        let (conn, out) = case(&mut w);
        assert_eq!(error_code(&out, conn), Some(expected), "{out:?}");
        assert_eq!(
            closed(&out, conn),
            expected.is_fatal(),
            "{expected}: {out:?}"
        );
        if let Some(ServerMsg::Error { message, .. }) = msgs_to(&out, conn).first() {
            assert!(
                message.len() > 10,
                "{expected} needs a message people can act on"
            );
        }
    }
}

#[test]
fn a_token_that_expires_between_hello_and_join_is_refused() {
    let mut w = World::new();
    let conn = w.connect();
    let token = w.signer.issue(room("r"), Role::Host, w.now, 10);
    assert!(
        w.send(conn, ClientMsg::Hello { version: 1, token })
            .is_empty()
    );
    w.advance_secs(11);
    let out = w.send(conn, join_msg("r", "Slow"));
    assert_eq!(error_code(&out, conn), Some(ErrorCode::TokenExpired));
    assert!(closed(&out, conn));
}

#[test]
fn shutdown_tells_everyone_and_refuses_newcomers() {
    let mut w = World::new();
    let (host, guest) = two_in_a_room(&mut w, "r");
    let fresh = w.connect();
    let out = w.input(Input::Shutdown);
    for who in [host.conn, guest.conn] {
        assert_eq!(
            msgs_to(&out, who),
            vec![ServerMsg::Closed {
                reason: CloseReason::ServerShutdown
            }]
        );
        assert!(out.contains(&Output::Close(who, CloseFrame::GOING_AWAY)));
    }
    assert_eq!(error_code(&out, fresh), Some(ErrorCode::ServerShuttingDown));
    let late = w.connect();
    let token = w.token("r", Role::Host);
    let out = w.send(late, ClientMsg::Hello { version: 1, token });
    assert_eq!(error_code(&out, late), Some(ErrorCode::ServerShuttingDown));
}

#[test]
fn empty_rooms_keep_their_chat_for_a_while_then_are_forgotten() {
    let mut w = World::new();
    let (host, _) = w.join("r", Role::Host, "H");
    w.send(
        host.conn,
        ClientMsg::Chat {
            text: "note".into(),
        },
    );
    w.input(Input::Disconnected(host.conn));
    w.advance_secs(60);
    w.input(Input::Tick);
    let (back, out) = w.join("r", Role::Host, "H");
    let ServerMsg::Welcome { chat, .. } = &msgs_to(&out, back.conn)[0] else {
        panic!()
    };
    assert_eq!(chat.len(), 1, "a short absence loses nothing");
    w.input(Input::Disconnected(back.conn));
    w.advance_secs(RoomSettings::default().empty_room_grace_secs + 1);
    w.input(Input::Tick);
    assert_eq!(w.handler.room_count(), 0);
}

#[test]
fn a_guest_leaving_the_lobby_withdraws_the_knock() {
    let mut w = World::new();
    let (host, _) = w.join("r", Role::Host, "H");
    let (guest, _) = w.join("r", Role::Guest, "G");
    let out = w.send(guest.conn, ClientMsg::Leave);
    assert_eq!(
        msgs_to(&out, guest.conn),
        vec![ServerMsg::Closed {
            reason: CloseReason::Left
        }]
    );
    assert_eq!(
        msgs_to(&out, host.conn),
        vec![ServerMsg::KnockResolved {
            participant: guest.id,
            outcome: KnockOutcome::Withdrawn
        }]
    );
}

#[test]
fn welcome_carries_time_limited_turn_credentials() {
    let ice = IceSettings {
        servers: vec![],
        turn: Some(TurnIssuer::new(
            vec!["turn:127.0.0.1:3478".into()],
            b"s3cr3t".to_vec(),
            600,
        )),
    };
    let mut w = World::with(RoomSettings::default(), ice);
    let (host, out) = w.join("r", Role::Host, "H");
    let ServerMsg::Welcome {
        ice_servers,
        ice_expires_at,
        ..
    } = &msgs_to(&out, host.conn)[0]
    else {
        panic!()
    };
    let expected_user = format!("{}:{}", T0.as_secs() + 600, host.id);
    assert_eq!(
        ice_servers[0].username.as_deref(),
        Some(expected_user.as_str())
    );
    assert_eq!(
        ice_servers[0].credential.as_deref(),
        Some(crate::turn::rest_password(b"s3cr3t", &expected_user).as_str())
    );
    assert_eq!(*ice_expires_at, Some(UnixMillis(T0.0 + 600_000)));

    // Nine minutes later the member asks for fresh credentials.
    w.advance_secs(540);
    let out = w.send(host.conn, ClientMsg::RefreshIce);
    let ServerMsg::IceServers {
        ice_servers,
        ice_expires_at,
        ice_ttl_secs,
    } = &msgs_to(&out, host.conn)[0]
    else {
        panic!("refreshIce is answered with iceServers: {out:?}")
    };
    let renewed_user = format!("{}:{}", T0.as_secs() + 540 + 600, host.id);
    assert_eq!(
        ice_servers[0].username.as_deref(),
        Some(renewed_user.as_str())
    );
    assert_eq!(*ice_expires_at, Some(UnixMillis(T0.0 + 1_140_000)));
    assert_eq!(*ice_ttl_secs, Some(600));
}

#[test]
fn only_members_get_fresh_turn_credentials() {
    let mut w = World::new();
    let conn = w.connect();
    let out = w.send(conn, ClientMsg::RefreshIce);
    assert!(
        matches!(
            msgs_to(&out, conn)[..],
            [ServerMsg::Error {
                code: ErrorCode::HelloRequired,
                ..
            }]
        ),
        "{out:?}"
    );
}

#[test]
fn frames_after_close_are_ignored() {
    let mut w = World::new();
    let (host, _) = w.join("r", Role::Host, "H");
    w.send(host.conn, ClientMsg::Leave);
    assert!(
        w.send(
            host.conn,
            ClientMsg::Chat {
                text: "ghost".into()
            }
        )
        .is_empty()
    );
    assert!(w.input(Input::Disconnected(host.conn)).is_empty());
}
