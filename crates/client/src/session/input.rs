//! What the IO runner feeds into a [`Session`](super::Session).

use mulaqat_protocol::{IceCandidate, MediaState, ParticipantId, SdpKind, ServerMsg, SfuTarget};

use super::output::MediaCommand;

/// One thing that happened, handed to [`Session::handle`](super::Session::handle)
/// together with the time it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The WebSocket asked for by [`Output::OpenTransport`](super::Output::OpenTransport) is open.
    TransportOpened,
    /// The WebSocket could not be opened, or closed without being asked to.
    /// Not reported for a close the session asked for with
    /// [`Output::CloseTransport`](super::Output::CloseTransport).
    TransportClosed {
        /// What the IO knows about why (close code, IO error), for logs.
        reason: String,
    },
    /// A message from the server, already decoded.
    Server(ServerMsg),
    /// Something the media engine reports about a peer connection.
    Media(MediaInput),
    /// Something the user (or the app acting for them) asks for.
    User(UserAction),
    /// The time returned by [`Session::poll_timeout`](super::Session::poll_timeout) has come.
    /// Timers are acted on only here, never as a side effect of other inputs.
    Timeout,
}

/// Media engine reports, per remote peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaInput {
    /// The peer connection made an offer or answer to send to `peer`.
    LocalDescription {
        /// The remote participant the description is for.
        peer: ParticipantId,
        /// Offer or answer.
        kind: SdpKind,
        /// The SDP text (never logged).
        sdp: String,
    },
    /// The peer connection found an ICE candidate to send to `peer`
    /// (an empty candidate ends the candidates).
    LocalCandidate {
        /// The remote participant the candidate is for.
        peer: ParticipantId,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// Media is connected with `peer` (ICE and DTLS done).
    PeerConnected {
        /// The remote participant.
        peer: ParticipantId,
    },
    /// The connection with `peer` failed (ICE failed or DTLS broke).
    PeerFailed {
        /// The remote participant.
        peer: ParticipantId,
    },
    /// SFU: a connection made its offer (publication) or answer
    /// (subscription), to send to the SFU.
    SfuLocalDescription {
        /// Which connection.
        target: SfuTarget,
        /// The SDP text (never logged).
        sdp: String,
    },
    /// SFU: a connection found an ICE candidate to send to the SFU.
    SfuLocalCandidate {
        /// Which connection.
        target: SfuTarget,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// SFU: media is connected with the SFU on this connection.
    SfuConnected {
        /// Which connection.
        target: SfuTarget,
    },
    /// SFU: this connection failed.
    SfuFailed {
        /// Which connection.
        target: SfuTarget,
    },
    /// Our screen share ended on its own: the desktop's "stop sharing", a
    /// window that closed, a capture that stopped giving pictures.
    ScreenShareEnded,
    /// The media engine could not carry out a command the session gave.
    CommandFailed {
        /// The command, as given.
        command: MediaCommand,
        /// Why, for logs and people.
        error: String,
    },
}

/// What the user asks for. Actions the session cannot do in its current
/// state are refused with a [`SessionError`](crate::SessionError) and change nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAction {
    /// Start the call (from `Idle`), or join again after it ended.
    Join,
    /// Leave the call. Leaving when there is nothing to leave does nothing.
    Leave,
    /// Host: let a participant in from the lobby.
    Admit(ParticipantId),
    /// Host: refuse a participant waiting in the lobby.
    Deny(ParticipantId),
    /// Host: remove a participant from the room.
    Remove(ParticipantId),
    /// Host: end the meeting for everyone.
    EndMeeting,
    /// Say something in the room's chat. The server's echo confirms it.
    Chat(String),
    /// Microphone, camera or screen share turned on or off. Recorded in any
    /// state but `Ended` (it is then the state we join with) and told to the
    /// room once in the call.
    SetMedia(MediaState),
    /// Raise (`true`) or lower (`false`) our hand.
    RaiseHand(bool),
}

impl UserAction {
    /// A short name for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            UserAction::Join => "join",
            UserAction::Leave => "leave",
            UserAction::Admit(_) => "admit",
            UserAction::Deny(_) => "deny",
            UserAction::Remove(_) => "remove",
            UserAction::EndMeeting => "end meeting",
            UserAction::Chat(_) => "chat",
            UserAction::SetMedia(_) => "set media",
            UserAction::RaiseHand(_) => "raise hand",
        }
    }
}
