//! SFU rooms: publishing, subscribing, feeds coming and going, trickle,
//! refusals, resets, the switch from peer-to-peer, reconnection.

use mulaqat_protocol::{
    ClientMsg, IceCandidate, MediaMode, Role, ServerMsg, SfuAccess, SfuErrorCode, SfuFeed,
    SfuPublication, SfuResetReason, SfuTarget, VideoCodec,
};

use super::*;
use crate::session::{P2P_HANDOVER, REPUBLISH_DELAY, SUBSCRIBE_RETRY, SfuNotice};

const CAMERA: SfuPublication = SfuPublication::Camera;
const PUB: SfuTarget = SfuTarget::Publication(SfuPublication::Camera);

pub(super) fn everyone() -> Vec<ParticipantInfo> {
    vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)]
}

/// We are p-2 in an SFU room whose SFU room is not ready yet.
pub(super) fn sfu_room() -> Call {
    let mut welcome = Welcome::new("p-2", Role::Guest, everyone());
    welcome.mode = MediaMode::Sfu;
    Call::welcomed(welcome)
}

pub(super) fn ready(pin: &str, generation: u32) -> ServerMsg {
    ServerMsg::ModeChanged {
        mode: MediaMode::Sfu,
        sfu: Some(SfuAccess {
            video_codec: Default::default(),
            pin: pin.into(),
            generation,
        }),
    }
}

fn feed(id: &str) -> SfuFeed {
    SfuFeed {
        participant: pid(id),
        publication: CAMERA,
    }
}

fn feeds(available: &[&str], gone: &[&str]) -> ServerMsg {
    ServerMsg::SfuFeeds {
        available: available.iter().map(|id| feed(id)).collect(),
        gone: gone.iter().map(|id| feed(id)).collect(),
    }
}

fn offer(subscription: u64, from: &str) -> ServerMsg {
    ServerMsg::SfuOffer {
        subscription,
        feed: pid(from),
        publication: CAMERA,
        sdp: format!("offer-{subscription}"),
    }
}

fn candidate(text: &str) -> IceCandidate {
    IceCandidate {
        candidate: text.into(),
        sdp_mid: None,
        sdp_m_line_index: Some(0),
    }
}

fn subscribe_msg(pin: &str, id: &str) -> ClientMsg {
    ClientMsg::SfuSubscribe {
        pin: pin.into(),
        feed: pid(id),
        publication: CAMERA,
    }
}

fn publish_cmd() -> MediaCommand {
    MediaCommand::Publish {
        video_codec: Default::default(),
        publication: CAMERA,
        ice_servers: ice(),
    }
}

fn subscribe_cmd(subscription: u64, from: &str) -> MediaCommand {
    MediaCommand::Subscribe {
        subscription,
        feed: pid(from),
        publication: CAMERA,
        offer: format!("offer-{subscription}"),
        ice_servers: ice(),
    }
}

fn close(target: SfuTarget) -> MediaCommand {
    MediaCommand::CloseSfu { target }
}

fn notices(outputs: &[Output]) -> Vec<SfuNotice> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Sfu(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// An SFU room that is ready, published, with p-1 and p-3 subscribed as
/// subscriptions 1 and 2.
pub(super) fn in_sfu_call() -> Call {
    let mut call = sfu_room();
    call.server(ready("1234", 1));
    call.media(MediaInput::SfuLocalDescription {
        target: PUB,
        sdp: "our-offer".into(),
    });
    call.server(ServerMsg::SfuPublished {
        publication: CAMERA,
        sdp: "their-answer".into(),
    });
    call.media(MediaInput::SfuConnected { target: PUB });
    call.server(feeds(&["p-1", "p-3"], &[]));
    call.server(offer(1, "p-1"));
    call.server(offer(2, "p-3"));
    call
}

#[test]
fn a_ready_sfu_room_is_published_to_with_its_pin() {
    let mut call = sfu_room();
    let out = call.server(ServerMsg::ModeChanged {
        mode: MediaMode::Sfu,
        sfu: None,
    });
    assert_eq!(out, [], "no SFU room yet: wait");

    let out = call.server(ready("1234", 1));
    assert_eq!(commands(&out), [publish_cmd()]);
    assert_eq!(call.session.sfu_access().map(|a| a.generation), Some(1));

    // The engine's offer goes out with the pin; the answer comes back in.
    let out = call.media(MediaInput::SfuLocalDescription {
        target: PUB,
        sdp: "our-offer".into(),
    });
    assert_eq!(
        sent(&out),
        [ClientMsg::SfuPublish {
            pin: "1234".into(),
            publication: CAMERA,
            sdp: "our-offer".into(),
        }]
    );
    let out = call.server(ServerMsg::SfuPublished {
        publication: CAMERA,
        sdp: "their-answer".into(),
    });
    assert_eq!(
        commands(&out),
        [MediaCommand::PublicationAnswer {
            publication: CAMERA,
            sdp: "their-answer".into(),
        }]
    );
    assert!(!call.session.sfu_published());
    call.media(MediaInput::SfuConnected { target: PUB });
    assert!(call.session.sfu_published());
}

#[test]
fn every_feed_but_our_own_is_subscribed_to_once() {
    let mut call = sfu_room();
    call.server(ready("1234", 1));
    let out = call.server(feeds(&["p-1", "p-2", "p-3"], &[]));
    assert_eq!(
        sent(&out),
        [subscribe_msg("1234", "p-1"), subscribe_msg("1234", "p-3")],
        "p-2 is us"
    );
    // Told again (another publisher came): no second request.
    let out = call.server(feeds(&["p-1", "p-4"], &[]));
    assert_eq!(sent(&out), [subscribe_msg("1234", "p-4")]);
    // Someone's shared screen is a feed of its own.
    let out = call.server(ServerMsg::SfuFeeds {
        available: vec![SfuFeed {
            participant: pid("p-1"),
            publication: SfuPublication::Screen,
        }],
        gone: vec![],
    });
    assert_eq!(
        sent(&out),
        [ClientMsg::SfuSubscribe {
            pin: "1234".into(),
            feed: pid("p-1"),
            publication: SfuPublication::Screen,
        }]
    );
}

#[test]
fn feeds_before_the_sfu_room_is_ready_wait_for_its_pin() {
    let mut call = sfu_room();
    let out = call.server(feeds(&["p-1"], &[]));
    assert_eq!(sent(&out), [], "no pin yet");
}

#[test]
fn an_offer_is_answered_and_candidates_trickle_both_ways() {
    let mut call = sfu_room();
    call.server(ready("1234", 1));
    call.server(feeds(&["p-1"], &[]));
    let out = call.server(offer(7, "p-1"));
    assert_eq!(commands(&out), [subscribe_cmd(7, "p-1")]);
    assert_eq!(
        call.session.sfu_subscriptions().collect::<Vec<_>>(),
        [(7, &feed("p-1"))]
    );
    let sub = SfuTarget::Subscription(7);

    // A candidate found before the answer waits for it.
    let out = call.media(MediaInput::SfuLocalCandidate {
        target: sub,
        candidate: candidate("candidate:early"),
    });
    assert_eq!(out, []);
    let out = call.media(MediaInput::SfuLocalDescription {
        target: sub,
        sdp: "our-answer".into(),
    });
    assert_eq!(
        sent(&out),
        [
            ClientMsg::SfuAnswer {
                subscription: 7,
                sdp: "our-answer".into(),
            },
            ClientMsg::SfuCandidate {
                target: sub,
                candidate: candidate("candidate:early"),
            },
        ]
    );
    let out = call.media(MediaInput::SfuLocalCandidate {
        target: sub,
        candidate: candidate("candidate:late"),
    });
    assert_eq!(
        sent(&out),
        [ClientMsg::SfuCandidate {
            target: sub,
            candidate: candidate("candidate:late"),
        }]
    );

    // The SFU's candidates go to the engine; ones for nothing of ours do not.
    let out = call.server(ServerMsg::SfuCandidate {
        target: sub,
        candidate: candidate("candidate:janus"),
    });
    assert_eq!(
        commands(&out),
        [MediaCommand::SfuCandidate {
            target: sub,
            candidate: candidate("candidate:janus"),
        }]
    );
    let out = call.server(ServerMsg::SfuCandidate {
        target: SfuTarget::Subscription(99),
        candidate: candidate("candidate:stray"),
    });
    assert_eq!(out, []);
}

#[test]
fn the_publications_candidates_wait_for_its_offer() {
    let mut call = sfu_room();
    call.server(ready("1234", 1));
    assert_eq!(
        call.media(MediaInput::SfuLocalCandidate {
            target: PUB,
            candidate: candidate("candidate:1"),
        }),
        []
    );
    let out = call.media(MediaInput::SfuLocalDescription {
        target: PUB,
        sdp: "our-offer".into(),
    });
    let msgs = sent(&out);
    assert!(matches!(msgs[0], ClientMsg::SfuPublish { .. }));
    assert_eq!(
        msgs[1],
        ClientMsg::SfuCandidate {
            target: PUB,
            candidate: candidate("candidate:1"),
        }
    );
    let out = call.server(ServerMsg::SfuCandidate {
        target: PUB,
        candidate: candidate("candidate:janus"),
    });
    assert_eq!(commands(&out).len(), 1);
}

#[test]
fn a_feed_that_goes_is_unsubscribed_and_its_tracks_end() {
    let mut call = in_sfu_call();
    let out = call.server(feeds(&[], &["p-1"]));
    assert_eq!(commands(&out), [close(SfuTarget::Subscription(1))]);
    assert_eq!(sent(&out), [ClientMsg::SfuUnsubscribe { subscription: 1 }]);
    assert_eq!(
        call.session.sfu_subscriptions().collect::<Vec<_>>(),
        [(2, &feed("p-3"))]
    );
    // Gone twice: nothing more.
    assert_eq!(call.server(feeds(&[], &["p-1"])), []);
    // Published again later: subscribed again.
    let out = call.server(feeds(&["p-1"], &[]));
    assert_eq!(sent(&out), [subscribe_msg("1234", "p-1")]);
}

#[test]
fn a_participant_who_leaves_loses_their_subscription_at_once() {
    let mut call = in_sfu_call();
    let out = call.server(ServerMsg::Left {
        participant: pid("p-3"),
        reason: mulaqat_protocol::LeaveReason::Left,
    });
    assert_eq!(commands(&out), [close(SfuTarget::Subscription(2))]);
    assert!(events(&out).contains(&CallEvent::ParticipantLeft {
        participant: pid("p-3"),
        reason: mulaqat_protocol::LeaveReason::Left,
    }));
    // The feed's end follows and changes nothing.
    assert_eq!(commands(&call.server(feeds(&[], &["p-3"]))), []);
}

#[test]
fn offers_for_feeds_not_asked_for_are_declined() {
    let mut call = in_sfu_call();
    // A second offer for p-1 (say, after a retry): declined.
    let out = call.server(offer(5, "p-1"));
    assert_eq!(commands(&out), []);
    assert_eq!(sent(&out), [ClientMsg::SfuUnsubscribe { subscription: 5 }]);
    // An offer for a feed that went meanwhile: declined.
    call.server(feeds(&["p-4"], &[]));
    call.server(feeds(&[], &["p-4"]));
    let out = call.server(offer(6, "p-4"));
    assert_eq!(sent(&out), [ClientMsg::SfuUnsubscribe { subscription: 6 }]);
}

#[test]
fn a_subscription_without_an_offer_is_asked_for_again() {
    let mut call = sfu_room();
    call.server(ready("1234", 1));
    call.server(feeds(&["p-1"], &[]));
    // Refused without a target (a refused sfuSubscribe names none).
    let out = call.server(ServerMsg::SfuRefused {
        target: None,
        code: SfuErrorCode::Timeout,
        message: "Janus did not answer".into(),
    });
    assert!(matches!(
        notices(&out)[..],
        [SfuNotice::Problem {
            code: SfuErrorCode::Timeout,
            ..
        }]
    ));
    let at = call.session.poll_timeout().expect("a retry is due");
    assert_eq!(at - call.now, SUBSCRIBE_RETRY);
    let out = call.run_to_timeout();
    assert_eq!(sent(&out), [subscribe_msg("1234", "p-1")]);
}

#[test]
fn a_wrong_pin_is_explained_and_not_retried() {
    let mut call = sfu_room();
    call.server(ready("1234", 1));
    call.media(MediaInput::SfuLocalDescription {
        target: PUB,
        sdp: "our-offer".into(),
    });
    let out = call.server(ServerMsg::SfuRefused {
        target: Some(PUB),
        code: SfuErrorCode::WrongPin,
        message: "Janus: wrong pin".into(),
    });
    assert_eq!(commands(&out), [close(PUB)]);
    let [SfuNotice::Problem { code, message }] = &notices(&out)[..] else {
        panic!("expected one problem: {out:?}");
    };
    assert_eq!(*code, SfuErrorCode::WrongPin);
    assert!(message.contains("access code"), "{message}");
    assert!(message.contains("join the meeting again"), "{message}");
    assert_eq!(call.session.poll_timeout(), None, "nothing to retry");
    assert_eq!(
        call.state(),
        &in_call("p-2", Role::Guest),
        "the call goes on"
    );
}

#[test]
fn a_publication_that_times_out_or_fails_is_made_again() {
    let mut call = sfu_room();
    call.server(ready("1234", 1));
    let out = call.server(ServerMsg::SfuRefused {
        target: Some(PUB),
        code: SfuErrorCode::Timeout,
        message: String::new(),
    });
    assert_eq!(commands(&out), [close(PUB)]);
    assert_eq!(
        call.session.poll_timeout().map(|at| at - call.now),
        Some(REPUBLISH_DELAY)
    );
    let out = call.run_to_timeout();
    assert_eq!(commands(&out), [publish_cmd()]);

    // Published and connected, then the connection fails.
    call.media(MediaInput::SfuLocalDescription {
        target: PUB,
        sdp: "offer-2".into(),
    });
    call.media(MediaInput::SfuConnected { target: PUB });
    let out = call.media(MediaInput::SfuFailed { target: PUB });
    assert_eq!(commands(&out), [close(PUB)]);
    assert_eq!(
        sent(&out),
        [ClientMsg::SfuUnpublish {
            publication: CAMERA
        }]
    );
    let out = call.run_to_timeout();
    assert_eq!(commands(&out), [publish_cmd()]);
}

#[test]
fn a_failed_subscription_is_subscribed_again() {
    let mut call = in_sfu_call();
    let out = call.media(MediaInput::SfuFailed {
        target: SfuTarget::Subscription(2),
    });
    assert_eq!(commands(&out), [close(SfuTarget::Subscription(2))]);
    assert_eq!(
        sent(&out),
        [
            ClientMsg::SfuUnsubscribe { subscription: 2 },
            subscribe_msg("1234", "p-3"),
        ]
    );
    let out = call.server(offer(3, "p-3"));
    assert_eq!(commands(&out), [subscribe_cmd(3, "p-3")]);
}

#[test]
fn a_reset_drops_everything_until_the_room_is_ready_again() {
    let mut call = in_sfu_call();
    let out = call.server(ServerMsg::SfuReset {
        reason: SfuResetReason::NodeLost,
    });
    assert_eq!(
        commands(&out),
        [
            close(PUB),
            close(SfuTarget::Subscription(1)),
            close(SfuTarget::Subscription(2)),
        ]
    );
    assert_eq!(sent(&out), [], "the server's side is gone already");
    assert_eq!(
        notices(&out),
        [SfuNotice::Reset {
            reason: SfuResetReason::NodeLost
        }]
    );
    assert!(call.session.sfu_access().is_none());
    // Candidates and answers of the old connections go nowhere.
    let out = call.media(MediaInput::SfuLocalCandidate {
        target: SfuTarget::Subscription(1),
        candidate: candidate("candidate:old"),
    });
    assert_eq!(out, []);
    assert_eq!(call.server(feeds(&["p-1"], &[])), [], "no pin: wait");

    // The room on another node: new pin, higher generation.
    let out = call.server(ready("9876", 2));
    assert_eq!(commands(&out), [publish_cmd()]);
    let out = call.server(feeds(&["p-1", "p-3"], &[]));
    assert_eq!(
        sent(&out),
        [subscribe_msg("9876", "p-1"), subscribe_msg("9876", "p-3")]
    );
    let out = call.media(MediaInput::SfuLocalDescription {
        target: PUB,
        sdp: "new-offer".into(),
    });
    assert!(matches!(&sent(&out)[..], [ClientMsg::SfuPublish { pin, .. }] if pin == "9876"));
}

#[test]
fn talking_becomes_a_notice_for_others_only() {
    let mut call = in_sfu_call();
    let out = call.server(ServerMsg::SfuTalking {
        participant: pid("p-3"),
        talking: true,
    });
    assert_eq!(
        out,
        [Output::Sfu(SfuNotice::Talking {
            participant: pid("p-3"),
            talking: true,
        })]
    );
    let out = call.server(ServerMsg::SfuTalking {
        participant: pid("p-2"),
        talking: true,
    });
    assert_eq!(out, [], "we do not highlight ourselves");
}

#[test]
fn a_room_moving_from_peer_to_peer_keeps_its_peers_until_the_sfu_takes_over() {
    // p-4 between p-1, p-2 (we offered to them), p-3 is not connected yet.
    let participants = vec![
        host("p-1", 1),
        guest("p-2", 2),
        guest("p-3", 3),
        guest("p-4", 4),
    ];
    let mut call = Call::welcomed(Welcome::new("p-4", Role::Guest, participants));
    for peer in ["p-1", "p-2"] {
        call.media(MediaInput::PeerConnected { peer: pid(peer) });
    }
    // The fifth arrives: the room moves; its SFU room is being set up.
    let out = call.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-5", 5),
    });
    assert_eq!(
        commands(&out),
        [add_peer("p-5", false)],
        "still peer-to-peer for now"
    );
    let out = call.server(ServerMsg::ModeChanged {
        mode: MediaMode::Sfu,
        sfu: None,
    });
    assert_eq!(out, [], "peers kept while the SFU room is set up");
    let out = call.server(ServerMsg::Joined {
        restarted: false,
        participant: guest("p-6", 6),
    });
    assert_eq!(commands(&out), [], "no new peers in an SFU room");

    // Ready: publish; peers that never connected (p-3, p-5) close now.
    let out = call.server(ready("1234", 1));
    assert_eq!(
        commands(&out),
        [
            publish_cmd(),
            MediaCommand::RemovePeer { peer: pid("p-3") },
            MediaCommand::RemovePeer { peer: pid("p-5") },
        ]
    );
    assert_eq!(call.session.peers().count(), 2);

    // p-1's feed takes over from its peer connection.
    call.server(feeds(&["p-1", "p-2"], &[]));
    let out = call.server(offer(1, "p-1"));
    assert_eq!(
        commands(&out),
        [
            MediaCommand::RemovePeer { peer: pid("p-1") },
            subscribe_cmd(1, "p-1"),
        ]
    );
    // A peer-to-peer connection failing now is not restarted.
    let out = call.media(MediaInput::PeerFailed { peer: pid("p-2") });
    assert_eq!(
        commands(&out),
        [MediaCommand::RemovePeer { peer: pid("p-2") }]
    );

    // Whatever is left closes at the end of the handover.
    let mut call = Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2)],
    ));
    call.media(MediaInput::PeerConnected { peer: pid("p-1") });
    call.server(ready("1234", 1));
    assert_eq!(
        call.session.poll_timeout().map(|at| at - call.now),
        Some(P2P_HANDOVER)
    );
    let out = call.run_to_timeout();
    assert_eq!(
        commands(&out),
        [MediaCommand::RemovePeer { peer: pid("p-1") }]
    );
}

#[test]
fn after_a_reconnection_the_sfu_connections_are_made_again() {
    let mut call = in_sfu_call();
    call.closed();
    // Back: welcome (resumed), then the server's modeChanged with the pin.
    loop {
        let out = call.run_to_timeout();
        if out.contains(&Output::OpenTransport) {
            break;
        }
    }
    call.opened();
    let mut welcome = Welcome::new("p-2", Role::Guest, everyone());
    welcome.mode = MediaMode::Sfu;
    let out = call.server(welcome.msg());
    assert_eq!(
        commands(&out),
        [
            close(PUB),
            close(SfuTarget::Subscription(1)),
            close(SfuTarget::Subscription(2)),
        ],
        "the old Janus session ended with the old connection"
    );
    let out = call.server(ready("1234", 1));
    assert_eq!(commands(&out), [publish_cmd()]);
    let out = call.server(feeds(&["p-1", "p-3"], &[]));
    assert_eq!(sent(&out).len(), 2);
}

#[test]
fn leaving_an_sfu_room_closes_everything() {
    let mut call = in_sfu_call();
    call.user(UserAction::Leave);
    let out = call.server(ServerMsg::Closed {
        reason: mulaqat_protocol::CloseReason::Left,
    });
    assert!(commands(&out).contains(&MediaCommand::RemoveAllPeers));
    assert_eq!(call.session.sfu_subscriptions().count(), 0);
    assert!(call.session.sfu_access().is_none());
}

#[test]
fn after_a_codec_change_the_camera_is_published_in_the_rooms_new_codec() {
    let mut call = in_sfu_call();
    let out = call.server(ServerMsg::SfuReset {
        reason: SfuResetReason::CodecChanged,
    });
    assert!(commands(&out).contains(&close(PUB)), "{out:?}");
    let out = call.server(ServerMsg::ModeChanged {
        mode: MediaMode::Sfu,
        sfu: Some(SfuAccess {
            pin: "vp8-pin".into(),
            generation: 2,
            video_codec: VideoCodec::Vp8,
        }),
    });
    assert_eq!(
        commands(&out),
        [MediaCommand::Publish {
            publication: CAMERA,
            video_codec: VideoCodec::Vp8,
            ice_servers: ice(),
        }]
    );
}
