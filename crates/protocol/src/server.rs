//! Messages from the server to a client.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::ids::{ParticipantId, RoomId};
use crate::types::{
    ChatMessage, CloseReason, IceServer, KnockOutcome, LeaveReason, LobbyReason, MediaMode,
    MediaState, ParticipantInfo, Role, RoomPolicy, Signal, UnixMillis,
};

/// One message from the server. Same framing as [`crate::ClientMsg`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerMsg {
    /// You are in the room: everything needed to start media.
    Welcome {
        /// The protocol version the server will speak.
        version: u32,
        /// Your identity in this room.
        participant_id: ParticipantId,
        /// The room.
        room: RoomId,
        /// Your role.
        role: Role,
        /// Peer-to-peer or through an SFU.
        mode: MediaMode,
        /// The room's rules.
        policy: RoomPolicy,
        /// STUN/TURN servers, with TURN credentials valid until `iceExpiresAt`.
        ice_servers: Vec<IceServer>,
        /// When the TURN credentials expire, if any were given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ice_expires_at: Option<UnixMillis>,
        /// The same as seconds from now (clients' clocks may be wrong):
        /// ask for fresh ones with `refreshIce` before then.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ice_ttl_secs: Option<u64>,
        /// Everyone in the room, you included, in join order.
        participants: Vec<ParticipantInfo>,
        /// For hosts: who waits in the lobby, oldest first. Empty for guests.
        lobby: Vec<ParticipantInfo>,
        /// The room's chat so far, oldest first.
        chat: Vec<ChatMessage>,
        /// Secret for `join.resume` after a dropped connection.
        resume_token: String,
    },
    /// You wait in the lobby until a host admits or denies you.
    LobbyWaiting {
        /// The protocol version the server will speak.
        version: u32,
        /// Your identity while waiting (and after admission).
        participant_id: ParticipantId,
        /// Why you wait.
        reason: LobbyReason,
    },
    /// Hosts: someone is in the lobby.
    Knock {
        /// Who waits.
        participant: ParticipantInfo,
    },
    /// Hosts: a knock has been answered or withdrawn.
    KnockResolved {
        /// Who was waiting.
        participant: ParticipantId,
        /// What happened.
        outcome: KnockOutcome,
    },
    /// Someone entered the room.
    Joined {
        /// Who.
        participant: ParticipantInfo,
    },
    /// Someone left the room.
    Left {
        /// Who.
        participant: ParticipantId,
        /// Why.
        reason: LeaveReason,
    },
    /// An SDP or ICE candidate relayed from another participant.
    Signal {
        /// The sender.
        from: ParticipantId,
        /// `sdp` or `candidate`.
        #[serde(flatten)]
        signal: Signal,
    },
    /// A chat message.
    Chat {
        /// The message.
        message: ChatMessage,
    },
    /// A participant's microphone, camera or screen share changed.
    MediaState {
        /// Who.
        participant: ParticipantId,
        /// The new state.
        #[serde(flatten)]
        state: MediaState,
    },
    /// A participant raised or lowered a hand.
    HandRaised {
        /// Who.
        participant: ParticipantId,
        /// Raised or lowered.
        raised: bool,
    },
    /// Fresh STUN/TURN servers and credentials, the answer to `refreshIce`.
    IceServers {
        /// The servers, as in `welcome`.
        ice_servers: Vec<IceServer>,
        /// When the TURN credentials expire, if any were given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ice_expires_at: Option<UnixMillis>,
        /// The same as seconds from now (clients' clocks may be wrong):
        /// ask for fresh ones with `refreshIce` before then.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ice_ttl_secs: Option<u64>,
    },
    /// Your session is over; the connection closes next.
    Closed {
        /// Why.
        reason: CloseReason,
    },
    /// A request failed. Fatal codes (see [`ErrorCode::is_fatal`]) are followed by a close.
    Error {
        /// What went wrong, for code.
        code: ErrorCode,
        /// What went wrong and what to do, for people.
        message: String,
    },
}

impl ServerMsg {
    /// Every `type` the server may send, in declaration order.
    pub const TYPES: [&'static str; 13] = [
        "welcome",
        "lobbyWaiting",
        "knock",
        "knockResolved",
        "joined",
        "left",
        "signal",
        "chat",
        "mediaState",
        "handRaised",
        "iceServers",
        "closed",
        "error",
    ];

    /// This message's `type` on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            ServerMsg::Welcome { .. } => "welcome",
            ServerMsg::LobbyWaiting { .. } => "lobbyWaiting",
            ServerMsg::Knock { .. } => "knock",
            ServerMsg::KnockResolved { .. } => "knockResolved",
            ServerMsg::Joined { .. } => "joined",
            ServerMsg::Left { .. } => "left",
            ServerMsg::Signal { .. } => "signal",
            ServerMsg::Chat { .. } => "chat",
            ServerMsg::MediaState { .. } => "mediaState",
            ServerMsg::HandRaised { .. } => "handRaised",
            ServerMsg::IceServers { .. } => "iceServers",
            ServerMsg::Closed { .. } => "closed",
            ServerMsg::Error { .. } => "error",
        }
    }

    /// An error reply.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerMsg::Error {
            code,
            message: message.into(),
        }
    }
}
