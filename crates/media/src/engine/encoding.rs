//! Shared encoders: one video encoder per codec and one Opus encoder, each
//! ending in a tee that every peer's payloader hangs off.

use gst::prelude::*;

use super::capture;
use crate::MediaError;
use crate::encode::{self, EncoderProfile};
use crate::types::{Quality, VideoCodec};

/// Below this share of a size's starting bitrate, step down a size.
const STEP_DOWN_SHARE: f64 = 0.5;
/// Above this share of the larger size's starting bitrate, step back up.
const STEP_UP_SHARE: f64 = 0.9;
/// The lowest bitrate video is given, kbit/s.
pub(super) const MIN_VIDEO_KBPS: u32 = 150;

pub(crate) struct VideoEncoder {
    pub profile: &'static EncoderProfile,
    pub encoder: gst::Element,
    pub scale_caps: gst::Element,
    pub tee: gst::Element,
    pub max_quality: Quality,
    pub quality: Quality,
    pub fps: u32,
    pub bitrate_kbps: u32,
}

impl VideoEncoder {
    pub(super) fn element_name(&self) -> &str {
        self.profile.element
    }

    /// Asks for a keyframe now (a new peer, or a peer's PLI).
    pub(super) fn request_keyframe(&self) {
        let event = gst_video::UpstreamForceKeyUnitEvent::builder()
            .all_headers(true)
            .build();
        if let Some(pad) = self.encoder.static_pad("src") {
            let _ = pad.send_event(event);
        }
    }

    /// Follows the bandwidth estimate: the encoder's target, and the frame
    /// size stepped down before the picture breaks up (and back up).
    pub(super) fn follow_estimate(&mut self, estimate_kbps: u32) {
        let target = estimate_kbps.clamp(MIN_VIDEO_KBPS, self.max_quality.max_bitrate_kbps());
        let quality = self.quality_for(target);
        if quality != self.quality {
            tracing::info!(from = ?self.quality, to = ?quality, kbps = target, "sending size changed to fit the link");
            self.quality = quality;
            self.scale_caps.set_property(
                "caps",
                encode::input_caps(
                    self.profile,
                    quality.resolution(),
                    i32::try_from(self.fps).unwrap_or(30),
                ),
            );
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
                if higher <= self.max_quality
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
pub(super) fn default_registry() -> encode::EncoderRegistry {
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
pub(super) fn choose_profile(
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
/// off the camera tee, and starts it.
pub(super) fn build_video(
    pipeline: &gst::Pipeline,
    camera_tee: &gst::Element,
    registry: &encode::EncoderRegistry,
    codec: VideoCodec,
    pinned: Option<&str>,
    quality: Quality,
    fps: u32,
) -> Result<VideoEncoder, MediaError> {
    let profile = choose_profile(registry, codec, pinned)?;
    let what = format!("the {codec} encoder ({})", profile.element);
    let tag = codec.encoding_name().to_lowercase();
    let queue = capture::leaky_queue(&format!("mulaqat-{tag}-enc-queue"), 2)?;
    let convert = crate::make_element("videoconvert", &format!("mulaqat-{tag}-enc-convert"))?;
    let scale = crate::make_element("videoscale", &format!("mulaqat-{tag}-enc-scale"))?;
    let scale_caps = crate::make_element("capsfilter", &format!("mulaqat-{tag}-enc-size"))?;
    scale_caps.set_property(
        "caps",
        encode::input_caps(
            profile,
            quality.resolution(),
            i32::try_from(fps).unwrap_or(30),
        ),
    );
    let bitrate_kbps = quality.start_bitrate_kbps();
    let encoder = encode::make_encoder(profile, &format!("mulaqat-{tag}-enc"), bitrate_kbps)?;
    let mut chain = vec![queue, convert, scale, scale_caps.clone(), encoder.clone()];
    match codec {
        VideoCodec::H264 => {
            let parse = crate::make_element("h264parse", &format!("mulaqat-{tag}-parse"))?;
            parse.set_property("config-interval", -1i32);
            chain.push(parse);
        }
        VideoCodec::H265 => {
            let parse = crate::make_element("h265parse", &format!("mulaqat-{tag}-parse"))?;
            parse.set_property("config-interval", -1i32);
            chain.push(parse);
        }
        VideoCodec::Vp8 => {}
    }
    let out_caps = crate::make_element("capsfilter", &format!("mulaqat-{tag}-enc-caps"))?;
    out_caps.set_property("caps", encode::output_caps(profile));
    let tee = crate::make_element("tee", &format!("mulaqat-{tag}-tee"))?;
    tee.set_property("allow-not-linked", true);
    chain.extend([out_caps, tee.clone()]);
    pipeline
        .add_many(chain.iter())
        .map_err(|e| MediaError::build(&what, e))?;
    gst::Element::link_many(chain.iter()).map_err(|e| MediaError::build(&what, e))?;
    camera_tee
        .link(&chain[0])
        .map_err(|e| MediaError::build(&what, e))?;
    for element in &chain {
        element
            .sync_state_with_parent()
            .map_err(|e| MediaError::build(&what, e))?;
    }
    tracing::info!(encoder = profile.element, %codec, hardware = profile.is_hardware(), "video encoder started");
    Ok(VideoEncoder {
        profile,
        encoder,
        scale_caps,
        tee,
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
pub(super) fn build_audio(
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
    mic_tee
        .link(&queue)
        .map_err(|e| MediaError::build(what, e))?;
    for element in chain {
        element
            .sync_state_with_parent()
            .map_err(|e| MediaError::build(what, e))?;
    }
    Ok(AudioEncoder { tee })
}
