//! One room's state: its members in join order, its lobby, its chat, and
//! who may come back after a dropped connection.

use std::collections::{HashMap, VecDeque};

use mulaqat_protocol::{
    ChatMessage, LobbyReason, MediaMode, ParticipantId, ParticipantInfo, Role, RoomPolicy,
    UnixMillis, VideoCodec,
};

use super::ConnId;
use super::sfu::SfuRoom;

/// A participant in the room.
#[derive(Debug)]
pub(super) struct Member {
    pub info: ParticipantInfo,
    pub conn: ConnId,
    pub resume_token: String,
    /// The video codecs their client decodes.
    pub decodes: Vec<VideoCodec>,
}

/// Someone in the lobby.
#[derive(Debug)]
pub(super) struct Waiting {
    pub info: ParticipantInfo,
    pub conn: ConnId,
    pub reason: LobbyReason,
    pub decodes: Vec<VideoCodec>,
}

/// A member whose connection dropped, who may resume until `until`.
#[derive(Debug)]
pub(super) struct Resumable {
    pub info: ParticipantInfo,
    pub resume_token: String,
    pub until: UnixMillis,
    pub decodes: Vec<VideoCodec>,
}

#[derive(Debug)]
pub(super) struct Room {
    pub policy: RoomPolicy,
    /// Guests may enter only once a host has opened the room, or when it was
    /// set up ahead of time.
    pub opened: bool,
    pub members: Vec<Member>,
    pub lobby: Vec<Waiting>,
    pub chat: VecDeque<ChatMessage>,
    pub resumable: HashMap<ParticipantId, Resumable>,
    pub empty_since: Option<UnixMillis>,
    /// Peer-to-peer or through the SFU.
    pub mode: MediaMode,
    /// The room's SFU room, when it has one.
    pub sfu: SfuRoom,
    next_chat_seq: u64,
    next_join_order: u64,
}

impl Room {
    pub fn new(policy: RoomPolicy, opened: bool, now: UnixMillis) -> Self {
        Self {
            policy,
            opened,
            members: Vec::new(),
            lobby: Vec::new(),
            chat: VecDeque::new(),
            resumable: HashMap::new(),
            empty_since: Some(now),
            mode: MediaMode::P2p,
            sfu: SfuRoom::default(),
            next_chat_seq: 1,
            next_join_order: 1,
        }
    }

    pub fn take_join_order(&mut self) -> u64 {
        let order = self.next_join_order;
        self.next_join_order += 1;
        order
    }

    pub fn member(&self, id: &ParticipantId) -> Option<&Member> {
        self.members.iter().find(|m| &m.info.id == id)
    }

    pub fn member_mut(&mut self, id: &ParticipantId) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| &m.info.id == id)
    }

    /// Adds a member keeping the list in join order.
    pub fn insert_member(&mut self, member: Member) {
        let at = self
            .members
            .partition_point(|m| m.info.join_order < member.info.join_order);
        self.members.insert(at, member);
        self.empty_since = None;
    }

    pub fn remove_member(&mut self, id: &ParticipantId, now: UnixMillis) -> Option<Member> {
        let at = self.members.iter().position(|m| &m.info.id == id)?;
        let member = self.members.remove(at);
        self.note_if_empty(now);
        Some(member)
    }

    pub fn remove_waiting(&mut self, id: &ParticipantId, now: UnixMillis) -> Option<Waiting> {
        let at = self.lobby.iter().position(|w| &w.info.id == id)?;
        let waiting = self.lobby.remove(at);
        self.note_if_empty(now);
        Some(waiting)
    }

    fn note_if_empty(&mut self, now: UnixMillis) {
        if self.members.is_empty() && self.lobby.is_empty() && self.empty_since.is_none() {
            self.empty_since = Some(now);
        }
    }

    /// Forgets who may no longer resume; whether anyone was forgotten.
    pub fn expire_resumable(&mut self, now: UnixMillis) -> bool {
        let before = self.resumable.len();
        self.resumable.retain(|_, r| r.until > now);
        self.resumable.len() != before
    }

    pub fn is_full(&self) -> bool {
        self.members.len() >= self.policy.max_participants as usize
    }

    pub fn has_host(&self) -> bool {
        self.members.iter().any(|m| m.info.role == Role::Host)
    }

    pub fn host_conns(&self) -> Vec<ConnId> {
        self.members
            .iter()
            .filter(|m| m.info.role == Role::Host)
            .map(|m| m.conn)
            .collect()
    }

    /// Every member's connection but `except`'s.
    pub fn conns_except(&self, except: &ParticipantId) -> Vec<ConnId> {
        self.members
            .iter()
            .filter(|m| &m.info.id != except)
            .map(|m| m.conn)
            .collect()
    }

    /// The video codec every member, and everyone who may still resume,
    /// decodes.
    pub fn common_codec(&self) -> VideoCodec {
        let present = self.members.iter().map(|m| m.decodes.as_slice());
        let away = self.resumable.values().map(|r| r.decodes.as_slice());
        VideoCodec::common(present.chain(away))
    }

    pub fn participants(&self) -> Vec<ParticipantInfo> {
        self.members.iter().map(|m| m.info.clone()).collect()
    }

    pub fn lobby_infos(&self) -> Vec<ParticipantInfo> {
        self.lobby.iter().map(|w| w.info.clone()).collect()
    }

    /// Appends a chat message, dropping the oldest beyond `max_history`.
    pub fn push_chat(
        &mut self,
        from: &ParticipantInfo,
        text: String,
        now: UnixMillis,
        max_history: usize,
    ) -> ChatMessage {
        let message = ChatMessage {
            seq: self.next_chat_seq,
            from: from.id.clone(),
            display_name: from.display_name.clone(),
            text,
            sent_at: now,
        };
        self.next_chat_seq += 1;
        self.chat.push_back(message.clone());
        while self.chat.len() > max_history {
            self.chat.pop_front();
        }
        message
    }
}
