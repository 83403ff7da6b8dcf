//! Screen sharing: the screen becomes the video input in place of the
//! camera, at the same size and rate, so nobody renegotiates and every
//! peer (and the self-view) sees it at once. Stopping goes back to the
//! camera, or to the placeholder if the camera is off.

use std::sync::Arc;

use gst::prelude::*;

use super::{Shared, State, capture};
use crate::MediaError;
use crate::screen::{ScreenEnvironment, ScreenSource, choose_screen_source};
use crate::types::{Quality, Resolution};

/// The screen capture feeding the input selector.
pub(super) struct ScreenInput {
    bin: gst::Bin,
    pub(super) selector_pad: gst::Pad,
}

/// The source element for `source`, set up to deliver `fps` frames a second.
fn source_element(source: &ScreenSource, fps: u32, name: &str) -> Result<gst::Element, MediaError> {
    let src = match source {
        ScreenSource::Test => {
            let src = crate::make_element("videotestsrc", name)?;
            src.set_property("is-live", true);
            // Something that moves and that a person would not mistake for a camera.
            src.set_property_from_str("pattern", "ball");
            src
        }
        ScreenSource::X11 { display } => {
            let src = crate::make_element("ximagesrc", name)?;
            src.set_property("display-name", display);
            src.set_property("show-pointer", true);
            // Damage events cost more than they save for a full-screen share.
            src.set_property("use-damage", false);
            src
        }
        ScreenSource::Windows => {
            let src = crate::make_element("d3d11screencapturesrc", name)?;
            src.set_property("show-cursor", true);
            src
        }
        ScreenSource::MacOs => {
            let src = crate::make_element("avfvideosrc", name)?;
            src.set_property("capture-screen", true);
            src.set_property("capture-screen-cursor", true);
            src
        }
    };
    tracing::debug!(?source, fps, "screen source");
    Ok(src)
}

/// `source ! rate caps ! convert ! scale (letterboxed) ! rate ! I420 caps`
/// at `quality`'s size, in a bin named `name` (`mulaqat-screen`: its
/// elements are `mulaqat-screen-src`...).
pub(super) fn screen_bin(
    source: &ScreenSource,
    (quality, fps): (Quality, u32),
    name: &str,
) -> Result<gst::Bin, MediaError> {
    let what = "the screen capture";
    let bin = gst::Bin::with_name(name);
    let src = source_element(source, fps, &format!("{name}-src"))?;
    let rate_caps = crate::make_element("capsfilter", &format!("{name}-rate"))?;
    rate_caps.set_property(
        "caps",
        gst::Caps::builder("video/x-raw")
            .field(
                "framerate",
                gst::Fraction::new(i32::try_from(fps).unwrap_or(30), 1),
            )
            .build(),
    );
    let convert = crate::make_element("videoconvert", &format!("{name}-convert"))?;
    let scale = crate::make_element("videoscale", &format!("{name}-scale"))?;
    // A screen is rarely 16:9: keep its shape and fill the rest with black.
    scale.set_property("add-borders", true);
    let rate = crate::make_element("videorate", &format!("{name}-videorate"))?;
    rate.set_property("drop-only", true);
    let out = crate::make_element("capsfilter", &format!("{name}-caps"))?;
    let size: Resolution = quality.resolution();
    out.set_property("caps", capture::raw_video_caps(size, fps, "I420"));
    let chain = [&src, &rate_caps, &convert, &scale, &rate, &out];
    bin.add_many(chain)
        .map_err(|e| MediaError::build(what, e))?;
    gst::Element::link_many(chain).map_err(|e| MediaError::build(what, e))?;
    let target = out
        .static_pad("src")
        .ok_or_else(|| MediaError::build(what, "no src pad"))?;
    let ghost = gst::GhostPad::with_target(&target).map_err(|e| MediaError::build(what, e))?;
    bin.add_pad(&ghost)
        .map_err(|e| MediaError::build(what, e))?;
    Ok(bin)
}

/// Whether the screen can be shared here, and if not why (for people).
pub(super) fn availability(shared: &Shared) -> Result<ScreenSource, String> {
    let only_test_devices = shared.settings.test_devices == crate::devices::TestDevices::Only;
    choose_screen_source(&ScreenEnvironment::current(only_test_devices)).map_err(|e| e.to_string())
}

/// Starts sending the screen instead of the camera. Sharing again is a no-op.
pub(super) fn start(shared: &Arc<Shared>) -> Result<(), MediaError> {
    let source = availability(shared).map_err(MediaError::ScreenUnavailable)?;
    let mut state = shared.lock();
    if state.screen.is_some() {
        return Ok(());
    }
    let settings = &shared.settings;
    let bin = screen_bin(&source, (settings.quality, settings.fps), "mulaqat-screen")?;
    shared
        .pipeline
        .add(&bin)
        .map_err(|e| MediaError::build("the screen capture", e))?;
    let selector_pad = match super::link_to_selector(&bin, &state.selector, "the screen capture") {
        Ok(pad) => pad,
        Err(e) => {
            let _ = shared.pipeline.remove(&bin);
            return Err(e);
        }
    };
    let input = ScreenInput { bin, selector_pad };
    if input.bin.sync_state_with_parent().is_err() {
        let detail = super::pipeline_error(&shared.pipeline);
        release(shared, &state, input);
        return Err(MediaError::ScreenUnavailable(format!(
            "the screen capture did not start: {detail}"
        )));
    }
    state.screen = Some(input);
    super::select_video_input(&state);
    drop(state);
    super::senders::request_keyframes(shared);
    tracing::info!(?source, "screen sharing started");
    Ok(())
}

/// Goes back to the camera (or the placeholder). A no-op when not sharing.
pub(super) fn stop(shared: &Arc<Shared>) {
    let mut state = shared.lock();
    let Some(input) = state.screen.take() else {
        return;
    };
    super::select_video_input(&state);
    release(shared, &state, input);
    drop(state);
    super::senders::request_keyframes(shared);
    tracing::info!("screen sharing stopped");
}

/// The screen capture failed while running: back to the camera.
pub(super) fn lost(shared: &Arc<Shared>) -> bool {
    let sharing = shared.lock().screen.is_some();
    if sharing {
        stop(shared);
    }
    sharing
}

fn release(shared: &Shared, state: &State, input: ScreenInput) {
    let _ = input.bin.set_state(gst::State::Null);
    let _ = shared.pipeline.remove(&input.bin);
    state.selector.release_request_pad(&input.selector_pad);
}
