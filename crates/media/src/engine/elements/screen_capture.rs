//! Capturing the screen: the source element for where it is captured
//! from, and the bin that makes its frames the call's size and rate. Also
//! the size and rate a screen is published at as a stream of its own.

use gst::prelude::*;

use super::capture;
use crate::MediaError;
use crate::screen::ScreenSource;
use crate::types::{Quality, Resolution};

/// Frames a second of a published screen: text and slides want pixels
/// more than motion.
pub(crate) const STREAM_FPS: u32 = 15;

/// The size a screen is published at: at least 720p, so that text stays
/// readable even when cameras are sent small, and at most 1080p.
pub(crate) fn stream_quality(camera: Quality) -> Quality {
    camera.clamp(Quality::P720, Quality::P1080)
}

/// The source element for `source`, set up to deliver `fps` frames a
/// second; a portal source reads `pipewire` (connection, node).
fn source_element(
    source: &ScreenSource,
    (fps, pipewire): (u32, Option<(i32, u32)>),
    name: &str,
) -> Result<gst::Element, MediaError> {
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
        ScreenSource::Portal => {
            let (fd, node) = pipewire.ok_or_else(|| {
                MediaError::ScreenUnavailable(
                    "no screen was chosen in the desktop's sharing dialog".into(),
                )
            })?;
            let src = crate::make_element("pipewiresrc", name)?;
            src.set_property("fd", fd);
            let node = node.to_string();
            // The portal gives the node's id. `path` takes an id;
            // `target-object` (PipeWire 0.3.64 on) takes a name or a
            // serial, and an id there matches nothing: the stream is never
            // linked. `target-object` only where `path` is gone.
            if src.has_property_with_type("path", String::static_type()) {
                src.set_property("path", &node);
            } else {
                src.set_property("target-object", &node);
            }
            // A still screen sends no frames: repeat the last one each
            // second, so viewers joining later see it and stats stay alive.
            if src.has_property_with_type("keepalive-time", i32::static_type()) {
                src.set_property("keepalive-time", 1000i32);
            }
            src.set_property("do-timestamp", true);
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
pub(crate) fn screen_bin(
    source: &ScreenSource,
    (quality, fps): (Quality, u32),
    pipewire: Option<(i32, u32)>,
    name: &str,
) -> Result<gst::Bin, MediaError> {
    let what = "the screen capture";
    let bin = gst::Bin::with_name(name);
    let src = source_element(source, (fps, pipewire), &format!("{name}-src"))?;
    let rate = gst::Fraction::new(i32::try_from(fps).unwrap_or(30), 1);
    // Capture sources take the rate they are asked for. A portal's stream
    // does not: it has a variable rate (`0/1`, a frame when the screen
    // changes), and asking it for a fixed one fails to negotiate.
    let variable_rate = matches!(source, ScreenSource::Portal);
    let rate_caps = crate::make_element("capsfilter", &format!("{name}-rate"))?;
    rate_caps.set_property(
        "caps",
        if variable_rate {
            gst::Caps::builder("video/x-raw").build()
        } else {
            gst::Caps::builder("video/x-raw")
                .field("framerate", rate)
                .build()
        },
    );
    let convert = crate::make_element("videoconvert", &format!("{name}-convert"))?;
    let scale = crate::make_element("videoscale", &format!("{name}-scale"))?;
    // A screen is rarely 16:9: keep its shape and fill the rest with black.
    scale.set_property("add-borders", true);
    let videorate = crate::make_element("videorate", &format!("{name}-videorate"))?;
    // From a variable rate, the call's steady one repeats the newest frame
    // while the screen is still; a steady source only ever loses frames.
    videorate.set_property("drop-only", !variable_rate);
    let out = crate::make_element("capsfilter", &format!("{name}-caps"))?;
    let size: Resolution = quality.resolution();
    out.set_property("caps", capture::raw_video_caps(size, fps, "I420"));
    let chain = [&src, &rate_caps, &convert, &scale, &videorate, &out];
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

#[cfg(test)]
mod tests;
