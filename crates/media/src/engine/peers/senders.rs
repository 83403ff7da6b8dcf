//! A connection's sending branches: `queue ! payloader ! caps` from an
//! encoder's tee to a `webrtcbin` sink pad, one per stream it sends (the
//! shared camera and microphone encoders, or the screen stream's).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gst::glib;
use gst::prelude::*;
use gst_rtp::prelude::*;

use crate::MediaError;
use crate::engine::elements::encoding;
use crate::engine::events::MediaEvent;
use crate::engine::ids::{Source, peer_tag};
use crate::engine::state::{Shared, State};
use crate::engine::webrtc::numbering::{Numbering, TWCC_URI};
use crate::engine::webrtc::sent::Sent;
use crate::types::{MediaKind, PeerId, VideoCodec};

/// What a connection sends from: each stream's kind and the tee it hangs off.
type Feeds = Vec<(MediaKind, gst::Element)>;

/// Links this peer's payloaders to what it sends, numbered as `numbering`
/// says (ours when we offer, the offer's when we answer).
pub(crate) fn link(
    shared: &Arc<Shared>,
    state: &mut State,
    peer: &PeerId,
    codec: VideoCodec,
    numbering: &Numbering,
) -> Result<(), MediaError> {
    let sends = state
        .peers
        .get(peer)
        .map(|p| p.role.sends())
        .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
    let source = sends.ok_or_else(|| {
        MediaError::build(format!("sending to {peer}"), "the connection only receives")
    })?;
    let feeds = match source {
        Source::Camera => camera_feeds(shared, state, codec)?,
        Source::Screen => screen_feeds(state, peer, codec)?,
    };
    attach(shared, state, peer, feeds, (codec, numbering))?;
    // The new sender starts at a keyframe.
    let encoder = match source {
        Source::Camera => state.video_encoders.get(&codec),
        Source::Screen => state.screen_stream.as_ref().map(|s| &s.encoder),
    };
    if let Some(encoder) = encoder {
        encoder.request_keyframe();
    }
    Ok(())
}

/// The screen stream's encoder, for a connection that sends the screen:
/// its video only.
fn screen_feeds(state: &State, peer: &PeerId, codec: VideoCodec) -> Result<Feeds, MediaError> {
    let tee = state
        .screen_stream
        .as_ref()
        .filter(|s| s.encoder.profile.codec == codec)
        .map(|s| s.encoder.tee.clone())
        .ok_or_else(|| {
            MediaError::build(
                format!("sending the screen to {peer}"),
                format!("the screen is not being encoded in {codec}"),
            )
        })?;
    Ok(vec![(MediaKind::Video, tee)])
}

/// The shared camera and microphone encoders (built on first use).
fn camera_feeds(
    shared: &Shared,
    state: &mut State,
    codec: VideoCodec,
) -> Result<Feeds, MediaError> {
    if !state.video_encoders.contains_key(&codec) {
        let encoder = encoding::build_video(
            &shared.pipeline,
            &state.video_tee,
            &shared.encoders,
            (codec, shared.settings.pinned_encoder.as_deref()),
            encoding::Ladder::camera(shared.settings.quality, shared.settings.fps),
            "mulaqat",
        )?;
        shared.emit(MediaEvent::EncoderSelected {
            element: encoder.profile.element.to_owned(),
            codec,
            hardware: encoder.profile.is_hardware(),
        });
        state.video_encoders.insert(codec, encoder);
    }
    if state.audio_encoder.is_none() {
        state.audio_encoder = Some(encoding::build_audio(&shared.pipeline, &state.audio_tee)?);
    }
    let video_tee = state
        .video_encoders
        .get(&codec)
        .map(|e| e.tee.clone())
        .ok_or_else(|| MediaError::NoEncoder(codec.to_string()))?;
    let audio_tee = state
        .audio_encoder
        .as_ref()
        .map(|e| e.tee.clone())
        .ok_or_else(|| MediaError::NoEncoder("Opus".into()))?;
    Ok(vec![
        (MediaKind::Video, video_tee),
        (MediaKind::Audio, audio_tee),
    ])
}

/// Links a sender from each of `feeds` to `peer`'s `webrtcbin` and records
/// them on the connection, which sends `codec` from then on.
fn attach(
    shared: &Shared,
    state: &mut State,
    peer: &PeerId,
    feeds: Feeds,
    (codec, numbering): (VideoCodec, &Numbering),
) -> Result<(), MediaError> {
    let name = peer_tag(peer);
    let p = state
        .peers
        .get_mut(peer)
        .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
    let send_only = p.role.send_only();
    let (webrtcbin, connected) = (p.webrtcbin.clone(), p.connected.clone());
    let mut tee_pads = Vec::new();
    let mut sent = Vec::new();
    for (kind, tee) in feeds {
        let video_codec = (kind == MediaKind::Video).then_some(codec);
        let (pad, counts) = link_sender(
            &shared.pipeline,
            &tee,
            (&webrtcbin, &connected, send_only),
            &name,
            (kind, video_codec, numbering),
        )?;
        tee_pads.push((tee, pad));
        sent.push((kind, counts));
    }
    p.tee_pads = tee_pads;
    p.sent = sent;
    p.codec = Some(codec);
    Ok(())
}

/// Drops buffers leaving `element` until `connected` is set (events pass,
/// so caps still reach `webrtcbin` for the offer).
fn hold_until_connected(element: &gst::Element, connected: Arc<AtomicBool>) {
    if let Some(pad) = element.static_pad("src") {
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, _| {
                if connected.load(Ordering::Acquire) {
                    gst::PadProbeReturn::Remove
                } else {
                    gst::PadProbeReturn::Drop
                }
            },
        );
    }
}

fn rtp_caps(
    kind: MediaKind,
    codec: Option<VideoCodec>,
    numbering: &Numbering,
    ssrc: u32,
) -> gst::Caps {
    let pt = i32::from(numbering.payload_type(kind));
    let mut caps = match (kind, codec) {
        (MediaKind::Video, Some(codec)) => gst::Caps::builder("application/x-rtp")
            .field("media", "video")
            .field("encoding-name", codec.encoding_name())
            .field("payload", pt)
            .field("clock-rate", 90_000i32)
            .field("rtcp-fb-nack", true)
            .field("rtcp-fb-nack-pli", true)
            .field("rtcp-fb-ccm-fir", true),
        _ => gst::Caps::builder("application/x-rtp")
            .field("media", "audio")
            .field("encoding-name", "OPUS")
            // Always `opus/48000/2` in SDP (RFC 7587): Janus rejects the
            // audio of an offer made before the encoder's caps came without it.
            .field("encoding-params", "2")
            .field("payload", pt)
            .field("clock-rate", 48_000i32)
            // Says we decode Opus's in-band FEC (`a=fmtp`, RFC 7587): a
            // browser puts the copies in what it sends only when asked.
            .field("useinbandfec", "1"),
    };
    if codec == Some(VideoCodec::H264) {
        caps = caps.field("packetization-mode", "1");
    }
    if let Some(id) = numbering.twcc(kind) {
        caps = caps
            .field("rtcp-fb-transport-cc", true)
            .field(format!("extmap-{id}"), TWCC_URI);
    }
    caps.field("ssrc", ssrc).build()
}

/// Links one sending branch (`queue ! payloader ! caps`) from an encoder's
/// tee to a new `webrtcbin` sink pad. Its media is dropped until the
/// connection is up: GStreamer 1.22's `webrtcbin` can answer buffers that
/// come before its transport is set up with `not-linked`, which stops the
/// branch's queue for good, so one of a peer's streams would never be sent.
fn link_sender(
    pipeline: &gst::Pipeline,
    tee: &gst::Element,
    (webrtcbin, connected, send_only): (&gst::Element, &Arc<AtomicBool>, bool),
    name: &str,
    (kind, codec, numbering): (MediaKind, Option<VideoCodec>, &Numbering),
) -> Result<(gst::Pad, Arc<Sent>), MediaError> {
    let label = if kind == MediaKind::Video {
        "video"
    } else {
        "audio"
    };
    let what = format!("sending {label} to {name}");
    let queue = crate::make_element("queue", &format!("{name}-send-{label}-queue"))?;
    let ssrc = glib::random_int();
    let pay = payloader(
        &format!("{name}-send-{label}-pay"),
        ssrc,
        (kind, codec, numbering),
    )?;
    let caps = crate::make_element("capsfilter", &format!("{name}-send-{label}-caps"))?;
    caps.set_property("caps", rtp_caps(kind, codec, numbering, ssrc));
    hold_until_connected(&caps, connected.clone());
    let sent = Sent::attach(
        &caps
            .static_pad("src")
            .ok_or_else(|| MediaError::build(&what, "no src pad"))?,
        ssrc,
    );
    let chain = [&queue, &pay, &caps];
    pipeline
        .add_many(chain)
        .map_err(|e| MediaError::build(&what, e))?;
    gst::Element::link_many(chain).map_err(|e| MediaError::build(&what, e))?;
    let sink = webrtcbin
        .request_pad_simple("sink_%u")
        .ok_or_else(|| MediaError::build(&what, "webrtcbin gave no pad"))?;
    caps.static_pad("src")
        .ok_or_else(|| MediaError::build(&what, "no src pad"))?
        .link(&sink)
        .map_err(|e| MediaError::build(&what, e))?;
    if let Some(transceiver) =
        sink.property::<Option<gst_webrtc::WebRTCRTPTransceiver>>("transceiver")
    {
        set_up_transceiver(&transceiver, send_only, (kind, codec, numbering), ssrc);
    }
    for element in chain {
        element
            .sync_state_with_parent()
            .map_err(|e| MediaError::build(&what, e))?;
    }
    let tee_pad = tee
        .request_pad_simple("src_%u")
        .ok_or_else(|| MediaError::build(&what, "the encoder tee gave no pad"))?;
    tee_pad
        .link(
            &queue
                .static_pad("sink")
                .ok_or_else(|| MediaError::build(&what, "no sink pad"))?,
        )
        .map_err(|e| MediaError::build(&what, e))?;
    Ok((tee_pad, sent))
}

/// The payloader of a sending branch, sending `ssrc` numbered as `numbering` says.
fn payloader(
    name: &str,
    ssrc: u32,
    (kind, codec, numbering): (MediaKind, Option<VideoCodec>, &Numbering),
) -> Result<gst::Element, MediaError> {
    let pay = crate::make_element(
        match codec {
            Some(VideoCodec::H264) => "rtph264pay",
            Some(VideoCodec::H265) => "rtph265pay",
            Some(VideoCodec::Vp8) => "rtpvp8pay",
            None => "rtpopuspay",
        },
        name,
    )?;
    pay.set_property("mtu", 1200u32);
    pay.set_property("pt", u32::from(numbering.payload_type(kind)));
    // The SSRC is fixed before negotiating, so that the description names
    // it even when the encoder has not started yet: Janus drops packets of
    // SSRCs the SDP did not announce, and the RTX group (`a=ssrc-group:FID`)
    // that lets a receiver ask for lost packets otherwise pairs SSRC 0.
    pay.set_property("ssrc", ssrc);
    match codec {
        Some(VideoCodec::H264 | VideoCodec::H265) => {
            // No parameter sets from the payloader: the encoder's parser
            // already puts them at the start of every keyframe. The
            // payloader's own (`-1`) go before every IDR *slice*, so a
            // keyframe made of several slices (x264's sliced threads) had
            // them in its middle, where they begin a new picture: FFmpeg
            // copes, OpenH264 rejects every frame and the peer saw nothing.
            pay.set_property("config-interval", 0i32);
            pay.set_property_from_str("aggregate-mode", "zero-latency");
        }
        Some(VideoCodec::Vp8) => pay.set_property_from_str("picture-id-mode", "15-bit"),
        None => {}
    }
    if let Some(id) = numbering.twcc(kind)
        && let Some(ext) = gst_rtp::RTPHeaderExtension::create_from_uri(TWCC_URI)
    {
        ext.set_id(u32::from(id));
        pay.emit_by_name::<()>("add-extension", &[&ext]);
    }
    Ok(pay)
}

/// Sets up the transceiver a sending branch got: NACK for video, one way
/// for a publication, no audio FEC, and an answer's H.264 level.
fn set_up_transceiver(
    transceiver: &gst_webrtc::WebRTCRTPTransceiver,
    send_only: bool,
    (kind, codec, numbering): (MediaKind, Option<VideoCodec>, &Numbering),
    ssrc: u32,
) {
    transceiver.set_property("do-nack", kind == MediaKind::Video);
    if send_only {
        transceiver.set_property(
            "direction",
            gst_webrtc::WebRTCRTPTransceiverDirection::Sendonly,
        );
    }
    if kind == MediaKind::Audio {
        transceiver.set_property_from_str("fec-type", "none");
    }
    // An answer names the H.264 level the offer asked for: without it
    // the format is baseline level 1.0, which a browser does not match
    // with its constrained-baseline offer, and then sends no video. It
    // goes in the answer only, never on the branch's caps: the
    // payloader writes the stream's own level there (42c01f at 720p,
    // 42c028 at 1080p, changing with the size), and a fixed one would
    // stop the branch not-negotiated.
    if let (Some(VideoCodec::H264), Some(level)) = (codec, &numbering.h264_profile_level) {
        let mut preferences = rtp_caps(kind, codec, numbering, ssrc);
        preferences
            .make_mut()
            .set("profile-level-id", level.as_str());
        transceiver.set_property("codec-preferences", &preferences);
    }
}
