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

use base64::Engine as _;
use gst::prelude::*;
use sha2::{Digest, Sha256};

/// The SHA-256 fingerprint a description gives for its DTLS certificate
/// (session level, or the first media section that has one), as
/// upper-case hex pairs joined by colons. `Err` when there is none, or
/// only with another hash (webrtcbin and browsers use SHA-256).
pub(crate) fn expected_fingerprint(sdp: &gst_sdp::SDPMessageRef) -> Result<String, String> {
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
pub(crate) fn pem_fingerprint(pem: &str) -> Option<String> {
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
pub(crate) fn transport(webrtcbin: &gst::Element) -> Option<gst_webrtc::WebRTCDTLSTransport> {
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
pub(crate) enum Checked {
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
    pub(crate) fn check(&self, webrtcbin: &gst::Element) -> Checked {
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

#[cfg(test)]
mod tests;
