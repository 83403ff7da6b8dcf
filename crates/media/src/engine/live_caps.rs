//! Caps that change under running video: a tile resized, an encoder
//! stepping its size down. Both end a branch off a tee in
//! `... ! videoscale ! videoconvert ! capsfilter ! ...`, and both changes are
//! decided on another thread (the stats thread, once a second).
//!
//! Set straight on the `capsfilter` from that thread, a change races the
//! branch's streaming thread: a frame the scaler negotiated at the old size
//! a moment before reaches a filter that now refuses it. Upstream's own
//! caps queries race it too: asked through the branch while the size
//! changes, the filter can read two sizes in one query and answer nothing.
//! Either way the branch returns `not-negotiated`, the tee passes that
//! upstream, and the camera (or the decoder) stops for the whole call.
//! (A `capsfilter` in delayed mode narrows the first window but does not
//! close it, nor the second; measured: a resize every 3 ms under load
//! stopped the camera in one run of six.)
//!
//! So a [`LiveCapsFilter`] keeps the change waiting, and the branch's own
//! streaming thread sets it as the next frame enters the branch: between
//! frames, when nothing is being negotiated. And the branch is kept to
//! itself at its entry: it asks upstream to renegotiate for nothing (the
//! camera and every other branch of its tee would negotiate again on each
//! resize), and answers upstream's caps queries with what its first element
//! takes (any raw picture), without looking at the filter.

use std::sync::{Arc, Mutex, PoisonError};

use gst::prelude::*;

use crate::MediaError;

/// A `capsfilter` whose caps change while frames flow (see the module).
#[derive(Clone)]
pub(super) struct LiveCapsFilter {
    element: gst::Element,
    pending: Arc<Mutex<Option<gst::Caps>>>,
}

impl LiveCapsFilter {
    /// A filter named `name` letting `caps` through, for the branch whose
    /// first element (after its queue, where its streaming thread starts)
    /// is `entry`.
    pub(super) fn new(
        name: &str,
        caps: &gst::Caps,
        entry: &gst::Element,
    ) -> Result<Self, MediaError> {
        let element = crate::make_element("capsfilter", name)?;
        element.set_property("caps", caps);
        let pending = Arc::new(Mutex::new(None::<gst::Caps>));
        let pad = entry.static_pad("sink").ok_or_else(|| MediaError::Build {
            what: format!("the filter {name}"),
            detail: format!("{} has no sink pad", entry.name()),
        })?;
        let (filter, waiting) = (element.downgrade(), pending.clone());
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, _| {
                let caps = waiting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                if let (Some(caps), Some(filter)) = (caps, filter.upgrade()) {
                    filter.set_property("caps", caps);
                }
                gst::PadProbeReturn::Ok
            },
        );
        keep_to_the_branch(&pad);
        Ok(Self { element, pending })
    }

    /// Lets `caps` through from the next frame on.
    pub(super) fn set(&self, caps: gst::Caps) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(caps);
    }

    /// What the filter lets through once the next frame comes.
    #[cfg(test)]
    pub(super) fn wanted(&self) -> gst::Caps {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| self.element.property("caps"))
    }

    /// The `capsfilter` itself, to add to the branch.
    pub(super) fn element(&self) -> &gst::Element {
        &self.element
    }
}

/// Keeps what happens below the branch's entry `pad` to the branch: no
/// request to renegotiate goes upstream, and upstream's caps queries are
/// answered with the raw video (system memory) the entry element takes.
fn keep_to_the_branch(pad: &gst::Pad) {
    let raw = pad
        .pad_template_caps()
        .intersect(&gst::Caps::new_empty_simple("video/x-raw"));
    pad.add_probe(
        gst::PadProbeType::EVENT_UPSTREAM | gst::PadProbeType::QUERY_DOWNSTREAM,
        move |_, info| match &mut info.data {
            // Handled, not Drop: the bindings take the event for the probe
            // and free it, and a dropped event is freed again by GStreamer
            // 1.22's `gst_pad_push_event` (a CRITICAL: unref of NULL).
            Some(gst::PadProbeData::Event(event))
                if event.type_() == gst::EventType::Reconfigure =>
            {
                gst::PadProbeReturn::Handled
            }
            Some(gst::PadProbeData::Query(query)) => match query.view_mut() {
                gst::QueryViewMut::Caps(caps) => {
                    let answer = caps.filter().map_or_else(
                        || raw.clone(),
                        |filter| filter.intersect_with_mode(&raw, gst::CapsIntersectMode::First),
                    );
                    caps.set_result(&answer);
                    gst::PadProbeReturn::Handled
                }
                _ => gst::PadProbeReturn::Ok,
            },
            _ => gst::PadProbeReturn::Ok,
        },
    );
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{Duration, Instant};

    use super::*;

    fn sized(width: i32, height: i32) -> gst::Caps {
        gst::Caps::builder("video/x-raw")
            .field("format", gst::List::new(["NV12", "I420"]))
            .field("width", width)
            .field("height", height)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build()
    }

    /// `videotestsrc ! tee ! queue ! videoscale ! videoconvert ! filter !
    /// appsink`, the source not live (frames as fast as they can be made,
    /// so changes land in the middle of negotiations): the pipeline, the
    /// filter, the sink, the sizes frames came at, and the frames pushed.
    struct Branch {
        pipeline: gst::Pipeline,
        filter: LiveCapsFilter,
        sink: gst_app::AppSink,
        sizes: Arc<Mutex<HashSet<(u32, u32)>>>,
        pushed: Arc<AtomicU32>,
    }

    fn running_branch() -> Branch {
        crate::init().expect("gstreamer");
        let pipeline = gst::Pipeline::new();
        let make = |factory: &str| crate::make_element(factory, factory).expect("element");
        let (source, tee, queue) = (make("videotestsrc"), make("tee"), make("queue"));
        let (scale, convert) = (make("videoscale"), make("videoconvert"));
        let filter = LiveCapsFilter::new("size", &sized(320, 180), &scale).expect("filter");
        let sink = super::super::capture::latest_only_sink("sink", None).expect("sink");
        let chain = [
            &source,
            &tee,
            &queue,
            &scale,
            &convert,
            filter.element(),
            sink.upcast_ref(),
        ];
        pipeline.add_many(chain).expect("add");
        gst::Element::link_many(chain).expect("link");
        let sizes = Arc::new(Mutex::new(HashSet::new()));
        let seen = sizes.clone();
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    if let Some(info) = sample
                        .caps()
                        .and_then(|c| gst_video::VideoInfo::from_caps(c).ok())
                    {
                        seen.lock()
                            .expect("sizes")
                            .insert((info.width(), info.height()));
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        let pushed = Arc::new(AtomicU32::new(0));
        let counter = pushed.clone();
        source.static_pad("src").expect("src pad").add_probe(
            gst::PadProbeType::BUFFER,
            move |_, _| {
                counter.fetch_add(1, Ordering::Relaxed);
                gst::PadProbeReturn::Ok
            },
        );
        pipeline.set_state(gst::State::Playing).expect("play");
        Branch {
            pipeline,
            filter,
            sink,
            sizes,
            pushed,
        }
    }

    /// Sizes changing every few milliseconds under a running stream (a
    /// window being resized) never stop the branch, nor the source feeding
    /// it through a tee; and the branch still follows the size after.
    #[test]
    fn caps_changing_under_a_running_stream_never_stop_it() {
        let branch = running_branch();
        let boxes = [(320, 180), (640, 360), (200, 150), (480, 270)];
        let started = Instant::now();
        let mut changes = 0;
        while started.elapsed() < Duration::from_millis(1500) {
            let (width, height) = boxes[changes % boxes.len()];
            branch.filter.set(sized(width, height));
            changes += 1;
            std::thread::sleep(Duration::from_millis(3));
        }
        let error = branch
            .pipeline
            .bus()
            .expect("bus")
            .pop_filtered(&[gst::MessageType::Error]);
        let follows = branch.sink.static_pad("sink").is_some_and(|pad| {
            let before = pad.current_caps();
            branch.filter.set(sized(160, 90));
            std::thread::sleep(Duration::from_millis(300));
            pad.current_caps() != before
        });
        branch.pipeline.set_state(gst::State::Null).expect("stop");
        if let Some(error) = error {
            panic!(
                "the stream stopped after {changes} changes: {:?}",
                error.view()
            );
        }
        assert!(
            follows,
            "the stream still follows the size after {changes} changes"
        );
        assert!(
            branch.sizes.lock().expect("sizes").len() >= 3,
            "frames came at several sizes"
        );
    }

    /// A change asks nothing of upstream: the source goes on at the size it
    /// chose, while the branch's frames take the new size.
    #[test]
    fn a_change_never_makes_the_source_renegotiate() {
        let branch = running_branch();
        let source_pad = branch
            .pipeline
            .by_name("videotestsrc")
            .and_then(|s| s.static_pad("src"))
            .expect("source pad");
        let settled = Instant::now();
        while source_pad.current_caps().is_none() && settled.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let source_caps = source_pad.current_caps().expect("the source negotiated");
        branch.filter.set(sized(200, 150));
        let started = Instant::now();
        let reached = loop {
            if branch.sizes.lock().expect("sizes").contains(&(200, 150)) {
                break true;
            }
            if started.elapsed() > Duration::from_secs(5) {
                break false;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // Time for a renegotiation the change might have asked for.
        std::thread::sleep(Duration::from_millis(200));
        let after = source_pad.current_caps();
        let pushed = branch.pushed.load(Ordering::Relaxed);
        branch.pipeline.set_state(gst::State::Null).expect("stop");
        assert!(reached, "frames came at the new size");
        assert!(pushed > 0, "the source pushed frames");
        assert_eq!(after, Some(source_caps), "the source kept its caps");
    }

    #[test]
    fn the_wanted_caps_are_the_pending_ones_until_a_frame_applies_them() {
        crate::init().expect("gstreamer");
        let scale = crate::make_element("videoscale", "scale").expect("videoscale");
        let filter = LiveCapsFilter::new("size", &sized(320, 180), &scale).expect("filter");
        assert_eq!(filter.wanted(), sized(320, 180));
        filter.set(sized(640, 360));
        assert_eq!(filter.wanted(), sized(640, 360));
        let applied: gst::Caps = filter.element().property("caps");
        assert_eq!(applied, sized(320, 180), "nothing flowed yet");
    }
}
