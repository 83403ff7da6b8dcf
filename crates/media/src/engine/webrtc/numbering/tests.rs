use super::*;

/// An offer Chromium 156 made (fake camera, H.264 preferred with
/// `setCodecPreferences`): audio first, TWCC as extension 3, H.264 at 108.
const CHROMIUM: &str = include_str!("chromium-offer.sdp");

fn parse(text: &str) -> gst_sdp::SDPMessage {
    crate::init().expect("gst");
    gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).expect("parses")
}

fn offer(video: &str, audio: &str) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 109\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n{audio}\
         m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n{video}"
    )
}

const OPUS_109: &str = "a=rtpmap:109 opus/48000/2\r\n";

#[test]
fn a_chromium_offer_is_answered_in_its_own_numbers() {
    let sdp = parse(CHROMIUM);
    assert_eq!(offered_video_codecs(&sdp), vec![VideoCodec::H264]);
    assert_eq!(
        Numbering::from_offer(&sdp, VideoCodec::H264),
        Ok(Numbering {
            video_pt: 108,
            audio_pt: 111,
            video_twcc: Some(3),
            audio_twcc: Some(3),
            // Chromium allows level asymmetry: we receive and send up to 5.1.
            h264_profile_level: Some("42e033".into()),
        })
    );
    assert!(
        Numbering::from_offer(&sdp, VideoCodec::Vp8)
            .unwrap_err()
            .contains("no VP8")
    );
}

#[test]
fn h264_prefers_constrained_baseline_in_packetization_mode_1() {
    let video = "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=0;profile-level-id=42e01f\r\n\
                 a=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1;profile-level-id=42001f\r\n\
                 a=rtpmap:98 H264/90000\r\na=fmtp:98 profile-level-id=42e01f;packetization-mode=1\r\n";
    let sdp = parse(&offer(video, OPUS_109));
    let n = Numbering::from_offer(&sdp, VideoCodec::H264).expect("numbering");
    assert_eq!((n.video_pt, n.audio_pt), (98, 109));
    // No level asymmetry offered (as in our own offers): the answer names no level.
    assert_eq!(n.h264_profile_level, None);
    // Baseline (not constrained) is taken when it is all there is.
    let baseline =
        "a=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1;profile-level-id=42001f\r\n";
    let n = Numbering::from_offer(&parse(&offer(baseline, OPUS_109)), VideoCodec::H264);
    assert_eq!(n.map(|n| n.video_pt), Ok(97));
}

#[test]
fn h264_we_cannot_send_is_not_offered_so_vp8_is_chosen() {
    // High profile and single-NAL mode only: our constrained-baseline,
    // fragmenting payloader fits neither.
    let video = "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=640032\r\n\
                 a=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42e01f\r\n\
                 a=rtpmap:98 VP8/90000\r\n";
    let sdp = parse(&offer(video, OPUS_109));
    assert_eq!(offered_video_codecs(&sdp), vec![VideoCodec::Vp8]);
    let n = Numbering::from_offer(&sdp, VideoCodec::Vp8).expect("numbering");
    assert_eq!((n.video_pt, n.h264_profile_level), (98, None));
}

#[test]
fn constrained_baseline_is_recognised_in_all_its_spellings() {
    for id in ["42e01f", "42c01f", "4d801f", "58c01f"] {
        let fmtp = format!("packetization-mode=1;profile-level-id={id}");
        assert_eq!(sendable_h264(&fmtp), Some(0), "{id}");
    }
    assert_eq!(sendable_h264("packetization-mode=1"), Some(1));
    assert_eq!(
        sendable_h264("packetization-mode=1;profile-level-id=4d001f"),
        None
    );
    assert_eq!(
        sendable_h264("packetization-mode=1;profile-level-id=zz"),
        None
    );
}

#[test]
fn twcc_is_numbered_per_section_and_left_out_when_not_offered() {
    let video = "a=extmap:5/sendrecv http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n\
                 a=rtpmap:96 VP8/90000\r\n";
    let sdp = parse(&offer(video, OPUS_109));
    let n = Numbering::from_offer(&sdp, VideoCodec::Vp8).expect("numbering");
    assert_eq!((n.video_twcc, n.audio_twcc), (Some(5), None));
    assert_eq!(n.twcc(MediaKind::Audio), None);
}

#[test]
fn an_offer_without_opus_or_without_video_cannot_be_answered() {
    let no_opus = offer("a=rtpmap:96 VP8/90000\r\n", "a=rtpmap:109 PCMU/8000\r\n");
    assert!(
        Numbering::from_offer(&parse(&no_opus), VideoCodec::Vp8)
            .unwrap_err()
            .contains("Opus")
    );
    let audio_only = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
                      m=audio 9 UDP/TLS/RTP/SAVPF 109\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:109 opus/48000/2\r\n";
    assert!(
        Numbering::from_offer(&parse(audio_only), VideoCodec::Vp8)
            .unwrap_err()
            .contains("no video")
    );
}

#[test]
fn bundle_only_sections_count_and_rejected_ones_do_not() {
    // webrtcbin's max-bundle offers: every section after the first has
    // port 0 and a=bundle-only.
    let bundled = offer("a=rtpmap:96 VP8/90000\r\n", OPUS_109).replace(
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\r\n",
        "m=video 0 UDP/TLS/RTP/SAVPF 96 97 98\r\na=bundle-only\r\n",
    );
    let n = Numbering::from_offer(&parse(&bundled), VideoCodec::Vp8);
    assert_eq!(n.map(|n| n.video_pt), Ok(96));
    let rejected = bundled.replace("a=bundle-only\r\n", "");
    assert!(Numbering::from_offer(&parse(&rejected), VideoCodec::Vp8).is_err());
}
