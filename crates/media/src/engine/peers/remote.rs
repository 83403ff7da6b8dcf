//! The peer's descriptions: checked (DTLS-SRTP only, a SHA-256
//! fingerprint), answered in the offer's own numbering, and a renegotiated
//! offer taken as the peer restarting its connection.

use std::sync::Arc;

use gst::prelude::*;

use super::{candidates, connection, negotiate, senders};
use crate::MediaError;
use crate::engine::elements::{decoders, encoding};
use crate::engine::state::{Shared, State};
use crate::engine::webrtc::numbering::{self, Numbering};
use crate::engine::webrtc::{dtls, mdns, sdp};
use crate::types::{IceCandidate, PeerId, SdpKind, SessionDescription, VideoCodec};

/// Applies the peer's offer (then answers) or answer.
pub(crate) fn set_remote_description(
    shared: &Arc<Shared>,
    state: &mut State,
    peer: &PeerId,
    description: SessionDescription,
) -> Result<(), MediaError> {
    let mut sdp = sdp::parse_checked(&description.sdp)?;
    // Candidates named by mDNS go to `webrtcbin` resolved, as trickled ones do.
    let hidden = mdns::take_from_sdp(&mut sdp);
    let fingerprint = dtls::expected_fingerprint(&sdp)
        .map_err(|why| MediaError::Sdp(format!("refused: {why}")))?;
    let offer = description.kind == SdpKind::Offer;
    if offer {
        answer_restart_if_renegotiated(shared, state, peer)?;
    }
    let (webrtcbin, linked) = {
        let p = state
            .peers
            .get(peer)
            .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
        *p.dtls
            .expected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(fingerprint);
        // A receive-only connection answers without senders.
        let linked = p.codec.is_some() || p.role.sends().is_none();
        (p.webrtcbin.clone(), linked)
    };
    if offer && !linked {
        let codec = answer_codec(shared, &sdp)?;
        // Sent as the offer numbers it (see [`numbering`]).
        let numbering = Numbering::from_offer(&sdp, codec)
            .map_err(|why| MediaError::Sdp(format!("cannot answer: {why}")))?;
        senders::link(shared, state, peer, codec, &numbering)?;
    }
    let kind = if offer {
        gst_webrtc::WebRTCSDPType::Offer
    } else {
        gst_webrtc::WebRTCSDPType::Answer
    };
    let remote = gst_webrtc::WebRTCSessionDescription::new(kind, sdp);
    if offer {
        let (weak, peer2, bin) = (Arc::downgrade(shared), peer.clone(), webrtcbin.downgrade());
        let promise = gst::Promise::with_change_func(move |_| {
            let (Some(_), Some(webrtcbin)) = (weak.upgrade(), bin.upgrade()) else {
                return;
            };
            negotiate::create_answer(&weak, &peer2, &webrtcbin);
        });
        webrtcbin.emit_by_name::<()>("set-remote-description", &[&remote, &promise]);
    } else {
        webrtcbin.emit_by_name::<()>("set-remote-description", &[&remote, &None::<gst::Promise>]);
    }
    for (sdp_m_line_index, candidate) in hidden {
        let candidate = IceCandidate {
            sdp_m_line_index,
            candidate,
        };
        candidates::resolve_then_add(shared, peer, &webrtcbin, candidate);
    }
    Ok(())
}

/// The first offered codec we can both send and decode.
fn answer_codec(shared: &Shared, sdp: &gst_sdp::SDPMessage) -> Result<VideoCodec, MediaError> {
    numbering::offered_video_codecs(sdp)
        .into_iter()
        .find(|c| {
            shared.settings.video_codecs.contains(c)
                && decoders::decoder_for(*c).is_some()
                && encoding::choose_profile(
                    &shared.encoders,
                    *c,
                    shared.settings.pinned_encoder.as_deref(),
                )
                .is_ok()
        })
        .ok_or_else(|| MediaError::Sdp("none of the offered video codecs can be used here".into()))
}

/// A new offer on a connection that already has the peer's description is
/// the peer restarting (see [`connection::restart`]): answer it on a new
/// connection.
fn answer_restart_if_renegotiated(
    shared: &Arc<Shared>,
    state: &mut State,
    peer: &PeerId,
) -> Result<(), MediaError> {
    let (webrtcbin, config, role) = {
        let p = state
            .peers
            .get(peer)
            .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
        (p.webrtcbin.clone(), p.config.clone(), p.role)
    };
    let negotiated = webrtcbin
        .property::<Option<gst_webrtc::WebRTCSessionDescription>>("current-remote-description")
        .is_some();
    if !negotiated {
        return Ok(());
    }
    tracing::info!(%peer, "the peer restarted its connection: answering on a new one");
    connection::remove(shared, state, peer);
    connection::add(
        shared,
        state,
        peer.clone(),
        crate::engine::settings::PeerConfig {
            initiator: false,
            video_codec: None,
            ..config
        },
        role,
    )
}
