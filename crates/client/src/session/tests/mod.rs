//! The session, message by message. Time is simulated: each test keeps its
//! own clock and moves it forward by hand.

mod ending;
mod join_and_lobby;
mod mesh;
mod reconnection;
mod screen;
mod sfu;
mod sfu_trouble;
mod signalling;

use std::time::{Duration, Instant};

use mulaqat_protocol::{
    ChatMessage, ClientMsg, IceServer, MediaMode, MediaState, ParticipantId, ParticipantInfo, Role,
    RoomId, RoomKind, RoomPolicy, ServerMsg, UnixMillis,
};

use super::{
    CallEvent, CallState, DEFAULT_MEDIA, Input, MediaCommand, MediaInput, Output, Session,
    SessionConfig, UserAction,
};
use crate::SessionError;

pub(super) const TOKEN: &str = "mq1.eyJyb29tIjoiY2FyZGlvbG9neS0zIn0.c2lnbmF0dXJl";

pub(super) fn pid(s: &str) -> ParticipantId {
    ParticipantId::new(s).expect("valid participant id")
}

pub(super) fn room() -> RoomId {
    RoomId::new("cardiology-3").expect("valid room id")
}

pub(super) fn config() -> SessionConfig {
    SessionConfig::new(room(), "Dr. Ayesha", TOKEN)
}

pub(super) fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub(super) fn info(id: &str, join_order: u64, role: Role) -> ParticipantInfo {
    ParticipantInfo {
        id: pid(id),
        display_name: format!("Name of {id}"),
        role,
        join_order,
        media: DEFAULT_MEDIA,
        hand_raised: false,
    }
}

pub(super) fn guest(id: &str, join_order: u64) -> ParticipantInfo {
    info(id, join_order, Role::Guest)
}

pub(super) fn host(id: &str, join_order: u64) -> ParticipantInfo {
    info(id, join_order, Role::Host)
}

pub(super) fn chat_msg(seq: u64, from: &str, text: &str) -> ChatMessage {
    ChatMessage {
        seq,
        from: pid(from),
        display_name: format!("Name of {from}"),
        text: text.into(),
        sent_at: UnixMillis(1_700_000_000_000 + seq),
    }
}

pub(super) fn ice() -> Vec<IceServer> {
    vec![IceServer {
        urls: vec!["stun:stun.hospital.example:3478".into()],
        username: None,
        credential: None,
    }]
}

/// A `welcome`, built field by field.
#[derive(Debug, Clone)]
pub(super) struct Welcome {
    pub me: ParticipantId,
    pub role: Role,
    pub mode: MediaMode,
    pub participants: Vec<ParticipantInfo>,
    pub lobby: Vec<ParticipantInfo>,
    pub chat: Vec<ChatMessage>,
    /// TURN credentials' lifetime; `None` (no TURN) unless a test sets it.
    pub ice_ttl_secs: Option<u64>,
}

impl Welcome {
    /// We are `me` among `participants` (which should list us).
    pub fn new(me: &str, role: Role, participants: Vec<ParticipantInfo>) -> Self {
        Self {
            me: pid(me),
            role,
            mode: MediaMode::P2p,
            participants,
            lobby: Vec::new(),
            chat: Vec::new(),
            ice_ttl_secs: None,
        }
    }

    pub fn msg(self) -> ServerMsg {
        ServerMsg::Welcome {
            version: 1,
            resume_token: format!("resume-{}", self.me),
            participant_id: self.me,
            room: room(),
            role: self.role,
            mode: self.mode,
            policy: RoomPolicy {
                kind: RoomKind::Consultation,
                lobby: true,
                max_participants: 4,
            },
            ice_servers: ice(),
            ice_expires_at: Some(UnixMillis(1_700_003_600_000)),
            ice_ttl_secs: self.ice_ttl_secs,
            participants: self.participants,
            lobby: self.lobby,
            chat: self.chat,
        }
    }
}

/// One session and its simulated clock.
pub(super) struct Call {
    pub session: Session,
    pub start: Instant,
    pub now: Instant,
}

impl Call {
    pub fn new() -> Self {
        Self::with_config(config())
    }

    pub fn with_config(config: SessionConfig) -> Self {
        let start = Instant::now();
        Self {
            session: Session::new(config),
            start,
            now: start,
        }
    }

    /// A session that joined and was welcomed as `welcome` says; outputs drained.
    pub fn welcomed(welcome: Welcome) -> Self {
        let mut call = Self::new();
        call.connect();
        call.server(welcome.msg());
        call
    }

    /// Time since the test began.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    pub fn state(&self) -> &CallState {
        self.session.state()
    }

    pub fn input(&mut self, input: Input) -> Vec<Output> {
        self.session
            .handle(self.now, input)
            .expect("only user actions can fail");
        self.drain()
    }

    pub fn drain(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.session.poll_output()).collect()
    }

    pub fn user(&mut self, action: UserAction) -> Vec<Output> {
        let result = self.session.handle(self.now, Input::User(action));
        result.expect("action accepted");
        self.drain()
    }

    /// An action the session must refuse without doing anything.
    pub fn refused(&mut self, action: UserAction) -> SessionError {
        let before = self.state().clone();
        let err = self
            .session
            .handle(self.now, Input::User(action))
            .expect_err("action refused");
        assert_eq!(self.drain(), [], "a refused action does nothing");
        assert_eq!(self.state(), &before);
        err
    }

    pub fn server(&mut self, msg: ServerMsg) -> Vec<Output> {
        self.input(Input::Server(msg))
    }

    pub fn media(&mut self, input: MediaInput) -> Vec<Output> {
        self.input(Input::Media(input))
    }

    pub fn opened(&mut self) -> Vec<Output> {
        self.input(Input::TransportOpened)
    }

    pub fn closed(&mut self) -> Vec<Output> {
        self.input(Input::TransportClosed {
            reason: "connection reset".into(),
        })
    }

    /// Moves the clock to the session's next timeout and delivers it.
    pub fn run_to_timeout(&mut self) -> Vec<Output> {
        let at = self.session.poll_timeout().expect("a timer runs");
        assert!(at >= self.now, "timeouts never lie in the past");
        self.now = at;
        self.input(Input::Timeout)
    }

    /// Join and open the transport; returns the hello and join sent.
    pub fn connect(&mut self) -> Vec<Output> {
        let opened = self.user(UserAction::Join);
        assert_eq!(opened[0], Output::OpenTransport);
        self.opened()
    }
}

pub(super) fn sent(outputs: &[Output]) -> Vec<ClientMsg> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Send(msg) => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn commands(outputs: &[Output]) -> Vec<MediaCommand> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Media(command) => Some(command.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn events(outputs: &[Output]) -> Vec<CallEvent> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(event) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn add_peer(id: &str, initiator: bool) -> MediaCommand {
    MediaCommand::AddPeer {
        peer: pid(id),
        initiator,
        ice_servers: ice(),
    }
}

pub(super) fn state_changed(state: CallState) -> Output {
    Output::Event(CallEvent::StateChanged(state))
}

pub(super) fn in_call(me: &str, role: Role) -> CallState {
    CallState::InCall {
        participant_id: pid(me),
        role,
    }
}

pub(super) fn media(audio: bool, video: bool) -> MediaState {
    MediaState {
        audio,
        video,
        screen: false,
    }
}
