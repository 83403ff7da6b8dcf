//! Tiles: each picture the UI shows (a remote video, the self-view, a
//! shared screen's preview) is scaled to fit the largest tile its viewers
//! ask for, keeping its shape and never enlarged (the UI's GPU enlarges for
//! nothing; the engine would spend CPU and socket bandwidth on it).
//!
//! A tile's branch ends `videoscale ! videoconvert ! size filter ! appsink`;
//! the size filter is a [`LiveCapsFilter`]: a size decided here is set by
//! the branch's own thread between frames, and never reaches upstream.

use gst::prelude::*;

use std::collections::HashMap;

use super::live_caps::LiveCapsFilter;
use crate::MediaError;
use crate::engine::ids::Track;
use crate::types::Resolution;

/// A track shown in the UI, scaled to what its viewers ask for.
pub(crate) struct Tile {
    pub(crate) publisher: crate::frames::FramePublisher,
    /// The scaler: what enters it is the picture's own size.
    pub(crate) scale: gst::Element,
    /// The size filter after it (see the module's notes).
    pub(crate) filter: LiveCapsFilter,
    /// The size the filter lets through (`None`: native).
    pub(crate) applied: Option<Resolution>,
    /// The box while no viewer asks for one: `None` is the track's own
    /// size (a remote video), a local preview keeps its small default.
    pub(crate) unasked: Option<Resolution>,
}

/// The size filter of a tile's branch whose scaler is `scale`, starting at
/// `size` (`None`: native).
pub(crate) fn size_filter(
    name: &str,
    size: Option<Resolution>,
    scale: &gst::Element,
) -> Result<LiveCapsFilter, MediaError> {
    LiveCapsFilter::new(name, &tile_caps(size), scale)
}

/// 4:2:0 frames, NV12 or I420 (a decoder's I420 is interleaved when
/// delivered), at `size` with square pixels, or native.
fn tile_caps(size: Option<Resolution>) -> gst::Caps {
    let mut caps =
        gst::Caps::builder("video/x-raw").field("format", gst::List::new(["NV12", "I420"]));
    if let Some(size) = size {
        let even = |v: u32| i32::try_from((v.max(2) / 2) * 2).unwrap_or(i32::MAX);
        caps = caps
            .field("width", even(size.width))
            .field("height", even(size.height))
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1));
    }
    caps.build()
}

/// The size to scale a `picture` (its displayed size, square pixels) to so
/// that it fits inside `tile` with its shape kept: even, at least 2x2, and
/// never larger than the tile or the picture.
fn fit_within(picture: Resolution, tile: Resolution) -> Resolution {
    let floor_even = |v: u32| (v / 2).max(1) * 2;
    let round_even = |v: f64| ((v / 2.0).round() as u32).max(1) * 2;
    if picture.width == 0 || picture.height == 0 {
        return Resolution {
            width: floor_even(tile.width),
            height: floor_even(tile.height),
        };
    }
    let scale = (f64::from(tile.width) / f64::from(picture.width))
        .min(f64::from(tile.height) / f64::from(picture.height))
        .min(1.0);
    Resolution {
        width: round_even(f64::from(picture.width) * scale)
            .min(floor_even(tile.width.min(picture.width))),
        height: round_even(f64::from(picture.height) * scale)
            .min(floor_even(tile.height.min(picture.height))),
    }
}

/// The displayed size of what enters `scale` (its width corrected by the
/// pixel aspect ratio), once it has caps.
fn picture_size(scale: &gst::Element) -> Option<Resolution> {
    let caps = scale.static_pad("sink")?.current_caps()?;
    let info = gst_video::VideoInfo::from_caps(&caps).ok()?;
    let par = info.par();
    let width = u64::from(info.width()) * u64::try_from(par.numer()).ok()?
        / u64::try_from(par.denom()).ok()?.max(1);
    Some(Resolution {
        width: u32::try_from(width).ok()?,
        height: info.height(),
    })
}

/// What the filter should let through for a `tile` box and a `picture`
/// size: the picture fitted inside the box; the box itself while the
/// picture's size is not known yet; native without a box.
fn target(tile: Option<Resolution>, picture: Option<Resolution>) -> Option<Resolution> {
    let tile = tile?;
    Some(picture.map_or(tile, |picture| fit_within(picture, tile)))
}

/// Sets each tile's filter to what its viewers ask for now. Called once a
/// second, and cheap when nothing changed.
pub(crate) fn follow_sizes(tiles: &mut HashMap<Track, Tile>) {
    for (track, tile) in tiles.iter_mut() {
        let wanted = tile.publisher.requested_size().or(tile.unasked);
        let picture = picture_size(&tile.scale);
        let size = target(wanted, picture);
        if size != tile.applied {
            tracing::debug!(%track, ?wanted, ?picture, ?size, "tile size");
            tile.filter.set(tile_caps(size));
            tile.applied = size;
        }
    }
}

#[cfg(test)]
mod tests;
