//! Media values and events as the UI sees them (`mulaqat_media`).

use mulaqat_media as media;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::devices::DeviceChange;
use super::ids::{DeviceId, ParticipantId, PeerId, TrackId, ts};
use super::stats::StatsReport;

/// `mulaqat_media::Resolution`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

/// `mulaqat_media::Quality`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Quality {
    /// 640x360.
    P360,
    /// 1280x720.
    P720,
    /// 1920x1080.
    P1080,
    /// 3840x2160.
    P2160,
}

/// The quality a person picks: a fixed one, or let the engine choose (UI DTO).
/// In TypeScript `"auto" | Quality`, spelled out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum QualityChoice {
    /// Whatever the camera, the link and the CPU allow.
    #[default]
    Auto,
    /// 640x360.
    P360,
    /// 1280x720.
    P720,
    /// 1920x1080.
    P1080,
    /// 3840x2160.
    P2160,
}

impl QualityChoice {
    /// The fixed quality, or `None` for automatic.
    pub fn fixed(self) -> Option<Quality> {
        match self {
            QualityChoice::Auto => None,
            QualityChoice::P360 => Some(Quality::P360),
            QualityChoice::P720 => Some(Quality::P720),
            QualityChoice::P1080 => Some(Quality::P1080),
            QualityChoice::P2160 => Some(Quality::P2160),
        }
    }
}

/// `mulaqat_media::Source`: what a stream shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MediaSource {
    /// A camera (or what stands in for it).
    Camera,
    /// A screen shared as a stream of its own.
    Screen,
}

impl From<media::Source> for MediaSource {
    fn from(source: media::Source) -> Self {
        match source {
            media::Source::Camera => MediaSource::Camera,
            media::Source::Screen => MediaSource::Screen,
        }
    }
}

/// Whose picture or sound a track, or a connection's media, is: the UI
/// reads this and never takes a track or peer id apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MediaOrigin {
    /// The participant it comes from; `null` for our own.
    #[ts(as = "Option<ts::ParticipantId>")]
    pub participant: Option<ParticipantId>,
    /// Their camera, or their shared screen.
    pub source: MediaSource,
}

impl MediaOrigin {
    /// Whose `track` is (`None` for an id the engine never gives).
    pub fn of_track(track: &media::TrackId) -> Option<MediaOrigin> {
        Some(match track.origin()? {
            media::TrackOrigin::Local(source) => MediaOrigin {
                participant: None,
                source: source.into(),
            },
            media::TrackOrigin::Remote {
                participant,
                source,
                ..
            } => MediaOrigin {
                participant: Some(participant),
                source: source.into(),
            },
        })
    }

    /// Whose media the connection to `peer` carries (`None` for our own
    /// publications to the SFU).
    pub fn of_peer(peer: &media::PeerId) -> Option<MediaOrigin> {
        let (participant, source) = peer.origin()?;
        Some(MediaOrigin {
            participant: Some(participant),
            source: source.into(),
        })
    }
}

/// `mulaqat_media::ScreenShareEnd`: why screen sharing ended on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ScreenShareEnd {
    /// The person stopped it from the desktop's own sharing indicator.
    StoppedByDesktop,
    /// The chosen screen gave no picture: choosing it again helps.
    NoPicture,
    /// The capture could not start, or failed while it ran.
    Failed,
}

impl From<media::ScreenShareEnd> for ScreenShareEnd {
    fn from(cause: media::ScreenShareEnd) -> Self {
        match cause {
            media::ScreenShareEnd::StoppedByDesktop => Self::StoppedByDesktop,
            media::ScreenShareEnd::NoPicture => Self::NoPicture,
            media::ScreenShareEnd::Failed => Self::Failed,
        }
    }
}

/// `mulaqat_media::MediaKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MediaKind {
    /// Sound.
    Audio,
    /// Pictures.
    Video,
}

/// `mulaqat_media::VideoCodec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum VideoCodec {
    /// H.264.
    H264,
    /// H.265.
    H265,
    /// VP8.
    Vp8,
}

/// `mulaqat_media::PeerState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PeerState {
    /// Created, not yet negotiated.
    New,
    /// Negotiating or checking connectivity.
    Connecting,
    /// Media can flow.
    Connected,
    /// Connectivity was lost; an ICE restart may bring it back.
    Disconnected,
    /// It failed for good.
    Failed,
    /// Closed by us.
    Closed,
}

/// `mulaqat_media::MediaEvent`, the variants the UI sees. `localDescription` and
/// `localCandidate` stay in the backend; `stats` arrives as its own `stats` event,
/// device hot-plug as `deviceChanged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum MediaEvent {
    /// A peer connection changed state.
    PeerState {
        /// Which.
        #[ts(as = "ts::PeerId")]
        peer: PeerId,
        /// Its new state.
        state: PeerState,
    },
    /// Media from a peer started arriving.
    TrackStarted {
        /// The track (to subscribe to on the frame socket).
        #[ts(as = "ts::TrackId")]
        track: TrackId,
        /// From whom.
        #[ts(as = "ts::PeerId")]
        peer: PeerId,
        /// Audio or video.
        kind: MediaKind,
        /// Whose it is.
        origin: Option<MediaOrigin>,
    },
    /// The first picture of a peer's video was decoded.
    FirstFrame {
        /// The track.
        #[ts(as = "ts::TrackId")]
        track: TrackId,
        /// From whom.
        #[ts(as = "ts::PeerId")]
        peer: PeerId,
        /// Its size.
        resolution: Resolution,
        /// Whose it is.
        origin: Option<MediaOrigin>,
    },
    /// A peer's track ended.
    TrackEnded {
        /// The track.
        #[ts(as = "ts::TrackId")]
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
    /// The camera stopped delivering; a placeholder picture is sent instead.
    CameraLost {
        /// The camera that went away.
        #[ts(as = "ts::DeviceId")]
        device: DeviceId,
        /// What happened, for people.
        reason: String,
    },
    /// Video was dropped to keep the call going on a poor link, or restored.
    AudioOnly {
        /// Whether only audio is sent now.
        active: bool,
        /// Why, for people.
        reason: String,
    },
    /// Screen sharing stopped on its own; the camera is sent again.
    ScreenShareEnded {
        /// Why, for the UI to say in the person's language.
        cause: ScreenShareEnd,
        /// What happened, in English (the detail of a failure).
        reason: String,
    },
    /// Browser client only: this kind of device is missing (no camera: the
    /// call goes on with sound only, and the UI says so). Sent when the
    /// preview starts and again when the call starts.
    DeviceMissing {
        /// Which kind (`camera`).
        kind: super::devices::DeviceKind,
    },
    /// Something failed that the UI should show; the engine keeps running.
    Error {
        /// What happened and what to do.
        message: String,
    },
}

/// What one engine event is for the UI: a `mediaEvent`, a `stats` report, a
/// `deviceChanged`, or nothing (SDP and ICE stay in the backend).
#[derive(Debug, Clone, PartialEq)]
pub enum MediaUpdate {
    /// For the `mediaEvent` event.
    Event(MediaEvent),
    /// For the `stats` event.
    Stats(StatsReport),
    /// For the `deviceChanged` event.
    Device(DeviceChange),
}

impl MediaUpdate {
    /// Sorts an engine event for the UI; `None` for the ones that stay in the
    /// backend (`LocalDescription`, `LocalCandidate`) and for variants added to the
    /// engine after this was written.
    pub fn from_engine(event: media::MediaEvent) -> Option<MediaUpdate> {
        use media::MediaEvent as E;
        // `mulaqat_media::MediaEvent` is `#[non_exhaustive]`: the last arm is required.
        Some(match event {
            E::LocalDescription { .. } | E::LocalCandidate { .. } => return None,
            E::PeerState { peer, state } => MediaUpdate::Event(MediaEvent::PeerState {
                peer: peer.0,
                state: state.into(),
            }),
            E::TrackStarted { track, peer, kind } => MediaUpdate::Event(MediaEvent::TrackStarted {
                origin: MediaOrigin::of_track(&track),
                track: track.0,
                peer: peer.0,
                kind: kind.into(),
            }),
            E::FirstFrame {
                track,
                peer,
                resolution,
            } => MediaUpdate::Event(MediaEvent::FirstFrame {
                origin: MediaOrigin::of_track(&track),
                track: track.0,
                peer: peer.0,
                resolution: resolution.into(),
            }),
            E::TrackEnded { track } => {
                MediaUpdate::Event(MediaEvent::TrackEnded { track: track.0 })
            }
            E::EncoderSelected {
                element,
                codec,
                hardware,
            } => MediaUpdate::Event(MediaEvent::EncoderSelected {
                element,
                codec: codec.into(),
                hardware,
            }),
            E::CameraLost { device, reason } => MediaUpdate::Event(MediaEvent::CameraLost {
                device: device.0,
                reason,
            }),
            E::DeviceAdded { device } => MediaUpdate::Device(DeviceChange::Added {
                device: device.into(),
            }),
            E::DeviceRemoved { device } => MediaUpdate::Device(DeviceChange::Removed {
                device: device.into(),
            }),
            E::Stats { report } => MediaUpdate::Stats(report.into()),
            E::AudioOnly { active, reason } => {
                MediaUpdate::Event(MediaEvent::AudioOnly { active, reason })
            }
            E::ScreenShareEnded { cause, reason } => {
                MediaUpdate::Event(MediaEvent::ScreenShareEnded {
                    cause: cause.into(),
                    reason,
                })
            }
            E::Error { message } => MediaUpdate::Event(MediaEvent::Error { message }),
            _ => return None,
        })
    }
}

impl MediaEvent {
    /// The UI's `mediaEvent` for an engine event, if it is one (see [`MediaUpdate`]
    /// for stats and devices).
    pub fn from_engine(event: media::MediaEvent) -> Option<MediaEvent> {
        match MediaUpdate::from_engine(event)? {
            MediaUpdate::Event(event) => Some(event),
            MediaUpdate::Stats(_) | MediaUpdate::Device(_) => None,
        }
    }
}

/// The microphone's level for the meter, about 20 times a second while previewing
/// or in a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MicLevel {
    /// Linear RMS level, 0..1.
    pub level: f64,
    /// Peak over the last interval, 0..1.
    pub peak: f64,
}

/// Who is speaking now (UI DTO: needs a per-peer audio level in the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActiveSpeaker {
    /// The speaker, or nobody.
    #[ts(as = "Option<ts::ParticipantId>")]
    pub participant: Option<ParticipantId>,
}

/// An encoder the engine knows (`mulaqat_media::encode` profile table + probe; UI DTO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EncoderInfo {
    /// The GStreamer element, e.g. `vah264enc`.
    pub element: String,
    /// What it makes.
    pub codec: VideoCodec,
    /// Whether it is a hardware encoder.
    pub hardware: bool,
    /// Whether the probe found it working on this machine.
    pub available: bool,
}

impl From<&media::encode::ProbeResult> for EncoderInfo {
    fn from(r: &media::encode::ProbeResult) -> Self {
        use media::encode::ProbeOutcome;
        let available = match r.outcome {
            ProbeOutcome::Working(_) => true,
            ProbeOutcome::Pending | ProbeOutcome::NotInstalled | ProbeOutcome::Failed(_) => false,
        };
        EncoderInfo {
            element: r.element.clone(),
            codec: r.codec.into(),
            hardware: r.hardware,
            available,
        }
    }
}

impl From<media::Resolution> for Resolution {
    fn from(r: media::Resolution) -> Self {
        Resolution {
            width: r.width,
            height: r.height,
        }
    }
}

impl From<media::Quality> for Quality {
    fn from(q: media::Quality) -> Self {
        match q {
            media::Quality::P360 => Quality::P360,
            media::Quality::P720 => Quality::P720,
            media::Quality::P1080 => Quality::P1080,
            media::Quality::P2160 => Quality::P2160,
        }
    }
}

impl From<Quality> for media::Quality {
    fn from(q: Quality) -> Self {
        match q {
            Quality::P360 => media::Quality::P360,
            Quality::P720 => media::Quality::P720,
            Quality::P1080 => media::Quality::P1080,
            Quality::P2160 => media::Quality::P2160,
        }
    }
}

impl From<Quality> for QualityChoice {
    fn from(q: Quality) -> Self {
        match q {
            Quality::P360 => QualityChoice::P360,
            Quality::P720 => QualityChoice::P720,
            Quality::P1080 => QualityChoice::P1080,
            Quality::P2160 => QualityChoice::P2160,
        }
    }
}

impl From<media::MediaKind> for MediaKind {
    fn from(kind: media::MediaKind) -> Self {
        match kind {
            media::MediaKind::Audio => MediaKind::Audio,
            media::MediaKind::Video => MediaKind::Video,
        }
    }
}

impl From<media::VideoCodec> for VideoCodec {
    fn from(codec: media::VideoCodec) -> Self {
        match codec {
            media::VideoCodec::H264 => VideoCodec::H264,
            media::VideoCodec::H265 => VideoCodec::H265,
            media::VideoCodec::Vp8 => VideoCodec::Vp8,
        }
    }
}

impl From<media::PeerState> for PeerState {
    fn from(state: media::PeerState) -> Self {
        match state {
            media::PeerState::New => PeerState::New,
            media::PeerState::Connecting => PeerState::Connecting,
            media::PeerState::Connected => PeerState::Connected,
            media::PeerState::Disconnected => PeerState::Disconnected,
            media::PeerState::Failed => PeerState::Failed,
            media::PeerState::Closed => PeerState::Closed,
        }
    }
}
