//! Two media engines in one process, connected directly: a call with no
//! server, for measuring. Prints one JSON object on its last line.
//!
//! ```text
//! cargo run -p mulaqat-media --release --example loopback -- --size 1280x720 --fps 30 --seconds 10 --codec h264
//! ```

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use mulaqat_media::devices::TestDevices;
use mulaqat_media::{
    EngineSettings, MediaEngine, MediaEvent, PeerConfig, PeerId, Quality, TrackId, VideoCodec,
};

#[derive(Debug, Parser)]
struct Args {
    /// Frame size: 640x360, 1280x720, 1920x1080 or 3840x2160.
    #[arg(long, default_value = "640x360")]
    size: String,
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// How long to run after the first frame arrives.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// h264, h265 or vp8.
    #[arg(long, default_value = "h264")]
    codec: String,
    /// Pin an encoder element (e.g. openh264enc).
    #[arg(long)]
    encoder: Option<String>,
}

fn quality(size: &str) -> Result<Quality> {
    let (w, h) = size.split_once('x').context("--size is WIDTHxHEIGHT")?;
    let (w, h): (u32, u32) = (w.parse()?, h.parse()?);
    Quality::ALL
        .into_iter()
        .find(|q| q.resolution().width == w && q.resolution().height == h)
        .with_context(|| {
            format!("--size must be one of 640x360, 1280x720, 1920x1080, 3840x2160, not {size}")
        })
}

fn codec(name: &str) -> Result<VideoCodec> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "h264" => VideoCodec::H264,
        "h265" => VideoCodec::H265,
        "vp8" => VideoCodec::Vp8,
        other => bail!("--codec must be h264, h265 or vp8, not {other}"),
    })
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rfind(')').map_or("", |i| &stat[i + 2..]);
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn percentile(sorted: &[u32], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    Some(f64::from(sorted[rank]))
}

/// Carries one engine's signalling to the other.
fn relay(mut from: mulaqat_media::EventReceiver, to: MediaEngine, from_id: PeerId) {
    std::thread::spawn(move || {
        while let Some(event) = from.blocking_recv() {
            match event {
                MediaEvent::LocalDescription { description, .. } => {
                    if let Err(e) = to.set_remote_description(&from_id, description) {
                        eprintln!("loopback: {e}");
                    }
                }
                MediaEvent::LocalCandidate { candidate, .. } => {
                    let _ = to.add_ice_candidate(&from_id, candidate);
                }
                MediaEvent::Error { message } => eprintln!("loopback: {from_id}: {message}"),
                _ => {}
            }
        }
    });
}

fn main() -> Result<()> {
    let args = Args::parse();
    let quality = quality(&args.size)?;
    let codec = codec(&args.codec)?;
    let settings = EngineSettings {
        test_devices: TestDevices::Only,
        quality,
        fps: args.fps,
        video_codecs: vec![codec],
        pinned_encoder: args.encoder.clone(),
        stamp_frames: true,
        ..EngineSettings::default()
    };
    let (a, a_events) = MediaEngine::start(settings.clone())?;
    let (b, b_events) = MediaEngine::start(settings)?;
    let (a_id, b_id) = (PeerId("a".into()), PeerId("b".into()));
    relay(a_events, b.clone(), a_id.clone());
    relay(b_events, a.clone(), b_id.clone());

    let started = Instant::now();
    b.add_peer(a_id.clone(), PeerConfig::default())?;
    a.add_peer(
        b_id.clone(),
        PeerConfig {
            initiator: true,
            video_codec: Some(codec),
            ..PeerConfig::default()
        },
    )?;
    let track = TrackId("a:video".into());
    let deadline = started + Duration::from_secs(20);
    while b.frames_received(&track) == 0 {
        if Instant::now() > deadline {
            bail!("no frame arrived within 20 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let first_frame_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _ = b.take_latency_samples(&track);
    let sent_camera = TrackId(mulaqat_media::CAPTURE_TRACK.into());
    let (frames_before, sent_before, cpu_before) = (
        b.frames_received(&track),
        a.frames_received(&sent_camera),
        cpu_ticks(),
    );
    let measure = Instant::now();
    std::thread::sleep(Duration::from_secs(args.seconds));
    let wall = measure.elapsed().as_secs_f64();
    let frames_received = b.frames_received(&track) - frames_before;
    let frames_sent = a.frames_received(&sent_camera) - sent_before;
    let cpu_secs = (cpu_ticks() - cpu_before) as f64 / 100.0;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let mut latencies = b.take_latency_samples(&track);
    latencies.sort_unstable();
    let size = b.track_resolution(&track);
    let result = serde_json::json!({
        "codec": codec.encoding_name(),
        "encoder": a.encoder_in_use(codec),
        "frames_sent": frames_sent,
        "frames_received": frames_received,
        "width": size.map(|s| s.width),
        "height": size.map(|s| s.height),
        "fps_received": frames_received as f64 / wall,
        "latency_ms_p50": percentile(&latencies, 50.0),
        "latency_ms_p95": percentile(&latencies, 95.0),
        "latency_samples": latencies.len(),
        "first_frame_ms": first_frame_ms,
        "cpu_percent": cpu_secs / wall / cores * 100.0,
        "cpu_cores": cores,
        "rss_mb": rss_mb(),
        "seconds": wall,
    });
    a.stop();
    b.stop();
    println!("{result}");
    Ok(())
}
