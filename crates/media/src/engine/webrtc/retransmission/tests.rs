use super::*;

const OFFER: &str = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
    m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n\
    a=rtpmap:111 OPUS/48000/2\r\na=ssrc:1111 cname:a\r\n\
    m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n\
    a=rtpmap:96 H264/90000\r\na=rtpmap:97 rtx/90000\r\n\
    a=ssrc-group:FID 2222 3333\r\na=ssrc:2222 cname:a\r\na=ssrc:3333 cname:a\r\n";

#[test]
fn video_ssrcs_are_those_of_video_sections_only() {
    crate::init().expect("gstreamer");
    let sdp = gst_sdp::SDPMessage::parse_buffer(OFFER.as_bytes()).expect("sdp");
    assert_eq!(video_ssrcs(&sdp), vec![2222, 3333]);
}

#[test]
fn a_description_without_ssrcs_names_none() {
    crate::init().expect("gstreamer");
    let text = OFFER
        .lines()
        .filter(|l| !l.starts_with("a=ssrc"))
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    let sdp = gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).expect("sdp");
    assert!(video_ssrcs(&sdp).is_empty());
}
