//! What a person in a call would notice.

use std::time::Duration;

use mulaqat_media::devices::TEST_CAMERA;
use mulaqat_media::{DeviceId, MediaKind, Quality, TrackId, VideoCodec};

use crate::support::*;

const FRAME_WAIT: Duration = Duration::from_secs(15);

#[test]
fn video_and_audio_flow_both_ways_at_the_sent_size_and_rate() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    assert!(
        wait_frames(&call.b.engine, "a:video", 30, FRAME_WAIT),
        "A's video reaches B"
    );
    assert!(
        wait_frames(&call.a.engine, "b:video", 30, FRAME_WAIT),
        "B's video reaches A"
    );
    for (side, track) in [(&call.b, "a:video"), (&call.a, "b:video")] {
        let size = side
            .engine
            .track_resolution(&mulaqat_media::TrackId(track.into()))
            .expect("size");
        assert_eq!((size.width, size.height), (640, 360), "{track}");
        let fps = measure_fps(&side.engine, track, Duration::from_secs(3));
        assert!(
            fps >= 27.0,
            "{track}: {fps:.1} fps, expected at least 90% of 30"
        );
    }
    // Audio arrives too: packets counted by both receivers.
    for side in [&call.a, &call.b] {
        let mut audio = 0;
        for _ in 0..3 {
            let report = next_stats(side);
            audio = report
                .inbound
                .iter()
                .filter(|s| s.kind == MediaKind::Audio)
                .map(|s| s.packets_received)
                .sum::<u64>();
            if audio > 0 {
                break;
            }
        }
        assert!(audio > 0, "audio packets arrive");
    }
    assert_eq!(
        call.a.engine.encoder_in_use(VideoCodec::H264).as_deref(),
        Some("x264enc")
    );
}

fn audio_packets_sent(side: &Side) -> u64 {
    next_stats(side)
        .outbound
        .iter()
        .filter(|s| s.kind == MediaKind::Audio)
        .map(|s| s.packets_sent)
        .sum()
}

#[test]
fn mute_stops_audio_packets_and_unmute_resumes_them() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    assert!(wait_frames(&call.b.engine, "a:video", 10, FRAME_WAIT));
    let flowing = audio_packets_sent(&call.a);
    let later = audio_packets_sent(&call.a);
    assert!(
        later > flowing,
        "audio flows before mute ({flowing} -> {later})"
    );
    call.a.engine.set_microphone_muted(true);
    let _ = audio_packets_sent(&call.a); // let in-flight packets drain
    let muted = audio_packets_sent(&call.a);
    let still_muted = audio_packets_sent(&call.a);
    assert_eq!(muted, still_muted, "no audio packets while muted");
    call.a.engine.set_microphone_muted(false);
    let _ = audio_packets_sent(&call.a);
    assert!(
        audio_packets_sent(&call.a) > still_muted,
        "audio resumes after unmute"
    );
}

#[test]
fn camera_off_sends_the_placeholder_and_on_brings_the_picture_back() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    assert!(wait_frames(&call.b.engine, "a:video", 20, FRAME_WAIT));
    let (_, live_variance) = luma_stats(&call.b.frames, "a:video").expect("frame");
    assert!(
        live_variance > 100.0,
        "the test camera shows a moving ball ({live_variance})"
    );
    call.a.engine.set_camera_enabled(false).expect("camera off");
    let placeholder = |mean: f64, variance: f64| variance < 30.0 && (20.0..60.0).contains(&mean);
    let (mean, variance) = wait_for_picture(&call.b.frames, "a:video", placeholder).expect("frame");
    assert!(variance < 30.0, "the placeholder is flat ({variance})");
    assert!(
        (20.0..60.0).contains(&mean),
        "the placeholder is a dark slate ({mean})"
    );
    call.a.engine.set_camera_enabled(true).expect("camera on");
    let (_, variance) =
        wait_for_picture(&call.b.frames, "a:video", |_, v| v > 100.0).expect("frame");
    assert!(variance > 100.0, "the camera is back ({variance})");
}

#[test]
fn sharing_the_screen_replaces_the_camera_for_the_peer_without_renegotiating() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    assert!(wait_frames(&call.b.engine, "a:video", 20, FRAME_WAIT));
    let (camera_mean, _) = luma_stats(&call.b.frames, "a:video").expect("frame");
    assert!(
        camera_mean > 60.0,
        "the test camera's bars are bright ({camera_mean})"
    );
    let offers_before = *call.a.descriptions_sent.lock().unwrap();
    assert_eq!(call.a.engine.screen_source().map(drop), Ok(()));
    call.a
        .engine
        .start_screen_share()
        .expect("share the screen");
    // The test screen is a small white ball on black, at the call's size.
    let screen = |mean: f64, variance: f64| mean < 40.0 && variance > 30.0;
    let (mean, variance) = wait_for_picture(&call.b.frames, "a:video", screen).expect("frame");
    assert!(
        mean < 40.0 && variance > 30.0,
        "the peer sees the shared screen (mean {mean:.0}, variance {variance:.0})"
    );
    assert_eq!(
        call.b.engine.track_resolution(&TrackId("a:video".into())),
        Some(Quality::P360.resolution())
    );
    let fps = measure_fps(&call.b.engine, "a:video", Duration::from_secs(2));
    assert!(
        fps >= 20.0,
        "the screen arrives at the call's rate ({fps:.1} fps)"
    );
    call.a.engine.stop_screen_share();
    let (mean, _) = wait_for_picture(&call.b.frames, "a:video", |m, _| m > 60.0).expect("frame");
    assert!(
        mean > 60.0,
        "the camera is back when sharing stops ({mean:.0})"
    );
    assert_eq!(
        *call.a.descriptions_sent.lock().unwrap(),
        offers_before,
        "no new offer"
    );
}

#[test]
fn switching_the_camera_keeps_the_call_without_renegotiating() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    assert!(wait_frames(&call.b.engine, "a:video", 20, FRAME_WAIT));
    let offers_before = *call.a.descriptions_sent.lock().unwrap();
    call.a
        .engine
        .switch_camera(&DeviceId(TEST_CAMERA.into()))
        .expect("switch");
    let fps = measure_fps(&call.b.engine, "a:video", Duration::from_secs(3));
    assert!(
        fps >= 20.0,
        "video keeps flowing after the switch ({fps:.1} fps)"
    );
    assert_eq!(
        *call.a.descriptions_sent.lock().unwrap(),
        offers_before,
        "no new offer"
    );
}

#[test]
fn vp8_calls_work_end_to_end() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::Vp8]);
    assert!(
        wait_frames(&call.b.engine, "a:video", 20, FRAME_WAIT),
        "VP8 video arrives"
    );
    assert_eq!(
        call.a.engine.encoder_in_use(VideoCodec::Vp8).as_deref(),
        Some("vp8enc")
    );
}

#[test]
fn vp8_is_used_when_no_h264_encoder_works() {
    let registry =
        mulaqat_media::encode::EncoderRegistry::probe_in_background(mulaqat_media::Resolution {
            width: 640,
            height: 360,
        });
    for h264 in ["x264enc", "openh264enc"] {
        registry.mark_failed(h264, "made unavailable by the test");
    }
    let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
    let mut a = settings(Quality::P360, vec![VideoCodec::H264, VideoCodec::Vp8], &fa);
    a.encoders = Some(registry.clone());
    let mut b = settings(Quality::P360, vec![VideoCodec::H264, VideoCodec::Vp8], &fb);
    b.encoders = Some(registry);
    let call = Call::start(a, b, None, fa, fb);
    assert!(
        wait_frames(&call.b.engine, "a:video", 20, FRAME_WAIT),
        "video arrives over VP8"
    );
    assert_eq!(
        call.a.engine.encoder_in_use(VideoCodec::Vp8).as_deref(),
        Some("vp8enc")
    );
    assert_eq!(call.a.engine.encoder_in_use(VideoCodec::H264), None);
    assert_eq!(
        call.b.engine.encoder_in_use(VideoCodec::Vp8).as_deref(),
        Some("vp8enc"),
        "B answers in VP8 too"
    );
}

#[test]
fn h265_negotiates_between_two_engines_when_both_can() {
    if !(gst_available("x265enc") && (gst_available("avdec_h265") || gst_available("libde265dec")))
    {
        println!("skipped: no H.265 encoder and decoder here");
        return;
    }
    let call = Call::simple(Quality::P360, vec![VideoCodec::H265, VideoCodec::H264]);
    assert!(
        wait_frames(&call.b.engine, "a:video", 10, FRAME_WAIT),
        "H.265 video arrives"
    );
    assert_eq!(
        call.a.engine.encoder_in_use(VideoCodec::H265).as_deref(),
        Some("x265enc")
    );
    assert_eq!(
        call.a.engine.encoder_in_use(VideoCodec::H264),
        None,
        "only H.265 is encoded"
    );
}

fn gst_available(element: &str) -> bool {
    std::process::Command::new("gst-inspect-1.0")
        .arg(element)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn removing_a_peer_mid_call_ends_its_tracks_and_the_engine_goes_on() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    assert!(wait_frames(&call.a.engine, "b:video", 10, FRAME_WAIT));
    call.a
        .engine
        .remove_peer(&mulaqat_media::PeerId("b".into()));
    let ended = (0..50).any(|_| {
        matches!(
            call.a.events.recv_timeout(Duration::from_millis(100)),
            Ok(mulaqat_media::MediaEvent::TrackEnded { track }) if track.as_str() == "b:video"
        )
    });
    assert!(ended, "B's video track ends");
    assert_eq!(
        call.a
            .engine
            .frames_received(&mulaqat_media::TrackId("b:video".into())),
        0
    );
    // A's own capture keeps running.
    let captured = measure_fps(
        &call.a.engine,
        mulaqat_media::CAPTURE_TRACK,
        Duration::from_secs(1),
    );
    assert!(captured > 20.0, "capture goes on ({captured:.1} fps)");
}

/// Waits for the first decoded frame of `track` reported on `side`.
fn wait_first_frame(side: &Side, track: &str, within: Duration) -> bool {
    let deadline = std::time::Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        if let Ok(mulaqat_media::MediaEvent::FirstFrame { track: t, .. }) =
            side.events.recv_timeout(left)
            && t.as_str() == track
        {
            return true;
        }
    }
    false
}

#[test]
fn restarting_a_connection_brings_media_back_on_a_new_one() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    assert!(wait_first_frame(&call.a, "b:video", FRAME_WAIT));
    assert!(wait_first_frame(&call.b, "a:video", FRAME_WAIT));
    assert!(wait_frames(&call.b.engine, "a:video", 10, FRAME_WAIT));

    call.a
        .engine
        .restart_peer(&mulaqat_media::PeerId("b".into()))
        .expect("the initiator restarts");
    assert!(
        wait_first_frame(&call.b, "a:video", FRAME_WAIT),
        "B answers the new offer on a new connection and decodes A again"
    );
    assert!(
        wait_first_frame(&call.a, "b:video", FRAME_WAIT),
        "A decodes B on the new connection"
    );
    assert!(wait_frames(&call.b.engine, "a:video", 30, FRAME_WAIT));
    assert_eq!(*call.a.descriptions_sent.lock().unwrap(), 2, "two offers");
    assert_eq!(*call.b.descriptions_sent.lock().unwrap(), 2, "two answers");
    assert!(
        call.a
            .engine
            .restart_peer(&mulaqat_media::PeerId("nobody".into()))
            .is_err(),
        "restarting an unknown peer is an error, not a panic"
    );
}

#[test]
fn levels_of_our_microphone_and_of_the_peers_audio_are_reported() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    let deadline = std::time::Instant::now() + FRAME_WAIT;
    let (mut mic, mut peer) = (None, None);
    while (mic.is_none() || peer.is_none())
        && let Some(left) = deadline.checked_duration_since(std::time::Instant::now())
    {
        match call.a.events.recv_timeout(left) {
            Ok(mulaqat_media::MediaEvent::MicLevel { level, peak }) if level > 0.0 => {
                mic = Some((level, peak))
            }
            Ok(mulaqat_media::MediaEvent::AudioLevel { peer: p, level }) if level > 0.0 => {
                peer = Some((p, level))
            }
            _ => {}
        }
    }
    let (level, peak) = mic.expect("the test tone moves our microphone meter");
    assert!(peak >= level && level <= 1.0, "{level} {peak}");
    let (from, level) = peer.expect("B's tone arrives with a level");
    assert_eq!(from.as_str(), "b");
    assert!(level > 0.01, "an audible tone, not silence: {level}");
}

/// Every description either side sent, as it went.
static DESCRIPTIONS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn keep_description(sdp: String) -> String {
    DESCRIPTIONS.lock().unwrap().push(sdp.clone());
    sdp
}

/// The `a=fmtp` of the Opus payload type in `sdp`.
fn opus_fmtp(sdp: &str) -> Option<String> {
    let pt = sdp
        .lines()
        .find_map(|l| l.strip_prefix("a=rtpmap:")?.strip_suffix(" OPUS/48000/2"))
        .or_else(|| {
            sdp.lines()
                .find_map(|l| l.strip_prefix("a=rtpmap:")?.strip_suffix(" opus/48000/2"))
        })?;
    let prefix = format!("a=fmtp:{pt} ");
    sdp.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()).map(str::to_owned))
}

#[test]
fn offer_and_answer_ask_for_opus_in_band_fec_and_audio_flows() {
    DESCRIPTIONS.lock().unwrap().clear();
    let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
    let keep = Tampering {
        descriptions: Some(keep_description),
        candidates: None,
    };
    let call = Call::start_changed(
        settings(Quality::P360, vec![VideoCodec::H264], &fa),
        settings(Quality::P360, vec![VideoCodec::H264], &fb),
        Some(VideoCodec::H264),
        (fa, fb),
        (keep, keep),
    );
    assert!(
        wait_frames(&call.b.engine, "a:video", 10, FRAME_WAIT),
        "no video from A"
    );
    let stats = next_stats(&call.b);
    let audio = stats
        .inbound
        .iter()
        .find(|s| s.kind == MediaKind::Audio)
        .map_or(0, |s| s.packets_received);
    assert!(audio > 0, "no audio from A: {stats:?}");
    let sent = DESCRIPTIONS.lock().unwrap().clone();
    assert!(sent.len() >= 2, "an offer and an answer: {}", sent.len());
    for sdp in &sent {
        let fmtp = opus_fmtp(sdp).unwrap_or_default();
        assert!(
            fmtp.split(';').any(|p| p.trim() == "useinbandfec=1"),
            "a description without useinbandfec=1 for Opus (fmtp {fmtp:?}):\n{sdp}"
        );
    }
}
