//! Joining: hello and join, welcome, the lobby, admission, and what can be
//! done (and refused) on the way in and in the room.

use mulaqat_protocol::text::TextError;
use mulaqat_protocol::{
    ClientMsg, KnockOutcome, LobbyReason, PROTOCOL_VERSION, Role, ServerMsg, VideoCodec,
};

use super::*;
use crate::session::EndReason;

#[test]
fn join_opens_the_transport_then_says_hello_and_asks_to_join() {
    let mut config = config();
    config.display_name = "  Dr. Ayesha  ".into();
    config.decodes = Some(vec![VideoCodec::Vp8]);
    let mut call = Call::with_config(config);
    assert_eq!(call.state(), &CallState::Idle);
    assert_eq!(call.session.poll_timeout(), None);

    assert_eq!(
        call.user(UserAction::Join),
        [Output::OpenTransport, state_changed(CallState::Connecting)]
    );
    assert_eq!(
        call.opened(),
        [
            Output::Send(ClientMsg::Hello {
                version: PROTOCOL_VERSION,
                token: TOKEN.into(),
            }),
            Output::Send(ClientMsg::Join {
                decodes: Some(vec![VideoCodec::Vp8]),
                room: room(),
                display_name: "Dr. Ayesha".into(),
                role: None,
                resume: None,
                media: DEFAULT_MEDIA,
            }),
        ]
    );
    assert_eq!(call.state(), &CallState::Connecting);
}

#[test]
fn a_host_is_welcomed_with_the_room_as_the_server_knows_it() {
    let mut call = Call::new();
    call.connect();
    let mut welcome = Welcome::new("p-2", Role::Host, vec![guest("p-1", 1), host("p-2", 2)]);
    welcome.chat = vec![chat_msg(1, "p-1", "hello?")];
    welcome.lobby = vec![guest("p-9", 9)];

    let out = call.server(welcome.msg());
    assert_eq!(
        events(&out),
        [
            CallEvent::StateChanged(in_call("p-2", Role::Host)),
            CallEvent::ParticipantJoined(guest("p-1", 1)),
            CallEvent::ParticipantJoined(host("p-2", 2)),
            CallEvent::Knock(guest("p-9", 9)),
            CallEvent::Chat(chat_msg(1, "p-1", "hello?")),
        ]
    );
    assert_eq!(call.session.participant_id(), Some(&pid("p-2")));
    assert_eq!(call.session.role(), Some(Role::Host));
    assert_eq!(
        call.session.participants(),
        [guest("p-1", 1), host("p-2", 2)]
    );
    assert_eq!(call.session.lobby(), [guest("p-9", 9)]);
    assert_eq!(call.session.chat(), [chat_msg(1, "p-1", "hello?")]);
    assert_eq!(call.session.ice_servers(), ice());
    assert_eq!(call.session.mode(), Some(MediaMode::P2p));
    assert!(call.session.policy().is_some_and(|p| p.lobby));
    assert!(call.session.ice_expires_at().is_some());
    assert_eq!(
        call.session.poll_timeout(),
        None,
        "no timer runs in a calm call"
    );
}

#[test]
fn a_guest_waits_in_the_lobby_until_a_host_admits_them() {
    let mut call = Call::new();
    call.connect();
    let waiting = CallState::WaitingInLobby {
        participant_id: pid("g-1"),
        reason: LobbyReason::HostNotPresent,
    };
    assert_eq!(
        call.server(ServerMsg::LobbyWaiting {
            version: 1,
            participant_id: pid("g-1"),
            reason: LobbyReason::HostNotPresent,
        }),
        [state_changed(waiting)]
    );
    assert_eq!(call.session.participant_id(), Some(&pid("g-1")));

    // A host arrives: the reason changes.
    let awaiting = CallState::WaitingInLobby {
        participant_id: pid("g-1"),
        reason: LobbyReason::AwaitingAdmission,
    };
    assert_eq!(
        call.server(ServerMsg::LobbyWaiting {
            version: 1,
            participant_id: pid("g-1"),
            reason: LobbyReason::AwaitingAdmission,
        }),
        [state_changed(awaiting)]
    );

    // Nothing of the room reaches a guest in the lobby, and it cannot act in it.
    assert!(matches!(
        call.refused(UserAction::Chat("hi".into())),
        SessionError::NotInCall { .. }
    ));

    // Admitted: the host is there already, so we offer to them.
    let out =
        call.server(Welcome::new("g-1", Role::Guest, vec![host("h-1", 1), guest("g-1", 2)]).msg());
    assert_eq!(out[0], state_changed(in_call("g-1", Role::Guest)));
    assert_eq!(commands(&out), [add_peer("h-1", true)]);
}

#[test]
fn a_denied_guest_ends_denied() {
    let mut call = Call::new();
    call.connect();
    call.server(ServerMsg::LobbyWaiting {
        version: 1,
        participant_id: pid("g-1"),
        reason: LobbyReason::AwaitingAdmission,
    });
    let out = call.server(ServerMsg::Closed {
        reason: mulaqat_protocol::CloseReason::Denied,
    });
    assert_eq!(
        out,
        [
            Output::Media(MediaCommand::RemoveAllPeers),
            Output::CloseTransport,
            state_changed(CallState::Ended(EndReason::Denied)),
        ]
    );
    assert!(EndReason::Denied.is_refusal());
}

#[test]
fn a_host_sees_knocks_and_admits_or_denies() {
    let mut call = Call::welcomed(Welcome::new("h-1", Role::Host, vec![host("h-1", 1)]));

    let out = call.server(ServerMsg::Knock {
        participant: guest("g-1", 0),
    });
    assert_eq!(events(&out), [CallEvent::Knock(guest("g-1", 0))]);
    call.server(ServerMsg::Knock {
        participant: guest("g-2", 0),
    });
    assert_eq!(call.session.lobby(), [guest("g-1", 0), guest("g-2", 0)]);

    assert_eq!(
        call.user(UserAction::Admit(pid("g-1"))),
        [Output::Send(ClientMsg::Admit {
            participant: pid("g-1")
        })]
    );
    assert_eq!(
        call.user(UserAction::Deny(pid("g-2"))),
        [Output::Send(ClientMsg::Deny {
            participant: pid("g-2")
        })]
    );
    let out = call.server(ServerMsg::KnockResolved {
        participant: pid("g-2"),
        outcome: KnockOutcome::Denied,
    });
    assert_eq!(
        events(&out),
        [CallEvent::KnockResolved {
            participant: pid("g-2"),
            outcome: KnockOutcome::Denied,
        }]
    );
    assert_eq!(call.session.lobby(), [guest("g-1", 0)]);
}

#[test]
fn host_actions_need_the_host_role() {
    let mut call = Call::welcomed(Welcome::new(
        "g-1",
        Role::Guest,
        vec![host("h-1", 1), guest("g-1", 2)],
    ));
    for action in [
        UserAction::Admit(pid("g-7")),
        UserAction::Deny(pid("g-7")),
        UserAction::Remove(pid("h-1")),
        UserAction::EndMeeting,
    ] {
        assert!(matches!(call.refused(action), SessionError::NotHost { .. }));
    }
}

#[test]
fn a_host_cannot_remove_themselves() {
    let mut call = Call::welcomed(Welcome::new("h-1", Role::Host, vec![host("h-1", 1)]));
    assert_eq!(
        call.refused(UserAction::Remove(pid("h-1"))),
        SessionError::RemoveSelf
    );
    assert_eq!(
        call.user(UserAction::Remove(pid("g-1"))),
        [Output::Send(ClientMsg::Remove {
            participant: pid("g-1")
        })]
    );
}

#[test]
fn room_actions_before_the_welcome_are_refused() {
    let mut call = Call::new();
    for action in [
        UserAction::Chat("hi".into()),
        UserAction::RaiseHand(true),
        UserAction::EndMeeting,
    ] {
        assert!(matches!(
            call.refused(action),
            SessionError::NotInCall { .. }
        ));
    }
    call.connect();
    assert!(matches!(
        call.refused(UserAction::Admit(pid("g-1"))),
        SessionError::NotInCall { .. }
    ));
}

#[test]
fn a_bad_display_name_is_refused_before_connecting() {
    let mut config = config();
    config.display_name = "evil\u{202E}gpj.exe".into();
    let mut call = Call::with_config(config);
    assert_eq!(
        call.refused(UserAction::Join),
        SessionError::InvalidDisplayName(TextError::BadCharacter)
    );
    assert_eq!(call.state(), &CallState::Idle);
}

#[test]
fn joining_twice_is_refused() {
    let mut call = Call::new();
    call.connect();
    assert_eq!(call.refused(UserAction::Join), SessionError::AlreadyJoined);
}

#[test]
fn media_set_before_joining_is_joined_with_and_changes_in_the_lobby_follow_admission() {
    let mut call = Call::new();
    call.session
        .handle(
            call.now,
            Input::User(UserAction::SetMedia(media(false, true))),
        )
        .expect("media can be set before joining");
    assert_eq!(call.drain(), [], "nothing to tell before joining");
    let out = call.connect();
    assert!(matches!(
        &out[1],
        Output::Send(ClientMsg::Join { media: m, .. }) if *m == media(false, true)
    ));
    call.server(ServerMsg::LobbyWaiting {
        version: 1,
        participant_id: pid("g-1"),
        reason: LobbyReason::AwaitingAdmission,
    });
    // Camera turned off while waiting: told once admitted.
    assert_eq!(call.user(UserAction::SetMedia(media(false, false))), []);
    let mut me = guest("g-1", 2);
    me.media = media(false, true);
    let out = call.server(Welcome::new("g-1", Role::Guest, vec![host("h-1", 1), me]).msg());
    assert_eq!(
        sent(&out),
        [ClientMsg::MediaState {
            state: media(false, false)
        }]
    );
    assert_eq!(
        events(&out).last(),
        Some(&CallEvent::MediaStateChanged {
            participant: pid("g-1"),
            state: media(false, false),
        })
    );
    assert_eq!(call.session.participants()[1].media, media(false, false));
}

#[test]
fn media_changes_in_the_call_are_told_once() {
    let mut call = Call::welcomed(Welcome::new("h-1", Role::Host, vec![host("h-1", 1)]));
    let out = call.user(UserAction::SetMedia(media(false, true)));
    assert_eq!(
        out,
        [
            Output::Send(ClientMsg::MediaState {
                state: media(false, true)
            }),
            Output::Event(CallEvent::MediaStateChanged {
                participant: pid("h-1"),
                state: media(false, true),
            }),
        ]
    );
    assert_eq!(call.user(UserAction::SetMedia(media(false, true))), []);
    assert_eq!(call.session.media(), media(false, true));
}

#[test]
fn chat_is_checked_and_sent_and_the_servers_echo_is_the_event() {
    let mut call = Call::welcomed(Welcome::new("h-1", Role::Host, vec![host("h-1", 1)]));
    assert_eq!(
        call.user(UserAction::Chat("  BP 120/80\n".into())),
        [Output::Send(ClientMsg::Chat {
            text: "BP 120/80".into()
        })]
    );
    assert_eq!(
        call.refused(UserAction::Chat("\n \t".into())),
        SessionError::InvalidText(TextError::Empty)
    );
    let echo = chat_msg(1, "h-1", "BP 120/80");
    let out = call.server(ServerMsg::Chat {
        message: echo.clone(),
    });
    assert_eq!(events(&out), [CallEvent::Chat(echo.clone())]);
    assert_eq!(call.session.chat(), [echo]);
}

#[test]
fn hands_and_media_of_everyone_are_tracked() {
    let mut call = Call::welcomed(Welcome::new(
        "h-1",
        Role::Host,
        vec![host("h-1", 1), guest("g-1", 2)],
    ));
    assert_eq!(
        call.user(UserAction::RaiseHand(true)),
        [
            Output::Send(ClientMsg::RaiseHand { raised: true }),
            Output::Event(CallEvent::HandRaised {
                participant: pid("h-1"),
                raised: true,
            }),
        ]
    );
    let out = call.server(ServerMsg::HandRaised {
        participant: pid("g-1"),
        raised: true,
    });
    assert_eq!(
        events(&out),
        [CallEvent::HandRaised {
            participant: pid("g-1"),
            raised: true,
        }]
    );
    let out = call.server(ServerMsg::MediaState {
        participant: pid("g-1"),
        state: media(true, false),
    });
    assert_eq!(
        events(&out),
        [CallEvent::MediaStateChanged {
            participant: pid("g-1"),
            state: media(true, false),
        }]
    );
    let g1 = &call.session.participants()[1];
    assert!(g1.hand_raised);
    assert_eq!(g1.media, media(true, false));
    assert!(call.session.participants()[0].hand_raised);
}

#[test]
fn call_states_and_events_have_a_stable_json_shape() {
    let ended = CallState::Ended(EndReason::Refused {
        code: mulaqat_protocol::ErrorCode::TokenExpired,
        message: "ask for a new link".into(),
    });
    let json = serde_json::to_value(CallEvent::StateChanged(ended.clone())).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({
            "event": "stateChanged",
            "state": "ended",
            "reason": "refused",
            "code": "tokenExpired",
            "message": "ask for a new link",
        })
    );
    let back: CallEvent = serde_json::from_value(json).expect("parses back");
    assert_eq!(back, CallEvent::StateChanged(ended));
    let json = serde_json::to_value(in_call("p-1", Role::Host)).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({"state": "inCall", "participantId": "p-1", "role": "host"})
    );
}

#[test]
fn the_sessions_debug_output_shows_no_secrets() {
    let mut call = Call::new();
    call.user(UserAction::Join);
    call.session
        .handle(call.now, Input::TransportOpened)
        .expect("accepted");
    // The hello is still queued, and the welcome gave a resume secret.
    let shown = format!("{:?}", call.session);
    assert!(!shown.contains(TOKEN), "{shown}");
    call.drain();
    call.server(Welcome::new("h-1", Role::Host, vec![host("h-1", 1)]).msg());
    let shown = format!("{:#?}", call.session);
    assert!(!shown.contains("resume-h-1"), "{shown}");
    assert!(shown.contains("InCall"), "{shown}");
}
