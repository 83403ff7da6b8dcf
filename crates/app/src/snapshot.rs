//! The call as the backend holds it, so that a UI that reloads (or a
//! window reopened from the tray) draws the call as it is without replaying
//! history: a reducer over the same [`ipc::CallEvent`]s the UI receives.

use crate::ipc::{self, CallEvent, CallSnapshot, CallState, LocalMedia};

/// Keeps a [`CallSnapshot`] up to date.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotKeeper {
    snapshot: CallSnapshot,
}

/// At most this many chat messages are kept for a reattaching UI (the
/// server replays its own history on a resume anyway).
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
                screen_tracks: Vec::new(),
            },
        }
    }

    pub(crate) fn snapshot(&self) -> &CallSnapshot {
        &self.snapshot
    }

    pub(crate) fn local_mut(&mut self) -> &mut LocalMedia {
        &mut self.snapshot.local
    }

    /// Follows the shared screens that are tracks of their own (see
    /// [`is_screen_track`]) as they start and end, and our own share ending
    /// (the session has turned it off and told the room).
    pub(crate) fn apply_media(&mut self, event: &mulaqat_media::MediaEvent) {
        use mulaqat_media::MediaEvent;
        let tracks = &mut self.snapshot.screen_tracks;
        match event {
            MediaEvent::ScreenShareEnded { .. } => self.snapshot.local.screen_sharing = false,
            MediaEvent::TrackStarted { track, .. }
                if is_screen_track(track.as_str())
                    && !tracks.iter().any(|t| t == track.as_str()) =>
            {
                tracks.push(track.to_string());
            }
            MediaEvent::TrackEnded { track } => tracks.retain(|t| t != track.as_str()),
            _ => {}
        }
    }

    /// Applies one event; `now` is the wall clock in Unix milliseconds.
    pub(crate) fn apply(&mut self, event: &CallEvent, now: u64) {
        let s = &mut self.snapshot;
        match event {
            CallEvent::StateChanged { state } => {
                let entering = matches!(state, CallState::InCall { .. })
                    && !matches!(
                        s.state,
                        CallState::InCall { .. } | CallState::Reconnecting { .. }
                    );
                if entering {
                    s.joined_at = Some(now);
                }
                if matches!(state, CallState::Ended { .. }) {
                    s.lobby.clear();
                    s.screen_tracks.clear();
                }
                match state {
                    CallState::InCall {
                        participant_id,
                        role,
                    } => {
                        s.me = Some(ipc::SelfInfo {
                            id: participant_id.clone(),
                            role: Some(*role),
                        });
                    }
                    CallState::WaitingInLobby { participant_id, .. } => {
                        s.me = Some(ipc::SelfInfo {
                            id: participant_id.clone(),
                            role: None,
                        });
                    }
                    _ => {}
                }
                s.state = state.clone();
            }
            CallEvent::ParticipantJoined { participant } => {
                s.lobby.retain(|p| p.id != participant.id);
                match s.participants.iter_mut().find(|p| p.id == participant.id) {
                    Some(known) => *known = participant.clone(),
                    None => {
                        s.participants.push(participant.clone());
                        s.participants.sort_by_key(|p| p.join_order);
                    }
                }
            }
            CallEvent::ParticipantLeft { participant, .. } => {
                s.participants.retain(|p| &p.id != participant);
            }
            CallEvent::Knock { participant } => {
                if !s.lobby.iter().any(|p| p.id == participant.id) {
                    s.lobby.push(participant.clone());
                }
            }
            CallEvent::KnockResolved { participant, .. } => {
                s.lobby.retain(|p| &p.id != participant);
            }
            CallEvent::Chat { message } => {
                if !s.chat.iter().any(|m| m.seq == message.seq) {
                    s.chat.push(message.clone());
                    if s.chat.len() > KEPT_CHAT {
                        let excess = s.chat.len() - KEPT_CHAT;
                        s.chat.drain(..excess);
                    }
                }
            }
            CallEvent::MediaStateChanged { participant, state } => {
                if let Some(p) = s.participants.iter_mut().find(|p| &p.id == participant) {
                    p.media = state.clone();
                }
            }
            CallEvent::HandRaised {
                participant,
                raised,
            } => {
                if let Some(p) = s.participants.iter_mut().find(|p| &p.id == participant) {
                    p.hand_raised = *raised;
                }
            }
            CallEvent::Error { .. } => {}
        }
    }
}

/// Whether `track` is a shared screen sent apart from the camera: our own
/// preview, or a participant's screen feed.
fn is_screen_track(track: &str) -> bool {
    track == mulaqat_media::SCREEN_PREVIEW_TRACK || track.ends_with("/screen:video")
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
    use super::*;
    use crate::ipc::{ChatMessage, KnockOutcome, LeaveReason, MediaState, ParticipantInfo, Role};

    fn person(id: &str, order: u64) -> ParticipantInfo {
        ParticipantInfo {
            id: id.into(),
            display_name: format!("Person {id}"),
            role: Role::Guest,
            join_order: order,
            media: MediaState {
                audio: true,
                video: true,
                screen: false,
            },
            hand_raised: false,
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

    #[test]
    fn a_reloaded_ui_sees_who_is_here_who_waits_and_what_was_said() {
        let mut k = keeper();
        k.apply(
            &CallEvent::StateChanged {
                state: CallState::InCall {
                    participant_id: "p-1".into(),
                    role: Role::Host,
                },
            },
            1_000,
        );
        k.apply(
            &CallEvent::ParticipantJoined {
                participant: person("p-3", 3),
            },
            1_100,
        );
        k.apply(
            &CallEvent::ParticipantJoined {
                participant: person("p-1", 1),
            },
            1_100,
        );
        k.apply(
            &CallEvent::Knock {
                participant: person("p-9", 9),
            },
            1_200,
        );
        k.apply(
            &CallEvent::Knock {
                participant: person("p-9", 9),
            },
            1_200,
        );
        k.apply(
            &CallEvent::Chat {
                message: ChatMessage {
                    seq: 1,
                    from: "p-3".into(),
                    display_name: "Person p-3".into(),
                    text: "<b>hi</b>".into(),
                    sent_at: 1_150,
                },
            },
            1_300,
        );
        k.apply(
            &CallEvent::HandRaised {
                participant: "p-3".into(),
                raised: true,
            },
            1_400,
        );
        let s = k.snapshot();
        assert_eq!(s.joined_at, Some(1_000));
        assert_eq!(s.me.as_ref().map(|me| me.id.as_str()), Some("p-1"));
        let ids: Vec<_> = s.participants.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["p-1", "p-3"], "in join order");
        assert_eq!(s.lobby.len(), 1, "a knock repeated is one person waiting");
        assert_eq!(s.chat[0].text, "<b>hi</b>", "kept as text");
        assert!(s.participants[1].hand_raised);

        k.apply(
            &CallEvent::KnockResolved {
                participant: "p-9".into(),
                outcome: KnockOutcome::Admitted,
            },
            1_500,
        );
        k.apply(
            &CallEvent::ParticipantLeft {
                participant: "p-3".into(),
                reason: LeaveReason::Left,
            },
            1_600,
        );
        let s = k.snapshot();
        assert!(s.lobby.is_empty());
        assert_eq!(s.participants.len(), 1);
    }

    #[test]
    fn reconnecting_keeps_the_call_timer() {
        let mut k = keeper();
        let in_call = CallState::InCall {
            participant_id: "p-1".into(),
            role: Role::Guest,
        };
        k.apply(
            &CallEvent::StateChanged {
                state: in_call.clone(),
            },
            1_000,
        );
        k.apply(
            &CallEvent::StateChanged {
                state: CallState::Reconnecting { attempt: 1 },
            },
            5_000,
        );
        k.apply(&CallEvent::StateChanged { state: in_call }, 9_000);
        assert_eq!(k.snapshot().joined_at, Some(1_000));
    }

    #[test]
    fn old_chat_is_dropped_beyond_the_limit() {
        let mut k = keeper();
        for seq in 0..(KEPT_CHAT as u64 + 20) {
            k.apply(
                &CallEvent::Chat {
                    message: ChatMessage {
                        seq,
                        from: "p-1".into(),
                        display_name: "A".into(),
                        text: "x".into(),
                        sent_at: seq,
                    },
                },
                seq,
            );
        }
        let chat = &k.snapshot().chat;
        assert_eq!(chat.len(), KEPT_CHAT);
        assert_eq!(chat[0].seq, 20);
    }

    #[test]
    fn ipc_types_are_what_the_snapshot_uses() {
        // The snapshot serialises in the UI's shape.
        let json = serde_json::to_value(keeper().snapshot()).unwrap();
        assert_eq!(json["state"]["type"], "idle");
        assert_eq!(json["room"], "ward-7");
        assert_eq!(json["local"]["cameraEnabled"], true);
        assert!(json["joinedAt"].is_null());
        let _: &ipc::CallSnapshot = keeper().snapshot();
    }

    #[test]
    fn a_reloaded_ui_sees_the_screens_shared_apart_until_they_end() {
        use mulaqat_media::{MediaEvent, MediaKind, PeerId, TrackId};
        let mut k = keeper();
        let started = |track: &str, peer: &str| MediaEvent::TrackStarted {
            track: TrackId(track.into()),
            peer: PeerId(peer.into()),
            kind: MediaKind::Video,
        };
        k.apply_media(&started("p-2/screen:video", "p-2/screen"));
        k.apply_media(&started("p-2/screen:video", "p-2/screen"));
        k.apply_media(&started("p-3:video", "p-3"));
        k.apply_media(&started("local:screen", "local"));
        assert_eq!(
            k.snapshot().screen_tracks,
            ["p-2/screen:video", "local:screen"],
            "screens only, each once"
        );
        k.apply_media(&MediaEvent::TrackEnded {
            track: TrackId("p-2/screen:video".into()),
        });
        assert_eq!(k.snapshot().screen_tracks, ["local:screen"]);
        k.apply(
            &CallEvent::StateChanged {
                state: CallState::Ended {
                    reason: ipc::EndReason::Left,
                },
            },
            2_000,
        );
        assert!(
            k.snapshot().screen_tracks.is_empty(),
            "a call that ended shares nothing"
        );
    }

    #[test]
    fn a_reloaded_ui_sees_that_our_share_ended_on_its_own() {
        use mulaqat_media::{MediaEvent, ScreenShareEnd};
        let mut k = keeper();
        k.local_mut().screen_sharing = true;
        k.apply_media(&MediaEvent::ScreenShareEnded {
            cause: ScreenShareEnd::StoppedByDesktop,
            reason: "stopped from the desktop".into(),
        });
        assert!(!k.snapshot().local.screen_sharing);
    }
}
