use gst::prelude::*;

use super::*;

/// Plays a 1 kHz tone to the "speaker" (through the echo probe) and feeds
/// the same tone, delayed and quieter, into the "microphone" path; returns
/// the microphone level in dB after the echo canceller has settled.
fn echo_level_db(cancel: bool) -> f64 {
    crate::init().expect("gst");
    let probe = echo_probe_name();
    let pipeline = gst::Pipeline::new();
    let make = |f: &str| gst::ElementFactory::make(f).build().expect(f);
    let tone = make("audiotestsrc");
    tone.set_property("is-live", true);
    tone.set_property("freq", 1000.0f64);
    tone.set_property("volume", 0.5f64);
    let caps = make("capsfilter");
    caps.set_property("caps", audio_caps());
    let tee = make("tee");
    let speaker_queue = make("queue");
    let echo_probe = crate::make_element("webrtcechoprobe", &probe).expect("probe");
    let speaker = make("fakesink");
    speaker.set_property("sync", true);
    let room = make("queue");
    // The room: 40 ms later and quieter.
    room.set_property("min-threshold-time", 40_000_000u64);
    room.set_property("max-size-time", 200_000_000u64);
    let attenuate = make("volume");
    attenuate.set_property("volume", 0.6f64);
    let dsp = audio_processing("dsp", &probe).expect("dsp");
    dsp.set_property("echo-cancel", cancel);
    dsp.set_property("noise-suppression", false);
    dsp.set_property("gain-control", false);
    let level = make("level");
    level.set_property("interval", 100_000_000u64);
    let mic_sink = make("fakesink");
    mic_sink.set_property("sync", true);
    pipeline
        .add_many([
            &tone,
            &caps,
            &tee,
            &speaker_queue,
            &echo_probe,
            &speaker,
            &room,
            &attenuate,
            &dsp,
            &level,
            &mic_sink,
        ])
        .expect("add");
    gst::Element::link_many([&tone, &caps, &tee]).expect("link tone");
    gst::Element::link_many([&tee, &speaker_queue, &echo_probe, &speaker]).expect("link speaker");
    gst::Element::link_many([&tee, &room, &attenuate, &dsp, &level, &mic_sink]).expect("link mic");
    pipeline.set_state(gst::State::Playing).expect("play");
    let bus = pipeline.bus().expect("bus");
    let started = std::time::Instant::now();
    let mut settled = Vec::new();
    while started.elapsed() < std::time::Duration::from_secs(6) {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(200)) else {
            continue;
        };
        if let gst::MessageView::Element(e) = msg.view()
            && let Some(s) = e.structure()
            && s.name() == "level"
            && started.elapsed() > std::time::Duration::from_secs(4)
            && let Ok(rms) = s.get::<gst::glib::ValueArray>("rms")
            && let Some(db) = rms.first().and_then(|v| v.get::<f64>().ok())
        {
            settled.push(db);
        }
        if let gst::MessageView::Error(err) = msg.view() {
            panic!("{}", err.error());
        }
    }
    pipeline.set_state(gst::State::Null).expect("stop");
    assert!(!settled.is_empty(), "level measured");
    settled.iter().sum::<f64>() / settled.len() as f64
}

#[test]
fn the_echo_canceller_attenuates_a_tone_played_to_the_speaker() {
    let without = echo_level_db(false);
    let with = echo_level_db(true);
    println!("echo at the microphone: {without:.1} dB without cancellation, {with:.1} dB with");
    assert!(
        without - with >= 10.0,
        "echo cancellation should take at least 10 dB off ({without:.1} -> {with:.1} dB)"
    );
}
