//! The engine's control: starting and stopping it, what takes more than
//! one owner (a connection with the screen stream it sends, a screen
//! capture that ends), the control thread that owns the engine's state
//! (`bus`: jobs, the pipeline's messages) and its once-a-second tick
//! (`tick`: adaptation, tiles, keyframes, stats).

mod adapt;
mod bus;
mod stats;
mod tick;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use gst::prelude::*;

use crate::MediaError;
use crate::devices::{DeviceEvent, DeviceWatcher};
use crate::engine::elements::encoding;
use crate::engine::elements::pipeline::{pipeline_error, set_null_with_children};
use crate::engine::events::{MediaEvent, ScreenShareEnd};
use crate::engine::ids::{Role, Source};
use crate::engine::local::{self, camera};
use crate::engine::peers::connection;
use crate::engine::screen::{portal, sharing, stream};
use crate::engine::settings::{EngineSettings, PeerConfig};
use crate::engine::state::{Events, Shared, State};
use crate::types::{PeerId, PeerState};

/// Builds the pipeline (capture, self-view, playback), starts it and the
/// control thread with the engine's state; the receiving end of its events.
pub(crate) fn start(
    settings: EngineSettings,
) -> Result<(Arc<Shared>, crate::engine::EventReceiver), MediaError> {
    crate::init()?;
    make_dtls_certificate();
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let events: Events = Arc::new(Mutex::new(Some(sender)));
    let device_events = events.clone();
    let devices = DeviceWatcher::start(settings.test_devices, move |event| {
        let events = device_events.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(events) = events.as_ref() {
            let _ = events.send(match event {
                DeviceEvent::Added(device) => MediaEvent::DeviceAdded { device },
                DeviceEvent::Removed(device) => MediaEvent::DeviceRemoved { device },
            });
        }
    })?;
    let pipeline = gst::Pipeline::with_name("mulaqat");
    let state = local::build(&pipeline, &devices, &settings)?;
    let encoders = settings
        .encoders
        .clone()
        .unwrap_or_else(encoding::default_registry);
    let (shared, jobs) = Shared::new((pipeline, settings, devices), encoders, events);
    shared
        .pipeline
        .set_state(gst::State::Playing)
        .map_err(|_| MediaError::Pipeline(pipeline_error(&shared.pipeline)))?;
    if let Some(camera) = &state.camera {
        camera::watch_camera_end(Arc::downgrade(&shared), &camera.bin);
    }
    shared.spawn("mulaqat-control", move |weak| bus::run(&weak, &jobs, state))?;
    tracing::info!(quality = ?shared.settings.quality, "media engine started");
    Ok((shared, receiver))
}

/// The DTLS certificate is made on first use and takes a few hundred
/// milliseconds: make it while the engine starts, once per process, not when
/// the first call connects.
fn make_dtls_certificate() {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| drop(gst::ElementFactory::make("dtlssrtpdec").build()));
}

/// Removes a peer and its tracks, and the screen stream it published.
pub(crate) fn remove_peer(shared: &Arc<Shared>, state: &mut State, peer: &PeerId) {
    if connection::remove(shared, state, peer) == Some(Role::Publication(Source::Screen)) {
        stream::stop(shared, state);
    }
}

/// Adds a send-only connection that offers the screen as a stream of its
/// own (see [`stream`]), made with the stream and gone with it; the offer
/// comes as a `LocalDescription` for `peer`.
pub(crate) fn add_screen_publication(
    shared: &Arc<Shared>,
    state: &mut State,
    peer: PeerId,
    config: PeerConfig,
) -> Result<(), MediaError> {
    let codec = match config.video_codec {
        Some(codec) => codec,
        None => connection::first_sendable_codec(shared)?,
    };
    stream::start(shared, state, codec)?;
    let added = connection::add(
        shared,
        state,
        peer,
        PeerConfig {
            initiator: true,
            video_codec: Some(codec),
            ..config
        },
        Role::Publication(Source::Screen),
    );
    if added.is_err() {
        // The connection took itself apart; the capture goes too.
        stream::stop(shared, state);
    }
    added
}

/// The screen capture is over (it failed, did not start, or the desktop
/// ended it): back to the camera, the SFU's screen publication ended, the
/// portal's screen let go (sharing again asks anew), and
/// [`MediaEvent::ScreenShareEnded`] if anything was being shared.
pub(crate) fn capture_ended(
    shared: &Arc<Shared>,
    state: &mut State,
    cause: ScreenShareEnd,
    reason: String,
) {
    let mut sharing = false;
    if let Some(peer) = stream::publishing_peer(state) {
        remove_peer(shared, state, &peer);
        sharing = true;
    }
    // Ended before its connection was made.
    sharing |= stream::stop(shared, state);
    sharing |= sharing::stop(shared, state);
    portal::forget_portal_screen(state);
    if sharing {
        shared.emit(MediaEvent::ScreenShareEnded { cause, reason });
    }
}

/// Stops everything and releases the devices: the control thread takes
/// the pipeline and its state down and ends, then its caller joins it.
pub(crate) fn stop(shared: &Arc<Shared>) {
    if shared.stopping.load(Ordering::SeqCst) {
        return;
    }
    // `Stopped`: another caller's stop ran first.
    let _ = shared.call(take_down);
    let threads = std::mem::take(
        &mut *shared
            .threads
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    for thread in threads {
        let _ = thread.join();
    }
    crate::end_idle_threads();
    shared
        .events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    tracing::info!("media engine stopped");
}

/// On the control thread: the pipeline stopped and the state emptied; the
/// thread ends after this job.
fn take_down(shared: &Arc<Shared>, state: &mut State) {
    if shared.stopping.swap(true, Ordering::SeqCst) {
        return;
    }
    // The whole pipeline at once: GStreamer stops it sinks first, which is
    // safe where taking peers apart one by one under a running pipeline is not.
    set_null_with_children(shared.pipeline.upcast_ref());
    state.tracks.clear();
    state.tiles.clear();
    // Their captures run in pipelines of their own: dropped, they stop.
    state.screen = None;
    state.screen_stream = None;
    for (peer, _) in state.peers.drain() {
        shared.emit(MediaEvent::PeerState {
            peer,
            state: PeerState::Closed,
        });
    }
}
