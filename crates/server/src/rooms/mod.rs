//! The room logic as a pure handler: inputs (connections, parsed messages,
//! time) in, outputs (messages to send, connections to close) out. No
//! sockets and no clock inside, so every rule is tested message by message.

mod admission;
mod lobby;
mod room;
mod settings;
mod sfu;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};

use mulaqat_protocol::{
    ClientMsg, CloseReason, ErrorCode, IceServer, KnockOutcome, LeaveReason, MediaState,
    ParticipantId, Role, RoomId, ServerMsg, Signal, UnixMillis, VideoCodec, text,
};

use crate::token::{TokenClaims, TokenSigner};
use crate::turn::TurnIssuer;
use admission::JoinRequest;
use room::{Resumable, Room};
pub use settings::{RoomDefinition, RoomSettings};
pub use sfu::SfuPolicy;

use crate::janus::{SfuCommand, SfuEvent};

/// One WebSocket connection, numbered by the IO layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// A WebSocket close code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseFrame {
    /// RFC 6455 status code.
    pub code: u16,
    /// Short text for logs and people.
    pub reason: &'static str,
}

impl CloseFrame {
    /// The session ended as intended.
    pub const NORMAL: CloseFrame = CloseFrame {
        code: 1000,
        reason: "session ended",
    };
    /// The server is going away.
    pub const GOING_AWAY: CloseFrame = CloseFrame {
        code: 1001,
        reason: "server shutting down",
    };
    /// The client broke a rule (fatal error, flood).
    pub const POLICY: CloseFrame = CloseFrame {
        code: 1008,
        reason: "policy violation",
    };
}

/// What the handler is told.
#[derive(Debug)]
pub enum Input {
    /// A connection opened.
    Connected(ConnId),
    /// A connection sent a well-formed message.
    Message(ConnId, ClientMsg),
    /// A connection closed or was dropped.
    Disconnected(ConnId),
    /// Time passed: expire resumable sessions and forget empty rooms.
    Tick,
    /// The server is stopping: tell everyone and close.
    Shutdown,
    /// The rooms set up ahead of time (replaces the previous set).
    DefineRooms(HashMap<RoomId, RoomDefinition>),
    /// News from the SFU pool.
    Sfu(Box<SfuEvent>),
}

/// What the handler wants done.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send a message on a connection.
    Send(ConnId, ServerMsg),
    /// Close a connection after what was sent before.
    Close(ConnId, CloseFrame),
    /// Hand a request to the SFU pool.
    Sfu(SfuCommand),
}

/// ICE servers handed out in `welcome`.
#[derive(Debug, Clone, Default)]
pub struct IceSettings {
    /// STUN (or TURN with fixed credentials) servers, as they are.
    pub servers: Vec<IceServer>,
    /// TURN with per-participant, time-limited credentials.
    pub turn: Option<TurnIssuer>,
}

#[derive(Debug)]
enum Stage {
    Fresh,
    Greeted(TokenClaims),
    Waiting(RoomId, ParticipantId),
    Member(RoomId, ParticipantId),
}

/// A refused request: answered with `error`, and a close if the code is fatal.
#[derive(Debug)]
struct Rejection {
    code: ErrorCode,
    message: String,
}

fn reject<T>(code: ErrorCode, message: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection {
        code,
        message: message.into(),
    })
}

/// Every room on this server and every connection's place in them.
#[derive(Debug)]
pub struct Handler {
    settings: RoomSettings,
    signer: TokenSigner,
    ice: IceSettings,
    definitions: HashMap<RoomId, RoomDefinition>,
    conns: HashMap<ConnId, Stage>,
    rooms: HashMap<RoomId, Room>,
    out: VecDeque<Output>,
    shutting_down: bool,
    sfu: SfuPolicy,
    sfu_nodes_up: usize,
}

impl Handler {
    /// A handler with no rooms.
    pub fn new(settings: RoomSettings, signer: TokenSigner, ice: IceSettings) -> Self {
        Self {
            settings,
            signer,
            ice,
            definitions: HashMap::new(),
            conns: HashMap::new(),
            rooms: HashMap::new(),
            out: VecDeque::new(),
            shutting_down: false,
            sfu: SfuPolicy::default(),
            sfu_nodes_up: 0,
        }
    }

    /// Uses an SFU as `policy` says (rooms stay peer-to-peer without one).
    pub fn with_sfu(mut self, policy: SfuPolicy) -> Self {
        self.sfu = policy;
        self
    }

    /// Takes one input at time `now`.
    pub fn handle(&mut self, now: UnixMillis, input: Input) {
        match input {
            Input::Connected(conn) => {
                self.conns.insert(conn, Stage::Fresh);
            }
            Input::Message(conn, msg) => {
                if !self.conns.contains_key(&conn) {
                    return; // Already closed by us; late frames are dropped.
                }
                if let Err(rejection) = self.on_message(now, conn, msg) {
                    self.send(conn, ServerMsg::error(rejection.code, rejection.message));
                    if rejection.code.is_fatal() {
                        self.close(conn, CloseFrame::POLICY, now);
                    }
                }
            }
            Input::Disconnected(conn) => self.disconnect(conn, now, LeaveReason::Disconnected),
            Input::Tick => self.tick(now),
            Input::Shutdown => self.shutdown(),
            Input::DefineRooms(definitions) => self.definitions = definitions,
            Input::Sfu(event) => self.on_sfu_event(*event),
        }
    }

    /// The next thing to do, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Rooms with anyone in them or kept for a late return.
    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    fn send(&mut self, conn: ConnId, msg: ServerMsg) {
        self.out.push_back(Output::Send(conn, msg));
    }

    fn send_all(&mut self, conns: Vec<ConnId>, msg: &ServerMsg) {
        for conn in conns {
            self.send(conn, msg.clone());
        }
    }

    /// Ends a connection: says `closed` first where there is a session, then closes.
    fn end_session(&mut self, conn: ConnId, reason: CloseReason, frame: CloseFrame) {
        self.send(conn, ServerMsg::Closed { reason });
        self.out.push_back(Output::Close(conn, frame));
        self.conns.remove(&conn);
    }

    /// Closes a connection, removing whatever it was doing from its room.
    fn close(&mut self, conn: ConnId, frame: CloseFrame, now: UnixMillis) {
        self.disconnect(conn, now, LeaveReason::Disconnected);
        self.out.push_back(Output::Close(conn, frame));
    }

    fn on_message(
        &mut self,
        now: UnixMillis,
        conn: ConnId,
        msg: ClientMsg,
    ) -> Result<(), Rejection> {
        match msg {
            ClientMsg::Hello { version, token } => self.hello(now, conn, version, &token),
            ClientMsg::Join {
                room,
                display_name,
                role,
                resume,
                media,
                decodes,
            } => {
                let request = JoinRequest {
                    room,
                    display_name,
                    role,
                    resume,
                    media,
                    decodes: decodes.unwrap_or_else(|| VideoCodec::ALL.to_vec()),
                };
                self.join(now, conn, request)
            }
            ClientMsg::Admit { participant } => self.admit(now, conn, &participant),
            ClientMsg::Deny { participant } => self.deny(now, conn, &participant),
            ClientMsg::Remove { participant } => self.remove(now, conn, &participant),
            ClientMsg::EndMeeting => self.end_meeting(conn),
            ClientMsg::Signal { to, signal } => self.signal(conn, to, signal),
            ClientMsg::Chat { text } => self.chat(now, conn, &text),
            ClientMsg::MediaState { state } => self.media_state(conn, state),
            ClientMsg::RaiseHand { raised } => self.raise_hand(conn, raised),
            ClientMsg::Leave => self.leave(now, conn),
            ClientMsg::RefreshIce => self.refresh_ice(now, conn),
            ClientMsg::SfuPublish {
                pin,
                publication,
                sdp,
            } => self.sfu_publish(conn, pin, publication, sdp),
            ClientMsg::SfuUnpublish { publication } => self.sfu_unpublish(conn, publication),
            ClientMsg::SfuSubscribe {
                pin,
                feed,
                publication,
            } => self.sfu_subscribe(
                conn,
                pin,
                mulaqat_protocol::SfuFeed {
                    participant: feed,
                    publication,
                },
            ),
            ClientMsg::SfuAnswer { subscription, sdp } => self.sfu_answer(conn, subscription, sdp),
            ClientMsg::SfuUnsubscribe { subscription } => self.sfu_unsubscribe(conn, subscription),
            ClientMsg::SfuCandidate { target, candidate } => {
                self.sfu_candidate(conn, target, candidate)
            }
        }
    }

    /// Fresh TURN credentials for a member whose current ones run out.
    fn refresh_ice(&mut self, now: UnixMillis, conn: ConnId) -> Result<(), Rejection> {
        let (_, pid) = self.member_of(conn)?;
        let ice = self.ice_servers_for(&pid, now);
        self.send(
            conn,
            ServerMsg::IceServers {
                ice_servers: ice.servers,
                ice_expires_at: ice.expires_at,
                ice_ttl_secs: ice.ttl_secs,
            },
        );
        Ok(())
    }

    fn remove(
        &mut self,
        now: UnixMillis,
        conn: ConnId,
        pid: &ParticipantId,
    ) -> Result<(), Rejection> {
        let (room_id, me) = self.host_of(conn)?;
        if &me == pid {
            return reject(
                ErrorCode::InvalidField,
                "to remove yourself, leave the room",
            );
        }
        let room = self.rooms.get_mut(&room_id).ok_or_else(internal)?;
        if room.lobby.iter().any(|w| &w.info.id == pid) {
            return self.deny(now, conn, pid);
        }
        let Some(member) = room.remove_member(pid, now) else {
            return reject(
                ErrorCode::UnknownParticipant,
                "no one by that id is in this room",
            );
        };
        room.resumable.remove(pid);
        let others = room.conns_except(pid);
        self.left_sfu(&room_id, pid);
        self.end_session(member.conn, CloseReason::RemovedByHost, CloseFrame::NORMAL);
        self.send_all(
            others,
            &ServerMsg::Left {
                participant: pid.clone(),
                reason: LeaveReason::RemovedByHost,
            },
        );
        self.check_codec(&room_id, None);
        if member.info.role == Role::Host {
            self.host_departed(&room_id);
        }
        Ok(())
    }

    fn end_meeting(&mut self, conn: ConnId) -> Result<(), Rejection> {
        let (room_id, _) = self.host_of(conn)?;
        let room = self.rooms.remove(&room_id).ok_or_else(internal)?;
        self.room_gone(&room_id, room.mode);
        let conns = room
            .members
            .iter()
            .map(|m| m.conn)
            .chain(room.lobby.iter().map(|w| w.conn));
        for conn in conns.collect::<Vec<_>>() {
            self.end_session(conn, CloseReason::MeetingEnded, CloseFrame::NORMAL);
        }
        Ok(())
    }

    fn signal(&mut self, conn: ConnId, to: ParticipantId, signal: Signal) -> Result<(), Rejection> {
        let (room_id, from) = self.member_of(conn)?;
        match &signal {
            Signal::Sdp(sdp) if sdp.sdp.len() > self.settings.max_sdp_bytes => {
                return reject(
                    ErrorCode::InvalidField,
                    format!("SDP larger than {} bytes", self.settings.max_sdp_bytes),
                );
            }
            Signal::Candidate(c) if c.candidate.len() > settings::MAX_CANDIDATE_BYTES => {
                return reject(ErrorCode::InvalidField, "ICE candidate too long");
            }
            _ => {}
        }
        if to == from {
            return reject(
                ErrorCode::UnknownParticipant,
                "a signal cannot be sent to yourself",
            );
        }
        let target = self
            .rooms
            .get(&room_id)
            .and_then(|room| room.member(&to))
            .map(|m| m.conn);
        // Same answer whether `to` is in another room or nowhere: rooms do
        // not reveal each other.
        let Some(target) = target else {
            return reject(
                ErrorCode::UnknownParticipant,
                format!("no participant {to} in this room"),
            );
        };
        self.send(target, ServerMsg::Signal { from, signal });
        Ok(())
    }

    fn chat(&mut self, now: UnixMillis, conn: ConnId, raw: &str) -> Result<(), Rejection> {
        let (room_id, pid) = self.member_of(conn)?;
        let text = text::chat_text(raw, self.settings.max_chat_chars).map_err(|e| Rejection {
            code: ErrorCode::InvalidText,
            message: format!("chat message refused: {e}"),
        })?;
        let max_history = self.settings.max_chat_history;
        let room = self.rooms.get_mut(&room_id).ok_or_else(internal)?;
        let from = room.member(&pid).ok_or_else(internal)?.info.clone();
        let message = room.push_chat(&from, text, now, max_history);
        // Everyone, the sender included: the echo with its sequence number
        // confirms that the room has it.
        let all: Vec<ConnId> = room.members.iter().map(|m| m.conn).collect();
        self.send_all(all, &ServerMsg::Chat { message });
        Ok(())
    }

    fn media_state(&mut self, conn: ConnId, state: MediaState) -> Result<(), Rejection> {
        let (room_id, pid) = self.member_of(conn)?;
        let room = self.rooms.get_mut(&room_id).ok_or_else(internal)?;
        room.member_mut(&pid).ok_or_else(internal)?.info.media = state;
        let others = room.conns_except(&pid);
        self.send_all(
            others,
            &ServerMsg::MediaState {
                participant: pid,
                state,
            },
        );
        Ok(())
    }

    fn raise_hand(&mut self, conn: ConnId, raised: bool) -> Result<(), Rejection> {
        let (room_id, pid) = self.member_of(conn)?;
        let room = self.rooms.get_mut(&room_id).ok_or_else(internal)?;
        room.member_mut(&pid).ok_or_else(internal)?.info.hand_raised = raised;
        let others = room.conns_except(&pid);
        self.send_all(
            others,
            &ServerMsg::HandRaised {
                participant: pid,
                raised,
            },
        );
        Ok(())
    }

    fn leave(&mut self, now: UnixMillis, conn: ConnId) -> Result<(), Rejection> {
        match self.conns.get(&conn) {
            Some(Stage::Member(..) | Stage::Waiting(..)) => {}
            _ => return reject(ErrorCode::NotJoined, "you are not in a room"),
        }
        self.disconnect(conn, now, LeaveReason::Left);
        self.send(
            conn,
            ServerMsg::Closed {
                reason: CloseReason::Left,
            },
        );
        self.out.push_back(Output::Close(conn, CloseFrame::NORMAL));
        Ok(())
    }

    /// Takes a connection out of its room. A member who merely lost the
    /// connection may resume for a while; one who left may not.
    fn disconnect(&mut self, conn: ConnId, now: UnixMillis, reason: LeaveReason) {
        let Some(stage) = self.conns.remove(&conn) else {
            return;
        };
        match stage {
            Stage::Fresh | Stage::Greeted(_) => {}
            Stage::Waiting(room_id, pid) => {
                let Some(room) = self.rooms.get_mut(&room_id) else {
                    return;
                };
                if room.remove_waiting(&pid, now).is_some() {
                    let hosts = room.host_conns();
                    self.send_all(
                        hosts,
                        &ServerMsg::KnockResolved {
                            participant: pid,
                            outcome: KnockOutcome::Withdrawn,
                        },
                    );
                }
            }
            Stage::Member(room_id, pid) => {
                let grace = self.settings.resume_grace_secs.saturating_mul(1000);
                let Some(room) = self.rooms.get_mut(&room_id) else {
                    return;
                };
                let Some(member) = room.remove_member(&pid, now) else {
                    return;
                };
                if reason == LeaveReason::Disconnected {
                    room.resumable.insert(
                        pid.clone(),
                        Resumable {
                            info: member.info.clone(),
                            resume_token: member.resume_token,
                            until: now.plus_millis(grace),
                            decodes: member.decodes,
                        },
                    );
                }
                let others = room.conns_except(&pid);
                self.left_sfu(&room_id, &pid);
                self.send_all(
                    others,
                    &ServerMsg::Left {
                        participant: pid,
                        reason,
                    },
                );
                self.check_codec(&room_id, None);
                if member.info.role == Role::Host {
                    self.host_departed(&room_id);
                }
            }
        }
    }

    fn tick(&mut self, now: UnixMillis) {
        let empty_grace = self.settings.empty_room_grace_secs.saturating_mul(1000);
        self.expire_resumable(now);
        let mut gone = Vec::new();
        self.rooms.retain(|id, room| {
            let keep = match room.empty_since {
                Some(since) => now < since.plus_millis(empty_grace),
                None => true,
            };
            if !keep {
                gone.push((id.clone(), room.mode));
            }
            keep
        });
        for (id, mode) in gone {
            self.room_gone(&id, mode);
        }
    }

    fn shutdown(&mut self) {
        self.shutting_down = true;
        let mut conns: Vec<(ConnId, bool)> = self
            .conns
            .iter()
            .map(|(conn, stage)| {
                (
                    *conn,
                    matches!(stage, Stage::Member(..) | Stage::Waiting(..)),
                )
            })
            .collect();
        conns.sort();
        for (conn, in_session) in conns {
            if in_session {
                self.end_session(conn, CloseReason::ServerShutdown, CloseFrame::GOING_AWAY);
            } else {
                self.send(
                    conn,
                    ServerMsg::error(ErrorCode::ServerShuttingDown, "the server is shutting down"),
                );
                self.out
                    .push_back(Output::Close(conn, CloseFrame::GOING_AWAY));
                self.conns.remove(&conn);
            }
        }
        let gone: Vec<_> = self.rooms.drain().map(|(id, r)| (id, r.mode)).collect();
        for (id, mode) in gone {
            self.room_gone(&id, mode);
        }
    }
}

fn internal() -> Rejection {
    Rejection {
        code: ErrorCode::Internal,
        message: "the server lost track of this room; rejoin".into(),
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source failing is unrecoverable for a server that
    // issues secrets; it does not happen on supported platforms.
    if getrandom::fill(&mut bytes).is_err() {
        panic!("the operating system's random number source failed");
    }
    bytes
}

fn new_participant_id() -> ParticipantId {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let id: String = random_bytes::<12>()
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    ParticipantId::new(format!("p-{id}")).unwrap_or_else(|_| unreachable!("alphabet is valid"))
}

fn new_secret() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<24>())
}
