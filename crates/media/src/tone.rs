//! A short chime on the speaker, for the pre-join "test your speaker".

use std::time::Duration;

use gst::prelude::*;

use crate::MediaError;

/// Plays a soft 660 Hz tone for `length` on the default speaker and
/// returns when it has played. Blocking: call it off the async runtime.
pub fn play_test_tone(length: Duration) -> Result<(), MediaError> {
    crate::init()?;
    let buffers = (length.as_millis() / 10).clamp(1, 500) as i32;
    let pipeline = gst::Pipeline::with_name("mulaqat-test-tone");
    let source = crate::make_element("audiotestsrc", "mulaqat-tone-source")?;
    source.set_property_from_str("wave", "sine");
    source.set_property("freq", 660.0f64);
    source.set_property("volume", 0.3f64);
    source.set_property("num-buffers", buffers);
    source.set_property("samplesperbuffer", 480i32);
    let convert = crate::make_element("audioconvert", "mulaqat-tone-convert")?;
    let resample = crate::make_element("audioresample", "mulaqat-tone-resample")?;
    let sink = crate::make_element("autoaudiosink", "mulaqat-tone-sink")?;
    let what = "the test tone";
    pipeline
        .add_many([&source, &convert, &resample, &sink])
        .map_err(|e| MediaError::build(what, e))?;
    gst::Element::link_many([&source, &convert, &resample, &sink])
        .map_err(|e| MediaError::build(what, e))?;
    let result = run_to_end(&pipeline, length + Duration::from_secs(3));
    let _ = pipeline.set_state(gst::State::Null);
    result
}

fn run_to_end(pipeline: &gst::Pipeline, within: Duration) -> Result<(), MediaError> {
    let what = "the test tone";
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|_| MediaError::build(what, "no speaker could play it"))?;
    let bus = pipeline
        .bus()
        .ok_or_else(|| MediaError::build(what, "no bus"))?;
    let timeout = gst::ClockTime::from_mseconds(u64::try_from(within.as_millis()).unwrap_or(5000));
    match bus.timed_pop_filtered(timeout, &[gst::MessageType::Eos, gst::MessageType::Error]) {
        Some(msg) => match msg.view() {
            gst::MessageView::Error(e) => Err(MediaError::build(what, e.error())),
            _ => Ok(()),
        },
        None => Err(MediaError::build(
            what,
            "the speaker did not finish playing it",
        )),
    }
}
