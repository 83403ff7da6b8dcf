//! The call as the UI sees it (`mulaqat_client::session`): its state, why it ended,
//! what happens in it, and the snapshot a reloaded UI draws first.
//!
//! The client's own enums are tagged `state`/`reason`/`event` and hold newtype
//! variants; here every union is tagged `type` and every variant is a struct (a
//! newtype variant holding another `type`-tagged enum could not share the key).

use mulaqat_client as client;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ids::{ParticipantId, RoomId, TrackId, UnixMillis, ts};
use super::protocol::{
    ChatMessage, ErrorCode, KnockOutcome, LeaveReason, LobbyReason, MediaState, ParticipantInfo,
    Role,
};

/// `mulaqat_client::EndReason`: why a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum EndReason {
    /// We left.
    Left,
    /// A host ended the meeting for everyone.
    MeetingEnded,
    /// A host removed us.
    RemovedByHost,
    /// A host refused us entry from the lobby.
    Denied,
    /// The server is shutting down.
    ServerShutdown,
    /// The same identity connected again elsewhere.
    Replaced,
    /// The signalling link stayed down too long.
    ConnectionLost,
    /// The server refused the session.
    Refused {
        /// What went wrong, for code.
        code: ErrorCode,
        /// The server's explanation, for people.
        message: String,
    },
}

/// `mulaqat_client::CallState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CallState {
    /// Not started.
    Idle,
    /// Opening the signalling connection, saying hello and asking to join.
    Connecting,
    /// In the lobby, until a host admits or denies.
    WaitingInLobby {
        /// Our identity while waiting (kept after admission).
        #[ts(as = "ts::ParticipantId")]
        participant_id: ParticipantId,
        /// Why we wait.
        reason: LobbyReason,
    },
    /// In the room.
    InCall {
        /// Our identity in the room.
        #[ts(as = "ts::ParticipantId")]
        participant_id: ParticipantId,
        /// Host or guest.
        role: Role,
    },
    /// The signalling link was lost; trying again. Media may still flow.
    Reconnecting {
        /// The attempt under way, from 1.
        attempt: u32,
    },
    /// Over.
    Ended {
        /// Why.
        reason: EndReason,
    },
}

/// `mulaqat_client::CallEvent`, as a DTO with struct variants (a newtype variant
/// holding another tagged enum cannot share the `type` key). `participantJoined`
/// also reports ourselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CallEvent {
    /// The call moved to a new state.
    StateChanged {
        /// The new state.
        state: CallState,
    },
    /// Someone is in the room (everyone present when we get in, ourselves included).
    ParticipantJoined {
        /// Who.
        participant: ParticipantInfo,
    },
    /// Someone is no longer in the room.
    ParticipantLeft {
        /// Who.
        #[ts(as = "ts::ParticipantId")]
        participant: ParticipantId,
        /// Why.
        reason: LeaveReason,
    },
    /// Hosts: someone waits in the lobby.
    Knock {
        /// Who.
        participant: ParticipantInfo,
    },
    /// Hosts: a knock was answered or withdrawn.
    KnockResolved {
        /// Who was waiting.
        #[ts(as = "ts::ParticipantId")]
        participant: ParticipantId,
        /// Admitted, denied or withdrawn.
        outcome: KnockOutcome,
    },
    /// A chat message (ours come back as the server's echo).
    Chat {
        /// The message.
        message: ChatMessage,
    },
    /// A participant's microphone, camera or screen share changed (ours too).
    MediaStateChanged {
        /// Who.
        #[ts(as = "ts::ParticipantId")]
        participant: ParticipantId,
        /// The new state.
        state: MediaState,
    },
    /// A participant raised or lowered a hand (ours too).
    HandRaised {
        /// Who.
        #[ts(as = "ts::ParticipantId")]
        participant: ParticipantId,
        /// Raised or lowered.
        raised: bool,
    },
    /// The server refused a request but the call goes on.
    Error {
        /// What went wrong, for code.
        code: ErrorCode,
        /// The server's explanation, for people.
        message: String,
    },
}

/// What the local user has switched on, as the backend holds it (UI DTO).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LocalMedia {
    /// The microphone is muted.
    pub mic_muted: bool,
    /// The camera is on.
    pub camera_enabled: bool,
    /// A screen or window is being shared.
    pub screen_sharing: bool,
    /// Our hand is raised.
    pub hand_raised: bool,
}

/// Who we are in the room ([`CallSnapshot::me`]; inline in TypeScript).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Documented by the comments below; see there.
pub struct SelfInfo {
    // Plain comments, not docs: with docs ts-rs would spread this inline type
    // over lines.
    // Our participant id.
    #[ts(as = "ts::ParticipantId")]
    pub id: ParticipantId,
    // Host or guest, once the server said (not while waiting in the lobby).
    pub role: Option<Role>,
}

/// Everything needed to draw the call after a UI reload: the call lives in the
/// backend (UI DTO built from the session's accessors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallSnapshot {
    /// Where the call is.
    pub state: CallState,
    /// Who we are in the room, kept while reconnecting (the state then carries no id).
    #[serde(rename = "self")]
    #[ts(inline)]
    pub me: Option<SelfInfo>,
    /// The room's id, once known.
    #[ts(as = "Option<ts::RoomId>")]
    pub room: Option<RoomId>,
    /// Everyone in the room, ourselves included, in join order.
    pub participants: Vec<ParticipantInfo>,
    /// Hosts: who waits in the lobby, oldest first.
    pub lobby: Vec<ParticipantInfo>,
    /// The chat so far.
    pub chat: Vec<ChatMessage>,
    /// What we have switched on.
    pub local: LocalMedia,
    /// When we got into the call (for the call timer).
    #[ts(as = "Option<ts::UnixMillis>")]
    pub joined_at: Option<UnixMillis>,
    /// Shared screens arriving as tracks of their own now (SFU rooms),
    /// ours among them, in the order they started.
    pub screens: Vec<SharedScreen>,
}

/// A shared screen that is a track of its own (SFU rooms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SharedScreen {
    /// Its track on the frame socket.
    #[ts(as = "ts::TrackId")]
    pub track: TrackId,
    /// Whose screen; `null` for ours.
    #[ts(as = "Option<ts::ParticipantId>")]
    pub participant: Option<ParticipantId>,
}

impl From<client::EndReason> for EndReason {
    fn from(reason: client::EndReason) -> Self {
        match reason {
            client::EndReason::Left => EndReason::Left,
            client::EndReason::MeetingEnded => EndReason::MeetingEnded,
            client::EndReason::RemovedByHost => EndReason::RemovedByHost,
            client::EndReason::Denied => EndReason::Denied,
            client::EndReason::ServerShutdown => EndReason::ServerShutdown,
            client::EndReason::Replaced => EndReason::Replaced,
            client::EndReason::ConnectionLost => EndReason::ConnectionLost,
            client::EndReason::Refused { code, message } => EndReason::Refused {
                code: code.into(),
                message,
            },
        }
    }
}

impl From<client::CallState> for CallState {
    fn from(state: client::CallState) -> Self {
        match state {
            client::CallState::Idle => CallState::Idle,
            client::CallState::Connecting => CallState::Connecting,
            client::CallState::WaitingInLobby {
                participant_id,
                reason,
            } => CallState::WaitingInLobby {
                participant_id: participant_id.into(),
                reason: reason.into(),
            },
            client::CallState::InCall {
                participant_id,
                role,
            } => CallState::InCall {
                participant_id: participant_id.into(),
                role: role.into(),
            },
            client::CallState::Reconnecting { attempt } => CallState::Reconnecting { attempt },
            client::CallState::Ended(reason) => CallState::Ended {
                reason: reason.into(),
            },
        }
    }
}

impl From<client::CallEvent> for CallEvent {
    fn from(event: client::CallEvent) -> Self {
        match event {
            client::CallEvent::StateChanged(state) => CallEvent::StateChanged {
                state: state.into(),
            },
            client::CallEvent::ParticipantJoined(participant) => CallEvent::ParticipantJoined {
                participant: participant.into(),
            },
            client::CallEvent::ParticipantLeft {
                participant,
                reason,
            } => CallEvent::ParticipantLeft {
                participant: participant.into(),
                reason: reason.into(),
            },
            client::CallEvent::Knock(participant) => CallEvent::Knock {
                participant: participant.into(),
            },
            client::CallEvent::KnockResolved {
                participant,
                outcome,
            } => CallEvent::KnockResolved {
                participant: participant.into(),
                outcome: outcome.into(),
            },
            client::CallEvent::Chat(message) => CallEvent::Chat {
                message: message.into(),
            },
            client::CallEvent::MediaStateChanged { participant, state } => {
                CallEvent::MediaStateChanged {
                    participant: participant.into(),
                    state: state.into(),
                }
            }
            client::CallEvent::HandRaised {
                participant,
                raised,
            } => CallEvent::HandRaised {
                participant: participant.into(),
                raised,
            },
            client::CallEvent::Error { code, message } => CallEvent::Error {
                code: code.into(),
                message,
            },
        }
    }
}
