//! Shared encoders: one video encoder per codec and one Opus encoder, each
//! ending in a tee that every peer's payloader hangs off.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use gst::prelude::*;

use super::capture;
use super::live_caps::LiveCapsFilter;
use crate::MediaError;
use crate::encode::{self, EncoderProfile};
use crate::types::{Quality, VideoCodec};

/// Below this share of a size's starting bitrate, step down a size.
const STEP_DOWN_SHARE: f64 = 0.5;
/// Above this share of the larger size's starting bitrate, step back up.
const STEP_UP_SHARE: f64 = 0.9;
/// The lowest bitrate video is given, kbit/s.
pub(crate) const MIN_VIDEO_KBPS: u32 = 150;

pub(crate) struct VideoEncoder {
    /// Cleared while only audio is sent (the link is too poor for video):
    /// frames are then dropped in front of the encoder.
    pub sending: Arc<AtomicBool>,
    /// Frames dropped in front of the encoder because it could not keep up.
    pub overruns: Arc<AtomicU32>,
    /// Seconds in a row with too many drops.
    pub overloaded_seconds: u32,
    /// The largest size this machine has shown it can encode in time.
    pub cpu_cap: Quality,
    pub profile: &'static EncoderProfile,
    pub encoder: gst::Element,
    /// The size (and rate) the encoder is fed, changed by adaptation.
    pub(crate) scale_caps: LiveCapsFilter,
    pub tee: gst::Element,
    /// Every element of its branch, the tee last.
    pub elements: Vec<gst::Element>,
    pub max_quality: Quality,
    pub quality: Quality,
    pub fps: u32,
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
    /// for two seconds running, the machine cannot keep up at this size, so
    /// send one size smaller from now on rather than fall behind.
    pub(crate) fn check_load(&mut self) {
        let dropped = self.overruns.swap(0, Ordering::Relaxed);
        if dropped * 10 > self.fps {
            self.overloaded_seconds += 1;
        } else {
            self.overloaded_seconds = 0;
        }
        let at = Quality::ALL
            .iter()
            .position(|q| *q == self.quality)
            .unwrap_or(0);
        if self.overloaded_seconds >= 2 && at > 0 {
            let lower = Quality::ALL[at - 1];
            tracing::warn!(from = ?self.quality, to = ?lower, dropped, "the encoder cannot keep up; sending smaller");
            self.cpu_cap = lower;
            self.overloaded_seconds = 0;
            self.set_quality(lower);
        }
    }

    fn set_quality(&mut self, quality: Quality) {
        self.quality = quality;
        self.scale_caps.set(encode::input_caps(
            self.profile,
            quality.resolution(),
            i32::try_from(self.fps).unwrap_or(30),
        ));
    }

    /// Follows the bandwidth estimate: the encoder's target, and the frame
    /// size stepped down before the picture breaks up (and back up).
    pub(crate) fn follow_estimate(&mut self, estimate_kbps: u32) {
        let target = estimate_kbps.clamp(MIN_VIDEO_KBPS, self.max_quality.max_bitrate_kbps());
        let quality = self.quality_for(target);
        if quality != self.quality {
            tracing::info!(from = ?self.quality, to = ?quality, kbps = target, "sending size changed to fit the link");
            self.set_quality(quality);
        }
        if target != self.bitrate_kbps {
            self.bitrate_kbps = target;
            if let Err(e) = encode::set_bitrate(&self.encoder, self.profile, target) {
                tracing::warn!("{e}");
            }
        }
    }

    /// One step down when the estimate is well under what this size needs,
    /// one step up (never past the requested quality) when it comfortably
    /// carries the next; estimates arrive several times a second.
    fn quality_for(&self, kbps: u32) -> Quality {
        let kbps = f64::from(kbps);
        let current = self.quality;
        let at = Quality::ALL.iter().position(|q| *q == current).unwrap_or(0);
        if kbps < f64::from(current.start_bitrate_kbps()) * STEP_DOWN_SHARE && at > 0 {
            return Quality::ALL[at - 1];
        }
        match Quality::ALL.get(at + 1) {
            Some(&higher)
                if higher <= self.max_quality.min(self.cpu_cap)
                    && kbps > f64::from(higher.start_bitrate_kbps()) * STEP_UP_SHARE =>
            {
                higher
            }
            _ => current,
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

/// Builds `queue ! videoconvert ! videoscale ! caps ! encoder ! [parse] ! caps ! tee`
/// off a raw video tee (the camera's, or a shared screen's), and starts it.
/// Its elements are named `<prefix>-<codec>-...` (`mulaqat-h264-enc`).
pub(crate) fn build_video(
    pipeline: &gst::Pipeline,
    camera_tee: &gst::Element,
    registry: &encode::EncoderRegistry,
    codec: VideoCodec,
    pinned: Option<&str>,
    (quality, fps): (Quality, u32),
    prefix: &str,
) -> Result<VideoEncoder, MediaError> {
    let profile = choose_profile(registry, codec, pinned)?;
    let what = format!("the {codec} encoder ({})", profile.element);
    let tag = format!("{prefix}-{}", codec.encoding_name().to_lowercase());
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
    let convert = crate::make_element("videoconvert", &format!("{tag}-enc-convert"))?;
    let scale = crate::make_element("videoscale", &format!("{tag}-enc-scale"))?;
    // The size changes under a running camera (congestion, CPU).
    let scale_caps = LiveCapsFilter::new(
        &format!("{tag}-enc-size"),
        &encode::input_caps(
            profile,
            quality.resolution(),
            i32::try_from(fps).unwrap_or(30),
        ),
        &convert,
    )?;
    let bitrate_kbps = quality.start_bitrate_kbps();
    let encoder = encode::make_encoder(profile, &format!("{tag}-enc"), bitrate_kbps)?;
    let mut chain = vec![
        queue,
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
        cpu_cap: quality,
        profile,
        encoder,
        scale_caps,
        tee,
        elements: chain,
        max_quality: quality,
        quality,
        fps,
        bitrate_kbps,
    })
}

pub(crate) struct AudioEncoder {
    pub tee: gst::Element,
}

/// Builds `queue ! opusenc ! tee` off the microphone tee: 48 kHz, 20 ms
/// frames, in-band FEC, voice tuning.
pub(crate) fn build_audio(
    pipeline: &gst::Pipeline,
    mic_tee: &gst::Element,
) -> Result<AudioEncoder, MediaError> {
    let what = "the Opus encoder";
    let queue = crate::make_element("queue", "mulaqat-opus-queue")?;
    let enc = crate::make_element("opusenc", "mulaqat-opus-enc")?;
    enc.set_property("bitrate", 32_000i32);
    enc.set_property("inband-fec", true);
    enc.set_property("packet-loss-percentage", 10i32);
    enc.set_property_from_str("audio-type", "voice");
    enc.set_property_from_str("frame-size", "20");
    let tee = crate::make_element("tee", "mulaqat-opus-tee")?;
    tee.set_property("allow-not-linked", true);
    let chain = [&queue, &enc, &tee];
    pipeline
        .add_many(chain)
        .map_err(|e| MediaError::build(what, e))?;
    gst::Element::link_many(chain).map_err(|e| MediaError::build(what, e))?;
    start_then_attach(mic_tee, &[queue, enc, tee.clone()], what)?;
    Ok(AudioEncoder { tee })
}

/// Starts a new branch (`chain`, already linked within) and only then links
/// it to the running `tee`, which feeds its first element.
///
/// Never the other way round: a buffer the tee pushes into a branch that is
/// not started yet comes back `flushing`, and a tee passes that upstream,
/// where the capture source takes it for a shutdown and stops for good
/// without an error: the camera (or microphone) would send nothing for the
/// rest of the call, to anyone.
fn start_then_attach(
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
