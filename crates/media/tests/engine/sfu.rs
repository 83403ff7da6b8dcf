//! SFU connections between two engines, without an SFU: A's send-only
//! publication of its screen is answered by B's receive-only subscription,
//! as Janus would relay it.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use mulaqat_media::{
    EventReceiver, MediaEngine, MediaEvent, PeerConfig, PeerId, Quality, SCREEN_PREVIEW_TRACK,
    SELF_VIEW_TRACK, TrackId, VideoCodec,
};

use crate::support::*;

const FRAME_WAIT: Duration = Duration::from_secs(15);
const SUBSCRIBED: &str = "a/screen:video";

/// Stops both engines at the end of a test (their relay threads hold them).
struct Running([MediaEngine; 2]);

impl Drop for Running {
    fn drop(&mut self) {
        for engine in &self.0 {
            engine.stop();
        }
    }
}

/// Carries the publication's (`sfu:screen`, on A) and the subscription's
/// (`a/screen`, on B) descriptions and candidates between the two; every
/// other event of `from` comes out of the returned receiver.
fn relay(
    mut from: EventReceiver,
    to: MediaEngine,
    (ours, theirs): (PeerId, PeerId),
) -> mpsc::Receiver<MediaEvent> {
    let (rest_tx, rest) = mpsc::channel();
    std::thread::spawn(move || {
        while let Some(event) = from.blocking_recv() {
            match event {
                MediaEvent::LocalDescription { peer, description } if peer == ours => {
                    let applied = if theirs.as_str() == "a/screen" {
                        to.add_subscription(theirs.clone(), PeerConfig::default(), description.sdp)
                    } else {
                        to.set_remote_description(&theirs, description)
                    };
                    applied.expect("the other side takes the description");
                }
                MediaEvent::LocalCandidate { peer, candidate } if peer == ours => {
                    let _ = to.add_ice_candidate(&theirs, candidate);
                }
                other => {
                    let _ = rest_tx.send(other);
                }
            }
        }
    });
    rest
}

fn publication() -> PeerId {
    PeerId("sfu:screen".into())
}

fn subscription() -> PeerId {
    PeerId("a/screen".into())
}

/// Waits for an event `wanted` picks out.
fn wait_event(events: &mpsc::Receiver<MediaEvent>, wanted: impl Fn(&MediaEvent) -> bool) -> bool {
    let deadline = Instant::now() + FRAME_WAIT;
    while let Ok(event) = events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if wanted(&event) {
            return true;
        }
    }
    false
}

#[test]
fn a_published_screen_arrives_as_a_stream_of_its_own_and_the_camera_stays() {
    let _serial = one_at_a_time();
    let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
    let h264 = vec![VideoCodec::H264];
    let (a, a_events) = MediaEngine::start(settings(Quality::P360, h264.clone(), &fa)).unwrap();
    let (b, b_events) = MediaEngine::start(settings(Quality::P360, h264, &fb)).unwrap();
    let _running = Running([a.clone(), b.clone()]);
    let a_rest = relay(a_events, b.clone(), (publication(), subscription()));
    let _b_rest = relay(b_events, a.clone(), (subscription(), publication()));
    a.add_screen_publication(publication(), PeerConfig::default())
        .expect("A publishes its screen");

    // B sees the screen at 720p although cameras here are sent at 360p:
    // text must stay readable.
    assert!(
        wait_frames(&b, SUBSCRIBED, 30, FRAME_WAIT),
        "the screen reaches the subscriber"
    );
    assert_eq!(
        b.track_resolution(&TrackId(SUBSCRIBED.into())),
        Some(Quality::P720.resolution())
    );
    let fps = measure_fps(&b, SUBSCRIBED, Duration::from_secs(3));
    assert!(
        (10.0..=17.0).contains(&fps),
        "a screen is sent at 15 frames a second ({fps:.1})"
    );
    // The test screen is a small white ball on black.
    let (mean, variance) = luma_stats(&fb, SUBSCRIBED).expect("a screen frame");
    assert!(
        mean < 40.0 && variance > 30.0,
        "B sees the screen (mean {mean:.0}, variance {variance:.0})"
    );

    // A sees what it shares in its own preview, and its camera is untouched.
    assert!(wait_frames(&a, SCREEN_PREVIEW_TRACK, 10, FRAME_WAIT));
    let (preview_mean, _) = luma_stats(&fa, SCREEN_PREVIEW_TRACK).expect("a preview frame");
    assert!(
        preview_mean < 40.0,
        "the preview is the screen ({preview_mean:.0})"
    );
    let (camera_mean, _) = luma_stats(&fa, SELF_VIEW_TRACK).expect("a self-view frame");
    assert!(
        camera_mean > 60.0,
        "the self-view still shows the camera's bright bars ({camera_mean:.0})"
    );

    // A's stats tell the screen's encoder and size apart from the camera's.
    assert!(
        wait_event(&a_rest, |e| matches!(e, MediaEvent::Stats { report }
            if report.outbound.iter().any(|s| s.peer == publication()
                && s.resolution == Some(Quality::P720.resolution())
                && s.encoder.is_some()))),
        "A reports the screen's publication at 1280x720"
    );

    // Ending the publication ends the preview, and leaves nothing behind
    // that would stop the screen from being published again.
    a.remove_peer(&publication());
    b.remove_peer(&subscription());
    assert!(
        wait_event(&a_rest, |e| matches!(e, MediaEvent::TrackEnded { track }
            if track.as_str() == SCREEN_PREVIEW_TRACK)),
        "the preview track ends"
    );
    a.add_screen_publication(publication(), PeerConfig::default())
        .expect("A publishes its screen again");
    assert!(
        wait_frames(&b, SUBSCRIBED, 30, FRAME_WAIT),
        "the screen arrives again"
    );
}
