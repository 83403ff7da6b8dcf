//! Messages from the server to a client.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::ids::{ParticipantId, RoomId};
use crate::sfu::{SfuAccess, SfuErrorCode, SfuFeed, SfuPublication, SfuResetReason, SfuTarget};
use crate::types::{
    ChatMessage, CloseReason, IceCandidate, IceServer, KnockOutcome, LeaveReason, LobbyReason,
    MediaMode, MediaState, ParticipantInfo, Role, RoomPolicy, Signal, UnixMillis,
};

/// One message from the server. Same framing as [`crate::ClientMsg`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
        /// They came back (after `left` with `disconnected` or `replaced`)
        /// with their media started afresh: drop any peer connection kept
        /// for them and make a new one.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        restarted: bool,
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
    /// How media flows in the room changed, or the SFU room is (again)
    /// ready. With `sfu` set: publish and subscribe with its pin (first
    /// dropping anything from an earlier `sfu`), then close peer-to-peer
    /// connections. Without `sfu` in SFU mode: the SFU room is being set up;
    /// keep what you have and wait.
    ModeChanged {
        /// The room's mode now.
        mode: MediaMode,
        /// Access to the SFU room, for members only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sfu: Option<SfuAccess>,
    },
    /// The SFU accepted a publication: its SDP answer.
    SfuPublished {
        /// Which publication.
        publication: SfuPublication,
        /// The SDP answer.
        sdp: String,
    },
    /// The SFU's SDP offer for a subscription; reply with `sfuAnswer`.
    SfuOffer {
        /// The server's number for this subscription.
        subscription: u64,
        /// Whose feed.
        feed: ParticipantId,
        /// Which of their publications.
        publication: SfuPublication,
        /// The SDP offer (send-only from the SFU).
        sdp: String,
    },
    /// One ICE candidate of the SFU's side of a peer connection; an empty
    /// `candidate` says there are no more.
    SfuCandidate {
        /// Which peer connection.
        target: SfuTarget,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// Feeds that can now be subscribed to, and feeds that are gone. Sent to
    /// everyone in the room (publishers included) when feeds change, and to
    /// a member with the current list after each `modeChanged` with `sfu`.
    SfuFeeds {
        /// New feeds.
        #[serde(default)]
        available: Vec<SfuFeed>,
        /// Feeds that ended; drop their subscriptions.
        #[serde(default)]
        gone: Vec<SfuFeed>,
    },
    /// A publisher started or stopped talking (the SFU's audio levels).
    SfuTalking {
        /// Who.
        participant: ParticipantId,
        /// Talking now, or stopped.
        talking: bool,
    },
    /// An SFU request failed, or the SFU cannot be used right now.
    SfuRefused {
        /// The publication or subscription concerned, when there is one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<SfuTarget>,
        /// What went wrong, for code.
        code: SfuErrorCode,
        /// What went wrong and what to do, for people.
        message: String,
    },
    /// Everything SFU is gone (the node was lost): drop every publication and
    /// subscription and wait for `modeChanged` with a fresh `sfu`.
    SfuReset {
        /// Why.
        reason: SfuResetReason,
    },
}

impl ServerMsg {
    /// Every `type` the server may send, in declaration order.
    pub const TYPES: [&'static str; 21] = [
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
        "modeChanged",
        "sfuPublished",
        "sfuOffer",
        "sfuCandidate",
        "sfuFeeds",
        "sfuTalking",
        "sfuRefused",
        "sfuReset",
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
            ServerMsg::ModeChanged { .. } => "modeChanged",
            ServerMsg::SfuPublished { .. } => "sfuPublished",
            ServerMsg::SfuOffer { .. } => "sfuOffer",
            ServerMsg::SfuCandidate { .. } => "sfuCandidate",
            ServerMsg::SfuFeeds { .. } => "sfuFeeds",
            ServerMsg::SfuTalking { .. } => "sfuTalking",
            ServerMsg::SfuRefused { .. } => "sfuRefused",
            ServerMsg::SfuReset { .. } => "sfuReset",
        }
    }

    /// An SFU refusal.
    pub fn sfu_refused(
        target: Option<SfuTarget>,
        code: SfuErrorCode,
        message: impl Into<String>,
    ) -> Self {
        ServerMsg::SfuRefused {
            target,
            code,
            message: message.into(),
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
