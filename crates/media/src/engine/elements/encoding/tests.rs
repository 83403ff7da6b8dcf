use std::str::FromStr;

use super::*;

fn encoder_at(quality: Quality) -> VideoEncoder {
    crate::init().expect("gst");
    let profile = encode::profile("x264enc").expect("x264 profile");
    let encoder =
        encode::make_encoder(profile, "test-enc", quality.start_bitrate_kbps()).expect("x264enc");
    let convert = crate::make_element("videoconvert", "test-convert").expect("videoconvert");
    let scale_caps = LiveCapsFilter::new(
        "test-caps",
        &encode::input_caps(profile, quality.resolution(), 30),
        &convert,
    )
    .expect("capsfilter");
    VideoEncoder {
        sending: Arc::new(AtomicBool::new(true)),
        overruns: Arc::new(AtomicU32::new(0)),
        overloaded_seconds: 0,
        cpu_cap: quality,
        profile,
        encoder,
        scale_caps,
        tee: crate::make_element("tee", "test-tee").expect("tee"),
        elements: Vec::new(),
        max_quality: quality,
        quality,
        fps: 30,
        bitrate_kbps: quality.start_bitrate_kbps(),
    }
}

/// A pipeline whose source pushes as fast as it can into a tee (with one
/// sink already on it), and a count of the buffers the source pushed.
fn running_source(source: &str, caps: &str) -> (gst::Pipeline, gst::Element, Arc<AtomicU32>) {
    crate::init().expect("gst");
    let pipeline = gst::Pipeline::new();
    let src = crate::make_element(source, "test-src").expect("source");
    src.set_property("is-live", false);
    let filter = crate::make_element("capsfilter", "test-src-caps").expect("capsfilter");
    filter.set_property("caps", gst::Caps::from_str(caps).expect("caps"));
    let tee = crate::make_element("tee", "test-src-tee").expect("tee");
    tee.set_property("allow-not-linked", true);
    let sink = crate::make_element("fakesink", "test-src-sink").expect("fakesink");
    sink.set_property("sync", false);
    pipeline
        .add_many([&src, &filter, &tee, &sink])
        .expect("add");
    gst::Element::link_many([&src, &filter, &tee, &sink]).expect("link");
    let pushed = Arc::new(AtomicU32::new(0));
    let counter = pushed.clone();
    src.static_pad("src")
        .expect("src pad")
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
    pipeline.set_state(gst::State::Playing).expect("playing");
    (pipeline, tee, pushed)
}

/// Whether the source still pushes, a while after an encoder was added.
fn still_pushing(pushed: &AtomicU32) -> bool {
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = pushed.load(Ordering::Relaxed);
    std::thread::sleep(std::time::Duration::from_millis(300));
    pushed.load(Ordering::Relaxed) > before
}

#[test]
fn adding_encoders_to_a_running_microphone_never_stops_it() {
    for round in 0..20 {
        let (pipeline, tee, pushed) = running_source(
            "audiotestsrc",
            "audio/x-raw,format=S16LE,rate=48000,channels=1",
        );
        build_audio(&pipeline, &tee).expect("opus encoder");
        assert!(
            still_pushing(&pushed),
            "the microphone stopped once its encoder was added (round {round})"
        );
        pipeline.set_state(gst::State::Null).expect("null");
    }
}

#[test]
fn adding_an_encoder_to_a_running_camera_never_stops_it() {
    let registry = default_registry();
    for round in 0..10 {
        let (pipeline, tee, pushed) = running_source(
            "videotestsrc",
            "video/x-raw,width=32,height=24,framerate=30/1",
        );
        build_video(
            &pipeline,
            &tee,
            &registry,
            VideoCodec::H264,
            None,
            (Quality::P360, 30),
            "mulaqat",
        )
        .expect("H.264 encoder");
        assert!(
            still_pushing(&pushed),
            "the camera stopped once its encoder was added (round {round})"
        );
        pipeline.set_state(gst::State::Null).expect("null");
    }
}

fn caps_height(e: &VideoEncoder) -> i32 {
    let caps = e.scale_caps.wanted();
    caps.structure(0)
        .and_then(|s| s.get::<i32>("height").ok())
        .unwrap_or(0)
}

#[test]
fn a_falling_estimate_steps_the_size_down_a_rung_at_a_time_and_back_up() {
    let mut e = encoder_at(Quality::P1080);
    e.follow_estimate(1_500); // under half of 1080p's 4000
    assert_eq!(e.quality, Quality::P720);
    assert_eq!(caps_height(&e), 720);
    e.follow_estimate(400);
    assert_eq!(e.quality, Quality::P360);
    e.follow_estimate(300);
    assert_eq!(e.quality, Quality::P360, "360p is the floor");
    assert_eq!(encode::bitrate_kbps(&e.encoder, e.profile), Some(300));
    e.follow_estimate(5_000);
    assert_eq!(e.quality, Quality::P720, "one rung up at a time");
    e.follow_estimate(5_000);
    assert_eq!(e.quality, Quality::P1080);
    e.follow_estimate(50_000);
    assert_eq!(e.quality, Quality::P1080, "never above what was asked for");
    assert_eq!(
        e.bitrate_kbps,
        Quality::P1080.max_bitrate_kbps(),
        "capped at the quality's maximum"
    );
}

#[test]
fn an_encoder_that_drops_frames_sends_smaller_and_stays_there() {
    let mut e = encoder_at(Quality::P2160);
    e.overruns.store(2, Ordering::Relaxed);
    e.check_load();
    assert_eq!(e.quality, Quality::P2160, "a few drops are tolerated");
    for _ in 0..2 {
        e.overruns.store(10, Ordering::Relaxed);
        e.check_load();
    }
    assert_eq!(e.quality, Quality::P1080, "two bad seconds step it down");
    assert_eq!(caps_height(&e), 1080);
    e.follow_estimate(50_000);
    assert_eq!(
        e.quality,
        Quality::P1080,
        "bandwidth alone does not bring back a size the CPU could not do"
    );
}
