//! Removal, dropped connections and resuming.

use mulaqat_protocol::{ClientMsg, CloseReason, LeaveReason, MediaState, Resume, Role, ServerMsg};

use super::*;

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
                restarted: false,
            }),
            media: MediaState::default(),
            decodes: None,
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
            restarted: false,
        }),
        media: MediaState::default(),
        decodes: None,
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
fn the_others_learn_whether_a_returning_participant_restarted_its_media() {
    let mut w = World::new();
    let (host, guest) = two_in_a_room(&mut w, "r");
    w.input(Input::Disconnected(guest.conn));
    // Back on a new connection with the same media: peers are kept.
    let conn = w.hello("r", Role::Guest);
    let out = w.send(conn, resume_msg(&guest, None));
    assert!(matches!(
        msgs_to(&out, host.conn)[..],
        [ServerMsg::Joined {
            restarted: false,
            ..
        }]
    ));
    let ServerMsg::Welcome { resume_token, .. } = &msgs_to(&out, conn)[0] else {
        panic!("resumed: {out:?}")
    };
    // A reloaded page comes back with nothing: its peers are made again.
    let again = Someone {
        conn,
        id: guest.id.clone(),
        resume_token: Some(resume_token.clone()),
    };
    let mut msg = resume_msg(&again, None);
    if let ClientMsg::Join {
        resume: Some(r), ..
    } = &mut msg
    {
        r.restarted = true;
    }
    let conn = w.hello("r", Role::Guest);
    let out = w.send(conn, msg);
    assert!(matches!(
        msgs_to(&out, host.conn)[..],
        [
            ServerMsg::Left {
                reason: LeaveReason::Replaced,
                ..
            },
            ServerMsg::Joined {
                restarted: true,
                ..
            }
        ]
    ));
}
