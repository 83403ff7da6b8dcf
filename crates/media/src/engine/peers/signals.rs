//! What a connection's `webrtcbin` says, and what the engine does about it:
//! offers when negotiation is needed, candidates and connection states out
//! as events, the DTLS check as the transport comes up, a receive branch
//! for each stream that arrives, and a congestion controller per sender.
//! Each handler holds the engine weakly and looks its connection up by id.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use gst::glib;
use gst::prelude::*;

use super::gate::Gate;
use super::{negotiate, receive};
use crate::engine::elements::encoding;
use crate::engine::events::MediaEvent;
use crate::engine::state::Shared;
use crate::engine::webrtc::{dtls, recovery::Congestion};
use crate::types::{IceCandidate, PeerId, PeerState, Quality};

/// Connects the handlers of `webrtcbin`, the connection to `peer`.
/// `offered` is set by whoever makes the first offer (see
/// `connection::add`); a connection that sends gets a congestion
/// controller capped for `quality`.
pub(crate) fn connect(
    shared: &Arc<Shared>,
    (peer, webrtcbin): (&PeerId, &gst::Element),
    initiator: Option<Arc<AtomicBool>>,
    gate: &Gate,
    sending: Option<(Arc<Congestion>, Quality)>,
) {
    let weak = Arc::downgrade(shared);
    if let Some(offered) = initiator {
        offer_when_needed(&weak, peer, webrtcbin, offered);
    }
    send_candidates(&weak, peer, webrtcbin);
    report_connection_state(gate, webrtcbin);
    check_dtls_when_up(gate, webrtcbin);
    receive_streams(gate, webrtcbin);
    if let Some((congestion, quality)) = sending {
        control_congestion(webrtcbin, congestion, quality);
    }
}

/// Offers when `webrtcbin` says negotiation is needed, once our senders are
/// in and unless an offer was made already.
fn offer_when_needed(
    weak: &Weak<Shared>,
    peer: &PeerId,
    webrtcbin: &gst::Element,
    offered: Arc<AtomicBool>,
) {
    let (weak, peer) = (weak.clone(), peer.clone());
    webrtcbin.connect("on-negotiation-needed", false, move |values| {
        if let (Some(shared), Ok(webrtcbin)) = (weak.upgrade(), values[0].get::<gst::Element>()) {
            let (peer, offered) = (peer.clone(), offered.clone());
            shared.post(move |shared, state| {
                // webrtcbin also asks when it starts, before anything is
                // linked: an offer then would have no media. Our senders
                // going in ask again.
                let ready = state
                    .peers
                    .get(&peer)
                    .is_some_and(|p| p.webrtcbin == webrtcbin && p.codec.is_some());
                if ready && !offered.swap(true, Ordering::AcqRel) {
                    negotiate::create_offer(&Arc::downgrade(shared), &peer, &webrtcbin);
                }
            });
        }
        None
    });
}

/// Each local candidate goes out as [`MediaEvent::LocalCandidate`].
fn send_candidates(weak: &Weak<Shared>, peer: &PeerId, webrtcbin: &gst::Element) {
    let (weak, peer) = (weak.clone(), peer.clone());
    webrtcbin.connect("on-ice-candidate", false, move |values| {
        let mline = values[1].get::<u32>().unwrap_or(0);
        let candidate = values[2].get::<String>().unwrap_or_default();
        if let Some(shared) = weak.upgrade() {
            shared.emit(MediaEvent::LocalCandidate {
                peer: peer.clone(),
                candidate: IceCandidate {
                    sdp_m_line_index: mline,
                    candidate,
                },
            });
        }
        None
    });
}

/// Each connection state goes out as [`MediaEvent::PeerState`]; connected
/// only once the DTLS check passes (failed when it does not).
fn report_connection_state(gate: &Gate, webrtcbin: &gst::Element) {
    let gate = gate.clone();
    webrtcbin.connect_notify(Some("connection-state"), move |webrtcbin, _| {
        let state = webrtcbin.property::<gst_webrtc::WebRTCPeerConnectionState>("connection-state");
        let mut state = match state {
            gst_webrtc::WebRTCPeerConnectionState::New => PeerState::New,
            gst_webrtc::WebRTCPeerConnectionState::Connecting => PeerState::Connecting,
            gst_webrtc::WebRTCPeerConnectionState::Connected => PeerState::Connected,
            gst_webrtc::WebRTCPeerConnectionState::Disconnected => PeerState::Disconnected,
            gst_webrtc::WebRTCPeerConnectionState::Failed => PeerState::Failed,
            _ => PeerState::Closed,
        };
        if state == PeerState::Connected && !gate.open(webrtcbin) {
            // A certificate that does not match is a failed connection.
            state = PeerState::Failed;
        }
        if let Some(shared) = gate.weak.upgrade() {
            tracing::info!(peer = %gate.peer, ?state, "peer connection state");
            shared.emit(MediaEvent::PeerState {
                peer: gate.peer.clone(),
                state,
            });
        }
    });
}

/// The DTLS transport can come up while the combined state lags behind:
/// check (and let the senders go) as soon as it does.
fn check_dtls_when_up(gate: &Gate, webrtcbin: &gst::Element) {
    let gate = gate.clone();
    let watching = AtomicBool::new(false);
    webrtcbin.connect_notify(Some("ice-connection-state"), move |webrtcbin, _| {
        use gst_webrtc::WebRTCICEConnectionState as Ice;
        let state = webrtcbin.property::<Ice>("ice-connection-state");
        if !matches!(state, Ice::Connected | Ice::Completed) || gate.open(webrtcbin) {
            return;
        }
        if let Some(transport) = dtls::transport(webrtcbin)
            && !watching.swap(true, Ordering::AcqRel)
        {
            let (gate, bin) = (gate.clone(), webrtcbin.downgrade());
            transport.connect_state_notify(move |transport| {
                if transport.state() == gst_webrtc::WebRTCDTLSTransportState::Connected
                    && let Some(webrtcbin) = bin.upgrade()
                {
                    gate.open(&webrtcbin);
                }
            });
        }
    });
}

/// Each stream that arrives gets its receive branch, its buffers held
/// until the DTLS check passes.
fn receive_streams(gate: &Gate, webrtcbin: &gst::Element) {
    let gate = gate.clone();
    webrtcbin.connect_pad_added(move |webrtcbin, pad| {
        // The stream may come a moment before the transport says whose
        // certificate it saw: hold its buffers until the check passes
        // (for good when it fails), then let them through.
        let (check, bin) = (gate.clone(), webrtcbin.downgrade());
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, _| match bin.upgrade() {
                Some(webrtcbin) if check.open(&webrtcbin) => gst::PadProbeReturn::Remove,
                _ => gst::PadProbeReturn::Drop,
            },
        );
        receive::on_pad_added(&gate.weak, &gate.peer, pad);
    });
}

/// A congestion controller (`rtpgccbwe`) for the connection's senders,
/// starting at `quality`'s bitrate and capped above its most.
fn control_congestion(webrtcbin: &gst::Element, congestion: Arc<Congestion>, quality: Quality) {
    let ceiling_bps = quality.max_bitrate_kbps().saturating_mul(1000);
    let start_bps = quality.start_bitrate_kbps().saturating_mul(1000);
    webrtcbin.connect_closure(
        "request-aux-sender",
        false,
        glib::closure!(move |_webrtcbin: gst::Element,
                             _transport: gst::Object|
              -> Option<gst::Element> {
            let cc = gst::ElementFactory::make("rtpgccbwe").build().ok()?;
            cc.set_property("min-bitrate", encoding::MIN_VIDEO_KBPS * 1000);
            cc.set_property("estimated-bitrate", start_bps);
            congestion.watch(&cc, (start_bps, ceiling_bps));
            Some(cc)
        }),
    );
}
