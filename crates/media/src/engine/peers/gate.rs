//! The gate of a connection's media: nothing flows either way until the
//! peer's DTLS certificate matches its description (see
//! [`crate::engine::webrtc::dtls`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use crate::engine::events::MediaEvent;
use crate::engine::state::Shared;
use crate::engine::webrtc::dtls::{Checked, PeerCheck};
use crate::types::PeerId;

/// What lets a connection's media flow: the DTLS certificate check.
#[derive(Clone)]
pub(crate) struct Gate {
    pub weak: Weak<Shared>,
    pub peer: PeerId,
    pub connected: Arc<AtomicBool>,
    pub dtls: Arc<PeerCheck>,
}

impl Gate {
    /// Whether media may flow; the first time the certificate matches, the
    /// senders go and ask their encoders for a keyframe; the first time it
    /// does not, the reason is reported.
    pub(crate) fn open(&self, webrtcbin: &gst::Element) -> bool {
        match self.dtls.check(webrtcbin) {
            Checked::Passed => {
                if !self.connected.swap(true, Ordering::AcqRel)
                    && let Some(shared) = self.weak.upgrade()
                {
                    shared.post(|_, state| state.request_keyframes());
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
