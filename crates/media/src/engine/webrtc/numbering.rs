//! How a connection numbers what it sends: the RTP payload types of the
//! video codec and of Opus, the id of the transport-wide congestion
//! control header extension, and (H.264) the profile and level.
//!
//! When we offer, the numbers are ours ([`Numbering::OURS`]). When we
//! answer, they are the offer's: a browser picks its own payload types
//! (Chromium offers H.264 at 102-127, Opus at 111, TWCC as extension 3)
//! and drops packets whose payload type it did not offer. `webrtcbin`
//! 1.22 matches the senders we link to the offer's sections by their caps,
//! so a sender whose payload type or extension id differs from the offer's
//! is left out of the answer, and the answer then says `recvonly`.

use crate::types::{MediaKind, VideoCodec};

/// The header extension `rtpgccbwe` reads its feedback from.
pub(crate) const TWCC_URI: &str =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

/// What one connection's senders put in their RTP headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Numbering {
    /// The video codec's payload type.
    pub video_pt: u8,
    /// Opus's payload type.
    pub audio_pt: u8,
    /// The TWCC extension's id in the video section (`None`: not offered,
    /// so not sent).
    pub video_twcc: Option<u8>,
    /// The TWCC extension's id in the audio section.
    pub audio_twcc: Option<u8>,
    /// H.264's `profile-level-id` for the answer (`None` when we offer: our
    /// offers name no level, and receivers take the stream); see
    /// [`answer_profile_level`].
    pub h264_profile_level: Option<String>,
}

impl Numbering {
    /// What our own offers use.
    pub const OURS: Numbering = Numbering {
        video_pt: 96,
        audio_pt: 111,
        video_twcc: Some(1),
        audio_twcc: Some(1),
        h264_profile_level: None,
    };

    /// The payload type of `kind`.
    pub fn payload_type(&self, kind: MediaKind) -> u8 {
        match kind {
            MediaKind::Video => self.video_pt,
            MediaKind::Audio => self.audio_pt,
        }
    }

    /// The TWCC extension id of `kind`, if it is sent.
    pub fn twcc(&self, kind: MediaKind) -> Option<u8> {
        match kind {
            MediaKind::Video => self.video_twcc,
            MediaKind::Audio => self.audio_twcc,
        }
    }

    /// How `offer` numbers `codec` and Opus, or why an answer in `codec`
    /// cannot be made (the offer has no usable format of it, or no Opus).
    pub fn from_offer(
        offer: &gst_sdp::SDPMessageRef,
        codec: VideoCodec,
    ) -> Result<Numbering, String> {
        let video = section(offer, "video").ok_or("the offer has no video section")?;
        let audio = section(offer, "audio").ok_or("the offer has no audio section")?;
        let (video_pt, h264_profile_level) = video_format(video, codec)
            .ok_or_else(|| format!("the offer has no {codec} format we can send"))?;
        let audio_pt = formats(audio)
            .find(|f| f.name.eq_ignore_ascii_case("opus") && f.clock_rate == 48_000)
            .map(|f| f.pt)
            .ok_or("the offer has no Opus")?;
        Ok(Numbering {
            video_pt,
            audio_pt,
            video_twcc: twcc_id(video),
            audio_twcc: twcc_id(audio),
            h264_profile_level,
        })
    }
}

/// The video codecs an offer has a format of that we can send, in the
/// offer's order (its preference).
pub(crate) fn offered_video_codecs(sdp: &gst_sdp::SDPMessageRef) -> Vec<VideoCodec> {
    let mut codecs = Vec::new();
    let Some(video) = section(sdp, "video") else {
        return codecs;
    };
    for format in formats(video) {
        let codec = match format.name.to_ascii_uppercase().as_str() {
            "H264" if sendable_h264(&format.fmtp).is_some() => VideoCodec::H264,
            "H265" => VideoCodec::H265,
            "VP8" => VideoCodec::Vp8,
            _ => continue,
        };
        if !codecs.contains(&codec) {
            codecs.push(codec);
        }
    }
    codecs
}

/// The first section of `kind` that is not rejected (port 0 without
/// `a=bundle-only`: webrtcbin's max-bundle offers put 0 on every section
/// but the first, and mark them bundle-only).
fn section<'a>(sdp: &'a gst_sdp::SDPMessageRef, kind: &str) -> Option<&'a gst_sdp::SDPMediaRef> {
    sdp.medias().find(|m| {
        m.media() == Some(kind) && (m.port() != 0 || m.attribute_val("bundle-only").is_some())
    })
}

/// One `a=rtpmap` of a section, with its `a=fmtp`.
struct Format {
    pt: u8,
    name: String,
    clock_rate: u32,
    fmtp: String,
}

fn formats(media: &gst_sdp::SDPMediaRef) -> impl Iterator<Item = Format> + '_ {
    media
        .attributes()
        .filter(|a| a.key() == "rtpmap")
        .filter_map(|a| {
            let (pt, rest) = a.value()?.split_once(' ')?;
            let mut parts = rest.split('/');
            let name = parts.next()?.to_owned();
            let clock_rate = parts.next()?.parse().ok()?;
            let fmtp = fmtp_of(media, pt).unwrap_or_default();
            Some(Format {
                pt: pt.parse().ok()?,
                name,
                clock_rate,
                fmtp,
            })
        })
}

fn fmtp_of(media: &gst_sdp::SDPMediaRef, pt: &str) -> Option<String> {
    media
        .attributes()
        .filter(|a| a.key() == "fmtp")
        .find_map(|a| {
            let (p, params) = a.value()?.split_once(' ')?;
            (p == pt).then(|| params.to_owned())
        })
}

/// The payload type of `codec` in a video section (and for H.264 the
/// `profile-level-id` it names).
fn video_format(media: &gst_sdp::SDPMediaRef, codec: VideoCodec) -> Option<(u8, Option<String>)> {
    match codec {
        VideoCodec::H264 => formats(media)
            .filter(|f| f.name.eq_ignore_ascii_case("H264"))
            .filter_map(|f| sendable_h264(&f.fmtp).map(|rank| (rank, f)))
            // The best rank; among equals, the offer's first.
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, f)| (f.pt, answer_profile_level(&f.fmtp))),
        VideoCodec::H265 | VideoCodec::Vp8 => {
            let name = codec.encoding_name();
            formats(media)
                .find(|f| f.name.eq_ignore_ascii_case(name))
                .map(|f| (f.pt, None))
        }
    }
}

/// Constrained baseline at level 5.1 (3840x2160 at 30 fps): the most we send,
/// and what we can receive.
const CONSTRAINED_BASELINE_5_1: &str = "42e033";

/// The `profile-level-id` our answer gives an offered H.264 format. With
/// `level-asymmetry-allowed=1` (every browser offers it) each side names the
/// level it receives and sends up to the other's: ours is 5.1, so a 1080p or
/// 4K picture is not held to the 3.1 a browser offers (webrtcbin refuses a
/// stream above the level its answer names: not-negotiated). Without it
/// (our own offers) the answer names none, and neither side is held to one.
fn answer_profile_level(fmtp: &str) -> Option<String> {
    (fmtp_param(fmtp, "level-asymmetry-allowed") == Some("1"))
        .then(|| CONSTRAINED_BASELINE_5_1.to_owned())
}

/// Whether our H.264 (constrained baseline, packetization mode 1) fits an
/// offered format, and how well: 0 constrained baseline, 1 baseline (a
/// baseline decoder takes constrained baseline). `None`: another profile,
/// or packetization mode 0 (single NAL units, which our payloader does not
/// keep to).
fn sendable_h264(fmtp: &str) -> Option<u8> {
    if fmtp_param(fmtp, "packetization-mode") != Some("1") {
        return None;
    }
    // Without a profile-level-id the format is baseline at level 1.0.
    let id = fmtp_param(fmtp, "profile-level-id").unwrap_or("42000a");
    let bytes = u32::from_str_radix(id, 16).ok().filter(|_| id.len() == 6)?;
    let (profile_idc, constraints) = (bytes >> 16, (bytes >> 8) & 0xff);
    // Constrained baseline is written three ways (RFC 6184 table 5).
    let constrained = match profile_idc {
        0x42 => constraints & 0x40 != 0,
        0x4d => constraints & 0x80 != 0,
        0x58 => constraints & 0xc0 == 0xc0,
        _ => false,
    };
    match (constrained, profile_idc) {
        (true, _) => Some(0),
        (false, 0x42) => Some(1),
        _ => None,
    }
}

fn fmtp_param<'a>(fmtp: &'a str, key: &str) -> Option<&'a str> {
    fmtp.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case(key).then_some(v.trim())
    })
}

/// The id of the TWCC extension in a section (`a=extmap:ID[/dir] URI`).
fn twcc_id(media: &gst_sdp::SDPMediaRef) -> Option<u8> {
    media
        .attributes()
        .filter(|a| a.key() == "extmap")
        .find_map(|a| {
            let mut parts = a.value()?.split_whitespace();
            let id = parts.next()?.split('/').next()?.parse().ok()?;
            (parts.next()? == TWCC_URI).then_some(id)
        })
}

#[cfg(test)]
mod tests;
