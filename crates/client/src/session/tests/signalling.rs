//! The signalling relay: SDP and ICE candidates between the media engine
//! and the server, both ways, and what is dropped.

use mulaqat_protocol::{
    ClientMsg, IceCandidate, LeaveReason, Role, SdpKind, ServerMsg, SessionDescription, Signal,
};

use super::*;

fn candidate() -> IceCandidate {
    IceCandidate {
        candidate: "candidate:1 1 udp 2122260223 192.0.2.7 54321 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
    }
}

fn sdp(kind: SdpKind) -> Signal {
    Signal::Sdp(SessionDescription {
        kind,
        sdp: "v=0\r\n".into(),
    })
}

/// p-1 (host, first) and p-2 (us, later: we offer to p-1; p-3 will offer to us).
fn three_way() -> Call {
    Call::welcomed(Welcome::new(
        "p-2",
        Role::Guest,
        vec![host("p-1", 1), guest("p-2", 2), guest("p-3", 3)],
    ))
}

#[test]
fn remote_descriptions_and_candidates_go_to_the_media_engine() {
    let mut call = three_way();
    let out = call.server(ServerMsg::Signal {
        from: pid("p-3"),
        signal: sdp(SdpKind::Offer),
    });
    assert_eq!(
        out,
        [Output::Media(MediaCommand::RemoteDescription {
            peer: pid("p-3"),
            kind: SdpKind::Offer,
            sdp: "v=0\r\n".into(),
        })]
    );
    let out = call.server(ServerMsg::Signal {
        from: pid("p-3"),
        signal: Signal::Candidate(candidate()),
    });
    assert_eq!(
        out,
        [Output::Media(MediaCommand::RemoteCandidate {
            peer: pid("p-3"),
            candidate: candidate(),
        })]
    );
}

#[test]
fn local_descriptions_and_candidates_are_sent_to_that_participant() {
    let mut call = three_way();
    let out = call.media(MediaInput::LocalDescription {
        peer: pid("p-1"),
        kind: SdpKind::Offer,
        sdp: "v=0\r\n".into(),
    });
    assert_eq!(
        out,
        [Output::Send(ClientMsg::Signal {
            to: pid("p-1"),
            signal: sdp(SdpKind::Offer),
        })]
    );
    let out = call.media(MediaInput::LocalCandidate {
        peer: pid("p-3"),
        candidate: candidate(),
    });
    assert_eq!(
        out,
        [Output::Send(ClientMsg::Signal {
            to: pid("p-3"),
            signal: Signal::Candidate(candidate()),
        })]
    );
}

#[test]
fn local_signals_for_unknown_peers_are_dropped() {
    let mut call = three_way();
    for peer in ["p-9", "p-2"] {
        let out = call.media(MediaInput::LocalDescription {
            peer: pid(peer),
            kind: SdpKind::Answer,
            sdp: "v=0\r\n".into(),
        });
        assert_eq!(out, [], "{peer}");
        let out = call.media(MediaInput::LocalCandidate {
            peer: pid(peer),
            candidate: candidate(),
        });
        assert_eq!(out, [], "{peer}");
    }
}

#[test]
fn signals_from_participants_without_a_peer_are_dropped() {
    let mut call = three_way();
    let out = call.server(ServerMsg::Signal {
        from: pid("p-9"),
        signal: sdp(SdpKind::Offer),
    });
    assert_eq!(out, []);
}

#[test]
fn signals_for_a_participant_whose_link_dropped_are_dropped() {
    let mut call = three_way();
    call.server(ServerMsg::Left {
        participant: pid("p-3"),
        reason: LeaveReason::Disconnected,
    });
    let out = call.media(MediaInput::LocalCandidate {
        peer: pid("p-3"),
        candidate: candidate(),
    });
    assert_eq!(out, [], "the server does not know them now");
}

#[test]
fn nothing_is_relayed_while_our_link_is_down() {
    let mut call = three_way();
    call.closed();
    let out = call.media(MediaInput::LocalCandidate {
        peer: pid("p-1"),
        candidate: candidate(),
    });
    assert_eq!(
        out,
        [],
        "no link: the ICE restart after resuming renegotiates"
    );
    // A message still arriving from the dead connection is not acted on.
    let out = call.server(ServerMsg::Signal {
        from: pid("p-1"),
        signal: sdp(SdpKind::Answer),
    });
    assert_eq!(out, []);
}
