//! One `webrtcbin` per connection: added (on the control thread, which
//! checked its name was free), restarted, and removed with everything it
//! made. The peer's candidates reach it through [`super::candidates`],
//! what it sends is linked by [`super::senders`], what it receives by
//! [`super::receive`], its handlers are in [`super::signals`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gst::prelude::*;

use super::gate::Gate;
use super::{negotiate, senders, signals};
use crate::MediaError;
use crate::engine::elements::encoding;
use crate::engine::elements::pipeline::remove_named;
use crate::engine::elements::screen_capture::stream_quality;
use crate::engine::events::MediaEvent;
use crate::engine::ids::{Role, Source, Track, peer_tag};
use crate::engine::settings::PeerConfig;
use crate::engine::state::{Peer, Shared, State};
use crate::engine::webrtc::dtls::PeerCheck;
use crate::engine::webrtc::numbering::Numbering;
use crate::engine::webrtc::recovery::Congestion;
use crate::engine::webrtc::reports::PeerReports;
use crate::engine::webrtc::{ice, retransmission};
use crate::types::{IcePolicy, PeerId, PeerState, Quality, VideoCodec};

/// Adds a connection for `role`: one that sends and receives (a mesh peer),
/// or only sends (offering: an SFU publication), or only receives
/// (answering: an SFU subscription). One-way connections have no
/// congestion controller on the receiving side and no senders on it. A
/// connection that fails half way is taken apart again.
pub(crate) fn add(
    shared: &Arc<Shared>,
    state: &mut State,
    peer: PeerId,
    config: PeerConfig,
    role: Role,
) -> Result<(), MediaError> {
    let (initiator, video_codec) = (config.initiator, config.video_codec);
    // The first offer is made once, by whichever comes first: webrtcbin's
    // `on-negotiation-needed` once the senders are in, or the explicit call
    // below. webrtcbin asks only when "negotiation needed" turns true, and it
    // is true from the start (no local description): an early ask, before
    // the senders were linked, is never repeated.
    let offered = Arc::new(AtomicBool::new(false));
    if state.peers.contains_key(&peer) {
        return Err(MediaError::build(
            format!("peer {peer}"),
            "it is already connected",
        ));
    }
    let connection = new_connection(shared, &peer, config, role, offered.clone())?;
    let webrtcbin = connection.webrtcbin.clone();
    state.peers.insert(peer.clone(), connection);
    let started = start(shared, &peer, &webrtcbin).and_then(|()| {
        if initiator && role.sends().is_some() {
            let codec = match video_codec {
                Some(codec) => codec,
                None => first_sendable_codec(shared)?,
            };
            senders::link(shared, state, &peer, codec, &Numbering::OURS)?;
            if !offered.swap(true, Ordering::AcqRel) {
                negotiate::create_offer(&Arc::downgrade(shared), &peer, &webrtcbin);
            }
        }
        Ok(())
    });
    if let Err(e) = started {
        // Only what got into the pipeline is taken apart: a `webrtcbin`
        // refused there (its name taken) made nothing else.
        if let Some((half_made, _)) = take(state, &peer)
            && half_made.webrtcbin.parent().is_some()
        {
            take_apart(shared, state, &peer, &half_made);
        }
        return Err(e);
    }
    shared.emit(MediaEvent::PeerState {
        peer,
        state: PeerState::New,
    });
    Ok(())
}

/// A new `webrtcbin` for `peer`, set up for `role` with its handlers, not in
/// the pipeline yet.
fn new_connection(
    shared: &Arc<Shared>,
    peer: &PeerId,
    config: PeerConfig,
    role: Role,
    offered: Arc<AtomicBool>,
) -> Result<Peer, MediaError> {
    let webrtcbin = crate::make_element("webrtcbin", &format!("{}-webrtc", peer_tag(peer)))?;
    webrtcbin.set_property_from_str("bundle-policy", "max-bundle");
    webrtcbin.set_property("latency", shared.settings.jitter_buffer_ms);
    retransmission::enable_for_video(&webrtcbin);
    if config.ice_policy == IcePolicy::RelayOnly {
        webrtcbin.set_property_from_str("ice-transport-policy", "relay");
    }
    ice::gather_no_tcp_host_candidates(&webrtcbin);
    ice::configure_ice_servers(&webrtcbin, &config.ice_servers);
    let congestion = Arc::new(Congestion::default());
    let reports = Arc::new(PeerReports::default());
    reports.listen(&webrtcbin);
    let gate = Gate {
        weak: Arc::downgrade(shared),
        peer: peer.clone(),
        connected: Arc::new(AtomicBool::new(false)),
        dtls: Arc::new(PeerCheck::default()),
    };
    signals::connect(
        shared,
        (peer, &webrtcbin),
        config.initiator.then_some(offered),
        &gate,
        role.sends()
            .map(|source| (congestion.clone(), sending_quality(shared, source))),
    );
    Ok(Peer {
        webrtcbin,
        codec: None,
        tee_pads: Vec::new(),
        sent: Vec::new(),
        congestion,
        reports,
        config,
        connected: gate.connected,
        dtls: gate.dtls,
        role,
    })
}

/// Puts `peer`'s `webrtcbin` in the pipeline and starts it.
fn start(shared: &Shared, peer: &PeerId, webrtcbin: &gst::Element) -> Result<(), MediaError> {
    shared
        .pipeline
        .add(webrtcbin)
        .map_err(|e| MediaError::build(format!("the connection to {peer}"), e))?;
    webrtcbin
        .sync_state_with_parent()
        .map_err(|e| MediaError::build(format!("the connection to {peer}"), e))?;
    Ok(())
}

/// The most a connection sending `source` sends (its congestion
/// controller's ceiling follows it).
fn sending_quality(shared: &Shared, source: Source) -> Quality {
    match source {
        Source::Camera => shared.settings.quality,
        Source::Screen => stream_quality(shared.settings.quality),
    }
}

/// The first of the engine's codecs that has a working encoder.
pub(crate) fn first_sendable_codec(shared: &Shared) -> Result<VideoCodec, MediaError> {
    let pinned = shared.settings.pinned_encoder.as_deref();
    shared
        .settings
        .video_codecs
        .iter()
        .copied()
        .find(|c| encoding::choose_profile(&shared.encoders, *c, pinned).is_ok())
        .ok_or_else(|| MediaError::NoEncoder(format!("{:?}", shared.settings.video_codecs)))
}

/// Replaces the connection to `peer` with a new one set up the same way.
///
/// GStreamer 1.22's `webrtcbin` cannot restart ICE in place (its offers
/// take no `ice-restart` option), so a restart is a new `webrtcbin`: new ICE
/// credentials and candidates, a new DTLS handshake, the same senders. The
/// initiator's new connection offers at once; the other side rebuilds its
/// own when that offer arrives (see `remote.rs`).
pub(crate) fn restart(
    shared: &Arc<Shared>,
    state: &mut State,
    peer: &PeerId,
) -> Result<(), MediaError> {
    let (config, role) = state
        .peers
        .get(peer)
        .map(|p| (p.config.clone(), p.role))
        .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
    tracing::info!(%peer, "restarting the connection");
    remove(shared, state, peer);
    add(shared, state, peer.clone(), config, role)
}

/// Removes a peer's connection and its tracks, saying so; gives what the
/// connection was for (a screen publication's stream is its owner's to stop).
pub(crate) fn remove(shared: &Arc<Shared>, state: &mut State, peer: &PeerId) -> Option<Role> {
    let (gone, tracks) = take(state, peer)?;
    take_apart(shared, state, peer, &gone);
    for track in tracks {
        shared.emit(MediaEvent::TrackEnded { track: track.id() });
    }
    shared.emit(MediaEvent::PeerState {
        peer: peer.clone(),
        state: PeerState::Closed,
    });
    Some(gone.role)
}

/// Takes `peer` and its tracks out of the engine's state: from then on
/// nothing new is made for it (a stream arriving late on its `webrtcbin`
/// finds no connection to build for).
fn take(state: &mut State, peer: &PeerId) -> Option<(Peer, Vec<Track>)> {
    let gone = state.peers.remove(peer)?;
    let tracks: Vec<Track> = state
        .tracks
        .keys()
        .filter(|t| t.peer() == Some(peer))
        .cloned()
        .collect();
    for t in &tracks {
        state.tracks.remove(t);
        state.tiles.remove(t);
    }
    state.audio_levels.retain(|_, p| p != peer);
    Some((gone, tracks))
}

/// Stops and removes what a taken connection made: its senders off the
/// encoders' tees, its `webrtcbin` and its branches (stopping them waits
/// for their streaming threads, none of which waits for the control thread).
fn take_apart(shared: &Shared, state: &State, peer: &PeerId, gone: &Peer) {
    for (tee, pad) in &gone.tee_pads {
        if let Some(peer_pad) = pad.peer() {
            let _ = pad.unlink(&peer_pad);
        }
        tee.release_request_pad(pad);
    }
    remove_named(&shared.pipeline, &state.mixer, &peer_tag(peer));
    crate::end_idle_threads();
}
