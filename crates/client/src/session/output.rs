//! What a [`Session`](super::Session) asks the IO runner to do, and tells the UI.

use mulaqat_protocol::{
    ChatMessage, ClientMsg, ErrorCode, IceCandidate, IceServer, KnockOutcome, LeaveReason,
    MediaState, ParticipantId, ParticipantInfo, SdpKind,
};
use serde::{Deserialize, Serialize};

use super::state::CallState;

/// One thing to do, drained with [`Session::poll_output`](super::Session::poll_output).
/// Outputs must be carried out in the order they come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Open the signalling WebSocket, then report [`Input::TransportOpened`](super::Input::TransportOpened)
    /// or [`Input::TransportClosed`](super::Input::TransportClosed). The IO bounds how long
    /// opening may take (a connect timeout reported as `TransportClosed`). The session
    /// asks for this only while no connection is open.
    OpenTransport,
    /// Close the WebSocket after sending what was queued before it. Nothing
    /// more is reported about that connection (no `TransportClosed`); messages
    /// still arriving from it are dropped. Does nothing if none is open.
    CloseTransport,
    /// Send this message on the open WebSocket.
    Send(ClientMsg),
    /// Tell the media engine.
    Media(MediaCommand),
    /// Tell the UI.
    Event(CallEvent),
}

/// What the media engine must do with its peer connections (one per remote
/// participant in a peer-to-peer room).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaCommand {
    /// Create a peer connection to `peer`. The initiator makes the offer;
    /// the other side waits for it.
    AddPeer {
        /// The remote participant.
        peer: ParticipantId,
        /// Whether this side offers.
        initiator: bool,
        /// STUN and TURN servers to use.
        ice_servers: Vec<IceServer>,
    },
    /// Close and forget the peer connection to `peer`.
    RemovePeer {
        /// The remote participant.
        peer: ParticipantId,
    },
    /// Apply an offer or answer from `peer` (an answer is expected to follow an offer).
    RemoteDescription {
        /// The remote participant.
        peer: ParticipantId,
        /// Offer or answer.
        kind: SdpKind,
        /// The SDP text.
        sdp: String,
    },
    /// Add an ICE candidate from `peer`.
    RemoteCandidate {
        /// The remote participant.
        peer: ParticipantId,
        /// The candidate (empty: end of candidates).
        candidate: IceCandidate,
    },
    /// Restart ICE with `peer`: make a new offer with fresh ICE credentials,
    /// keeping the DTLS session and the media. Only ever asked of the
    /// initiator side of a pair.
    RestartIce {
        /// The remote participant.
        peer: ParticipantId,
    },
    /// Close every peer connection: the call is over (or starts afresh).
    RemoveAllPeers,
}

/// What the UI shows. Together with the session's accessors
/// ([`Session::participants`](super::Session::participants), [`Session::chat`](super::Session::chat), ...)
/// these keep a UI's view equal to the session's, and a UI that starts late
/// reads the accessors first, then follows the events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CallEvent {
    /// The call moved to a new state.
    StateChanged(CallState),
    /// Someone is in the room (everyone present is reported when we get in,
    /// ourselves included).
    ParticipantJoined(ParticipantInfo),
    /// Someone is no longer in the room.
    ParticipantLeft {
        /// Who.
        participant: ParticipantId,
        /// Why. After our own reconnection, participants who left meanwhile
        /// are reported as `disconnected`: the real reason was not seen.
        reason: LeaveReason,
    },
    /// Hosts: someone waits in the lobby (admit or deny).
    Knock(ParticipantInfo),
    /// Hosts: a knock was answered or withdrawn (take the prompt down).
    KnockResolved {
        /// Who was waiting.
        participant: ParticipantId,
        /// Admitted, denied or withdrawn.
        outcome: KnockOutcome,
    },
    /// A chat message (ours come back as the server's echo).
    Chat(ChatMessage),
    /// A participant's microphone, camera or screen share changed (ours too).
    MediaStateChanged {
        /// Who.
        participant: ParticipantId,
        /// The new state.
        state: MediaState,
    },
    /// A participant raised or lowered a hand (ours too).
    HandRaised {
        /// Who.
        participant: ParticipantId,
        /// Raised or lowered.
        raised: bool,
    },
    /// The server refused a request but the call goes on: show it to the user.
    Error {
        /// What went wrong, for code.
        code: ErrorCode,
        /// The server's explanation, for people.
        message: String,
    },
}
