//! Screen sharing: in the camera's place in a peer-to-peer room, a
//! publication of its own in an SFU room, and moving between the two.

use mulaqat_protocol::{
    ClientMsg, MediaState, Role, ServerMsg, SfuFeed, SfuPublication, SfuTarget,
};

use super::sfu::{everyone, in_sfu_call, ready};
use super::*;
use crate::session::REPUBLISH_DELAY;

const SCREEN: SfuPublication = SfuPublication::Screen;
const SCREEN_PUB: SfuTarget = SfuTarget::Publication(SfuPublication::Screen);

fn sharing(on: bool) -> UserAction {
    UserAction::SetMedia(MediaState {
        audio: true,
        video: true,
        screen: on,
    })
}

fn in_camera(on: bool) -> MediaCommand {
    MediaCommand::ScreenInCamera { on }
}

fn publish_screen() -> MediaCommand {
    MediaCommand::Publish {
        video_codec: Default::default(),
        publication: SCREEN,
        ice_servers: ice(),
    }
}

fn screen_feed(id: &str) -> SfuFeed {
    SfuFeed {
        participant: pid(id),
        publication: SCREEN,
    }
}

/// We are p-2 in a peer-to-peer room with p-1 and p-3.
fn p2p_call() -> Call {
    Call::welcomed(Welcome::new("p-2", Role::Guest, everyone()))
}

#[test]
fn sharing_in_a_peer_to_peer_room_puts_the_screen_in_the_cameras_place() {
    let mut call = p2p_call();
    let out = call.user(sharing(true));
    assert_eq!(commands(&out), [in_camera(true)]);
    assert!(
        sent(&out).iter().any(|m| matches!(
            m,
            ClientMsg::MediaState { state } if state.screen
        )),
        "the room hears that we share: {out:?}"
    );
    // Said again: nothing new for the engine.
    let out = call.user(sharing(true));
    assert_eq!(commands(&out), []);
    let out = call.user(sharing(false));
    assert_eq!(commands(&out), [in_camera(false)]);
}

#[test]
fn sharing_in_an_sfu_room_publishes_the_screen_beside_the_camera() {
    let mut call = in_sfu_call();
    let out = call.user(sharing(true));
    assert_eq!(
        commands(&out),
        [publish_screen()],
        "a second publication, and the camera stays as it is"
    );
    let out = call.media(MediaInput::SfuLocalDescription {
        target: SCREEN_PUB,
        sdp: "screen-offer".into(),
    });
    assert_eq!(
        sent(&out),
        [ClientMsg::SfuPublish {
            pin: "1234".into(),
            publication: SCREEN,
            sdp: "screen-offer".into(),
        }]
    );
    let out = call.server(ServerMsg::SfuPublished {
        publication: SCREEN,
        sdp: "screen-answer".into(),
    });
    assert_eq!(
        commands(&out),
        [MediaCommand::PublicationAnswer {
            publication: SCREEN,
            sdp: "screen-answer".into(),
        }]
    );
    call.media(MediaInput::SfuConnected { target: SCREEN_PUB });
    assert!(call.session.sfu_screen_published());
    assert!(
        call.session.sfu_published(),
        "the camera is still published"
    );

    let out = call.user(sharing(false));
    assert_eq!(
        commands(&out),
        [MediaCommand::CloseSfu { target: SCREEN_PUB }]
    );
    assert!(sent(&out).contains(&ClientMsg::SfuUnpublish {
        publication: SCREEN
    }));
    assert!(!call.session.sfu_screen_published());
    assert!(call.session.sfu_published());
}

#[test]
fn someone_elses_screen_is_received_as_a_feed_of_its_own() {
    let mut call = in_sfu_call();
    let out = call.server(ServerMsg::SfuFeeds {
        available: vec![screen_feed("p-1")],
        gone: vec![],
    });
    assert_eq!(
        sent(&out),
        [ClientMsg::SfuSubscribe {
            pin: "1234".into(),
            feed: pid("p-1"),
            publication: SCREEN,
        }]
    );
    let out = call.server(ServerMsg::SfuOffer {
        subscription: 9,
        feed: pid("p-1"),
        publication: SCREEN,
        sdp: "screen-offer".into(),
    });
    assert_eq!(
        commands(&out),
        [MediaCommand::Subscribe {
            subscription: 9,
            feed: pid("p-1"),
            publication: SCREEN,
            offer: "screen-offer".into(),
            ice_servers: ice(),
        }],
        "p-1's camera subscription (1) is left alone"
    );
    assert_eq!(call.session.sfu_subscriptions().count(), 3);

    // They stop sharing: only the screen's subscription ends.
    let out = call.server(ServerMsg::SfuFeeds {
        available: vec![],
        gone: vec![screen_feed("p-1")],
    });
    assert_eq!(
        commands(&out),
        [MediaCommand::CloseSfu {
            target: SfuTarget::Subscription(9)
        }]
    );
    assert_eq!(sent(&out), [ClientMsg::SfuUnsubscribe { subscription: 9 }]);
    assert_eq!(call.session.sfu_subscriptions().count(), 2);
}

#[test]
fn a_room_that_moves_to_the_sfu_while_we_share_moves_the_screen_to_its_own_publication() {
    let mut call = p2p_call();
    call.user(sharing(true));
    // The room grows: the SFU is being set up, then ready.
    let out = call.server(ServerMsg::ModeChanged {
        mode: MediaMode::Sfu,
        sfu: None,
    });
    assert_eq!(
        commands(&out),
        [in_camera(false)],
        "the screen waits for the SFU rather than go back and forth"
    );
    let out = call.server(ready("1234", 1));
    let cmds = commands(&out);
    assert!(cmds.contains(&publish_screen()), "{cmds:?}");
    assert!(
        cmds.contains(&MediaCommand::Publish {
            video_codec: Default::default(),
            publication: SfuPublication::Camera,
            ice_servers: ice(),
        }),
        "{cmds:?}"
    );
    assert!(!cmds.contains(&in_camera(true)), "{cmds:?}");

    // And back to peer-to-peer: the screen takes the camera's place again.
    let out = call.server(ServerMsg::ModeChanged {
        mode: MediaMode::P2p,
        sfu: None,
    });
    let cmds = commands(&out);
    assert!(
        cmds.contains(&MediaCommand::CloseSfu { target: SCREEN_PUB }),
        "{cmds:?}"
    );
    assert!(cmds.contains(&in_camera(true)), "{cmds:?}");
}

#[test]
fn a_failed_screen_publication_is_made_again_only_while_we_still_share() {
    let mut call = in_sfu_call();
    call.user(sharing(true));
    let out = call.media(MediaInput::SfuFailed { target: SCREEN_PUB });
    assert_eq!(
        commands(&out),
        [MediaCommand::CloseSfu { target: SCREEN_PUB }]
    );
    call.advance(REPUBLISH_DELAY);
    let out = call.run_to_timeout();
    assert_eq!(commands(&out), [publish_screen()]);

    // It fails again, and sharing stops before the next attempt.
    call.media(MediaInput::SfuFailed { target: SCREEN_PUB });
    call.user(sharing(false));
    call.advance(REPUBLISH_DELAY);
    let out = call.input(Input::Timeout);
    assert!(
        !commands(&out).contains(&publish_screen()),
        "nothing is published once sharing stopped: {out:?}"
    );
}

#[test]
fn the_call_ending_while_sharing_gives_the_camera_back() {
    let mut call = p2p_call();
    call.user(sharing(true));
    let mut out = call.user(UserAction::Leave);
    out.extend(call.server(ServerMsg::Closed {
        reason: mulaqat_protocol::CloseReason::Left,
    }));
    let all = commands(&out);
    assert!(all.contains(&in_camera(false)), "{all:?}");
    assert!(matches!(call.state(), CallState::Ended(_)));
}

#[test]
fn a_share_that_ends_on_its_own_is_turned_off_and_the_room_told() {
    let mut call = p2p_call();
    call.user(sharing(true));
    let out = call.media(MediaInput::ScreenShareEnded);
    assert_eq!(commands(&out), [in_camera(false)], "the camera comes back");
    assert_eq!(
        sent(&out),
        [ClientMsg::MediaState {
            state: MediaState {
                audio: true,
                video: true,
                screen: false,
            }
        }]
    );
    // Once off, a second report changes nothing.
    assert_eq!(call.media(MediaInput::ScreenShareEnded), []);
}

#[test]
fn a_screen_that_cannot_be_shared_ends_the_share_and_says_why() {
    let mut call = in_sfu_call();
    call.user(sharing(true));
    let out = call.media(MediaInput::CommandFailed {
        command: publish_screen(),
        error: "no screen to capture".into(),
    });
    assert!(
        sent(&out).iter().any(|m| matches!(
            m,
            ClientMsg::MediaState { state } if !state.screen
        )),
        "the room hears that we no longer share: {out:?}"
    );
    assert!(out.contains(&Output::ScreenShareFailed {
        reason: "no screen to capture".into()
    }));
    assert!(commands(&out).contains(&MediaCommand::CloseSfu { target: SCREEN_PUB }));
    // Any other failure changes nothing: its connection's own failure or
    // timeout brings the retry.
    let out = call.media(MediaInput::CommandFailed {
        command: MediaCommand::RestartIce { peer: pid("p-1") },
        error: "no such peer".into(),
    });
    assert_eq!(out, []);
}
