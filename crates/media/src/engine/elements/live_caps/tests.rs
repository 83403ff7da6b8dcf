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
    source
        .static_pad("src")
        .expect("src pad")
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
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
