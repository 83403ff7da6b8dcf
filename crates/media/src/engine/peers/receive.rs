//! Receiving: a decode branch for each stream a peer sends, frames to the
//! UI, and remote audio into the mixer.

use std::sync::{Arc, Weak};

use gst::prelude::*;

use crate::MediaError;
use crate::engine::elements::decoders::decoder_for;
use crate::engine::elements::frames::{FrameTargets, TrackCounters, deliver_frames};
use crate::engine::elements::{capture, tiles};
use crate::engine::events::MediaEvent;
use crate::engine::ids::{Track, peer_tag};
use crate::engine::state::{Shared, State};
use crate::types::{MediaKind, PeerId, VideoCodec};

/// A `src` pad appeared on a peer's webrtcbin (on a GStreamer thread): its
/// stream is held there until the control thread has built and linked its
/// decode branch (a buffer pushed into an unlinked pad would end the
/// stream with an error).
pub(crate) fn on_pad_added(weak: &Weak<Shared>, peer: &PeerId, pad: &gst::Pad) {
    if pad.direction() != gst::PadDirection::Src {
        return;
    }
    let Some(shared) = weak.upgrade() else { return };
    let Some(hold) = pad.add_probe(gst::PadProbeType::BLOCK_DOWNSTREAM, |_, _| {
        gst::PadProbeReturn::Ok
    }) else {
        return;
    };
    let (peer, pad) = (peer.clone(), pad.clone());
    shared.post(move |shared, state| {
        build_branch(shared, state, &peer, &pad);
        pad.remove_probe(hold);
    });
}

/// Builds the decode branch of `pad`, the connection's stream, and records
/// its track; a connection taken apart meanwhile gets no branch.
fn build_branch(shared: &Arc<Shared>, state: &mut State, peer: &PeerId, pad: &gst::Pad) {
    // A connection being replaced (restart, SFU resubscription) may still
    // add a pad while it is taken apart: its branch would outlive it and
    // take the names its successor needs.
    let current = pad.parent_element().is_some_and(|webrtcbin| {
        state
            .peers
            .get(peer)
            .is_some_and(|p| p.webrtcbin == webrtcbin)
    });
    if !current {
        tracing::debug!(%peer, "a pad of a closed connection: ignored");
        return;
    }
    let caps = pad.current_caps().or_else(|| pad.allowed_caps());
    let Some(s) = caps
        .as_ref()
        .and_then(|c| c.structure(0).map(|s| s.to_owned()))
    else {
        return;
    };
    let media = s.get::<&str>("media").unwrap_or("");
    let encoding = s
        .get::<&str>("encoding-name")
        .unwrap_or("")
        .to_ascii_uppercase();
    let result = match (media, encoding.as_str()) {
        ("audio", _) => receive_audio(shared, state, peer, pad),
        ("video", "H264") => receive_video(shared, state, (peer, pad), VideoCodec::H264),
        ("video", "H265") => receive_video(shared, state, (peer, pad), VideoCodec::H265),
        ("video", "VP8") => receive_video(shared, state, (peer, pad), VideoCodec::Vp8),
        _ => Err(MediaError::build(
            "a receive branch",
            format!("unsupported stream {media}/{encoding}"),
        )),
    };
    if let Err(e) = result {
        tracing::warn!(%peer, "{e}");
        shared.emit(MediaEvent::Error {
            message: e.to_string(),
        });
    }
}

fn add_branch(
    shared: &Shared,
    pad: &gst::Pad,
    chain: &[gst::Element],
    what: &str,
) -> Result<(), MediaError> {
    shared
        .pipeline
        .add_many(chain.iter())
        .map_err(|e| MediaError::build(what, e))?;
    gst::Element::link_many(chain.iter()).map_err(|e| MediaError::build(what, e))?;
    for element in chain.iter().rev() {
        element
            .sync_state_with_parent()
            .map_err(|e| MediaError::build(what, e))?;
    }
    let sink = chain
        .first()
        .and_then(|e| e.static_pad("sink"))
        .ok_or_else(|| MediaError::build(what, "no sink pad"))?;
    pad.link(&sink).map_err(|e| MediaError::build(what, e))?;
    Ok(())
}

fn receive_video(
    shared: &Arc<Shared>,
    state: &mut State,
    (peer, pad): (&PeerId, &gst::Pad),
    codec: VideoCodec,
) -> Result<(), MediaError> {
    let what = format!("the video from {peer}");
    let track = Track::Remote {
        peer: peer.clone(),
        kind: MediaKind::Video,
    };
    let tag = format!("{}-video", peer_tag(peer));
    let decoder_name = decoder_for(codec).ok_or_else(|| MediaError::MissingElement {
        element: format!("a {codec} decoder"),
        hint: "gstreamer1.0-libav",
    })?;
    let queue = crate::make_element("queue", &format!("{tag}-queue"))?;
    let depay = crate::make_element(
        match codec {
            VideoCodec::H264 => "rtph264depay",
            VideoCodec::H265 => "rtph265depay",
            VideoCodec::Vp8 => "rtpvp8depay",
        },
        &format!("{tag}-depay"),
    )?;
    // After a loss that retransmission could not repair, ask the sender
    // for a keyframe (RTCP PLI) at once, and meanwhile go on decoding the
    // frames that come whole: the picture moves on with a flaw where the
    // lost packet was, until the keyframe clears it, instead of freezing
    // for the round trip and the keyframe (at 10% loss that was a freeze
    // every second or so).
    if depay.has_property("request-keyframe") {
        depay.set_property("request-keyframe", true);
        depay.set_property("wait-for-keyframe", false);
    }
    let keyframe_pad = depay.static_pad("sink");
    let mut chain = vec![queue, depay];
    match codec {
        VideoCodec::H264 => chain.push(crate::make_element("h264parse", &format!("{tag}-parse"))?),
        VideoCodec::H265 => chain.push(crate::make_element("h265parse", &format!("{tag}-parse"))?),
        VideoCodec::Vp8 => {}
    }
    chain.push(crate::make_element(decoder_name, &format!("{tag}-dec"))?);
    // Scale first (to a tile that is usually smaller), then convert; a
    // decoder's I420 is accepted as is and interleaved when delivered.
    let scale = crate::make_element("videoscale", &format!("{tag}-scale"))?;
    let filter = tiles::size_filter(&format!("{tag}-size"), None, &scale)?;
    chain.push(scale.clone());
    chain.push(crate::make_element(
        "videoconvert",
        &format!("{tag}-convert"),
    )?);
    chain.push(filter.element().clone());
    let sink = capture::latest_only_sink(&format!("{tag}-sink"), None)?;
    let counters = Arc::new(TrackCounters::new());
    counters.set_receiving(decoder_name, keyframe_pad);
    {
        let (weak, track, peer) = (Arc::downgrade(shared), track.id(), peer.clone());
        counters.on_first_frame(move |resolution| {
            if let Some(shared) = weak.upgrade() {
                shared.emit(MediaEvent::FirstFrame {
                    track,
                    peer,
                    resolution,
                });
            }
        });
    }
    let targets = FrameTargets::new(&shared.settings, &track);
    deliver_frames(
        &sink,
        &track,
        counters.clone(),
        targets.clone(),
        shared.settings.stamp_frames,
    );
    chain.push(sink.clone().upcast());
    add_branch(shared, pad, &chain, &what)?;
    state.tracks.insert(track.clone(), counters);
    if let Some(publisher) = targets.publisher {
        state.tiles.insert(
            track.clone(),
            tiles::Tile {
                publisher,
                scale,
                filter,
                applied: None,
                unasked: None,
            },
        );
    }
    tracing::info!(%peer, %codec, decoder = decoder_name, "receiving video");
    shared.emit(MediaEvent::TrackStarted {
        track: track.id(),
        peer: peer.clone(),
        kind: MediaKind::Video,
    });
    Ok(())
}

fn receive_audio(
    shared: &Shared,
    state: &mut State,
    peer: &PeerId,
    pad: &gst::Pad,
) -> Result<(), MediaError> {
    let what = format!("the audio from {peer}");
    let tag = format!("{}-audio", peer_tag(peer));
    let queue = crate::make_element("queue", &format!("{tag}-queue"))?;
    let depay = crate::make_element("rtpopusdepay", &format!("{tag}-depay"))?;
    let dec = crate::make_element("opusdec", &format!("{tag}-dec"))?;
    dec.set_property("use-inband-fec", true);
    dec.set_property("plc", true);
    let convert = crate::make_element("audioconvert", &format!("{tag}-convert"))?;
    let resample = crate::make_element("audioresample", &format!("{tag}-resample"))?;
    let level = capture::level_meter(&format!("{tag}-level"))?;
    state
        .audio_levels
        .insert(level.clone().upcast(), peer.clone());
    let chain = vec![queue, depay, dec, level, convert, resample.clone()];
    add_branch(shared, pad, &chain, &what)?;
    let mixer_pad = state
        .mixer
        .request_pad_simple("sink_%u")
        .ok_or_else(|| MediaError::build(&what, "the mixer gave no pad"))?;
    resample
        .static_pad("src")
        .ok_or_else(|| MediaError::build(&what, "no src pad"))?
        .link(&mixer_pad)
        .map_err(|e| MediaError::build(&what, e))?;
    let track = Track::Remote {
        peer: peer.clone(),
        kind: MediaKind::Audio,
    };
    state
        .tracks
        .insert(track.clone(), Arc::new(TrackCounters::new()));
    tracing::info!(%peer, "receiving audio");
    shared.emit(MediaEvent::TrackStarted {
        track: track.id(),
        peer: peer.clone(),
        kind: MediaKind::Audio,
    });
    Ok(())
}
