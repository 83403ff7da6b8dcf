//! The room handler, message by message.

use std::collections::HashMap;

use mulaqat_protocol::{
    ClientMsg, CloseReason, ErrorCode, IceCandidate, KnockOutcome, LeaveReason, LobbyReason,
    MediaState, ParticipantId, Resume, Role, RoomId, RoomKind, SdpKind, ServerMsg,
    SessionDescription, Signal, UnixMillis,
};

use super::*;
use crate::token::TokenSigner;
use crate::turn::TurnIssuer;

const SECRET: &[u8] = b"test-secret-test-secret-test-sec";
const T0: UnixMillis = UnixMillis(1_800_000_000_000);

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
        let conn = self.hello(room_name, role);
        let out = self.send(conn, join_msg(room_name, name));
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

#[test]
fn a_host_opens_the_room_with_the_first_join() {
    let mut w = World::new();
    let (host, out) = w.join("clinic-1", Role::Host, "Dr. Khan");
    let msgs = msgs_to(&out, host.conn);
    assert_eq!(msgs.len(), 1);
    let ServerMsg::Welcome {
        role,
        policy,
        participants,
        ..
    } = &msgs[0]
    else {
        panic!("{msgs:?}")
    };
    assert_eq!(*role, Role::Host);
    assert_eq!(policy.kind, RoomKind::Consultation);
    assert!(policy.lobby, "consultation rooms have a lobby by default");
    assert_eq!(participants.len(), 1);
    assert_eq!(participants[0].join_order, 1);
    assert_eq!(w.handler.room_count(), 1);
}

#[test]
fn a_guest_waits_until_the_host_admits_them() {
    let mut w = World::new();
    let (host, _) = w.join("clinic-1", Role::Host, "Dr. Khan");
    let (guest, out) = w.join("clinic-1", Role::Guest, "Bilal");

    assert_eq!(
        msgs_to(&out, guest.conn),
        vec![ServerMsg::LobbyWaiting {
            version: 1,
            participant_id: guest.id.clone(),
            reason: LobbyReason::AwaitingAdmission
        }]
    );
    let knock = msgs_to(&out, host.conn);
    assert!(
        matches!(&knock[..], [ServerMsg::Knock { participant }] if participant.display_name == "Bilal"),
        "{knock:?}"
    );

    // While waiting the guest can neither chat nor signal.
    let out = w.send(
        guest.conn,
        ClientMsg::Chat {
            text: "hello?".into(),
        },
    );
    assert_eq!(error_code(&out, guest.conn), Some(ErrorCode::NotJoined));
    assert!(msgs_to(&out, host.conn).is_empty());

    let out = w.send(
        host.conn,
        ClientMsg::Admit {
            participant: guest.id.clone(),
        },
    );
    let to_guest = msgs_to(&out, guest.conn);
    assert_eq!(welcome_participants(&to_guest[0]), ["Dr. Khan", "Bilal"]);
    assert_eq!(
        msgs_to(&out, host.conn),
        vec![
            ServerMsg::KnockResolved {
                participant: guest.id.clone(),
                outcome: KnockOutcome::Admitted
            },
            ServerMsg::Joined {
                participant: match &to_guest[0] {
                    ServerMsg::Welcome { participants, .. } => participants[1].clone(),
                    _ => unreachable!(),
                }
            },
        ]
    );
}

#[test]
fn a_denied_guest_is_told_and_closed() {
    let mut w = World::new();
    let (host, _) = w.join("clinic-1", Role::Host, "Dr. Khan");
    let (guest, _) = w.join("clinic-1", Role::Guest, "Stranger");
    let out = w.send(
        host.conn,
        ClientMsg::Deny {
            participant: guest.id.clone(),
        },
    );
    assert_eq!(
        msgs_to(&out, guest.conn),
        vec![ServerMsg::Closed {
            reason: CloseReason::Denied
        }]
    );
    assert!(closed(&out, guest.conn));
    assert_eq!(
        msgs_to(&out, host.conn),
        vec![ServerMsg::KnockResolved {
            participant: guest.id.clone(),
            outcome: KnockOutcome::Denied
        }]
    );
    // Denying twice is an error, not a crash.
    let out = w.send(
        host.conn,
        ClientMsg::Deny {
            participant: guest.id,
        },
    );
    assert_eq!(
        error_code(&out, host.conn),
        Some(ErrorCode::UnknownParticipant)
    );
}

#[test]
fn a_guest_who_comes_before_the_host_waits_for_one() {
    let mut w = World::new();
    let (guest, out) = w.join("clinic-1", Role::Guest, "Early Patient");
    assert!(matches!(
        msgs_to(&out, guest.conn)[..],
        [ServerMsg::LobbyWaiting {
            reason: LobbyReason::HostNotPresent,
            ..
        }]
    ));
    let (host, out) = w.join("clinic-1", Role::Host, "Dr. Khan");
    let ServerMsg::Welcome { lobby, .. } = &msgs_to(&out, host.conn)[0] else {
        panic!("host welcome")
    };
    assert_eq!(lobby.len(), 1, "the host sees who is waiting");
    assert!(matches!(
        msgs_to(&out, guest.conn)[..],
        [ServerMsg::LobbyWaiting {
            reason: LobbyReason::AwaitingAdmission,
            ..
        }]
    ));
}

#[test]
fn guests_of_a_meeting_room_without_lobby_enter_directly_once_open() {
    let mut w = World::new();
    w.input(Input::DefineRooms(HashMap::from([(
        room("command-daily"),
        RoomDefinition {
            kind: RoomKind::Meeting,
            lobby: None,
            max_participants: Some(20),
        },
    )])));
    let (guest, out) = w.join("command-daily", Role::Guest, "Quetta EOC");
    let ServerMsg::Welcome { policy, .. } = &msgs_to(&out, guest.conn)[0] else {
        panic!("predefined meeting rooms are open without a host")
    };
    assert!(!policy.lobby);
    assert_eq!(policy.max_participants, 20);
}

#[test]
fn waiting_guests_are_let_in_when_a_host_opens_a_room_without_lobby() {
    let mut w = World::with(
        RoomSettings {
            default_kind: RoomKind::Meeting,
            ..RoomSettings::default()
        },
        IceSettings::default(),
    );
    let (guest, out) = w.join("huddle", Role::Guest, "Nurse");
    assert!(matches!(
        msgs_to(&out, guest.conn)[..],
        [ServerMsg::LobbyWaiting { .. }]
    ));
    let (_host, out) = w.join("huddle", Role::Host, "Lead");
    assert!(matches!(
        msgs_to(&out, guest.conn)[..],
        [ServerMsg::Welcome { .. }]
    ));
}

#[test]
fn when_the_last_host_leaves_the_call_goes_on_and_the_lobby_is_told() {
    let mut w = World::new();
    let (host, _) = w.join("clinic-1", Role::Host, "Dr. Khan");
    let (guest, _) = w.join("clinic-1", Role::Guest, "Bilal");
    w.send(
        host.conn,
        ClientMsg::Admit {
            participant: guest.id.clone(),
        },
    );
    let (late, _) = w.join("clinic-1", Role::Guest, "Late");

    let out = w.send(host.conn, ClientMsg::Leave);
    assert_eq!(
        msgs_to(&out, host.conn),
        vec![ServerMsg::Closed {
            reason: CloseReason::Left
        }]
    );
    assert!(closed(&out, host.conn));
    assert_eq!(
        msgs_to(&out, guest.conn),
        vec![ServerMsg::Left {
            participant: host.id.clone(),
            reason: LeaveReason::Left
        }]
    );
    assert!(matches!(
        msgs_to(&out, late.conn)[..],
        [ServerMsg::LobbyWaiting {
            reason: LobbyReason::HostNotPresent,
            ..
        }]
    ));
    // The admitted guest still chats with the room.
    let out = w.send(
        guest.conn,
        ClientMsg::Chat {
            text: "still here".into(),
        },
    );
    assert!(matches!(
        msgs_to(&out, guest.conn)[..],
        [ServerMsg::Chat { .. }]
    ));
    // A guest cannot admit in the host's place.
    let out = w.send(
        guest.conn,
        ClientMsg::Admit {
            participant: late.id,
        },
    );
    assert_eq!(error_code(&out, guest.conn), Some(ErrorCode::Forbidden));
}

#[test]
fn ending_the_meeting_closes_everyone_and_forgets_the_room() {
    let mut w = World::new();
    let (host, _) = w.join("clinic-1", Role::Host, "Dr. Khan");
    let (guest, _) = w.join("clinic-1", Role::Guest, "Bilal");
    w.send(
        host.conn,
        ClientMsg::Admit {
            participant: guest.id.clone(),
        },
    );
    let (waiting, _) = w.join("clinic-1", Role::Guest, "Waiting");
    w.send(
        host.conn,
        ClientMsg::Chat {
            text: "secret notes".into(),
        },
    );

    let out = w.send(guest.conn, ClientMsg::EndMeeting);
    assert_eq!(error_code(&out, guest.conn), Some(ErrorCode::Forbidden));

    let out = w.send(host.conn, ClientMsg::EndMeeting);
    for who in [&host, &guest, &waiting] {
        assert_eq!(
            msgs_to(&out, who.conn),
            vec![ServerMsg::Closed {
                reason: CloseReason::MeetingEnded
            }]
        );
        assert!(closed(&out, who.conn));
    }
    assert_eq!(w.handler.room_count(), 0);
    // A new meeting in the same room starts clean.
    let (host2, out) = w.join("clinic-1", Role::Host, "Dr. Khan");
    let ServerMsg::Welcome {
        chat, participants, ..
    } = &msgs_to(&out, host2.conn)[0]
    else {
        panic!()
    };
    assert!(chat.is_empty());
    assert_eq!(participants.len(), 1);
}

#[test]
fn chat_is_replayed_in_order_to_late_joiners() {
    let mut w = World::new();
    let (host, _) = w.join("clinic-1", Role::Host, "Dr. Khan");
    for text in ["one", "two", "three"] {
        let out = w.send(host.conn, ClientMsg::Chat { text: text.into() });
        assert!(
            matches!(msgs_to(&out, host.conn)[..], [ServerMsg::Chat { .. }]),
            "sender gets the echo"
        );
    }
    let (guest, _) = w.join("clinic-1", Role::Guest, "Bilal");
    let out = w.send(
        host.conn,
        ClientMsg::Admit {
            participant: guest.id,
        },
    );
    let ServerMsg::Welcome { chat, .. } = &msgs_to(&out, guest.conn)[0] else {
        panic!()
    };
    let replay: Vec<(u64, &str)> = chat.iter().map(|m| (m.seq, m.text.as_str())).collect();
    assert_eq!(replay, [(1, "one"), (2, "two"), (3, "three")]);
    assert!(
        chat.iter()
            .all(|m| m.display_name == "Dr. Khan" && m.sent_at == T0)
    );
}

#[test]
fn chat_history_is_bounded() {
    let mut w = World::with(
        RoomSettings {
            max_chat_history: 2,
            ..RoomSettings::default()
        },
        IceSettings::default(),
    );
    let (host, _) = w.join("r", Role::Host, "H");
    for text in ["a", "b", "c"] {
        w.send(host.conn, ClientMsg::Chat { text: text.into() });
    }
    let (h2, out) = w.join("r", Role::Host, "H2");
    let ServerMsg::Welcome { chat, .. } = &msgs_to(&out, h2.conn)[0] else {
        panic!()
    };
    assert_eq!(chat.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 3]);
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

#[test]
fn signals_reach_only_the_addressed_participant_of_the_same_room() {
    let mut w = World::new();
    let (a, b) = two_in_a_room(&mut w, "room-a");
    let (c, _d) = two_in_a_room(&mut w, "room-b");
    let offer = Signal::Sdp(SessionDescription {
        kind: SdpKind::Offer,
        sdp: "v=0\r\n".into(),
    });
    let out = w.send(
        a.conn,
        ClientMsg::Signal {
            to: b.id.clone(),
            signal: offer.clone(),
        },
    );
    assert_eq!(
        out,
        vec![Output::Send(
            b.conn,
            ServerMsg::Signal {
                from: a.id.clone(),
                signal: offer.clone()
            }
        )]
    );
    // Addressing someone in another room is indistinguishable from nobody.
    let out = w.send(
        a.conn,
        ClientMsg::Signal {
            to: c.id.clone(),
            signal: offer.clone(),
        },
    );
    assert_eq!(
        error_code(&out, a.conn),
        Some(ErrorCode::UnknownParticipant)
    );
    assert!(msgs_to(&out, c.conn).is_empty());
    let out = w.send(
        a.conn,
        ClientMsg::Signal {
            to: a.id.clone(),
            signal: offer,
        },
    );
    assert_eq!(
        error_code(&out, a.conn),
        Some(ErrorCode::UnknownParticipant)
    );
    let long = Signal::Candidate(IceCandidate {
        candidate: "x".repeat(2000),
        sdp_mid: None,
        sdp_m_line_index: Some(0),
    });
    let out = w.send(
        a.conn,
        ClientMsg::Signal {
            to: b.id,
            signal: long,
        },
    );
    assert_eq!(error_code(&out, a.conn), Some(ErrorCode::InvalidField));
}

#[test]
fn media_state_and_hands_are_shared_with_the_others() {
    let mut w = World::new();
    let (a, b) = two_in_a_room(&mut w, "r");
    let muted = MediaState {
        audio: false,
        video: true,
        screen: false,
    };
    let out = w.send(a.conn, ClientMsg::MediaState { state: muted });
    assert_eq!(
        out,
        vec![Output::Send(
            b.conn,
            ServerMsg::MediaState {
                participant: a.id.clone(),
                state: muted
            }
        )]
    );
    let out = w.send(b.conn, ClientMsg::RaiseHand { raised: true });
    assert_eq!(
        out,
        vec![Output::Send(
            a.conn,
            ServerMsg::HandRaised {
                participant: b.id.clone(),
                raised: true
            }
        )]
    );
    // A late joiner sees both in the participant list.
    let (late, out) = w.join("r", Role::Host, "Late");
    let ServerMsg::Welcome { participants, .. } = &msgs_to(&out, late.conn)[0] else {
        panic!()
    };
    assert!(!participants[0].media.audio);
    assert!(participants[1].hand_raised);
}

#[test]
fn a_removed_participant_is_closed_and_cannot_resume() {
    let mut w = World::new();
    let (host, guest) = two_in_a_room(&mut w, "r");
    let (other, _) = w.join("r", Role::Host, "Co-host");
    let out = w.send(
        host.conn,
        ClientMsg::Remove {
            participant: guest.id.clone(),
        },
    );
    assert_eq!(
        msgs_to(&out, guest.conn),
        vec![ServerMsg::Closed {
            reason: CloseReason::RemovedByHost
        }]
    );
    assert!(closed(&out, guest.conn));
    assert_eq!(
        msgs_to(&out, other.conn),
        vec![ServerMsg::Left {
            participant: guest.id.clone(),
            reason: LeaveReason::RemovedByHost
        }]
    );
    // Coming back with the resume secret lands in the lobby again.
    let conn = w.hello("r", Role::Guest);
    let out = w.send(
        conn,
        ClientMsg::Join {
            room: room("r"),
            display_name: "Guest".into(),
            role: None,
            resume: Some(Resume {
                participant_id: guest.id.clone(),
                resume_token: guest.resume_token.clone().unwrap_or_default(),
            }),
            media: MediaState::default(),
        },
    );
    assert!(matches!(
        msgs_to(&out, conn)[..],
        [ServerMsg::LobbyWaiting { .. }]
    ));
}

fn resume_msg(who: &Someone, secret: Option<&str>) -> ClientMsg {
    ClientMsg::Join {
        room: room("r"),
        display_name: "Guest again".into(),
        role: None,
        resume: Some(Resume {
            participant_id: who.id.clone(),
            resume_token: secret.map_or_else(
                || who.resume_token.clone().unwrap_or_default(),
                str::to_owned,
            ),
        }),
        media: MediaState::default(),
    }
}

#[test]
fn a_dropped_guest_resumes_without_the_lobby_within_the_grace() {
    let mut w = World::new();
    let (host, guest) = two_in_a_room(&mut w, "r");
    let out = w.input(Input::Disconnected(guest.conn));
    assert_eq!(
        msgs_to(&out, host.conn),
        vec![ServerMsg::Left {
            participant: guest.id.clone(),
            reason: LeaveReason::Disconnected
        }]
    );
    w.advance_secs(30);
    // A wrong secret is not a way in.
    let conn = w.hello("r", Role::Guest);
    let out = w.send(conn, resume_msg(&guest, Some("guess")));
    assert!(matches!(
        msgs_to(&out, conn)[..],
        [ServerMsg::LobbyWaiting { .. }]
    ));
    w.input(Input::Disconnected(conn));

    let conn = w.hello("r", Role::Guest);
    let out = w.send(conn, resume_msg(&guest, None));
    let ServerMsg::Welcome {
        participant_id,
        participants,
        ..
    } = &msgs_to(&out, conn)[0]
    else {
        panic!("{out:?}")
    };
    assert_eq!(participant_id, &guest.id, "same identity");
    assert_eq!(participants[1].join_order, 2, "same place in the grid");
    assert!(matches!(
        &msgs_to(&out, host.conn)[..],
        [ServerMsg::Joined { .. }]
    ));
}

#[test]
fn after_the_grace_a_dropped_guest_knocks_again() {
    let mut w = World::new();
    let (_host, guest) = two_in_a_room(&mut w, "r");
    w.input(Input::Disconnected(guest.conn));
    w.advance_secs(RoomSettings::default().resume_grace_secs + 1);
    w.input(Input::Tick);
    let conn = w.hello("r", Role::Guest);
    let out = w.send(conn, resume_msg(&guest, None));
    assert!(matches!(
        msgs_to(&out, conn)[..],
        [ServerMsg::LobbyWaiting { .. }]
    ));
}

#[test]
fn a_new_connection_replaces_a_half_open_one() {
    let mut w = World::new();
    let (host, guest) = two_in_a_room(&mut w, "r");
    let conn = w.hello("r", Role::Guest);
    let out = w.send(conn, resume_msg(&guest, None));
    assert_eq!(
        msgs_to(&out, guest.conn),
        vec![ServerMsg::Closed {
            reason: CloseReason::Replaced
        }]
    );
    assert!(closed(&out, guest.conn));
    let to_host = msgs_to(&out, host.conn);
    assert!(matches!(
        &to_host[..],
        [
            ServerMsg::Left {
                reason: LeaveReason::Replaced,
                ..
            },
            ServerMsg::Joined { .. }
        ]
    ));
    assert!(matches!(
        msgs_to(&out, conn)[..],
        [ServerMsg::Welcome { .. }]
    ));
}

#[test]
fn a_full_room_and_a_full_lobby_refuse_politely() {
    let mut w = World::with(
        RoomSettings {
            max_participants: 2,
            max_lobby: 1,
            ..RoomSettings::default()
        },
        IceSettings::default(),
    );
    let (host, _guest) = two_in_a_room(&mut w, "r");
    let conn = w.hello("r", Role::Host);
    let out = w.send(conn, join_msg("r", "Third host"));
    assert_eq!(error_code(&out, conn), Some(ErrorCode::RoomFull));
    assert!(
        !closed(&out, conn),
        "room full is not fatal: the client may retry"
    );
    let (waiting, _) = w.join("r", Role::Guest, "Waits");
    let out = w.send(
        host.conn,
        ClientMsg::Admit {
            participant: waiting.id,
        },
    );
    assert_eq!(error_code(&out, host.conn), Some(ErrorCode::RoomFull));
    let conn = w.hello("r", Role::Guest);
    let out = w.send(conn, join_msg("r", "One too many"));
    assert_eq!(error_code(&out, conn), Some(ErrorCode::RoomFull));
}

#[test]
fn session_errors_have_their_codes_and_only_fatal_ones_close() {
    let mut w = World::new();
    let cases: Vec<(ErrorCode, Box<dyn Fn(&mut World) -> (ConnId, Vec<Output>)>)> = vec![
        (
            ErrorCode::HelloRequired,
            Box::new(|w| {
                let c = w.connect();
                (c, w.send(c, join_msg("r", "x")))
            }),
        ),
        (
            ErrorCode::UnsupportedVersion,
            Box::new(|w| {
                let c = w.connect();
                let token = w.token("r", Role::Guest);
                (c, w.send(c, ClientMsg::Hello { version: 99, token }))
            }),
        ),
        (
            ErrorCode::InvalidToken,
            Box::new(|w| {
                let c = w.connect();
                (
                    c,
                    w.send(
                        c,
                        ClientMsg::Hello {
                            version: 1,
                            token: "mq1.e30.AAAA".into(),
                        },
                    ),
                )
            }),
        ),
        (
            ErrorCode::TokenExpired,
            Box::new(|w| {
                let c = w.connect();
                let token =
                    w.signer
                        .issue(room("r"), Role::Guest, UnixMillis(T0.0 - 7_200_000), 3600);
                (c, w.send(c, ClientMsg::Hello { version: 1, token }))
            }),
        ),
        (
            ErrorCode::DuplicateHello,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                let token = w.token("r", Role::Guest);
                (c, w.send(c, ClientMsg::Hello { version: 1, token }))
            }),
        ),
        (
            ErrorCode::WrongRoom,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                (c, w.send(c, join_msg("other-room", "x")))
            }),
        ),
        (
            ErrorCode::Forbidden,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                let mut msg = join_msg("r", "x");
                if let ClientMsg::Join { role, .. } = &mut msg {
                    *role = Some(Role::Host);
                }
                (c, w.send(c, msg))
            }),
        ),
        (
            ErrorCode::InvalidDisplayName,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                (c, w.send(c, join_msg("r", "bad\u{202E}name")))
            }),
        ),
        (
            ErrorCode::NotJoined,
            Box::new(|w| {
                let c = w.hello("r", Role::Guest);
                (
                    c,
                    w.send(
                        c,
                        ClientMsg::MediaState {
                            state: MediaState::default(),
                        },
                    ),
                )
            }),
        ),
        (
            ErrorCode::AlreadyJoined,
            Box::new(|w| {
                let (h, _) = w.join("r2", Role::Host, "H");
                (h.conn, w.send(h.conn, join_msg("r2", "H")))
            }),
        ),
        (
            ErrorCode::InvalidText,
            Box::new(|w| {
                let (h, _) = w.join("r3", Role::Host, "H");
                (
                    h.conn,
                    w.send(h.conn, ClientMsg::Chat { text: "   ".into() }),
                )
            }),
        ),
        (
            ErrorCode::InvalidField,
            Box::new(|w| {
                let (h, _) = w.join("r4", Role::Host, "H");
                let id = h.id.clone();
                (
                    h.conn,
                    w.send(h.conn, ClientMsg::Remove { participant: id }),
                )
            }),
        ),
        (
            ErrorCode::UnknownParticipant,
            Box::new(|w| {
                let (h, _) = w.join("r5", Role::Host, "H");
                let nobody = ParticipantId::new("p-nobody").expect("valid");
                (
                    h.conn,
                    w.send(
                        h.conn,
                        ClientMsg::Admit {
                            participant: nobody,
                        },
                    ),
                )
            }),
        ),
    ];
    for (expected, case) in cases {
        let (conn, out) = case(&mut w);
        assert_eq!(error_code(&out, conn), Some(expected), "{out:?}");
        assert_eq!(
            closed(&out, conn),
            expected.is_fatal(),
            "{expected}: {out:?}"
        );
        if let Some(ServerMsg::Error { message, .. }) = msgs_to(&out, conn).first() {
            assert!(
                message.len() > 10,
                "{expected} needs a message people can act on"
            );
        }
    }
}

#[test]
fn a_token_that_expires_between_hello_and_join_is_refused() {
    let mut w = World::new();
    let conn = w.connect();
    let token = w.signer.issue(room("r"), Role::Host, w.now, 10);
    assert!(
        w.send(conn, ClientMsg::Hello { version: 1, token })
            .is_empty()
    );
    w.advance_secs(11);
    let out = w.send(conn, join_msg("r", "Slow"));
    assert_eq!(error_code(&out, conn), Some(ErrorCode::TokenExpired));
    assert!(closed(&out, conn));
}

#[test]
fn shutdown_tells_everyone_and_refuses_newcomers() {
    let mut w = World::new();
    let (host, guest) = two_in_a_room(&mut w, "r");
    let fresh = w.connect();
    let out = w.input(Input::Shutdown);
    for who in [host.conn, guest.conn] {
        assert_eq!(
            msgs_to(&out, who),
            vec![ServerMsg::Closed {
                reason: CloseReason::ServerShutdown
            }]
        );
        assert!(out.contains(&Output::Close(who, CloseFrame::GOING_AWAY)));
    }
    assert_eq!(error_code(&out, fresh), Some(ErrorCode::ServerShuttingDown));
    let late = w.connect();
    let token = w.token("r", Role::Host);
    let out = w.send(late, ClientMsg::Hello { version: 1, token });
    assert_eq!(error_code(&out, late), Some(ErrorCode::ServerShuttingDown));
}

#[test]
fn empty_rooms_keep_their_chat_for_a_while_then_are_forgotten() {
    let mut w = World::new();
    let (host, _) = w.join("r", Role::Host, "H");
    w.send(
        host.conn,
        ClientMsg::Chat {
            text: "note".into(),
        },
    );
    w.input(Input::Disconnected(host.conn));
    w.advance_secs(60);
    w.input(Input::Tick);
    let (back, out) = w.join("r", Role::Host, "H");
    let ServerMsg::Welcome { chat, .. } = &msgs_to(&out, back.conn)[0] else {
        panic!()
    };
    assert_eq!(chat.len(), 1, "a short absence loses nothing");
    w.input(Input::Disconnected(back.conn));
    w.advance_secs(RoomSettings::default().empty_room_grace_secs + 1);
    w.input(Input::Tick);
    assert_eq!(w.handler.room_count(), 0);
}

#[test]
fn a_guest_leaving_the_lobby_withdraws_the_knock() {
    let mut w = World::new();
    let (host, _) = w.join("r", Role::Host, "H");
    let (guest, _) = w.join("r", Role::Guest, "G");
    let out = w.send(guest.conn, ClientMsg::Leave);
    assert_eq!(
        msgs_to(&out, guest.conn),
        vec![ServerMsg::Closed {
            reason: CloseReason::Left
        }]
    );
    assert_eq!(
        msgs_to(&out, host.conn),
        vec![ServerMsg::KnockResolved {
            participant: guest.id,
            outcome: KnockOutcome::Withdrawn
        }]
    );
}

#[test]
fn welcome_carries_time_limited_turn_credentials() {
    let ice = IceSettings {
        servers: vec![],
        turn: Some(TurnIssuer::new(
            vec!["turn:127.0.0.1:3478".into()],
            b"s3cr3t".to_vec(),
            600,
        )),
    };
    let mut w = World::with(RoomSettings::default(), ice);
    let (host, out) = w.join("r", Role::Host, "H");
    let ServerMsg::Welcome {
        ice_servers,
        ice_expires_at,
        ..
    } = &msgs_to(&out, host.conn)[0]
    else {
        panic!()
    };
    let expected_user = format!("{}:{}", T0.as_secs() + 600, host.id);
    assert_eq!(
        ice_servers[0].username.as_deref(),
        Some(expected_user.as_str())
    );
    assert_eq!(
        ice_servers[0].credential.as_deref(),
        Some(crate::turn::rest_password(b"s3cr3t", &expected_user).as_str())
    );
    assert_eq!(*ice_expires_at, Some(UnixMillis(T0.0 + 600_000)));
}

#[test]
fn frames_after_close_are_ignored() {
    let mut w = World::new();
    let (host, _) = w.join("r", Role::Host, "H");
    w.send(host.conn, ClientMsg::Leave);
    assert!(
        w.send(
            host.conn,
            ClientMsg::Chat {
                text: "ghost".into()
            }
        )
        .is_empty()
    );
    assert!(w.input(Input::Disconnected(host.conn)).is_empty());
}
