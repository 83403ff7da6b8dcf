//! Checks on remote SDP: DTLS-SRTP only, and which video codecs are offered.

use crate::types::VideoCodec;

/// Refuses anything but DTLS-SRTP: every media section must use
/// `UDP/TLS/RTP/SAVPF` (or `TCP/TLS/RTP/SAVPF`), carry a DTLS fingerprint
/// (here or at session level), and no SDES `a=crypto` keys.
pub(super) fn check_secure(sdp: &gst_sdp::SDPMessageRef) -> Result<(), String> {
    let session_fingerprint = sdp.attribute_val("fingerprint").is_some();
    if sdp.medias_len() == 0 {
        return Err("it has no media sections".into());
    }
    for media in sdp.medias() {
        if media.port() == 0 && media.attribute_val("bundle-only").is_none() {
            continue; // Rejected or disabled section (bundle-only ones carry media).
        }
        let proto = media.proto().unwrap_or("");
        if !matches!(
            proto,
            "UDP/TLS/RTP/SAVPF" | "TCP/TLS/RTP/SAVPF" | "UDP/TLS/RTP/SAVP"
        ) {
            return Err(format!("media uses {proto:?}, not DTLS-SRTP"));
        }
        if media.attribute_val("crypto").is_some() {
            return Err("it offers SDES keys (a=crypto); only DTLS-SRTP is accepted".into());
        }
        if !session_fingerprint && media.attribute_val("fingerprint").is_none() {
            return Err("a media section has no DTLS fingerprint".into());
        }
    }
    Ok(())
}

/// What the engine reads from a remote description it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSdp {
    /// The video codecs offered in a format we can send, in their order.
    pub video_codecs: Vec<VideoCodec>,
    /// The SHA-256 fingerprint of the peer's DTLS certificate (upper-case
    /// hex pairs joined by colons).
    pub fingerprint: String,
}

/// Checks a remote description as the engine does before `webrtcbin` sees
/// it: it must parse, be DTLS-SRTP only (no plain RTP, no SDES keys) and
/// name a SHA-256 certificate fingerprint. Never panics, whatever the text.
pub fn check_remote_sdp(text: &str) -> Result<RemoteSdp, crate::MediaError> {
    let sdp = parse_checked(text)?;
    let fingerprint = super::dtls::expected_fingerprint(&sdp)
        .map_err(|why| crate::MediaError::Sdp(format!("refused: {why}")))?;
    Ok(RemoteSdp {
        video_codecs: super::numbering::offered_video_codecs(&sdp),
        fingerprint,
    })
}

/// Parses `text` and refuses anything but DTLS-SRTP.
pub(super) fn parse_checked(text: &str) -> Result<gst_sdp::SDPMessage, crate::MediaError> {
    crate::init()?;
    let sdp = gst_sdp::SDPMessage::parse_buffer(text.as_bytes())
        .map_err(|e| crate::MediaError::Sdp(format!("it does not parse: {e}")))?;
    check_secure(&sdp).map_err(|why| crate::MediaError::Sdp(format!("refused: {why}")))?;
    Ok(sdp)
}

#[cfg(test)]
mod tests {
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
}
