//! Life in the room: chat, signalling, media state, ending the meeting.

use mulaqat_protocol::{
    ClientMsg, CloseReason, ErrorCode, IceCandidate, MediaState, Role, SdpKind, ServerMsg,
    SessionDescription, Signal,
};

use super::*;

#[test]
fn ending_the_meeting_closes_everyone_and_forgets_the_room() {
    let mut w = World::new();
    let (host, guest) = two_in_a_room(&mut w, "clinic-1");
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
