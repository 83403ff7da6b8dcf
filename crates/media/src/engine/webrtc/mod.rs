//! Building blocks of one connection: what a description must hold (DTLS
//! fingerprint, numbering, codecs), ICE and retransmission settings on a
//! `webrtcbin`, and what its congestion controller, its peer's reports and
//! its sending branches say.

pub(crate) mod dtls;
pub(crate) mod fallback;
pub(crate) mod ice;
pub(crate) mod mdns;
pub(crate) mod numbering;
pub(crate) mod pacing;
pub(crate) mod random_loss;
pub(crate) mod recovery;
pub(crate) mod reports;
pub(crate) mod retransmission;
pub(crate) mod sdp;
pub(crate) mod sent;
pub(crate) mod twcc;
