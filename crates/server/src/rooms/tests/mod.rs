//! The room handler, message by message: helpers shared by the test files.

use mulaqat_protocol::{
    ClientMsg, ErrorCode, MediaState, ParticipantId, Role, RoomId, ServerMsg, UnixMillis,
};

use super::*;
use crate::token::TokenSigner;
use crate::turn::TurnIssuer;

const SECRET: &[u8] = b"test-secret-test-secret-test-sec";
const T0: UnixMillis = UnixMillis(1_800_000_000_000);

mod errors;
mod in_room;
mod lobby;
mod resume;
mod sfu;

struct World {
    handler: Handler,
    signer: TokenSigner,
    now: UnixMillis,
    next_conn: u64,
}

/// A joined (or waiting) participant as the test sees it.
#[derive(Debug, Clone)]
struct Someone {
    conn: ConnId,
    id: ParticipantId,
    resume_token: Option<String>,
}

fn room(name: &str) -> RoomId {
    RoomId::new(name).expect("valid room")
}

fn join_msg(room_name: &str, name: &str) -> ClientMsg {
    ClientMsg::Join {
        room: room(room_name),
        display_name: name.into(),
        role: None,
        resume: None,
        media: MediaState {
            audio: true,
            video: true,
            screen: false,
        },
        decodes: None,
    }
}

impl World {
    fn new() -> Self {
        Self::with(RoomSettings::default(), IceSettings::default())
    }

    fn with(settings: RoomSettings, ice: IceSettings) -> Self {
        let signer = TokenSigner::new(SECRET);
        Self {
            handler: Handler::new(settings, signer.clone(), ice),
            signer,
            now: T0,
            next_conn: 0,
        }
    }

    fn token(&self, room_name: &str, role: Role) -> String {
        self.signer.issue(room(room_name), role, self.now, 3600)
    }

    fn connect(&mut self) -> ConnId {
        self.next_conn += 1;
        let conn = ConnId(self.next_conn);
        self.handler.handle(self.now, Input::Connected(conn));
        conn
    }

    fn input(&mut self, input: Input) -> Vec<Output> {
        self.handler.handle(self.now, input);
        std::iter::from_fn(|| self.handler.poll_output()).collect()
    }

    fn send(&mut self, conn: ConnId, msg: ClientMsg) -> Vec<Output> {
        self.input(Input::Message(conn, msg))
    }

    fn hello(&mut self, room_name: &str, role: Role) -> ConnId {
        let conn = self.connect();
        let token = self.token(room_name, role);
        let out = self.send(conn, ClientMsg::Hello { version: 1, token });
        assert!(
            out.is_empty(),
            "hello is answered by join, not by itself: {out:?}"
        );
        conn
    }

    /// hello + join; returns the participant and everything the join caused.
    fn join(&mut self, room_name: &str, role: Role, name: &str) -> (Someone, Vec<Output>) {
        self.join_with(room_name, role, join_msg(room_name, name))
    }

    /// hello + `join`, a join message made by the test.
    fn join_with(
        &mut self,
        room_name: &str,
        role: Role,
        join: ClientMsg,
    ) -> (Someone, Vec<Output>) {
        let conn = self.hello(room_name, role);
        let out = self.send(conn, join);
        let (id, resume_token) = match msgs_to(&out, conn).first() {
            Some(ServerMsg::Welcome {
                participant_id,
                resume_token,
                ..
            }) => (participant_id.clone(), Some(resume_token.clone())),
            Some(ServerMsg::LobbyWaiting { participant_id, .. }) => (participant_id.clone(), None),
            other => panic!("join answered with {other:?}"),
        };
        (
            Someone {
                conn,
                id,
                resume_token,
            },
            out,
        )
    }

    fn advance_secs(&mut self, secs: u64) {
        self.now = self.now.plus_millis(secs * 1000);
    }
}

fn msgs_to(out: &[Output], conn: ConnId) -> Vec<ServerMsg> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send(c, m) if *c == conn => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn closed(out: &[Output], conn: ConnId) -> bool {
    out.iter()
        .any(|o| matches!(o, Output::Close(c, _) if *c == conn))
}

fn error_code(out: &[Output], conn: ConnId) -> Option<ErrorCode> {
    msgs_to(out, conn).iter().find_map(|m| match m {
        ServerMsg::Error { code, .. } => Some(*code),
        _ => None,
    })
}

fn welcome_participants(msg: &ServerMsg) -> Vec<String> {
    match msg {
        ServerMsg::Welcome { participants, .. } => participants
            .iter()
            .map(|p| p.display_name.clone())
            .collect(),
        other => panic!("not a welcome: {other:?}"),
    }
}

fn two_in_a_room(w: &mut World, room_name: &str) -> (Someone, Someone) {
    let (host, _) = w.join(room_name, Role::Host, "Host");
    let (mut guest, _) = w.join(room_name, Role::Guest, "Guest");
    let out = w.send(
        host.conn,
        ClientMsg::Admit {
            participant: guest.id.clone(),
        },
    );
    let ServerMsg::Welcome { resume_token, .. } = &msgs_to(&out, guest.conn)[0] else {
        panic!("admitted guests are welcomed: {out:?}")
    };
    guest.resume_token = Some(resume_token.clone());
    (host, guest)
}
