//! SFU rooms in the handler: the video codec every member decodes.

use mulaqat_protocol::{MediaMode, Resume, RoomKind, SfuResetReason, VideoCodec};

use super::*;
use crate::janus::{SfuCommand, SfuEvent};

/// A handler whose rooms are all on the SFU, with one node up.
fn sfu_world() -> World {
    let mut w = World::new();
    let settings = RoomSettings {
        default_kind: RoomKind::Command,
        ..RoomSettings::default()
    };
    w.handler =
        Handler::new(settings, w.signer.clone(), IceSettings::default()).with_sfu(SfuPolicy {
            enabled: true,
            p2p_max_participants: 4,
            max_participants: 20,
        });
    w.input(Input::Sfu(Box::new(SfuEvent::NodesUp(1))));
    w
}

/// Joins as a host (no lobby) decoding `decodes` (`None`: not said).
fn enter(w: &mut World, name: &str, decodes: Option<Vec<VideoCodec>>) -> (Someone, Vec<Output>) {
    let mut msg = join_msg("r", name);
    if let ClientMsg::Join { decodes: d, .. } = &mut msg {
        *d = decodes;
    }
    w.join_with("r", Role::Host, msg)
}

/// The rooms the handler asked the pool to create: (generation, codec).
fn created(out: &[Output]) -> Vec<(u32, VideoCodec)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Sfu(SfuCommand::CreateRoom {
                generation, codec, ..
            }) => Some((*generation, *codec)),
            _ => None,
        })
        .collect()
}

fn ready(w: &mut World, generation: u32) -> Vec<Output> {
    w.input(Input::Sfu(Box::new(SfuEvent::RoomReady {
        room: room("r"),
        generation,
        pin: format!("pin-{generation}"),
    })))
}

/// The codec each `modeChanged` in `out` to `conn` tells it to publish in.
fn publish_codec(out: &[Output], conn: ConnId) -> Vec<VideoCodec> {
    msgs_to(out, conn)
        .into_iter()
        .filter_map(|m| match m {
            ServerMsg::ModeChanged {
                mode: MediaMode::Sfu,
                sfu: Some(access),
            } => Some(access.video_codec),
            _ => None,
        })
        .collect()
}

fn codec_resets(out: &[Output], conn: ConnId) -> usize {
    msgs_to(out, conn)
        .iter()
        .filter(|m| {
            matches!(
                m,
                ServerMsg::SfuReset {
                    reason: SfuResetReason::CodecChanged
                }
            )
        })
        .count()
}

#[test]
fn an_sfu_room_sends_h264_while_every_member_decodes_it() {
    let mut w = sfu_world();
    let (a, out) = enter(&mut w, "A", Some(vec![VideoCodec::H264, VideoCodec::Vp8]));
    assert_eq!(created(&out), [(1, VideoCodec::H264)]);
    assert_eq!(publish_codec(&ready(&mut w, 1), a.conn), [VideoCodec::H264]);
    // A member who did not say decodes both.
    let (b, out) = enter(&mut w, "B", None);
    assert!(created(&out).is_empty(), "{out:?}");
    assert_eq!(codec_resets(&out, a.conn), 0);
    assert_eq!(publish_codec(&out, b.conn), [VideoCodec::H264]);
}

#[test]
fn a_member_without_h264_moves_the_room_to_vp8_and_back_when_they_leave() {
    let mut w = sfu_world();
    let (a, _) = enter(&mut w, "A", None);
    ready(&mut w, 1);
    let (b, out) = enter(&mut w, "Firefox", Some(vec![VideoCodec::Vp8]));
    assert_eq!(created(&out), [(2, VideoCodec::Vp8)]);
    assert_eq!(
        codec_resets(&out, a.conn),
        1,
        "the others drop the H.264 room"
    );
    assert_eq!(
        codec_resets(&out, b.conn),
        0,
        "the newcomer had nothing to drop"
    );
    assert!(
        publish_codec(&out, b.conn).is_empty(),
        "not before the room is set up"
    );
    let out = ready(&mut w, 2);
    assert_eq!(publish_codec(&out, a.conn), [VideoCodec::Vp8]);
    assert_eq!(publish_codec(&out, b.conn), [VideoCodec::Vp8]);
    // A dropped connection may come back: the room stays in VP8.
    let out = w.input(Input::Disconnected(b.conn));
    assert!(created(&out).is_empty(), "{out:?}");
    // Leaving for good takes the room back to H.264.
    let resume = ClientMsg::Join {
        room: room("r"),
        display_name: "Firefox".into(),
        role: None,
        resume: Some(Resume {
            participant_id: b.id.clone(),
            resume_token: b.resume_token.clone().unwrap_or_default(),
            restarted: false,
        }),
        media: MediaState::default(),
        decodes: Some(vec![VideoCodec::Vp8]),
    };
    let (b, out) = w.join_with("r", Role::Host, resume);
    assert!(
        created(&out).is_empty(),
        "resumed in the same codec: {out:?}"
    );
    let out = w.send(b.conn, ClientMsg::Leave);
    assert_eq!(created(&out), [(3, VideoCodec::H264)]);
    assert_eq!(codec_resets(&out, a.conn), 1);
    assert_eq!(publish_codec(&ready(&mut w, 3), a.conn), [VideoCodec::H264]);
}

#[test]
fn a_room_waiting_for_a_node_is_set_up_in_the_codec_its_members_decode() {
    let mut w = sfu_world();
    w.input(Input::Sfu(Box::new(SfuEvent::NodesUp(0))));
    let (a, out) = enter(&mut w, "A", Some(vec![VideoCodec::Vp8]));
    assert!(created(&out).is_empty(), "no node: {out:?}");
    let out = w.input(Input::Sfu(Box::new(SfuEvent::NodesUp(1))));
    assert_eq!(created(&out), [(2, VideoCodec::Vp8)]);
    assert_eq!(publish_codec(&ready(&mut w, 2), a.conn), [VideoCodec::Vp8]);
}

#[test]
fn a_member_without_h264_who_never_comes_back_gives_the_room_back_to_h264() {
    let mut w = sfu_world();
    let (a, _) = enter(&mut w, "A", None);
    ready(&mut w, 1);
    let (b, _) = enter(&mut w, "Firefox", Some(vec![VideoCodec::Vp8]));
    ready(&mut w, 2);
    let out = w.input(Input::Disconnected(b.conn));
    assert!(created(&out).is_empty(), "they may come back: {out:?}");
    w.advance_secs(RoomSettings::default().resume_grace_secs + 1);
    let out = w.input(Input::Tick);
    assert_eq!(created(&out), [(3, VideoCodec::H264)]);
    assert_eq!(codec_resets(&out, a.conn), 1);
}
