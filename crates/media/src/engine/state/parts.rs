//! The parts of the engine's state that are more than an element: what each
//! owner keeps about the camera, the screen and each connection.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::engine::elements::encoding::VideoEncoder;
use crate::engine::elements::screen_feed::ScreenFeed;
use crate::engine::ids::Role;
use crate::engine::settings::PeerConfig;
use crate::engine::webrtc::dtls::PeerCheck;
use crate::engine::webrtc::recovery::Congestion;
use crate::engine::webrtc::reports::PeerReports;
use crate::engine::webrtc::sent::Sent;
use crate::types::{DeviceId, MediaKind, VideoCodec};

/// The camera in use (`local`).
pub(crate) struct CameraInput {
    pub device: DeviceId,
    pub bin: gst::Bin,
    pub selector_pad: gst::Pad,
}

/// The screen capture feeding the input selector in the camera's place (`screen`).
pub(crate) struct ScreenInput {
    pub feed: ScreenFeed,
    pub selector_pad: gst::Pad,
    /// Started: the selector sends it (until then, the camera goes on).
    pub live: bool,
}

/// The screen the person chose in the desktop portal, while it is held (`screen`).
pub(crate) struct PortalHold {
    pub screen: crate::portal::PortalScreen,
    /// Let go by the caller: dropped as soon as nothing captures it.
    pub released: bool,
}

/// The screen stream while it is published (`screen`).
pub(crate) struct ScreenStream {
    /// Its encoder, ending in the tee the publication's sender hangs off.
    pub encoder: VideoEncoder,
    /// The capture's feed (dropped with the stream, it stops the capture).
    pub feed: ScreenFeed,
    /// Every element it put in the pipeline.
    pub elements: Vec<gst::Element>,
}

impl ScreenStream {
    /// Whether `element` (in the pipeline itself) is one of the stream's.
    pub(crate) fn owns(&self, element: &gst::Element) -> bool {
        self.elements.contains(element)
    }
}

/// One connection (`peers`): its `webrtcbin`, what it sends and how it is doing.
pub(crate) struct Peer {
    pub webrtcbin: gst::Element,
    pub codec: Option<VideoCodec>,
    pub tee_pads: Vec<(gst::Element, gst::Pad)>,
    /// What each sending branch handed over (see [`Sent`]).
    pub sent: Vec<(MediaKind, Arc<Sent>)>,
    /// The congestion controller, its estimate and its recovery.
    pub congestion: Arc<Congestion>,
    /// What the peer reports receiving of each stream we send.
    pub reports: Arc<PeerReports>,
    /// How it was set up, to set it up again on a restart.
    pub config: PeerConfig,
    /// Whether the connection came up and the peer's DTLS certificate
    /// matched its description: until then senders hold their media back.
    pub connected: Arc<AtomicBool>,
    /// The DTLS certificate check (see [`PeerCheck`]).
    pub dtls: Arc<PeerCheck>,
    /// What it is for: a mesh peer (both ways), an SFU publication or
    /// subscription (one way).
    pub role: Role,
}
