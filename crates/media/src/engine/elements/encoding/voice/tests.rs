use std::str::FromStr;

use super::*;

fn encoder() -> (gst::Pipeline, AudioEncoder) {
    crate::init().expect("gst");
    let pipeline = gst::Pipeline::new();
    let tee = crate::make_element("tee", "test-mic-tee").expect("tee");
    tee.set_property("allow-not-linked", true);
    let src = crate::make_element("audiotestsrc", "test-mic").expect("audiotestsrc");
    let caps = crate::make_element("capsfilter", "test-mic-caps").expect("capsfilter");
    caps.set_property(
        "caps",
        gst::Caps::from_str("audio/x-raw,rate=48000,channels=1").expect("caps"),
    );
    pipeline.add_many([&src, &caps, &tee]).expect("add");
    gst::Element::link_many([&src, &caps, &tee]).expect("link");
    let audio = build_audio(&pipeline, &tee).expect("opus");
    (pipeline, audio)
}

fn told(audio: &AudioEncoder) -> i32 {
    audio.encoder.property::<i32>("packet-loss-percentage")
}

#[test]
fn the_encoder_is_told_the_worst_loss_of_the_last_seconds_rounded_up() {
    let (_pipeline, mut audio) = encoder();
    assert_eq!(told(&audio), START_PERCENT, "before any feedback");
    audio.follow_loss(None);
    assert_eq!(told(&audio), START_PERCENT, "no feedback changes nothing");
    audio.follow_loss(Some(0.0));
    assert_eq!(told(&audio), 0, "a clean link spends nothing on copies");
    audio.follow_loss(Some(0.12));
    assert_eq!(told(&audio), 20, "12% rounds up to 20");
    for _ in 0..REMEMBERED_SECONDS - 1 {
        audio.follow_loss(Some(0.03));
        assert_eq!(told(&audio), 20, "one clean-ish second does not drop it");
    }
    audio.follow_loss(Some(0.03));
    assert_eq!(told(&audio), 5, "once the 12% second is forgotten");
    audio.follow_loss(Some(0.6));
    assert_eq!(told(&audio), 30, "the most it is told");
}
