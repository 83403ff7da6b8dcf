//! Getting into a room: hello and token checks, join, the lobby, admission
//! and resuming after a dropped connection.

use mulaqat_protocol::{
    CloseReason, ErrorCode, IceServer, LeaveReason, MediaMode, MediaState, PROTOCOL_VERSION,
    ParticipantId, ParticipantInfo, Resume, Role, RoomId, RoomPolicy, ServerMsg, UnixMillis,
    VideoCodec, is_supported, text,
};
use subtle::ConstantTimeEq;

use super::room::{Member, Room};
use super::{
    CloseFrame, ConnId, Handler, Rejection, Stage, internal, new_participant_id, new_secret, reject,
};
use crate::token::{TokenClaims, TokenError};

/// What a `join` asks for.
pub(super) struct JoinRequest {
    pub room: RoomId,
    pub display_name: String,
    pub role: Option<Role>,
    pub resume: Option<Resume>,
    pub media: MediaState,
    /// The video codecs the client decodes (all of them when it did not say).
    pub decodes: Vec<VideoCodec>,
}

/// Someone about to be put in a room.
pub(super) struct Entrant {
    pub conn: ConnId,
    pub info: ParticipantInfo,
    pub decodes: Vec<VideoCodec>,
    /// They resumed with their media started afresh (`resume.restarted`).
    pub restarted: bool,
}

/// STUN/TURN servers handed to one participant.
pub(super) struct IceGrant {
    pub servers: Vec<IceServer>,
    pub expires_at: Option<UnixMillis>,
    pub ttl_secs: Option<u64>,
}

impl Handler {
    pub(super) fn hello(
        &mut self,
        now: UnixMillis,
        conn: ConnId,
        version: u32,
        token: &str,
    ) -> Result<(), Rejection> {
        if !matches!(self.conns.get(&conn), Some(Stage::Fresh)) {
            return reject(
                ErrorCode::DuplicateHello,
                "hello was already received on this connection",
            );
        }
        if self.shutting_down {
            return reject(
                ErrorCode::ServerShuttingDown,
                "the server is restarting; try again in a moment",
            );
        }
        if !is_supported(version) {
            return reject(
                ErrorCode::UnsupportedVersion,
                format!(
                    "protocol version {version} is not supported; this server speaks {}..={}. Update Mulaqat.",
                    mulaqat_protocol::MIN_SUPPORTED_VERSION,
                    PROTOCOL_VERSION
                ),
            );
        }
        let claims = self.verify_token(token, now)?;
        self.conns.insert(conn, Stage::Greeted(claims));
        Ok(())
    }

    pub(super) fn verify_token(
        &self,
        token: &str,
        now: UnixMillis,
    ) -> Result<TokenClaims, Rejection> {
        self.signer.verify(token, now).map_err(|e| Rejection {
            code: match e {
                TokenError::Expired { .. } => ErrorCode::TokenExpired,
                TokenError::Malformed | TokenError::BadSignature => ErrorCode::InvalidToken,
            },
            message: e.to_string(),
        })
    }

    /// The room and participant of a joined connection.
    pub(super) fn member_of(&self, conn: ConnId) -> Result<(RoomId, ParticipantId), Rejection> {
        match self.conns.get(&conn) {
            Some(Stage::Member(room, pid)) => Ok((room.clone(), pid.clone())),
            Some(Stage::Waiting(..)) => reject(ErrorCode::NotJoined, "you are still in the lobby"),
            Some(Stage::Fresh) => reject(
                ErrorCode::HelloRequired,
                "send hello with your join token first",
            ),
            _ => reject(ErrorCode::NotJoined, "join the room first"),
        }
    }

    /// Like [`Self::member_of`], for host-only actions.
    pub(super) fn host_of(&self, conn: ConnId) -> Result<(RoomId, ParticipantId), Rejection> {
        let (room_id, pid) = self.member_of(conn)?;
        let is_host = self
            .rooms
            .get(&room_id)
            .and_then(|room| room.member(&pid))
            .is_some_and(|m| m.info.role == Role::Host);
        if !is_host {
            return reject(ErrorCode::Forbidden, "only a host can do this");
        }
        Ok((room_id, pid))
    }

    pub(super) fn room_policy(&self, room: &RoomId) -> (RoomPolicy, bool) {
        let defined = self.definitions.get(room);
        let kind = defined.map_or(self.settings.default_kind, |d| d.kind);
        let policy = RoomPolicy {
            kind,
            lobby: defined
                .and_then(|d| d.lobby)
                .unwrap_or_else(|| kind.lobby_by_default()),
            max_participants: defined.and_then(|d| d.max_participants).unwrap_or(
                if self.sfu.enabled {
                    self.settings
                        .max_participants
                        .max(self.sfu.max_participants)
                } else {
                    self.settings.max_participants
                },
            ),
        };
        (policy, defined.is_some())
    }

    pub(super) fn join(
        &mut self,
        now: UnixMillis,
        conn: ConnId,
        request: JoinRequest,
    ) -> Result<(), Rejection> {
        let JoinRequest {
            room: room_id,
            display_name,
            role,
            resume,
            media,
            decodes,
        } = request;
        let claims = self.greeted_claims(conn)?;
        // A long gap between hello and join must not stretch a token's life.
        self.verify_token_expiry(&claims, now)?;
        let role = joining_role(&claims, &room_id, role)?;
        let display_name = text::display_name(&display_name, self.settings.max_display_name_chars)
            .map_err(|e| Rejection {
                code: ErrorCode::InvalidDisplayName,
                message: format!("display name refused: {e}"),
            })?;
        if let Some(resume) = resume
            && self.try_resume(
                now,
                &room_id,
                &claims,
                &resume,
                &display_name,
                &decodes,
                conn,
            )
        {
            return Ok(());
        }

        self.open_room(now, &room_id);
        let sfu_blocked = self.sfu_blocks_entry(&room_id);
        let max_lobby = self.settings.max_lobby;
        let room = self.rooms.get_mut(&room_id).ok_or_else(internal)?;
        let must_wait = role == Role::Guest && (room.policy.lobby || !room.opened);
        check_space(room, must_wait, max_lobby, sfu_blocked)?;
        let info = ParticipantInfo {
            id: new_participant_id(),
            display_name,
            role,
            join_order: room.take_join_order(),
            media,
            hand_raised: false,
        };
        if must_wait {
            return self.wait_in_lobby(conn, room_id, info, decodes);
        }
        let entrant = Entrant {
            conn,
            info,
            decodes,
            restarted: false,
        };
        self.enter(now, &room_id, entrant);
        if role == Role::Host {
            self.host_arrived(now, &room_id);
        }
        Ok(())
    }

    /// The claims of a connection that said hello and has not joined yet.
    fn greeted_claims(&self, conn: ConnId) -> Result<TokenClaims, Rejection> {
        match self.conns.get(&conn) {
            Some(Stage::Greeted(claims)) => Ok(claims.clone()),
            Some(Stage::Fresh) => reject(
                ErrorCode::HelloRequired,
                "send hello with your join token first",
            ),
            _ => reject(
                ErrorCode::AlreadyJoined,
                "this connection has already joined",
            ),
        }
    }

    /// Sets the room up on its first join, with the SFU from the start when
    /// its kind wants it.
    fn open_room(&mut self, now: UnixMillis, room_id: &RoomId) {
        if self.rooms.contains_key(room_id) {
            return;
        }
        let (policy, predefined) = self.room_policy(room_id);
        let sfu_from_start = policy.kind.sfu_from_start();
        self.rooms
            .insert(room_id.clone(), Room::new(policy, predefined, now));
        if self.sfu.enabled && sfu_from_start {
            self.start_sfu(room_id);
        }
    }

    pub(super) fn verify_token_expiry(
        &self,
        claims: &TokenClaims,
        now: UnixMillis,
    ) -> Result<(), Rejection> {
        if now.as_secs() >= claims.exp {
            let e = TokenError::Expired {
                expired_at: claims.exp,
            };
            return reject(ErrorCode::TokenExpired, e.to_string());
        }
        Ok(())
    }

    /// Puts a participant in the room: `welcome` to them, `joined` to the others.
    pub(super) fn enter(&mut self, now: UnixMillis, room_id: &RoomId, entrant: Entrant) {
        let Entrant {
            conn,
            info,
            decodes,
            restarted,
        } = entrant;
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        if info.role == Role::Host {
            room.opened = true;
        }
        let others = room.conns_except(&info.id);
        let resume_token = new_secret();
        room.insert_member(Member {
            info: info.clone(),
            conn,
            resume_token: resume_token.clone(),
            decodes,
        });
        self.conns
            .insert(conn, Stage::Member(room_id.clone(), info.id.clone()));
        self.check_mode(room_id, conn);
        let welcome = self.welcome(now, room_id, &info, resume_token);
        self.send(conn, welcome);
        self.greet_sfu(room_id, conn);
        let joined = ServerMsg::Joined {
            participant: info,
            restarted,
        };
        self.send_all(others, &joined);
    }

    /// STUN/TURN servers for `participant`, with TURN credentials issued now.
    pub(super) fn ice_servers_for(&self, participant: &ParticipantId, now: UnixMillis) -> IceGrant {
        let mut grant = IceGrant {
            servers: self.ice.servers.clone(),
            expires_at: None,
            ttl_secs: None,
        };
        if let Some(turn) = &self.ice.turn {
            let (server, expires) = turn.issue(participant, now);
            grant.servers.push(server);
            grant.expires_at = Some(expires);
            grant.ttl_secs = Some(turn.ttl_secs());
        }
        grant
    }

    pub(super) fn welcome(
        &self,
        now: UnixMillis,
        room_id: &RoomId,
        info: &ParticipantInfo,
        resume_token: String,
    ) -> ServerMsg {
        let ice = self.ice_servers_for(&info.id, now);
        let room = self.rooms.get(room_id);
        ServerMsg::Welcome {
            version: PROTOCOL_VERSION,
            participant_id: info.id.clone(),
            room: room_id.clone(),
            role: info.role,
            mode: room.map_or(MediaMode::P2p, |r| r.mode),
            policy: room
                .map(|r| r.policy.clone())
                .unwrap_or_else(|| self.room_policy(room_id).0),
            ice_servers: ice.servers,
            ice_expires_at: ice.expires_at,
            ice_ttl_secs: ice.ttl_secs,
            participants: room.map(Room::participants).unwrap_or_default(),
            lobby: match (info.role, room) {
                (Role::Host, Some(room)) => room.lobby_infos(),
                _ => Vec::new(),
            },
            chat: room
                .map(|r| r.chat.iter().cloned().collect())
                .unwrap_or_default(),
            resume_token,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn try_resume(
        &mut self,
        now: UnixMillis,
        room_id: &RoomId,
        claims: &TokenClaims,
        resume: &Resume,
        display_name: &str,
        decodes: &[VideoCodec],
        conn: ConnId,
    ) -> bool {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return false;
        };
        let matches =
            |stored: &str| bool::from(stored.as_bytes().ct_eq(resume.resume_token.as_bytes()));
        let pid = &resume.participant_id;
        if let Some(member) = room.member_mut(pid) {
            // The old connection is half-open; this one replaces it.
            if !matches(&member.resume_token) || !claims.role.allows(member.info.role) {
                return false;
            }
            let old_conn = member.conn;
            member.info.display_name = display_name.to_owned();
            let Some(mut member) = room.remove_member(pid, now) else {
                return false;
            };
            let others = room.conns_except(pid);
            self.left_sfu(room_id, pid);
            self.end_session(old_conn, CloseReason::Replaced, CloseFrame::NORMAL);
            self.send_all(
                others,
                &ServerMsg::Left {
                    participant: pid.clone(),
                    reason: LeaveReason::Replaced,
                },
            );
            member.info.hand_raised = false;
            let entrant = Entrant {
                conn,
                info: member.info,
                decodes: decodes.to_vec(),
                restarted: resume.restarted,
            };
            self.enter(now, room_id, entrant);
            return true;
        }
        let usable = room.resumable.get(pid).is_some_and(|r| {
            r.until > now && matches(&r.resume_token) && claims.role.allows(r.info.role)
        });
        if !usable || room.is_full() {
            return false;
        }
        if self.sfu_blocks_entry(room_id).is_some() {
            return false;
        }
        let Some(room) = self.rooms.get_mut(room_id) else {
            return false;
        };
        let Some(mut saved) = room.resumable.remove(pid) else {
            return false;
        };
        saved.info.display_name = display_name.to_owned();
        let is_host = saved.info.role == Role::Host;
        let entrant = Entrant {
            conn,
            info: saved.info,
            decodes: decodes.to_vec(),
            restarted: resume.restarted,
        };
        self.enter(now, room_id, entrant);
        if is_host {
            self.host_arrived(now, room_id);
        }
        true
    }
}

/// The role a join asks for, if its token is for this room and allows it.
fn joining_role(
    claims: &TokenClaims,
    room_id: &RoomId,
    asked: Option<Role>,
) -> Result<Role, Rejection> {
    if claims.room != *room_id {
        return reject(
            ErrorCode::WrongRoom,
            format!("this join link is for room {}, not {room_id}", claims.room),
        );
    }
    let role = asked.unwrap_or(claims.role);
    if !claims.role.allows(role) {
        return reject(
            ErrorCode::Forbidden,
            "this join link does not allow joining as a host",
        );
    }
    Ok(role)
}

/// Refuses a join when the lobby (for those who must wait) or the room
/// (for those who enter) has no space, or the SFU blocks entry.
fn check_space(
    room: &Room,
    must_wait: bool,
    max_lobby: usize,
    sfu_blocked: Option<String>,
) -> Result<(), Rejection> {
    if must_wait && room.lobby.len() >= max_lobby {
        return reject(
            ErrorCode::RoomFull,
            "the waiting room is full; try again later",
        );
    }
    if !must_wait && let Some(message) = sfu_blocked {
        return reject(ErrorCode::RoomFull, message);
    }
    if !must_wait && room.is_full() {
        return reject(
            ErrorCode::RoomFull,
            format!(
                "the room holds {} participants and is full",
                room.policy.max_participants
            ),
        );
    }
    Ok(())
}
