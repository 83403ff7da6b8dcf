//! The peer's DTLS certificate must be the one its description named.
//!
//! GStreamer 1.22's `webrtcbin` completes the DTLS handshake with whatever
//! certificate the other end shows: it never compares it with the
//! `a=fingerprint` of the remote description. Without that check, whoever
//! can change the signalling (or answer in the peer's place) sits in the
//! middle of the media. So the engine checks: media goes neither way (the
//! senders hold their buffers, received buffers are dropped) until the
//! connected transport's remote certificate hashes to the fingerprint the
//! description gave.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use base64::Engine as _;
use gst::prelude::*;
use sha2::{Digest, Sha256};

use super::{MediaEvent, Shared};
use crate::types::PeerId;

/// The SHA-256 fingerprint a description gives for its DTLS certificate
/// (session level, or the first media section that has one), as
/// upper-case hex pairs joined by colons. `Err` when there is none, or
/// only with another hash (webrtcbin and browsers use SHA-256).
pub(super) fn expected_fingerprint(sdp: &gst_sdp::SDPMessageRef) -> Result<String, String> {
    let value = sdp
        .attribute_val("fingerprint")
        .or_else(|| sdp.medias().find_map(|m| m.attribute_val("fingerprint")))
        .ok_or("it has no DTLS fingerprint")?;
    let (algorithm, hex) = value
        .trim()
        .split_once(' ')
        .ok_or("its DTLS fingerprint is malformed")?;
    if !algorithm.eq_ignore_ascii_case("sha-256") {
        return Err(format!(
            "its DTLS fingerprint uses {algorithm}; only sha-256 is accepted"
        ));
    }
    let hex = hex.trim().to_ascii_uppercase();
    let well_formed = hex.len() == 32 * 3 - 1
        && hex
            .split(':')
            .all(|pair| pair.len() == 2 && pair.chars().all(|c| c.is_ascii_hexdigit()));
    if !well_formed {
        return Err("its DTLS fingerprint is not 32 hex pairs".into());
    }
    Ok(hex)
}

/// SHA-256 of the (first) certificate in `pem`, as upper-case hex pairs.
pub(super) fn pem_fingerprint(pem: &str) -> Option<String> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END CERTIFICATE-----"))
        .collect();
    if body.trim().is_empty() {
        return None;
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()?;
    let digest = Sha256::digest(&der);
    Some(
        digest
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// The DTLS transport of `webrtcbin`'s bundle, once there is one.
pub(super) fn transport(webrtcbin: &gst::Element) -> Option<gst_webrtc::WebRTCDTLSTransport> {
    let transceiver = webrtcbin
        .emit_by_name::<Option<gst_webrtc::WebRTCRTPTransceiver>>("get-transceiver", &[&0i32])?;
    transceiver
        .sender()
        .and_then(|s| s.transport())
        .or_else(|| transceiver.receiver().and_then(|r| r.transport()))
}

/// The DTLS check of one connection: what the description promised, and
/// what came of it.
#[derive(Debug, Default)]
pub(crate) struct PeerCheck {
    /// The fingerprint from the peer's description.
    pub expected: std::sync::Mutex<Option<String>>,
    /// The certificate matched: media may flow.
    pub passed: AtomicBool,
    /// The certificate did not match (reported once).
    pub failed: AtomicBool,
}

/// What a look at the connection found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Checked {
    /// The certificate matches (now or before).
    Passed,
    /// No certificate yet (DTLS still under way): look again later.
    NotYet,
    /// It does not match, or cannot be checked: why, the first time only.
    Failed(Option<String>),
}

impl PeerCheck {
    /// The certificate the other end showed, once DTLS has connected.
    /// Looked up afresh each time, never kept: until negotiation settles, a
    /// transceiver's transport can still be swapped for the bundle's, and a
    /// kept early one would never see the certificate.
    fn remote_certificate(&self, webrtcbin: &gst::Element) -> Option<String> {
        transport(webrtcbin)?
            .remote_certificate()
            .map(|pem| pem.to_string())
    }

    /// Compares the certificate `webrtcbin`'s peer showed with the expected
    /// fingerprint, once there is one to compare.
    pub(super) fn check(&self, webrtcbin: &gst::Element) -> Checked {
        if self.passed.load(Ordering::Acquire) {
            return Checked::Passed;
        }
        if self.failed.load(Ordering::Acquire) {
            return Checked::Failed(None);
        }
        let Some(pem) = self.remote_certificate(webrtcbin) else {
            return Checked::NotYet;
        };
        let expected = self
            .expected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let why = match (expected, pem_fingerprint(&pem)) {
            (Some(expected), Some(actual)) if expected == actual => {
                self.passed.store(true, Ordering::Release);
                return Checked::Passed;
            }
            (None, _) => "no DTLS fingerprint was received from the peer",
            (_, None) => "the peer's DTLS certificate cannot be read",
            _ => {
                "the peer's DTLS certificate does not match the fingerprint in its description \
                 (someone may be in the middle of the call); no media is exchanged"
            }
        };
        let first = !self.failed.swap(true, Ordering::AcqRel);
        Checked::Failed(first.then(|| why.to_owned()))
    }
}

/// What lets a connection's media flow: the DTLS certificate check.
#[derive(Clone)]
pub(super) struct Gate {
    pub weak: Weak<Shared>,
    pub peer: PeerId,
    pub connected: Arc<AtomicBool>,
    pub dtls: Arc<PeerCheck>,
}

impl Gate {
    /// Whether media may flow; the first time the certificate matches, the
    /// senders go and ask their encoders for a keyframe; the first time it
    /// does not, the reason is reported.
    pub(super) fn open(&self, webrtcbin: &gst::Element) -> bool {
        match self.dtls.check(webrtcbin) {
            Checked::Passed => {
                if !self.connected.swap(true, Ordering::AcqRel)
                    && let Some(shared) = self.weak.upgrade()
                {
                    super::senders::request_keyframes(&shared);
                }
                true
            }
            Checked::NotYet => false,
            Checked::Failed(why) => {
                if let (Some(why), Some(shared)) = (why, self.weak.upgrade()) {
                    tracing::warn!(peer = %self.peer, "{why}");
                    shared.emit(MediaEvent::Error {
                        message: format!("the connection to {} was refused: {why}", self.peer),
                    });
                }
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PEM framing around some bytes (not a real certificate: only the
    /// framing and the hash of the bytes matter here).
    const PEM: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBfjCCASWgAwIBAgIUYl8cxX1Pq0l0E8m0m3b7Hn1h3JgwCgYIKoZIzj0EAwIw\n\
FDESMBAGA1UEAwwJbXVsYXFhdC10MB4XDTI2MDEwMTAwMDAwMFoXDTM2MDEwMTAw\n\
-----END CERTIFICATE-----\n";

    fn sdp(fingerprint_line: &str) -> gst_sdp::SDPMessage {
        crate::init().expect("gst");
        let text = format!(
            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n{fingerprint_line}\
             m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\n"
        );
        gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).expect("parses")
    }

    #[test]
    fn the_sha256_fingerprint_is_read_and_normalised() {
        let hex = "ab:".repeat(31) + "cd";
        let sdp = sdp(&format!("a=fingerprint:sha-256 {hex}\r\n"));
        assert_eq!(expected_fingerprint(&sdp), Ok(hex.to_ascii_uppercase()));
    }

    #[test]
    fn other_hashes_and_malformed_fingerprints_are_refused() {
        let sha1 = sdp(&format!(
            "a=fingerprint:sha-1 {}\r\n",
            "AB:".repeat(19) + "CD"
        ));
        assert!(expected_fingerprint(&sha1).unwrap_err().contains("sha-1"));
        let short = sdp("a=fingerprint:sha-256 AB:CD\r\n");
        assert!(expected_fingerprint(&short).is_err());
        let none = sdp("");
        assert!(expected_fingerprint(&none).is_err());
    }

    #[test]
    fn a_pem_certificate_hashes_its_der_bytes() {
        let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64");
        let want: Vec<String> = Sha256::digest(&der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(pem_fingerprint(PEM), Some(want.join(":")));
        assert_eq!(pem_fingerprint("no certificate here"), None);
    }
}
