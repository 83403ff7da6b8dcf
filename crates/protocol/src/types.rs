//! Values carried inside messages: roles, participants, chat, media state,
//! SDP and ICE payloads, and the reasons a session changes.

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;

/// Wall-clock time as milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
#[serde(transparent)]
pub struct UnixMillis(pub u64);

impl UnixMillis {
    /// Whole seconds since the epoch.
    pub fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    /// This time plus `millis`, saturating.
    pub fn plus_millis(self, millis: u64) -> Self {
        Self(self.0.saturating_add(millis))
    }
}

/// What a participant may do in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Runs the meeting: admits and denies guests, removes participants, ends the meeting.
    Host,
    /// Takes part; in a room with a lobby, waits to be admitted.
    Guest,
}

impl Role {
    /// Whether a token for `self` allows joining as `wanted` (a host may join as a guest).
    pub fn allows(self, wanted: Role) -> bool {
        self == Role::Host || wanted == Role::Guest
    }
}

/// The kind of room, which sets its defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RoomKind {
    /// A clinical consultation: the lobby is on by default.
    Consultation,
    /// A meeting among staff: the lobby is off by default.
    Meeting,
    /// A command meeting of many sites: always through the SFU (when the
    /// server has one), the lobby off by default.
    Command,
}

impl RoomKind {
    /// Whether rooms of this kind have a lobby unless told otherwise.
    pub fn lobby_by_default(self) -> bool {
        matches!(self, RoomKind::Consultation)
    }

    /// Whether rooms of this kind use the SFU from the first participant on.
    pub fn sfu_from_start(self) -> bool {
        matches!(self, RoomKind::Command)
    }
}

/// How media flows in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum MediaMode {
    /// Each participant has one peer connection to every other (small rooms).
    P2p,
    /// Each participant publishes to and subscribes from a selective forwarding unit.
    Sfu,
}

/// A video codec: what a member decodes (`join`) and what an SFU room's
/// publishers send (`modeChanged`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum VideoCodec {
    /// H.264 constrained baseline, packetization mode 1: what hardware
    /// encoders make and most browsers decode.
    #[default]
    H264,
    /// VP8: what every WebRTC browser decodes, H.264 or not.
    Vp8,
}

impl VideoCodec {
    /// The name on the wire (`"h264"`).
    pub fn as_str(self) -> &'static str {
        match self {
            VideoCodec::H264 => "h264",
            VideoCodec::Vp8 => "vp8",
        }
    }

    /// Every codec, in the order they are preferred: what a client that
    /// does not say decodes.
    pub const ALL: [VideoCodec; 2] = [VideoCodec::H264, VideoCodec::Vp8];

    /// The codec a room's members all decode: H.264 while everyone does,
    /// VP8 otherwise.
    pub fn common<'a>(members: impl IntoIterator<Item = &'a [VideoCodec]>) -> VideoCodec {
        let mut members = members.into_iter();
        if members.all(|decodes| decodes.contains(&VideoCodec::H264)) {
            VideoCodec::H264
        } else {
            VideoCodec::Vp8
        }
    }
}

impl std::fmt::Display for VideoCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rules of a room that a participant needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RoomPolicy {
    /// The kind of room.
    pub kind: RoomKind,
    /// Whether guests wait in a lobby until a host admits them.
    pub lobby: bool,
    /// How many participants the room holds at most (the lobby not counted).
    pub max_participants: u32,
}

/// A STUN or TURN server, in the shape of WebRTC's `RTCIceServer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IceServer {
    /// `stun:`, `turn:` or `turns:` URLs.
    pub urls: Vec<String>,
    /// TURN user name (for time-limited credentials: `expiry:participant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// Which of a participant's media are on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MediaState {
    /// The microphone is live (not muted).
    pub audio: bool,
    /// The camera is on.
    pub video: bool,
    /// A screen or window is being shared.
    pub screen: bool,
}

/// One participant as others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ParticipantInfo {
    /// Who.
    pub id: ParticipantId,
    /// The name they gave, as plain text (the UI escapes it).
    pub display_name: String,
    /// Host or guest.
    pub role: Role,
    /// Position in the order of arrival in the room: earlier joiners have smaller numbers.
    pub join_order: u64,
    /// Their microphone, camera and screen share.
    pub media: MediaState,
    /// Whether their hand is raised.
    pub hand_raised: bool,
}

/// One chat message, as kept by the room and replayed to late joiners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// Sequence number within the room, starting at 1, without gaps.
    pub seq: u64,
    /// Who sent it.
    pub from: ParticipantId,
    /// The sender's display name when it was sent.
    pub display_name: String,
    /// The message, as plain text.
    pub text: String,
    /// When the server received it.
    pub sent_at: UnixMillis,
}

/// The kind of a session description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SdpKind {
    /// An offer.
    Offer,
    /// A final answer.
    Answer,
    /// A provisional answer.
    Pranswer,
    /// Undo the last offer (perfect negotiation).
    Rollback,
}

/// An SDP offer or answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SessionDescription {
    /// Offer, answer, ...
    #[serde(rename = "type")]
    pub kind: SdpKind,
    /// The SDP text.
    pub sdp: String,
}

/// One trickled ICE candidate, in the shape of WebRTC's `RTCIceCandidateInit`.
/// An empty `candidate` means the end of candidates for that media section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IceCandidate {
    /// The `candidate:` attribute line.
    pub candidate: String,
    /// The media section's `mid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    /// The media section's index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<u32>,
}

/// What a `signal` message carries between two peers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Signal {
    /// `"sdp": {"type": "offer", "sdp": "v=0..."}`
    Sdp(SessionDescription),
    /// `"candidate": {"candidate": "candidate:...", "sdpMLineIndex": 0}`
    Candidate(IceCandidate),
}

/// Why a participant left a room, as told to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum LeaveReason {
    /// They chose to leave.
    Left,
    /// Their connection closed or stopped answering.
    Disconnected,
    /// A host removed them.
    RemovedByHost,
    /// A host ended the meeting for everyone.
    MeetingEnded,
    /// The server is shutting down.
    ServerShutdown,
    /// They came back on a new connection, which replaced the old one.
    Replaced,
}

/// Why the server ends a participant's session; the last message before it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum CloseReason {
    /// The participant left (the server confirms and closes).
    Left,
    /// A host ended the meeting for everyone.
    MeetingEnded,
    /// A host removed the participant.
    RemovedByHost,
    /// A host refused entry from the lobby.
    Denied,
    /// The server is shutting down; try again later.
    ServerShutdown,
    /// The same participant connected again; this connection is no longer used.
    Replaced,
}

/// Why a participant waits in the lobby.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum LobbyReason {
    /// A host has been told and will admit or deny.
    AwaitingAdmission,
    /// No host is in the room yet; the knock is delivered when one arrives.
    HostNotPresent,
}

/// How a knock ended, told to every host so their prompts go away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum KnockOutcome {
    /// A host admitted them.
    Admitted,
    /// A host denied them.
    Denied,
    /// They gave up waiting or lost their connection.
    Withdrawn,
}
