//! SFU rooms in the handler: when a room moves to the SFU, what members
//! are told as the SFU room comes and goes, and the checks on `sfu*`
//! requests before they are handed to the pool ([`crate::janus`]).

use std::collections::BTreeSet;

use mulaqat_protocol::{
    IceCandidate, MediaMode, ParticipantId, RoomId, RoomKind, ServerMsg, SfuAccess, SfuErrorCode,
    SfuFeed, SfuPublication, SfuResetReason, SfuTarget, VideoCodec,
};

use super::{ConnId, Handler, Output, Rejection, internal, settings};
use crate::janus::{SfuCommand, SfuEvent};

/// When rooms use the SFU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SfuPolicy {
    /// Whether any Janus node is configured.
    pub enabled: bool,
    /// A room with more members than this moves to the SFU.
    pub p2p_max_participants: u32,
    /// The default most participants of a room when the SFU is enabled.
    pub max_participants: u32,
}

impl Default for SfuPolicy {
    fn default() -> Self {
        Self {
            enabled: false,
            p2p_max_participants: crate::janus::config_defaults::P2P_MAX,
            max_participants: crate::janus::config_defaults::SFU_MAX,
        }
    }
}

impl SfuPolicy {
    /// The mode a room of `kind` with `members` members should be in.
    pub fn wanted_mode(&self, kind: RoomKind, members: usize) -> MediaMode {
        let over = members > self.p2p_max_participants as usize;
        if self.enabled && (kind.sfu_from_start() || over) {
            MediaMode::Sfu
        } else {
            MediaMode::P2p
        }
    }
}

/// A room's SFU room, as far as the handler knows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) enum SfuState {
    /// Peer-to-peer: no SFU room.
    #[default]
    Off,
    /// Being set up on a node.
    Starting,
    /// Set up; members have the pin.
    Ready { pin: String },
    /// No node is up; set up when one is.
    WaitingForNode,
}

/// The SFU part of a room.
#[derive(Debug, Default)]
pub(super) struct SfuRoom {
    pub state: SfuState,
    pub generation: u32,
    pub feeds: BTreeSet<SfuFeed>,
    /// The video codec its publishers send: one every member decodes.
    pub codec: VideoCodec,
}

impl SfuRoom {
    pub fn access(&self) -> Option<SfuAccess> {
        match &self.state {
            SfuState::Ready { pin } => Some(SfuAccess {
                pin: pin.clone(),
                generation: self.generation,
                video_codec: self.codec,
            }),
            _ => None,
        }
    }
}

fn not_ready(state: &SfuState, target: Option<SfuTarget>) -> ServerMsg {
    match state {
        SfuState::WaitingForNode => ServerMsg::sfu_refused(
            target,
            SfuErrorCode::Unavailable,
            "no SFU node is up; the meeting's video starts when one is back",
        ),
        SfuState::Off => ServerMsg::sfu_refused(
            target,
            SfuErrorCode::NotReady,
            "this room is peer-to-peer; use signal",
        ),
        _ => ServerMsg::sfu_refused(
            target,
            SfuErrorCode::NotReady,
            "the SFU room is being set up; wait for modeChanged",
        ),
    }
}

impl Handler {
    fn sfu_command(&mut self, command: SfuCommand) {
        self.out.push_back(Output::Sfu(command));
    }

    /// Whether one more member would need an SFU that is not there: the room
    /// is peer-to-peer at its limit and no node is up.
    pub(super) fn sfu_blocks_entry(&self, room_id: &RoomId) -> Option<String> {
        let room = self.rooms.get(room_id)?;
        let wanted = self
            .sfu
            .wanted_mode(room.policy.kind, room.members.len() + 1);
        (room.mode == MediaMode::P2p && wanted == MediaMode::Sfu && self.sfu_nodes_up == 0).then(
            || {
                format!(
                    "the room holds {} participants without an SFU, and no SFU node is up; try again later",
                    self.sfu.p2p_max_participants
                )
            },
        )
    }

    /// Moves the room to the SFU (or sets its SFU room up again).
    pub(super) fn start_sfu(&mut self, room_id: &RoomId) {
        let up = self.sfu_nodes_up;
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        room.mode = MediaMode::Sfu;
        room.sfu.generation += 1;
        room.sfu.feeds.clear();
        room.sfu.codec = room.common_codec();
        if up == 0 {
            room.sfu.state = SfuState::WaitingForNode;
            return;
        }
        room.sfu.state = SfuState::Starting;
        let command = SfuCommand::CreateRoom {
            room: room_id.clone(),
            generation: room.sfu.generation,
            publishers: room.policy.max_participants,
            codec: room.sfu.codec,
        };
        self.sfu_command(command);
    }

    /// Before the welcome of a new member (`newcomer`): moves the room to
    /// the SFU if it now needs one, or its SFU room to the codec everyone
    /// now decodes.
    pub(super) fn check_mode(&mut self, room_id: &RoomId, newcomer: ConnId) {
        let Some(room) = self.rooms.get(room_id) else {
            return;
        };
        if room.mode == MediaMode::P2p
            && self.sfu.wanted_mode(room.policy.kind, room.members.len()) == MediaMode::Sfu
        {
            tracing::info!("room moves to the SFU");
            self.start_sfu(room_id);
        } else {
            self.check_codec(room_id, Some(newcomer));
        }
    }

    /// Forgets who may no longer resume. Someone who will not come back may
    /// have been the last member without H.264.
    pub(super) fn expire_resumable(&mut self, now: mulaqat_protocol::UnixMillis) {
        let expired: Vec<RoomId> = (self.rooms.iter_mut())
            .filter_map(|(id, room)| room.expire_resumable(now).then(|| id.clone()))
            .collect();
        for id in expired {
            self.check_codec(&id, None);
        }
    }

    /// Sets an SFU room up again when its members now all decode a
    /// different codec than it sends (someone joined who does not decode
    /// H.264, or the last of them left). Members but `newcomer` (not yet
    /// welcomed) drop their SFU connections and publish again on the next
    /// `modeChanged`.
    pub(super) fn check_codec(&mut self, room_id: &RoomId, newcomer: Option<ConnId>) {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        let wanted = room.common_codec();
        if room.mode != MediaMode::Sfu || room.sfu.codec == wanted {
            return;
        }
        tracing::info!(from = %room.sfu.codec, to = %wanted, "SFU room changes its video codec");
        if room.sfu.state == SfuState::WaitingForNode {
            room.sfu.codec = wanted; // Set up in it when a node is up.
            return;
        }
        let conns: Vec<ConnId> = room
            .members
            .iter()
            .map(|m| m.conn)
            .filter(|c| Some(*c) != newcomer)
            .collect();
        self.send_all(
            conns,
            &ServerMsg::SfuReset {
                reason: SfuResetReason::CodecChanged,
            },
        );
        self.start_sfu(room_id);
    }

    /// After a member's welcome: what they need of the SFU.
    pub(super) fn greet_sfu(&mut self, room_id: &RoomId, conn: ConnId) {
        let Some(room) = self.rooms.get(room_id) else {
            return;
        };
        if room.mode != MediaMode::Sfu {
            return;
        }
        match &room.sfu.state {
            SfuState::Ready { .. } => {
                let access = room.sfu.access();
                let feeds: Vec<SfuFeed> = room.sfu.feeds.iter().cloned().collect();
                self.send(
                    conn,
                    ServerMsg::ModeChanged {
                        mode: MediaMode::Sfu,
                        sfu: access,
                    },
                );
                if !feeds.is_empty() {
                    self.send(
                        conn,
                        ServerMsg::SfuFeeds {
                            available: feeds,
                            gone: Vec::new(),
                        },
                    );
                }
            }
            SfuState::WaitingForNode => {
                let msg = not_ready(&room.sfu.state, None);
                self.send(conn, msg);
            }
            SfuState::Starting | SfuState::Off => {}
        }
    }

    /// A member left an SFU room: their Janus session ends.
    pub(super) fn left_sfu(&mut self, room_id: &RoomId, participant: &ParticipantId) {
        if self
            .rooms
            .get(room_id)
            .is_some_and(|r| r.mode == MediaMode::Sfu)
        {
            self.sfu_command(SfuCommand::Leave {
                room: room_id.clone(),
                participant: participant.clone(),
            });
        }
    }

    /// A room is forgotten: its SFU room is destroyed.
    pub(super) fn room_gone(&mut self, room_id: &RoomId, mode: MediaMode) {
        if mode == MediaMode::Sfu {
            self.sfu_command(SfuCommand::DestroyRoom {
                room: room_id.clone(),
            });
        }
    }

    fn members_of(&self, room_id: &RoomId) -> Vec<ConnId> {
        self.rooms
            .get(room_id)
            .map(|r| r.members.iter().map(|m| m.conn).collect())
            .unwrap_or_default()
    }

    /// What the pool reports.
    pub(super) fn on_sfu_event(&mut self, event: SfuEvent) {
        match event {
            SfuEvent::NodesUp(up) => self.on_sfu_nodes_up(up),
            SfuEvent::RoomReady {
                room,
                generation,
                pin,
            } => self.sfu_room_ready(&room, generation, pin),
            SfuEvent::RoomFailed {
                room,
                generation,
                code,
                message,
            } => {
                let Some(r) = self.rooms.get_mut(&room) else {
                    return;
                };
                if r.sfu.generation != generation {
                    return;
                }
                r.sfu.state = SfuState::WaitingForNode;
                let conns = self.members_of(&room);
                self.send_all(conns, &ServerMsg::sfu_refused(None, code, message));
            }
            SfuEvent::RoomLost { room } => self.sfu_room_lost(&room),
            SfuEvent::Feeds {
                room,
                available,
                gone,
            } => {
                let Some(r) = self.rooms.get_mut(&room) else {
                    return;
                };
                for f in &gone {
                    r.sfu.feeds.remove(f);
                }
                r.sfu.feeds.extend(available.iter().cloned());
                let conns = self.members_of(&room);
                self.send_all(conns, &ServerMsg::SfuFeeds { available, gone });
            }
            SfuEvent::Talking {
                room,
                participant,
                talking,
            } => {
                let conns = self.members_of(&room);
                let msg = ServerMsg::SfuTalking {
                    participant,
                    talking,
                };
                self.send_all(conns, &msg);
            }
            SfuEvent::ToParticipant {
                room,
                participant,
                msg,
            } => {
                if let Some(m) = self.rooms.get(&room).and_then(|r| r.member(&participant)) {
                    let conn = m.conn;
                    self.send(conn, msg);
                }
            }
            SfuEvent::SessionLost { room, participant } => {
                self.sfu_session_lost(&room, &participant)
            }
        }
    }

    /// Rooms waiting for a node start their SFU once one is up.
    fn on_sfu_nodes_up(&mut self, up: usize) {
        self.sfu_nodes_up = up;
        if up == 0 {
            return;
        }
        let waiting: Vec<RoomId> = self
            .rooms
            .iter()
            .filter(|(_, r)| r.sfu.state == SfuState::WaitingForNode)
            .map(|(id, _)| id.clone())
            .collect();
        for room_id in waiting {
            self.start_sfu(&room_id);
        }
    }

    /// The current set-up of the room is ready: members get its pin.
    fn sfu_room_ready(&mut self, room: &RoomId, generation: u32, pin: String) {
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        if r.sfu.generation != generation || r.sfu.state != SfuState::Starting {
            return;
        }
        r.sfu.state = SfuState::Ready { pin };
        let msg = ServerMsg::ModeChanged {
            mode: MediaMode::Sfu,
            sfu: r.sfu.access(),
        };
        let conns = self.members_of(room);
        self.send_all(conns, &msg);
    }

    /// The room's node was lost: members reset, and the room is set up
    /// again (or waits for a node).
    fn sfu_room_lost(&mut self, room: &RoomId) {
        let Some(r) = self.rooms.get(room) else {
            return;
        };
        if r.mode != MediaMode::Sfu {
            return;
        }
        let conns = self.members_of(room);
        self.send_all(
            conns.clone(),
            &ServerMsg::SfuReset {
                reason: SfuResetReason::NodeLost,
            },
        );
        self.start_sfu(room);
        if let Some(r) = self.rooms.get(room)
            && r.sfu.state == SfuState::WaitingForNode
        {
            let msg = not_ready(&r.sfu.state, None);
            self.send_all(conns, &msg);
        }
    }

    /// A member's Janus session ended: they reset and are greeted afresh.
    fn sfu_session_lost(&mut self, room: &RoomId, participant: &ParticipantId) {
        let Some(conn) = self
            .rooms
            .get(room)
            .and_then(|r| r.member(participant))
            .map(|m| m.conn)
        else {
            return;
        };
        self.send(
            conn,
            ServerMsg::SfuReset {
                reason: SfuResetReason::SessionLost,
            },
        );
        self.greet_sfu(room, conn);
    }

    /// The room and member of an `sfu*` request, if the room's SFU is ready.
    fn sfu_member(
        &mut self,
        conn: ConnId,
        target: Option<SfuTarget>,
    ) -> Result<Option<(RoomId, ParticipantId)>, Rejection> {
        let (room_id, pid) = self.member_of(conn)?;
        let room = self.rooms.get(&room_id).ok_or_else(internal)?;
        if matches!(room.sfu.state, SfuState::Ready { .. }) {
            return Ok(Some((room_id, pid)));
        }
        let msg = not_ready(&room.sfu.state, target);
        self.send(conn, msg);
        Ok(None)
    }

    fn check_sdp(&self, sdp: &str) -> Result<(), Rejection> {
        if sdp.len() > self.settings.max_sdp_bytes {
            return super::reject(
                mulaqat_protocol::ErrorCode::InvalidField,
                format!("SDP larger than {} bytes", self.settings.max_sdp_bytes),
            );
        }
        Ok(())
    }

    pub(super) fn sfu_publish(
        &mut self,
        conn: ConnId,
        pin: String,
        publication: SfuPublication,
        sdp: String,
    ) -> Result<(), Rejection> {
        self.check_sdp(&sdp)?;
        let target = Some(SfuTarget::Publication(publication));
        if let Some((room, participant)) = self.sfu_member(conn, target)? {
            self.sfu_command(SfuCommand::Publish {
                room,
                participant,
                pin,
                publication,
                sdp,
            });
        }
        Ok(())
    }

    pub(super) fn sfu_unpublish(
        &mut self,
        conn: ConnId,
        publication: SfuPublication,
    ) -> Result<(), Rejection> {
        let target = Some(SfuTarget::Publication(publication));
        if let Some((room, participant)) = self.sfu_member(conn, target)? {
            self.sfu_command(SfuCommand::Unpublish {
                room,
                participant,
                publication,
            });
        }
        Ok(())
    }

    pub(super) fn sfu_subscribe(
        &mut self,
        conn: ConnId,
        pin: String,
        feed: SfuFeed,
    ) -> Result<(), Rejection> {
        if let Some((room, participant)) = self.sfu_member(conn, None)? {
            if feed.participant == participant {
                return super::reject(
                    mulaqat_protocol::ErrorCode::InvalidField,
                    "you cannot subscribe to your own feed",
                );
            }
            self.sfu_command(SfuCommand::Subscribe {
                room,
                participant,
                pin,
                feed,
            });
        }
        Ok(())
    }

    pub(super) fn sfu_answer(
        &mut self,
        conn: ConnId,
        subscription: u64,
        sdp: String,
    ) -> Result<(), Rejection> {
        self.check_sdp(&sdp)?;
        let target = Some(SfuTarget::Subscription(subscription));
        if let Some((room, participant)) = self.sfu_member(conn, target)? {
            self.sfu_command(SfuCommand::Answer {
                room,
                participant,
                subscription,
                sdp,
            });
        }
        Ok(())
    }

    pub(super) fn sfu_unsubscribe(
        &mut self,
        conn: ConnId,
        subscription: u64,
    ) -> Result<(), Rejection> {
        let target = Some(SfuTarget::Subscription(subscription));
        if let Some((room, participant)) = self.sfu_member(conn, target)? {
            self.sfu_command(SfuCommand::Unsubscribe {
                room,
                participant,
                subscription,
            });
        }
        Ok(())
    }

    pub(super) fn sfu_candidate(
        &mut self,
        conn: ConnId,
        target: SfuTarget,
        candidate: IceCandidate,
    ) -> Result<(), Rejection> {
        if candidate.candidate.len() > settings::MAX_CANDIDATE_BYTES {
            return super::reject(
                mulaqat_protocol::ErrorCode::InvalidField,
                "ICE candidate too long",
            );
        }
        if let Some((room, participant)) = self.sfu_member(conn, Some(target))? {
            self.sfu_command(SfuCommand::Trickle {
                room,
                participant,
                target,
                candidate,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_move_to_the_sfu_by_kind_or_size_only_when_a_node_is_configured() {
        let on = SfuPolicy {
            enabled: true,
            p2p_max_participants: 4,
            max_participants: 20,
        };
        assert_eq!(on.wanted_mode(RoomKind::Meeting, 4), MediaMode::P2p);
        assert_eq!(on.wanted_mode(RoomKind::Meeting, 5), MediaMode::Sfu);
        assert_eq!(on.wanted_mode(RoomKind::Consultation, 5), MediaMode::Sfu);
        assert_eq!(on.wanted_mode(RoomKind::Command, 1), MediaMode::Sfu);
        let off = SfuPolicy {
            enabled: false,
            ..on
        };
        assert_eq!(off.wanted_mode(RoomKind::Command, 1), MediaMode::P2p);
        assert_eq!(off.wanted_mode(RoomKind::Meeting, 9), MediaMode::P2p);
    }
}
