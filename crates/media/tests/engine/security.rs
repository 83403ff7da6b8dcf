//! Losing the camera, snapshots, and refusing what is not DTLS-SRTP.

use std::time::Duration;

use mulaqat_media::devices::TEST_CAMERA_BRIEF;
use mulaqat_media::{DeviceId, MediaEvent, Quality, SdpKind, SessionDescription, VideoCodec};

use crate::support::*;

#[test]
fn a_camera_that_stops_is_replaced_by_the_placeholder_and_reported() {
    let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
    let mut a = settings(Quality::P360, vec![VideoCodec::H264], &fa);
    a.camera = Some(DeviceId(TEST_CAMERA_BRIEF.into()));
    let call = Call::start(
        a,
        settings(Quality::P360, vec![VideoCodec::H264], &fb),
        None,
        fa,
        fb,
    );
    let lost =
        (0..100).find_map(
            |_| match call.a.events.recv_timeout(Duration::from_millis(100)) {
                Ok(MediaEvent::CameraLost { device, reason }) => Some((device, reason)),
                _ => None,
            },
        );
    let (device, reason) = lost.expect("the engine says the camera was lost");
    assert_eq!(device.as_str(), TEST_CAMERA_BRIEF);
    assert!(!reason.is_empty());
    // The call goes on with the placeholder.
    wait_for_picture(&call.b.frames, "a:video", |_, variance| variance < 30.0);
    let fps = measure_fps(&call.b.engine, "a:video", Duration::from_secs(2));
    assert!(fps >= 20.0, "video keeps flowing ({fps:.1} fps)");
    let (_, variance) = luma_stats(&call.b.frames, "a:video").expect("frame");
    assert!(variance < 30.0, "B sees the flat placeholder ({variance})");
}

#[test]
fn a_snapshot_is_taken_at_full_capture_resolution() {
    let call = Call::simple(Quality::P720, vec![VideoCodec::H264]);
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["still.png", "still.jpg"] {
        let path = dir.path().join(name);
        let size = call.a.engine.snapshot(&path).expect("snapshot");
        assert_eq!((size.width, size.height), (1280, 720));
        let bytes = std::fs::read(&path).expect("file written");
        let magic: &[u8] = if name.ends_with("png") {
            b"\x89PNG"
        } else {
            b"\xff\xd8\xff"
        };
        assert!(bytes.starts_with(magic), "{name} has the right format");
        assert!(bytes.len() > 1000);
    }
}

#[test]
fn an_offer_without_dtls_is_refused_with_a_clear_error() {
    let call = Call::simple(Quality::P360, vec![VideoCodec::H264]);
    let plain = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 5004 RTP/AVP 96\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:96 H264/90000\r\n";
    let err = call
        .b
        .engine
        .set_remote_description(
            &mulaqat_media::PeerId("a".into()),
            SessionDescription {
                kind: SdpKind::Offer,
                sdp: plain.into(),
            },
        )
        .expect_err("plain RTP is refused");
    assert!(err.to_string().contains("DTLS-SRTP"), "{err}");
}

/// The answer's DTLS fingerprint with its last byte changed: what a man in
/// the middle who swapped in his own certificate would have to send.
fn tamper_fingerprint(sdp: String) -> String {
    sdp.lines()
        .map(|line| match line.strip_prefix("a=fingerprint:") {
            Some(value) => {
                let (kept, last) = value.split_at(value.len().saturating_sub(2));
                let flipped = if last == "00" { "01" } else { "00" };
                format!("a=fingerprint:{kept}{flipped}")
            }
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n"
}

#[test]
fn an_answer_with_a_tampered_dtls_fingerprint_carries_no_media() {
    let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
    let codecs = vec![VideoCodec::H264];
    let call = Call::start_tampered(
        settings(Quality::P360, codecs.clone(), &fa),
        settings(Quality::P360, codecs, &fb),
        Some(VideoCodec::H264),
        (fa, fb),
        Some(tamper_fingerprint),
    );
    // A holds a fingerprint that is not B's certificate: A must not take
    // B's media. (B got A's true fingerprint, so B may well get A's.)
    let got = wait_frames(&call.a.engine, "b:video", 1, Duration::from_secs(10));
    assert!(
        !got,
        "A showed B's video although B's DTLS certificate does not match the fingerprint A was given"
    );
    // And A says why, in words a person can act on.
    let refusals: Vec<String> = call
        .a
        .events
        .try_iter()
        .filter_map(|event| match event {
            MediaEvent::Error { message } if message.contains("DTLS certificate") => Some(message),
            _ => None,
        })
        .collect();
    assert!(
        refusals
            .iter()
            .any(|m| m.contains("does not match the fingerprint")),
        "expected A to report the mismatch; reported {refusals:?}"
    );
}
