//! SFU scenarios against real Janus processes.

use std::time::Duration;

use mulaqat_protocol::{
    ClientMsg, MediaMode, ParticipantId, Role, RoomKind, ServerMsg, SfuAccess, SfuErrorCode,
    SfuPublication, SfuResetReason, VideoCodec,
};
use mulaqat_server::janus::{JanusNodeConfig, SfuConfig};

use crate::lab::{Janus, janus_binary};
use crate::support::{Client, TestServer};

async fn server(nodes: &[&Janus], p2p_max: u32, kind: RoomKind) -> TestServer {
    let secrets = tempfile::tempdir().expect("tempdir").keep();
    let nodes: Vec<JanusNodeConfig> = nodes
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let file = secrets.join(format!("janus{i}.secret"));
            std::fs::write(&file, &j.secret).expect("write secret");
            let key = secrets.join(format!("janus{i}.admin_key"));
            std::fs::write(&key, &j.admin_key).expect("write admin key");
            JanusNodeConfig {
                name: Some(format!("janus{i}")),
                url: j.url(),
                api_secret_file: file,
                admin_key_file: Some(key),
            }
        })
        .collect();
    TestServer::start_with(|c| {
        c.sfu = SfuConfig {
            nodes,
            p2p_max_participants: p2p_max,
            keepalive_secs: 2,
            request_timeout_ms: 2000,
            retry_max_ms: 500,
            ..SfuConfig::default()
        };
        c.rooms.default_kind = kind;
    })
    .await
}

/// Reads messages until one matches, returning it; panics after 10 s.
async fn until<T>(client: &mut Client, mut pick: impl FnMut(ServerMsg) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no such message in time"
        );
        if let Some(found) = pick(client.recv().await) {
            return found;
        }
    }
}

async fn access(client: &mut Client) -> SfuAccess {
    until(client, |m| match m {
        ServerMsg::ModeChanged {
            mode: MediaMode::Sfu,
            sfu: Some(access),
        } => Some(access),
        _ => None,
    })
    .await
}

async fn enter(server: &TestServer, room: &str, name: &str) -> (Client, ParticipantId, MediaMode) {
    let (client, id, reply) = server.join(room, Role::Host, name).await;
    let ServerMsg::Welcome { mode, .. } = reply else {
        panic!("expected welcome, got {reply:?}");
    };
    (client, id, mode)
}

async fn rooms_on(janus: &Janus) -> usize {
    janus.rooms().await.len()
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_rooms_go_to_the_least_loaded_node_refuse_a_wrong_pin_and_vanish_at_the_end() {
    let bin = janus_binary();
    let (j0, j1) = (Janus::start(&bin), Janus::start(&bin));
    let server = server(&[&j0, &j1], 4, RoomKind::Command).await;

    let (mut a, _, mode) = enter(&server, "ops-a", "WHO office").await;
    assert_eq!(
        mode,
        MediaMode::Sfu,
        "a command room is an SFU room from the start"
    );
    let access_a = access(&mut a).await;
    assert!(access_a.pin.len() >= 16, "a random pin");
    assert_eq!((rooms_on(&j0).await, rooms_on(&j1).await), (1, 0));

    let (mut b, _, _) = enter(&server, "ops-b", "NIH").await;
    let access_b = access(&mut b).await;
    assert_ne!(access_a.pin, access_b.pin);
    assert_eq!(
        (rooms_on(&j0).await, rooms_on(&j1).await),
        (1, 1),
        "the second room goes to the node with fewer rooms"
    );

    // Janus checks the pin the client presents.
    a.send(&ClientMsg::SfuPublish {
        pin: access_b.pin.clone(),
        publication: SfuPublication::Camera,
        sdp: OFFER.into(),
    })
    .await;
    let code = until(&mut a, |m| match m {
        ServerMsg::SfuRefused { code, .. } => Some(code),
        _ => None,
    })
    .await;
    assert_eq!(code, SfuErrorCode::WrongPin);

    a.send(&ClientMsg::EndMeeting).await;
    eventually("room destroyed on janus", async || rooms_on(&j0).await == 0).await;
    assert_eq!(rooms_on(&j1).await, 1, "the other meeting goes on");
    b.send(&ClientMsg::EndMeeting).await;
    eventually("second room destroyed", async || rooms_on(&j1).await == 0).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_node_moves_its_rooms_and_a_restarted_node_takes_new_ones() {
    let bin = janus_binary();
    let (mut j0, j1) = (Janus::start(&bin), Janus::start(&bin));
    let server = server(&[&j0, &j1], 4, RoomKind::Command).await;

    let (mut a, _, _) = enter(&server, "ops-a", "Punjab PDMA").await;
    let first = access(&mut a).await;
    assert_eq!(rooms_on(&j0).await, 1);

    j0.kill();
    let reason = until(&mut a, |m| match m {
        ServerMsg::SfuReset { reason } => Some(reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, SfuResetReason::NodeLost);
    let second = access(&mut a).await;
    assert!(second.generation > first.generation);
    assert_ne!(second.pin, first.pin);
    assert_eq!(rooms_on(&j1).await, 1, "re-created on the node that is up");

    let (mut b, _, _) = enter(&server, "ops-b", "Sindh PDMA").await;
    access(&mut b).await;
    assert_eq!(rooms_on(&j1).await, 2, "new rooms avoid the down node");

    j0.launch();
    // Once the pool has reached it again (retrying at most 0.5 s apart),
    // the restarted node is the least loaded and takes the next room.
    until_a_new_room_lands_on(&server, &j0, &j1, 2).await;
    server.shutdown().await;
}

/// Starts rooms until one is placed on `back` (a node that came back with
/// no rooms), while `other` holds `other_rooms`; a room started before the
/// pool has reached `back` again goes to `other` and is ended. Panics
/// after 10 s.
async fn until_a_new_room_lands_on(
    server: &TestServer,
    back: &Janus,
    other: &Janus,
    other_rooms: usize,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    for attempt in 0.. {
        let (mut c, _, _) = enter(server, &format!("ops-c{attempt}"), "KP PDMA").await;
        access(&mut c).await;
        if rooms_on(back).await == 1 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the restarted node took no new room in time"
        );
        c.send(&ClientMsg::EndMeeting).await;
        eventually("the early room ended", async || {
            rooms_on(other).await == other_rooms
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_node_up_an_sfu_room_says_so_and_starts_when_one_returns() {
    let bin = janus_binary();
    let mut j0 = Janus::start(&bin);
    j0.kill();
    let server = server(&[&j0], 4, RoomKind::Command).await;
    let (mut a, _, mode) = enter(&server, "ops-a", "Balochistan PDMA").await;
    assert_eq!(mode, MediaMode::Sfu);
    let code = until(&mut a, |m| match m {
        ServerMsg::SfuRefused { code, .. } => Some(code),
        _ => None,
    })
    .await;
    assert_eq!(code, SfuErrorCode::Unavailable);
    j0.launch();
    access(&mut a).await;
    assert_eq!(rooms_on(&j0).await, 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fifth_participant_moves_a_peer_to_peer_room_to_the_sfu() {
    let bin = janus_binary();
    let j0 = Janus::start(&bin);
    let server = server(&[&j0], 4, RoomKind::Meeting).await;
    let mut clients = Vec::new();
    for i in 0..4 {
        let (c, _, mode) = enter(&server, "ward-7", &format!("site {i}")).await;
        assert_eq!(mode, MediaMode::P2p, "small rooms stay peer-to-peer");
        clients.push(c);
    }
    assert_eq!(rooms_on(&j0).await, 0);
    let (fifth, _, mode) = enter(&server, "ward-7", "site 4").await;
    assert_eq!(mode, MediaMode::Sfu);
    clients.push(fifth);
    let mut pins = Vec::new();
    for c in &mut clients {
        pins.push(access(c).await.pin);
    }
    assert!(
        pins.windows(2).all(|w| w[0] == w[1]),
        "everyone gets the same room"
    );
    assert_eq!(rooms_on(&j0).await, 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_without_h264_moves_the_room_to_vp8_on_janus() {
    let bin = janus_binary();
    let j0 = Janus::start(&bin);
    let server = server(&[&j0], 4, RoomKind::Command).await;
    let (mut a, _, _) = enter(&server, "ops", "Lahore").await;
    let first = access(&mut a).await;
    assert_eq!(first.video_codec, VideoCodec::H264);
    assert_eq!(j0.video_codecs().await, ["h264"]);

    let mut b = server.connect().await;
    b.send(&ClientMsg::Hello {
        version: 1,
        token: server.token("ops", Role::Host),
    })
    .await;
    let mut join = crate::support::join("ops", "Firefox");
    if let ClientMsg::Join { decodes, .. } = &mut join {
        *decodes = Some(vec![VideoCodec::Vp8]);
    }
    b.send(&join).await;
    let reason = until(&mut a, |m| match m {
        ServerMsg::SfuReset { reason } => Some(reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, SfuResetReason::CodecChanged);
    let (second, to_b) = (access(&mut a).await, access(&mut b).await);
    assert_eq!(second, to_b);
    assert_eq!(second.video_codec, VideoCodec::Vp8);
    assert!(second.generation > first.generation);
    eventually("the H.264 room replaced on Janus", async || {
        j0.video_codecs().await == ["vp8"]
    })
    .await;
    server.shutdown().await;
}
