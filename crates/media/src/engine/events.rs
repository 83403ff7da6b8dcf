//! What the engine tells its caller.

use serde::Serialize;

use crate::devices::DeviceInfo;
use crate::types::{
    DeviceId, IceCandidate, MediaKind, PeerId, PeerState, Resolution, SessionDescription, TrackId,
    VideoCodec,
};

/// Something happened in the engine. Sent on the channel returned by
/// [`super::MediaEngine::start`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[non_exhaustive]
pub enum MediaEvent {
    /// Send this offer or answer to the peer.
    LocalDescription {
        /// To whom.
        peer: PeerId,
        /// The SDP.
        description: SessionDescription,
    },
    /// Send this ICE candidate to the peer.
    LocalCandidate {
        /// To whom.
        peer: PeerId,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// A peer connection changed state.
    PeerState {
        /// Which.
        peer: PeerId,
        /// Its new state.
        state: PeerState,
    },
    /// Media from a peer started arriving.
    TrackStarted {
        /// The track (`<peer>:video`, `<peer>:audio`).
        track: TrackId,
        /// From whom.
        peer: PeerId,
        /// Audio or video.
        kind: MediaKind,
    },
    /// The first picture of a peer's video was decoded.
    FirstFrame {
        /// The track (`<peer>:video`).
        track: TrackId,
        /// From whom.
        peer: PeerId,
        /// Its size.
        resolution: Resolution,
    },
    /// The microphone's level, ten times a second (measured before the
    /// mute, so it moves while muted).
    MicLevel {
        /// RMS, linear 0..1.
        level: f64,
        /// Peak over the last tenth of a second, linear 0..1.
        peak: f64,
    },
    /// A peer's audio level, ten times a second (for the active speaker).
    AudioLevel {
        /// Whose.
        peer: PeerId,
        /// RMS, linear 0..1.
        level: f64,
    },
    /// A peer's track ended (the peer left).
    TrackEnded {
        /// The track.
        track: TrackId,
    },
    /// The encoder chosen for a codec.
    EncoderSelected {
        /// The GStreamer element.
        element: String,
        /// The codec.
        codec: VideoCodec,
        /// Whether it runs on the GPU or another accelerator.
        hardware: bool,
    },
    /// The camera stopped delivering (unplugged, taken by another app);
    /// the placeholder picture is sent instead until another is chosen.
    CameraLost {
        /// The camera that went away.
        device: DeviceId,
        /// What happened, for people.
        reason: String,
    },
    /// Screen sharing stopped on its own; the camera (or the placeholder)
    /// is sent again.
    ScreenShareEnded {
        /// Why, for the UI to say in the person's language.
        cause: ScreenShareEnd,
        /// What happened, in English (the detail of a failure).
        reason: String,
    },
    /// The link is too poor for video: only audio is sent until it recovers
    /// (`active: false`), or video is back.
    AudioOnly {
        /// Whether only audio is sent now.
        active: bool,
        /// Why, for people.
        reason: String,
    },
    /// A device was plugged in.
    DeviceAdded {
        /// The device.
        device: DeviceInfo,
    },
    /// A device was unplugged.
    DeviceRemoved {
        /// The device.
        device: DeviceInfo,
    },
    /// Once a second: how the call is going.
    Stats {
        /// The figures.
        report: StatsReport,
    },
    /// Something failed that the caller should show; the engine keeps running.
    Error {
        /// What happened and what to do.
        message: String,
    },
}

/// Why screen sharing ended on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ScreenShareEnd {
    /// The person stopped it from the desktop's own sharing indicator.
    StoppedByDesktop,
    /// The chosen screen gave no picture (a window closed before sharing
    /// began, say): choosing it again is what helps.
    NoPicture,
    /// The capture could not start, or failed while it ran.
    Failed,
}

/// The figures for one second of a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsReport {
    /// What we send.
    pub outbound: Vec<OutboundStats>,
    /// What we receive, per remote track.
    pub inbound: Vec<InboundStats>,
}

/// Sending figures for one peer and kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundStats {
    /// To whom.
    pub peer: PeerId,
    /// Audio or video.
    pub kind: MediaKind,
    /// Packets sent so far.
    pub packets_sent: u64,
    /// Bytes sent so far.
    pub bytes_sent: u64,
    /// Send rate over the last second, kbit/s.
    pub bitrate_kbps: f64,
    /// Round-trip time reported by the peer, milliseconds.
    pub rtt_ms: Option<f64>,
    /// Fraction of packets the peer reports lost (0..1).
    pub fraction_lost: Option<f64>,
    /// For video: the encoder element.
    pub encoder: Option<String>,
    /// For video: the size being encoded.
    pub resolution: Option<Resolution>,
    /// For video: the congestion controller's estimate, kbit/s.
    pub estimated_bandwidth_kbps: Option<f64>,
    /// For video: the encoder's current target, kbit/s.
    pub target_bitrate_kbps: Option<f64>,
}

/// Receiving figures for one remote track.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundStats {
    /// The track.
    pub track: TrackId,
    /// From whom.
    pub peer: PeerId,
    /// Audio or video.
    pub kind: MediaKind,
    /// Packets received so far.
    pub packets_received: u64,
    /// Packets lost so far.
    pub packets_lost: i64,
    /// Receive rate over the last second, kbit/s.
    pub bitrate_kbps: f64,
    /// Interarrival jitter, milliseconds.
    pub jitter_ms: Option<f64>,
    /// For video: frames decoded so far.
    pub frames_decoded: u64,
    /// For video: frames per second over the last second.
    pub fps: f64,
    /// For video: the decoded size.
    pub resolution: Option<Resolution>,
    /// For video: pauses longer than max(3 x average frame gap, average + 150 ms).
    pub freeze_count: u64,
    /// For video: the longest time without a new frame since the first
    /// one, milliseconds (a pause still going on counts as far as it went).
    pub longest_freeze_ms: u64,
    /// For video: the decoder element.
    pub decoder: Option<String>,
}
