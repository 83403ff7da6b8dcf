//! SFU rooms in trouble and change: refusals, retries, resets, talking,
//! the switch from peer-to-peer, reconnection, leaving, a new codec.

use mulaqat_protocol::{
    ClientMsg, MediaMode, Role, ServerMsg, SfuAccess, SfuErrorCode, SfuResetReason, SfuTarget,
    VideoCodec,
};

use super::sfu::*;
use super::*;
use crate::session::{P2P_HANDOVER, REPUBLISH_DELAY, SfuNotice};

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
