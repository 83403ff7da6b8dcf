//! A snapshot: the newest captured frame, at full capture size, written as
//! PNG or JPEG by a short pipeline of its own.

use gst::prelude::*;

use super::pipeline::pipeline_error;
use crate::MediaError;
use crate::types::Resolution;

pub(crate) fn capture(
    sink: &gst_app::AppSink,
    path: &std::path::Path,
) -> Result<Resolution, MediaError> {
    let sample = sink
        .try_pull_sample(gst::ClockTime::from_seconds(2))
        .ok_or_else(|| MediaError::Pipeline("no camera frame arrived for the snapshot".into()))?;
    let caps = sample
        .caps()
        .ok_or_else(|| MediaError::Pipeline("snapshot frame without caps".into()))?;
    let info =
        gst_video::VideoInfo::from_caps(caps).map_err(|e| MediaError::build("the snapshot", e))?;
    let png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let encoder = if png { "pngenc" } else { "jpegenc" };
    let pipeline = gst::Pipeline::with_name("mulaqat-snapshot");
    let src = gst_app::AppSrc::builder()
        .caps(&caps.to_owned())
        .format(gst::Format::Time)
        .build();
    let convert = crate::make_element("videoconvert", "mulaqat-snapshot-convert")?;
    let enc = crate::make_element(encoder, "mulaqat-snapshot-enc")?;
    if !png {
        enc.set_property("quality", 95i32);
    }
    let out = crate::make_element("filesink", "mulaqat-snapshot-file")?;
    out.set_property("location", path.to_string_lossy().to_string());
    pipeline
        .add_many([src.upcast_ref(), &convert, &enc, &out])
        .map_err(|e| MediaError::build("the snapshot", e))?;
    gst::Element::link_many([src.upcast_ref(), &convert, &enc, &out])
        .map_err(|e| MediaError::build("the snapshot", e))?;
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|_| MediaError::Pipeline(pipeline_error(&pipeline)))?;
    let buffer = sample
        .buffer_owned()
        .ok_or_else(|| MediaError::Pipeline("empty snapshot frame".into()))?;
    let _ = src.push_buffer(buffer);
    let _ = src.end_of_stream();
    let bus = pipeline
        .bus()
        .ok_or_else(|| MediaError::Pipeline("snapshot pipeline has no bus".into()))?;
    let result = match bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(10),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    ) {
        Some(msg) => match msg.view() {
            gst::MessageView::Eos(_) => Ok(Resolution {
                width: info.width(),
                height: info.height(),
            }),
            gst::MessageView::Error(e) => Err(MediaError::Pipeline(format!(
                "snapshot failed: {}",
                e.error()
            ))),
            _ => Err(MediaError::Pipeline("snapshot failed".into())),
        },
        None => Err(MediaError::Pipeline("snapshot timed out".into())),
    };
    let _ = pipeline.set_state(gst::State::Null);
    result
}
