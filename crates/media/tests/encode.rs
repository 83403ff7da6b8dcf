//! The encoder probe on this machine: software encoders work, hardware ones
//! (no GPU here) are reported as not installed, and nothing fails.

use std::time::Duration;

use mulaqat_media::encode::{
    EncoderRegistry, ProbeOutcome, ProbeResult, ProbeSettings, Reason, profiles,
};
use mulaqat_media::{Resolution, VideoCodec};

fn outcome<'a>(results: &'a [ProbeResult], element: &str) -> &'a ProbeOutcome {
    &results
        .iter()
        .find(|r| r.element == element)
        .unwrap_or_else(|| panic!("{element} missing from the results"))
        .outcome
}

#[test]
fn background_encoder_probe_finds_software_encoders_and_skips_missing_hardware() {
    let registry = EncoderRegistry::probe_in_background(Resolution {
        width: 640,
        height: 360,
    });
    assert!(
        registry.wait(Duration::from_secs(60)),
        "probe did not finish"
    );
    let results = registry.results();
    assert_eq!(results.len(), profiles().len());
    for element in ["x264enc", "openh264enc", "x265enc", "vp8enc"] {
        assert!(
            matches!(outcome(&results, element), ProbeOutcome::Working(t) if t.frames == 5),
            "{element}: {:?}",
            outcome(&results, element)
        );
    }
    for r in results.iter().filter(|r| r.hardware) {
        // No GPU on this machine: nothing hardware is even registered.
        assert_eq!(r.outcome, ProbeOutcome::NotInstalled, "{}", r.element);
    }

    let h264 = registry.select(VideoCodec::H264, None).unwrap();
    assert_eq!(h264.profile.element, "x264enc");
    assert_eq!(h264.reason, Reason::BestAvailable);
    let pinned = registry
        .select(VideoCodec::H264, Some("nvh264enc"))
        .unwrap();
    assert_eq!(pinned.profile.element, "x264enc");
    assert!(matches!(
        pinned.reason,
        Reason::PinnedUnavailableFellBack { .. }
    ));
    assert_eq!(
        registry.sendable_codecs(),
        [VideoCodec::H264, VideoCodec::H265, VideoCodec::Vp8]
    );
}

/// Prints probe timings; run with
/// `cargo test -p mulaqat-media --test encode -- --ignored --nocapture`.
#[test]
#[ignore = "prints timings, asserts little"]
fn encoder_probe_timings_report() {
    for (width, height) in [(640, 360), (1920, 1080)] {
        let settings = ProbeSettings {
            frames: 5,
            timeout: Duration::from_secs(30),
        };
        let registry =
            EncoderRegistry::probe_in_background_with(Resolution { width, height }, settings);
        assert!(registry.wait(Duration::from_secs(180)));
        for r in registry.results() {
            if let ProbeOutcome::Working(t) = r.outcome {
                println!(
                    "{width}x{height} {:<12} first frame {:>8.1?}  total {:>8.1?}  per frame {:>7.1?}  keeps up at 30 fps: {}",
                    r.element,
                    t.first_frame,
                    t.total,
                    t.per_frame(),
                    t.keeps_up(30)
                );
            }
        }
    }
}
