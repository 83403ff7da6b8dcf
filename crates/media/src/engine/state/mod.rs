//! The engine's state and its one owner, [`Shared`]: the pipeline, the
//! settings, the event channel out, and one [`State`] behind one lock.
//!
//! Each part of [`State`] is changed by the folder its field names (`local`,
//! `screen`, `peers`, `control`); the others only read it. A check and the
//! action that depends on it take the lock once. Under the lock: looking,
//! bookkeeping, building and linking elements. Never under it: setting an
//! element to NULL or waiting for a promise, which can wait for a
//! streaming thread that wants the lock. A GStreamer thread that needs
//! another owner to act posts a [`ControlEvent`] to the control thread
//! (`control/bus.rs`) rather than calling it.

mod parts;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak, mpsc};
use std::thread::JoinHandle;

use gst::prelude::*;

pub(crate) use parts::{CameraInput, Peer, PortalHold, ScreenInput, ScreenStream};

use crate::MediaError;
use crate::devices::DeviceWatcher;
use crate::engine::elements::encoding::{AudioEncoder, VideoEncoder};
use crate::engine::elements::frames::TrackCounters;
use crate::engine::elements::tiles::Tile;
use crate::engine::events::{MediaEvent, ScreenShareEnd};
use crate::engine::ids::Track;
use crate::engine::settings::EngineSettings;
use crate::types::{PeerId, TrackId, VideoCodec};

/// What a GStreamer thread asks the control thread to do, when it takes
/// more than the owner it runs for.
#[derive(Debug)]
pub(crate) enum ControlEvent {
    /// The screen capture feeding `feed` failed, did not start, or the
    /// desktop ended it: the share ends (and the SFU's screen publication).
    ScreenCaptureEnded {
        feed: gst::Element,
        cause: ScreenShareEnd,
        reason: String,
    },
}

/// The engine's parts, each owned by one folder of the engine.
pub(crate) struct State {
    /// `local`: the camera in use.
    pub camera: Option<CameraInput>,
    /// `local`: bumped for each camera, whose bin is named after it.
    pub camera_generation: u32,
    /// `local`: whether the person has the camera on.
    pub camera_enabled: bool,
    /// `local`: the video input selector, its placeholder pad, and the tees
    /// the encoders hang off.
    pub selector: gst::Element,
    pub placeholder_pad: gst::Pad,
    pub video_tee: gst::Element,
    pub audio_tee: gst::Element,
    /// `local`: the microphone's mute.
    pub mic_valve: gst::Element,
    /// `local`: the playback mixer every received audio branch joins.
    pub mixer: gst::Element,
    /// `local`: the newest full-size camera frame.
    pub snapshot_sink: gst_app::AppSink,
    /// `peers`: the shared encoders, made for the first connection that
    /// needs one; `control` adapts them to the link.
    pub video_encoders: HashMap<VideoCodec, VideoEncoder>,
    pub audio_encoder: Option<AudioEncoder>,
    /// `screen`: the screen while it is shared in the camera's place.
    pub screen: Option<ScreenInput>,
    /// `screen`: the screen while it is published as a stream of its own (SFU).
    pub screen_stream: Option<ScreenStream>,
    /// `screen`: the screen the person chose in the desktop portal
    /// (Wayland), while it is shared or about to be.
    pub portal: Option<PortalHold>,
    /// `peers`: one connection each.
    pub peers: HashMap<PeerId, Peer>,
    /// Each track's frame counts, recorded by whoever makes the track
    /// (`local`, `screen`, `peers`) and gone with it.
    pub tracks: HashMap<Track, Arc<TrackCounters>>,
    /// The tiles shown in the UI, as `tracks`; `control` sizes them.
    pub tiles: HashMap<Track, Tile>,
    /// `peers`: each received audio's level meter and its peer.
    pub audio_levels: HashMap<gst::Object, PeerId>,
}

/// Where the engine's events go; `None` once stopped.
pub(crate) type Events = Arc<Mutex<Option<tokio::sync::mpsc::UnboundedSender<MediaEvent>>>>;

/// Who owns a part of the pipeline, for routing its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The camera in use.
    Camera,
    /// The screen shared in the camera's place.
    SharedScreen,
    /// The screen published as a stream of its own.
    ScreenStream,
}

impl State {
    /// Asks every shared video encoder for a keyframe (a connection that
    /// just came up, the video input changed).
    pub(crate) fn request_keyframes(&self) {
        for encoder in self.video_encoders.values() {
            encoder.request_keyframe();
        }
    }

    /// Which part owns `top`, an element of the pipeline itself.
    pub(crate) fn owner_of(&self, top: &gst::Element) -> Option<Owner> {
        if self
            .camera
            .as_ref()
            .is_some_and(|c| c.bin.upcast_ref::<gst::Element>() == top)
        {
            Some(Owner::Camera)
        } else if self
            .screen
            .as_ref()
            .is_some_and(|s| s.feed.element() == top)
        {
            Some(Owner::SharedScreen)
        } else if self.screen_stream.as_ref().is_some_and(|s| s.owns(top)) {
            Some(Owner::ScreenStream)
        } else {
            None
        }
    }
}

/// The engine's one owner of its state (see the module's notes).
pub(crate) struct Shared {
    pub pipeline: gst::Pipeline,
    pub settings: EngineSettings,
    pub devices: DeviceWatcher,
    pub encoders: crate::encode::EncoderRegistry,
    /// Taken on stop, which ends the caller's event stream.
    pub events: Events,
    state: Mutex<State>,
    pub stopping: AtomicBool,
    pub threads: Mutex<Vec<JoinHandle<()>>>,
    control: mpsc::Sender<ControlEvent>,
}

impl Shared {
    /// The owner of `state`, and the receiving end of its control events
    /// (for the control thread).
    pub(crate) fn new(
        (pipeline, settings, devices): (gst::Pipeline, EngineSettings, DeviceWatcher),
        encoders: crate::encode::EncoderRegistry,
        events: Events,
        state: State,
    ) -> (Arc<Shared>, mpsc::Receiver<ControlEvent>) {
        let (control, commands) = mpsc::channel();
        let shared = Arc::new(Shared {
            pipeline,
            settings,
            devices,
            encoders,
            events,
            state: Mutex::new(state),
            stopping: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
            control,
        });
        (shared, commands)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn emit(&self, event: MediaEvent) {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(events) = events.as_ref() {
            // The receiver may be gone (caller shutting down); nothing to do then.
            let _ = events.send(event);
        }
    }

    /// Hands `event` to the control thread, and wakes it (it waits on the
    /// pipeline's bus).
    pub(crate) fn post(&self, event: ControlEvent) {
        if self.control.send(event).is_ok()
            && let Some(bus) = self.pipeline.bus()
        {
            let wake = gst::message::Application::new(gst::Structure::new_empty(CONTROL_WAKE));
            let _ = bus.post(wake);
        }
    }

    /// The counters of the track the outside world calls `track`.
    pub(crate) fn counters(&self, track: &TrackId) -> Option<Arc<TrackCounters>> {
        let track = Track::try_from(track).ok()?;
        self.lock().tracks.get(&track).cloned()
    }

    /// Runs `body` on a thread of its own, named `name`, joined on stop.
    pub(crate) fn spawn(
        self: &Arc<Self>,
        name: &str,
        body: impl FnOnce(Weak<Shared>) + Send + 'static,
    ) -> Result<(), MediaError> {
        let weak = Arc::downgrade(self);
        let handle = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(weak))
            .map_err(|source| MediaError::Io {
                what: format!("starting thread {name}"),
                source,
            })?;
        self.threads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(handle);
        Ok(())
    }
}

/// The name of the bus message that wakes the control thread.
pub(crate) const CONTROL_WAKE: &str = "mulaqat-control";

impl Drop for Shared {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
        tracing::debug!("media pipeline released");
    }
}
