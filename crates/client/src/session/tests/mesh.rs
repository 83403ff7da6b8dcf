//! The peer-to-peer mesh: who gets a peer connection, who offers, and when
//! peers go away.

use mulaqat_protocol::{LeaveReason, MediaMode, Role, ServerMsg};

use super::*;
use crate::session::PeerLink;

#[test]
fn a_newcomer_offers_to_everyone_already_in_the_room() {
    let mut call = Call::new();
    call.connect();
    let out = call.server(
        Welcome::new(
            "p-3",
            Role::Guest,
            vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)],
        )
        .msg(),
    );
    assert_eq!(
        commands(&out),
        [add_peer("p-1", true), add_peer("p-2", true)],
        "one initiator peer per other participant, in join order"
    );
    let peers: Vec<_> = call
        .session
        .peers()
        .map(|(id, l)| (id.clone(), l))
        .collect();
    let link = PeerLink {
        initiator: true,
        connected: false,
        away: false,
    };
    assert_eq!(peers, [(pid("p-1"), link), (pid("p-2"), link)]);
}

#[test]
fn a_later_joiner_gets_a_peer_that_waits_for_its_offer() {
    let mut call = Call::welcomed(Welcome::new(
        "p-1",
        Role::Host,
        vec![host("p-1", 1), guest("p-2", 2)],
    ));
    assert_eq!(
        call.session.peer(&pid("p-2")).map(|l| l.initiator),
        Some(false)
    );

    let out = call.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-3", 3),
    });
    assert_eq!(
        out,
        [
            Output::Event(CallEvent::ParticipantJoined(guest("p-3", 3))),
            Output::Media(add_peer("p-3", false)),
        ]
    );
    assert_eq!(
        call.session.participants(),
        [host("p-1", 1), guest("p-2", 2), guest("p-3", 3)]
    );
}

#[test]
fn in_a_three_way_call_every_pair_has_exactly_one_offerer() {
    // p-1 opens the room, p-2 then p-3 join; each sees the others come.
    let mut a = Call::welcomed(Welcome::new("p-1", Role::Host, vec![host("p-1", 1)]));
    let mut b = Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2)],
    ));
    let everyone = vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)];
    let c = Call::welcomed(Welcome::new("p-3", Role::Guest, everyone));
    a.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-2", 2),
    });
    a.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-3", 3),
    });
    b.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-3", 3),
    });

    let sessions = [("p-1", &a), ("p-2", &b), ("p-3", &c)];
    for (x, call_x) in sessions {
        for (y, call_y) in sessions {
            if x == y {
                continue;
            }
            let x_offers = call_x.session.peer(&pid(y)).expect("peer").initiator;
            let y_offers = call_y.session.peer(&pid(x)).expect("peer").initiator;
            assert!(x_offers != y_offers, "{x} and {y}: exactly one offers");
            assert_eq!(x_offers, x > y, "the later joiner offers");
        }
    }
}

#[test]
fn a_participant_who_leaves_has_their_peer_removed() {
    for reason in [
        LeaveReason::Left,
        LeaveReason::RemovedByHost,
        LeaveReason::MeetingEnded,
        LeaveReason::ServerShutdown,
    ] {
        let mut call = Call::welcomed(Welcome::new(
            "p-3",
            Role::Guest,
            vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)],
        ));
        let out = call.server(ServerMsg::Left {
            participant: pid("p-2"),
            reason,
        });
        assert_eq!(
            out,
            [
                Output::Media(MediaCommand::RemovePeer { peer: pid("p-2") }),
                Output::Event(CallEvent::ParticipantLeft {
                    participant: pid("p-2"),
                    reason,
                }),
            ],
            "{reason:?}"
        );
        assert_eq!(call.session.peer(&pid("p-2")), None);
        assert_eq!(
            call.session.participants(),
            [host("p-1", 1), guest("p-3", 3)]
        );
    }
}

#[test]
fn a_participant_whose_link_drops_keeps_their_peer_until_they_resume() {
    let mut call = Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)],
    ));
    for peer in ["p-1", "p-3"] {
        let out = call.server(ServerMsg::Left {
            participant: pid(peer),
            reason: LeaveReason::Disconnected,
        });
        assert_eq!(commands(&out), [], "media may still flow: keep the peer");
        assert!(call.session.peer(&pid(peer)).is_some_and(|l| l.away));
    }
    assert_eq!(call.session.participants(), [guest("p-2", 2)]);

    // p-1 resumes: we offered to p-1, so we restart ICE.
    let out = call.server(ServerMsg::Joined {
        restarted: false,
        participant: host("p-1", 1),
    });
    assert_eq!(
        commands(&out),
        [MediaCommand::RestartIce { peer: pid("p-1") }]
    );
    // p-3 resumes: p-3 offers to us and restarts on its side; we wait.
    let out = call.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-3", 3),
    });
    assert_eq!(commands(&out), []);
    assert!(call.session.peers().all(|(_, l)| !l.away));
    assert_eq!(call.session.poll_timeout(), None);
}

#[test]
fn a_participant_who_does_not_come_back_loses_their_peer_after_the_grace() {
    let mut call = Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2)],
    ));
    call.advance(secs(5));
    call.server(ServerMsg::Left {
        participant: pid("p-1"),
        reason: LeaveReason::Replaced,
    });
    assert_eq!(call.session.poll_timeout(), Some(call.now + secs(60)));
    call.advance(secs(59));
    assert_eq!(call.input(Input::Timeout), [], "not yet");
    assert_eq!(
        call.run_to_timeout(),
        [Output::Media(MediaCommand::RemovePeer { peer: pid("p-1") })]
    );
    assert_eq!(call.elapsed(), secs(65));
    assert_eq!(call.session.peer(&pid("p-1")), None);
    assert_eq!(call.session.poll_timeout(), None);
    // Coming back later gets a new peer; the pair keeps its roles (p-1 kept
    // its place in the join order, so we, the later joiner, offer).
    let out = call.server(ServerMsg::Joined {
        restarted: false,
        participant: host("p-1", 1),
    });
    assert_eq!(commands(&out), [add_peer("p-1", true)]);
}

#[test]
fn a_failed_peer_is_restarted_by_its_initiator_only() {
    let mut call = Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)],
    ));
    call.media(MediaInput::PeerConnected { peer: pid("p-1") });
    assert!(call.session.peer(&pid("p-1")).is_some_and(|l| l.connected));

    let out = call.media(MediaInput::PeerFailed { peer: pid("p-1") });
    assert_eq!(
        out,
        [Output::Media(MediaCommand::RestartIce { peer: pid("p-1") })]
    );
    assert!(call.session.peer(&pid("p-1")).is_some_and(|l| !l.connected));

    assert_eq!(call.media(MediaInput::PeerFailed { peer: pid("p-3") }), []);
    assert_eq!(call.media(MediaInput::PeerFailed { peer: pid("p-9") }), []);
}

#[test]
fn an_sfu_room_sets_up_no_mesh() {
    let mut call = Call::new();
    call.connect();
    let mut welcome = Welcome::new("p-2", Role::Guest, vec![host("p-1", 1), guest("p-2", 2)]);
    welcome.mode = MediaMode::Sfu;
    let out = call.server(welcome.msg());
    assert_eq!(commands(&out), []);
    let out = call.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-3", 3),
    });
    assert_eq!(commands(&out), []);
    assert_eq!(call.session.participants().len(), 3);
}

#[test]
fn a_participant_back_with_restarted_media_gets_a_new_peer() {
    let mut call = Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)],
    ));
    for peer in ["p-1", "p-3"] {
        call.server(ServerMsg::Left {
            participant: pid(peer),
            reason: LeaveReason::Replaced,
        });
    }
    // p-1's page reloaded: the kept peer still looks connected but carries
    // nothing. We offer to p-1, so we make a new offering peer.
    call.media(MediaInput::PeerConnected { peer: pid("p-1") });
    let out = call.server(ServerMsg::Joined {
        restarted: true,
        participant: host("p-1", 1),
    });
    assert_eq!(
        commands(&out),
        [
            MediaCommand::RemovePeer { peer: pid("p-1") },
            MediaCommand::AddPeer {
                peer: pid("p-1"),
                initiator: true,
                ice_servers: ice(),
            },
        ]
    );
    // p-3 offers to us: a new peer that waits for its offer.
    let out = call.server(ServerMsg::Joined {
        restarted: true,
        participant: guest("p-3", 3),
    });
    assert_eq!(
        commands(&out),
        [
            MediaCommand::RemovePeer { peer: pid("p-3") },
            MediaCommand::AddPeer {
                peer: pid("p-3"),
                initiator: false,
                ice_servers: ice(),
            },
        ]
    );
    assert!(call.session.peers().all(|(_, l)| !l.away && !l.connected));
}
