//! Checks screen sharing through the desktop portal in the Wayland session
//! this runs in: asks the portal for a screen (its dialog appears, unless
//! the portal is set to pick one by itself), shares it in place of the
//! camera for a few seconds, and reports the frames the self-view showed.
//!
//! ```sh
//! cargo run -p mulaqat-media --example portal_check -- --seconds 5
//! ```
//!
//! Exit 0 when the screen's frames came and the capture never failed.
//! `docs/ARCHITECTURE.md` says how it was run here (a headless sway).

#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use mulaqat_media::devices::TestDevices;
use mulaqat_media::{EngineSettings, FrameSink, MediaEngine, MediaEvent, SELF_VIEW_TRACK};

#[derive(Parser)]
struct Args {
    /// How long to share.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

/// Frames seen and the size and luma spread of the newest, per track.
#[derive(Default)]
struct Seen {
    frames: u64,
    size: (u32, u32),
    spread: u32,
}

/// The difference between the brightest and the darkest sampled pixel.
fn luma_spread(width: u32, height: u32, nv12: &[u8]) -> u32 {
    let luma = &nv12[..(width * height) as usize];
    let samples = luma.iter().step_by(97);
    let (lo, hi) = samples.fold((u8::MAX, 0u8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    u32::from(hi.saturating_sub(lo))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    mulaqat_media::init()?;
    println!(
        "session: {:?}, WAYLAND_DISPLAY={:?}",
        std::env::var("XDG_SESSION_TYPE").ok(),
        std::env::var("WAYLAND_DISPLAY").ok()
    );
    let seen: Arc<Mutex<HashMap<String, Seen>>> = Arc::default();
    let sink: FrameSink = {
        let seen = seen.clone();
        Arc::new(move |track, w, h, _at, data| {
            let mut seen = seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let entry = seen.entry(track.to_string()).or_default();
            entry.frames += 1;
            entry.size = (w, h);
            entry.spread = luma_spread(w, h, &data);
        })
    };
    let settings = EngineSettings {
        // A test camera (none here), the real screen.
        test_devices: TestDevices::WhenMissing,
        frame_sink: Some(sink),
        ..EngineSettings::default()
    };
    let (engine, mut events) = MediaEngine::start(settings).context("the engine")?;
    let source = engine
        .screen_source()
        .map_err(anyhow::Error::msg)
        .context("the screen source")?;
    println!("screen source: {source:?}");
    if source == mulaqat_media::screen::ScreenSource::Portal {
        let started = Instant::now();
        let screen = match mulaqat_media::portal::choose_screen().await {
            Ok(screen) => screen,
            Err(e) => bail!("the portal: {e}"),
        };
        println!("the portal gave {screen:?} after {:?}", started.elapsed());
        engine.set_portal_screen(Some(screen));
    }
    let camera = self_view(&seen);
    engine.start_screen_share().context("sharing")?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = self_view(&seen);
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let after = self_view(&seen);
    engine.stop_screen_share();
    engine.set_portal_screen(None);
    let mut ended = None;
    while let Ok(event) = events.try_recv() {
        if let MediaEvent::ScreenShareEnded { reason, .. } = event {
            ended = Some(reason);
        }
    }
    engine.stop();
    let fps = (after.0 - before.0) as f64 / args.seconds as f64;
    println!(
        "camera before: spread {}; while sharing: {} frames in {} s ({fps:.1} fps), {}x{}, spread {}",
        camera.2,
        after.0 - before.0,
        args.seconds,
        after.1.0,
        after.1.1,
        after.2
    );
    if let Some(reason) = ended {
        bail!("the screen share ended: {reason}");
    }
    if fps < 1.0 {
        bail!("no frames came from the screen");
    }
    println!("ok");
    Ok(())
}

fn self_view(seen: &Mutex<HashMap<String, Seen>>) -> (u64, (u32, u32), u32) {
    let seen = seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    seen.get(SELF_VIEW_TRACK)
        .map_or((0, (0, 0), 0), |s| (s.frames, s.size, s.spread))
}
