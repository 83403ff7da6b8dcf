//! Shared encoders: one video encoder per codec and one Opus encoder, each
//! ending in a tee that every peer's payloader hangs off.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use gst::prelude::*;

use super::capture;
use super::live_caps::LiveCapsFilter;
use crate::MediaError;
use crate::encode::{self, EncoderProfile};
use crate::types::VideoCodec;

mod ladder;
mod voice;
pub(crate) use ladder::{Ladder, Step};
pub(crate) use voice::{AudioEncoder, build_audio};

/// The lowest bitrate video is given, kbit/s: what 180p at 10 fps needs
/// (the ladder's lowest rung, see [`Ladder`]).
pub(crate) const MIN_VIDEO_KBPS: u32 = 100;

pub(crate) struct VideoEncoder {
    /// Cleared while only audio is sent (the link is too poor for video):
    /// frames are then dropped in front of the encoder.
    pub sending: Arc<AtomicBool>,
    /// Frames dropped in front of the encoder because it could not keep up.
    pub overruns: Arc<AtomicU32>,
    /// Seconds in a row with too many drops.
    pub overloaded_seconds: u32,
    pub profile: &'static EncoderProfile,
    pub encoder: gst::Element,
    /// The size (and rate) the encoder is fed, changed by adaptation.
    pub(crate) scale_caps: LiveCapsFilter,
    pub tee: gst::Element,
    /// Every element of its branch, the tee last.
    pub elements: Vec<gst::Element>,
    /// The size and rate sent, stepped by the estimate and the CPU.
    pub ladder: Ladder,
    pub bitrate_kbps: u32,
}

impl VideoEncoder {
    pub(crate) fn element_name(&self) -> &str {
        self.profile.element
    }

    /// Asks for a keyframe now (a new peer, or a peer's PLI).
    pub(crate) fn request_keyframe(&self) {
        let event = gst_video::UpstreamForceKeyUnitEvent::builder()
            .all_headers(true)
            .build();
        if let Some(pad) = self.encoder.static_pad("src") {
            let _ = pad.send_event(event);
        }
    }

    /// Stops or resumes sending video; a resumed stream starts with a keyframe.
    pub(crate) fn set_sending(&self, sending: bool) {
        if self.sending.swap(sending, Ordering::AcqRel) != sending && sending {
            self.request_keyframe();
        }
    }

    /// Once a second: when the encoder drops more than a tenth of the frames
    /// for two seconds running, the machine cannot keep up at this rung, so
    /// send one rung lower from now on rather than fall behind.
    pub(crate) fn check_load(&mut self) {
        // The queue sees every frame of the capture, whatever the rung's
        // rate (the lower rates are made after it).
        let dropped = self.overruns.swap(0, Ordering::Relaxed);
        if dropped * 10 > self.ladder.call_fps() {
            self.overloaded_seconds += 1;
        } else {
            self.overloaded_seconds = 0;
        }
        if self.overloaded_seconds < 2 {
            return;
        }
        self.overloaded_seconds = 0;
        let from = self.ladder.step();
        if let Some(to) = self.ladder.step_down_for_cpu() {
            tracing::warn!(%from, %to, dropped, "the encoder cannot keep up; sending smaller");
            self.send(to);
        }
    }

    fn send(&self, step: Step) {
        self.scale_caps.set(encode::input_caps(
            self.profile,
            step.size,
            i32::try_from(step.fps).unwrap_or(30),
        ));
    }

    /// Follows the bandwidth estimate: the encoder's target, and the frame
    /// size and rate stepped down before the picture breaks up (and back up).
    pub(crate) fn follow_estimate(&mut self, estimate_kbps: u32) {
        let target = estimate_kbps.clamp(MIN_VIDEO_KBPS, self.ladder.quality().max_bitrate_kbps());
        let from = self.ladder.step();
        if let Some(to) = self.ladder.follow(target) {
            tracing::info!(%from, %to, kbps = target, "sending size changed to fit the link");
            self.send(to);
        }
        if target != self.bitrate_kbps {
            self.bitrate_kbps = target;
            if let Err(e) = encode::set_bitrate(&self.encoder, self.profile, target) {
                tracing::warn!("{e}");
            }
        }
    }
}

/// The probe results shared by every engine of this process that was not
/// given its own registry.
pub(crate) fn default_registry() -> encode::EncoderRegistry {
    static REGISTRY: std::sync::OnceLock<encode::EncoderRegistry> = std::sync::OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            encode::EncoderRegistry::probe_in_background(crate::types::Resolution {
                width: 1280,
                height: 720,
            })
        })
        .clone()
}

/// The encoder for `codec`: the pinned one if it works, else the best
/// working one (hardware first).
pub(crate) fn choose_profile(
    registry: &encode::EncoderRegistry,
    codec: VideoCodec,
    pinned: Option<&str>,
) -> Result<&'static EncoderProfile, MediaError> {
    let selection = registry.select(codec, pinned).map_err(MediaError::from)?;
    if let encode::Reason::PinnedUnavailableFellBack { pinned, why } = &selection.reason {
        tracing::warn!(pinned = %pinned, "pinned encoder unusable ({why:?}); using {}", selection.profile.element);
    }
    Ok(selection.profile)
}

/// The queue a video encoder's branch starts with (leaky: a frame the
/// encoder has no time for is dropped there and counted), and the switch
/// that drops every frame while only audio is sent.
fn entry_queue(tag: &str) -> Result<(gst::Element, Arc<AtomicBool>, Arc<AtomicU32>), MediaError> {
    let queue = capture::leaky_queue(&format!("{tag}-enc-queue"), 2)?;
    let overruns = Arc::new(AtomicU32::new(0));
    {
        let overruns = overruns.clone();
        queue.connect("overrun", false, move |_| {
            overruns.fetch_add(1, Ordering::Relaxed);
            None
        });
    }
    let sending = Arc::new(AtomicBool::new(true));
    if let Some(pad) = queue.static_pad("src") {
        let sending = sending.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            if sending.load(Ordering::Acquire) {
                gst::PadProbeReturn::Ok
            } else {
                gst::PadProbeReturn::Drop
            }
        });
    }
    Ok((queue, sending, overruns))
}

/// Builds `queue ! videorate ! videoconvert ! videoscale ! caps ! encoder !
/// [parse] ! caps ! tee` off a raw video tee (the camera's, or a shared
/// screen's), and starts it. Its elements are named `<prefix>-<codec>-...`
/// (`mulaqat-h264-enc`). The caps say the ladder's size and rate; the
/// `videorate` only drops frames (a lower rung's rate), never holds or
/// repeats one.
pub(crate) fn build_video(
    pipeline: &gst::Pipeline,
    camera_tee: &gst::Element,
    registry: &encode::EncoderRegistry,
    (codec, pinned): (VideoCodec, Option<&str>),
    ladder: Ladder,
    prefix: &str,
) -> Result<VideoEncoder, MediaError> {
    let profile = choose_profile(registry, codec, pinned)?;
    let what = format!("the {codec} encoder ({})", profile.element);
    let tag = format!("{prefix}-{}", codec.encoding_name().to_lowercase());
    let (queue, sending, overruns) = entry_queue(&tag)?;
    let rate = crate::make_element("videorate", &format!("{tag}-enc-rate"))?;
    rate.set_property("drop-only", true);
    let convert = crate::make_element("videoconvert", &format!("{tag}-enc-convert"))?;
    let scale = crate::make_element("videoscale", &format!("{tag}-enc-scale"))?;
    // The size and rate change under a running camera (congestion, CPU).
    let step = ladder.step();
    let scale_caps = LiveCapsFilter::new(
        &format!("{tag}-enc-size"),
        &encode::input_caps(profile, step.size, i32::try_from(step.fps).unwrap_or(30)),
        &rate,
    )?;
    let bitrate_kbps = ladder.quality().start_bitrate_kbps();
    let encoder = encode::make_encoder(profile, &format!("{tag}-enc"), bitrate_kbps)?;
    let mut chain = vec![
        queue,
        rate,
        convert,
        scale,
        scale_caps.element().clone(),
        encoder.clone(),
    ];
    match codec {
        VideoCodec::H264 => {
            let parse = crate::make_element("h264parse", &format!("{tag}-parse"))?;
            parse.set_property("config-interval", -1i32);
            chain.push(parse);
        }
        VideoCodec::H265 => {
            let parse = crate::make_element("h265parse", &format!("{tag}-parse"))?;
            parse.set_property("config-interval", -1i32);
            chain.push(parse);
        }
        VideoCodec::Vp8 => {}
    }
    let out_caps = crate::make_element("capsfilter", &format!("{tag}-enc-caps"))?;
    out_caps.set_property("caps", encode::output_caps(profile));
    let tee = crate::make_element("tee", &format!("{tag}-tee"))?;
    tee.set_property("allow-not-linked", true);
    chain.extend([out_caps, tee.clone()]);
    pipeline
        .add_many(chain.iter())
        .map_err(|e| MediaError::build(&what, e))?;
    gst::Element::link_many(chain.iter()).map_err(|e| MediaError::build(&what, e))?;
    start_then_attach(camera_tee, &chain, &what)?;
    tracing::info!(encoder = profile.element, %codec, hardware = profile.is_hardware(), "video encoder started");
    Ok(VideoEncoder {
        sending,
        overruns,
        overloaded_seconds: 0,
        profile,
        encoder,
        scale_caps,
        tee,
        elements: chain,
        ladder,
        bitrate_kbps,
    })
}

/// Starts a new branch (`chain`, already linked within) and only then links
/// it to the running `tee`, which feeds its first element.
///
/// Never the other way round: a buffer the tee pushes into a branch that is
/// not started yet comes back `flushing`, and a tee passes that upstream,
/// where the capture source takes it for a shutdown and stops for good
/// without an error: the camera (or microphone) would send nothing for the
/// rest of the call, to anyone.
pub(super) fn start_then_attach(
    tee: &gst::Element,
    chain: &[gst::Element],
    what: &str,
) -> Result<(), MediaError> {
    for element in chain.iter().rev() {
        element
            .sync_state_with_parent()
            .map_err(|e| MediaError::build(what, e))?;
    }
    let first = chain
        .first()
        .ok_or_else(|| MediaError::build(what, "the branch is empty"))?;
    tee.link(first).map_err(|e| MediaError::build(what, e))
}

#[cfg(test)]
mod tests;
