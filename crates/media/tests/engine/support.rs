//! A two-engine call with in-process signalling.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mulaqat_media::devices::TestDevices;
use mulaqat_media::{
    EngineSettings, FrameSink, MediaEngine, MediaEvent, PeerConfig, PeerId, Quality, StatsReport,
    TrackId, VideoCodec,
};

/// The newest frame seen on each track: (width, height, NV12 bytes).
pub type LatestFrames = Arc<Mutex<std::collections::HashMap<String, (u32, u32, Arc<[u8]>)>>>;

pub struct Side {
    pub engine: MediaEngine,
    pub events: mpsc::Receiver<MediaEvent>,
    pub frames: LatestFrames,
    pub descriptions_sent: Arc<Mutex<u32>>,
}

pub struct Call {
    pub a: Side,
    pub b: Side,
    /// Calls run one at a time: each is two real-time pipelines, and
    /// frame-rate checks mean nothing when the two cores are shared out.
    _serial: std::sync::MutexGuard<'static, ()>,
}

static SERIAL: Mutex<()> = Mutex::new(());

/// Held while two engines run: see [`Call`].
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Drop for Call {
    /// Stops both engines: their relay threads hold each other's engine, so
    /// without this the pipelines would keep running into the next test.
    fn drop(&mut self) {
        self.a.engine.stop();
        self.b.engine.stop();
    }
}

pub fn settings(
    quality: Quality,
    codecs: Vec<VideoCodec>,
    frames: &LatestFrames,
) -> EngineSettings {
    let frames = frames.clone();
    let sink: FrameSink = Arc::new(move |track: &TrackId, w, h, _ts, data| {
        frames
            .lock()
            .unwrap()
            .insert(track.to_string(), (w, h, data));
    });
    EngineSettings {
        test_devices: TestDevices::Only,
        quality,
        video_codecs: codecs,
        frame_sink: Some(sink),
        ..EngineSettings::default()
    }
}

/// Changes a description or a candidate on its way (a man in the middle,
/// a browser hiding its addresses), or passes it.
pub type Tamper = fn(String) -> String;

/// What a relay changes on its way: descriptions, candidates.
#[derive(Clone, Copy, Default)]
pub struct Tampering {
    pub descriptions: Option<Tamper>,
    pub candidates: Option<Tamper>,
}

fn relay(
    mut from: mulaqat_media::EventReceiver,
    to: MediaEngine,
    from_id: PeerId,
    rest: mpsc::Sender<MediaEvent>,
    (descriptions, tamper): (Arc<Mutex<u32>>, Tampering),
) {
    std::thread::spawn(move || {
        while let Some(event) = from.blocking_recv() {
            match event {
                MediaEvent::LocalDescription {
                    mut description, ..
                } => {
                    *descriptions.lock().unwrap() += 1;
                    if let Some(tamper) = tamper.descriptions {
                        description.sdp = tamper(description.sdp);
                    }
                    to.set_remote_description(&from_id, description)
                        .expect("remote description applies");
                }
                MediaEvent::LocalCandidate { mut candidate, .. } => {
                    if let Some(tamper) = tamper.candidates {
                        candidate.candidate = tamper(candidate.candidate);
                    }
                    let _ = to.add_ice_candidate(&from_id, candidate);
                }
                other => {
                    let _ = rest.send(other);
                }
            }
        }
    });
}

impl Call {
    /// A (initiator, peer id "a") calls B (peer id "b").
    pub fn start(
        a: EngineSettings,
        b: EngineSettings,
        codec: Option<VideoCodec>,
        a_frames: LatestFrames,
        b_frames: LatestFrames,
    ) -> Call {
        Call::start_tampered(a, b, codec, (a_frames, b_frames), None)
    }

    /// As [`Call::start`], with B's descriptions changed by `tamper` on
    /// their way to A.
    pub fn start_tampered(
        a: EngineSettings,
        b: EngineSettings,
        codec: Option<VideoCodec>,
        frames: (LatestFrames, LatestFrames),
        tamper: Option<Tamper>,
    ) -> Call {
        let b_to_a = Tampering {
            descriptions: tamper,
            candidates: None,
        };
        Call::start_changed(a, b, codec, frames, (Tampering::default(), b_to_a))
    }

    /// As [`Call::start`], with what each sends changed on its way to the
    /// other: A's as the first of `tampering` says, B's as the second.
    pub fn start_changed(
        a: EngineSettings,
        b: EngineSettings,
        codec: Option<VideoCodec>,
        (a_frames, b_frames): (LatestFrames, LatestFrames),
        (a_to_b, b_to_a): (Tampering, Tampering),
    ) -> Call {
        let serial = one_at_a_time();
        let (a_engine, a_events) = MediaEngine::start(a).expect("engine a starts");
        let (b_engine, b_events) = MediaEngine::start(b).expect("engine b starts");
        let (a_rest_tx, a_rest) = mpsc::channel();
        let (b_rest_tx, b_rest) = mpsc::channel();
        let a_desc = Arc::new(Mutex::new(0));
        let b_desc = Arc::new(Mutex::new(0));
        relay(
            a_events,
            b_engine.clone(),
            PeerId("a".into()),
            a_rest_tx,
            (a_desc.clone(), a_to_b),
        );
        relay(
            b_events,
            a_engine.clone(),
            PeerId("b".into()),
            b_rest_tx,
            (b_desc.clone(), b_to_a),
        );
        b_engine
            .add_peer(PeerId("a".into()), PeerConfig::default())
            .expect("b adds a");
        a_engine
            .add_peer(
                PeerId("b".into()),
                PeerConfig {
                    initiator: true,
                    video_codec: codec,
                    ..PeerConfig::default()
                },
            )
            .expect("a adds b");
        Call {
            a: Side {
                engine: a_engine,
                events: a_rest,
                frames: a_frames,
                descriptions_sent: a_desc,
            },
            b: Side {
                engine: b_engine,
                events: b_rest,
                frames: b_frames,
                descriptions_sent: b_desc,
            },
            _serial: serial,
        }
    }

    pub fn simple(quality: Quality, codecs: Vec<VideoCodec>) -> Call {
        let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
        let codec = codecs.first().copied();
        Call::start(
            settings(quality, codecs.clone(), &fa),
            settings(quality, codecs, &fb),
            codec,
            fa,
            fb,
        )
    }
}

/// Waits until `track` on `engine` has received `count` frames.
pub fn wait_frames(engine: &MediaEngine, track: &str, count: u64, within: Duration) -> bool {
    let track = TrackId(track.into());
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if engine.frames_received(&track) >= count {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Waits until the newest frame of `track` looks as `looks(mean, variance)`
/// of its luma says; gives the last frame's figures either way (`None`
/// without any frame), for the caller's assertion to show.
pub fn wait_for_picture(
    frames: &LatestFrames,
    track: &str,
    looks: impl Fn(f64, f64) -> bool,
) -> Option<(f64, f64)> {
    let deadline = Instant::now() + PICTURE_WAIT;
    loop {
        let last = luma_stats(frames, track);
        let done = last.is_some_and(|(mean, variance)| looks(mean, variance));
        if done || Instant::now() >= deadline {
            return last;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How long a change of picture (camera off, screen shared) may take to
/// reach the other side.
pub const PICTURE_WAIT: Duration = Duration::from_secs(10);

/// Frames per second on `track` over `window`.
pub fn measure_fps(engine: &MediaEngine, track: &str, window: Duration) -> f64 {
    let track = TrackId(track.into());
    let before = engine.frames_received(&track);
    let start = Instant::now();
    std::thread::sleep(window);
    (engine.frames_received(&track) - before) as f64 / start.elapsed().as_secs_f64()
}

/// The next stats report from `side`.
pub fn next_stats(side: &Side) -> StatsReport {
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Ok(event) = side
        .events
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        if let MediaEvent::Stats { report } = event {
            return report;
        }
    }
    panic!("no stats within 5 s")
}

/// Mean and variance of the luma of the newest frame on `track`.
pub fn luma_stats(frames: &LatestFrames, track: &str) -> Option<(f64, f64)> {
    let frames = frames.lock().unwrap();
    let (w, h, data) = frames.get(track)?;
    let luma = &data[..(*w as usize * *h as usize)];
    let n = luma.len() as f64;
    let mean = luma.iter().map(|v| f64::from(*v)).sum::<f64>() / n;
    let var = luma
        .iter()
        .map(|v| (f64::from(*v) - mean).powi(2))
        .sum::<f64>()
        / n;
    Some((mean, var))
}

/// Runs the test `name` (its path in this binary, `module::test`) alone in
/// a new process of this test binary, with `marker` set in its
/// environment, and fails with its output if it fails. For checks that
/// change something process-wide (GStreamer's registry) or count what the
/// process holds (threads, sockets), which the other tests of this binary,
/// running in parallel, would disturb or be disturbed by.
pub fn run_alone(name: &str, marker: &str) {
    let binary = std::env::current_exe().expect("this test binary");
    let run = std::process::Command::new(&binary)
        .args([name, "--exact", "--nocapture", "--include-ignored"])
        .env(marker, "1")
        .output()
        .unwrap_or_else(|e| panic!("{} does not run again: {e}", binary.display()));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && stdout.contains("1 passed"),
        "{name}, run alone, failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
