//! Screen sharing in a Wayland session, end to end below the desktop's
//! dialog: a real PipeWire daemon and WirePlumber, a screen cast onto
//! PipeWire the way compositors do it (variable rate), and a stand-in for
//! the portal's frontend that answers as xdg-desktop-portal does once the
//! person has chosen. The engine asks the portal (ashpd, as the app does),
//! reads the chosen node with `pipewiresrc` and shows it in the self-view.
//!
//! Needs `dbus-daemon`, `pipewire`, `wireplumber` and `pw-dump`
//! (`packaging/linux/install-deps.sh --test`).

#![cfg(all(unix, not(target_os = "macos")))]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod desktop;
mod frontend;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use desktop::{Desktop, SCREEN_NODE, SCREEN_SIZE, Screen};
use frontend::{Choice, Frontend};
use mulaqat_media::devices::TestDevices;
use mulaqat_media::portal::{PortalError, PortalScreen, choose_screen_on};
use mulaqat_media::screen::ScreenSource;
use mulaqat_media::{
    EngineSettings, EventReceiver, FrameSink, MediaEngine, MediaEvent, PeerConfig, PeerId, Quality,
    SCREEN_PREVIEW_TRACK, SELF_VIEW_TRACK,
};

/// The newest frame of a track: (width, height, NV12), and how many came.
#[derive(Default)]
struct Latest {
    frame: Option<(u32, u32, Arc<[u8]>)>,
    count: u64,
}

/// The newest frame of each local track the engine shows.
type Seen = Arc<Mutex<HashMap<String, Latest>>>;

/// The tests that run an engine take turns: frame-rate checks mean
/// nothing when two real-time pipelines share the two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An engine with test devices (the camera is colour bars) at 360p.
fn engine() -> (MediaEngine, EventReceiver, Seen) {
    let seen: Seen = Arc::default();
    let sink: FrameSink = {
        let seen = seen.clone();
        Arc::new(move |track, w, h, _at, data| {
            let mut seen = seen.lock().unwrap();
            let latest = seen.entry(track.0.clone()).or_default();
            latest.frame = Some((w, h, data));
            latest.count += 1;
        })
    };
    let settings = EngineSettings {
        test_devices: TestDevices::Only,
        quality: Quality::P360,
        frame_sink: Some(sink),
        ..EngineSettings::default()
    };
    let (engine, events) = MediaEngine::start(settings).expect("the engine starts");
    (engine, events, seen)
}

/// How many frames of `track` came so far.
fn count(seen: &Seen, track: &str) -> u64 {
    seen.lock().unwrap().get(track).map_or(0, |l| l.count)
}

/// The newest frame of `track`: (width, height, luma plane).
fn luma(seen: &Seen, track: &str) -> Option<(usize, usize, Vec<u8>)> {
    let seen = seen.lock().unwrap();
    let (w, h, data) = seen.get(track)?.frame.as_ref()?;
    let (w, h) = (*w as usize, *h as usize);
    Some((w, h, data[..w * h].to_vec()))
}

/// Mean luma of the newest frame of `track` over columns `from..to` (as
/// fractions of its width), all rows.
fn column_luma(seen: &Seen, track: &str, (from, to): (f64, f64)) -> f64 {
    let Some((w, h, luma)) = luma(seen, track) else {
        return f64::NAN;
    };
    let (x0, x1) = ((w as f64 * from) as usize, (w as f64 * to) as usize);
    let sum: u64 = luma
        .chunks_exact(w)
        .map(|row| row[x0..x1].iter().map(|&v| u64::from(v)).sum::<u64>())
        .sum();
    sum as f64 / ((x1 - x0) * h) as f64
}

/// Whether `track` shows the cast screen: white, with the black borders
/// that keep a 16:10 screen's shape in a 16:9 picture.
fn shows_the_screen(seen: &Seen, track: &str) -> bool {
    column_luma(seen, track, (0.0, 0.03)) < 30.0 && column_luma(seen, track, (0.2, 0.8)) > 180.0
}

/// Waits for the engine's event that `wanted` picks out, up to `within`.
async fn wait_event<T>(
    events: &mut EventReceiver,
    within: Duration,
    wanted: impl Fn(MediaEvent) -> Option<T>,
) -> Option<T> {
    tokio::time::timeout(within, async {
        while let Some(event) = events.recv().await {
            if let Some(found) = wanted(event) {
                return Some(found);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

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

/// Waits until `ready` holds, up to `within`.
async fn eventually(within: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ready()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_chosen_in_the_portal_is_shared_live_until_it_is_let_go() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_desktop, _screen, portal, chosen) = choose_the_screen().await;
    let (engine, _events, seen) = engine();
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
    assert!(
        eventually(Duration::from_secs(10), || shows_the_screen(
            &seen,
            SELF_VIEW_TRACK
        ))
        .await,
        "the self-view shows the portal's screen, letterboxed (edge {:.0}, middle {:.0})",
        column_luma(&seen, SELF_VIEW_TRACK, (0.0, 0.03)),
        column_luma(&seen, SELF_VIEW_TRACK, (0.2, 0.8))
    );
    let (w, h, before) = luma(&seen, SELF_VIEW_TRACK).expect("a frame");
    assert_eq!((w, h), (640, 360), "the self-view's size");

    // Live, not one frame repeated: the ball moves, at the call's rate.
    let counted = count(&seen, SELF_VIEW_TRACK);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let fps = (count(&seen, SELF_VIEW_TRACK) - counted) as f64 / 2.0;
    let (_, _, after) = luma(&seen, SELF_VIEW_TRACK).expect("a frame");
    let changed = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a.abs_diff(**b) > 64)
        .count();
    assert!(
        changed > 200,
        "the shared screen moves ({changed} pixels changed)"
    );
    assert!(
        fps >= 15.0,
        "the screen comes at the call's rate ({fps:.1} fps)"
    );

    engine.stop_screen_share();
    engine.set_portal_screen(None);
    assert!(
        eventually(Duration::from_secs(5), || portal.open_sessions() == 0).await,
        "letting the screen go closes the portal's session (calls: {:?})",
        portal.calls()
    );
    assert!(
        eventually(Duration::from_secs(5), || !shows_the_screen(
            &seen,
            SELF_VIEW_TRACK
        ))
        .await,
        "the camera is back"
    );
    engine.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_from_the_desktop_ends_the_share_and_the_camera_comes_back() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_desktop, screen, portal, chosen) = choose_the_screen().await;
    let (engine, mut events, seen) = engine();
    engine.set_portal_screen(Some(chosen));
    engine.start_screen_share().expect("sharing starts");
    assert!(
        eventually(Duration::from_secs(10), || shows_the_screen(
            &seen,
            SELF_VIEW_TRACK
        ))
        .await,
        "the screen is shared"
    );

    // The desktop's "stop sharing": the portal closes the session and the
    // compositor's stream goes away. pipewiresrc alone would go on
    // repeating the last frame.
    portal.stop_sharing().await;
    drop(screen);
    let ended = wait_event(&mut events, Duration::from_secs(5), |event| match event {
        MediaEvent::ScreenShareEnded { reason } => Some(reason),
        _ => None,
    })
    .await
    .expect("the engine says the share ended");
    assert!(ended.contains("desktop"), "{ended}");
    assert!(!engine.has_portal_screen(), "the ended screen is let go");
    assert!(
        eventually(Duration::from_secs(5), || !shows_the_screen(
            &seen,
            SELF_VIEW_TRACK
        ))
        .await,
        "the camera is back"
    );
    engine.stop();
}

/// In an SFU room the screen is a publication of its own beside the camera;
/// the desktop's stop ends that publication, and the camera is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_an_sfu_room_the_desktops_stop_ends_the_screens_publication() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_desktop, screen, portal, chosen) = choose_the_screen().await;
    let (engine, mut events, seen) = engine();
    engine.set_portal_screen(Some(chosen));
    engine
        .add_screen_publication(PeerId("sfu:screen".into()), PeerConfig::default())
        .expect("the screen is published");
    assert!(
        eventually(Duration::from_secs(10), || shows_the_screen(
            &seen,
            SCREEN_PREVIEW_TRACK
        ))
        .await,
        "the screen's preview shows the portal's screen (edge {:.0}, middle {:.0})",
        column_luma(&seen, SCREEN_PREVIEW_TRACK, (0.0, 0.03)),
        column_luma(&seen, SCREEN_PREVIEW_TRACK, (0.2, 0.8))
    );
    assert!(
        !shows_the_screen(&seen, SELF_VIEW_TRACK),
        "the self-view still shows the camera"
    );

    portal.stop_sharing().await;
    drop(screen);
    let ended = wait_event(&mut events, Duration::from_secs(5), |event| match event {
        MediaEvent::ScreenShareEnded { reason } => Some(reason),
        _ => None,
    })
    .await
    .expect("the engine says the share ended");
    assert!(ended.contains("desktop"), "{ended}");
    assert!(!engine.has_portal_screen(), "the ended screen is let go");
    let before = count(&seen, SCREEN_PREVIEW_TRACK);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        count(&seen, SCREEN_PREVIEW_TRACK),
        before,
        "the preview has stopped"
    );
    let camera = count(&seen, SELF_VIEW_TRACK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(count(&seen, SELF_VIEW_TRACK) > camera, "the camera goes on");
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

/// The screen's stream is gone before its capture starts (the person
/// stopped it, or closed the window being shared): sharing returns at once,
/// the engine stays responsive and the camera goes on while `pipewiresrc`
/// waits for a stream that will not come (30 s in PipeWire 0.3), and then
/// the share ends with what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_gone_before_its_capture_starts_ends_the_share_and_the_call_goes_on() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (desktop, screen, _portal, chosen) = choose_the_screen().await;
    let (engine, mut events, seen) = engine();
    engine.set_portal_screen(Some(chosen));
    drop(screen);
    desktop.wait_node_gone(SCREEN_NODE);

    let asked = Instant::now();
    engine.start_screen_share().expect("sharing is under way");
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "sharing returns at once ({:?})",
        asked.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let asked = Instant::now();
    assert!(engine.has_portal_screen());
    assert!(
        asked.elapsed() < Duration::from_millis(200),
        "the engine answers while the capture waits ({:?})",
        asked.elapsed()
    );
    let camera = count(&seen, SELF_VIEW_TRACK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        count(&seen, SELF_VIEW_TRACK) > camera,
        "the camera goes on meanwhile"
    );
    assert!(!shows_the_screen(&seen, SELF_VIEW_TRACK));

    let ended = wait_event(&mut events, Duration::from_secs(45), |event| match event {
        MediaEvent::ScreenShareEnded { reason } => Some(reason),
        _ => None,
    })
    .await
    .expect("the engine says the share ended");
    assert!(ended.contains("share again"), "{ended}");
    assert!(!engine.has_portal_screen(), "the dead screen is let go");
    let camera = count(&seen, SELF_VIEW_TRACK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(count(&seen, SELF_VIEW_TRACK) > camera, "the camera goes on");
    engine.stop();
}
