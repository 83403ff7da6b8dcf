//! The wire format, pinned: one golden JSON file per message type, and one
//! for the well-known discovery document.
//!
//! Each sample below is serialized and compared with its file in
//! `tests/golden/`, and each file is parsed back and compared with the
//! sample. A change to the wire format fails here until the golden files
//! are regenerated (`UPDATE_GOLDEN=1 cargo test -p mulaqat-protocol`) and
//! the change is reviewed in the diff.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mulaqat_protocol::*;

fn pid(s: &str) -> ParticipantId {
    ParticipantId::new(s).expect("valid id")
}

fn info(id: &str, name: &str, role: Role, order: u64) -> ParticipantInfo {
    ParticipantInfo {
        id: pid(id),
        display_name: name.into(),
        role,
        join_order: order,
        media: MediaState {
            audio: true,
            video: true,
            screen: false,
        },
        hand_raised: false,
    }
}

fn client_samples() -> Vec<ClientMsg> {
    vec![
        ClientMsg::Hello {
            version: 1,
            token: "eyJ2IjoxfQ.c2ln".into(),
        },
        ClientMsg::Join {
            decodes: Some(vec![VideoCodec::H264, VideoCodec::Vp8]),
            room: RoomId::new("cardiology-3").expect("valid"),
            display_name: "Dr. Ayesha Khan".into(),
            role: Some(Role::Host),
            resume: Some(Resume {
                restarted: true,
                participant_id: pid("p-7Qx2"),
                resume_token: "r-secret".into(),
            }),
            media: MediaState {
                audio: true,
                video: true,
                screen: false,
            },
        },
        ClientMsg::Admit {
            participant: pid("p-guest1"),
        },
        ClientMsg::Deny {
            participant: pid("p-guest2"),
        },
        ClientMsg::Remove {
            participant: pid("p-guest1"),
        },
        ClientMsg::EndMeeting,
        ClientMsg::Signal {
            to: pid("p-guest1"),
            signal: Signal::Sdp(SessionDescription {
                kind: SdpKind::Offer,
                sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n".into(),
            }),
        },
        ClientMsg::Chat {
            text: "Please hold the stethoscope still.".into(),
        },
        ClientMsg::MediaState {
            state: MediaState {
                audio: false,
                video: true,
                screen: true,
            },
        },
        ClientMsg::RaiseHand { raised: true },
        ClientMsg::Leave,
        ClientMsg::RefreshIce,
        ClientMsg::SfuPublish {
            pin: "4Kq9-pin".into(),
            publication: SfuPublication::Camera,
            sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n".into(),
        },
        ClientMsg::SfuUnpublish {
            publication: SfuPublication::Screen,
        },
        ClientMsg::SfuSubscribe {
            pin: "4Kq9-pin".into(),
            feed: pid("p-guest1"),
            publication: SfuPublication::Camera,
        },
        ClientMsg::SfuAnswer {
            subscription: 3,
            sdp: "v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=-\r\n".into(),
        },
        ClientMsg::SfuUnsubscribe { subscription: 3 },
        ClientMsg::SfuCandidate {
            target: SfuTarget::Publication(SfuPublication::Camera),
            candidate: IceCandidate {
                candidate: "candidate:1 1 UDP 2122252543 192.0.2.1 51000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
            },
        },
    ]
}

fn server_samples() -> Vec<ServerMsg> {
    vec![
        ServerMsg::Welcome {
            version: 1,
            participant_id: pid("p-host1"),
            room: RoomId::new("cardiology-3").expect("valid"),
            role: Role::Host,
            mode: MediaMode::P2p,
            policy: RoomPolicy {
                kind: RoomKind::Consultation,
                lobby: true,
                max_participants: 4,
            },
            ice_servers: vec![
                IceServer {
                    urls: vec!["stun:turn.example.org:3478".into()],
                    username: None,
                    credential: None,
                },
                IceServer {
                    urls: vec!["turn:turn.example.org:3478?transport=udp".into()],
                    username: Some("1767225600:p-host1".into()),
                    credential: Some("bWFjLWluLWJhc2U2NA==".into()),
                },
            ],
            ice_expires_at: Some(UnixMillis(1_767_225_600_000)),
            ice_ttl_secs: Some(3600),
            participants: vec![info("p-host1", "Dr. Ayesha Khan", Role::Host, 1)],
            lobby: vec![info("p-guest1", "Bilal", Role::Guest, 2)],
            chat: vec![ChatMessage {
                seq: 1,
                from: pid("p-host1"),
                display_name: "Dr. Ayesha Khan".into(),
                text: "Good morning".into(),
                sent_at: UnixMillis(1_767_222_000_000),
            }],
            resume_token: "r-secret".into(),
        },
        ServerMsg::LobbyWaiting {
            version: 1,
            participant_id: pid("p-guest1"),
            reason: LobbyReason::AwaitingAdmission,
        },
        ServerMsg::Knock {
            participant: info("p-guest1", "Bilal", Role::Guest, 2),
        },
        ServerMsg::KnockResolved {
            participant: pid("p-guest1"),
            outcome: KnockOutcome::Admitted,
        },
        ServerMsg::Joined {
            restarted: true,
            participant: info("p-guest1", "Bilal", Role::Guest, 2),
        },
        ServerMsg::Left {
            participant: pid("p-guest1"),
            reason: LeaveReason::Disconnected,
        },
        ServerMsg::Signal {
            from: pid("p-host1"),
            signal: Signal::Candidate(IceCandidate {
                candidate: "candidate:1 1 UDP 2122252543 192.0.2.1 51000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
            }),
        },
        ServerMsg::Chat {
            message: ChatMessage {
                seq: 2,
                from: pid("p-guest1"),
                display_name: "Bilal".into(),
                text: "Can you hear me?".into(),
                sent_at: UnixMillis(1_767_222_060_000),
            },
        },
        ServerMsg::MediaState {
            participant: pid("p-guest1"),
            state: MediaState {
                audio: false,
                video: true,
                screen: false,
            },
        },
        ServerMsg::HandRaised {
            participant: pid("p-guest1"),
            raised: true,
        },
        ServerMsg::IceServers {
            ice_servers: vec![IceServer {
                urls: vec!["turn:turn.hospital.example:3478?transport=udp".into()],
                username: Some("1767225600:p-7Qx2".into()),
                credential: Some("c2VjcmV0LWZyb20tdGhlLXNlcnZlcg==".into()),
            }],
            ice_expires_at: Some(UnixMillis(1_767_225_600_000)),
            ice_ttl_secs: Some(3600),
        },
        ServerMsg::Closed {
            reason: CloseReason::MeetingEnded,
        },
        ServerMsg::Error {
            code: ErrorCode::TokenExpired,
            message: "This link has expired. Ask the host for a new one.".into(),
        },
        ServerMsg::ModeChanged {
            mode: MediaMode::Sfu,
            sfu: Some(SfuAccess {
                video_codec: VideoCodec::Vp8,
                pin: "4Kq9-pin".into(),
                generation: 1,
            }),
        },
        ServerMsg::SfuPublished {
            publication: SfuPublication::Camera,
            sdp: "v=0\r\no=- 3 1 IN IP4 10.0.0.5\r\ns=VideoRoom\r\n".into(),
        },
        ServerMsg::SfuOffer {
            subscription: 3,
            feed: pid("p-guest1"),
            publication: SfuPublication::Camera,
            sdp: "v=0\r\no=- 4 1 IN IP4 10.0.0.5\r\ns=VideoRoom\r\n".into(),
        },
        ServerMsg::SfuCandidate {
            target: SfuTarget::Subscription(3),
            candidate: IceCandidate {
                candidate: "candidate:1 1 udp 2015363583 10.0.0.5 20044 typ host".into(),
                sdp_mid: Some("a".into()),
                sdp_m_line_index: Some(0),
            },
        },
        ServerMsg::SfuFeeds {
            available: vec![SfuFeed {
                participant: pid("p-guest1"),
                publication: SfuPublication::Screen,
            }],
            gone: vec![SfuFeed {
                participant: pid("p-guest2"),
                publication: SfuPublication::Camera,
            }],
        },
        ServerMsg::SfuTalking {
            participant: pid("p-guest1"),
            talking: true,
        },
        ServerMsg::SfuRefused {
            target: Some(SfuTarget::Publication(SfuPublication::Camera)),
            code: SfuErrorCode::WrongPin,
            message: "the SFU refused the pin; use the pin from the newest modeChanged".into(),
        },
        ServerMsg::SfuReset {
            reason: SfuResetReason::NodeLost,
        },
    ]
}

fn golden_dir(side: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(side)
}

/// Compares `sample`, pretty-printed, with the golden file at `path` (after
/// writing it there when `update`), and the file parsed with `sample`.
fn check_file<T>(path: &Path, sample: &T, update: bool)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let pretty = serde_json::to_string_pretty(sample).expect("serializes") + "\n";
    if update {
        let dir = path.parent().expect("golden files are in a folder");
        std::fs::create_dir_all(dir).expect("create golden dir");
        std::fs::write(path, &pretty).expect("write golden");
    }
    let golden = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    let shown = path.display();
    assert_eq!(pretty, golden, "{shown} differs from the serialized sample");
    let parsed: T = serde_json::from_str(&golden).expect("golden parses");
    assert_eq!(&parsed, sample, "{shown} parses to something else");
}

fn check_side<T>(side: &str, samples: Vec<T>, type_name: fn(&T) -> &'static str, all: &[&str])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let dir = golden_dir(side);
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut covered = BTreeSet::new();
    for sample in &samples {
        let name = type_name(sample);
        assert!(covered.insert(name), "two {side} samples of type {name}");
        check_file(&dir.join(format!("{name}.json")), sample, update);
    }
    let expected: BTreeSet<&str> = all.iter().copied().collect();
    assert_eq!(
        covered, expected,
        "every {side} message type needs exactly one sample"
    );
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("golden dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let wanted: BTreeSet<String> = all.iter().map(|n| format!("{n}.json")).collect();
    assert_eq!(
        on_disk,
        wanted,
        "stale or missing golden files in {}",
        dir.display()
    );
}

#[test]
fn client_messages_match_golden_files() {
    check_side(
        "client",
        client_samples(),
        ClientMsg::type_name,
        &ClientMsg::TYPES,
    );
}

#[test]
fn server_messages_match_golden_files() {
    check_side(
        "server",
        server_samples(),
        ServerMsg::type_name,
        &ServerMsg::TYPES,
    );
}

fn well_known_sample() -> WellKnown {
    WellKnown {
        ice_policy: Some(IcePolicy::Relay),
        limits: ServerLimits {
            max_chat_chars: Some(4000),
            max_display_name_chars: Some(64),
            max_lobby: Some(50),
            max_message_bytes: Some(65536),
            max_participants: Some(4),
        },
        max_message_bytes: Some(65536),
        min_protocol_version: Some(1),
        protocol_version: 1,
        server: Some("mulaqat-server/0.1.0".into()),
        signalling: "wss://meet.hospital.example/ws".into(),
    }
}

#[test]
fn the_well_known_document_matches_its_golden_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/wellKnown.json");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    check_file(&path, &well_known_sample(), update);
}

#[test]
fn the_well_known_document_is_sent_compact_with_its_keys_in_order() {
    assert_eq!(
        serde_json::to_string(&well_known_sample()).expect("serializes"),
        r#"{"icePolicy":"relay","limits":{"maxChatChars":4000,"maxDisplayNameChars":64,"maxLobby":50,"maxMessageBytes":65536,"maxParticipants":4},"maxMessageBytes":65536,"minProtocolVersion":1,"protocolVersion":1,"server":"mulaqat-server/0.1.0","signalling":"wss://meet.hospital.example/ws"}"#
    );
}

#[test]
fn every_sample_round_trips_through_the_codec() {
    for msg in client_samples() {
        let back = decode_client(&encode(&msg), DEFAULT_MAX_MESSAGE_BYTES).expect("decodes");
        assert_eq!(back, msg);
    }
    for msg in server_samples() {
        let back = decode_server(&encode(&msg), DEFAULT_MAX_MESSAGE_BYTES).expect("decodes");
        assert_eq!(back, msg);
    }
}

#[test]
fn optional_fields_have_defaults_a_minimal_client_can_rely_on() {
    let join = decode_client(
        r#"{"type":"join","room":"r1","displayName":"Sana"}"#,
        DEFAULT_MAX_MESSAGE_BYTES,
    )
    .expect("minimal join parses");
    assert_eq!(
        join,
        ClientMsg::Join {
            decodes: None,
            room: RoomId::new("r1").expect("valid"),
            display_name: "Sana".into(),
            role: None,
            resume: None,
            media: MediaState::default(),
        }
    );
    let hand = decode_client(r#"{"type":"raiseHand"}"#, DEFAULT_MAX_MESSAGE_BYTES).expect("parses");
    assert_eq!(hand, ClientMsg::RaiseHand { raised: true });
}

#[test]
fn a_signal_carries_exactly_one_payload() {
    let both = r#"{"type":"signal","to":"p1","sdp":{"type":"offer","sdp":"v=0"},"candidate":{"candidate":""}}"#;
    let neither = r#"{"type":"signal","to":"p1"}"#;
    assert!(decode_client(both, DEFAULT_MAX_MESSAGE_BYTES).is_err());
    assert!(decode_client(neither, DEFAULT_MAX_MESSAGE_BYTES).is_err());
}
