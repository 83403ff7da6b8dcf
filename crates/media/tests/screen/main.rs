//! Screen sharing from the two Linux sessions, each end to end with a real
//! display server below the engine:
//! - `portal`: a Wayland session. A real PipeWire daemon and WirePlumber, a
//!   screen cast onto PipeWire the way compositors do it (variable rate),
//!   and a stand-in for the portal's frontend that answers as
//!   xdg-desktop-portal does once the person has chosen. The engine asks the
//!   portal (ashpd, as the app does) and reads the chosen node with
//!   `pipewiresrc`.
//! - `x11`: an X11 session. A real X server (Xvfb) with a moving window,
//!   read with `ximagesrc`.
//!
//! Needs `dbus-daemon`, `pipewire`, `wireplumber`, `pw-dump` and `Xvfb`
//! (`packaging/linux/install-deps.sh --test`).

#![cfg(all(unix, not(target_os = "macos")))]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod desktop;
mod frontend;
mod portal;
mod x11;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mulaqat_media::devices::TestDevices;
use mulaqat_media::{
    EngineSettings, EventReceiver, FrameSink, MediaEngine, MediaEvent, Quality, ScreenShareEnd,
};

/// The newest frame of a track: (width, height, NV12), and how many came.
#[derive(Default)]
pub(crate) struct Latest {
    frame: Option<(u32, u32, Arc<[u8]>)>,
    count: u64,
}

/// The newest frame of each local track the engine shows.
pub(crate) type Seen = Arc<Mutex<HashMap<String, Latest>>>;

/// The tests that run an engine take turns: frame-rate checks mean
/// nothing when two real-time pipelines share the two cores.
pub(crate) static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An engine at 360p with `test_devices` (the test camera is colour bars).
pub(crate) fn engine(test_devices: TestDevices) -> (MediaEngine, EventReceiver, Seen) {
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
        test_devices,
        quality: Quality::P360,
        frame_sink: Some(sink),
        ..EngineSettings::default()
    };
    let (engine, events) = MediaEngine::start(settings).expect("the engine starts");
    (engine, events, seen)
}

/// How many frames of `track` came so far.
pub(crate) fn count(seen: &Seen, track: &str) -> u64 {
    seen.lock().unwrap().get(track).map_or(0, |l| l.count)
}

/// The newest frame of `track`: (width, height, luma plane).
pub(crate) fn luma(seen: &Seen, track: &str) -> Option<(usize, usize, Vec<u8>)> {
    let seen = seen.lock().unwrap();
    let (w, h, data) = seen.get(track)?.frame.as_ref()?;
    let (w, h) = (*w as usize, *h as usize);
    Some((w, h, data[..w * h].to_vec()))
}

/// Mean luma of the newest frame of `track` over columns `from..to` (as
/// fractions of its width), all rows.
pub(crate) fn column_luma(seen: &Seen, track: &str, (from, to): (f64, f64)) -> f64 {
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
pub(crate) fn shows_the_screen(seen: &Seen, track: &str) -> bool {
    column_luma(seen, track, (0.0, 0.03)) < 30.0 && column_luma(seen, track, (0.2, 0.8)) > 180.0
}

/// Waits for the engine's event that `wanted` picks out, up to `within`.
pub(crate) async fn wait_event<T>(
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

/// Waits up to 10 s until `track` shows the cast screen.
pub(crate) async fn wait_for_the_screen(seen: &Seen, track: &str) {
    assert!(
        eventually(Duration::from_secs(10), || shows_the_screen(seen, track)).await,
        "{track} shows the shared screen, letterboxed (edge {:.0}, middle {:.0})",
        column_luma(seen, track, (0.0, 0.03)),
        column_luma(seen, track, (0.2, 0.8))
    );
}

/// Waits up to 5 s until `track` shows something else than the screen.
pub(crate) async fn wait_for_no_screen(seen: &Seen, track: &str) {
    assert!(
        eventually(Duration::from_secs(5), || !shows_the_screen(seen, track)).await,
        "{track} no longer shows the screen"
    );
}

/// `track` shows the screen live at 640x360: over 2 s, at least
/// `min_changed` pixels change (what moves on it moved: not one frame
/// repeated) and frames come at the call's rate.
pub(crate) async fn assert_the_screen_is_live(seen: &Seen, track: &str, min_changed: usize) {
    wait_for_the_screen(seen, track).await;
    let (w, h, before) = luma(seen, track).expect("a frame");
    assert_eq!((w, h), (640, 360), "{track}'s size");
    let counted = count(seen, track);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let fps = (count(seen, track) - counted) as f64 / 2.0;
    let (_, _, after) = luma(seen, track).expect("a frame");
    let changed = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a.abs_diff(**b) > 64)
        .count();
    assert!(
        changed > min_changed,
        "the shared screen moves ({changed} pixels changed)"
    );
    assert!(
        fps >= 15.0,
        "the screen comes at the call's rate ({fps:.1} fps)"
    );
}

/// Whether frames of `track` keep coming (over half a second).
pub(crate) async fn keeps_coming(seen: &Seen, track: &str) -> bool {
    let before = count(seen, track);
    tokio::time::sleep(Duration::from_millis(500)).await;
    count(seen, track) > before
}

/// The cause and reason of the engine's next `ScreenShareEnded`, within
/// `within`.
pub(crate) async fn share_ended(
    events: &mut EventReceiver,
    within: Duration,
) -> (ScreenShareEnd, String) {
    wait_event(events, within, |event| match event {
        MediaEvent::ScreenShareEnded { cause, reason } => Some((cause, reason)),
        _ => None,
    })
    .await
    .expect("the engine says the share ended")
}

/// Waits until `ready` holds, up to `within`.
pub(crate) async fn eventually(within: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ready()
}
