//! The local side, built when the engine starts: the camera (or the
//! placeholder, or the screen shared in its place) into the camera tee,
//! the self-view and snapshot branches, the microphone, and playback.
//! Owns the `local` parts of the engine's state.

pub(crate) mod camera;
pub(crate) mod input;

use std::collections::HashMap;
use std::sync::Arc;

use gst::prelude::*;

use crate::MediaError;
use crate::devices::{DeviceKind, DeviceWatcher};
use crate::engine::elements::capture;
use crate::engine::elements::frames::{self, LocalPreview, TrackCounters};
use crate::engine::ids::Track;
use crate::engine::settings::EngineSettings;
use crate::engine::state::{CameraInput, State};
use input::link_to_selector;

/// The video input: `selector ! tee`, the placeholder and the camera
/// linked to the selector (the camera active).
struct VideoInput {
    selector: gst::Element,
    tee: gst::Element,
    placeholder_pad: gst::Pad,
    camera: CameraInput,
    /// Counts every frame entering the tee (what is sent).
    captured: Arc<TrackCounters>,
}

/// Builds the local part: camera, placeholder, tee, self-view, snapshot,
/// microphone, playback.
pub(crate) fn build(
    pipeline: &gst::Pipeline,
    devices: &DeviceWatcher,
    settings: &EngineSettings,
) -> Result<State, MediaError> {
    let video = video_input(pipeline, devices, settings)?;
    let LocalPreview {
        elements: self_view,
        counters,
        tile: self_tile,
    } = frames::local_preview(settings, &Track::SelfView, "mulaqat-selfview")?;
    pipeline
        .add_many(&self_view)
        .map_err(|e| MediaError::build("the self-view", e))?;
    gst::Element::link_many(std::iter::once(&video.tee).chain(&self_view))
        .map_err(|e| MediaError::build("the self-view", e))?;
    let snapshot_sink = snapshot_branch(pipeline, &video.tee)?;
    // The echo canceller hears what its probe, before the speaker, hears.
    let probe = capture::echo_probe_name();
    let (audio_tee, mic_valve) = microphone(pipeline, devices, settings, &probe)?;
    let mixer = playback(pipeline, devices, settings, &probe)?;
    let mut tracks = HashMap::new();
    tracks.insert(Track::SelfView, counters);
    tracks.insert(Track::Capture, video.captured);
    Ok(State {
        camera: Some(video.camera),
        camera_generation: 0,
        camera_enabled: true,
        selector: video.selector,
        placeholder_pad: video.placeholder_pad,
        video_tee: video.tee,
        audio_tee,
        mic_valve,
        mixer,
        snapshot_sink,
        video_encoders: HashMap::new(),
        audio_encoder: None,
        screen: None,
        screen_stream: None,
        portal: None,
        peers: HashMap::new(),
        tracks,
        tiles: self_tile
            .map(|tile| (Track::SelfView, tile))
            .into_iter()
            .collect(),
        audio_levels: HashMap::new(),
    })
}

/// `input-selector ! tee`, with the placeholder and the camera (active) on
/// the selector.
fn video_input(
    pipeline: &gst::Pipeline,
    devices: &DeviceWatcher,
    settings: &EngineSettings,
) -> Result<VideoInput, MediaError> {
    let (quality, fps) = (settings.quality, settings.fps);
    let selector = crate::make_element("input-selector", "mulaqat-video-select")?;
    let tee = crate::make_element("tee", "mulaqat-camera-tee")?;
    tee.set_property("allow-not-linked", true);
    pipeline
        .add_many([&selector, &tee])
        .map_err(|e| MediaError::build("the video input", e))?;
    selector
        .link(&tee)
        .map_err(|e| MediaError::build("the video input", e))?;
    let captured = Arc::new(TrackCounters::new());
    frames::count_frames(&tee, captured.clone());

    let placeholder = capture::placeholder_bin(quality, fps)?;
    pipeline
        .add(&placeholder)
        .map_err(|e| MediaError::build("the camera placeholder", e))?;
    let placeholder_pad = link_to_selector(&placeholder, &selector, "the camera placeholder")?;

    let device = settings
        .camera
        .clone()
        .unwrap_or_else(|| devices.default_device(DeviceKind::Camera).id);
    let bin = capture::camera_bin(devices, &device, quality, fps, "mulaqat-camera-0")?;
    if settings.stamp_frames {
        camera::stamp_camera(&bin);
    }
    pipeline
        .add(&bin)
        .map_err(|e| MediaError::build("the camera input", e))?;
    let selector_pad = link_to_selector(&bin, &selector, "the camera input")?;
    selector.set_property("active-pad", &selector_pad);
    Ok(VideoInput {
        selector,
        tee,
        placeholder_pad,
        camera: CameraInput {
            device,
            bin,
            selector_pad,
        },
        captured,
    })
}

/// The snapshot branch off the camera tee: the newest frame, full size.
fn snapshot_branch(
    pipeline: &gst::Pipeline,
    tee: &gst::Element,
) -> Result<gst_app::AppSink, MediaError> {
    let queue = capture::leaky_queue("mulaqat-snapshot-queue", 1)?;
    let sink = capture::latest_only_sink("mulaqat-snapshot-sink", None)?;
    pipeline
        .add_many([&queue, sink.upcast_ref()])
        .map_err(|e| MediaError::build("the snapshot branch", e))?;
    gst::Element::link_many([tee, &queue, sink.upcast_ref()])
        .map_err(|e| MediaError::build("the snapshot branch", e))?;
    Ok(sink)
}

/// The microphone through its processing into the mic tee: the tee and
/// the mute valve.
fn microphone(
    pipeline: &gst::Pipeline,
    devices: &DeviceWatcher,
    settings: &EngineSettings,
    probe: &str,
) -> Result<(gst::Element, gst::Element), MediaError> {
    let mic_id = settings
        .microphone
        .clone()
        .unwrap_or_else(|| devices.default_device(DeviceKind::Microphone).id);
    let mic = capture::mic_chain(devices, &mic_id, settings.clinical_audio, probe)?;
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
    Ok((audio_tee, mic.valve))
}

/// The speaker's chain, from the mixer every received audio joins: the mixer.
fn playback(
    pipeline: &gst::Pipeline,
    devices: &DeviceWatcher,
    settings: &EngineSettings,
    probe: &str,
) -> Result<gst::Element, MediaError> {
    let speaker_id = settings
        .speaker
        .clone()
        .unwrap_or_else(|| devices.default_device(DeviceKind::Speaker).id);
    let (playback, mixer) = capture::playback_chain(devices, &speaker_id, probe)?;
    pipeline
        .add_many(playback.iter())
        .map_err(|e| MediaError::build("the speaker output", e))?;
    gst::Element::link_many(playback.iter())
        .map_err(|e| MediaError::build("the speaker output", e))?;
    Ok(mixer)
}
