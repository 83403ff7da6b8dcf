//! One `webrtcbin` per remote peer: negotiation, trickle ICE, congestion
//! control, and checks that refuse anything but DTLS-SRTP. What it sends is
//! linked by [`super::senders`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use gst::glib;
use gst::prelude::*;

use super::dtls::{Gate, PeerCheck};
use super::ids::{Role, Source, Track, peer_tag};
use super::numbering::Numbering;
use super::recovery::Congestion;
use super::reports::PeerReports;
use super::{MediaEvent, PeerConfig, Shared, encoding, receive, sdp};
use crate::MediaError;
use crate::types::{
    IceCandidate, IcePolicy, MediaKind, PeerId, PeerState, Quality, SdpKind, SessionDescription,
    VideoCodec,
};

pub(crate) struct Peer {
    pub webrtcbin: gst::Element,
    pub codec: Option<VideoCodec>,
    pub tee_pads: Vec<(gst::Element, gst::Pad)>,
    /// What each sending branch handed over (see [`super::stats::Sent`]).
    pub sent: Vec<(MediaKind, Arc<super::stats::Sent>)>,
    /// The congestion controller, its estimate and its recovery.
    pub congestion: Arc<Congestion>,
    /// What the peer reports receiving of each stream we send.
    pub reports: Arc<PeerReports>,
    /// How it was set up, to set it up again on a restart.
    pub config: PeerConfig,
    /// Whether the connection came up and the peer's DTLS certificate
    /// matched its description: until then senders hold their media back
    /// (see [`link_sender`]).
    pub connected: Arc<AtomicBool>,
    /// The DTLS certificate check (see [`super::dtls`]).
    pub dtls: Arc<PeerCheck>,
    /// What it is for: a mesh peer (both ways), an SFU publication or
    /// subscription (one way).
    pub role: Role,
}

/// Adds a connection for `role`: one that sends and receives (a mesh peer),
/// or only sends (offering: an SFU publication), or only receives
/// (answering: an SFU subscription). One-way connections have no
/// congestion controller on the receiving side and no senders on it.
pub(super) fn add(
    shared: &Arc<Shared>,
    peer: PeerId,
    config: PeerConfig,
    role: Role,
) -> Result<(), MediaError> {
    if shared.lock().peers.contains_key(&peer) {
        return Err(MediaError::build(
            format!("peer {peer}"),
            "it is already connected",
        ));
    }
    let name = peer_tag(&peer);
    let webrtcbin = crate::make_element("webrtcbin", &format!("{name}-webrtc"))?;
    webrtcbin.set_property_from_str("bundle-policy", "max-bundle");
    webrtcbin.set_property("latency", shared.settings.jitter_buffer_ms);
    super::retransmission::enable_for_video(&webrtcbin);
    if config.ice_policy == IcePolicy::RelayOnly {
        webrtcbin.set_property_from_str("ice-transport-policy", "relay");
    }
    super::ice::gather_no_tcp_host_candidates(&webrtcbin);
    super::ice::configure_ice_servers(&webrtcbin, &config.ice_servers);
    let initiator = config.initiator;
    let video_codec = config.video_codec;
    let congestion = Arc::new(Congestion::default());
    let reports = Arc::new(PeerReports::default());
    reports.listen(&webrtcbin);
    let connected = Arc::new(AtomicBool::new(false));
    let dtls = Arc::new(PeerCheck::default());
    // The first offer is made once, by whichever comes first: webrtcbin's
    // `on-negotiation-needed` once the senders are in, or the explicit call
    // below. webrtcbin asks only when "negotiation needed" turns true, and it
    // is true from the start (no local description): an early ask, before
    // the senders were linked, is never repeated.
    let offered = Arc::new(AtomicBool::new(false));
    connect_signals(
        shared,
        &peer,
        &webrtcbin,
        (initiator, role, offered.clone()),
        (congestion.clone(), connected.clone(), dtls.clone()),
        sending_quality(shared, role),
    );
    let offerer = webrtcbin.clone();
    shared
        .pipeline
        .add(&webrtcbin)
        .map_err(|e| MediaError::build(format!("the connection to {peer}"), e))?;
    webrtcbin
        .sync_state_with_parent()
        .map_err(|e| MediaError::build(format!("the connection to {peer}"), e))?;
    shared.lock().peers.insert(
        peer.clone(),
        Peer {
            webrtcbin,
            codec: None,
            tee_pads: Vec::new(),
            sent: Vec::new(),
            congestion,
            reports,
            config,
            connected,
            dtls,
            role,
        },
    );
    if initiator && role.sends().is_some() {
        let codec = match video_codec {
            Some(codec) => codec,
            None => first_sendable_codec(shared)?,
        };
        super::senders::link(shared, &peer, codec, &Numbering::OURS)?;
        if !offered.swap(true, Ordering::AcqRel) {
            create_offer(&Arc::downgrade(shared), &peer, &offerer);
        }
    }
    shared.emit(MediaEvent::PeerState {
        peer,
        state: PeerState::New,
    });
    Ok(())
}

/// The most a connection for `role` sends (its congestion controller's
/// ceiling follows it).
fn sending_quality(shared: &Shared, role: Role) -> Quality {
    match role.sends() {
        Some(Source::Screen) => super::screen_stream::quality(shared.settings.quality),
        _ => shared.settings.quality,
    }
}

pub(super) fn first_sendable_codec(shared: &Shared) -> Result<VideoCodec, MediaError> {
    let pinned = shared.settings.pinned_encoder.as_deref();
    shared
        .settings
        .video_codecs
        .iter()
        .copied()
        .find(|c| encoding::choose_profile(&shared.encoders, *c, pinned).is_ok())
        .ok_or_else(|| MediaError::NoEncoder(format!("{:?}", shared.settings.video_codecs)))
}

fn connect_signals(
    shared: &Arc<Shared>,
    peer: &PeerId,
    webrtcbin: &gst::Element,
    (initiator, role, offered): (bool, Role, Arc<AtomicBool>),
    (congestion, connected, dtls): (Arc<Congestion>, Arc<AtomicBool>, Arc<PeerCheck>),
    quality: Quality,
) {
    let weak = Arc::downgrade(shared);
    if initiator {
        let (weak, peer) = (weak.clone(), peer.clone());
        webrtcbin.connect("on-negotiation-needed", false, move |values| {
            // webrtcbin also asks when it starts, before anything is linked:
            // an offer then would have no media. Our senders going in ask again.
            let ready = weak.upgrade().is_some_and(|shared| {
                shared
                    .lock()
                    .peers
                    .get(&peer)
                    .is_some_and(|p| p.codec.is_some())
            });
            if ready
                && !offered.swap(true, Ordering::AcqRel)
                && let Ok(webrtcbin) = values[0].get::<gst::Element>()
            {
                create_offer(&weak, &peer, &webrtcbin);
            }
            None
        });
    }
    {
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
    let gate = Gate {
        weak: weak.clone(),
        peer: peer.clone(),
        connected: connected.clone(),
        dtls,
    };
    {
        let gate = gate.clone();
        webrtcbin.connect_notify(Some("connection-state"), move |webrtcbin, _| {
            let state =
                webrtcbin.property::<gst_webrtc::WebRTCPeerConnectionState>("connection-state");
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
    {
        // The DTLS transport can come up while the combined state lags
        // behind: check (and let the senders go) as soon as it does.
        let gate = gate.clone();
        let watching = AtomicBool::new(false);
        webrtcbin.connect_notify(Some("ice-connection-state"), move |webrtcbin, _| {
            use gst_webrtc::WebRTCICEConnectionState as Ice;
            let state = webrtcbin.property::<Ice>("ice-connection-state");
            if !matches!(state, Ice::Connected | Ice::Completed) || gate.open(webrtcbin) {
                return;
            }
            if let Some(transport) = super::dtls::transport(webrtcbin)
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
    {
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
    if role.sends().is_none() {
        // Nothing is sent: no congestion controller to pace it.
        return;
    }
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
            congestion.watch(&cc, ceiling_bps);
            Some(cc)
        }),
    );
}

fn create_offer(weak: &Weak<Shared>, peer: &PeerId, webrtcbin: &gst::Element) {
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

/// Replaces the connection to `peer` with a new one set up the same way.
///
/// GStreamer 1.22's `webrtcbin` cannot restart ICE in place (its offers
/// take no `ice-restart` option), so a restart is a new `webrtcbin`: new ICE
/// credentials and candidates, a new DTLS handshake, the same senders. The
/// initiator's new connection offers at once; the other side rebuilds its
/// own when that offer arrives (see [`set_remote_description`]).
pub(super) fn restart(shared: &Arc<Shared>, peer: &PeerId) -> Result<(), MediaError> {
    let (config, role) = shared
        .lock()
        .peers
        .get(peer)
        .map(|p| (p.config.clone(), p.role))
        .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
    tracing::info!(%peer, "restarting the connection");
    disconnect(shared, peer);
    add(shared, peer.clone(), config, role)
}

pub(super) fn set_remote_description(
    shared: &Arc<Shared>,
    peer: &PeerId,
    description: SessionDescription,
) -> Result<(), MediaError> {
    let sdp = sdp::parse_checked(&description.sdp)?;
    let fingerprint = super::dtls::expected_fingerprint(&sdp)
        .map_err(|why| MediaError::Sdp(format!("refused: {why}")))?;
    if description.kind == SdpKind::Offer {
        answer_restart_if_renegotiated(shared, peer)?;
    }
    let (webrtcbin, linked) = {
        let state = shared.lock();
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
    let kind = match description.kind {
        SdpKind::Offer => gst_webrtc::WebRTCSDPType::Offer,
        SdpKind::Answer => gst_webrtc::WebRTCSDPType::Answer,
    };
    if description.kind == SdpKind::Offer && !linked {
        // Answer in the first offered codec we can both send and decode.
        let codec = super::numbering::offered_video_codecs(&sdp)
            .into_iter()
            .find(|c| {
                shared.settings.video_codecs.contains(c)
                    && receive::decoder_for(*c).is_some()
                    && encoding::choose_profile(
                        &shared.encoders,
                        *c,
                        shared.settings.pinned_encoder.as_deref(),
                    )
                    .is_ok()
            })
            .ok_or_else(|| {
                MediaError::Sdp("none of the offered video codecs can be used here".into())
            })?;
        // Sent as the offer numbers it (see [`super::numbering`]).
        let numbering = Numbering::from_offer(&sdp, codec)
            .map_err(|why| MediaError::Sdp(format!("cannot answer: {why}")))?;
        super::senders::link(shared, peer, codec, &numbering)?;
    }
    let remote = gst_webrtc::WebRTCSessionDescription::new(kind, sdp);
    if description.kind == SdpKind::Offer {
        let (weak, peer2, bin) = (Arc::downgrade(shared), peer.clone(), webrtcbin.downgrade());
        let promise = gst::Promise::with_change_func(move |_| {
            let (Some(_), Some(webrtcbin)) = (weak.upgrade(), bin.upgrade()) else {
                return;
            };
            create_answer(&weak, &peer2, &webrtcbin);
        });
        webrtcbin.emit_by_name::<()>("set-remote-description", &[&remote, &promise]);
    } else {
        webrtcbin.emit_by_name::<()>("set-remote-description", &[&remote, &None::<gst::Promise>]);
    }
    Ok(())
}

/// A new offer on a connection that already has the peer's description is
/// the peer restarting (see [`restart`]): answer it on a new connection.
fn answer_restart_if_renegotiated(shared: &Arc<Shared>, peer: &PeerId) -> Result<(), MediaError> {
    let (webrtcbin, config, role) = {
        let state = shared.lock();
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
    remove(shared, peer);
    add(
        shared,
        peer.clone(),
        PeerConfig {
            initiator: false,
            video_codec: None,
            ..config
        },
        role,
    )
}

fn create_answer(weak: &Weak<Shared>, peer: &PeerId, webrtcbin: &gst::Element) {
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

pub(super) fn add_ice_candidate(
    shared: &Arc<Shared>,
    peer: &PeerId,
    candidate: IceCandidate,
) -> Result<(), MediaError> {
    if candidate.candidate.is_empty() {
        return Ok(()); // End of candidates: nothing to add.
    }
    let webrtcbin = shared
        .lock()
        .peers
        .get(peer)
        .map(|p| p.webrtcbin.clone())
        .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
    webrtcbin.emit_by_name::<()>(
        "add-ice-candidate",
        &[&candidate.sdp_m_line_index, &candidate.candidate],
    );
    Ok(())
}

/// Removes a peer and its tracks (and the screen stream it sent, if any).
pub(super) fn remove(shared: &Arc<Shared>, peer: &PeerId) {
    if disconnect(shared, peer) == Some(Role::Publication(Source::Screen)) {
        super::screen_stream::stop(shared);
    }
}

/// Removes a peer's connection and its tracks; gives what it was for.
fn disconnect(shared: &Arc<Shared>, peer: &PeerId) -> Option<Role> {
    let p = shared.lock().peers.remove(peer)?;
    for (tee, pad) in &p.tee_pads {
        if let Some(peer_pad) = pad.peer() {
            let _ = pad.unlink(&peer_pad);
        }
        tee.release_request_pad(pad);
    }
    receive::remove_branches(shared, &peer_tag(peer));
    crate::end_idle_threads();
    let tracks: Vec<Track> = {
        let mut state = shared.lock();
        let gone: Vec<Track> = state
            .tracks
            .keys()
            .filter(|t| t.peer() == Some(peer))
            .cloned()
            .collect();
        for t in &gone {
            state.tracks.remove(t);
            state.tiles.remove(t);
        }
        state.audio_levels.retain(|_, p| p != peer);
        gone
    };
    for track in tracks {
        shared.emit(MediaEvent::TrackEnded { track: track.id() });
    }
    shared.emit(MediaEvent::PeerState {
        peer: peer.clone(),
        state: PeerState::Closed,
    });
    Some(p.role)
}
