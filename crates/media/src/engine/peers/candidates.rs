//! The peer's ICE candidates, trickled or carried in its description,
//! handed to its `webrtcbin`; one that gives an mDNS name instead of an
//! address is resolved by the engine first (see [`mdns`]).

use std::sync::Arc;

use gst::prelude::*;

use crate::MediaError;
use crate::engine::state::{Shared, State};
use crate::engine::webrtc::mdns;
use crate::types::{IceCandidate, PeerId};

/// Adds a trickled candidate from the peer.
pub(crate) fn add(
    shared: &Arc<Shared>,
    state: &State,
    peer: &PeerId,
    candidate: IceCandidate,
) -> Result<(), MediaError> {
    if candidate.candidate.is_empty() {
        return Ok(()); // End of candidates: nothing to add.
    }
    let webrtcbin = state
        .peers
        .get(peer)
        .map(|p| &p.webrtcbin)
        .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
    if mdns::hostname(&candidate.candidate).is_some() {
        resolve_then_add(shared, peer, webrtcbin, candidate);
    } else {
        hand_over(webrtcbin, &candidate);
    }
    Ok(())
}

/// Looks up the mDNS name `candidate` gives, on a thread of its own (the
/// control thread must not wait for a resolver), then adds the candidate
/// with the address to `webrtcbin` if that is still `peer`'s connection.
/// A name that does not resolve leaves the candidate out. The engine joins
/// the thread when it stops: it ends with the lookup, within the system
/// resolver's timeout.
pub(crate) fn resolve_then_add(
    shared: &Arc<Shared>,
    peer: &PeerId,
    webrtcbin: &gst::Element,
    candidate: IceCandidate,
) {
    let (peer, webrtcbin) = (peer.clone(), webrtcbin.downgrade());
    let spawned = shared.spawn("mulaqat-mdns", move |weak| {
        let Some(name) = mdns::hostname(&candidate.candidate) else {
            return;
        };
        let Some(resolved) =
            mdns::resolve(name).and_then(|ip| mdns::with_address(&candidate.candidate, ip))
        else {
            tracing::debug!(%peer, name, "a candidate's mDNS name does not resolve: left out");
            return;
        };
        let Some(shared) = weak.upgrade() else {
            return;
        };
        shared.post(move |_, state| {
            let current = webrtcbin
                .upgrade()
                .filter(|w| state.peers.get(&peer).is_some_and(|p| &p.webrtcbin == w));
            if let Some(webrtcbin) = current {
                let candidate = IceCandidate {
                    candidate: resolved,
                    ..candidate
                };
                hand_over(&webrtcbin, &candidate);
            }
        });
    });
    if let Err(e) = spawned {
        tracing::warn!("a candidate's mDNS name is not looked up: {e}");
    }
}

fn hand_over(webrtcbin: &gst::Element, candidate: &IceCandidate) {
    webrtcbin.emit_by_name::<()>(
        "add-ice-candidate",
        &[&candidate.sdp_m_line_index, &candidate.candidate],
    );
}
