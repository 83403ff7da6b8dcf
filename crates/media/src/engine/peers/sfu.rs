//! Connections to an SFU (Janus VideoRoom): one that only sends (our
//! publication: the shared video and Opus encoders, we offer) and one per
//! subscribed feed that only receives (the SFU offers, we answer).
//!
//! Both are ordinary peers of the engine (one `webrtcbin` each, see
//! `connection.rs`) with a [`Role`]. The screen's publication is made with its
//! stream, by the control (`control::add_screen_publication`). A subscription is keyed by the feed's
//! participant, so its tracks are `<participant>:video` and
//! `<participant>:audio` exactly as from a mesh peer, and stats, tiles and
//! audio levels need nothing new.
//!
//! What Janus needs from `webrtcbin` 1.22, as seen against Janus 1.1.2:
//! - one bundle (`max-bundle`) with `rtcp-mux`, which `webrtcbin` always
//!   offers;
//! - the publication's transceivers `sendonly` (Janus answers `recvonly`);
//! - H.264 `packetization-mode=1` (set on the payloader caps; the room is
//!   created with `videocodec: h264`) and Opus;
//! - the subscription's answer made from Janus's `sendonly` offer: with no
//!   senders linked, `webrtcbin` answers `recvonly` in the offered codecs.

use std::sync::Arc;

use super::{connection, remote};
use crate::MediaError;
use crate::engine::ids::{Role, Source};
use crate::engine::settings::PeerConfig;
use crate::engine::state::{Shared, State};
use crate::types::{PeerId, SdpKind, SessionDescription};

/// Adds a send-only connection that offers our camera (or shared screen)
/// and microphone; the offer comes as a `LocalDescription` for `peer`.
pub(crate) fn add_publication(
    shared: &Arc<Shared>,
    state: &mut State,
    peer: PeerId,
    config: PeerConfig,
) -> Result<(), MediaError> {
    connection::add(
        shared,
        state,
        peer,
        PeerConfig {
            initiator: true,
            ..config
        },
        Role::Publication(Source::Camera),
    )
}

/// Adds a receive-only connection for the SFU's `offer`; the answer comes
/// as a `LocalDescription` for `peer` (the feed's participant).
pub(crate) fn add_subscription(
    shared: &Arc<Shared>,
    state: &mut State,
    peer: PeerId,
    config: PeerConfig,
    offer: String,
) -> Result<(), MediaError> {
    connection::add(
        shared,
        state,
        peer.clone(),
        PeerConfig {
            initiator: false,
            video_codec: None,
            ..config
        },
        Role::Subscription,
    )?;
    let applied = remote::set_remote_description(
        shared,
        state,
        &peer,
        SessionDescription {
            kind: SdpKind::Offer,
            sdp: offer,
        },
    );
    if applied.is_err() {
        connection::remove(shared, state, &peer);
    }
    applied
}
