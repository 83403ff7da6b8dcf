//! Remote video reaches the UI's frame socket at the tile size it asks for.

use std::time::Duration;

use mulaqat_media::frames::{FrameClient, FrameServer};
use mulaqat_media::{Quality, TrackId, VideoCodec};

use crate::support::*;

#[test]
fn remote_video_reaches_the_frame_socket_scaled_to_the_tile() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(FrameServer::start())
        .expect("frame server");
    let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
    let a = settings(Quality::P720, vec![VideoCodec::H264], &fa);
    let mut b = settings(Quality::P720, vec![VideoCodec::H264], &fb);
    b.frame_sink = None;
    b.frame_output = Some(server.output());
    let call = Call::start(a, b, None, fa, fb);
    assert!(wait_frames(
        &call.b.engine,
        "a:video",
        10,
        Duration::from_secs(15)
    ));

    runtime.block_on(async {
        let mut client = FrameClient::connect(&server.url(), server.token())
            .await
            .expect("connect");
        client
            .subscribe(&TrackId("a:video".into()), 320, 180)
            .await
            .expect("subscribe");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut last = None;
        while tokio::time::Instant::now() < deadline {
            let (track, frame) = tokio::time::timeout(Duration::from_secs(5), client.next_frame())
                .await
                .expect("a frame in time")
                .expect("frame");
            assert_eq!(track.as_str(), "a:video");
            assert!(frame.is_valid());
            last = Some((frame.width, frame.height));
            if last == Some((320, 180)) {
                break;
            }
        }
        assert_eq!(
            last,
            Some((320, 180)),
            "the engine scales to the requested tile"
        );
        // Asking for another size follows (one well below what is sent,
        // which the sender may have lowered on two busy cores).
        client
            .subscribe(&TrackId("a:video".into()), 448, 252)
            .await
            .expect("resize");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            let (_, frame) = tokio::time::timeout(Duration::from_secs(5), client.next_frame())
                .await
                .expect("a frame in time after the resize")
                .expect("frame");
            last = Some((frame.width, frame.height));
            if last == Some((448, 252)) {
                break;
            }
        }
        assert_eq!(last, Some((448, 252)));
    });
}

#[test]
fn the_self_view_reaches_the_frame_socket_at_its_tiles_size() {
    let _serial = one_at_a_time();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(FrameServer::start())
        .expect("frame server");
    let frames = LatestFrames::default();
    let mut a = settings(Quality::P720, vec![VideoCodec::H264], &frames);
    a.frame_sink = None;
    a.frame_output = Some(server.output());
    let (engine, _events) = mulaqat_media::MediaEngine::start(a).expect("engine");
    let self_view = TrackId(mulaqat_media::SELF_VIEW_TRACK.into());

    let sizes = runtime.block_on(async {
        let mut client = FrameClient::connect(&server.url(), server.token())
            .await
            .expect("connect");
        let mut seen = Vec::new();
        // A tile a few pixels off 16:9 gets the picture fitted inside it; a
        // large one gets it as big as it fits; one larger than the camera
        // gets the camera's own size, never enlarged.
        for (w, h, fitted) in [
            (628, 352, (626, 352)),
            (960, 540, (960, 540)),
            (1920, 1200, (1280, 720)),
        ] {
            client.subscribe(&self_view, w, h).await.expect("subscribe");
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            let mut last = None;
            while tokio::time::Instant::now() < deadline && last != Some(fitted) {
                let (track, frame) =
                    tokio::time::timeout(Duration::from_secs(5), client.next_frame())
                        .await
                        .expect("a frame in time")
                        .expect("frame");
                assert_eq!(track, self_view);
                assert!(frame.is_valid());
                last = Some((frame.width, frame.height));
            }
            seen.push(last);
        }
        seen
    });
    engine.stop();
    assert_eq!(
        sizes,
        [Some((626, 352)), Some((960, 540)), Some((1280, 720))],
        "the self-view fits the tile it is drawn in, not a fixed 640x360, and is never enlarged"
    );
}
