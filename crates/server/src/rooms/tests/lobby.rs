//! Opening a room, the lobby, admission and hosts coming and going.

use std::collections::HashMap;

use mulaqat_protocol::{
    ClientMsg, CloseReason, ErrorCode, KnockOutcome, LeaveReason, LobbyReason, Role, RoomKind,
    ServerMsg,
};

use super::*;

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
                },
                restarted: false,
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
    let (host, guest) = two_in_a_room(&mut w, "clinic-1");
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
