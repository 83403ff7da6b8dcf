//! Tiles: each picture the UI shows (a remote video, the self-view, a
//! shared screen's preview) is scaled to fit the largest tile its viewers
//! ask for, keeping its shape and never enlarged (the UI's GPU enlarges for
//! nothing; the engine would spend CPU and socket bandwidth on it).
//!
//! A tile's branch ends `videoscale ! videoconvert ! size filter ! appsink`.
//! The size filter is a `capsfilter` in delayed mode: when the size changes
//! while a frame of the old size is already on its way (the scaler
//! negotiated it a moment before), the filter lets it through and asks the
//! scaler to negotiate again. A filter that refused it instead would stop
//! the branch with `not-negotiated`, and a tee passes that upstream: the
//! camera would stop for the whole call because a window was resized.

use gst::prelude::*;

use super::Shared;
use crate::MediaError;
use crate::types::Resolution;

/// A track shown in the UI, scaled to what its viewers ask for.
pub(crate) struct Tile {
    pub(super) publisher: crate::frames::FramePublisher,
    /// The scaler: what enters it is the picture's own size.
    pub(super) scale: gst::Element,
    /// The size filter after it (see the module's notes).
    pub(super) filter: gst::Element,
    /// The size the filter lets through (`None`: native).
    pub(super) applied: Option<Resolution>,
    /// The box while no viewer asks for one: `None` is the track's own
    /// size (a remote video), a local preview keeps its small default.
    pub(super) unasked: Option<Resolution>,
}

/// The size filter of a tile's branch, starting at `size` (`None`: native).
pub(super) fn size_filter(
    name: &str,
    size: Option<Resolution>,
) -> Result<gst::Element, MediaError> {
    let filter = crate::make_element("capsfilter", name)?;
    filter.set_property_from_str("caps-change-mode", "delayed");
    filter.set_property("caps", tile_caps(size));
    Ok(filter)
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
            tile.filter.set_property("caps", tile_caps(size));
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

    /// A size that changes while frames stream (a window being resized)
    /// never stops the branch, nor the source feeding it through a tee.
    #[test]
    fn sizes_changing_under_a_running_stream_never_stop_it() {
        crate::init().expect("gstreamer");
        let pipeline = gst::Pipeline::new();
        let make = |factory: &str| crate::make_element(factory, factory).expect("element");
        let source = make("videotestsrc");
        let tee = make("tee");
        let queue = make("queue");
        let scale = make("videoscale");
        let convert = make("videoconvert");
        let filter = size_filter("size", Some(res(320, 180))).expect("filter");
        let sink = super::super::capture::latest_only_sink("sink", None).expect("sink");
        let chain = [
            &source,
            &tee,
            &queue,
            &scale,
            &convert,
            &filter,
            sink.upcast_ref(),
        ];
        pipeline.add_many(chain).expect("add");
        gst::Element::link_many(chain).expect("link");
        let sizes = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
        {
            let sizes = sizes.clone();
            sink.set_callbacks(
                gst_app::AppSinkCallbacks::builder()
                    .new_sample(move |sink| {
                        let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                        if let Some(info) = sample
                            .caps()
                            .and_then(|c| gst_video::VideoInfo::from_caps(c).ok())
                        {
                            sizes
                                .lock()
                                .expect("sizes")
                                .insert((info.width(), info.height()));
                        }
                        Ok(gst::FlowSuccess::Ok)
                    })
                    .build(),
            );
        }
        pipeline.set_state(gst::State::Playing).expect("play");
        // Not live: frames come as fast as they can be made, so size
        // changes land in the middle of negotiations.
        let boxes = [res(320, 180), res(640, 360), res(200, 150), res(480, 270)];
        let started = std::time::Instant::now();
        let mut changes = 0;
        while started.elapsed() < std::time::Duration::from_millis(1500) {
            let size = boxes[changes % boxes.len()];
            filter.set_property("caps", tile_caps(Some(size)));
            changes += 1;
            std::thread::sleep(std::time::Duration::from_millis(3));
        }
        let bus = pipeline.bus().expect("bus");
        let error = bus.pop_filtered(&[gst::MessageType::Error]);
        let flowing = sink.static_pad("sink").is_some_and(|pad| {
            let before = pad.current_caps();
            filter.set_property("caps", tile_caps(Some(res(160, 90))));
            std::thread::sleep(std::time::Duration::from_millis(300));
            pad.current_caps() != before
        });
        pipeline.set_state(gst::State::Null).expect("stop");
        if let Some(error) = error {
            panic!("the stream stopped after resizes: {:?}", error.view());
        }
        assert!(
            flowing,
            "the stream still follows the size after {changes} changes"
        );
        assert!(
            sizes.lock().expect("sizes").len() >= 3,
            "frames came at several sizes"
        );
    }
}
