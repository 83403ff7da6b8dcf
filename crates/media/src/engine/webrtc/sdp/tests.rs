use super::*;

const GOOD: &str = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:111 OPUS/48000/2\r\n";

fn parse(text: &str) -> gst_sdp::SDPMessage {
    crate::init().expect("gst");
    gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).expect("parses")
}

#[test]
fn dtls_srtp_offers_pass_and_their_codecs_are_read_in_order() {
    let sdp = parse(GOOD);
    assert_eq!(check_secure(&sdp), Ok(()));
    assert_eq!(
        super::super::numbering::offered_video_codecs(&sdp),
        vec![VideoCodec::Vp8, VideoCodec::H264]
    );
}

#[test]
fn plain_rtp_sdes_and_missing_fingerprints_are_refused() {
    let plain = GOOD.replace("UDP/TLS/RTP/SAVPF 96 97", "RTP/AVP 96 97");
    assert!(
        check_secure(&parse(&plain))
            .unwrap_err()
            .contains("not DTLS-SRTP")
    );
    let sdes = GOOD.replace(
        "a=mid:1\r\n",
        "a=mid:1\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n",
    );
    assert!(check_secure(&parse(&sdes)).unwrap_err().contains("SDES"));
    let no_fingerprint: String = GOOD
        .lines()
        .filter(|l| !l.starts_with("a=fingerprint"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        check_secure(&parse(&no_fingerprint))
            .unwrap_err()
            .contains("fingerprint")
    );
    let savp_avp = GOOD.replace("UDP/TLS/RTP/SAVPF 111", "RTP/SAVP 111");
    assert!(check_secure(&parse(&savp_avp)).is_err());
    // A bundle-only section (port 0, as max-bundle offers write them) is checked too.
    let bundled_plain = GOOD.replace(
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
        "m=audio 0 RTP/AVP 111\r\na=bundle-only\r\n",
    );
    assert!(
        check_secure(&parse(&bundled_plain))
            .unwrap_err()
            .contains("not DTLS-SRTP")
    );
}
