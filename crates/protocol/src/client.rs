//! Messages from a client to the server.

use serde::{Deserialize, Serialize};

use crate::ids::{ParticipantId, RoomId};
use crate::sfu::{SfuPublication, SfuTarget};
use crate::types::{IceCandidate, MediaState, Role, Signal, VideoCodec};

/// Proof of an earlier admission, to come back after a dropped connection
/// without waiting in the lobby again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Resume {
    /// The identity given in the earlier `welcome`.
    pub participant_id: ParticipantId,
    /// The secret given in the earlier `welcome`.
    pub resume_token: String,
    /// Our media started afresh since (a reloaded page, a restarted app):
    /// the peer connections others kept for us are dead, and they make new
    /// ones (`joined` tells them with `restarted`). Absent: our media kept
    /// flowing while the connection was down.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restarted: bool,
}

fn yes() -> bool {
    true
}

/// One message from a client. On the wire: a JSON object whose `type` names
/// the variant in camelCase, with camelCase fields. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ClientMsg {
    /// First message on every connection: protocol version and join token.
    Hello {
        /// The protocol version the client speaks.
        version: u32,
        /// The signed join token from the room link.
        token: String,
    },
    /// Enter the room named by the token (or its lobby).
    Join {
        /// Must be the room the token names.
        room: RoomId,
        /// The name others will see.
        display_name: String,
        /// Join with less than the token allows (a host joining as a guest).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<Role>,
        /// Come back as an earlier participant after a dropped connection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
        /// The starting state of microphone, camera and screen share.
        #[serde(default)]
        media: MediaState,
        /// The video codecs we decode. Absent: H.264 and VP8. An SFU room
        /// sends H.264 while every member decodes it, VP8 otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decodes: Option<Vec<VideoCodec>>,
    },
    /// Host: let a participant in from the lobby.
    Admit {
        /// Who, from a `knock`.
        participant: ParticipantId,
    },
    /// Host: refuse a participant waiting in the lobby.
    Deny {
        /// Who, from a `knock`.
        participant: ParticipantId,
    },
    /// Host: remove a participant from the room.
    Remove {
        /// Who.
        participant: ParticipantId,
    },
    /// Host: end the meeting for everyone, lobby included.
    EndMeeting,
    /// Relay an SDP or ICE candidate to one participant of the same room.
    Signal {
        /// The receiver.
        to: ParticipantId,
        /// `sdp` or `candidate`.
        #[serde(flatten)]
        signal: Signal,
    },
    /// Say something to the room.
    Chat {
        /// Plain text; newlines allowed.
        text: String,
    },
    /// Tell the room what is on: microphone, camera, screen share.
    MediaState {
        /// The new state.
        #[serde(flatten)]
        state: MediaState,
    },
    /// Raise (or lower) a hand.
    RaiseHand {
        /// `false` lowers it. Absent means raise.
        #[serde(default = "yes")]
        raised: bool,
    },
    /// Leave the room; the server confirms with `closed` and closes.
    Leave,
    /// Asks for fresh TURN credentials before the ones from `welcome` (or
    /// the last `iceServers`) expire; answered with `iceServers`.
    RefreshIce,
    /// SFU rooms: publish a stream. Answered with `sfuPublished` (Janus's
    /// SDP answer) or `sfuRefused`.
    SfuPublish {
        /// The pin from the newest `modeChanged`.
        pin: String,
        /// Camera (default) or screen share.
        #[serde(default)]
        publication: SfuPublication,
        /// The SDP offer (send-only), with `a=group:BUNDLE`.
        sdp: String,
    },
    /// SFU rooms: stop a publication; the others see it gone in `sfuFeeds`.
    SfuUnpublish {
        /// Which one.
        publication: SfuPublication,
    },
    /// SFU rooms: receive a feed from `sfuFeeds`. Answered with `sfuOffer`
    /// (Janus's SDP offer) or `sfuRefused`.
    SfuSubscribe {
        /// The pin from the newest `modeChanged`.
        pin: String,
        /// Whose feed.
        feed: ParticipantId,
        /// Which of their publications (default camera).
        #[serde(default)]
        publication: SfuPublication,
    },
    /// SFU rooms: the SDP answer to an `sfuOffer`; media starts.
    SfuAnswer {
        /// The subscription from `sfuOffer`.
        subscription: u64,
        /// The SDP answer (receive-only).
        sdp: String,
    },
    /// SFU rooms: stop receiving a subscription.
    SfuUnsubscribe {
        /// The subscription from `sfuOffer`.
        subscription: u64,
    },
    /// SFU rooms: one trickled ICE candidate of a publication or
    /// subscription; an empty `candidate` says there are no more.
    SfuCandidate {
        /// Which peer connection.
        target: SfuTarget,
        /// The candidate.
        candidate: IceCandidate,
    },
}

impl ClientMsg {
    /// Every `type` a client may send, in declaration order.
    pub const TYPES: [&'static str; 18] = [
        "hello",
        "join",
        "admit",
        "deny",
        "remove",
        "endMeeting",
        "signal",
        "chat",
        "mediaState",
        "raiseHand",
        "leave",
        "refreshIce",
        "sfuPublish",
        "sfuUnpublish",
        "sfuSubscribe",
        "sfuAnswer",
        "sfuUnsubscribe",
        "sfuCandidate",
    ];

    /// This message's `type` on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientMsg::Hello { .. } => "hello",
            ClientMsg::Join { .. } => "join",
            ClientMsg::Admit { .. } => "admit",
            ClientMsg::Deny { .. } => "deny",
            ClientMsg::Remove { .. } => "remove",
            ClientMsg::EndMeeting => "endMeeting",
            ClientMsg::Signal { .. } => "signal",
            ClientMsg::Chat { .. } => "chat",
            ClientMsg::MediaState { .. } => "mediaState",
            ClientMsg::RaiseHand { .. } => "raiseHand",
            ClientMsg::Leave => "leave",
            ClientMsg::RefreshIce => "refreshIce",
            ClientMsg::SfuPublish { .. } => "sfuPublish",
            ClientMsg::SfuUnpublish { .. } => "sfuUnpublish",
            ClientMsg::SfuSubscribe { .. } => "sfuSubscribe",
            ClientMsg::SfuAnswer { .. } => "sfuAnswer",
            ClientMsg::SfuUnsubscribe { .. } => "sfuUnsubscribe",
            ClientMsg::SfuCandidate { .. } => "sfuCandidate",
        }
    }
}
