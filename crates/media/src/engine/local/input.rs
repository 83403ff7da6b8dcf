//! The video input selector: which picture goes to the self-view and the
//! encoders (the screen shared in the camera's place, the camera, or the
//! placeholder).

use gst::prelude::*;

use crate::MediaError;
use crate::engine::state::State;

/// Links `input` (a camera bin, the placeholder, the screen's feed) to a
/// new pad of the video input `selector`, and gives that pad.
pub(crate) fn link_to_selector(
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
pub(crate) fn select_video_input(state: &State) {
    let pad = match (&state.screen, &state.camera, state.camera_enabled) {
        (Some(screen), _, _) if screen.live => &screen.selector_pad,
        (None, Some(camera), true) => &camera.selector_pad,
        _ => &state.placeholder_pad,
    };
    state.selector.set_property("active-pad", pad);
}
