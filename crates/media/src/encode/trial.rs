//! A trial encode: a few test frames through one encoder in a throw-away
//! pipeline, `videotestsrc ! raw caps ! encoder ! coded caps ! fakesink`,
//! with a timeout. The probe runs one per installed encoder.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::build::{input_caps, make_encoder, output_caps};
use super::probe::ProbeTiming;
use super::profile::EncoderProfile;
use crate::types::{Quality, Resolution};

/// A finished test encode.
#[derive(Debug)]
pub(crate) struct TestEncode {
    /// How long it took.
    pub(crate) timing: ProbeTiming,
    /// The caps after the encoder's capsfilter.
    pub(crate) caps: Option<gst::Caps>,
}

/// A start bitrate for a frame size, in kbit/s.
fn probe_bitrate_kbps(size: Resolution) -> u32 {
    Quality::from_height(size.height).map_or_else(
        || {
            let pixels = u64::from(size.width) * u64::from(size.height);
            // About 0.07 bit per pixel at 30 fps; clamped, so it fits in u32.
            u32::try_from((pixels * 30 * 7 / 100_000).clamp(300, 20_000)).unwrap_or(20_000)
        },
        Quality::start_bitrate_kbps,
    )
}

/// Encodes `frames` test frames of `size` through `profile`'s encoder:
/// `videotestsrc ! raw caps ! encoder ! coded caps ! fakesink`.
pub(crate) fn test_encode(
    profile: &EncoderProfile,
    size: Resolution,
    frames: u32,
    timeout: Duration,
) -> Result<TestEncode, String> {
    let pipeline = gst::Pipeline::with_name("mulaqat-encoder-probe");
    let result = run_test_encode(&pipeline, profile, size, frames, timeout);
    let _ = pipeline.set_state(gst::State::Null);
    result
}

fn run_test_encode(
    pipeline: &gst::Pipeline,
    profile: &EncoderProfile,
    size: Resolution,
    frames: u32,
    timeout: Duration,
) -> Result<TestEncode, String> {
    let text = |e: crate::MediaError| e.to_string();
    let src = crate::make_element("videotestsrc", "mulaqat-probe-src").map_err(text)?;
    src.set_property("num-buffers", i32::try_from(frames).unwrap_or(i32::MAX));
    let raw = crate::make_element("capsfilter", "mulaqat-probe-raw-caps").map_err(text)?;
    raw.set_property("caps", input_caps(profile, size, 30));
    let encoder =
        make_encoder(profile, "mulaqat-probe-enc", probe_bitrate_kbps(size)).map_err(text)?;
    let coded = crate::make_element("capsfilter", "mulaqat-probe-coded-caps").map_err(text)?;
    coded.set_property("caps", output_caps(profile));
    let sink = crate::make_element("fakesink", "mulaqat-probe-sink").map_err(text)?;
    sink.set_property("sync", false);
    let chain = [&src, &raw, &encoder, &coded, &sink];
    pipeline.add_many(chain).map_err(|e| e.to_string())?;
    gst::Element::link_many(chain).map_err(|e| format!("could not link: {e}"))?;

    let count = Arc::new(AtomicU32::new(0));
    let first = Arc::new(OnceLock::new());
    let sink_pad = sink.static_pad("sink").ok_or("fakesink has no sink pad")?;
    {
        let (count, first) = (Arc::clone(&count), Arc::clone(&first));
        sink_pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            first.get_or_init(Instant::now);
            count.fetch_add(1, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
    }

    let bus = pipeline.bus().ok_or("the pipeline has no bus")?;
    let start = Instant::now();
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|_| "the encoder would not start".to_owned())?;
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_nseconds(u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX)),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    let total = start.elapsed();
    let encoded = count.load(Ordering::Relaxed);
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Eos(_)) if encoded > 0 => Ok(TestEncode {
            timing: ProbeTiming {
                first_frame: first.get().map_or(total, |t| t.duration_since(start)),
                total,
                frames: encoded,
            },
            caps: sink_pad.current_caps(),
        }),
        Some(gst::MessageView::Eos(_)) => Err("finished without encoding a frame".to_owned()),
        Some(gst::MessageView::Error(e)) => Err(match e.debug() {
            Some(debug) => format!("{} ({debug})", e.error()),
            None => e.error().to_string(),
        }),
        _ => Err(format!(
            "timed out after {timeout:?} with {encoded} of {frames} frames encoded"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::profile::profile;

    #[test]
    fn encoder_probe_reports_a_timeout_as_failure() {
        crate::init().unwrap();
        let x265 = profile("x265enc").unwrap();
        let big = Resolution {
            width: 3840,
            height: 2160,
        };
        let err = test_encode(x265, big, 300, Duration::from_millis(1)).unwrap_err();
        assert!(err.starts_with("timed out after 1ms"), "{err}");
    }
}
