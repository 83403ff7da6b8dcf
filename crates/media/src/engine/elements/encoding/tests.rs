use std::str::FromStr;

use super::*;
use crate::types::Quality;

fn encoder_at(quality: Quality) -> VideoEncoder {
    crate::init().expect("gst");
    let profile = encode::profile("x264enc").expect("x264 profile");
    let encoder =
        encode::make_encoder(profile, "test-enc", quality.start_bitrate_kbps()).expect("x264enc");
    let rate = crate::make_element("videorate", "test-rate").expect("videorate");
    let scale_caps = LiveCapsFilter::new(
        "test-caps",
        &encode::input_caps(profile, quality.resolution(), 30),
        &rate,
    )
    .expect("capsfilter");
    VideoEncoder {
        sending: Arc::new(AtomicBool::new(true)),
        overruns: Arc::new(AtomicU32::new(0)),
        overloaded_seconds: 0,
        profile,
        encoder,
        scale_caps,
        tee: crate::make_element("tee", "test-tee").expect("tee"),
        elements: Vec::new(),
        ladder: Ladder::camera(quality, 30),
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
            (VideoCodec::H264, None),
            Ladder::camera(Quality::P360, 30),
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

/// The size and rate the encoder is fed from the next frame on.
fn fed(e: &VideoEncoder) -> String {
    let caps = e.scale_caps.wanted();
    let s = caps.structure(0).expect("a structure");
    let (w, h) = (s.get::<i32>("width"), s.get::<i32>("height"));
    let rate = s.get::<gst::Fraction>("framerate");
    match (w, h, rate) {
        (Ok(w), Ok(h), Ok(r)) => format!("{w}x{h}@{}", r.numer() / r.denom()),
        _ => format!("{caps}"),
    }
}

#[test]
fn a_falling_estimate_steps_size_then_rate_down_and_back_up() {
    let mut e = encoder_at(Quality::P1080);
    e.follow_estimate(1_500); // under half of 1080p's 4000
    assert_eq!(fed(&e), "1280x720@30");
    e.follow_estimate(400);
    assert_eq!(fed(&e), "640x360@30");
    e.follow_estimate(400);
    assert_eq!(fed(&e), "640x360@15", "fewer frames before a smaller size");
    assert_eq!(encode::bitrate_kbps(&e.encoder, e.profile), Some(400));
    for _ in 0..5 {
        e.follow_estimate(20);
    }
    assert_eq!(fed(&e), "320x180@10", "the lowest rung");
    assert_eq!(
        e.bitrate_kbps, MIN_VIDEO_KBPS,
        "never under what the lowest rung needs"
    );
    e.follow_estimate(5_000);
    assert_eq!(fed(&e), "320x180@15", "one rung up at a time");
    for _ in 0..10 {
        e.follow_estimate(50_000);
    }
    assert_eq!(fed(&e), "1920x1080@30", "never above what was asked for");
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
    assert_eq!(fed(&e), "3840x2160@30", "a few drops are tolerated");
    for _ in 0..2 {
        e.overruns.store(10, Ordering::Relaxed);
        e.check_load();
    }
    assert_eq!(fed(&e), "1920x1080@30", "two bad seconds step it down");
    e.follow_estimate(50_000);
    assert_eq!(
        fed(&e),
        "1920x1080@30",
        "bandwidth alone does not bring back a size the CPU could not do"
    );
}

/// Frames out of the encoder branch in one second of a live camera.
fn frames_in_a_second(encoder: &VideoEncoder) -> u32 {
    let count = Arc::new(AtomicU32::new(0));
    let counter = count.clone();
    let pad = encoder.encoder.static_pad("src").expect("src pad");
    let probe = pad
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        })
        .expect("probe");
    std::thread::sleep(std::time::Duration::from_secs(1));
    pad.remove_probe(probe);
    count.load(Ordering::Relaxed)
}

/// Waits (at most 5 s) until the encoder's output caps say `step`
/// (`640x360@15`).
fn wait_for_output(encoder: &VideoEncoder, step: &str) -> bool {
    let pad = encoder.encoder.static_pad("src").expect("src pad");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let now = pad.current_caps().and_then(|c| {
            let s = c.structure(0)?;
            let (w, h) = (s.get::<i32>("width").ok()?, s.get::<i32>("height").ok()?);
            let r = s.get::<gst::Fraction>("framerate").ok()?;
            Some(format!("{w}x{h}@{}", r.numer() / r.denom().max(1)))
        });
        if now.as_deref() == Some(step) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

#[test]
fn a_lower_rung_sends_fewer_and_smaller_frames_from_a_live_camera() {
    crate::init().expect("gst");
    let pipeline = gst::Pipeline::new();
    let src = crate::make_element("videotestsrc", "test-live").expect("videotestsrc");
    src.set_property("is-live", true);
    let filter = crate::make_element("capsfilter", "test-live-caps").expect("capsfilter");
    filter.set_property(
        "caps",
        gst::Caps::from_str("video/x-raw,width=640,height=360,framerate=30/1").expect("caps"),
    );
    let tee = crate::make_element("tee", "test-live-tee").expect("tee");
    tee.set_property("allow-not-linked", true);
    pipeline.add_many([&src, &filter, &tee]).expect("add");
    gst::Element::link_many([&src, &filter, &tee]).expect("link");
    pipeline.set_state(gst::State::Playing).expect("playing");
    let mut encoder = build_video(
        &pipeline,
        &tee,
        &default_registry(),
        (VideoCodec::H264, Some("x264enc")),
        Ladder::camera(Quality::P360, 30),
        "test",
    )
    .expect("H.264 encoder");
    assert!(wait_for_output(&encoder, "640x360@30"));
    let full = frames_in_a_second(&encoder);
    assert!(full >= 25, "{full} frames a second at 360p30");
    encoder.follow_estimate(420);
    assert!(wait_for_output(&encoder, "640x360@15"));
    let half = frames_in_a_second(&encoder);
    assert!(
        (12..=17).contains(&half),
        "{half} frames a second at 360p15"
    );
    for _ in 0..4 {
        encoder.follow_estimate(MIN_VIDEO_KBPS);
    }
    assert!(wait_for_output(&encoder, "320x180@10"));
    let lowest = frames_in_a_second(&encoder);
    assert!(
        (8..=12).contains(&lowest),
        "{lowest} frames a second at 180p10"
    );
    encoder.follow_estimate(50_000);
    assert!(wait_for_output(&encoder, "320x180@15"), "one rung up");
    pipeline.set_state(gst::State::Null).expect("null");
}
