//! A two-engine call inside one process, connected directly (no server),
//! for measuring: frame rate, glass-to-glass latency read back from
//! timestamps drawn into the frames, time to first frame, CPU and memory.
//! Used by the `loopback` example and the `loopback` benchmark.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::MediaError;
use crate::devices::TestDevices;
use crate::engine::{
    CAPTURE_TRACK, EngineSettings, EventReceiver, MediaEngine, MediaEvent, PeerConfig,
};
use crate::types::{PeerId, Quality, TrackId, VideoCodec};

/// What to run.
#[derive(Debug, Clone)]
pub struct LoopbackOptions {
    /// Sending quality (frame size).
    pub quality: Quality,
    /// Frames per second.
    pub fps: u32,
    /// How long to measure, after the warm-up.
    pub seconds: u64,
    /// The video codec.
    pub codec: VideoCodec,
    /// Pin an encoder element.
    pub encoder: Option<String>,
    /// Time after the first frame before measuring.
    pub warmup: Duration,
}

/// What was measured. Latency is capture to decoded frame, from timestamps
/// drawn into the picture at the sender and read back at the receiver.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LoopbackResult {
    /// The codec.
    pub codec: String,
    /// The encoder element used.
    pub encoder: Option<String>,
    /// Frames captured for sending during the measurement.
    pub frames_sent: u64,
    /// Frames decoded at the receiver during the measurement.
    pub frames_received: u64,
    /// Decoded width.
    pub width: Option<u32>,
    /// Decoded height.
    pub height: Option<u32>,
    /// Frames decoded per second.
    pub fps_received: f64,
    /// Median capture-to-decode delay, milliseconds.
    pub latency_ms_p50: Option<f64>,
    /// 95th percentile capture-to-decode delay, milliseconds.
    pub latency_ms_p95: Option<f64>,
    /// Frames whose timestamp was read back.
    pub latency_samples: usize,
    /// From adding the peers to the first decoded frame, milliseconds.
    pub first_frame_ms: f64,
    /// CPU of the whole process (both engines), percent of all cores.
    pub cpu_percent: f64,
    /// Cores on this machine.
    pub cpu_cores: usize,
    /// Resident memory of the process, MiB.
    pub rss_mb: f64,
    /// Measured seconds.
    pub seconds: f64,
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat
        .rfind(')')
        .and_then(|i| stat.get(i + 2..))
        .unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
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
    sorted.get(rank).map(|v| f64::from(*v))
}

/// Carries one engine's signalling to the other.
fn relay(mut from: EventReceiver, to: MediaEngine, from_id: PeerId) {
    std::thread::spawn(move || {
        while let Some(event) = from.blocking_recv() {
            match event {
                MediaEvent::LocalDescription { description, .. } => {
                    if let Err(e) = to.set_remote_description(&from_id, description) {
                        tracing::warn!("loopback: {e}");
                    }
                }
                MediaEvent::LocalCandidate { candidate, .. } => {
                    let _ = to.add_ice_candidate(&from_id, candidate);
                }
                MediaEvent::Error { message } => tracing::warn!("loopback {from_id}: {message}"),
                _ => {}
            }
        }
    });
}

/// Runs one loopback call and measures it.
pub fn run(options: &LoopbackOptions) -> Result<LoopbackResult, MediaError> {
    // The app probes its encoders at start-up, long before a call: do the
    // same here, so the time to the first frame is the call's alone.
    crate::init()?;
    crate::engine::elements::encoding::default_registry().wait(Duration::from_secs(30));
    let settings = EngineSettings {
        test_devices: TestDevices::Only,
        quality: options.quality,
        fps: options.fps,
        video_codecs: vec![options.codec],
        pinned_encoder: options.encoder.clone(),
        stamp_frames: true,
        ..EngineSettings::default()
    };
    let (a, a_events) = MediaEngine::start(settings.clone())?;
    let (b, b_events) = MediaEngine::start(settings)?;
    let (a_id, b_id) = (PeerId("a".into()), PeerId("b".into()));
    relay(a_events, b.clone(), a_id.clone());
    relay(b_events, a.clone(), b_id.clone());

    let started = Instant::now();
    b.add_peer(a_id, PeerConfig::default())?;
    a.add_peer(
        b_id,
        PeerConfig {
            initiator: true,
            video_codec: Some(options.codec),
            ..PeerConfig::default()
        },
    )?;
    let track = TrackId("a:video".into());
    while b.frames_received(&track) == 0 {
        if started.elapsed() > Duration::from_secs(20) {
            a.stop();
            b.stop();
            return Err(MediaError::Pipeline("no frame arrived within 20 s".into()));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let first_frame_ms = started.elapsed().as_secs_f64() * 1000.0;
    std::thread::sleep(options.warmup);
    let captured = TrackId(CAPTURE_TRACK.into());
    let _ = b.take_latency_samples(&track);
    let (received_before, sent_before, cpu_before) = (
        b.frames_received(&track),
        a.frames_received(&captured),
        cpu_ticks(),
    );
    let measure = Instant::now();
    std::thread::sleep(Duration::from_secs(options.seconds));
    let wall = measure.elapsed().as_secs_f64();
    let frames_received = b.frames_received(&track) - received_before;
    let frames_sent = a.frames_received(&captured) - sent_before;
    // Linux reports CPU time in clock ticks of 1/100 s.
    let cpu_secs = (cpu_ticks() - cpu_before) as f64 / 100.0;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut latencies = b.take_latency_samples(&track);
    latencies.sort_unstable();
    let size = b.track_resolution(&track);
    let result = LoopbackResult {
        codec: options.codec.encoding_name().to_owned(),
        encoder: a.encoder_in_use(options.codec),
        frames_sent,
        frames_received,
        width: size.map(|s| s.width),
        height: size.map(|s| s.height),
        fps_received: frames_received as f64 / wall,
        latency_ms_p50: percentile(&latencies, 50.0),
        latency_ms_p95: percentile(&latencies, 95.0),
        latency_samples: latencies.len(),
        first_frame_ms,
        cpu_percent: cpu_secs / wall / cores as f64 * 100.0,
        cpu_cores: cores,
        rss_mb: rss_mb(),
        seconds: wall,
    };
    a.stop();
    b.stop();
    Ok(result)
}
