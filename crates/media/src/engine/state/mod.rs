//! The engine's state and who owns it. [`State`] belongs to the control
//! thread (`control/bus.rs`) alone and is never behind a lock: every change
//! to it, and every check that a change depends on, runs there as a
//! [`Job`]. The engine's API sends a job and waits for its answer
//! ([`Shared::call`]); a GStreamer thread that saw something posts one and
//! goes on ([`Shared::post`]). What every thread may touch without the
//! control thread is in [`Shared`]: the pipeline, the settings, the device
//! list, the encoder probe and the event channel out, none of which a job
//! changes. Objects a streaming thread must read at once (a track's frame
//! counters, a connection's congestion controller and reports) are shared
//! handles that keep their own small state.

mod parts;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak, mpsc};
use std::thread::{JoinHandle, ThreadId};

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

/// A piece of work the control thread runs with the engine's state.
pub(crate) type Work = Box<dyn FnOnce(&Arc<Shared>, &mut State) + Send>;

/// Work for the control thread, which runs it with the engine's state.
pub(crate) enum Job {
    /// A command from the engine's API, or what a GStreamer thread saw
    /// that one owner deals with.
    Run(Work),
    /// The screen capture feeding `feed` failed, did not start, or the
    /// desktop ended it: the control decides what ends with it (the share,
    /// the SFU's screen publication).
    ScreenCaptureEnded {
        feed: gst::Element,
        cause: ScreenShareEnd,
        reason: String,
    },
}

/// The engine's parts, owned by the control thread; each part is changed
/// by the folder its field names (`local`, `screen`, `peers`, `control`).
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

    /// The counters of the track the outside world calls `track`.
    pub(crate) fn counters(&self, track: &TrackId) -> Option<Arc<TrackCounters>> {
        let track = Track::try_from(track).ok()?;
        self.tracks.get(&track).cloned()
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

/// What every thread of the engine shares (see the module's notes), and
/// the way to the control thread.
pub(crate) struct Shared {
    pub pipeline: gst::Pipeline,
    pub settings: EngineSettings,
    pub devices: DeviceWatcher,
    pub encoders: crate::encode::EncoderRegistry,
    /// Taken on stop, which ends the caller's event stream.
    pub events: Events,
    pub stopping: AtomicBool,
    pub threads: Mutex<Vec<JoinHandle<()>>>,
    jobs: mpsc::Sender<Job>,
    /// The control thread, which must never wait for itself.
    control_thread: OnceLock<ThreadId>,
}

impl Shared {
    /// The shared part, and the receiving end of the control thread's jobs.
    pub(crate) fn new(
        (pipeline, settings, devices): (gst::Pipeline, EngineSettings, DeviceWatcher),
        encoders: crate::encode::EncoderRegistry,
        events: Events,
    ) -> (Arc<Shared>, mpsc::Receiver<Job>) {
        let (jobs, receiver) = mpsc::channel();
        let shared = Arc::new(Shared {
            pipeline,
            settings,
            devices,
            encoders,
            events,
            stopping: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
            jobs,
            control_thread: OnceLock::new(),
        });
        (shared, receiver)
    }

    /// Marks the calling thread as the control thread.
    pub(crate) fn claim_control(&self) {
        let _ = self.control_thread.set(std::thread::current().id());
    }

    pub(crate) fn emit(&self, event: MediaEvent) {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(events) = events.as_ref() {
            // The receiver may be gone (caller shutting down); nothing to do then.
            let _ = events.send(event);
        }
    }

    /// Hands `job` to the control thread and goes on (what GStreamer's
    /// threads do), waking it (it waits on the pipeline's bus). Dropped
    /// unrun once the engine has stopped.
    pub(crate) fn post(&self, job: impl FnOnce(&Arc<Shared>, &mut State) + Send + 'static) {
        self.send(Job::Run(Box::new(job)));
    }

    /// Hands `job` to the control thread, as [`Self::post`] does.
    pub(crate) fn send(&self, job: Job) {
        if self.jobs.send(job).is_ok()
            && let Some(bus) = self.pipeline.bus()
        {
            let wake = gst::message::Application::new(gst::Structure::new_empty(CONTROL_WAKE));
            let _ = bus.post(wake);
        }
    }

    /// Runs `job` on the control thread and gives its answer (what the
    /// engine's API does): [`MediaError::Stopped`] once the engine has
    /// stopped. Never from the control thread itself, which would wait
    /// for itself: a job there is refused.
    pub(crate) fn call<R: Send + 'static>(
        &self,
        job: impl FnOnce(&Arc<Shared>, &mut State) -> R + Send + 'static,
    ) -> Result<R, MediaError> {
        if self.control_thread.get() == Some(&std::thread::current().id()) {
            tracing::error!("the media engine was called from its own control thread");
            return Err(MediaError::Pipeline(
                "the media engine was called from its own control thread".into(),
            ));
        }
        let (reply, answer) = mpsc::sync_channel(1);
        self.post(move |shared, state| {
            let _ = reply.send(job(shared, state));
        });
        answer.recv().map_err(|_| MediaError::Stopped)
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
