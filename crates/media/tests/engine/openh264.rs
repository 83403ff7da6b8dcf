//! A machine without `gstreamer1.0-libav`: OpenH264 is its only H.264
//! decoder. The other H.264 decoders are taken out of GStreamer's registry,
//! so the check runs in a process of its own (see [`run_alone`]).

use std::time::Duration;

use gst::prelude::*;
use mulaqat_media::{MediaKind, Quality, TrackId, VideoCodec};

use crate::support::*;

/// Set in the process that runs the check.
const ALONE: &str = "MULAQAT_TEST_OPENH264_ONLY";

const FRAME_WAIT: Duration = Duration::from_secs(15);

#[test]
fn h264_video_arrives_both_ways_when_openh264_is_the_only_decoder() {
    if std::env::var_os(ALONE).is_none() {
        run_alone(
            "openh264::h264_video_arrives_both_ways_when_openh264_is_the_only_decoder",
            ALONE,
        );
        return;
    }
    hide_h264_decoders_but("openh264dec");
    // What the engine picks here (x264, whose keyframes come in several
    // slices), and OpenH264 at both ends, as on a machine with nothing else.
    for (pinned, encoder) in [(None, "x264enc"), (Some("openh264enc"), "openh264enc")] {
        let (fa, fb) = (LatestFrames::default(), LatestFrames::default());
        let mut a = settings(Quality::P360, vec![VideoCodec::H264], &fa);
        a.pinned_encoder = pinned.map(str::to_owned);
        let mut b = settings(Quality::P360, vec![VideoCodec::H264], &fb);
        b.pinned_encoder = pinned.map(str::to_owned);
        let call = Call::start(a, b, Some(VideoCodec::H264), fa, fb);
        for (side, track) in [(&call.b, "a:video"), (&call.a, "b:video")] {
            arrives_through_openh264(side, track, encoder);
        }
        assert_eq!(
            call.a.engine.encoder_in_use(VideoCodec::H264).as_deref(),
            Some(encoder)
        );
    }
}

/// `track`, sent by `encoder`, is decoded on `side` by OpenH264 at the
/// size it was sent.
fn arrives_through_openh264(side: &Side, track: &str, encoder: &str) {
    let id = TrackId(track.into());
    assert!(
        wait_frames(&side.engine, track, 30, FRAME_WAIT),
        "{track} from {encoder}: {} frames decoded with openh264dec alone",
        side.engine.frames_received(&id)
    );
    let size = side
        .engine
        .track_resolution(&id)
        .map(|s| (s.width, s.height));
    assert_eq!(size, Some((640, 360)), "{track} from {encoder}");
    let decoders: Vec<Option<String>> = next_stats(side)
        .inbound
        .into_iter()
        .filter(|s| s.kind == MediaKind::Video)
        .map(|s| s.decoder)
        .collect();
    assert_eq!(decoders, [Some("openh264dec".to_owned())], "{track}");
}

/// Takes every H.264 decoder but `kept` out of GStreamer's registry (for
/// this process only), as on a machine without them; fails if `kept` is
/// not installed, since the check would then prove nothing.
fn hide_h264_decoders_but(kept: &str) {
    mulaqat_media::init().expect("GStreamer starts");
    assert!(
        gst::ElementFactory::find(kept).is_some(),
        "{kept} is not installed (gstreamer1.0-plugins-bad)"
    );
    let h264 = gst::Caps::builder("video/x-h264").build();
    let registry = gst::Registry::get();
    for feature in registry.features(gst::ElementFactory::static_type()) {
        let Ok(factory) = feature.clone().downcast::<gst::ElementFactory>() else {
            continue;
        };
        // Video decoders that name H.264 among their inputs (not the
        // ones that take anything, such as decodebin).
        let decodes_h264 = factory.klass().contains("Decoder/Video")
            && factory.static_pad_templates().iter().any(|t| {
                let caps = t.caps();
                t.direction() == gst::PadDirection::Sink
                    && !caps.is_any()
                    && caps.can_intersect(&h264)
            });
        if decodes_h264 && factory.name() != kept {
            registry.remove_feature(&feature);
        }
    }
    assert!(
        gst::ElementFactory::find("avdec_h264").is_none(),
        "avdec_h264 is still found"
    );
}
