//! What the session knows about the room: participants in join order, the
//! lobby (for hosts) and the chat, and how a `welcome` is folded into what
//! was known before (the first one, or one after a reconnection).

use mulaqat_protocol::{
    ChatMessage, KnockOutcome, LeaveReason, MediaState, ParticipantId, ParticipantInfo,
};

use super::output::CallEvent;

/// Participants, lobby and chat, as last told by the server.
#[derive(Debug, Clone, Default)]
pub(crate) struct Roster {
    /// Everyone in the room, ourselves included, in join order.
    participants: Vec<ParticipantInfo>,
    /// Hosts: who waits in the lobby, oldest first.
    lobby: Vec<ParticipantInfo>,
    /// The room's chat, oldest first.
    chat: Vec<ChatMessage>,
}

impl Roster {
    pub(crate) fn participants(&self) -> &[ParticipantInfo] {
        &self.participants
    }

    pub(crate) fn lobby(&self) -> &[ParticipantInfo] {
        &self.lobby
    }

    pub(crate) fn chat(&self) -> &[ChatMessage] {
        &self.chat
    }

    pub(crate) fn get(&self, id: &ParticipantId) -> Option<&ParticipantInfo> {
        self.participants.iter().find(|p| &p.id == id)
    }

    /// Adds or replaces a participant, keeping join order.
    pub(crate) fn upsert(&mut self, info: ParticipantInfo) {
        self.participants.retain(|p| p.id != info.id);
        let at = self
            .participants
            .partition_point(|p| p.join_order <= info.join_order);
        self.participants.insert(at, info);
    }

    pub(crate) fn remove(&mut self, id: &ParticipantId) -> Option<ParticipantInfo> {
        let at = self.participants.iter().position(|p| &p.id == id)?;
        Some(self.participants.remove(at))
    }

    /// Records a participant's media state; whether it changed.
    pub(crate) fn set_media(&mut self, id: &ParticipantId, state: MediaState) -> bool {
        match self.participants.iter_mut().find(|p| &p.id == id) {
            Some(p) if p.media != state => {
                p.media = state;
                true
            }
            _ => false,
        }
    }

    /// Records a raised or lowered hand; whether it changed.
    pub(crate) fn set_hand(&mut self, id: &ParticipantId, raised: bool) -> bool {
        match self.participants.iter_mut().find(|p| &p.id == id) {
            Some(p) if p.hand_raised != raised => {
                p.hand_raised = raised;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn knock(&mut self, info: ParticipantInfo) {
        self.lobby.retain(|p| p.id != info.id);
        self.lobby.push(info);
    }

    pub(crate) fn knock_resolved(&mut self, id: &ParticipantId) {
        self.lobby.retain(|p| &p.id != id);
    }

    pub(crate) fn push_chat(&mut self, message: ChatMessage) {
        self.chat.push(message);
    }

    /// Takes a `welcome`'s view of the room and returns the events that
    /// bring a UI that followed the old view to the new one: who left and
    /// who joined, changed media and hands, knocks that came or went, and
    /// chat messages not seen yet.
    pub(crate) fn welcome(
        &mut self,
        participants: Vec<ParticipantInfo>,
        lobby: Vec<ParticipantInfo>,
        chat: Vec<ChatMessage>,
    ) -> Vec<CallEvent> {
        let mut events = Vec::new();

        for old in &self.participants {
            if !participants.iter().any(|p| p.id == old.id) {
                events.push(CallEvent::ParticipantLeft {
                    participant: old.id.clone(),
                    reason: LeaveReason::Disconnected,
                });
            }
        }
        let mut participants = participants;
        participants.sort_by_key(|p| p.join_order);
        for new in &participants {
            match self.get(&new.id) {
                None => events.push(CallEvent::ParticipantJoined(new.clone())),
                Some(old) => {
                    if old.media != new.media {
                        events.push(CallEvent::MediaStateChanged {
                            participant: new.id.clone(),
                            state: new.media,
                        });
                    }
                    if old.hand_raised != new.hand_raised {
                        events.push(CallEvent::HandRaised {
                            participant: new.id.clone(),
                            raised: new.hand_raised,
                        });
                    }
                }
            }
        }

        for old in &self.lobby {
            if !lobby.iter().any(|p| p.id == old.id) {
                let admitted = participants.iter().any(|p| p.id == old.id);
                events.push(CallEvent::KnockResolved {
                    participant: old.id.clone(),
                    outcome: if admitted {
                        KnockOutcome::Admitted
                    } else {
                        KnockOutcome::Withdrawn
                    },
                });
            }
        }
        for new in &lobby {
            if !self.lobby.iter().any(|p| p.id == new.id) {
                events.push(CallEvent::Knock(new.clone()));
            }
        }

        let unseen = unseen_chat(&self.chat, &chat);
        events.extend(chat[unseen..].iter().cloned().map(CallEvent::Chat));

        self.participants = participants;
        self.lobby = lobby;
        self.chat = chat;
        events
    }
}

/// Where the messages we have not seen start in the server's `history`.
///
/// If the history continues ours (it holds our last message, or it was
/// trimmed past it but goes further), that is just after our last message.
/// If it does not (the server restarted and the room began anew), every
/// message in it is new to us.
fn unseen_chat(ours: &[ChatMessage], history: &[ChatMessage]) -> usize {
    let Some(last) = ours.last() else {
        return 0;
    };
    let continues = match history.iter().find(|m| m.seq == last.seq) {
        Some(same_seq) => same_seq == last,
        None => history.first().is_some_and(|m| m.seq > last.seq),
    };
    if continues {
        history.partition_point(|m| m.seq <= last.seq)
    } else {
        0
    }
}
