//! The messages between the room handler, the pool task and the agent
//! tasks. A leaf: it names no other module of the pool, so every module may
//! use it and the pool, its rooms and its agents never import each other in
//! a circle.

use mulaqat_protocol::{
    IceCandidate, ParticipantId, RoomId, ServerMsg, SfuErrorCode, SfuFeed, SfuPublication,
    SfuTarget, VideoCodec,
};

use super::conn::JanusConn;
use super::error::JanusError;

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

/// Messages to the pool task: the room handler's commands, and news from
/// the tasks the pool spawned (node connections, room set-ups, agents).
/// Each names the node `epoch` or room `generation` it is about, so that
/// news of an older connection or set-up is recognised and ignored.
#[derive(Debug)]
pub(super) enum PoolMsg {
    /// From the room handler, through [`super::SfuPool::command`].
    Command(SfuCommand),
    /// The node answered: its admin session and VideoRoom handle.
    NodeUp {
        node: usize,
        epoch: u64,
        conn: JanusConn,
        session: u64,
        handle: u64,
    },
    /// The node's connection closed or stopped answering.
    NodeDown {
        node: usize,
        epoch: u64,
        why: String,
    },
    /// Janus's answer to creating a room.
    Created {
        room: RoomId,
        generation: u32,
        node: usize,
        epoch: u64,
        result: Result<(), JanusError>,
    },
    /// An agent published a feed (`feed_id` is its Janus publisher id).
    FeedUp {
        room: RoomId,
        generation: u32,
        feed_id: u64,
        feed: SfuFeed,
    },
    /// A feed ended: unpublished, replaced or hung up.
    FeedGone {
        room: RoomId,
        generation: u32,
        feed_id: u64,
    },
    /// Janus says a publisher started or stopped talking.
    Talking {
        room: RoomId,
        generation: u32,
        feed_id: u64,
        talking: bool,
    },
    /// An agent's Janus session is gone; the agent has stopped.
    AgentLost {
        room: RoomId,
        generation: u32,
        participant: ParticipantId,
    },
}
