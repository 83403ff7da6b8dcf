//! Where a call is: [`CallState`], and why it ended: [`EndReason`].

use mulaqat_protocol::{CloseReason, ErrorCode, LobbyReason, ParticipantId, Role};
use serde::{Deserialize, Serialize};

/// The state of one call session, as the UI shows it.
///
/// ```text
/// Idle ─Join─► Connecting ─lobbyWaiting─► WaitingInLobby ─welcome─► InCall
///                  │   └──────────────welcome──────────────────────►  │
///                  │ link lost                    link lost           │ link lost
///                  ▼                                                  ▼
///             Reconnecting{attempt} ─welcome / lobbyWaiting─► InCall / WaitingInLobby
///
/// any of them ─closed / refusal / leave / give up─► Ended(reason) ─Join─► Connecting
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CallState {
    /// Not started: waiting for [`UserAction::Join`](super::UserAction::Join).
    Idle,
    /// Opening the signalling connection, saying hello and asking to join.
    Connecting,
    /// In the lobby, until a host admits or denies.
    WaitingInLobby {
        /// Our identity while waiting (kept after admission).
        participant_id: ParticipantId,
        /// Why we wait.
        reason: LobbyReason,
    },
    /// In the room: media is being set up or flows.
    InCall {
        /// Our identity in the room.
        participant_id: ParticipantId,
        /// Host or guest.
        role: Role,
    },
    /// The signalling link was lost (or could not be opened); trying again
    /// with backoff. Peer connections are kept: media may still flow.
    Reconnecting {
        /// The attempt being waited for or under way, from 1.
        attempt: u32,
    },
    /// Over. Only a new [`UserAction::Join`](super::UserAction::Join) leaves this state.
    Ended(EndReason),
}

impl CallState {
    /// Whether the session is over.
    pub fn is_ended(&self) -> bool {
        matches!(self, CallState::Ended(_))
    }

    /// Whether a call is under way (neither idle nor ended).
    pub fn is_active(&self) -> bool {
        !matches!(self, CallState::Idle | CallState::Ended(_))
    }
}

/// Why a call ended. Every way a session can end has its own variant, so
/// the UI (and `mulaqat-cli`'s exit code) can say what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "reason",
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
    /// The same identity connected again elsewhere (another device or app
    /// instance resumed this session); this one is no longer used.
    Replaced,
    /// The signalling link stayed down longer than
    /// [`ReconnectPolicy::give_up_after`](super::ReconnectPolicy::give_up_after).
    ConnectionLost,
    /// The server refused the session: bad or expired token, wrong room,
    /// unsupported version, room full, display name refused, ...
    Refused {
        /// What went wrong, for code (the UI switches on it).
        code: ErrorCode,
        /// The server's explanation, for people.
        message: String,
    },
}

impl EndReason {
    /// Whether the session was refused (as opposed to ended or lost), for
    /// callers that sort outcomes: success, refused, connection failure.
    pub fn is_refusal(&self) -> bool {
        matches!(self, EndReason::Refused { .. } | EndReason::Denied)
    }
}

impl From<CloseReason> for EndReason {
    fn from(reason: CloseReason) -> Self {
        match reason {
            CloseReason::Left => EndReason::Left,
            CloseReason::MeetingEnded => EndReason::MeetingEnded,
            CloseReason::RemovedByHost => EndReason::RemovedByHost,
            CloseReason::Denied => EndReason::Denied,
            CloseReason::ServerShutdown => EndReason::ServerShutdown,
            CloseReason::Replaced => EndReason::Replaced,
        }
    }
}
