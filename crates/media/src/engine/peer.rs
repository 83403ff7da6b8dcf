//! One `webrtcbin` per remote peer: sending branches off the shared
//! encoders, negotiation, trickle ICE, congestion control, and checks that
//! refuse anything but DTLS-SRTP.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use gst::glib;
use gst::prelude::*;
use gst_rtp::prelude::*;

use super::dtls::{Gate, PeerCheck};
use super::recovery::Congestion;
use super::reports::PeerReports;
use super::sfu::Direction;
use super::{MediaEvent, PeerConfig, Shared, encoding, receive, sdp};
use crate::MediaError;
use crate::types::{
    IceCandidate, IcePolicy, MediaKind, PeerId, PeerState, SdpKind, SessionDescription, TrackId,
    VideoCodec,
};

const TWCC_URI: &str = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
const TWCC_ID: u32 = 1;
const VIDEO_PT: i32 = 96;
const AUDIO_PT: i32 = 111;

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
    /// Both ways (a mesh peer), or one way (an SFU publication or subscription).
    pub direction: Direction,
}

/// Element names of a peer: `mulaqat-<peer>-...` with the id made safe.
pub(super) fn tag(peer: &PeerId) -> String {
    let safe: String = peer
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("mulaqat-{safe}")
}

pub(super) fn add(
    shared: &Arc<Shared>,
    peer: PeerId,
    config: PeerConfig,
) -> Result<(), MediaError> {
    add_with(shared, peer, config, Direction::SendRecv)
}

/// Adds a connection that sends and receives (a mesh peer), or only sends
/// (offering: an SFU publication), or only receives (answering: an SFU
/// subscription). One-way connections have no congestion controller on
/// the receiving side and no senders on it.
pub(super) fn add_with(
    shared: &Arc<Shared>,
    peer: PeerId,
    config: PeerConfig,
    direction: Direction,
) -> Result<(), MediaError> {
    if shared.lock().peers.contains_key(&peer) {
        return Err(MediaError::build(
            format!("peer {peer}"),
            "it is already connected",
        ));
    }
    let name = tag(&peer);
    let webrtcbin = crate::make_element("webrtcbin", &format!("{name}-webrtc"))?;
    webrtcbin.set_property_from_str("bundle-policy", "max-bundle");
    webrtcbin.set_property("latency", shared.settings.jitter_buffer_ms);
    super::retransmission::enable_for_video(&webrtcbin);
    if config.ice_policy == IcePolicy::RelayOnly {
        webrtcbin.set_property_from_str("ice-transport-policy", "relay");
    }
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
        (initiator, direction, offered.clone()),
        (congestion.clone(), connected.clone(), dtls.clone()),
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
            direction,
        },
    );
    if initiator && direction != Direction::RecvOnly {
        let codec = match video_codec {
            Some(codec) => codec,
            None => first_sendable_codec(shared)?,
        };
        link_senders(shared, &peer, codec)?;
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

fn first_sendable_codec(shared: &Shared) -> Result<VideoCodec, MediaError> {
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
    (initiator, direction, offered): (bool, Direction, Arc<AtomicBool>),
    (congestion, connected, dtls): (Arc<Congestion>, Arc<AtomicBool>, Arc<PeerCheck>),
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
    if direction == Direction::RecvOnly {
        // Nothing is sent: no congestion controller to pace it.
        return;
    }
    let ceiling_bps = shared
        .settings
        .quality
        .max_bitrate_kbps()
        .saturating_mul(1000);
    let start_bps = shared
        .settings
        .quality
        .start_bitrate_kbps()
        .saturating_mul(1000);
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
    let (config, direction) = shared
        .lock()
        .peers
        .get(peer)
        .map(|p| (p.config.clone(), p.direction))
        .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
    tracing::info!(%peer, "restarting the connection");
    remove(shared, peer);
    add_with(shared, peer.clone(), config, direction)
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
        let linked = p.codec.is_some() || p.direction == Direction::RecvOnly;
        (p.webrtcbin.clone(), linked)
    };
    let kind = match description.kind {
        SdpKind::Offer => gst_webrtc::WebRTCSDPType::Offer,
        SdpKind::Answer => gst_webrtc::WebRTCSDPType::Answer,
    };
    if description.kind == SdpKind::Offer && !linked {
        // Answer in the first offered codec we can both send and decode.
        let codec = sdp::offered_video_codecs(&sdp)
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
        link_senders(shared, peer, codec)?;
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
    let (webrtcbin, config, direction) = {
        let state = shared.lock();
        let p = state
            .peers
            .get(peer)
            .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
        (p.webrtcbin.clone(), p.config.clone(), p.direction)
    };
    let negotiated = webrtcbin
        .property::<Option<gst_webrtc::WebRTCSessionDescription>>("current-remote-description")
        .is_some();
    if !negotiated {
        return Ok(());
    }
    tracing::info!(%peer, "the peer restarted its connection: answering on a new one");
    remove(shared, peer);
    add_with(
        shared,
        peer.clone(),
        PeerConfig {
            initiator: false,
            video_codec: None,
            ..config
        },
        direction,
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

/// Links this peer's payloaders to the shared encoders (built on first use).
fn link_senders(shared: &Arc<Shared>, peer: &PeerId, codec: VideoCodec) -> Result<(), MediaError> {
    let name = tag(peer);
    let mut state = shared.lock();
    if !state.video_encoders.contains_key(&codec) {
        let encoder = encoding::build_video(
            &shared.pipeline,
            &state.video_tee,
            &shared.encoders,
            codec,
            shared.settings.pinned_encoder.as_deref(),
            shared.settings.quality,
            shared.settings.fps,
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
    let p = state
        .peers
        .get_mut(peer)
        .ok_or_else(|| MediaError::NoSuchPeer(peer.to_string()))?;
    let webrtcbin = p.webrtcbin.clone();
    let connected = p.connected.clone();
    let send_only = p.direction == Direction::SendOnly;
    let (video_pad, video_sent) = link_sender(
        &shared.pipeline,
        &video_tee,
        (&webrtcbin, &connected, send_only),
        &name,
        MediaKind::Video,
        Some(codec),
    )?;
    let (audio_pad, audio_sent) = link_sender(
        &shared.pipeline,
        &audio_tee,
        (&webrtcbin, &connected, send_only),
        &name,
        MediaKind::Audio,
        None,
    )?;
    p.tee_pads = vec![(video_tee, video_pad), (audio_tee, audio_pad)];
    p.sent = vec![
        (MediaKind::Video, video_sent),
        (MediaKind::Audio, audio_sent),
    ];
    p.codec = Some(codec);
    if let Some(encoder) = state.video_encoders.get(&codec) {
        encoder.request_keyframe();
    }
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

fn rtp_caps(kind: MediaKind, codec: Option<VideoCodec>, ssrc: u32) -> gst::Caps {
    let mut caps = match (kind, codec) {
        (MediaKind::Video, Some(codec)) => gst::Caps::builder("application/x-rtp")
            .field("media", "video")
            .field("encoding-name", codec.encoding_name())
            .field("payload", VIDEO_PT)
            .field("clock-rate", 90_000i32)
            .field("rtcp-fb-nack", true)
            .field("rtcp-fb-nack-pli", true)
            .field("rtcp-fb-ccm-fir", true)
            .field("rtcp-fb-transport-cc", true),
        _ => gst::Caps::builder("application/x-rtp")
            .field("media", "audio")
            .field("encoding-name", "OPUS")
            // Always `opus/48000/2` in SDP (RFC 7587): Janus rejects the
            // audio of an offer made before the encoder's caps came without it.
            .field("encoding-params", "2")
            .field("payload", AUDIO_PT)
            .field("clock-rate", 48_000i32)
            .field("rtcp-fb-transport-cc", true),
    };
    if codec == Some(VideoCodec::H264) {
        caps = caps.field("packetization-mode", "1");
    }
    caps = caps.field(format!("extmap-{TWCC_ID}"), TWCC_URI);
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
    kind: MediaKind,
    codec: Option<VideoCodec>,
) -> Result<(gst::Pad, Arc<super::stats::Sent>), MediaError> {
    let label = if kind == MediaKind::Video {
        "video"
    } else {
        "audio"
    };
    let what = format!("sending {label} to {name}");
    let queue = crate::make_element("queue", &format!("{name}-send-{label}-queue"))?;
    let pay = crate::make_element(
        match codec {
            Some(VideoCodec::H264) => "rtph264pay",
            Some(VideoCodec::H265) => "rtph265pay",
            Some(VideoCodec::Vp8) => "rtpvp8pay",
            None => "rtpopuspay",
        },
        &format!("{name}-send-{label}-pay"),
    )?;
    pay.set_property("mtu", 1200u32);
    // The SSRC is fixed before negotiating, so that the description names
    // it even when the encoder has not started yet: Janus drops packets of
    // SSRCs the SDP did not announce, and the RTX group (`a=ssrc-group:FID`)
    // that lets a receiver ask for lost packets otherwise pairs SSRC 0.
    let ssrc = glib::random_int();
    pay.set_property("ssrc", ssrc);
    match codec {
        Some(VideoCodec::H264 | VideoCodec::H265) => {
            pay.set_property("config-interval", -1i32);
            pay.set_property_from_str("aggregate-mode", "zero-latency");
        }
        Some(VideoCodec::Vp8) => pay.set_property_from_str("picture-id-mode", "15-bit"),
        None => {}
    }
    if let Some(ext) = gst_rtp::RTPHeaderExtension::create_from_uri(TWCC_URI) {
        ext.set_id(TWCC_ID);
        pay.emit_by_name::<()>("add-extension", &[&ext]);
    }
    let caps = crate::make_element("capsfilter", &format!("{name}-send-{label}-caps"))?;
    caps.set_property("caps", rtp_caps(kind, codec, ssrc));
    hold_until_connected(&caps, connected.clone());
    let sent = super::stats::Sent::attach(
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

pub(super) fn request_keyframes(shared: &Shared) {
    for encoder in shared.lock().video_encoders.values() {
        encoder.request_keyframe();
    }
}

pub(super) fn remove(shared: &Arc<Shared>, peer: &PeerId) {
    let Some(p) = shared.lock().peers.remove(peer) else {
        return;
    };
    for (tee, pad) in &p.tee_pads {
        if let Some(peer_pad) = pad.peer() {
            let _ = pad.unlink(&peer_pad);
        }
        tee.release_request_pad(pad);
    }
    receive::remove_branches(shared, &tag(peer));
    crate::end_idle_threads();
    let tracks: Vec<TrackId> = {
        let mut state = shared.lock();
        let gone: Vec<TrackId> = state
            .tracks
            .iter()
            .filter(|(_, c)| c.peer.as_ref() == Some(peer))
            .map(|(t, _)| t.clone())
            .collect();
        for t in &gone {
            state.tracks.remove(t);
            state.tiles.remove(t);
        }
        state.audio_levels.retain(|_, p| p != peer);
        gone
    };
    for track in tracks {
        shared.emit(MediaEvent::TrackEnded { track });
    }
    shared.emit(MediaEvent::PeerState {
        peer: peer.clone(),
        state: PeerState::Closed,
    });
}
