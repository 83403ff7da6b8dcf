//! Joining a call and what the person does in it.

use mulaqat_client::link::JoinLink;
use mulaqat_client::transport::SignallingTarget;
use mulaqat_client::{SessionConfig, UserAction};
use mulaqat_protocol::UnixMillis;

use super::{App, locked};
use crate::call::{ActiveCall, CallStart};
use crate::error::{CommandError, CommandErrorCode};
use crate::ipc::{self, CallSnapshot, LocalMedia};
use crate::media::RunningMedia;
use crate::snapshot::unix_millis;

impl App {
    /// Joins by link (or by the code of a meeting this app started).
    pub async fn join_call(
        &self,
        target: ipc::JoinTarget,
        display_name: String,
        quality: ipc::QualityChoice,
    ) -> Result<CallSnapshot, CommandError> {
        let link = self.resolve(target)?;
        let (relay_only, pinned_ca) = {
            let settings = locked(&self.settings);
            settings
                .check_server(&link.server)
                .map_err(CommandError::from)?;
            (settings.relay_only(), settings.trust().extra_ca_pem)
        };
        let mut call = self.call.lock().await;
        if let Some(old) = call.take() {
            if !old.is_over() {
                *call = Some(old);
                return Err(CommandError::new(
                    CommandErrorCode::AlreadyJoined,
                    "you are already in a call; leave it first",
                ));
            }
            old.finish().await;
        }
        let mut media = self.media.lock().await.take();
        let needs_restart = media.is_none() || quality != ipc::QualityChoice::Auto;
        if needs_restart {
            if let Some(old) = media.take() {
                old.stop().await;
            }
            let mut choice = self.media_choice(None, None);
            if let Some(q) = quality.fixed() {
                choice.quality = q.into();
            }
            media = Some(RunningMedia::start(
                &choice,
                self.frames.output(),
                self.sink.clone(),
            )?);
        }
        let Some(mut media) = media else {
            return Err(CommandError::internal("no media engine"));
        };
        let Some(engine_events) = media.take_events().await else {
            return Err(CommandError::internal("the media engine stopped"));
        };
        let local = fresh_local_media();
        let mut session = SessionConfig::new(link.room.clone(), &display_name, link.token.clone());
        session.decodes = mulaqat_client::runner::decodable_codecs();
        let active = ActiveCall::start(
            CallStart {
                session,
                signalling: SignallingTarget {
                    url: link.websocket_url(),
                    pinned_ca,
                },
                relay_only,
                engine: media.engine.clone(),
                engine_events,
                local,
            },
            self.sink.clone(),
        );
        let snapshot = active.snapshot();
        *call = Some(active);
        self.remember_room(&link);
        Ok(snapshot)
    }

    pub(super) fn resolve(&self, target: ipc::JoinTarget) -> Result<JoinLink, CommandError> {
        let text = match target {
            ipc::JoinTarget::Link { link } => link,
            ipc::JoinTarget::Recent { server, room } => {
                return self.room_tokens.link(&server, &room);
            }
            ipc::JoinTarget::RoomCode { room_code } => locked(&self.meetings)
                .iter()
                .find(|m| m.room_code.eq_ignore_ascii_case(room_code.trim()))
                .map(|m| m.host_link.clone())
                .ok_or_else(|| {
                    CommandError::new(
                        CommandErrorCode::InvalidLink,
                        "no meeting with that code was started here; ask the host for the link",
                    )
                })?,
        };
        JoinLink::parse(&text)
            .map_err(|e| CommandError::new(CommandErrorCode::InvalidLink, e.to_string()))
    }

    /// Lists a room just joined on the home screen, unless it is one of this
    /// app's own meetings on the embedded server (gone when the app closes).
    fn remember_room(&self, link: &JoinLink) {
        let embedded = locked(&self.meetings)
            .iter()
            .any(|m| m.server == ipc::MeetingServer::Embedded && m.room == link.room.as_str());
        if embedded {
            return;
        }
        {
            let mut settings = locked(&self.settings);
            settings.record_recent_room(
                link.room.clone(),
                link.server.clone(),
                None,
                UnixMillis(unix_millis()),
            );
            if let Err(e) = self.settings_file.save(settings.user()) {
                tracing::warn!("recent rooms not saved: {e}");
            }
        }
        self.room_tokens.keep(link);
    }

    /// The call as it stands (idle when there is none).
    pub async fn call_snapshot(&self) -> CallSnapshot {
        match &*self.call.lock().await {
            Some(call) => call.snapshot(),
            None => crate::snapshot::SnapshotKeeper::new(None, fresh_local_media())
                .snapshot()
                .clone(),
        }
    }

    async fn act(&self, action: UserAction) -> Result<(), CommandError> {
        match &*self.call.lock().await {
            Some(call) if call.act(action) => Ok(()),
            _ => Err(CommandError::not_in_call()),
        }
    }

    /// Leaves the call and releases its media.
    pub async fn leave_call(&self) -> Result<(), CommandError> {
        let Some(call) = self.call.lock().await.take() else {
            return Err(CommandError::not_in_call());
        };
        let engine = call.engine.clone();
        call.finish().await;
        let _ = tokio::task::spawn_blocking(move || engine.stop()).await;
        Ok(())
    }

    /// Host: ends the meeting for everyone.
    pub async fn end_meeting(&self) -> Result<(), CommandError> {
        self.act(UserAction::EndMeeting).await
    }

    /// Host: lets a waiting guest in.
    pub async fn admit(&self, participant: &str) -> Result<(), CommandError> {
        self.act(UserAction::Admit(participant_id(participant)?))
            .await
    }

    /// Host: turns a waiting guest away.
    pub async fn deny(&self, participant: &str) -> Result<(), CommandError> {
        self.act(UserAction::Deny(participant_id(participant)?))
            .await
    }

    /// Host: removes someone from the call.
    pub async fn remove(&self, participant: &str) -> Result<(), CommandError> {
        self.act(UserAction::Remove(participant_id(participant)?))
            .await
    }

    /// Mutes or unmutes the microphone (no audio is sent while muted).
    pub async fn set_mic_muted(&self, muted: bool) -> Result<(), CommandError> {
        self.set_local(|local| local.mic_muted = muted).await
    }

    /// Turns the camera off (a placeholder picture is sent) or on.
    pub async fn set_camera_enabled(&self, enabled: bool) -> Result<(), CommandError> {
        self.set_local(|local| local.camera_enabled = enabled).await
    }

    async fn set_local(&self, change: impl FnOnce(&mut LocalMedia)) -> Result<(), CommandError> {
        let call = self.call.lock().await;
        let Some(call) = call.as_ref().filter(|c| !c.is_over()) else {
            return Err(CommandError::not_in_call());
        };
        let local = call.update_local(change);
        call.engine.set_microphone_muted(local.mic_muted);
        call.engine
            .set_camera_enabled(local.camera_enabled)
            .map_err(|e| CommandError::new(CommandErrorCode::DeviceUnavailable, e.to_string()))?;
        call.act(UserAction::SetMedia(crate::call::media_state(&local)));
        Ok(())
    }

    /// Sends a chat message to everyone in the call.
    pub async fn send_chat(&self, text: String) -> Result<(), CommandError> {
        self.act(UserAction::Chat(text)).await
    }

    /// Raises or lowers the hand.
    pub async fn raise_hand(&self, raised: bool) -> Result<(), CommandError> {
        if let Some(call) = &*self.call.lock().await {
            call.update_local(|local| local.hand_raised = raised);
        }
        self.act(UserAction::RaiseHand(raised)).await
    }

    /// Whether a call is under way (closing the window then hides it).
    pub async fn in_call(&self) -> bool {
        self.call
            .lock()
            .await
            .as_ref()
            .is_some_and(|c| !c.is_over())
    }
}

/// What a call starts with: microphone and camera on, no screen, no hand.
fn fresh_local_media() -> LocalMedia {
    LocalMedia {
        mic_muted: false,
        camera_enabled: true,
        screen_sharing: false,
        hand_raised: false,
    }
}

fn participant_id(id: &str) -> Result<mulaqat_protocol::ParticipantId, CommandError> {
    mulaqat_protocol::ParticipantId::new(id).map_err(|e| {
        CommandError::new(CommandErrorCode::UnknownParticipant, format!("{id:?}: {e}"))
    })
}
