//! The Wayland session's screen, through the desktop portal.

use std::time::{Duration, Instant};

use mulaqat_media::devices::TestDevices;
use mulaqat_media::portal::{PortalError, PortalScreen, choose_screen_on};
use mulaqat_media::screen::ScreenSource;
use mulaqat_media::{PeerConfig, PeerId, SCREEN_PREVIEW_TRACK, SELF_VIEW_TRACK, ScreenShareEnd};

use crate::desktop::{Desktop, SCREEN_NODE, SCREEN_SIZE, Screen};
use crate::frontend::{Choice, Frontend};
use crate::*;

/// The desktop session, its cast screen and the portal, with the screen
/// chosen: what every sharing test starts from.
async fn choose_the_screen() -> (Desktop, Screen, Frontend, PortalScreen) {
    let desktop = Desktop::start();
    let screen = Screen::start(&desktop);
    let choice = Choice::Screen {
        node: desktop.node_id(SCREEN_NODE),
        size: SCREEN_SIZE,
    };
    let portal = Frontend::serve(&desktop.bus_address, choice, desktop.pipewire_socket()).await;
    let chosen = tokio::time::timeout(
        Duration::from_secs(10),
        choose_screen_on(Some(desktop.bus_address.clone())),
    )
    .await
    .expect("the portal answers in time")
    .expect("the portal gives the screen");
    assert_eq!(
        portal.calls(),
        [
            "CreateSession",
            "SelectSources",
            "Start",
            "OpenPipeWireRemote"
        ]
    );
    (desktop, screen, portal, chosen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_chosen_in_the_portal_is_shared_live_until_it_is_let_go() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_desktop, _screen, portal, chosen) = choose_the_screen().await;
    let (engine, _events, seen) = engine(TestDevices::Only);
    assert!(
        eventually(Duration::from_secs(10), || count(&seen, SELF_VIEW_TRACK)
            > 5)
        .await,
        "the self-view shows the camera"
    );
    assert!(
        !shows_the_screen(&seen, SELF_VIEW_TRACK),
        "the camera is not the screen"
    );

    engine.set_portal_screen(Some(chosen));
    assert_eq!(
        engine.screen_source(),
        Ok(ScreenSource::Portal),
        "a screen from the portal is what is shared"
    );
    engine.start_screen_share().expect("sharing starts");
    // Live, not one frame repeated: the ball moves, at the call's rate.
    assert_the_screen_is_live(&seen, SELF_VIEW_TRACK, 200).await;

    engine.stop_screen_share();
    engine.set_portal_screen(None);
    assert!(
        eventually(Duration::from_secs(5), || portal.open_sessions() == 0).await,
        "letting the screen go closes the portal's session (calls: {:?})",
        portal.calls()
    );
    wait_for_no_screen(&seen, SELF_VIEW_TRACK).await;
    engine.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_from_the_desktop_ends_the_share_and_the_camera_comes_back() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_desktop, screen, portal, chosen) = choose_the_screen().await;
    let (engine, mut events, seen) = engine(TestDevices::Only);
    engine.set_portal_screen(Some(chosen));
    engine.start_screen_share().expect("sharing starts");
    wait_for_the_screen(&seen, SELF_VIEW_TRACK).await;

    // The desktop's "stop sharing": the portal closes the session and the
    // compositor's stream goes away. pipewiresrc alone would go on
    // repeating the last frame.
    portal.stop_sharing().await;
    drop(screen);
    let (cause, ended) = share_ended(&mut events, Duration::from_secs(5)).await;
    assert_eq!(cause, ScreenShareEnd::StoppedByDesktop, "{ended}");
    assert!(ended.contains("desktop"), "{ended}");
    assert!(!engine.has_portal_screen(), "the ended screen is let go");
    wait_for_no_screen(&seen, SELF_VIEW_TRACK).await;
    engine.stop();
}

/// In an SFU room the screen is a publication of its own beside the camera;
/// the desktop's stop ends that publication, and the camera is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_an_sfu_room_the_desktops_stop_ends_the_screens_publication() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_desktop, screen, portal, chosen) = choose_the_screen().await;
    let (engine, mut events, seen) = engine(TestDevices::Only);
    engine.set_portal_screen(Some(chosen));
    engine
        .add_screen_publication(PeerId("sfu:screen".into()), PeerConfig::default())
        .expect("the screen is published");
    wait_for_the_screen(&seen, SCREEN_PREVIEW_TRACK).await;
    assert!(
        !shows_the_screen(&seen, SELF_VIEW_TRACK),
        "the self-view still shows the camera"
    );

    portal.stop_sharing().await;
    drop(screen);
    let (cause, ended) = share_ended(&mut events, Duration::from_secs(5)).await;
    assert_eq!(cause, ScreenShareEnd::StoppedByDesktop, "{ended}");
    assert!(ended.contains("desktop"), "{ended}");
    assert!(!engine.has_portal_screen(), "the ended screen is let go");
    let before = count(&seen, SCREEN_PREVIEW_TRACK);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        count(&seen, SCREEN_PREVIEW_TRACK),
        before,
        "the preview has stopped"
    );
    assert!(
        keeps_coming(&seen, SELF_VIEW_TRACK).await,
        "the camera goes on"
    );
    engine.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_portals_dialog_is_a_cancel_not_an_error() {
    let desktop = Desktop::start();
    let portal = Frontend::serve(
        &desktop.bus_address,
        Choice::Cancel,
        desktop.pipewire_socket(),
    )
    .await;
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        choose_screen_on(Some(desktop.bus_address.clone())),
    )
    .await
    .expect("the portal answers in time");
    assert!(matches!(answer, Err(PortalError::Cancelled)), "{answer:?}");
    assert_eq!(
        portal.calls()[..3],
        ["CreateSession", "SelectSources", "Start"]
    );
}

/// The screen's stream is gone before its capture starts (the window being
/// shared was closed, say, and the portal's session is still open): sharing
/// returns at once, the engine stays responsive and the camera goes on
/// while `pipewiresrc` waits for a stream that will not come (30 s in
/// PipeWire 0.3), and then the share ends with what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_gone_before_its_capture_starts_ends_the_share_and_the_call_goes_on() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (desktop, screen, _portal, chosen) = choose_the_screen().await;
    let (engine, mut events, seen) = engine(TestDevices::Only);
    engine.set_portal_screen(Some(chosen));
    drop(screen);
    desktop.wait_node_gone(SCREEN_NODE);

    let asked = Instant::now();
    engine.start_screen_share().expect("sharing is under way");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "sharing returns at once, not after the capture's 30 s ({:?})",
        asked.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let asked = Instant::now();
    assert!(engine.has_portal_screen());
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "the engine answers while the capture waits ({:?})",
        asked.elapsed()
    );
    assert!(
        keeps_coming(&seen, SELF_VIEW_TRACK).await,
        "the camera goes on meanwhile"
    );
    assert!(!shows_the_screen(&seen, SELF_VIEW_TRACK));

    let (cause, ended) = share_ended(&mut events, Duration::from_secs(45)).await;
    assert_eq!(cause, ScreenShareEnd::NoPicture, "{ended}");
    assert!(ended.contains("share again"), "{ended}");
    assert!(!engine.has_portal_screen(), "the dead screen is let go");
    assert!(
        keeps_coming(&seen, SELF_VIEW_TRACK).await,
        "the camera goes on"
    );
    engine.stop();
}
