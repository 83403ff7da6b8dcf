//! Inputs from this side: what the user asks for, and what the media
//! engine reports about its peer connections.

use std::time::Instant;

use mulaqat_protocol::text::{self, DEFAULT_MAX_CHAT_CHARS, DEFAULT_MAX_DISPLAY_NAME_CHARS};
use mulaqat_protocol::{ClientMsg, ParticipantId, Role, SessionDescription, Signal};
use tracing::{debug, info, warn};

use super::{
    CallEvent, CallState, EndReason, LEAVE_TIMEOUT, MediaCommand, MediaInput, Output, Session,
    Transport, UserAction,
};
use crate::SessionError;

impl Session {
    // ---- user actions ----

    pub(super) fn user(&mut self, now: Instant, action: UserAction) -> Result<(), SessionError> {
        let name = action.name();
        match action {
            UserAction::Join => self.join(),
            UserAction::Leave => {
                self.leave(now);
                Ok(())
            }
            UserAction::SetMedia(state) => {
                if self.state.is_ended() {
                    return Err(SessionError::NotInCall { action: name });
                }
                self.media = state;
                if self.linked_in_call() {
                    self.sync_media();
                }
                if self.state.is_active() {
                    self.sync_screen(now);
                }
                Ok(())
            }
            UserAction::Chat(text) => {
                self.require_in_call(name)?;
                let text = text::chat_text(&text, DEFAULT_MAX_CHAT_CHARS)
                    .map_err(SessionError::InvalidText)?;
                self.send(ClientMsg::Chat { text });
                Ok(())
            }
            UserAction::RaiseHand(raised) => {
                let me = self.require_in_call(name)?;
                self.send(ClientMsg::RaiseHand { raised });
                if self.roster.set_hand(&me, raised) {
                    self.event(CallEvent::HandRaised {
                        participant: me,
                        raised,
                    });
                }
                Ok(())
            }
            UserAction::Admit(participant) => {
                self.require_host(name)?;
                self.send(ClientMsg::Admit { participant });
                Ok(())
            }
            UserAction::Deny(participant) => {
                self.require_host(name)?;
                self.send(ClientMsg::Deny { participant });
                Ok(())
            }
            UserAction::Remove(participant) => {
                let me = self.require_host(name)?;
                if participant == me {
                    return Err(SessionError::RemoveSelf);
                }
                self.send(ClientMsg::Remove { participant });
                Ok(())
            }
            UserAction::EndMeeting => {
                self.require_host(name)?;
                self.send(ClientMsg::EndMeeting);
                Ok(())
            }
        }
    }

    pub(super) fn join(&mut self) -> Result<(), SessionError> {
        if self.state.is_active() {
            return Err(SessionError::AlreadyJoined);
        }
        let name = text::display_name(&self.config.display_name, DEFAULT_MAX_DISPLAY_NAME_CHARS)
            .map_err(SessionError::InvalidDisplayName)?;
        info!(room = %self.config.room, "joining");
        // Start afresh (after an earlier call), keeping what the user set and
        // what the IO has not drained yet.
        let media = self.media;
        let out = std::mem::take(&mut self.out);
        *self = Self::new(self.config.clone());
        self.media = media;
        self.out = out;
        self.display_name = name;
        self.open_transport();
        self.set_state(CallState::Connecting);
        Ok(())
    }

    pub(super) fn leave(&mut self, now: Instant) {
        if !self.state.is_active() || self.is_leaving() {
            return;
        }
        info!("leaving");
        let linked = self.transport == Transport::Open;
        match self.state {
            CallState::InCall { .. } | CallState::WaitingInLobby { .. } if linked => {
                self.send(ClientMsg::Leave);
                self.leave_deadline = Some(now + LEAVE_TIMEOUT);
            }
            _ => {
                // Not in the room yet, or no link: nothing to wait for.
                if linked {
                    self.send(ClientMsg::Leave);
                }
                self.end(EndReason::Left);
            }
        }
    }

    /// Tells the room our media state if it differs from what the room has.
    pub(super) fn sync_media(&mut self) {
        let Some(me) = self.participant_id.clone() else {
            return;
        };
        if self.roster.get(&me).is_some_and(|p| p.media == self.media) {
            return;
        }
        let state = self.media;
        self.send(ClientMsg::MediaState { state });
        self.roster.set_media(&me, state);
        self.event(CallEvent::MediaStateChanged {
            participant: me,
            state,
        });
    }

    /// Puts our shared screen where the room needs it: in the camera's place
    /// in a peer-to-peer room, as a publication of its own in an SFU room
    /// (whose camera keeps going). While an SFU room is being set up the
    /// screen waits for it rather than flip into the camera and back.
    pub(super) fn sync_screen(&mut self, now: Instant) {
        let sfu = self.mode() == Some(mulaqat_protocol::MediaMode::Sfu);
        let in_camera = self.media.screen && !sfu && self.room.is_some();
        if in_camera != self.screen_in_camera {
            self.screen_in_camera = in_camera;
            self.media_command(MediaCommand::ScreenInCamera { on: in_camera });
        }
        self.sync_screen_publication(now);
    }

    /// In the call, with a link, not leaving: our id.
    pub(super) fn require_in_call(
        &self,
        action: &'static str,
    ) -> Result<ParticipantId, SessionError> {
        match &self.participant_id {
            Some(me) if self.linked_in_call() => Ok(me.clone()),
            _ => Err(SessionError::NotInCall { action }),
        }
    }

    pub(super) fn require_host(&self, action: &'static str) -> Result<ParticipantId, SessionError> {
        let me = self.require_in_call(action)?;
        match self.role {
            Some(Role::Host) => Ok(me),
            _ => Err(SessionError::NotHost { action }),
        }
    }

    pub(super) fn linked_in_call(&self) -> bool {
        matches!(self.state, CallState::InCall { .. })
            && self.transport == Transport::Open
            && !self.is_leaving()
    }

    // ---- media engine reports ----

    pub(super) fn media_input(&mut self, now: Instant, input: MediaInput) {
        match input {
            MediaInput::LocalDescription { peer, kind, sdp } => {
                self.relay(peer, Signal::Sdp(SessionDescription { kind, sdp }));
            }
            MediaInput::LocalCandidate { peer, candidate } => {
                self.relay(peer, Signal::Candidate(candidate));
            }
            MediaInput::PeerConnected { peer } => {
                if self.mesh.set_connected(&peer, true).is_some() {
                    info!(%peer, "media connected");
                }
            }
            MediaInput::PeerFailed { peer } => {
                let Some(link) = self.mesh.set_connected(&peer, false) else {
                    return;
                };
                info!(%peer, "media connection failed");
                if self.mode() == Some(mulaqat_protocol::MediaMode::Sfu) {
                    // The SFU carries the media now: no restart.
                    self.mesh.remove(&peer);
                    self.media_command(MediaCommand::RemovePeer { peer });
                    return;
                }
                // The initiator of the pair restarts ICE; the other side waits
                // for its offer. Without a link (or while they are away), the
                // restart comes when the link is back.
                if link.initiator && !link.away && self.linked_in_call() {
                    self.media_command(MediaCommand::RestartIce { peer });
                }
            }
            sfu @ (MediaInput::SfuLocalDescription { .. }
            | MediaInput::SfuLocalCandidate { .. }
            | MediaInput::SfuConnected { .. }
            | MediaInput::SfuFailed { .. }) => self.sfu_media(now, sfu),
            MediaInput::ScreenShareEnded => {
                info!("screen share ended");
                self.end_screen_share(now);
            }
            MediaInput::CommandFailed { command, error } => {
                self.command_failed(now, command, &error);
            }
        }
    }

    /// What a failed media command means. A screen that cannot be shared
    /// ends the share, so that the room is not told we share nothing; any
    /// other failure is logged, and the connection's own failure or
    /// timeout (`PeerFailed`, `SfuFailed`, the publication's deadline)
    /// brings the retry.
    fn command_failed(&mut self, now: Instant, command: MediaCommand, error: &str) {
        let screen = matches!(
            command,
            MediaCommand::ScreenInCamera { on: true }
                | MediaCommand::Publish {
                    publication: mulaqat_protocol::SfuPublication::Screen,
                    ..
                }
        );
        if screen {
            warn!("screen sharing could not start: {error}");
            self.end_screen_share(now);
            self.out.push_back(Output::ScreenShareFailed {
                reason: error.to_owned(),
            });
        } else {
            warn!(command = command.name(), "media: {error}");
        }
    }

    /// Turns our screen share off, as [`UserAction::SetMedia`] would, and
    /// tells the room.
    fn end_screen_share(&mut self, now: Instant) {
        if !self.media.screen {
            return;
        }
        self.media.screen = false;
        if self.linked_in_call() {
            self.sync_media();
        }
        if self.state.is_active() {
            self.sync_screen(now);
        }
    }

    /// Sends a local SDP or candidate to `peer`, if that can be done now.
    pub(super) fn relay(&mut self, peer: ParticipantId, signal: Signal) {
        match self.mesh.get(&peer) {
            None => debug!(%peer, "signal for an unknown peer dropped"),
            Some(link) if link.away => debug!(%peer, "signal for an away peer dropped"),
            Some(_) if !self.linked_in_call() => debug!(%peer, "signal dropped: no link"),
            Some(_) => self.send(ClientMsg::Signal { to: peer, signal }),
        }
    }
}
