//! The camera: switching to another one without renegotiating, and what
//! happens when it is lost (the placeholder goes out instead).

use std::sync::{Arc, Weak};

use gst::prelude::*;

use super::input::{link_to_selector, select_video_input};
use crate::MediaError;
use crate::engine::elements::{capture, frames};
use crate::engine::events::MediaEvent;
use crate::engine::state::{CameraInput, Shared, State};
use crate::types::DeviceId;

/// A camera that ends its stream (unplugged, or a driver that gives up)
/// must not end ours: swallow its end-of-stream and switch to the placeholder.
pub(crate) fn watch_camera_end(shared_weak: Weak<Shared>, bin: &gst::Bin) {
    let Some(src) = bin.static_pad("src") else {
        return;
    };
    src.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
        if let Some(gst::PadProbeData::Event(event)) = &info.data
            && event.type_() == gst::EventType::Eos
        {
            // Not on the streaming thread: switching removes this very bin.
            if let Some(shared) = shared_weak.upgrade() {
                shared.post(|shared, state| {
                    camera_lost(shared, state, "the camera stopped sending pictures".into());
                });
            }
            // Handled, not Drop: see `live_caps::keep_to_the_branch`.
            return gst::PadProbeReturn::Handled;
        }
        gst::PadProbeReturn::Ok
    });
}

/// Latency stamps go into the camera's own frames, right at the source.
pub(crate) fn stamp_camera(bin: &gst::Bin) {
    if let Some(src) = bin.iterate_sources().into_iter().flatten().next() {
        frames::stamp_outgoing(&src);
    }
}

/// Switches to `camera`: its bin is built, linked and started beside the
/// old one, then the selector moves to it and the old one goes.
pub(crate) fn switch_camera(
    shared: &Arc<Shared>,
    state: &mut State,
    camera: &DeviceId,
) -> Result<(), MediaError> {
    let settings = &shared.settings;
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
    select_video_input(state);
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
pub(crate) fn camera_lost(shared: &Shared, state: &mut State, reason: String) {
    let Some(old) = state.camera.take() else {
        return;
    };
    select_video_input(state);
    let device = old.device.clone();
    release_camera(shared, &state.selector, old);
    tracing::warn!(%device, %reason, "camera lost; sending the placeholder");
    shared.emit(MediaEvent::CameraLost { device, reason });
}

/// The current camera, if it is a real device that the watcher no longer lists.
pub(crate) fn removed_camera(shared: &Shared, state: &State) -> Option<DeviceId> {
    let device = state.camera.as_ref().map(|c| c.device.clone())?;
    shared.devices.find(&device).is_none().then_some(device)
}
