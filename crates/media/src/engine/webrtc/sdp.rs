//! Checks on remote SDP: DTLS-SRTP only, and which video codecs are offered.

use crate::types::VideoCodec;

/// Refuses anything but DTLS-SRTP: every media section must use
/// `UDP/TLS/RTP/SAVPF` (or `TCP/TLS/RTP/SAVPF`), carry a DTLS fingerprint
/// (here or at session level), and no SDES `a=crypto` keys.
pub(crate) fn check_secure(sdp: &gst_sdp::SDPMessageRef) -> Result<(), String> {
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
pub(crate) fn parse_checked(text: &str) -> Result<gst_sdp::SDPMessage, crate::MediaError> {
    crate::init()?;
    let sdp = gst_sdp::SDPMessage::parse_buffer(text.as_bytes())
        .map_err(|e| crate::MediaError::Sdp(format!("it does not parse: {e}")))?;
    check_secure(&sdp).map_err(|why| crate::MediaError::Sdp(format!("refused: {why}")))?;
    Ok(sdp)
}

#[cfg(test)]
mod tests;
