//! Tiles: each picture the UI shows (a remote video, the self-view, a
//! shared screen's preview) is scaled to fit the largest tile its viewers
//! ask for, keeping its shape and never enlarged (the UI's GPU enlarges for
//! nothing; the engine would spend CPU and socket bandwidth on it).
//!
//! A tile's branch ends `videoscale ! videoconvert ! size filter ! appsink`;
//! the size filter is a [`LiveCapsFilter`]: a size decided here is set by
//! the branch's own thread between frames, and never reaches upstream.

use gst::prelude::*;

use super::Shared;
use super::live_caps::LiveCapsFilter;
use crate::MediaError;
use crate::types::Resolution;

/// A track shown in the UI, scaled to what its viewers ask for.
pub(crate) struct Tile {
    pub(super) publisher: crate::frames::FramePublisher,
    /// The scaler: what enters it is the picture's own size.
    pub(super) scale: gst::Element,
    /// The size filter after it (see the module's notes).
    pub(super) filter: LiveCapsFilter,
    /// The size the filter lets through (`None`: native).
    pub(super) applied: Option<Resolution>,
    /// The box while no viewer asks for one: `None` is the track's own
    /// size (a remote video), a local preview keeps its small default.
    pub(super) unasked: Option<Resolution>,
}

/// The size filter of a tile's branch whose scaler is `scale`, starting at
/// `size` (`None`: native).
pub(super) fn size_filter(
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
pub(super) fn follow_sizes(shared: &Shared) {
    let mut state = shared.lock();
    for (track, tile) in state.tiles.iter_mut() {
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
mod tests {
    use super::*;

    fn res(width: u32, height: u32) -> Resolution {
        Resolution { width, height }
    }

    #[test]
    fn a_picture_fits_inside_its_tile_with_its_shape_kept() {
        // A 16:9 camera in a tile a few pixels off 16:9: height limits.
        assert_eq!(fit_within(res(1280, 720), res(628, 352)), res(626, 352));
        // A wide tile: height limits; a tall one: width limits.
        assert_eq!(fit_within(res(1280, 720), res(1000, 360)), res(640, 360));
        assert_eq!(fit_within(res(1280, 720), res(320, 900)), res(320, 180));
        // A 4:3 camera in a 16:9 tile.
        assert_eq!(fit_within(res(640, 480), res(640, 360)), res(480, 360));
        // Exact fits stay exact.
        assert_eq!(fit_within(res(1920, 1080), res(960, 540)), res(960, 540));
    }

    #[test]
    fn a_picture_is_never_enlarged_and_sizes_stay_even_and_positive() {
        assert_eq!(fit_within(res(640, 360), res(1920, 1080)), res(640, 360));
        assert_eq!(fit_within(res(641, 361), res(4000, 4000)), res(640, 360));
        assert_eq!(fit_within(res(1280, 720), res(1, 1)), res(2, 2));
        // An odd tile is never overflowed.
        assert_eq!(fit_within(res(1280, 720), res(627, 353)), res(626, 352));
        // An unknown (zero) picture takes the tile, evened down.
        assert_eq!(fit_within(res(0, 0), res(301, 169)), res(300, 168));
    }

    #[test]
    fn without_a_box_the_picture_is_native_and_before_caps_the_box_is_used() {
        assert_eq!(target(None, Some(res(1280, 720))), None);
        assert_eq!(target(Some(res(320, 240)), None), Some(res(320, 240)));
        assert_eq!(
            target(Some(res(320, 240)), Some(res(1280, 720))),
            Some(res(320, 180))
        );
    }

    #[test]
    fn tile_caps_fix_square_pixels_only_with_a_size() {
        crate::init().expect("gstreamer");
        let sized = tile_caps(Some(res(321, 181)));
        let s = sized.structure(0).expect("structure");
        assert_eq!(s.get::<i32>("width").ok(), Some(320));
        assert_eq!(s.get::<i32>("height").ok(), Some(180));
        assert_eq!(
            s.get::<gst::Fraction>("pixel-aspect-ratio").ok(),
            Some(gst::Fraction::new(1, 1))
        );
        let native = tile_caps(None);
        let s = native.structure(0).expect("structure");
        assert!(!s.has_field("width") && !s.has_field("pixel-aspect-ratio"));
    }
}
