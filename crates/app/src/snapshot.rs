//! The call as the backend holds it: one reducer over the [`CallEvent`]s
//! and [`MediaEvent`]s the UI is sent. The app sends the whole snapshot to
//! the UI after every change (`callSnapshot`), so the UI draws what it is
//! given and a reloaded UI asks for it again rather than replay history.
//!
//! The UI's backends with no Rust behind them (the mock, the browser client)
//! keep the same snapshot with the same reducer in TypeScript
//! (`ui/src/lib/ipc/callSnapshot.ts`); the vectors in
//! `tests/golden/call_snapshot.json` hold the two together.

use crate::ipc::{
    self, CallEvent, CallSnapshot, CallState, ChatMessage, LocalMedia, MediaEvent, MediaOrigin,
    MediaSource, ParticipantInfo, SharedScreen,
};

/// Keeps a [`CallSnapshot`] up to date.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotKeeper {
    snapshot: CallSnapshot,
}

/// At most this many chat messages are kept (the server replays its own
/// history on a resume anyway).
const KEPT_CHAT: usize = 500;

impl SnapshotKeeper {
    /// No call yet: idle, nobody, nothing said.
    pub(crate) fn new(room: Option<String>, local: LocalMedia) -> Self {
        Self {
            snapshot: CallSnapshot {
                state: CallState::Idle,
                room,
                participants: Vec::new(),
                lobby: Vec::new(),
                chat: Vec::new(),
                local,
                joined_at: None,
                me: None,
                screens: Vec::new(),
            },
        }
    }

    pub(crate) fn snapshot(&self) -> &CallSnapshot {
        &self.snapshot
    }

    /// What the person has switched on: set by their commands, not by the
    /// room's echo of them (see [`Self::apply`]).
    pub(crate) fn local_mut(&mut self) -> &mut LocalMedia {
        &mut self.snapshot.local
    }

    /// Applies one call event; `now` is the wall clock in Unix milliseconds.
    /// Returns false when the event cannot have changed the snapshot (an
    /// error, a chat message seen already).
    ///
    /// Our own media and hand as the room reports them change our entry in
    /// `participants` only: `local` is what the person chose, which the
    /// backend sends, and an echo of an older choice must not undo a newer one.
    pub(crate) fn apply(&mut self, event: &CallEvent, now: u64) -> bool {
        let s = &mut self.snapshot;
        match event {
            CallEvent::StateChanged { state } => self.change_state(state, now),
            CallEvent::ParticipantJoined { participant } => {
                remove(&mut s.lobby, &participant.id);
                upsert(&mut s.participants, participant);
            }
            CallEvent::ParticipantLeft { participant, .. } => {
                remove(&mut s.participants, participant);
            }
            CallEvent::Knock { participant } => upsert(&mut s.lobby, participant),
            CallEvent::KnockResolved { participant, .. } => remove(&mut s.lobby, participant),
            CallEvent::Chat { message } => return add_chat(&mut s.chat, message),
            CallEvent::MediaStateChanged { participant, state } => {
                if let Some(p) = find_mut(&mut s.participants, participant) {
                    p.media = state.clone();
                }
            }
            CallEvent::HandRaised {
                participant,
                raised,
            } => {
                if let Some(p) = find_mut(&mut s.participants, participant) {
                    p.hand_raised = *raised;
                }
            }
            CallEvent::Error { .. } => return false,
        }
        true
    }

    /// Follows the shared screens that are tracks of their own as they
    /// start and end (told by the track's origin), and our own share ending
    /// (the session has turned it off and told the room). Returns whether
    /// the snapshot changed.
    pub(crate) fn apply_media(&mut self, event: &MediaEvent) -> bool {
        let s = &mut self.snapshot;
        match event {
            MediaEvent::ScreenShareEnded { .. } => {
                std::mem::replace(&mut s.local.screen_sharing, false)
            }
            MediaEvent::TrackStarted {
                track,
                origin:
                    Some(MediaOrigin {
                        participant,
                        source: MediaSource::Screen,
                    }),
                ..
            } if !s.screens.iter().any(|screen| &screen.track == track) => {
                s.screens.push(SharedScreen {
                    track: track.clone(),
                    participant: participant.clone(),
                });
                true
            }
            MediaEvent::TrackEnded { track } => {
                let before = s.screens.len();
                s.screens.retain(|screen| &screen.track != track);
                s.screens.len() != before
            }
            _ => false,
        }
    }

    fn change_state(&mut self, state: &CallState, now: u64) {
        if matches!(state, CallState::Connecting) && !is_active(&self.snapshot.state) {
            // A new call: nothing of an earlier one but the room and our choices.
            let room = self.snapshot.room.take();
            let local = self.snapshot.local.clone();
            *self = Self::new(room, local);
        }
        let s = &mut self.snapshot;
        if let Some(me) = identity(state) {
            s.me = Some(me);
        }
        if matches!(state, CallState::InCall { .. }) && s.joined_at.is_none() {
            s.joined_at = Some(now);
        }
        if matches!(state, CallState::Ended { .. }) {
            s.me = None;
            s.lobby.clear();
            s.screens.clear();
            s.local.screen_sharing = false;
            s.local.hand_raised = false;
        }
        s.state = state.clone();
    }
}

/// Whether a call is under way (neither idle nor over).
fn is_active(state: &CallState) -> bool {
    !matches!(state, CallState::Idle | CallState::Ended { .. })
}

/// Who the state says we are: in the lobby we have an id but no role yet.
/// `None` for the states that do not say (reconnecting keeps who we were).
fn identity(state: &CallState) -> Option<ipc::SelfInfo> {
    match state {
        CallState::InCall {
            participant_id,
            role,
        } => Some(ipc::SelfInfo {
            id: participant_id.clone(),
            role: Some(*role),
        }),
        CallState::WaitingInLobby { participant_id, .. } => Some(ipc::SelfInfo {
            id: participant_id.clone(),
            role: None,
        }),
        _ => None,
    }
}

/// Puts `person` in `list` (in place of an earlier entry), in join order.
fn upsert(list: &mut Vec<ParticipantInfo>, person: &ParticipantInfo) {
    remove(list, &person.id);
    list.push(person.clone());
    list.sort_by_key(|p| p.join_order);
}

fn remove(list: &mut Vec<ParticipantInfo>, id: &str) {
    list.retain(|p| p.id != id);
}

fn find_mut<'a>(list: &'a mut [ParticipantInfo], id: &str) -> Option<&'a mut ParticipantInfo> {
    list.iter_mut().find(|p| p.id == id)
}

/// Adds a message not seen yet, dropping the oldest beyond [`KEPT_CHAT`].
fn add_chat(chat: &mut Vec<ChatMessage>, message: &ChatMessage) -> bool {
    if chat.iter().any(|m| m.seq == message.seq) {
        return false;
    }
    chat.push(message.clone());
    let excess = chat.len().saturating_sub(KEPT_CHAT);
    chat.drain(..excess);
    true
}

/// The wall clock in Unix milliseconds.
pub(crate) fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::ipc::{ChatMessage, MediaState, Role};

    /// `tests/golden/call_snapshot.json`: runs of events and the snapshot each
    /// leads to, shared with the UI's TypeScript reducer.
    const VECTORS: &str = include_str!("../tests/golden/call_snapshot.json");

    #[derive(Deserialize)]
    struct Vectors {
        cases: Vec<Case>,
    }

    #[derive(Deserialize)]
    struct Case {
        name: String,
        start: Start,
        steps: Vec<Step>,
        expect: CallSnapshot,
    }

    #[derive(Deserialize)]
    struct Start {
        room: Option<String>,
        local: LocalMedia,
    }

    /// A call event at `at`, or a media event.
    #[derive(Deserialize)]
    struct Step {
        #[serde(default)]
        at: u64,
        call: Option<CallEvent>,
        media: Option<MediaEvent>,
    }

    #[test]
    fn every_shared_vector_ends_in_its_snapshot() {
        let vectors: Vectors = serde_json::from_str(VECTORS).unwrap();
        assert!(vectors.cases.len() >= 8);
        for case in vectors.cases {
            let mut k = SnapshotKeeper::new(case.start.room, case.start.local);
            for step in &case.steps {
                if let Some(event) = &step.call {
                    k.apply(event, step.at);
                }
                if let Some(event) = &step.media {
                    k.apply_media(event);
                }
            }
            assert_eq!(k.snapshot(), &case.expect, "{}", case.name);
        }
    }

    fn keeper() -> SnapshotKeeper {
        SnapshotKeeper::new(
            Some("ward-7".into()),
            LocalMedia {
                mic_muted: false,
                camera_enabled: true,
                screen_sharing: false,
                hand_raised: false,
            },
        )
    }

    fn chat(seq: u64) -> CallEvent {
        CallEvent::Chat {
            message: ChatMessage {
                seq,
                from: "p-1".into(),
                display_name: "A".into(),
                text: "x".into(),
                sent_at: seq,
            },
        }
    }

    #[test]
    fn old_chat_is_dropped_beyond_the_limit() {
        let mut k = keeper();
        for seq in 0..(KEPT_CHAT as u64 + 20) {
            k.apply(&chat(seq), seq);
        }
        let chat = &k.snapshot().chat;
        assert_eq!(chat.len(), KEPT_CHAT);
        assert_eq!(chat[0].seq, 20);
    }

    #[test]
    fn what_cannot_change_the_call_is_not_sent_again() {
        let mut k = keeper();
        assert!(k.apply(&chat(1), 1));
        assert!(!k.apply(&chat(1), 2), "a message seen already");
        let error = CallEvent::Error {
            code: ipc::ErrorCode::Forbidden,
            message: "no".into(),
        };
        assert!(!k.apply(&error, 3));
        let joined = CallEvent::ParticipantJoined {
            participant: ipc::ParticipantInfo {
                id: "p-2".into(),
                display_name: "B".into(),
                role: Role::Guest,
                join_order: 2,
                media: MediaState {
                    audio: true,
                    video: true,
                    screen: false,
                },
                hand_raised: false,
            },
        };
        assert!(k.apply(&joined, 4));

        // As the engine says it, with the origin the app reads from it.
        let started = |track: &str, peer: &str| {
            MediaEvent::from_engine(mulaqat_media::MediaEvent::TrackStarted {
                track: mulaqat_media::TrackId(track.into()),
                peer: mulaqat_media::PeerId(peer.into()),
                kind: mulaqat_media::MediaKind::Video,
            })
            .expect("for the UI")
        };
        let camera = started("p-2:video", "p-2");
        assert!(!k.apply_media(&camera), "a camera is not a screen");
        let ended = |track: &str| MediaEvent::TrackEnded {
            track: track.into(),
        };
        assert!(!k.apply_media(&ended("p-2:video")));
        let screen = started("p-2/screen:video", "p-2/screen");
        assert!(k.apply_media(&screen));
        assert_eq!(k.snapshot().screens[0].participant.as_deref(), Some("p-2"));
        assert!(!k.apply_media(&screen), "announced twice, kept once");
        assert!(k.apply_media(&ended("p-2/screen:video")));
        let share_ended = MediaEvent::ScreenShareEnded {
            cause: ipc::ScreenShareEnd::Failed,
            reason: "gone".into(),
        };
        assert!(!k.apply_media(&share_ended), "we were not sharing");
    }

    #[test]
    fn the_snapshot_serialises_in_the_uis_shape() {
        let json = serde_json::to_value(keeper().snapshot()).unwrap();
        assert_eq!(json["state"]["type"], "idle");
        assert_eq!(json["room"], "ward-7");
        assert_eq!(json["local"]["cameraEnabled"], true);
        assert!(json["joinedAt"].is_null());
        assert!(json["self"].is_null());
    }
}
