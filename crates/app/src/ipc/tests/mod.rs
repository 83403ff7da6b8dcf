//! The JSON of the IPC types is what `ui/src/lib/ipc/types.ts` describes.

mod setting_values;

use mulaqat_client as client;
use mulaqat_media as media;
use mulaqat_protocol as proto;
use serde_json::{Value, json};

use super::*;

fn pid(id: &str) -> proto::ParticipantId {
    proto::ParticipantId::new(id).expect("valid id")
}

fn person(id: &str) -> proto::ParticipantInfo {
    proto::ParticipantInfo {
        id: pid(id),
        display_name: "Dr. Ayesha <b>".into(),
        role: proto::Role::Host,
        join_order: 3,
        media: proto::MediaState {
            audio: true,
            video: false,
            screen: false,
        },
        hand_raised: false,
    }
}

fn person_json(id: &str) -> Value {
    json!({
        "id": id,
        "displayName": "Dr. Ayesha <b>",
        "role": "host",
        "joinOrder": 3,
        "media": {"audio": true, "video": false, "screen": false},
        "handRaised": false,
    })
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serialises")
}

/// Serialises as `expected` and reads back as itself.
pub(super) fn assert_json<T>(value: &T, expected: Value)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    assert_eq!(to_json(value), expected);
    let back: T = serde_json::from_value(expected).expect("deserialises");
    assert_eq!(&back, value);
}

#[test]
fn every_call_event_is_a_type_tagged_struct_variant() {
    let cases: Vec<(client::CallEvent, Value)> = vec![
        (
            client::CallEvent::StateChanged(client::CallState::InCall {
                participant_id: pid("p-1"),
                role: proto::Role::Guest,
            }),
            json!({"type": "stateChanged", "state": {"type": "inCall", "participantId": "p-1", "role": "guest"}}),
        ),
        (
            client::CallEvent::ParticipantJoined(person("p-2")),
            json!({"type": "participantJoined", "participant": person_json("p-2")}),
        ),
        (
            client::CallEvent::ParticipantLeft {
                participant: pid("p-2"),
                reason: proto::LeaveReason::RemovedByHost,
            },
            json!({"type": "participantLeft", "participant": "p-2", "reason": "removedByHost"}),
        ),
        (
            client::CallEvent::Knock(person("p-9")),
            json!({"type": "knock", "participant": person_json("p-9")}),
        ),
        (
            client::CallEvent::KnockResolved {
                participant: pid("p-9"),
                outcome: proto::KnockOutcome::Withdrawn,
            },
            json!({"type": "knockResolved", "participant": "p-9", "outcome": "withdrawn"}),
        ),
        (
            client::CallEvent::Chat(proto::ChatMessage {
                seq: 7,
                from: pid("p-2"),
                display_name: "Nurse".into(),
                text: "BP 120/80".into(),
                sent_at: proto::UnixMillis(1_700_000_000_123),
            }),
            json!({"type": "chat", "message": {
                "seq": 7, "from": "p-2", "displayName": "Nurse", "text": "BP 120/80",
                "sentAt": 1_700_000_000_123_u64,
            }}),
        ),
        (
            client::CallEvent::MediaStateChanged {
                participant: pid("p-2"),
                state: proto::MediaState {
                    audio: false,
                    video: true,
                    screen: true,
                },
            },
            json!({"type": "mediaStateChanged", "participant": "p-2",
                   "state": {"audio": false, "video": true, "screen": true}}),
        ),
        (
            client::CallEvent::HandRaised {
                participant: pid("p-2"),
                raised: true,
            },
            json!({"type": "handRaised", "participant": "p-2", "raised": true}),
        ),
        (
            client::CallEvent::Error {
                code: proto::ErrorCode::RateLimited,
                message: "slow down".into(),
            },
            json!({"type": "error", "code": "rateLimited", "message": "slow down"}),
        ),
    ];
    for (event, expected) in cases {
        assert_json(&CallEvent::from(event), expected);
    }
}

#[test]
fn a_refused_call_ends_with_its_code_and_message() {
    let state = CallState::from(client::CallState::Ended(client::EndReason::Refused {
        code: proto::ErrorCode::TokenExpired,
        message: "ask for a new link".into(),
    }));
    assert_json(
        &state,
        json!({"type": "ended", "reason": {
            "type": "refused", "code": "tokenExpired", "message": "ask for a new link",
        }}),
    );
    let lost = CallState::from(client::CallState::Ended(client::EndReason::ConnectionLost));
    assert_json(
        &lost,
        json!({"type": "ended", "reason": {"type": "connectionLost"}}),
    );
    let waiting = CallState::from(client::CallState::WaitingInLobby {
        participant_id: pid("p-4"),
        reason: proto::LobbyReason::HostNotPresent,
    });
    assert_json(
        &waiting,
        json!({"type": "waitingInLobby", "participantId": "p-4", "reason": "hostNotPresent"}),
    );
}

#[test]
fn stats_use_numbers_and_null_for_what_is_unknown() {
    let report = media::StatsReport {
        outbound: vec![media::OutboundStats {
            peer: "p-2".into(),
            kind: media::MediaKind::Video,
            packets_sent: 1200,
            bytes_sent: 1_500_000,
            bitrate_kbps: 1800.5,
            rtt_ms: Some(42.0),
            fraction_lost: None,
            encoder: Some("vah264enc".into()),
            resolution: Some(media::Resolution {
                width: 1280,
                height: 720,
            }),
            estimated_bandwidth_kbps: Some(2500.0),
            target_bitrate_kbps: None,
        }],
        inbound: vec![media::InboundStats {
            track: "p-2:audio".into(),
            peer: "p-2".into(),
            kind: media::MediaKind::Audio,
            packets_received: 900,
            packets_lost: -1,
            bitrate_kbps: 32.0,
            jitter_ms: None,
            frames_decoded: 0,
            fps: 0.0,
            resolution: None,
            freeze_count: 0,
            longest_freeze_ms: 0,
            decoder: None,
        }],
    };
    assert_json(
        &StatsReport::from(report),
        json!({
            "outbound": [{
                "peer": "p-2", "origin": {"participant": "p-2", "source": "camera"},
                "kind": "video", "packetsSent": 1200, "bytesSent": 1_500_000,
                "bitrateKbps": 1800.5, "rttMs": 42.0, "fractionLost": null,
                "encoder": "vah264enc", "resolution": {"width": 1280, "height": 720},
                "estimatedBandwidthKbps": 2500.0, "targetBitrateKbps": null,
            }],
            "inbound": [{
                "track": "p-2:audio", "peer": "p-2",
                "origin": {"participant": "p-2", "source": "camera"},
                "kind": "audio", "packetsReceived": 900,
                "packetsLost": -1, "bitrateKbps": 32.0, "jitterMs": null, "framesDecoded": 0,
                "fps": 0.0, "resolution": null, "freezeCount": 0, "decoder": null,
            }],
        }),
    );
}

#[test]
fn every_protocol_error_code_keeps_its_wire_name() {
    for code in proto::ErrorCode::ALL {
        assert_eq!(to_json(&ErrorCode::from(code)), json!(code.as_str()));
        assert_eq!(to_json(&CommandErrorCode::from(code)), json!(code.as_str()));
    }
}

#[test]
fn engine_events_go_to_the_ui_event_they_belong_to() {
    let candidate = media::MediaEvent::LocalCandidate {
        peer: "p-2".into(),
        candidate: media::IceCandidate {
            sdp_m_line_index: 0,
            candidate: String::new(),
        },
    };
    assert_eq!(MediaUpdate::from_engine(candidate), None);

    let lost = media::MediaEvent::CameraLost {
        device: "v4l2:/dev/video0".into(),
        reason: "unplugged".into(),
    };
    let Some(MediaUpdate::Event(event)) = MediaUpdate::from_engine(lost) else {
        panic!("a media event");
    };
    assert_json(
        &event,
        json!({"type": "cameraLost", "device": "v4l2:/dev/video0", "reason": "unplugged"}),
    );

    let selected = media::MediaEvent::EncoderSelected {
        element: "x264enc".into(),
        codec: media::VideoCodec::H264,
        hardware: false,
    };
    assert_json(
        &MediaEvent::from_engine(selected).expect("a media event"),
        json!({"type": "encoderSelected", "element": "x264enc", "codec": "h264", "hardware": false}),
    );

    let stats = media::MediaEvent::Stats {
        report: media::StatsReport::default(),
    };
    assert_eq!(MediaEvent::from_engine(stats.clone()), None);
    assert_eq!(
        MediaUpdate::from_engine(stats),
        Some(MediaUpdate::Stats(StatsReport::default()))
    );

    let device = media::devices::DeviceInfo {
        id: "test:camera".into(),
        name: "Test camera".into(),
        kind: media::devices::DeviceKind::Camera,
        modes: vec![media::devices::VideoMode {
            width: 1920,
            height: 1080,
            fps: 30.0,
            format: media::devices::PixelFormat::Mjpeg,
        }],
        is_test: true,
    };
    let Some(MediaUpdate::Device(change)) =
        MediaUpdate::from_engine(media::MediaEvent::DeviceAdded { device })
    else {
        panic!("a device change");
    };
    assert_json(
        &change,
        json!({"type": "added", "device": {
            "id": "test:camera", "name": "Test camera", "kind": "camera", "isTest": true,
            "modes": [{"width": 1920, "height": 1080, "fps": 30.0, "format": "mjpeg"}],
        }}),
    );
}

#[test]
fn declarations_are_laid_out_as_prettier_does() {
    assert_eq!(
        format::declaration(r#"type Role = "host" | "guest";"#),
        r#"type Role = "host" | "guest";"#
    );
    assert_eq!(
        format::declaration(
            "type E = { \"type\": \"left\" } | { \"type\": \"refused\", \n/**\n * Why.\n */\ncode: ErrorCode, };"
        ),
        "type E =\n  | { type: \"left\" }\n  | {\n      type: \"refused\";\n      /**\n       * Why.\n       */\n      code: ErrorCode;\n    };"
    );
    let bindings = typescript_bindings();
    assert!(bindings.starts_with("// GENERATED"));
    assert!(
        !bindings.contains("Punct"),
        "a declaration ts-rs made that the layout does not know"
    );
    for line in bindings.lines() {
        assert_eq!(line, line.trim_end(), "trailing blanks");
        assert!(
            line.chars().count() <= 100,
            "longer than Prettier's width: {line}"
        );
    }
}

#[test]
fn a_snapshot_says_who_we_are_under_self() {
    let snapshot = CallSnapshot {
        state: CallState::Reconnecting { attempt: 2 },
        me: Some(SelfInfo {
            id: "p-1".into(),
            role: Some(Role::Host),
        }),
        room: Some("ward-7".into()),
        participants: vec![ParticipantInfo::from(person("p-1"))],
        lobby: Vec::new(),
        chat: Vec::new(),
        local: LocalMedia::default(),
        joined_at: None,
        screens: vec![SharedScreen {
            track: "p-2/screen:video".into(),
            participant: Some("p-2".into()),
        }],
    };
    assert_json(
        &snapshot,
        json!({
            "state": {"type": "reconnecting", "attempt": 2},
            "self": {"id": "p-1", "role": "host"},
            "room": "ward-7",
            "participants": [person_json("p-1")],
            "lobby": [],
            "chat": [],
            "local": {"micMuted": false, "cameraEnabled": false, "screenSharing": false, "handRaised": false},
            "joinedAt": null,
            "screens": [{"track": "p-2/screen:video", "participant": "p-2"}],
        }),
    );
}
