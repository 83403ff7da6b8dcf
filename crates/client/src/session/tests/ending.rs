//! How calls end: leaving, hosts ending or removing, the server closing,
//! refusals; and that nothing but a new join moves an ended session.

use mulaqat_protocol::{ClientMsg, CloseReason, ErrorCode, LobbyReason, Role, SdpKind, ServerMsg};

use super::*;
use crate::session::{EndReason, LEAVE_TIMEOUT};

fn two_way() -> Call {
    Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2)],
    ))
}

fn ending(reason: EndReason) -> [Output; 3] {
    [
        Output::Media(MediaCommand::RemoveAllPeers),
        Output::CloseTransport,
        state_changed(CallState::Ended(reason)),
    ]
}

#[test]
fn leaving_sends_leave_and_ends_when_the_server_confirms() {
    let mut call = two_way();
    assert_eq!(
        call.user(UserAction::Leave),
        [Output::Send(ClientMsg::Leave)]
    );
    assert!(call.session.is_leaving());
    assert_eq!(
        call.user(UserAction::Leave),
        [],
        "leaving twice does nothing more"
    );
    // While leaving, the room is no longer followed.
    assert_eq!(
        call.server(ServerMsg::Joined {
            restarted: false,
            participant: guest("p-3", 3)
        }),
        []
    );
    assert_eq!(
        call.server(ServerMsg::Closed {
            reason: CloseReason::Left
        }),
        ending(EndReason::Left)
    );
    assert_eq!(call.session.poll_timeout(), None);
}

#[test]
fn leaving_ends_when_the_server_closes_the_connection() {
    let mut call = two_way();
    call.user(UserAction::Leave);
    assert_eq!(
        call.closed(),
        [
            Output::Media(MediaCommand::RemoveAllPeers),
            state_changed(CallState::Ended(EndReason::Left)),
        ],
        "the connection is already closed: no CloseTransport"
    );
}

#[test]
fn leaving_ends_anyway_when_the_server_does_not_answer() {
    let mut call = two_way();
    call.user(UserAction::Leave);
    assert_eq!(call.session.poll_timeout(), Some(call.now + LEAVE_TIMEOUT));
    assert_eq!(call.run_to_timeout(), ending(EndReason::Left));
}

#[test]
fn leaving_while_reconnecting_or_connecting_ends_at_once() {
    let mut call = two_way();
    call.closed();
    assert_eq!(
        call.user(UserAction::Leave),
        [
            Output::Media(MediaCommand::RemoveAllPeers),
            state_changed(CallState::Ended(EndReason::Left)),
        ]
    );
    let mut call = Call::new();
    call.connect();
    assert_eq!(
        call.user(UserAction::Leave),
        [
            Output::Send(ClientMsg::Leave),
            Output::Media(MediaCommand::RemoveAllPeers),
            Output::CloseTransport,
            state_changed(CallState::Ended(EndReason::Left)),
        ]
    );
}

#[test]
fn a_guest_in_the_lobby_can_leave() {
    let mut call = Call::new();
    call.connect();
    call.server(ServerMsg::LobbyWaiting {
        version: 1,
        participant_id: pid("g-1"),
        reason: LobbyReason::AwaitingAdmission,
    });
    assert_eq!(
        call.user(UserAction::Leave),
        [Output::Send(ClientMsg::Leave)]
    );
    assert_eq!(
        call.server(ServerMsg::Closed {
            reason: CloseReason::Left
        }),
        ending(EndReason::Left)
    );
}

#[test]
fn a_host_ending_the_meeting_ends_it_for_us_too() {
    let mut call = Call::welcomed(Welcome::new(
        "p-1",
        Role::Host,
        vec![host("p-1", 1), guest("p-2", 2)],
    ));
    assert_eq!(
        call.user(UserAction::EndMeeting),
        [Output::Send(ClientMsg::EndMeeting)]
    );
    assert_eq!(
        call.server(ServerMsg::Closed {
            reason: CloseReason::MeetingEnded
        }),
        ending(EndReason::MeetingEnded)
    );
}

#[test]
fn the_server_closing_the_session_ends_it_with_its_reason() {
    for (reason, end) in [
        (CloseReason::MeetingEnded, EndReason::MeetingEnded),
        (CloseReason::RemovedByHost, EndReason::RemovedByHost),
        (CloseReason::ServerShutdown, EndReason::ServerShutdown),
        (CloseReason::Replaced, EndReason::Replaced),
        (CloseReason::Left, EndReason::Left),
    ] {
        let mut call = two_way();
        assert_eq!(
            call.server(ServerMsg::Closed { reason }),
            ending(end.clone())
        );
        assert_eq!(call.session.peers().count(), 0);
        assert_eq!(
            call.session.participants().len(),
            2,
            "the last view stays readable"
        );
        // The connection closing after `closed` changes nothing.
        assert_eq!(call.closed(), []);
        assert_eq!(call.state(), &CallState::Ended(end));
    }
}

#[test]
fn a_bad_token_is_refused_before_the_welcome() {
    let mut call = Call::new();
    call.connect();
    let out = call.server(ServerMsg::Error {
        code: ErrorCode::InvalidToken,
        message: "this link is not valid".into(),
    });
    let refused = EndReason::Refused {
        code: ErrorCode::InvalidToken,
        message: "this link is not valid".into(),
    };
    assert!(refused.is_refusal());
    assert_eq!(out, ending(refused));
}

#[test]
fn every_refusal_of_the_join_ends_the_call_refused() {
    for code in [
        ErrorCode::TokenExpired,
        ErrorCode::WrongRoom,
        ErrorCode::UnsupportedVersion,
        ErrorCode::RoomFull,
        ErrorCode::InvalidDisplayName,
        ErrorCode::Forbidden,
    ] {
        let mut call = Call::new();
        call.connect();
        let out = call.server(ServerMsg::Error {
            code,
            message: "no".into(),
        });
        assert_eq!(
            out,
            ending(EndReason::Refused {
                code,
                message: "no".into()
            }),
            "{code}"
        );
    }
}

#[test]
fn a_token_that_expired_while_we_were_away_ends_the_call_refused() {
    let mut call = two_way();
    call.closed();
    call.run_to_timeout();
    call.opened();
    let out = call.server(ServerMsg::Error {
        code: ErrorCode::TokenExpired,
        message: "expired".into(),
    });
    assert_eq!(
        out,
        ending(EndReason::Refused {
            code: ErrorCode::TokenExpired,
            message: "expired".into()
        })
    );
}

#[test]
fn a_non_fatal_error_in_the_call_is_shown_and_the_call_goes_on() {
    let mut call = two_way();
    let out = call.server(ServerMsg::Error {
        code: ErrorCode::RateLimited,
        message: "slow down".into(),
    });
    assert_eq!(
        out,
        [Output::Event(CallEvent::Error {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        })]
    );
    assert_eq!(call.state(), &in_call("p-2", Role::Guest));
}

#[test]
fn the_server_shutting_down_in_the_call_is_shown_then_the_drop_reconnects() {
    let mut call = two_way();
    let out = call.server(ServerMsg::Error {
        code: ErrorCode::ServerShuttingDown,
        message: "restarting".into(),
    });
    assert_eq!(events(&out).len(), 1);
    assert_eq!(
        call.closed(),
        [state_changed(CallState::Reconnecting { attempt: 1 })]
    );
}

#[test]
fn nothing_but_a_new_join_moves_an_ended_call() {
    let mut call = two_way();
    call.server(ServerMsg::Closed {
        reason: CloseReason::RemovedByHost,
    });
    let ended = call.state().clone();
    let inputs = [
        Input::TransportOpened,
        Input::TransportClosed {
            reason: "gone".into(),
        },
        Input::Server(Welcome::new("p-2", Role::Guest, vec![guest("p-2", 2)]).msg()),
        Input::Server(ServerMsg::Joined {
            restarted: false,
            participant: guest("p-3", 3),
        }),
        Input::Server(ServerMsg::Error {
            code: ErrorCode::InvalidToken,
            message: "no".into(),
        }),
        Input::Media(MediaInput::LocalDescription {
            peer: pid("p-1"),
            kind: SdpKind::Answer,
            sdp: "v=0\r\n".into(),
        }),
        Input::Media(MediaInput::PeerFailed { peer: pid("p-1") }),
        Input::Timeout,
    ];
    for input in inputs {
        assert_eq!(call.input(input.clone()), [], "{input:?}");
        assert_eq!(call.state(), &ended);
    }
    assert_eq!(call.user(UserAction::Leave), []);
    for action in [
        UserAction::Chat("hi".into()),
        UserAction::RaiseHand(true),
        UserAction::SetMedia(media(false, false)),
        UserAction::Admit(pid("g-1")),
    ] {
        assert!(matches!(
            call.refused(action),
            SessionError::NotInCall { .. }
        ));
    }
    assert_eq!(call.session.poll_timeout(), None);
}

#[test]
fn a_new_join_after_the_end_starts_afresh() {
    let mut call = two_way();
    call.server(ServerMsg::Closed {
        reason: CloseReason::ServerShutdown,
    });
    assert_eq!(
        call.user(UserAction::Join),
        [Output::OpenTransport, state_changed(CallState::Connecting)]
    );
    assert_eq!(call.session.participants(), []);
    assert_eq!(call.session.participant_id(), None);
    let out = call.opened();
    assert!(matches!(
        &out[1],
        Output::Send(ClientMsg::Join { resume: None, .. })
    ));
}
