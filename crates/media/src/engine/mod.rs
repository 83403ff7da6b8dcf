//! The running engine: one GStreamer pipeline holding the local capture,
//! one shared encoder per video codec (and one Opus encoder) fanned out to
//! one `webrtcbin` per remote peer, the receive branches, and playback.
//!
//! ```text
//! camera ─┐                                   ┌─ self-view appsink ──► frame sink (local:camera)
//!         input-selector ─ tee ──────────────────┼─ snapshot appsink (newest frame only)
//! placeholder ─┘                              └─ queue ─ scale ─ encoder ─ tee ─┬─ pay ─► webrtcbin (peer A)
//!                                                                               └─ pay ─► webrtcbin (peer B)
//! mic ─ 48k mono ─ webrtcdsp ─ valve(mute) ─ tee ─ opusenc ─ tee ─┬─ pay ─► webrtcbin (peer A) ...
//! webrtcbin src pads ─► depay ─ decode ─ scale ─ NV12 appsink ──► frame sink (<peer>:video)
//!                   └─► depay ─ opusdec ─► audiomixer ─ webrtcechoprobe ─ speaker
//! ```
//! One encoder per codec, not per peer: a 4-person mesh encodes once.
//!
//! This file is the engine's public face ([`MediaEngine`]); the work is in
//! folders by what they own, each depending only on those below it:
//!
//! - `control`: start and stop, what spans owners, the control thread
//!   (bus and posted events) and the once-a-second tick (adaptation, stats);
//! - `peers`: the connections and their senders and receivers;
//! - `screen`: the screen, shared in the camera's place or as a stream;
//! - `local`: camera, microphone, playback, the video input selector;
//! - `state`: the engine's one state and its owner, [`state::Shared`];
//! - `elements`, `webrtc`: building blocks with no engine state;
//! - `ids`, `settings`, `events`: small shared types.
//!
//! See `docs/ARCHITECTURE.md` ("The media engine's shape").

mod control;
pub(crate) mod elements;
mod events;
mod ids;
mod local;
mod peers;
mod screen;
mod settings;
mod state;
mod webrtc;

use std::sync::Arc;

use gst::prelude::*;
use tokio::sync::mpsc;

pub use elements::decoders::decodable_codecs;
pub use events::{InboundStats, MediaEvent, OutboundStats, ScreenShareEnd, StatsReport};
pub use ids::{CAPTURE_TRACK, SCREEN_PREVIEW_TRACK, SELF_VIEW_TRACK};
pub use settings::{EngineSettings, FrameSink, PeerConfig};
/// The TURN probe (`crate::turn_probe`) sets its relays the way peers do.
pub(crate) use webrtc::ice::webrtcbin_url;
pub use webrtc::sdp::{RemoteSdp, check_remote_sdp};

use crate::MediaError;
use crate::types::{
    DeviceId, IceCandidate, PeerId, Resolution, SessionDescription, TrackId, VideoCodec,
};
use ids::Role;
use state::Shared;

/// Receives the engine's events.
pub type EventReceiver = mpsc::UnboundedReceiver<MediaEvent>;

/// The media engine. Cheap to clone; the pipeline stops when the last clone
/// is dropped or [`MediaEngine::stop`] is called.
#[derive(Clone)]
pub struct MediaEngine {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MediaEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaEngine").finish_non_exhaustive()
    }
}

/// The encoder probe results every engine of this process shares (the
/// probe starts on first use, in the background): what the settings
/// screen lists and what engines choose from.
pub fn shared_encoders() -> crate::encode::EncoderRegistry {
    elements::encoding::default_registry()
}

impl MediaEngine {
    /// Builds the pipeline (capture, self-view, playback) and starts it.
    /// Peers are added later with [`MediaEngine::add_peer`].
    pub fn start(settings: EngineSettings) -> Result<(MediaEngine, EventReceiver), MediaError> {
        let (shared, events) = control::start(settings)?;
        Ok((MediaEngine { shared }, events))
    }

    /// Adds a remote peer: links our audio and video to a new `webrtcbin`.
    /// The initiator sends an offer (as [`MediaEvent::LocalDescription`]).
    pub fn add_peer(&self, peer: PeerId, config: PeerConfig) -> Result<(), MediaError> {
        self.shared.call(move |shared, state| {
            peers::connection::add(shared, state, peer, config, Role::Mesh)
        })?
    }

    /// SFU: adds a send-only connection that publishes our video and audio;
    /// it offers (as [`MediaEvent::LocalDescription`] for `peer`), and the
    /// SFU's answer goes in with [`MediaEngine::set_remote_description`].
    pub fn add_publication(&self, peer: PeerId, config: PeerConfig) -> Result<(), MediaError> {
        self.shared
            .call(move |shared, state| peers::sfu::add_publication(shared, state, peer, config))?
    }

    /// SFU: adds a send-only connection that publishes the screen as a
    /// stream of its own (video only, at least 720p, 15 frames a second),
    /// next to the camera's publication; it offers as
    /// [`MediaEngine::add_publication`] does. While it runs, the preview
    /// track [`SCREEN_PREVIEW_TRACK`] shows what is sent. Removing the peer
    /// stops the capture; a capture that fails removes the peer and reports
    /// [`MediaEvent::ScreenShareEnded`].
    pub fn add_screen_publication(
        &self,
        peer: PeerId,
        config: PeerConfig,
    ) -> Result<(), MediaError> {
        self.shared.call(move |shared, state| {
            control::add_screen_publication(shared, state, peer, config)
        })?
    }

    /// SFU: adds a receive-only connection for the SFU's `offer` of one
    /// feed and answers it (as [`MediaEvent::LocalDescription`] for `peer`).
    /// Name `peer` after the feed's participant: its tracks are
    /// `<peer>:video` and `<peer>:audio`, as from a mesh peer.
    pub fn add_subscription(
        &self,
        peer: PeerId,
        config: PeerConfig,
        offer: String,
    ) -> Result<(), MediaError> {
        self.shared.call(move |shared, state| {
            peers::sfu::add_subscription(shared, state, peer, config, offer)
        })?
    }

    /// Replaces the connection to a peer with a new one set up the same way
    /// (new ICE credentials, new DTLS handshake): what a restart of ICE does,
    /// for a connection that failed or whose network changed.
    pub fn restart_peer(&self, peer: &PeerId) -> Result<(), MediaError> {
        let peer = peer.clone();
        self.shared
            .call(move |shared, state| peers::connection::restart(shared, state, &peer))?
    }

    /// Removes a peer and its tracks.
    pub fn remove_peer(&self, peer: &PeerId) {
        let peer = peer.clone();
        // `Stopped`: the engine took every peer down already.
        let _ = self
            .shared
            .call(move |shared, state| control::remove_peer(shared, state, &peer));
    }

    /// Applies the peer's offer (then answers) or answer.
    pub fn set_remote_description(
        &self,
        peer: &PeerId,
        description: SessionDescription,
    ) -> Result<(), MediaError> {
        let peer = peer.clone();
        self.shared.call(move |shared, state| {
            peers::remote::set_remote_description(shared, state, &peer, description)
        })?
    }

    /// Adds a trickled candidate from the peer.
    pub fn add_ice_candidate(
        &self,
        peer: &PeerId,
        candidate: IceCandidate,
    ) -> Result<(), MediaError> {
        let peer = peer.clone();
        self.shared
            .call(move |shared, state| peers::candidates::add(shared, state, &peer, candidate))?
    }

    /// Mutes or unmutes the microphone: while muted no audio packets are sent.
    pub fn set_microphone_muted(&self, muted: bool) {
        let _ = self
            .shared
            .call(move |_, state| state.mic_valve.set_property("drop", muted));
    }

    /// Turns the camera off (peers see the placeholder) or back on.
    pub fn set_camera_enabled(&self, enabled: bool) -> Result<(), MediaError> {
        self.shared.call(move |_, state| {
            state.camera_enabled = enabled;
            local::input::select_video_input(state);
        })
    }

    /// Switches to another camera without renegotiating with anyone.
    pub fn switch_camera(&self, camera: &DeviceId) -> Result<(), MediaError> {
        let camera = camera.clone();
        self.shared
            .call(move |shared, state| local::camera::switch_camera(shared, state, &camera))?
    }

    /// Whether `other` is a clone of this engine.
    pub fn is_same(&self, other: &MediaEngine) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The devices there are now.
    pub fn devices(&self) -> Vec<crate::devices::DeviceInfo> {
        self.shared.devices.list()
    }

    /// Writes the newest camera frame, at full capture resolution, to `path`
    /// as PNG (`.png`) or JPEG at quality 95 (anything else).
    pub fn snapshot(&self, path: &std::path::Path) -> Result<Resolution, MediaError> {
        let sink = self.shared.call(|_, state| state.snapshot_sink.clone())?;
        elements::snapshot::capture(&sink, path)
    }

    /// Capture-to-display delays seen on `track`, in milliseconds, since the
    /// last call (needs [`EngineSettings::stamp_frames`] on both sides).
    pub fn take_latency_samples(&self, track: &TrackId) -> Vec<u32> {
        self.counters(track)
            .map(|c| c.take_latencies())
            .unwrap_or_default()
    }

    /// Frames received on `track` so far.
    pub fn frames_received(&self, track: &TrackId) -> u64 {
        self.counters(track).map_or(0, |c| c.frames())
    }

    /// The size of the newest frame on `track`.
    pub fn track_resolution(&self, track: &TrackId) -> Option<Resolution> {
        self.counters(track).and_then(|c| c.size())
    }

    /// The encoder in use for `codec`, if one runs.
    pub fn encoder_in_use(&self, codec: VideoCodec) -> Option<String> {
        self.shared
            .call(move |_, state| {
                let encoder = state.video_encoders.get(&codec)?;
                Some(encoder.element_name().to_owned())
            })
            .ok()
            .flatten()
    }

    /// Sends the screen instead of the camera (to every peer, without
    /// renegotiating), until [`Self::stop_screen_share`]. The
    /// self-view shows what is sent.
    pub fn start_screen_share(&self) -> Result<(), MediaError> {
        self.shared.call(screen::sharing::start)?
    }

    /// Goes back to the camera (or the placeholder if it is off).
    pub fn stop_screen_share(&self) {
        let _ = self
            .shared
            .call(|shared, state| screen::sharing::stop(shared, state));
    }

    /// How the screen is captured here, or why it cannot be (for people).
    /// [`ScreenSource::Portal`](crate::screen::ScreenSource::Portal) needs
    /// a screen from [`crate::portal::choose_screen`], handed over with
    /// [`Self::set_portal_screen`] before sharing starts.
    pub fn screen_source(&self) -> Result<crate::screen::ScreenSource, String> {
        self.shared
            .call(|shared, state| screen::portal::availability(shared, state))
            .map_err(|e| e.to_string())?
    }

    /// Whether a screen from the portal is held (so sharing needs no dialog).
    pub fn has_portal_screen(&self) -> bool {
        self.shared
            .call(|_, state| screen::portal::holds_portal_screen(state))
            .unwrap_or(false)
    }

    /// Hands over the screen the person chose in the desktop portal, which
    /// screen sharing captures from then on; `None` lets it go once nothing
    /// captures it any more (the portal's session then closes).
    pub fn set_portal_screen(&self, screen: Option<crate::portal::PortalScreen>) {
        let _ = self
            .shared
            .call(move |_, state| screen::portal::hold_portal_screen(state, screen));
    }

    /// Stops everything and releases the devices.
    pub fn stop(&self) {
        control::stop(&self.shared);
    }

    /// The counters of the track the outside world calls `track`.
    fn counters(&self, track: &TrackId) -> Option<Arc<elements::frames::TrackCounters>> {
        let track = track.clone();
        self.shared
            .call(move |_, state| state.counters(&track))
            .ok()
            .flatten()
    }
}
