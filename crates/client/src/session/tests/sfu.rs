//! SFU rooms: publishing, subscribing, feeds coming and going, trickle
//! (trouble and change: `sfu_trouble.rs`).

use mulaqat_protocol::{
    ClientMsg, IceCandidate, MediaMode, Role, ServerMsg, SfuAccess, SfuErrorCode, SfuFeed,
    SfuPublication, SfuTarget,
};

use super::*;
use crate::session::{SUBSCRIBE_RETRY, SfuNotice};

pub(super) const CAMERA: SfuPublication = SfuPublication::Camera;
pub(super) const PUB: SfuTarget = SfuTarget::Publication(SfuPublication::Camera);

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

pub(super) fn feed(id: &str) -> SfuFeed {
    SfuFeed {
        participant: pid(id),
        publication: CAMERA,
    }
}

pub(super) fn feeds(available: &[&str], gone: &[&str]) -> ServerMsg {
    ServerMsg::SfuFeeds {
        available: available.iter().map(|id| feed(id)).collect(),
        gone: gone.iter().map(|id| feed(id)).collect(),
    }
}

pub(super) fn offer(subscription: u64, from: &str) -> ServerMsg {
    ServerMsg::SfuOffer {
        subscription,
        feed: pid(from),
        publication: CAMERA,
        sdp: format!("offer-{subscription}"),
    }
}

pub(super) fn candidate(text: &str) -> IceCandidate {
    IceCandidate {
        candidate: text.into(),
        sdp_mid: None,
        sdp_m_line_index: Some(0),
    }
}

pub(super) fn subscribe_msg(pin: &str, id: &str) -> ClientMsg {
    ClientMsg::SfuSubscribe {
        pin: pin.into(),
        feed: pid(id),
        publication: CAMERA,
    }
}

pub(super) fn publish_cmd() -> MediaCommand {
    MediaCommand::Publish {
        video_codec: Default::default(),
        publication: CAMERA,
        ice_servers: ice(),
    }
}

pub(super) fn subscribe_cmd(subscription: u64, from: &str) -> MediaCommand {
    MediaCommand::Subscribe {
        subscription,
        feed: pid(from),
        publication: CAMERA,
        offer: format!("offer-{subscription}"),
        ice_servers: ice(),
    }
}

pub(super) fn close(target: SfuTarget) -> MediaCommand {
    MediaCommand::CloseSfu { target }
}

pub(super) fn notices(outputs: &[Output]) -> Vec<SfuNotice> {
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
pub(super) fn a_ready_sfu_room_is_published_to_with_its_pin() {
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
pub(super) fn every_feed_but_our_own_is_subscribed_to_once() {
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
pub(super) fn feeds_before_the_sfu_room_is_ready_wait_for_its_pin() {
    let mut call = sfu_room();
    let out = call.server(feeds(&["p-1"], &[]));
    assert_eq!(sent(&out), [], "no pin yet");
}

#[test]
pub(super) fn an_offer_is_answered_and_candidates_trickle_both_ways() {
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
pub(super) fn the_publications_candidates_wait_for_its_offer() {
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
pub(super) fn a_feed_that_goes_is_unsubscribed_and_its_tracks_end() {
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
pub(super) fn a_participant_who_leaves_loses_their_subscription_at_once() {
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
pub(super) fn offers_for_feeds_not_asked_for_are_declined() {
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
pub(super) fn a_subscription_without_an_offer_is_asked_for_again() {
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
