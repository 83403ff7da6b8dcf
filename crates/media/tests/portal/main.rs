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
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

mod desktop;
mod frontend;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use desktop::{Desktop, SCREEN_NODE, SCREEN_SIZE, Screen};
use frontend::{Choice, Frontend};
use mulaqat_media::devices::TestDevices;
use mulaqat_media::portal::{PortalError, choose_screen_on};
use mulaqat_media::{
    EngineSettings, EventReceiver, FrameSink, MediaEngine, MediaEvent, Quality, SELF_VIEW_TRACK,
};

/// The newest self-view frame: (width, height, NV12) and how many came.
#[derive(Default)]
struct SelfView {
    frame: Option<(u32, u32, Arc<[u8]>)>,
    count: u64,
}

type Seen = Arc<Mutex<SelfView>>;

/// The tests that run an engine take turns: frame-rate checks mean
/// nothing when two real-time pipelines share the two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An engine with test devices (the camera is colour bars) at 360p.
fn engine() -> (MediaEngine, EventReceiver, Seen) {
    let seen: Seen = Arc::default();
    let sink: FrameSink = {
        let seen = seen.clone();
        Arc::new(move |track, w, h, _at, data| {
            if track.0 == SELF_VIEW_TRACK {
                let mut seen = seen.lock().unwrap();
                seen.frame = Some((w, h, data));
                seen.count += 1;
            }
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

/// Mean luma of the newest self-view frame over columns `from..to` (as
/// fractions of its width), all rows.
fn column_luma(seen: &Seen, (from, to): (f64, f64)) -> f64 {
    let seen = seen.lock().unwrap();
    let (w, h, data) = seen.frame.as_ref().expect("a self-view frame");
    let (w, h) = (*w as usize, *h as usize);
    let (x0, x1) = ((w as f64 * from) as usize, (w as f64 * to) as usize);
    let mut sum = 0u64;
    for row in data[..w * h].chunks_exact(w) {
        sum += row[x0..x1].iter().map(|&v| u64::from(v)).sum::<u64>();
    }
    sum as f64 / ((x1 - x0) * h) as f64
}

/// The newest self-view frame's luma plane.
fn luma(seen: &Seen) -> Vec<u8> {
    let seen = seen.lock().unwrap();
    let (w, h, data) = seen.frame.as_ref().expect("a self-view frame");
    data[..(*w * *h) as usize].to_vec()
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

/// Whether the self-view shows the cast screen: white, with the black
/// borders that keep a 16:10 screen's shape in a 16:9 picture.
fn shows_the_screen(seen: &Seen) -> bool {
    seen.lock().unwrap().frame.is_some()
        && column_luma(seen, (0.0, 0.03)) < 30.0
        && column_luma(seen, (0.2, 0.8)) > 180.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_chosen_in_the_portal_is_shared_live_until_it_is_let_go() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let desktop = Desktop::start();
    let _screen = Screen::start(&desktop);
    let node = desktop.node_id(SCREEN_NODE);
    let choice = Choice::Screen {
        node,
        size: SCREEN_SIZE,
    };
    let portal = Frontend::serve(&desktop.bus_address, choice, desktop.pipewire_socket()).await;
    let (engine, _events, seen) = engine();
    assert!(
        eventually(Duration::from_secs(10), || seen.lock().unwrap().count > 5).await,
        "the self-view shows the camera"
    );
    assert!(!shows_the_screen(&seen), "the camera is not the screen");

    let screen = tokio::time::timeout(
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
    engine.set_portal_screen(Some(screen));
    assert_eq!(
        engine.screen_source(),
        Ok(mulaqat_media::screen::ScreenSource::Portal),
        "a screen from the portal is what is shared"
    );
    engine.start_screen_share().expect("sharing starts");
    assert!(
        eventually(Duration::from_secs(10), || shows_the_screen(&seen)).await,
        "the self-view shows the portal's screen, letterboxed (edge {:.0}, middle {:.0})",
        column_luma(&seen, (0.0, 0.03)),
        column_luma(&seen, (0.2, 0.8))
    );
    let size = seen
        .lock()
        .unwrap()
        .frame
        .as_ref()
        .map(|(w, h, _)| (*w, *h));
    assert_eq!(size, Some((640, 360)), "the self-view's size");

    // Live, not one frame repeated: the ball moves, at the call's rate.
    let before = (luma(&seen), seen.lock().unwrap().count);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = (luma(&seen), seen.lock().unwrap().count);
    let changed = before
        .0
        .iter()
        .zip(&after.0)
        .filter(|(a, b)| a.abs_diff(**b) > 64)
        .count();
    assert!(
        changed > 200,
        "the shared screen moves ({changed} pixels changed)"
    );
    let fps = (after.1 - before.1) as f64 / 2.0;
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
        eventually(Duration::from_secs(5), || !shows_the_screen(&seen)).await,
        "the camera is back"
    );
    engine.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_from_the_desktop_ends_the_share_and_the_camera_comes_back() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let desktop = Desktop::start();
    let screen = Screen::start(&desktop);
    let node = desktop.node_id(SCREEN_NODE);
    let choice = Choice::Screen {
        node,
        size: SCREEN_SIZE,
    };
    let portal = Frontend::serve(&desktop.bus_address, choice, desktop.pipewire_socket()).await;
    let (engine, mut events, seen) = engine();
    let chosen = choose_screen_on(Some(desktop.bus_address.clone()))
        .await
        .expect("the portal gives the screen");
    engine.set_portal_screen(Some(chosen));
    engine.start_screen_share().expect("sharing starts");
    assert!(
        eventually(Duration::from_secs(10), || shows_the_screen(&seen)).await,
        "the screen is shared"
    );

    // The desktop's "stop sharing": the portal closes the session and the
    // compositor's stream goes away. pipewiresrc alone would go on
    // repeating the last frame.
    portal.stop_sharing().await;
    drop(screen);
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        let mut seen_events = Vec::new();
        while let Some(event) = events.recv().await {
            if let MediaEvent::ScreenShareEnded { reason } = event {
                return reason;
            }
            seen_events.push(event);
        }
        panic!("the engine's events ended: {seen_events:?}")
    })
    .await
    .expect("the engine says the share ended");
    assert!(ended.contains("desktop"), "{ended}");
    assert!(!engine.has_portal_screen(), "the ended screen is let go");
    assert!(
        eventually(Duration::from_secs(5), || !shows_the_screen(&seen)).await,
        "the camera is back"
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
