//! What a [`Session`](super::Session) asks the IO runner to do, and tells the UI.

use mulaqat_protocol::{
    ChatMessage, ClientMsg, ErrorCode, IceCandidate, IceServer, KnockOutcome, LeaveReason,
    MediaState, ParticipantId, ParticipantInfo, SdpKind, SfuErrorCode, SfuPublication,
    SfuResetReason, SfuTarget, VideoCodec,
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
    /// Tell the UI something about the room's SFU (talking, problems).
    Sfu(SfuNotice),
    /// Tell the UI that our screen share could not start (sharing is off
    /// again, and the room was told).
    ScreenShareFailed {
        /// Why, for people.
        reason: String,
    },
}

/// What the UI hears about an SFU room beside the [`CallEvent`]s: who talks
/// (the SFU's audio levels, for the active speaker) and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "notice",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SfuNotice {
    /// A publisher started or stopped talking (never ourselves).
    Talking {
        /// Who.
        participant: ParticipantId,
        /// Talking now, or stopped.
        talking: bool,
    },
    /// The SFU refused something; the call goes on (video may be missing).
    Problem {
        /// What went wrong, for code.
        code: SfuErrorCode,
        /// What went wrong and what to do, for people.
        message: String,
    },
    /// The SFU room was lost; video comes back once it is set up again.
    Reset {
        /// Why.
        reason: SfuResetReason,
    },
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
    /// Close every peer connection, SFU ones too: the call is over (or
    /// starts afresh).
    RemoveAllPeers,
    /// Send the shared screen in the camera's place, to every peer (`on`),
    /// or the camera again: how a peer-to-peer room sees a shared screen.
    ScreenInCamera {
        /// Whether the screen replaces the camera.
        on: bool,
    },
    /// SFU: make a send-only connection that publishes our camera and
    /// microphone, or our shared screen; it offers, reported as
    /// [`MediaInput::SfuLocalDescription`](super::MediaInput::SfuLocalDescription).
    Publish {
        /// Which publication.
        publication: SfuPublication,
        /// The video codec to send: the SFU room's.
        video_codec: VideoCodec,
        /// STUN and TURN servers to use.
        ice_servers: Vec<IceServer>,
    },
    /// SFU: make a receive-only connection for one feed and answer the
    /// SFU's offer. A camera feed's tracks are named after `feed`, as a mesh
    /// peer's (`<feed>:video`); a screen feed's `<feed>/screen:video`.
    Subscribe {
        /// The server's number for it.
        subscription: u64,
        /// Whose feed.
        feed: ParticipantId,
        /// Which of their publications.
        publication: SfuPublication,
        /// The SFU's SDP offer.
        offer: String,
        /// STUN and TURN servers to use.
        ice_servers: Vec<IceServer>,
    },
    /// SFU: the SFU's answer to our publication's offer.
    PublicationAnswer {
        /// Which publication.
        publication: SfuPublication,
        /// The SDP answer.
        sdp: String,
    },
    /// SFU: an ICE candidate of the SFU's side of a connection.
    SfuCandidate {
        /// Which connection.
        target: SfuTarget,
        /// The candidate (empty: end of candidates).
        candidate: IceCandidate,
    },
    /// SFU: close one connection (and its tracks).
    CloseSfu {
        /// Which connection.
        target: SfuTarget,
    },
}

impl MediaCommand {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            MediaCommand::AddPeer { .. } => "add peer",
            MediaCommand::RemovePeer { .. } => "remove peer",
            MediaCommand::RemoteDescription { .. } => "remote description",
            MediaCommand::RemoteCandidate { .. } => "remote candidate",
            MediaCommand::RestartIce { .. } => "restart ICE",
            MediaCommand::RemoveAllPeers => "remove all peers",
            MediaCommand::ScreenInCamera { .. } => "screen in camera",
            MediaCommand::Publish { .. } => "publish",
            MediaCommand::Subscribe { .. } => "subscribe",
            MediaCommand::PublicationAnswer { .. } => "publication answer",
            MediaCommand::SfuCandidate { .. } => "SFU candidate",
            MediaCommand::CloseSfu { .. } => "close SFU connection",
        }
    }
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
