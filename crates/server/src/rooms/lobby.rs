//! The lobby: guests waiting to be let in, the knock on the hosts' door,
//! admitting and denying, and telling the waiting why they wait.

use mulaqat_protocol::{
    CloseReason, ErrorCode, KnockOutcome, LobbyReason, PROTOCOL_VERSION, ParticipantId,
    ParticipantInfo, RoomId, ServerMsg, UnixMillis, VideoCodec,
};

use super::admission::Entrant;
use super::room::Waiting;
use super::{CloseFrame, ConnId, Handler, Rejection, Stage, internal, reject};

impl Handler {
    /// Puts a guest in the room's lobby and knocks on the hosts' door.
    pub(super) fn wait_in_lobby(
        &mut self,
        conn: ConnId,
        room_id: RoomId,
        info: ParticipantInfo,
        decodes: Vec<VideoCodec>,
    ) -> Result<(), Rejection> {
        let room = self.rooms.get_mut(&room_id).ok_or_else(internal)?;
        let reason = if room.has_host() {
            LobbyReason::AwaitingAdmission
        } else {
            LobbyReason::HostNotPresent
        };
        let hosts = room.host_conns();
        room.lobby.push(Waiting {
            info: info.clone(),
            conn,
            reason,
            decodes,
        });
        room.empty_since = None;
        self.conns
            .insert(conn, Stage::Waiting(room_id, info.id.clone()));
        self.send(
            conn,
            ServerMsg::LobbyWaiting {
                version: PROTOCOL_VERSION,
                participant_id: info.id.clone(),
                reason,
            },
        );
        self.send_all(hosts, &ServerMsg::Knock { participant: info });
        Ok(())
    }

    /// A host is now in the room: waiting guests either get admitted (no
    /// lobby) or learn that a host will answer their knock.
    pub(super) fn host_arrived(&mut self, now: UnixMillis, room_id: &RoomId) {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        if room.policy.lobby {
            self.relabel_lobby(room_id, LobbyReason::AwaitingAdmission);
        } else {
            let waiting: Vec<ParticipantId> =
                room.lobby.iter().map(|w| w.info.id.clone()).collect();
            for pid in waiting {
                // Stops at the first refusal: the room is then full.
                if self.admit_waiting(now, room_id, &pid).is_err() {
                    break;
                }
            }
        }
    }

    /// Tells the guests in the lobby why they wait, where that changed.
    fn relabel_lobby(&mut self, room_id: &RoomId, reason: LobbyReason) {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        let changed: Vec<(ConnId, ParticipantId)> = room
            .lobby
            .iter_mut()
            .filter(|w| w.reason != reason)
            .map(|w| {
                w.reason = reason;
                (w.conn, w.info.id.clone())
            })
            .collect();
        for (conn, participant_id) in changed {
            self.send(
                conn,
                ServerMsg::LobbyWaiting {
                    version: PROTOCOL_VERSION,
                    participant_id,
                    reason,
                },
            );
        }
    }

    /// The last host left: guests still waiting are told no one can answer yet.
    pub(super) fn host_departed(&mut self, room_id: &RoomId) {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        if !room.has_host() {
            self.relabel_lobby(room_id, LobbyReason::HostNotPresent);
        }
    }

    /// A host lets a waiting guest in.
    pub(super) fn admit(
        &mut self,
        now: UnixMillis,
        conn: ConnId,
        pid: &ParticipantId,
    ) -> Result<(), Rejection> {
        let (room_id, _) = self.host_of(conn)?;
        self.admit_waiting(now, &room_id, pid)
    }

    /// Lets a waiting guest in, if the room has space.
    pub(super) fn admit_waiting(
        &mut self,
        now: UnixMillis,
        room_id: &RoomId,
        pid: &ParticipantId,
    ) -> Result<(), Rejection> {
        let room = self.rooms.get_mut(room_id).ok_or_else(internal)?;
        if !room.lobby.iter().any(|w| &w.info.id == pid) {
            return reject(
                ErrorCode::UnknownParticipant,
                "no one by that id is waiting in this room's lobby",
            );
        }
        if room.is_full() {
            return reject(
                ErrorCode::RoomFull,
                "the room is full; someone must leave before another can be admitted",
            );
        }
        if let Some(message) = self.sfu_blocks_entry(room_id) {
            return reject(ErrorCode::RoomFull, message);
        }
        let room = self.rooms.get_mut(room_id).ok_or_else(internal)?;
        let waiting = room.remove_waiting(pid, now).ok_or_else(internal)?;
        let hosts = room.host_conns();
        self.send_all(
            hosts,
            &ServerMsg::KnockResolved {
                participant: pid.clone(),
                outcome: KnockOutcome::Admitted,
            },
        );
        let entrant = Entrant {
            conn: waiting.conn,
            info: waiting.info,
            decodes: waiting.decodes,
            restarted: false,
        };
        self.enter(now, room_id, entrant);
        Ok(())
    }

    /// A host turns a waiting guest away.
    pub(super) fn deny(
        &mut self,
        now: UnixMillis,
        conn: ConnId,
        pid: &ParticipantId,
    ) -> Result<(), Rejection> {
        let (room_id, _) = self.host_of(conn)?;
        let room = self.rooms.get_mut(&room_id).ok_or_else(internal)?;
        let Some(waiting) = room.remove_waiting(pid, now) else {
            return reject(
                ErrorCode::UnknownParticipant,
                "no one by that id is waiting in this room's lobby",
            );
        };
        let hosts = room.host_conns();
        self.end_session(waiting.conn, CloseReason::Denied, CloseFrame::NORMAL);
        self.send_all(
            hosts,
            &ServerMsg::KnockResolved {
                participant: pid.clone(),
                outcome: KnockOutcome::Denied,
            },
        );
        Ok(())
    }
}
