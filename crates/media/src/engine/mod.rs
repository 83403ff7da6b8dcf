//! The running engine: one GStreamer pipeline holding the local capture,
//! one shared encoder per video codec (and one Opus encoder) fanned out to
//! one `webrtcbin` per remote peer, the receive branches, and playback.
//!
//! ```text
//! camera ─┐                                   ┌─ self-view appsink ──► frame sink (local:camera)
//!         input-selector ─ tee ──────────────────┼─ snapshot appsink (newest frame only)
//! placeholder ─┘                              └─ queue ─ scale ─ encoder ─ tee ─┬─ pay ─► webrtcbin (peer A)
//!                                                                               └─ pay ─► webrtcbin (peer B)
//! mic ─ 48k mono ─ webrtcdsp ─ valve(mute) ─ tee ─ opusenc ─ tee ─┬─ pay ─► webrtcbin (peer A) ...
//! webrtcbin src pads ─► depay ─ decode ─ scale ─ NV12 appsink ──► frame sink (<peer>:video)
//!                   └─► depay ─ opusdec ─► audiomixer ─ webrtcechoprobe ─ speaker
//! ```
//! One encoder per codec, not per peer: a 4-person mesh encodes once.

mod capture;
mod dtls;
pub(crate) mod encoding;
mod events;
mod fallback;
mod ice;
mod ids;
mod live_caps;
mod numbering;
mod pacing;
mod peer;
mod receive;
mod recovery;
mod reports;
mod retransmission;
mod screen_feed;
mod screen_stream;
mod sdp;
mod senders;
mod settings;
mod sfu;
mod sharing;
mod snapshot;
mod stats;
mod tiles;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use gst::glib;
use gst::prelude::*;
use tokio::sync::mpsc;

pub use events::{InboundStats, MediaEvent, OutboundStats, ScreenShareEnd, StatsReport};
/// The TURN probe (`crate::turn_probe`) sets its relays the way peers do.
pub(crate) use ice::webrtcbin_url;
pub use ids::{CAPTURE_TRACK, SCREEN_PREVIEW_TRACK, SELF_VIEW_TRACK};
pub use sdp::{RemoteSdp, check_remote_sdp};
pub use settings::{EngineSettings, FrameSink, PeerConfig};

use crate::MediaError;
use crate::devices::{DeviceEvent, DeviceKind, DeviceWatcher};
use crate::types::{
    DeviceId, IceCandidate, PeerId, Resolution, SessionDescription, TrackId, VideoCodec,
};
use ids::Track;

/// Receives the engine's events.
pub type EventReceiver = mpsc::UnboundedReceiver<MediaEvent>;

/// The media engine. Cheap to clone; the pipeline stops when the last clone
/// is dropped or [`MediaEngine::stop`] is called.
#[derive(Clone)]
pub struct MediaEngine {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MediaEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaEngine").finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    pipeline: gst::Pipeline,
    settings: EngineSettings,
    devices: DeviceWatcher,
    encoders: crate::encode::EncoderRegistry,
    /// Taken on stop, which ends the caller's event stream.
    events: Arc<Mutex<Option<mpsc::UnboundedSender<MediaEvent>>>>,
    state: Mutex<State>,
    stopping: AtomicBool,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

struct CameraInput {
    device: DeviceId,
    bin: gst::Bin,
    selector_pad: gst::Pad,
}

pub(crate) struct State {
    camera: Option<CameraInput>,
    /// The screen, while it is shared (it then wins over the camera).
    screen: Option<sharing::ScreenInput>,
    /// The screen while it is published as a stream of its own (SFU).
    screen_stream: Option<screen_stream::ScreenStream>,
    /// The screen the person chose in the desktop portal (Wayland), while
    /// it is shared or about to be.
    portal: Option<sharing::PortalHold>,
    camera_generation: u32,
    camera_enabled: bool,
    selector: gst::Element,
    placeholder_pad: gst::Pad,
    video_tee: gst::Element,
    audio_tee: gst::Element,
    mic_valve: gst::Element,
    mixer: gst::Element,
    snapshot_sink: gst_app::AppSink,
    video_encoders: HashMap<VideoCodec, encoding::VideoEncoder>,
    audio_encoder: Option<encoding::AudioEncoder>,
    peers: HashMap<PeerId, peer::Peer>,
    tracks: HashMap<Track, Arc<receive::TrackCounters>>,
    tiles: HashMap<Track, tiles::Tile>,
    /// The level meter of each peer's audio, by element name.
    audio_levels: HashMap<String, PeerId>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The counters of the track the outside world calls `track`.
    fn counters(&self, track: &TrackId) -> Option<Arc<receive::TrackCounters>> {
        let track = Track::try_from(track).ok()?;
        self.lock().tracks.get(&track).cloned()
    }

    fn emit(&self, event: MediaEvent) {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(events) = events.as_ref() {
            // The receiver may be gone (caller shutting down); nothing to do then.
            let _ = events.send(event);
        }
    }
}

/// The encoder probe results every engine of this process shares (the
/// probe starts on first use, in the background): what the settings
/// screen lists and what engines choose from.
pub fn shared_encoders() -> crate::encode::EncoderRegistry {
    encoding::default_registry()
}

impl MediaEngine {
    /// Builds the pipeline (capture, self-view, playback) and starts it.
    /// Peers are added later with [`MediaEngine::add_peer`].
    pub fn start(settings: EngineSettings) -> Result<(MediaEngine, EventReceiver), MediaError> {
        crate::init()?;
        make_dtls_certificate();
        let (sender, receiver) = mpsc::unbounded_channel();
        let events = Arc::new(Mutex::new(Some(sender)));
        let device_events = events.clone();
        let devices = DeviceWatcher::start(settings.test_devices, move |event| {
            let events = device_events.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(events) = events.as_ref() {
                let _ = events.send(match event {
                    DeviceEvent::Added(device) => MediaEvent::DeviceAdded { device },
                    DeviceEvent::Removed(device) => MediaEvent::DeviceRemoved { device },
                });
            }
        })?;
        let pipeline = gst::Pipeline::with_name("mulaqat");
        let state = build_local(&pipeline, &devices, &settings)?;
        let encoders = settings
            .encoders
            .clone()
            .unwrap_or_else(encoding::default_registry);
        let shared = Arc::new(Shared {
            pipeline,
            settings,
            devices,
            encoders,
            events,
            state: Mutex::new(state),
            stopping: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
        });
        shared
            .pipeline
            .set_state(gst::State::Playing)
            .map_err(|_| MediaError::Pipeline(pipeline_error(&shared.pipeline)))?;
        if let Some(camera) = &shared.lock().camera {
            watch_camera_end(Arc::downgrade(&shared), &camera.bin);
        }
        spawn(&shared, "mulaqat-bus", watch_bus)?;
        spawn(&shared, "mulaqat-stats", stats::run)?;
        tracing::info!(quality = ?shared.settings.quality, "media engine started");
        Ok((MediaEngine { shared }, receiver))
    }

    /// Adds a remote peer: links our audio and video to a new `webrtcbin`.
    /// The initiator sends an offer (as [`MediaEvent::LocalDescription`]).
    pub fn add_peer(&self, peer: PeerId, config: PeerConfig) -> Result<(), MediaError> {
        peer::add(&self.shared, peer, config, ids::Role::Mesh)
    }

    /// SFU: adds a send-only connection that publishes our video and audio;
    /// it offers (as [`MediaEvent::LocalDescription`] for `peer`), and the
    /// SFU's answer goes in with [`MediaEngine::set_remote_description`].
    pub fn add_publication(&self, peer: PeerId, config: PeerConfig) -> Result<(), MediaError> {
        sfu::add_publication(&self.shared, peer, config)
    }

    /// SFU: adds a send-only connection that publishes the screen as a
    /// stream of its own (video only, at least 720p, 15 frames a second),
    /// next to the camera's publication; it offers as
    /// [`MediaEngine::add_publication`] does. While it runs, the preview
    /// track [`SCREEN_PREVIEW_TRACK`] shows what is sent. Removing the peer
    /// stops the capture; a capture that fails removes the peer and reports
    /// [`MediaEvent::ScreenShareEnded`].
    pub fn add_screen_publication(
        &self,
        peer: PeerId,
        config: PeerConfig,
    ) -> Result<(), MediaError> {
        sfu::add_screen_publication(&self.shared, peer, config)
    }

    /// SFU: adds a receive-only connection for the SFU's `offer` of one
    /// feed and answers it (as [`MediaEvent::LocalDescription`] for `peer`).
    /// Name `peer` after the feed's participant: its tracks are
    /// `<peer>:video` and `<peer>:audio`, as from a mesh peer.
    pub fn add_subscription(
        &self,
        peer: PeerId,
        config: PeerConfig,
        offer: String,
    ) -> Result<(), MediaError> {
        sfu::add_subscription(&self.shared, peer, config, offer)
    }

    /// Replaces the connection to a peer with a new one set up the same way
    /// (new ICE credentials, new DTLS handshake): what a restart of ICE does,
    /// for a connection that failed or whose network changed.
    pub fn restart_peer(&self, peer: &PeerId) -> Result<(), MediaError> {
        peer::restart(&self.shared, peer)
    }

    /// Removes a peer and its tracks.
    pub fn remove_peer(&self, peer: &PeerId) {
        peer::remove(&self.shared, peer);
    }

    /// Applies the peer's offer (then answers) or answer.
    pub fn set_remote_description(
        &self,
        peer: &PeerId,
        description: SessionDescription,
    ) -> Result<(), MediaError> {
        peer::set_remote_description(&self.shared, peer, description)
    }

    /// Adds a trickled candidate from the peer.
    pub fn add_ice_candidate(
        &self,
        peer: &PeerId,
        candidate: IceCandidate,
    ) -> Result<(), MediaError> {
        peer::add_ice_candidate(&self.shared, peer, candidate)
    }

    /// Mutes or unmutes the microphone: while muted no audio packets are sent.
    pub fn set_microphone_muted(&self, muted: bool) {
        self.shared.lock().mic_valve.set_property("drop", muted);
    }

    /// Turns the camera off (peers see the placeholder) or back on.
    pub fn set_camera_enabled(&self, enabled: bool) -> Result<(), MediaError> {
        let mut state = self.shared.lock();
        state.camera_enabled = enabled;
        select_video_input(&state);
        Ok(())
    }

    /// Switches to another camera without renegotiating with anyone.
    pub fn switch_camera(&self, camera: &DeviceId) -> Result<(), MediaError> {
        switch_camera(&self.shared, camera)
    }

    /// Whether `other` is a clone of this engine.
    pub fn is_same(&self, other: &MediaEngine) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The devices there are now.
    pub fn devices(&self) -> Vec<crate::devices::DeviceInfo> {
        self.shared.devices.list()
    }

    /// Writes the newest camera frame, at full capture resolution, to `path`
    /// as PNG (`.png`) or JPEG at quality 95 (anything else).
    pub fn snapshot(&self, path: &std::path::Path) -> Result<Resolution, MediaError> {
        let sink = self.shared.lock().snapshot_sink.clone();
        snapshot::capture(&sink, path)
    }

    /// Capture-to-display delays seen on `track`, in milliseconds, since the
    /// last call (needs [`EngineSettings::stamp_frames`] on both sides).
    pub fn take_latency_samples(&self, track: &TrackId) -> Vec<u32> {
        self.shared
            .counters(track)
            .map(|c| c.take_latencies())
            .unwrap_or_default()
    }

    /// Frames received on `track` so far.
    pub fn frames_received(&self, track: &TrackId) -> u64 {
        self.shared.counters(track).map_or(0, |c| c.frames())
    }

    /// The size of the newest frame on `track`.
    pub fn track_resolution(&self, track: &TrackId) -> Option<Resolution> {
        self.shared.counters(track).and_then(|c| c.size())
    }

    /// The encoder in use for `codec`, if one runs.
    pub fn encoder_in_use(&self, codec: VideoCodec) -> Option<String> {
        self.shared
            .lock()
            .video_encoders
            .get(&codec)
            .map(|e| e.element_name().to_owned())
    }

    /// Stops everything and releases the devices.
    pub fn stop(&self) {
        stop(&self.shared);
    }
}

/// The DTLS certificate is made on first use and takes a few hundred
/// milliseconds: make it while the engine starts, once per process, not when
/// the first call connects.
fn make_dtls_certificate() {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| drop(gst::ElementFactory::make("dtlssrtpdec").build()));
}

impl Drop for Shared {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
        tracing::debug!("media pipeline released");
    }
}

fn stop(shared: &Arc<Shared>) {
    if shared.stopping.swap(true, Ordering::SeqCst) {
        return;
    }
    // The whole pipeline at once: GStreamer stops it sinks first, which is
    // safe where taking peers apart one by one under a running pipeline is not.
    set_null_with_children(shared.pipeline.upcast_ref());
    let peers: Vec<PeerId> = {
        let mut state = shared.lock();
        state.tracks.clear();
        state.tiles.clear();
        // Their captures run in pipelines of their own: dropped, they stop.
        state.screen = None;
        state.screen_stream = None;
        state.peers.drain().map(|(id, _)| id).collect()
    };
    for peer in peers {
        shared.emit(MediaEvent::PeerState {
            peer,
            state: crate::types::PeerState::Closed,
        });
    }
    let threads = std::mem::take(
        &mut *shared
            .threads
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    for thread in threads {
        let _ = thread.join();
    }
    crate::end_idle_threads();
    shared
        .events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    tracing::info!("media engine stopped");
}

/// Sets `element` to NULL, then every element that was inside it. A bin
/// skips children whose state is locked, and `webrtcbin` (1.22) locks its
/// DTLS sending bin until the connection is up, and takes its transports
/// out of itself while it stops: a connection taken down on a dead link
/// left that bin running, and its DTLS encoder's thread with it, for the
/// life of the process. The children are listed before the stop, so the
/// ones taken out are reached too.
fn set_null_with_children(element: &gst::Element) {
    let children: Vec<gst::Element> = element
        .downcast_ref::<gst::Bin>()
        .map(|bin| bin.iterate_recurse().into_iter().flatten().collect())
        .unwrap_or_default();
    let _ = element.set_state(gst::State::Null);
    for child in children {
        if child.current_state() != gst::State::Null {
            let _ = child.set_state(gst::State::Null);
        }
    }
}

fn spawn(shared: &Arc<Shared>, name: &str, body: fn(Weak<Shared>)) -> Result<(), MediaError> {
    let weak = Arc::downgrade(shared);
    let handle = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || body(weak))
        .map_err(|source| MediaError::Io {
            what: format!("starting thread {name}"),
            source,
        })?;
    shared
        .threads
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(handle);
    Ok(())
}

fn pipeline_error(pipeline: &gst::Pipeline) -> String {
    let bus = pipeline.bus();
    let found = bus.and_then(|bus| bus.pop_filtered(&[gst::MessageType::Error]));
    match found.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Error(e)) => format!("{} ({:?})", e.error(), e.debug()),
        _ => "it refused to start".into(),
    }
}

/// Builds the local part: camera, placeholder, tee, self-view, snapshot,
/// microphone, playback.
fn build_local(
    pipeline: &gst::Pipeline,
    devices: &DeviceWatcher,
    settings: &EngineSettings,
) -> Result<State, MediaError> {
    let quality = settings.quality;
    let fps = settings.fps;
    let selector = crate::make_element("input-selector", "mulaqat-video-select")?;
    let video_tee = crate::make_element("tee", "mulaqat-camera-tee")?;
    video_tee.set_property("allow-not-linked", true);
    pipeline
        .add_many([&selector, &video_tee])
        .map_err(|e| MediaError::build("the video input", e))?;
    selector
        .link(&video_tee)
        .map_err(|e| MediaError::build("the video input", e))?;
    let captured = Arc::new(receive::TrackCounters::new());
    receive::count_frames(&video_tee, captured.clone());

    let placeholder = capture::placeholder_bin(quality, fps)?;
    pipeline
        .add(&placeholder)
        .map_err(|e| MediaError::build("the camera placeholder", e))?;
    let placeholder_pad = link_to_selector(&placeholder, &selector, "the camera placeholder")?;

    let camera_id = settings
        .camera
        .clone()
        .unwrap_or_else(|| devices.default_device(DeviceKind::Camera).id);
    let bin = capture::camera_bin(devices, &camera_id, quality, fps, "mulaqat-camera-0")?;
    if settings.stamp_frames {
        stamp_camera(&bin);
    }
    pipeline
        .add(&bin)
        .map_err(|e| MediaError::build("the camera input", e))?;
    let selector_pad = link_to_selector(&bin, &selector, "the camera input")?;
    selector.set_property("active-pad", &selector_pad);

    // Self-view: an NV12 copy for the UI, at the size its tile asks for.
    let receive::LocalPreview {
        elements: self_view,
        counters,
        tile: self_tile,
    } = receive::local_preview(settings, &Track::SelfView, "mulaqat-selfview")?;
    let snapshot_queue = capture::leaky_queue("mulaqat-snapshot-queue", 1)?;
    let snapshot_sink = capture::latest_only_sink("mulaqat-snapshot-sink", None)?;
    pipeline
        .add_many(&self_view)
        .map_err(|e| MediaError::build("the self-view", e))?;
    pipeline
        .add_many([&snapshot_queue, snapshot_sink.upcast_ref()])
        .map_err(|e| MediaError::build("the snapshot branch", e))?;
    gst::Element::link_many(std::iter::once(&video_tee).chain(&self_view))
        .map_err(|e| MediaError::build("the self-view", e))?;
    gst::Element::link_many([&video_tee, &snapshot_queue, snapshot_sink.upcast_ref()])
        .map_err(|e| MediaError::build("the snapshot branch", e))?;

    // Microphone.
    let mic_id = settings
        .microphone
        .clone()
        .unwrap_or_else(|| devices.default_device(DeviceKind::Microphone).id);
    let probe = capture::echo_probe_name();
    let mic = capture::mic_chain(devices, &mic_id, settings.clinical_audio, &probe)?;
    let audio_tee = crate::make_element("tee", "mulaqat-mic-tee")?;
    audio_tee.set_property("allow-not-linked", true);
    let mut mic_elements: Vec<&gst::Element> = mic.elements.iter().collect();
    mic_elements.push(&audio_tee);
    pipeline
        .add_many(mic_elements.iter().copied())
        .map_err(|e| MediaError::build("the microphone input", e))?;
    gst::Element::link_many(mic_elements.iter().copied())
        .map_err(|e| MediaError::build("the microphone input", e))?;
    if mic.dsp.is_some() {
        tracing::debug!("echo cancellation, noise suppression and gain control on");
    }

    // Playback.
    let speaker_id = settings
        .speaker
        .clone()
        .unwrap_or_else(|| devices.default_device(DeviceKind::Speaker).id);
    let (playback, mixer) = capture::playback_chain(devices, &speaker_id, &probe)?;
    pipeline
        .add_many(playback.iter())
        .map_err(|e| MediaError::build("the speaker output", e))?;
    gst::Element::link_many(playback.iter())
        .map_err(|e| MediaError::build("the speaker output", e))?;

    let mut tracks = HashMap::new();
    tracks.insert(Track::SelfView, counters);
    tracks.insert(Track::Capture, captured);
    Ok(State {
        camera: Some(CameraInput {
            device: camera_id,
            bin,
            selector_pad,
        }),
        screen: None,
        screen_stream: None,
        portal: None,
        camera_generation: 0,
        camera_enabled: true,
        selector,
        placeholder_pad,
        video_tee,
        audio_tee,
        mic_valve: mic.valve,
        mixer,
        snapshot_sink,
        video_encoders: HashMap::new(),
        audio_encoder: None,
        peers: HashMap::new(),
        tracks,
        tiles: self_tile
            .map(|tile| (Track::SelfView, tile))
            .into_iter()
            .collect(),
        audio_levels: HashMap::new(),
    })
}

/// A camera that ends its stream (unplugged, or a driver that gives up)
/// must not end ours: swallow its end-of-stream and switch to the placeholder.
fn watch_camera_end(shared_weak: Weak<Shared>, bin: &gst::Bin) {
    let Some(src) = bin.static_pad("src") else {
        return;
    };
    src.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
        if let Some(gst::PadProbeData::Event(event)) = &info.data
            && event.type_() == gst::EventType::Eos
        {
            let weak = shared_weak.clone();
            // Not on the streaming thread: switching removes this very bin.
            std::thread::spawn(move || {
                if let Some(shared) = weak.upgrade() {
                    camera_lost(&shared, "the camera stopped sending pictures".into());
                }
            });
            // Handled, not Drop: see `live_caps::keep_to_the_branch`.
            return gst::PadProbeReturn::Handled;
        }
        gst::PadProbeReturn::Ok
    });
}

/// Latency stamps go into the camera's own frames, right at the source.
fn stamp_camera(bin: &gst::Bin) {
    if let Some(src) = bin.iterate_sources().into_iter().flatten().next() {
        receive::stamp_outgoing(&src);
    }
}

/// Links `input` (a camera bin, the placeholder, the screen's feed) to a
/// new pad of the video input `selector`, and gives that pad.
fn link_to_selector(
    input: &impl IsA<gst::Element>,
    selector: &gst::Element,
    what: &str,
) -> Result<gst::Pad, MediaError> {
    let pad = selector
        .request_pad_simple("sink_%u")
        .ok_or_else(|| MediaError::build(what, "input-selector gave no pad"))?;
    let src = input
        .static_pad("src")
        .ok_or_else(|| MediaError::build(what, "no src pad"))?;
    src.link(&pad).map_err(|e| MediaError::build(what, e))?;
    Ok(pad)
}

/// Shows the shared screen, else the camera if there is one and it is on,
/// else the placeholder.
fn select_video_input(state: &State) {
    let pad = match (&state.screen, &state.camera, state.camera_enabled) {
        (Some(screen), _, _) if screen.live => &screen.selector_pad,
        (None, Some(camera), true) => &camera.selector_pad,
        _ => &state.placeholder_pad,
    };
    state.selector.set_property("active-pad", pad);
}

fn switch_camera(shared: &Arc<Shared>, camera: &DeviceId) -> Result<(), MediaError> {
    let settings = &shared.settings;
    let mut state = shared.lock();
    state.camera_generation += 1;
    let name = format!("mulaqat-camera-{}", state.camera_generation);
    let bin = capture::camera_bin(
        &shared.devices,
        camera,
        settings.quality,
        settings.fps,
        &name,
    )?;
    if settings.stamp_frames {
        stamp_camera(&bin);
    }
    shared
        .pipeline
        .add(&bin)
        .map_err(|e| MediaError::build("the new camera", e))?;
    let selector_pad = match link_to_selector(&bin, &state.selector, "the new camera") {
        Ok(pad) => pad,
        Err(e) => {
            let _ = shared.pipeline.remove(&bin);
            return Err(e);
        }
    };
    watch_camera_end(Arc::downgrade(shared), &bin);
    if bin.sync_state_with_parent().is_err() {
        let _ = bin.set_state(gst::State::Null);
        let _ = shared.pipeline.remove(&bin);
        state.selector.release_request_pad(&selector_pad);
        return Err(MediaError::Pipeline(format!(
            "the camera {camera} did not start"
        )));
    }
    let old = state.camera.replace(CameraInput {
        device: camera.clone(),
        bin,
        selector_pad,
    });
    select_video_input(&state);
    if let Some(old) = old {
        release_camera(shared, &state.selector, old);
    }
    tracing::info!(%camera, "camera switched");
    Ok(())
}

fn release_camera(shared: &Shared, selector: &gst::Element, old: CameraInput) {
    let _ = old.bin.set_state(gst::State::Null);
    let _ = shared.pipeline.remove(&old.bin);
    selector.release_request_pad(&old.selector_pad);
}

/// The camera failed or was unplugged: show the placeholder and say so.
fn camera_lost(shared: &Arc<Shared>, reason: String) {
    let mut state = shared.lock();
    let Some(old) = state.camera.take() else {
        return;
    };
    select_video_input(&state);
    let device = old.device.clone();
    release_camera(shared, &state.selector, old);
    drop(state);
    tracing::warn!(%device, %reason, "camera lost; sending the placeholder");
    shared.emit(MediaEvent::CameraLost { device, reason });
}

fn watch_bus(weak: Weak<Shared>) {
    let Some(bus) = weak.upgrade().and_then(|s| s.pipeline.bus()) else {
        return;
    };
    loop {
        let msg = bus.timed_pop(gst::ClockTime::from_mseconds(100));
        let Some(shared) = weak.upgrade() else { return };
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        let Some(msg) = msg else { continue };
        match msg.view() {
            gst::MessageView::Error(err) => {
                let source = msg
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                let text = format!("{} ({})", err.error(), source);
                tracing::debug!(debug = ?err.debug(), "pipeline error: {text}");
                if source.contains("mulaqat-camera") {
                    camera_lost(&shared, err.error().to_string());
                } else if screen_stream::is_screen_stream(&source) {
                    if let Some(peer) = screen_stream::publishing_peer(&shared) {
                        peer::remove(&shared, &peer);
                        sharing::forget_portal_screen(&shared);
                        shared.emit(MediaEvent::ScreenShareEnded {
                            cause: ScreenShareEnd::Failed,
                            reason: err.error().to_string(),
                        });
                    }
                } else if source.contains("mulaqat-screen") && sharing::lost(&shared) {
                    sharing::forget_portal_screen(&shared);
                    shared.emit(MediaEvent::ScreenShareEnded {
                        cause: ScreenShareEnd::Failed,
                        reason: err.error().to_string(),
                    });
                } else {
                    shared.emit(MediaEvent::Error { message: text });
                }
            }
            gst::MessageView::Element(element) => {
                if let Some(event) = level_event(&shared, &msg, element) {
                    shared.emit(event);
                }
            }
            gst::MessageView::Warning(w) => {
                tracing::debug!("pipeline warning: {} ({:?})", w.error(), w.debug())
            }
            _ => {}
        }
        if let Some(device) = removed_camera(&shared) {
            camera_lost(&shared, format!("{device} was unplugged"));
        }
        if sharing::portal_ended_by_desktop(&shared) {
            sharing::ended_by_desktop(&shared);
        }
    }
}

/// A `level` element's report as an event: the microphone's level, or a peer's.
fn level_event(
    shared: &Shared,
    msg: &gst::Message,
    element: &gst::message::Element,
) -> Option<MediaEvent> {
    let s = element.structure()?;
    if s.name() != "level" {
        return None;
    }
    let name = msg.src()?.name();
    let linear = |field: &str| {
        let db = s
            .get::<glib::ValueArray>(field)
            .ok()?
            .iter()
            .filter_map(|v| v.get::<f64>().ok())
            .fold(f64::NEG_INFINITY, f64::max);
        Some(if db.is_finite() {
            10f64.powf(db / 20.0).clamp(0.0, 1.0)
        } else {
            0.0
        })
    };
    let (level, peak) = (linear("rms")?, linear("peak")?);
    if name == capture::MIC_LEVEL {
        return Some(MediaEvent::MicLevel { level, peak });
    }
    let peer = shared.lock().audio_levels.get(name.as_str()).cloned()?;
    Some(MediaEvent::AudioLevel { peer, level })
}

/// The current camera, if it is a real device that the watcher no longer lists.
fn removed_camera(shared: &Shared) -> Option<DeviceId> {
    let device = shared.lock().camera.as_ref().map(|c| c.device.clone())?;
    shared.devices.find(&device).is_none().then_some(device)
}

/// Stats thread period.
pub(crate) const STATS_PERIOD: Duration = Duration::from_secs(1);
