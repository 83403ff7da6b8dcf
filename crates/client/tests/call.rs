//! Two clients, each with its own media engine, call each other through a
//! real mulaqat-server on port 0: video flows both ways, and leaving ends
//! the call for one and is seen by the other.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use mulaqat_client::runner::{MediaPolicy, RunnerEvent, run};
use mulaqat_client::transport::SignallingTarget;
use mulaqat_client::{CallEvent, EndReason, Session, SessionConfig, UserAction};
use mulaqat_media::devices::TestDevices;
use mulaqat_media::{EngineSettings, MediaEngine, MediaKind, Quality, VideoCodec};
use mulaqat_protocol::{LeaveReason, Role, RoomId, RoomKind};
use mulaqat_server::rooms::RoomSettings;
use mulaqat_server::testing::TestServer;
use tokio::sync::mpsc;

struct Client {
    events: mpsc::UnboundedReceiver<RunnerEvent>,
    user: mpsc::UnboundedSender<UserAction>,
    done: tokio::task::JoinHandle<EndReason>,
}

fn start_client(server: &TestServer, room: &RoomId, name: &str, role: Role) -> Client {
    let token = server.token(room, role);
    let session = Session::new(SessionConfig::new(room.clone(), name, token));
    let (engine, engine_events) = MediaEngine::start(EngineSettings {
        test_devices: TestDevices::Only,
        quality: Quality::P360,
        video_codecs: vec![VideoCodec::H264],
        ..EngineSettings::default()
    })
    .expect("media engine");
    let (events_tx, events) = mpsc::unbounded_channel();
    let (user, user_rx) = mpsc::unbounded_channel();
    let url = server.ws_url();
    let done = tokio::spawn(async move {
        let reason = run(
            session,
            engine.clone(),
            engine_events,
            SignallingTarget::new(url),
            MediaPolicy::default(),
            events_tx,
            user_rx,
        )
        .await;
        engine.stop();
        reason
    });
    Client { events, user, done }
}

/// Waits until this client has decoded `frames` frames of remote video.
async fn wait_for_video(client: &mut Client, frames: u64) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, client.events.recv()).await {
        if let RunnerEvent::Stats(report) = event
            && report
                .inbound
                .iter()
                .any(|s| s.kind == MediaKind::Video && s.frames_decoded >= frames)
        {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_see_each_other_through_the_server_and_leaving_ends_the_call() {
    let server = TestServer::start_with(|c| {
        c.rooms = RoomSettings {
            default_kind: RoomKind::Meeting,
            ..RoomSettings::default()
        }
    })
    .await
    .expect("server");
    let room = RoomId::new("ward-7").unwrap();

    let mut host = start_client(&server, &room, "Dr. Khan", Role::Host);
    let mut guest = start_client(&server, &room, "Family", Role::Guest);
    assert!(
        wait_for_video(&mut host, 30).await,
        "the host sees the guest's video"
    );
    assert!(
        wait_for_video(&mut guest, 30).await,
        "the guest sees the host's video"
    );

    guest.user.send(UserAction::Leave).unwrap();
    let reason = tokio::time::timeout(Duration::from_secs(10), guest.done)
        .await
        .expect("the guest's call ends in time")
        .expect("no panic");
    assert_eq!(reason, EndReason::Left);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut seen_leave = false;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, host.events.recv()).await {
        if let RunnerEvent::Call(CallEvent::ParticipantLeft { reason, .. }) = event {
            assert_eq!(reason, LeaveReason::Left);
            seen_leave = true;
            break;
        }
    }
    assert!(seen_leave, "the host is told the guest left");
    host.user.send(UserAction::Leave).unwrap();
    let reason = tokio::time::timeout(Duration::from_secs(10), host.done)
        .await
        .expect("ends")
        .expect("no panic");
    assert_eq!(reason, EndReason::Left);
    server.shutdown().await;
}
