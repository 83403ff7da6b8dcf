//! Messages from the server: getting in (`welcome`, `lobbyWaiting`),
//! refusals and errors, endings, and what happens in the room.

use std::time::Instant;

use mulaqat_protocol::{
    ChatMessage, ErrorCode, IceServer, LeaveReason, LobbyReason, MediaMode, ParticipantId,
    ParticipantInfo, Resume, Role, RoomPolicy, ServerMsg, Signal, UnixMillis,
};
use tracing::{debug, info, warn};

use super::mesh::initiates;
use super::{CallEvent, CallState, EndReason, MediaCommand, Output, RoomInfo, Session, Transport};

/// Everything a `welcome` carries that the session keeps.
struct Welcome {
    participant_id: ParticipantId,
    role: Role,
    mode: MediaMode,
    policy: RoomPolicy,
    ice_servers: Vec<IceServer>,
    ice_expires_at: Option<UnixMillis>,
    ice_ttl_secs: Option<u64>,
    participants: Vec<ParticipantInfo>,
    lobby: Vec<ParticipantInfo>,
    chat: Vec<ChatMessage>,
    resume_token: String,
}

/// Errors worth another attempt when they refuse a join: the server is
/// restarting or hit a passing problem.
fn retryable(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ServerShuttingDown | ErrorCode::Internal | ErrorCode::RateLimited
    )
}

impl Session {
    pub(super) fn server(&mut self, now: Instant, msg: ServerMsg) {
        if self.transport != Transport::Open {
            debug!(
                kind = msg.type_name(),
                "message from a closed connection dropped"
            );
            return;
        }
        if self.is_leaving() {
            match msg {
                ServerMsg::Closed { reason } => self.end(reason.into()),
                other => debug!(kind = other.type_name(), "leaving: message ignored"),
            }
            return;
        }
        match msg {
            ServerMsg::Welcome {
                version: _,
                participant_id,
                room: _,
                role,
                mode,
                policy,
                ice_servers,
                ice_expires_at,
                ice_ttl_secs,
                participants,
                lobby,
                chat,
                resume_token,
            } => self.welcome(
                now,
                Welcome {
                    participant_id,
                    role,
                    mode,
                    policy,
                    ice_servers,
                    ice_expires_at,
                    ice_ttl_secs,
                    participants,
                    lobby,
                    chat,
                    resume_token,
                },
            ),
            ServerMsg::LobbyWaiting {
                participant_id,
                reason,
                ..
            } => self.lobby_waiting(participant_id, reason),
            ServerMsg::Closed { reason } => self.end(reason.into()),
            ServerMsg::Error { code, message } => self.error(now, code, message),
            other if matches!(self.state, CallState::InCall { .. }) => self.in_room(now, other),
            other => debug!(kind = other.type_name(), "not in the room: message ignored"),
        }
    }

    /// Whether the session waits for `welcome` or `lobbyWaiting` on this connection.
    fn awaiting_entry(&self) -> bool {
        matches!(
            self.state,
            CallState::Connecting | CallState::Reconnecting { .. }
        )
    }

    fn welcome(&mut self, now: Instant, w: Welcome) {
        if !self.awaiting_entry() && !matches!(self.state, CallState::WaitingInLobby { .. }) {
            debug!("welcome while in the call: ignored");
            return;
        }
        let resumed = self
            .resume
            .as_ref()
            .is_some_and(|r| r.participant_id == w.participant_id);
        if !resumed && !self.mesh.is_empty() {
            // Our old identity is gone: the others see a new participant, to
            // whom we offer afresh.
            info!("resume refused: setting up media afresh");
            self.mesh.clear();
            self.media_command(MediaCommand::RemoveAllPeers);
        }
        info!(participant = %w.participant_id, resumed, "in the room");
        self.backoff = None;
        self.participant_id = Some(w.participant_id.clone());
        self.role = Some(w.role);
        self.resume = Some(Resume {
            participant_id: w.participant_id.clone(),
            resume_token: w.resume_token,
            // Our media engine outlives the signalling link.
            restarted: false,
        });
        self.room = Some(RoomInfo {
            mode: w.mode,
            policy: w.policy,
            ice_servers: w.ice_servers,
            ice_expires_at: w.ice_expires_at,
        });
        self.schedule_ice_refresh(now, w.ice_ttl_secs);
        self.set_state(CallState::InCall {
            participant_id: w.participant_id.clone(),
            role: w.role,
        });
        for event in self.roster.welcome(w.participants, w.lobby, w.chat) {
            self.event(event);
        }
        // Our SFU connections ended with the old connection's Janus
        // session; a `modeChanged` with `sfu` follows in SFU rooms.
        self.drop_sfu();
        self.set_up_mesh(&w.participant_id);
        self.sync_media();
        self.sync_screen(now);
    }

    /// Brings the mesh in line with the participant list after a `welcome`:
    /// peers of participants who are gone are removed, peers we kept are
    /// restarted by their initiator, new participants get a peer.
    pub(super) fn set_up_mesh(&mut self, me: &ParticipantId) {
        if self.mode() != Some(MediaMode::P2p) {
            // Media goes through the SFU (see `sfu.rs`), set up on `modeChanged`.
            debug!("SFU room: no new peer-to-peer connections");
            return;
        }
        let Some(my_info) = self.roster.get(me).cloned() else {
            warn!("welcome does not list us: no peers");
            return;
        };
        let gone: Vec<ParticipantId> = self
            .mesh
            .iter()
            .filter(|(id, _)| self.roster.get(id).is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for peer in gone {
            self.mesh.remove(&peer);
            self.media_command(MediaCommand::RemovePeer { peer });
        }
        let others: Vec<ParticipantInfo> = self
            .roster
            .participants()
            .iter()
            .filter(|p| &p.id != me)
            .cloned()
            .collect();
        for other in others {
            let initiator = initiates(&my_info, &other);
            self.peer_present(other.id, initiator);
        }
    }

    /// `participant` is in the room: restart the peer we kept for them if we
    /// initiate it and it is not connected, or make one.
    fn peer_present(&mut self, participant: ParticipantId, initiator: bool) {
        match self.mesh.get(&participant) {
            Some(link) => {
                self.mesh.came_back(&participant);
                // Media that kept flowing while signalling was down is left
                // alone; a connection that failed or never finished (its
                // signals may have been lost) is restarted by its initiator.
                if link.initiator && !link.connected {
                    self.media_command(MediaCommand::RestartIce { peer: participant });
                }
            }
            None => {
                self.mesh.add(participant.clone(), initiator);
                let ice_servers = self.ice_servers().to_vec();
                self.media_command(MediaCommand::AddPeer {
                    peer: participant,
                    initiator,
                    ice_servers,
                });
            }
        }
    }

    fn lobby_waiting(&mut self, participant_id: ParticipantId, reason: LobbyReason) {
        match &self.state {
            CallState::WaitingInLobby {
                participant_id: waiting,
                ..
            } if *waiting == participant_id => {}
            _ if self.awaiting_entry() => {}
            _ => {
                debug!("lobbyWaiting while in the call: ignored");
                return;
            }
        }
        if self.resume.take().is_some() {
            // Back in the lobby after a drop: the room forgot us.
            info!("resume refused: waiting in the lobby again");
            if !self.mesh.is_empty() {
                self.mesh.clear();
                self.media_command(MediaCommand::RemoveAllPeers);
            }
        }
        self.backoff = None;
        self.participant_id = Some(participant_id.clone());
        self.set_state(CallState::WaitingInLobby {
            participant_id,
            reason,
        });
    }

    fn error(&mut self, now: Instant, code: ErrorCode, message: String) {
        if self.awaiting_entry() {
            // The error answers our hello or join: we are not getting in on
            // this connection.
            if retryable(code) {
                info!(%code, "join refused for now: trying again");
                self.event(CallEvent::Error { code, message });
                self.transport = Transport::Closed;
                self.out.push_back(Output::CloseTransport);
                self.link_lost(now);
            } else {
                self.end(EndReason::Refused { code, message });
            }
        } else if code.is_fatal() && code != ErrorCode::ServerShuttingDown {
            self.end(EndReason::Refused { code, message });
        } else {
            // Non-fatal: the call goes on. A server shutting down closes the
            // connection next, and the session reconnects.
            debug!(%code, "server error");
            self.event(CallEvent::Error { code, message });
        }
    }

    /// Messages about the room, while in the call.
    fn in_room(&mut self, now: Instant, msg: ServerMsg) {
        match msg {
            ServerMsg::Joined {
                participant,
                restarted,
            } => self.joined(participant, restarted),
            ServerMsg::Left {
                participant,
                reason,
            } => self.left(now, participant, reason),
            ServerMsg::Knock { participant } => {
                self.roster.knock(participant.clone());
                self.event(CallEvent::Knock(participant));
            }
            ServerMsg::KnockResolved {
                participant,
                outcome,
            } => {
                self.roster.knock_resolved(&participant);
                self.event(CallEvent::KnockResolved {
                    participant,
                    outcome,
                });
            }
            ServerMsg::Signal { from, signal } => self.remote_signal(from, signal),
            ServerMsg::Chat { message } => {
                self.roster.push_chat(message.clone());
                self.event(CallEvent::Chat(message));
            }
            ServerMsg::MediaState { participant, state } => {
                self.roster.set_media(&participant, state);
                self.event(CallEvent::MediaStateChanged { participant, state });
            }
            ServerMsg::HandRaised {
                participant,
                raised,
            } => {
                self.roster.set_hand(&participant, raised);
                self.event(CallEvent::HandRaised {
                    participant,
                    raised,
                });
            }
            ServerMsg::IceServers {
                ice_servers,
                ice_expires_at,
                ice_ttl_secs,
            } => {
                debug!("fresh ICE servers");
                if let Some(room) = &mut self.room {
                    room.ice_servers = ice_servers;
                    room.ice_expires_at = ice_expires_at;
                }
                self.schedule_ice_refresh(now, ice_ttl_secs);
            }
            msg @ (ServerMsg::ModeChanged { .. }
            | ServerMsg::SfuPublished { .. }
            | ServerMsg::SfuOffer { .. }
            | ServerMsg::SfuCandidate { .. }
            | ServerMsg::SfuFeeds { .. }
            | ServerMsg::SfuTalking { .. }
            | ServerMsg::SfuRefused { .. }
            | ServerMsg::SfuReset { .. }) => self.sfu_server(now, msg),
            other => debug!(kind = other.type_name(), "unexpected in the call: ignored"),
        }
    }

    /// `restarted`: they came back with new media, so a peer kept for them
    /// carries nothing any more (though it may still look connected) and is
    /// made again.
    fn joined(&mut self, participant: ParticipantInfo, restarted: bool) {
        if self.participant_id.as_ref() == Some(&participant.id) {
            debug!("told that we joined: ignored");
            return;
        }
        self.roster.upsert(participant.clone());
        self.event(CallEvent::ParticipantJoined(participant.clone()));
        if self.mode() != Some(MediaMode::P2p) {
            return;
        }
        let Some(me) = self
            .participant_id
            .as_ref()
            .and_then(|id| self.roster.get(id))
            .cloned()
        else {
            return;
        };
        if restarted && self.mesh.remove(&participant.id) {
            debug!(peer = %participant.id, "participant's media restarted: new peer");
            self.media_command(MediaCommand::RemovePeer {
                peer: participant.id.clone(),
            });
        }
        let initiator = initiates(&me, &participant);
        self.peer_present(participant.id, initiator);
    }

    fn left(&mut self, now: Instant, participant: ParticipantId, reason: LeaveReason) {
        if self.participant_id.as_ref() == Some(&participant) {
            debug!("told that we left: ignored (closed says why)");
            return;
        }
        self.roster.remove(&participant);
        self.sfu_participant_left(&participant);
        let may_come_back = matches!(reason, LeaveReason::Disconnected | LeaveReason::Replaced);
        if may_come_back {
            let until = now + self.config.reconnect.away_grace();
            if self.mesh.mark_away(&participant, until) {
                debug!(peer = %participant, "participant's link dropped: keeping the peer");
            }
        } else if self.mesh.remove(&participant) {
            self.media_command(MediaCommand::RemovePeer {
                peer: participant.clone(),
            });
        }
        self.event(CallEvent::ParticipantLeft {
            participant,
            reason,
        });
    }

    fn remote_signal(&mut self, from: ParticipantId, signal: Signal) {
        if self.mesh.get(&from).is_none() {
            debug!(peer = %from, "signal from a participant we have no peer for: dropped");
            return;
        }
        let command = match signal {
            Signal::Sdp(description) => MediaCommand::RemoteDescription {
                peer: from,
                kind: description.kind,
                sdp: description.sdp,
            },
            Signal::Candidate(candidate) => MediaCommand::RemoteCandidate {
                peer: from,
                candidate,
            },
        };
        self.media_command(command);
    }
}
