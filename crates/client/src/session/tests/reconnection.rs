//! Reconnection: backoff, resume, ICE restarts, refused resumes, giving up.

use std::time::Duration;

use mulaqat_protocol::{
    ClientMsg, ErrorCode, LobbyReason, PROTOCOL_VERSION, Resume, Role, ServerMsg,
};

use super::*;
use crate::session::{EndReason, ReconnectPolicy};

/// p-2 (us) between p-1 (we offered to them) and p-3 (offered to us).
fn three_way() -> Call {
    Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)],
    ))
}

fn everyone() -> Vec<ParticipantInfo> {
    vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)]
}

fn reconnecting(attempt: u32) -> CallState {
    CallState::Reconnecting { attempt }
}

/// Delivers timeouts until the session asks to open the transport; returns
/// the time of that attempt since the test began.
fn next_attempt(call: &mut Call) -> Duration {
    loop {
        let out = call.run_to_timeout();
        if out.contains(&Output::OpenTransport) {
            assert_eq!(out, [Output::OpenTransport]);
            return call.elapsed();
        }
        assert!(!call.state().is_ended(), "gave up early: {out:?}");
    }
}

#[test]
fn a_dropped_link_reconnects_after_a_second_and_resumes_keeping_the_peers() {
    let mut call = three_way();
    call.advance(secs(10));
    let out = call.closed();
    assert_eq!(out, [state_changed(reconnecting(1))], "peers are kept");
    assert_eq!(call.session.peers().count(), 2);
    assert_eq!(call.session.poll_timeout(), Some(call.now + secs(1)));

    assert_eq!(next_attempt(&mut call), secs(11));
    assert_eq!(
        call.opened(),
        [
            Output::Send(ClientMsg::Hello {
                version: PROTOCOL_VERSION,
                token: TOKEN.into(),
            }),
            Output::Send(ClientMsg::Join {
                decodes: None,
                room: room(),
                display_name: "Dr. Ayesha".into(),
                role: None,
                resume: Some(Resume {
                    restarted: false,
                    participant_id: pid("p-2"),
                    resume_token: "resume-p-2".into(),
                }),
                media: DEFAULT_MEDIA,
            }),
        ]
    );

    let out = call.server(Welcome::new("p-2", Role::Guest, everyone()).msg());
    assert_eq!(
        out,
        [
            state_changed(in_call("p-2", Role::Guest)),
            Output::Media(MediaCommand::RestartIce { peer: pid("p-1") }),
        ],
        "same identity: only the pairs we initiated restart ICE; nothing else changes"
    );
    assert_eq!(call.session.poll_timeout(), None);
}

#[test]
fn media_still_flowing_after_a_resume_is_left_alone() {
    let mut call = three_way();
    call.media(MediaInput::PeerConnected { peer: pid("p-1") });
    call.media(MediaInput::PeerConnected { peer: pid("p-3") });
    call.closed();
    next_attempt(&mut call);
    call.opened();
    let out = call.server(Welcome::new("p-2", Role::Guest, everyone()).msg());
    assert_eq!(
        out,
        [state_changed(in_call("p-2", Role::Guest))],
        "both connections stayed up while signalling was down: no restart, no new peers"
    );
    assert!(
        call.session
            .peer(&pid("p-1"))
            .is_some_and(|l| l.connected && !l.away)
    );
}

#[test]
fn a_resume_catches_up_with_who_came_and_went_meanwhile() {
    let mut call = three_way();
    call.closed();
    next_attempt(&mut call);
    call.opened();
    let mut welcome = Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2), guest("p-4", 4)],
    );
    welcome.chat = vec![chat_msg(1, "p-4", "joined late")];
    let out = call.server(welcome.msg());
    assert_eq!(
        events(&out),
        [
            CallEvent::StateChanged(in_call("p-2", Role::Guest)),
            CallEvent::ParticipantLeft {
                participant: pid("p-3"),
                reason: mulaqat_protocol::LeaveReason::Disconnected,
            },
            CallEvent::ParticipantJoined(guest("p-4", 4)),
            CallEvent::Chat(chat_msg(1, "p-4", "joined late")),
        ]
    );
    assert_eq!(
        commands(&out),
        [
            MediaCommand::RemovePeer { peer: pid("p-3") },
            MediaCommand::RestartIce { peer: pid("p-1") },
            add_peer("p-4", false),
        ],
        "p-4 joined after us: p-4 offers"
    );
}

#[test]
fn chat_missed_while_away_is_delivered_once() {
    let mut welcome = Welcome::new("p-1", Role::Host, vec![host("p-1", 1)]);
    welcome.chat = vec![chat_msg(1, "p-1", "one")];
    let mut call = Call::welcomed(welcome.clone());
    call.server(ServerMsg::Chat {
        message: chat_msg(2, "p-1", "two"),
    });
    call.closed();
    next_attempt(&mut call);
    call.opened();
    welcome.chat = vec![
        chat_msg(1, "p-1", "one"),
        chat_msg(2, "p-1", "two"),
        chat_msg(3, "p-1", "three"),
    ];
    let out = call.server(welcome.msg());
    assert_eq!(
        events(&out),
        [
            CallEvent::StateChanged(in_call("p-1", Role::Host)),
            CallEvent::Chat(chat_msg(3, "p-1", "three")),
        ]
    );
    assert_eq!(call.session.chat().len(), 3);
}

#[test]
fn a_refused_resume_releases_the_peers_and_offers_afresh() {
    let mut call = three_way();
    call.closed();
    next_attempt(&mut call);
    call.opened();
    // The server forgot us (it restarted): a new identity, last in the room.
    let out = call.server(
        Welcome::new(
            "p-7",
            Role::Guest,
            vec![host("p-1", 5), guest("p-3", 6), guest("p-7", 7)],
        )
        .msg(),
    );
    assert_eq!(
        commands(&out),
        [
            MediaCommand::RemoveAllPeers,
            add_peer("p-1", true),
            add_peer("p-3", true),
        ]
    );
    assert_eq!(call.state(), &in_call("p-7", Role::Guest));
    assert!(events(&out).contains(&CallEvent::ParticipantLeft {
        participant: pid("p-2"),
        reason: mulaqat_protocol::LeaveReason::Disconnected,
    }));
    assert!(events(&out).contains(&CallEvent::ParticipantJoined(guest("p-7", 7))));
}

#[test]
fn a_refused_resume_back_in_the_lobby_releases_the_peers_and_joins_afresh_later() {
    let mut call = three_way();
    call.closed();
    next_attempt(&mut call);
    call.opened();
    let out = call.server(ServerMsg::LobbyWaiting {
        version: 1,
        participant_id: pid("p-8"),
        reason: LobbyReason::AwaitingAdmission,
    });
    assert_eq!(commands(&out), [MediaCommand::RemoveAllPeers]);
    assert_eq!(call.session.peers().count(), 0);
    // Dropped again while waiting: the next join has nothing to resume.
    call.closed();
    next_attempt(&mut call);
    let out = call.opened();
    assert!(matches!(
        &out[1],
        Output::Send(ClientMsg::Join { resume: None, .. })
    ));
}

#[test]
fn backoff_waits_1_2_4_8_16_30_30_seconds_between_failed_attempts() {
    let mut config = config();
    config.reconnect.give_up_after = secs(600);
    let mut call = Call::with_config(config);
    call.connect();
    call.server(Welcome::new("p-1", Role::Host, vec![host("p-1", 1)]).msg());
    call.closed();
    let mut waits = Vec::new();
    for attempt in 1..=7 {
        assert_eq!(call.state(), &reconnecting(attempt));
        let failed_at = call.elapsed();
        waits.push((next_attempt(&mut call) - failed_at).as_secs());
        // The attempt fails at once (connection refused).
        assert_eq!(call.closed(), [state_changed(reconnecting(attempt + 1))]);
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
}

#[test]
fn attempts_never_come_faster_than_one_a_second() {
    let mut config = config();
    config.reconnect = ReconnectPolicy {
        first_delay: Duration::ZERO,
        max_delay: Duration::from_millis(100),
        ..ReconnectPolicy::default()
    };
    let mut call = Call::with_config(config);
    call.connect();
    call.closed();
    let mut starts = vec![Duration::ZERO];
    for _ in 0..5 {
        starts.push(next_attempt(&mut call));
        call.closed();
    }
    for pair in starts.windows(2) {
        assert!(pair[1] - pair[0] >= secs(1), "{starts:?}");
    }
}

#[test]
fn giving_up_after_a_minute_ends_in_connection_lost_and_releases_media() {
    let mut call = three_way();
    call.closed();
    let mut attempts = Vec::new();
    loop {
        let out = call.run_to_timeout();
        if call.state().is_ended() {
            assert_eq!(
                out,
                [
                    Output::Media(MediaCommand::RemoveAllPeers),
                    Output::CloseTransport,
                    state_changed(CallState::Ended(EndReason::ConnectionLost)),
                ],
                "an attempt was under way: its transport is closed too"
            );
            break;
        }
        assert_eq!(out, [Output::OpenTransport]);
        attempts.push(call.elapsed().as_secs());
        // This attempt hangs until a minute has passed; earlier ones fail fast.
        if call.elapsed() < secs(31) {
            call.closed();
        }
    }
    assert_eq!(attempts, [1, 3, 7, 15, 31]);
    assert_eq!(call.elapsed(), secs(60));
    assert_eq!(call.session.peers().count(), 0);
    assert_eq!(call.session.poll_timeout(), None);
}

#[test]
fn a_failed_first_connection_retries_the_same_way() {
    let mut call = Call::new();
    call.user(UserAction::Join);
    assert_eq!(call.closed(), [state_changed(reconnecting(1))]);
    assert_eq!(next_attempt(&mut call), secs(1));
    call.opened();
    let out = call.server(Welcome::new("p-1", Role::Host, vec![host("p-1", 1)]).msg());
    assert_eq!(out[0], state_changed(in_call("p-1", Role::Host)));
}

#[test]
fn a_drop_in_the_lobby_joins_again_without_a_resume() {
    let mut call = Call::new();
    call.connect();
    call.server(ServerMsg::LobbyWaiting {
        version: 1,
        participant_id: pid("g-1"),
        reason: LobbyReason::AwaitingAdmission,
    });
    assert_eq!(call.closed(), [state_changed(reconnecting(1))]);
    next_attempt(&mut call);
    let out = call.opened();
    assert!(matches!(
        &out[1],
        Output::Send(ClientMsg::Join { resume: None, .. })
    ));
}

#[test]
fn a_server_shutting_down_while_we_reconnect_is_tried_again_later() {
    let mut call = three_way();
    call.closed();
    next_attempt(&mut call);
    call.opened();
    let out = call.server(ServerMsg::Error {
        code: ErrorCode::ServerShuttingDown,
        message: "restarting".into(),
    });
    assert_eq!(
        out,
        [
            Output::Event(CallEvent::Error {
                code: ErrorCode::ServerShuttingDown,
                message: "restarting".into(),
            }),
            Output::CloseTransport,
            state_changed(reconnecting(2)),
        ]
    );
    assert_eq!(call.session.peers().count(), 2, "still kept");
    assert_eq!(
        call.input(Input::TransportClosed {
            reason: "late".into()
        }),
        []
    );
    next_attempt(&mut call);
}

#[test]
fn getting_back_in_starts_the_backoff_afresh() {
    let mut call = three_way();
    call.closed();
    next_attempt(&mut call);
    call.closed();
    next_attempt(&mut call);
    call.opened();
    call.server(Welcome::new("p-2", Role::Guest, everyone()).msg());
    call.advance(secs(100));
    assert_eq!(call.closed(), [state_changed(reconnecting(1))]);
    assert_eq!(call.session.poll_timeout(), Some(call.now + secs(1)));
}

#[test]
fn a_timeout_before_its_time_does_nothing() {
    let mut call = three_way();
    call.closed();
    call.advance(Duration::from_millis(999));
    assert_eq!(call.input(Input::Timeout), []);
    assert_eq!(call.state(), &reconnecting(1));
}

#[test]
fn a_failed_peer_during_reconnection_is_restarted_after_the_resume() {
    let mut call = three_way();
    call.closed();
    assert_eq!(call.media(MediaInput::PeerFailed { peer: pid("p-1") }), []);
    next_attempt(&mut call);
    call.opened();
    let out = call.server(Welcome::new("p-2", Role::Guest, everyone()).msg());
    assert_eq!(
        commands(&out),
        [MediaCommand::RestartIce { peer: pid("p-1") }]
    );
}

#[test]
fn turn_credentials_are_renewed_before_they_expire_and_new_peers_use_them() {
    let mut welcome = Welcome::new("p-1", Role::Host, vec![host("p-1", 1)]);
    welcome.ice_ttl_secs = Some(3600);
    let mut call = Call::welcomed(welcome);
    assert_eq!(
        call.session.poll_timeout(),
        Some(call.now + secs(2880)),
        "four fifths of the lifetime"
    );
    let out = call.run_to_timeout();
    assert_eq!(sent(&out), [ClientMsg::RefreshIce]);
    assert_eq!(
        call.session.poll_timeout(),
        Some(call.now + secs(30)),
        "asks again if no answer comes"
    );

    let fresh = vec![IceServer {
        urls: vec!["turn:10.0.0.1:3478".into()],
        username: Some("renewed:p-1".into()),
        credential: Some("pw".into()),
    }];
    let out = call.server(ServerMsg::IceServers {
        ice_servers: fresh.clone(),
        ice_expires_at: None,
        ice_ttl_secs: Some(3600),
    });
    assert_eq!(out, [], "nothing to tell anyone");
    assert_eq!(call.session.ice_servers(), fresh);
    assert_eq!(call.session.poll_timeout(), Some(call.now + secs(2880)));

    let out = call.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-2", 2),
    });
    assert!(
        commands(&out).contains(&MediaCommand::AddPeer {
            peer: pid("p-2"),
            initiator: false,
            ice_servers: fresh,
        }),
        "{out:?}"
    );
}

#[test]
fn a_renewal_due_while_the_link_is_down_waits_for_the_welcome() {
    let mut welcome = Welcome::new("p-1", Role::Host, vec![host("p-1", 1)]);
    welcome.ice_ttl_secs = Some(20);
    let mut call = Call::welcomed(welcome);
    call.closed();
    call.advance(secs(16));
    let out = call.input(Input::Timeout);
    assert!(
        !sent(&out).contains(&ClientMsg::RefreshIce),
        "no link to ask on: {out:?}"
    );
}
