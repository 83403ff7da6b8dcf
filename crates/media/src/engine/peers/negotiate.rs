//! Offers and answers: made by `webrtcbin`, set as its local description,
//! and handed to the caller as [`MediaEvent::LocalDescription`].

use std::sync::Weak;

use gst::prelude::*;

use crate::engine::events::MediaEvent;
use crate::engine::state::Shared;
use crate::types::{PeerId, SdpKind, SessionDescription};

pub(crate) fn create_offer(weak: &Weak<Shared>, peer: &PeerId, webrtcbin: &gst::Element) {
    let (weak2, peer2, bin) = (weak.clone(), peer.clone(), webrtcbin.downgrade());
    let promise = gst::Promise::with_change_func(move |reply| {
        let (Some(shared), Some(webrtcbin)) = (weak2.upgrade(), bin.upgrade()) else {
            return;
        };
        match reply_description(reply, "offer") {
            Ok(offer) => publish_local(&shared, &peer2, &webrtcbin, offer, SdpKind::Offer),
            Err(e) => shared.emit(MediaEvent::Error {
                message: format!("could not make an offer for {peer2}: {e}"),
            }),
        }
    });
    webrtcbin.emit_by_name::<()>("create-offer", &[&None::<gst::Structure>, &promise]);
}

fn reply_description(
    reply: Result<Option<&gst::StructureRef>, gst::PromiseError>,
    field: &str,
) -> Result<gst_webrtc::WebRTCSessionDescription, String> {
    let reply = reply.map_err(|e| format!("{e:?}"))?.ok_or("no reply")?;
    if let Ok(error) = reply.get::<gst::glib::Error>("error") {
        return Err(error.to_string());
    }
    reply
        .get::<gst_webrtc::WebRTCSessionDescription>(field)
        .map_err(|e| e.to_string())
}

fn publish_local(
    shared: &Shared,
    peer: &PeerId,
    webrtcbin: &gst::Element,
    description: gst_webrtc::WebRTCSessionDescription,
    kind: SdpKind,
) {
    webrtcbin.emit_by_name::<()>(
        "set-local-description",
        &[&description, &None::<gst::Promise>],
    );
    match description.sdp().as_text() {
        Ok(sdp) => shared.emit(MediaEvent::LocalDescription {
            peer: peer.clone(),
            description: SessionDescription { kind, sdp },
        }),
        Err(e) => shared.emit(MediaEvent::Error {
            message: format!("could not write the SDP for {peer}: {e}"),
        }),
    }
}

pub(crate) fn create_answer(weak: &Weak<Shared>, peer: &PeerId, webrtcbin: &gst::Element) {
    let (weak2, peer2, bin) = (weak.clone(), peer.clone(), webrtcbin.downgrade());
    let promise = gst::Promise::with_change_func(move |reply| {
        let (Some(shared), Some(webrtcbin)) = (weak2.upgrade(), bin.upgrade()) else {
            return;
        };
        match reply_description(reply, "answer") {
            Ok(answer) => publish_local(&shared, &peer2, &webrtcbin, answer, SdpKind::Answer),
            Err(e) => shared.emit(MediaEvent::Error {
                message: format!("could not answer {peer2}: {e}"),
            }),
        }
    });
    webrtcbin.emit_by_name::<()>("create-answer", &[&None::<gst::Structure>, &promise]);
}
