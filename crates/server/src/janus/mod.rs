//! SFU rooms on Janus VideoRoom: the node pool, room placement, and the
//! relay between clients and Janus.
//!
//! The room handler ([`crate::rooms::Handler`]) decides when a room needs an
//! SFU and what clients may do; it says so with [`SfuCommand`]s and learns
//! what happened from [`SfuEvent`]s. The [`SfuPool`] does the talking to
//! Janus over its WebSocket API: one connection per node, an admin session
//! per node for creating and destroying rooms, and one session per
//! participant (with a handle per publication and per subscription) that
//! carries the client's requests with the API secret added. Clients never
//! see the API secret or the room secret; they get the room pin, which they
//! present with each publish and subscribe, and Janus checks it.

mod agent;
mod config;
pub mod conn;
pub mod error;
mod node;
pub mod placement;
mod pool;
mod room;

use mulaqat_protocol::{
    IceCandidate, ParticipantId, RoomId, ServerMsg, SfuErrorCode, SfuFeed, SfuPublication,
    SfuTarget, VideoCodec,
};

pub use config::{JanusNodeConfig, SfuConfig};

/// Defaults the room handler shares with the `[sfu]` table.
pub mod config_defaults {
    /// See [`super::config::DEFAULT_P2P_MAX_PARTICIPANTS`].
    pub const P2P_MAX: u32 = super::config::DEFAULT_P2P_MAX_PARTICIPANTS;
    /// See [`super::config::DEFAULT_SFU_MAX_PARTICIPANTS`].
    pub const SFU_MAX: u32 = super::config::DEFAULT_SFU_MAX_PARTICIPANTS;
}
pub use conn::JanusConn;
pub use error::JanusError;
pub use pool::SfuPool;

/// What the room handler asks of the SFU pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfuCommand {
    /// Set up the room on the least loaded node that is up.
    CreateRoom {
        /// The room.
        room: RoomId,
        /// Counts set-ups of this room; replies carry it back.
        generation: u32,
        /// Most publishers (the room's participant limit).
        publishers: u32,
        /// The video codec publishers send (Janus's `videocodec`).
        codec: VideoCodec,
    },
    /// The meeting is over: destroy the room on its node.
    DestroyRoom {
        /// The room.
        room: RoomId,
    },
    /// `sfuPublish` from a member.
    Publish {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
        /// The pin the client presented.
        pin: String,
        /// Camera or screen.
        publication: SfuPublication,
        /// The SDP offer.
        sdp: String,
    },
    /// `sfuUnpublish` from a member.
    Unpublish {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
        /// Which publication.
        publication: SfuPublication,
    },
    /// `sfuSubscribe` from a member.
    Subscribe {
        /// The room.
        room: RoomId,
        /// Who subscribes.
        participant: ParticipantId,
        /// The pin the client presented.
        pin: String,
        /// The feed wanted.
        feed: SfuFeed,
    },
    /// `sfuAnswer` from a member.
    Answer {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
        /// Their subscription.
        subscription: u64,
        /// The SDP answer.
        sdp: String,
    },
    /// `sfuUnsubscribe` from a member.
    Unsubscribe {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
        /// Their subscription.
        subscription: u64,
    },
    /// `sfuCandidate` from a member.
    Trickle {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
        /// Which of their peer connections.
        target: SfuTarget,
        /// The candidate; empty means the end of candidates.
        candidate: IceCandidate,
    },
    /// A member left the room (or the SFU): end their Janus session.
    Leave {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
    },
}

/// What the SFU pool tells the room handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfuEvent {
    /// How many nodes are up now (sent whenever it changes).
    NodesUp(usize),
    /// The room is set up on a node.
    RoomReady {
        /// The room.
        room: RoomId,
        /// From the `CreateRoom`.
        generation: u32,
        /// The pin for members.
        pin: String,
    },
    /// The room could not be set up.
    RoomFailed {
        /// The room.
        room: RoomId,
        /// From the `CreateRoom`.
        generation: u32,
        /// For the members.
        code: SfuErrorCode,
        /// For the members.
        message: String,
    },
    /// The node hosting the room was lost, and the room with it.
    RoomLost {
        /// The room.
        room: RoomId,
    },
    /// Feeds appeared or ended.
    Feeds {
        /// The room.
        room: RoomId,
        /// New feeds.
        available: Vec<SfuFeed>,
        /// Ended feeds.
        gone: Vec<SfuFeed>,
    },
    /// A publisher started or stopped talking.
    Talking {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
        /// Started or stopped.
        talking: bool,
    },
    /// A reply for one member (`sfuPublished`, `sfuOffer`, `sfuCandidate`,
    /// `sfuRefused`).
    ToParticipant {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
        /// The message.
        msg: ServerMsg,
    },
    /// A member's own Janus session ended: they must publish and subscribe afresh.
    SessionLost {
        /// The room.
        room: RoomId,
        /// Who.
        participant: ParticipantId,
    },
}
