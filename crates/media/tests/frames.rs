//! The frame socket end to end: a real `FrameServer` on 127.0.0.1 and
//! `FrameClient`s (and raw sockets) talking to it.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Duration;

use mulaqat_media::frames::{
    Demand, FrameClient, FrameClientError, FrameEvent, FramePublisher, FrameServer, VideoFrame,
};
use mulaqat_media::{Resolution, TrackId};
use tokio::net::TcpStream;

/// Only guards against hangs; no test asserts on timing.
const HANG: Duration = Duration::from_secs(60);

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG, f)
        .await
        .unwrap_or_else(|_| panic!("hung: {what}"))
}

/// A frame whose bytes depend on `seed`, with the timestamp in the first
/// eight bytes so every frame is different.
fn frame(width: u32, height: u32, timestamp_us: u64, seed: u8) -> VideoFrame {
    let len = VideoFrame::nv12_len(width, height).unwrap();
    let mut data = vec![seed; len];
    let stamp = timestamp_us.to_le_bytes();
    let n = stamp.len().min(len - 1);
    data[..n].copy_from_slice(&stamp[..n]);
    data[len - 1] = seed.wrapping_add(1);
    VideoFrame::new(width, height, timestamp_us, data)
}

fn track(id: &str) -> TrackId {
    TrackId::from(id)
}

async fn client(server: &FrameServer) -> FrameClient {
    within(
        "connect",
        FrameClient::connect(&server.url(), server.token()),
    )
    .await
    .unwrap()
}

async fn wait_demand(publisher: &FramePublisher, want: impl Fn(&Demand) -> bool) {
    let mut demand = publisher.watch_demand();
    within("demand", demand.wait_for(|d| want(d)))
        .await
        .unwrap();
}

fn res(width: u32, height: u32) -> Option<Resolution> {
    Some(Resolution { width, height })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_without_the_right_token_are_refused_with_401() {
    let server = FrameServer::start().await.unwrap();
    let other = FrameServer::start().await.unwrap();
    assert_ne!(server.token(), other.token());
    let publisher = server.publisher(track("local:camera"));
    let url = server.url();
    let mut wrong = server.token().to_owned().into_bytes();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).unwrap();
    for attempt in [
        url.clone(),
        format!("{url}/"),
        format!("{url}/?token="),
        format!("{url}/?token={wrong}"),
        format!("{url}/?token={}", other.token()),
        format!("{url}/?token={}x", server.token()),
        format!("{url}/?token={}", &server.token()[..42]),
        format!("{url}/?Token={}", server.token()),
    ] {
        let refused = within("refused connect", FrameClient::connect_url(&attempt)).await;
        match refused {
            Err(FrameClientError::Refused { status }) => assert_eq!(status, 401, "{attempt}"),
            other => panic!("{attempt}: expected a 401 refusal, got {other:?}"),
        }
        publisher.publish(frame(4, 2, 1, 1));
    }
    assert!(!publisher.has_subscribers());
    // The right token on the same server still works.
    let mut ok = client(&server).await;
    within("subscribe", ok.subscribe(&track("local:camera"), 0, 0))
        .await
        .unwrap();
    server.shutdown().await;
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_listens_only_on_127_0_0_1() {
    let server = FrameServer::start().await.unwrap();
    let port = server.port();
    assert_eq!(
        server.local_addr(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, port))
    );
    assert_eq!(server.url(), format!("ws://127.0.0.1:{port}"));
    assert!(
        TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .is_ok()
    );
    // Not on IPv6 loopback.
    assert!(
        TcpStream::connect((Ipv6Addr::LOCALHOST, port))
            .await
            .is_err()
    );
    // On Linux all of 127/8 reaches `lo`: a socket bound to 0.0.0.0 (or
    // 127.0.0.0/8) would answer on 127.0.0.2, ours must not.
    #[cfg(target_os = "linux")]
    assert!(
        TcpStream::connect((Ipv4Addr::new(127, 0, 0, 2), port))
            .await
            .is_err()
    );
    // Not on this machine's outward address, if it has one.
    if let Some(ip) = outward_address() {
        assert!(
            TcpStream::connect((ip, port)).await.is_err(),
            "reachable on {ip}"
        );
    }
    server.shutdown().await;
}

/// The address this machine would use to reach the internet (no packet is
/// sent), unless it has none.
fn outward_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_receives_byte_exact_frames() {
    let server = FrameServer::start().await.unwrap();
    let camera = track("local:camera");
    let publisher = server.publisher(camera.clone());
    assert!(!publisher.has_subscribers());
    let mut ui = client(&server).await;
    within("subscribe", ui.subscribe(&camera, 640, 360))
        .await
        .unwrap();
    assert!(publisher.has_subscribers());
    for (i, (w, h)) in [(640u32, 360u32), (2, 2), (1920, 1080)]
        .into_iter()
        .enumerate()
    {
        let sent = frame(w, h, 1_700_000_000_123_456 + i as u64, 0x40 + i as u8);
        publisher.publish(sent.clone());
        let (got_track, got) = within("frame", ui.next_frame()).await.unwrap();
        assert_eq!(got_track, camera);
        assert_eq!((got.width, got.height), (w, h));
        assert_eq!(got.timestamp_us, sent.timestamp_us);
        assert!(got.data[..] == sent.data[..], "{w}x{h} bytes differ");
    }
    ui.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_published_before_any_publisher_existed_flow_once_it_does() {
    let server = FrameServer::start().await.unwrap();
    let remote = track("peer-1:video");
    let mut ui = client(&server).await;
    // Subscribing to a track nobody publishes yet is allowed.
    within("subscribe", ui.subscribe(&remote, 0, 0))
        .await
        .unwrap();
    let publisher = server.publisher(remote.clone());
    assert!(publisher.has_subscribers());
    assert_eq!(publisher.requested_size(), None);
    publisher.publish(frame(4, 2, 9, 9));
    let (t, f) = within("frame", ui.next_frame()).await.unwrap();
    assert_eq!((t, f.timestamp_us), (remote, 9));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_on_different_tracks_get_only_their_own() {
    let server = FrameServer::start().await.unwrap();
    let (a, b) = (track("alice:video"), track("bob:video"));
    let (pub_a, pub_b) = (server.publisher(a.clone()), server.publisher(b.clone()));
    let mut ui_a = client(&server).await;
    let mut ui_b = client(&server).await;
    within("subscribe a", ui_a.subscribe(&a, 0, 0))
        .await
        .unwrap();
    within("subscribe b", ui_b.subscribe(&b, 0, 0))
        .await
        .unwrap();
    for ts in 1..=5 {
        pub_a.publish(frame(4, 2, ts, 0xA));
        pub_b.publish(frame(6, 4, 100 + ts, 0xB));
        let (ta, fa) = within("frame a", ui_a.next_frame()).await.unwrap();
        let (tb, fb) = within("frame b", ui_b.next_frame()).await.unwrap();
        assert_eq!((ta, fa.width, fa.timestamp_us), (a.clone(), 4, ts));
        assert_eq!((tb, fb.width, fb.timestamp_us), (b.clone(), 6, 100 + ts));
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_blocks_neither_publish_nor_other_clients() {
    const BURST: u64 = 500;
    const LOCKSTEP: u64 = 200;
    const LAST: u64 = BURST + LOCKSTEP - 1;
    let server = FrameServer::start().await.unwrap();
    let camera = track("local:camera");
    let publisher = server.publisher(camera.clone());
    let mut stalled = client(&server).await;
    let mut reader = client(&server).await;
    within("subscribe", stalled.subscribe(&camera, 640, 360))
        .await
        .unwrap();
    within("subscribe", reader.subscribe(&camera, 640, 360))
        .await
        .unwrap();
    let expected = |ts: u64| frame(640, 360, ts, ts as u8);

    // 1. A burst of 500 frames from a plain thread, as a GStreamer
    //    streaming thread would publish them, while `stalled` reads nothing:
    //    every `publish` returns, and the reader ends on the newest frame.
    let publishing = std::thread::spawn(move || {
        for ts in 0..BURST {
            publisher.publish(expected(ts));
        }
        publisher
    });
    let read = tokio::spawn(async move {
        let mut seen = Vec::new();
        loop {
            let (_, f) = reader.next_frame().await.unwrap();
            assert!(f.data[..] == expected(f.timestamp_us).data[..]);
            seen.push(f.timestamp_us);
            if f.timestamp_us == BURST - 1 {
                return (reader, seen);
            }
        }
    });
    let publisher = within(
        "publishing",
        tokio::task::spawn_blocking(move || publishing.join()),
    )
    .await
    .unwrap()
    .unwrap();
    let (mut reader, seen) = within("the reader's frames", read).await.unwrap();
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "out of order");

    // 2. With `stalled` still wedged (its socket buffers are full by now),
    //    the reader gets every frame published one at a time: 70 MB more.
    for ts in BURST..=LAST {
        publisher.publish(expected(ts));
        let (t, f) = within("a lockstep frame", reader.next_frame())
            .await
            .unwrap();
        assert_eq!((t, f.timestamp_us), (camera.clone(), ts));
        assert!(f.data[..] == expected(ts).data[..]);
    }

    // 3. The stalled client was skipped, not queued: once it reads, it
    //    gets what the sockets held, then the newest frame, in order.
    let mut stalled_seen = Vec::new();
    loop {
        let (_, f) = within("the stalled client's frames", stalled.next_frame())
            .await
            .unwrap();
        assert!(f.data[..] == expected(f.timestamp_us).data[..]);
        stalled_seen.push(f.timestamp_us);
        if f.timestamp_us == LAST {
            break;
        }
    }
    assert!(stalled_seen.windows(2).all(|w| w[0] < w[1]), "out of order");
    assert!(
        stalled_seen.len() < BURST as usize,
        "the stalled client got {} frames: they were queued",
        stalled_seen.len()
    );
    assert!(publisher.has_subscribers());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requested_sizes_reach_the_publisher_and_leave_with_the_client() {
    let server = FrameServer::start().await.unwrap();
    let remote = track("peer-2:video");
    let publisher = server.publisher(remote.clone());
    assert_eq!(publisher.demand(), Demand::default());
    let mut grid = client(&server).await;
    let mut sidebar = client(&server).await;
    within("subscribe", grid.subscribe(&remote, 640, 360))
        .await
        .unwrap();
    assert_eq!(publisher.requested_size(), res(640, 360));
    within("subscribe", sidebar.subscribe(&remote, 320, 480))
        .await
        .unwrap();
    // Largest width and largest height: a box that covers both tiles.
    assert_eq!(
        publisher.demand(),
        Demand {
            subscribers: 2,
            size: res(640, 480)
        }
    );
    // Subscribing again resizes.
    within("resize", sidebar.subscribe(&remote, 1280, 720))
        .await
        .unwrap();
    assert_eq!(publisher.requested_size(), res(1280, 720));
    // 0 x 0 is native, which wins.
    within("native", sidebar.subscribe(&remote, 0, 0))
        .await
        .unwrap();
    assert_eq!(publisher.requested_size(), None);
    assert_eq!(publisher.demand().subscribers, 2);
    within("resize", sidebar.subscribe(&remote, 100, 100))
        .await
        .unwrap();
    assert_eq!(publisher.requested_size(), res(640, 360));
    // A client that vanishes without a goodbye gives its request back.
    drop(grid);
    wait_demand(&publisher, |d| d.subscribers == 1).await;
    assert_eq!(publisher.requested_size(), res(100, 100));
    within("unsubscribe", sidebar.unsubscribe(&remote))
        .await
        .unwrap();
    assert_eq!(publisher.demand(), Demand::default());
    within("subscribe", sidebar.subscribe(&remote, 200, 100))
        .await
        .unwrap();
    sidebar.close().await.unwrap();
    wait_demand(&publisher, |d| d.subscribers == 0).await;
    assert_eq!(publisher.requested_size(), None);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_get_errors_and_the_connection_stays_usable() {
    let server = FrameServer::start().await.unwrap();
    let camera = track("local:camera");
    let publisher = server.publisher(camera.clone());
    let mut ui = client(&server).await;
    let long_track = format!(r#"{{"type":"subscribe","track":"{}"}}"#, "x".repeat(300));
    for (text, code) in [
        ("not json", "badMessage"),
        ("{}", "badMessage"),
        (r#"{"type":"dance"}"#, "badMessage"),
        (r#"{"type":"subscribe"}"#, "badMessage"),
        (
            r#"{"type":"subscribe","track":"t","width":-5}"#,
            "badMessage",
        ),
        (
            r#"{"type":"subscribe","track":"t","width":"big"}"#,
            "badMessage",
        ),
        (r#"{"type":"subscribe","track":""}"#, "badTrack"),
        (long_track.as_str(), "badTrack"),
        (
            r#"{"type":"subscribe","track":"t","width":99999,"height":1}"#,
            "badSize",
        ),
        (
            r#"{"type":"unsubscribe","track":"never:video"}"#,
            "notSubscribed",
        ),
    ] {
        within("send", ui.send_text(text)).await.unwrap();
        match within("reply", ui.next_event()).await.unwrap() {
            FrameEvent::Error { code: got, .. } => assert_eq!(got, code, "{text}"),
            other => panic!("{text}: expected an error, got {other:?}"),
        }
    }
    // Unknown fields are ignored.
    within(
        "send",
        ui.send_text(
            r#"{"type":"subscribe","track":"local:camera","width":8,"height":4,"fps":30}"#,
        ),
    )
    .await
    .unwrap();
    let ack = within("ack", ui.next_event()).await.unwrap();
    assert_eq!(
        ack,
        FrameEvent::Subscribed {
            track: camera.clone(),
            width: 8,
            height: 4
        }
    );
    assert!(!server.publisher(track("t")).has_subscribers());
    publisher.publish(frame(8, 4, 77, 7));
    let (t, f) = within("frame", ui.next_frame()).await.unwrap();
    assert_eq!((t, f.timestamp_us), (camera.clone(), 77));
    // A frame with the wrong byte count is dropped; the next one flows.
    publisher.publish(VideoFrame::new(8, 4, 78, vec![0u8; 47]));
    publisher.publish(frame(8, 4, 79, 7));
    let (_, f) = within("frame", ui.next_frame()).await.unwrap();
    assert_eq!(f.timestamp_us, 79);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribing_stops_the_frames() {
    let server = FrameServer::start().await.unwrap();
    let (a, b) = (track("a:video"), track("b:video"));
    let (pub_a, pub_b) = (server.publisher(a.clone()), server.publisher(b.clone()));
    let mut ui = client(&server).await;
    within("subscribe", ui.subscribe(&a, 0, 0)).await.unwrap();
    within("subscribe", ui.subscribe(&b, 0, 0)).await.unwrap();
    pub_a.publish(frame(2, 2, 1, 1));
    within("frame", ui.next_frame()).await.unwrap();
    within("unsubscribe", ui.unsubscribe(&a)).await.unwrap();
    assert!(!pub_a.has_subscribers());
    pub_a.publish(frame(2, 2, 2, 2));
    pub_b.publish(frame(2, 2, 3, 3));
    let (t, f) = within("frame", ui.next_frame()).await.unwrap();
    assert_eq!((t, f.timestamp_us), (b, 3));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_max_in_flight_frames_wait_for_acks_and_the_newest_goes() {
    let server = FrameServer::start().await.unwrap();
    let (a, b) = (track("a:video"), track("b:video"));
    let (pub_a, pub_b) = (server.publisher(a.clone()), server.publisher(b.clone()));
    let mut ui = client(&server).await;
    within(
        "send",
        ui.send_text(r#"{"type":"subscribe","track":"a:video","maxInFlight":1}"#),
    )
    .await
    .unwrap();
    within("subscribed", ui.next_event()).await.unwrap();
    within("subscribe", ui.subscribe(&b, 0, 0)).await.unwrap();
    pub_a.publish(frame(2, 2, 1, 1));
    let (t, f) = within("frame", ui.next_frame()).await.unwrap();
    assert_eq!((t, f.timestamp_us), (a.clone(), 1));
    // Not acknowledged: a's next frames wait; b (no limit) flows.
    pub_a.publish(frame(2, 2, 2, 2));
    pub_b.publish(frame(2, 2, 10, 3));
    let (t, f) = within("frame", ui.next_frame()).await.unwrap();
    assert_eq!((t, f.timestamp_us), (b.clone(), 10));
    pub_a.publish(frame(2, 2, 3, 4));
    within("send", ui.send_text(r#"{"type":"ack","track":"a:video"}"#))
        .await
        .unwrap();
    // Frame 2 was never sent; after the ack the newest one is.
    let (t, f) = within("frame", ui.next_frame()).await.unwrap();
    assert_eq!((t, f.timestamp_us), (a, 3));
    // Acks for tracks without a limit, or not subscribed, are ignored.
    within("send", ui.send_text(r#"{"type":"ack","track":"b:video"}"#))
        .await
        .unwrap();
    within(
        "send",
        ui.send_text(r#"{"type":"ack","track":"never:video"}"#),
    )
    .await
    .unwrap();
    pub_b.publish(frame(2, 2, 11, 5));
    let (t, f) = within("frame", ui.next_frame()).await.unwrap();
    assert_eq!((t, f.timestamp_us), (b, 11));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_clients_and_releases_the_port() {
    let server = FrameServer::start().await.unwrap();
    let port = server.port();
    let camera = track("local:camera");
    let publisher = server.publisher(camera.clone());
    let mut ui = client(&server).await;
    within("subscribe", ui.subscribe(&camera, 0, 0))
        .await
        .unwrap();
    within("shutdown", server.shutdown()).await;
    let end = within("close", ui.next_event()).await;
    assert!(
        matches!(
            end,
            Err(FrameClientError::Closed | FrameClientError::Connection(_))
        ),
        "{end:?}"
    );
    assert!(
        TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .is_err()
    );
    // Publishers outlive the server as no-ops.
    wait_demand(&publisher, |d| d.subscribers == 0).await;
    publisher.publish(frame(2, 2, 1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_server_stops_it_too() {
    let server = FrameServer::start().await.unwrap();
    let port = server.port();
    drop(server);
    within("port released", async {
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .is_ok()
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}
