//! The call session: a sans-IO state machine for one participant in one room.
//!
//! The IO runner owns the WebSocket, the media engine and the clock; the
//! session owns every decision. The loop, as in str0m:
//!
//! 1. Hand each thing that happens to [`Session::handle`] with the current
//!    time: a server message, a transport opening or closing, a media
//!    report, a user action, or [`Input::Timeout`].
//! 2. Drain [`Session::poll_output`] until it returns `None`, carrying out
//!    each [`Output`] in order (send, open or close the transport, command
//!    the media engine, show an event).
//! 3. Ask [`Session::poll_timeout`] when to come back with `Input::Timeout`
//!    if nothing else happens first; wait for the first of the two.
//!
//! The session never reads a clock, never sleeps and never touches a
//! socket, so every behaviour is tested message by message (`tests/`).
//! Invariants kept throughout:
//! - A call ends in exactly one [`CallState::Ended`], preceded by
//!   [`MediaCommand::RemoveAllPeers`] and, if a connection is open,
//!   [`Output::CloseTransport`]. After that only a new `Join` does anything.
//! - At most one connection is open or opening; [`Output::OpenTransport`] is
//!   asked for only while none is and, when reconnecting, never twice
//!   within a second.
//! - Secrets stay out of logs: the session logs no token, resume secret,
//!   SDP or candidate, and its `Debug` shows none. (The `Debug` of
//!   `Output::Send(ClientMsg::Hello {..})` and of `ServerMsg::Welcome` does
//!   show secrets: the IO logs message types, not messages.)
//! - Signals go only to participants we hold a peer for, and only while in
//!   the call with a link: nothing is queued across a reconnection (the ICE
//!   restart that follows it renegotiates).

mod config;
mod input;
mod local;
mod mesh;
mod output;
mod reconnect;
mod roster;
mod server;
mod sfu;
mod state;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use mulaqat_protocol::{
    ChatMessage, ClientMsg, IceServer, MediaMode, MediaState, ParticipantId, ParticipantInfo,
    Resume, Role, RoomPolicy, UnixMillis,
};
use tracing::{debug, info};

pub use config::{DEFAULT_MEDIA, SessionConfig};
pub use input::{Input, MediaInput, UserAction};
pub use mesh::PeerLink;
pub use output::{CallEvent, MediaCommand, Output, SfuNotice};
pub use reconnect::{
    DEFAULT_AWAY_PEER_GRACE, DEFAULT_FIRST_DELAY, DEFAULT_GIVE_UP_AFTER, DEFAULT_MAX_DELAY,
    MIN_ATTEMPT_INTERVAL, ReconnectPolicy,
};
pub use sfu::{P2P_HANDOVER, PUBLISH_TIMEOUT, REPUBLISH_DELAY, SUBSCRIBE_RETRY};
pub use state::{CallState, EndReason};

use crate::SessionError;
use mesh::Mesh;
use reconnect::Backoff;
use roster::Roster;

/// How long to wait for the server's `closed` after sending `leave` before
/// ending the call anyway.
pub const LEAVE_TIMEOUT: Duration = Duration::from_secs(3);
/// The soonest the session asks for fresh TURN credentials after getting some.
pub const ICE_REFRESH_MIN: Duration = Duration::from_secs(10);
/// How long to wait for `iceServers` before asking again.
pub const ICE_REFRESH_RETRY: Duration = Duration::from_secs(30);
/// Longer TURN lifetimes are treated as this (a year), so that adding them
/// to an `Instant` cannot overflow.
const LONGEST_TTL_SECS: u64 = 365 * 24 * 3600;

/// The signalling connection, as far as the session knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Closed,
    Opening,
    Open,
}

/// What a `welcome` told us about the room.
#[derive(Debug, Clone)]
struct RoomInfo {
    mode: MediaMode,
    policy: RoomPolicy,
    ice_servers: Vec<IceServer>,
    ice_expires_at: Option<UnixMillis>,
}

/// One participant's call in one room. See the [module docs](self) for the loop.
///
/// `Debug` shows where the call is, never the join token or the resume secret.
pub struct Session {
    config: SessionConfig,
    state: CallState,
    out: VecDeque<Output>,
    transport: Transport,
    /// The display name as checked when joining.
    display_name: String,
    /// Our identity: from `lobbyWaiting` or `welcome`.
    participant_id: Option<ParticipantId>,
    /// Our role, from `welcome`.
    role: Option<Role>,
    /// From the last `welcome`: how to come back after a drop.
    resume: Option<Resume>,
    room: Option<RoomInfo>,
    roster: Roster,
    mesh: Mesh,
    /// Our connections to the room's SFU, in SFU rooms.
    sfu: sfu::Sfu,
    /// Our microphone, camera and screen share, as the user set them.
    media: MediaState,
    /// Whether the media engine was asked to send the screen in the
    /// camera's place ([`MediaCommand::ScreenInCamera`]).
    screen_in_camera: bool,
    /// While the link is down.
    backoff: Option<Backoff>,
    /// After sending `leave`: when to stop waiting for `closed`.
    leave_deadline: Option<Instant>,
    /// When to ask for fresh TURN credentials (new peers need valid ones).
    ice_refresh_at: Option<Instant>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("room", &self.config.room)
            .field("state", &self.state)
            .field("transport", &self.transport)
            .field("participant_id", &self.participant_id)
            .field("peers", &self.mesh.iter().collect::<Vec<_>>())
            .field("pending_outputs", &self.out.len())
            .field("leaving", &self.is_leaving())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session in [`CallState::Idle`], ready for [`UserAction::Join`].
    pub fn new(config: SessionConfig) -> Self {
        Self {
            media: config.media,
            display_name: config.display_name.clone(),
            config,
            state: CallState::Idle,
            out: VecDeque::new(),
            transport: Transport::Closed,
            participant_id: None,
            role: None,
            resume: None,
            room: None,
            roster: Roster::default(),
            mesh: Mesh::default(),
            sfu: sfu::Sfu::default(),
            screen_in_camera: false,
            backoff: None,
            leave_deadline: None,
            ice_refresh_at: None,
        }
    }

    /// Takes one input that happened at `now`. Only user actions can fail,
    /// when the session cannot do them in its state; a refused action
    /// changes nothing. Every other input is acted on or ignored (with a
    /// debug log): inputs that do not fit the state, such as messages after
    /// the call ended, never fail and never panic.
    pub fn handle(&mut self, now: Instant, input: Input) -> Result<(), SessionError> {
        match input {
            Input::User(action) => return self.user(now, action),
            _ if !self.state.is_active() => {
                debug!(state = ?self.state, "input ignored: no call under way");
            }
            Input::TransportOpened => self.transport_opened(),
            Input::TransportClosed { reason } => self.transport_closed(now, &reason),
            Input::Server(msg) => self.server(now, msg),
            Input::Media(media) => self.media_input(now, media),
            Input::Timeout => self.timeout(now),
        }
        Ok(())
    }

    /// The next thing to do, or `None` when there is nothing more for now.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When to come back with [`Input::Timeout`] if nothing happens before;
    /// `None` when no timer runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let policy = &self.config.reconnect;
        [
            self.leave_deadline,
            self.backoff.as_ref().map(|b| b.deadline(policy)),
            self.mesh.next_expiry(),
            self.sfu.next_timer(),
            self.ice_refresh_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The configuration the session was made with.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Where the call is.
    pub fn state(&self) -> &CallState {
        &self.state
    }

    /// Whether `leave` was sent and the session waits for the server to confirm.
    pub fn is_leaving(&self) -> bool {
        self.leave_deadline.is_some()
    }

    /// Our identity in the room (or its lobby), once the server gave one.
    pub fn participant_id(&self) -> Option<&ParticipantId> {
        self.participant_id.as_ref()
    }

    /// Our role, once welcomed.
    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// Everyone in the room, ourselves included, in join order.
    pub fn participants(&self) -> &[ParticipantInfo] {
        self.roster.participants()
    }

    /// Hosts: who waits in the lobby, oldest first.
    pub fn lobby(&self) -> &[ParticipantInfo] {
        self.roster.lobby()
    }

    /// The room's chat as far as we know it, oldest first.
    pub fn chat(&self) -> &[ChatMessage] {
        self.roster.chat()
    }

    /// Our microphone, camera and screen share, as last set.
    pub fn media(&self) -> MediaState {
        self.media
    }

    /// Peer-to-peer or SFU, once welcomed.
    pub fn mode(&self) -> Option<MediaMode> {
        self.room.as_ref().map(|r| r.mode)
    }

    /// The room's rules, once welcomed.
    pub fn policy(&self) -> Option<&RoomPolicy> {
        self.room.as_ref().map(|r| &r.policy)
    }

    /// The STUN and TURN servers from the last `welcome`.
    pub fn ice_servers(&self) -> &[IceServer] {
        self.room.as_ref().map_or(&[], |r| &r.ice_servers)
    }

    /// When the TURN credentials in [`Session::ice_servers`] expire, if they do.
    pub fn ice_expires_at(&self) -> Option<UnixMillis> {
        self.room.as_ref().and_then(|r| r.ice_expires_at)
    }

    /// Our peer connections, by remote participant.
    pub fn peers(&self) -> impl Iterator<Item = (&ParticipantId, PeerLink)> {
        self.mesh.iter()
    }

    /// Our peer connection to `participant`, if there is one.
    pub fn peer(&self, participant: &ParticipantId) -> Option<PeerLink> {
        self.mesh.get(participant)
    }

    // ---- transport and time ----

    fn open_transport(&mut self) {
        self.transport = Transport::Opening;
        self.out.push_back(Output::OpenTransport);
    }

    fn transport_opened(&mut self) {
        if self.transport != Transport::Opening {
            debug!("transport opened unasked: ignored");
            return;
        }
        self.transport = Transport::Open;
        self.send(ClientMsg::Hello {
            version: mulaqat_protocol::PROTOCOL_VERSION,
            token: self.config.token.clone(),
        });
        self.send(ClientMsg::Join {
            room: self.config.room.clone(),
            display_name: self.display_name.clone(),
            role: self.config.role,
            resume: self.resume.clone(),
            media: self.media,
            decodes: self.config.decodes.clone(),
        });
    }

    fn transport_closed(&mut self, now: Instant, reason: &str) {
        if self.transport == Transport::Closed {
            debug!("transport closed twice: ignored");
            return;
        }
        self.transport = Transport::Closed;
        debug!(reason, "transport closed");
        if self.is_leaving() {
            self.end(EndReason::Left);
        } else {
            self.link_lost(now);
        }
    }

    /// The link dropped, or an attempt to get back failed: wait, then retry.
    fn link_lost(&mut self, now: Instant) {
        let policy = self.config.reconnect;
        let backoff = match self.backoff.take() {
            Some(mut backoff) => {
                backoff.attempt_failed(&policy, now);
                backoff
            }
            None => {
                info!("signalling link lost: reconnecting");
                Backoff::start(&policy, now)
            }
        };
        if now >= backoff.give_up_at(&policy) {
            self.end(EndReason::ConnectionLost);
            return;
        }
        let attempt = backoff.attempt();
        self.backoff = Some(backoff);
        self.set_state(CallState::Reconnecting { attempt });
    }

    fn timeout(&mut self, now: Instant) {
        if self.leave_deadline.is_some_and(|at| at <= now) {
            debug!("no confirmation of leave: ending anyway");
            self.end(EndReason::Left);
            return;
        }
        let policy = self.config.reconnect;
        if let Some(backoff) = &mut self.backoff {
            if now >= backoff.give_up_at(&policy) {
                info!("could not get back in: giving up");
                self.end(EndReason::ConnectionLost);
                return;
            }
            if backoff.due(now) {
                debug!(attempt = backoff.attempt(), "reconnecting");
                backoff.begin_attempt();
                self.open_transport();
            }
        }
        self.mesh.expire(now, &mut self.out);
        self.sfu_timeout(now);
        if self.ice_refresh_at.is_some_and(|at| at <= now) {
            if self.linked_in_call() {
                debug!("TURN credentials about to expire: asking for fresh ones");
                self.send(ClientMsg::RefreshIce);
                self.ice_refresh_at = Some(now + ICE_REFRESH_RETRY);
            } else {
                // The next `welcome` brings fresh ones.
                self.ice_refresh_at = None;
            }
        }
    }

    /// Asks for fresh TURN credentials when four fifths of `ttl_secs` have
    /// passed (never sooner than [`ICE_REFRESH_MIN`]).
    fn schedule_ice_refresh(&mut self, now: Instant, ttl_secs: Option<u64>) {
        self.ice_refresh_at = ttl_secs.map(|ttl| {
            let lifetime = Duration::from_secs(ttl.min(LONGEST_TTL_SECS));
            now + (lifetime * 4 / 5).max(ICE_REFRESH_MIN)
        });
    }

    // ---- helpers ----

    /// Ends the call: releases every peer, closes the link, forgets timers.
    fn end(&mut self, reason: EndReason) {
        info!(?reason, "call ended");
        self.mesh.clear();
        // RemoveAllPeers closes the SFU connections too.
        self.sfu = sfu::Sfu::default();
        self.media_command(MediaCommand::RemoveAllPeers);
        if std::mem::take(&mut self.screen_in_camera) {
            self.media_command(MediaCommand::ScreenInCamera { on: false });
        }
        if self.transport != Transport::Closed {
            self.transport = Transport::Closed;
            self.out.push_back(Output::CloseTransport);
        }
        self.backoff = None;
        self.leave_deadline = None;
        self.ice_refresh_at = None;
        self.set_state(CallState::Ended(reason));
    }

    fn set_state(&mut self, state: CallState) {
        if self.state != state {
            self.state = state.clone();
            self.event(CallEvent::StateChanged(state));
        }
    }

    fn send(&mut self, msg: ClientMsg) {
        self.out.push_back(Output::Send(msg));
    }

    fn media_command(&mut self, command: MediaCommand) {
        self.out.push_back(Output::Media(command));
    }

    fn event(&mut self, event: CallEvent) {
        self.out.push_back(Output::Event(event));
    }
}
