//! Protocol values as the UI sees them (`mulaqat_protocol::types`, `ErrorCode`).

use mulaqat_protocol as proto;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ids::{ParticipantId, UnixMillis, ts};

/// `mulaqat_protocol::Role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Runs the meeting.
    Host,
    /// Takes part; may wait in a lobby.
    Guest,
}

/// `mulaqat_protocol::MediaState`: which of a participant's media are on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MediaState {
    /// The microphone is live (not muted).
    pub audio: bool,
    /// The camera is on.
    pub video: bool,
    /// A screen or window is being shared.
    pub screen: bool,
}

/// `mulaqat_protocol::ParticipantInfo`. `displayName` is plain text: never render it as HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantInfo {
    /// Who.
    #[ts(as = "ts::ParticipantId")]
    pub id: ParticipantId,
    /// The name they gave, as plain text.
    pub display_name: String,
    /// Host or guest.
    pub role: Role,
    /// Order of arrival in the room: earlier joiners have smaller numbers.
    #[ts(type = "number")]
    pub join_order: u64,
    /// Their microphone, camera and screen share.
    pub media: MediaState,
    /// Whether their hand is raised.
    pub hand_raised: bool,
}

/// `mulaqat_protocol::ChatMessage`. `text` is plain text: never render it as HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// Sequence number within the room, from 1, without gaps.
    #[ts(type = "number")]
    pub seq: u64,
    /// Who sent it.
    #[ts(as = "ts::ParticipantId")]
    pub from: ParticipantId,
    /// The sender's display name when it was sent.
    pub display_name: String,
    /// The message, as plain text.
    pub text: String,
    /// When the server received it.
    #[ts(as = "ts::UnixMillis")]
    pub sent_at: UnixMillis,
}

/// `mulaqat_protocol::LeaveReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
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

/// `mulaqat_protocol::LobbyReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum LobbyReason {
    /// A host has been told and will admit or deny.
    AwaitingAdmission,
    /// No host is in the room yet.
    HostNotPresent,
}

/// `mulaqat_protocol::KnockOutcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum KnockOutcome {
    /// A host admitted them.
    Admitted,
    /// A host denied them.
    Denied,
    /// They gave up waiting or lost their connection.
    Withdrawn,
}

/// `mulaqat_protocol::ErrorCode` (the wire names from `ErrorCode::as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The frame is not JSON, or a field is missing or of the wrong type.
    MalformedMessage,
    /// The `type` is not one the server knows.
    UnknownType,
    /// The message is larger than the server accepts.
    MessageTooLarge,
    /// Binary frames are not part of the protocol.
    UnsupportedFrame,
    /// The client speaks a protocol version the server does not.
    UnsupportedVersion,
    /// The first message must be `hello`.
    HelloRequired,
    /// `hello` was sent twice.
    DuplicateHello,
    /// The join token is not one the server signed, or is damaged.
    InvalidToken,
    /// The join token has expired; ask for a new link.
    TokenExpired,
    /// The join token is for another room, or does not allow the requested role.
    WrongRoom,
    /// The action needs a joined participant.
    NotJoined,
    /// `join` was sent twice.
    AlreadyJoined,
    /// The action needs the host role.
    Forbidden,
    /// No such participant in this room.
    UnknownParticipant,
    /// The room holds as many participants as it may.
    RoomFull,
    /// The display name is empty, too long or has control characters.
    InvalidDisplayName,
    /// The chat text is empty, too long or has control characters.
    InvalidText,
    /// A field's value is out of range.
    InvalidField,
    /// Too many messages in too short a time.
    RateLimited,
    /// The server is shutting down and takes no new sessions.
    ServerShuttingDown,
    /// Something failed inside the server; the request can be retried.
    Internal,
}

impl From<proto::Role> for Role {
    fn from(role: proto::Role) -> Self {
        match role {
            proto::Role::Host => Role::Host,
            proto::Role::Guest => Role::Guest,
        }
    }
}

impl From<Role> for proto::Role {
    fn from(role: Role) -> Self {
        match role {
            Role::Host => proto::Role::Host,
            Role::Guest => proto::Role::Guest,
        }
    }
}

impl From<proto::MediaState> for MediaState {
    fn from(m: proto::MediaState) -> Self {
        let proto::MediaState {
            audio,
            video,
            screen,
        } = m;
        MediaState {
            audio,
            video,
            screen,
        }
    }
}

impl From<proto::ParticipantInfo> for ParticipantInfo {
    fn from(p: proto::ParticipantInfo) -> Self {
        let proto::ParticipantInfo {
            id,
            display_name,
            role,
            join_order,
            media,
            hand_raised,
        } = p;
        ParticipantInfo {
            id: id.into(),
            display_name,
            role: role.into(),
            join_order,
            media: media.into(),
            hand_raised,
        }
    }
}

impl From<proto::ChatMessage> for ChatMessage {
    fn from(m: proto::ChatMessage) -> Self {
        let proto::ChatMessage {
            seq,
            from,
            display_name,
            text,
            sent_at,
        } = m;
        ChatMessage {
            seq,
            from: from.into(),
            display_name,
            text,
            sent_at: sent_at.0,
        }
    }
}

impl From<proto::LeaveReason> for LeaveReason {
    fn from(reason: proto::LeaveReason) -> Self {
        match reason {
            proto::LeaveReason::Left => LeaveReason::Left,
            proto::LeaveReason::Disconnected => LeaveReason::Disconnected,
            proto::LeaveReason::RemovedByHost => LeaveReason::RemovedByHost,
            proto::LeaveReason::MeetingEnded => LeaveReason::MeetingEnded,
            proto::LeaveReason::ServerShutdown => LeaveReason::ServerShutdown,
            proto::LeaveReason::Replaced => LeaveReason::Replaced,
        }
    }
}

impl From<proto::LobbyReason> for LobbyReason {
    fn from(reason: proto::LobbyReason) -> Self {
        match reason {
            proto::LobbyReason::AwaitingAdmission => LobbyReason::AwaitingAdmission,
            proto::LobbyReason::HostNotPresent => LobbyReason::HostNotPresent,
        }
    }
}

impl From<proto::KnockOutcome> for KnockOutcome {
    fn from(outcome: proto::KnockOutcome) -> Self {
        match outcome {
            proto::KnockOutcome::Admitted => KnockOutcome::Admitted,
            proto::KnockOutcome::Denied => KnockOutcome::Denied,
            proto::KnockOutcome::Withdrawn => KnockOutcome::Withdrawn,
        }
    }
}

impl From<proto::ErrorCode> for ErrorCode {
    fn from(code: proto::ErrorCode) -> Self {
        use proto::ErrorCode as P;
        // `mulaqat_protocol::ErrorCode` is `#[non_exhaustive]`, so this match needs a
        // last arm; `tests::every_protocol_error_code_keeps_its_wire_name` walks
        // `ErrorCode::ALL` so that a code added there fails until it is added here.
        match code {
            P::MalformedMessage => ErrorCode::MalformedMessage,
            P::UnknownType => ErrorCode::UnknownType,
            P::MessageTooLarge => ErrorCode::MessageTooLarge,
            P::UnsupportedFrame => ErrorCode::UnsupportedFrame,
            P::UnsupportedVersion => ErrorCode::UnsupportedVersion,
            P::HelloRequired => ErrorCode::HelloRequired,
            P::DuplicateHello => ErrorCode::DuplicateHello,
            P::InvalidToken => ErrorCode::InvalidToken,
            P::TokenExpired => ErrorCode::TokenExpired,
            P::WrongRoom => ErrorCode::WrongRoom,
            P::NotJoined => ErrorCode::NotJoined,
            P::AlreadyJoined => ErrorCode::AlreadyJoined,
            P::Forbidden => ErrorCode::Forbidden,
            P::UnknownParticipant => ErrorCode::UnknownParticipant,
            P::RoomFull => ErrorCode::RoomFull,
            P::InvalidDisplayName => ErrorCode::InvalidDisplayName,
            P::InvalidText => ErrorCode::InvalidText,
            P::InvalidField => ErrorCode::InvalidField,
            P::RateLimited => ErrorCode::RateLimited,
            P::ServerShuttingDown => ErrorCode::ServerShuttingDown,
            P::Internal => ErrorCode::Internal,
            _ => ErrorCode::Internal,
        }
    }
}
