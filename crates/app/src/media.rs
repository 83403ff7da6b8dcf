//! The app's media engine: started for the pre-join preview (self-view and
//! microphone), handed to the call when joining, stopped when the call ends.

use mulaqat_media::devices::TestDevices;
use mulaqat_media::frames::FrameOutput;
use mulaqat_media::{DeviceId, EngineSettings, EventReceiver, MediaEngine, Quality};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::{CommandError, CommandErrorCode};
use crate::events::EventSink;

/// What the engine is started with.
#[derive(Debug, Clone)]
pub(crate) struct MediaChoice {
    pub camera: Option<DeviceId>,
    pub microphone: Option<DeviceId>,
    pub speaker: Option<DeviceId>,
    pub quality: Quality,
    pub clinical_audio: bool,
    pub test_devices: TestDevices,
    /// An encoder element to use when it works (from the encoder preference).
    pub pinned_encoder: Option<String>,
}

/// A running engine whose events go to the UI until a call takes them.
pub(crate) struct RunningMedia {
    pub engine: MediaEngine,
    forward: Option<(oneshot::Sender<()>, JoinHandle<Option<EventReceiver>>)>,
}

impl std::fmt::Debug for RunningMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningMedia").finish_non_exhaustive()
    }
}

impl RunningMedia {
    /// Starts the engine; its events go to `sink` until [`Self::take_events`].
    pub(crate) fn start(
        choice: &MediaChoice,
        frames: FrameOutput,
        sink: std::sync::Arc<dyn EventSink>,
    ) -> Result<Self, CommandError> {
        let (engine, events) = MediaEngine::start(EngineSettings {
            camera: choice.camera.clone(),
            microphone: choice.microphone.clone(),
            speaker: choice.speaker.clone(),
            test_devices: choice.test_devices,
            quality: choice.quality,
            clinical_audio: choice.clinical_audio,
            pinned_encoder: choice.pinned_encoder.clone(),
            frame_output: Some(frames),
            ..EngineSettings::default()
        })
        .map_err(|e| {
            CommandError::new(
                CommandErrorCode::DeviceUnavailable,
                format!("the camera and microphone could not be started: {e}"),
            )
        })?;
        let (stop, stopped) = oneshot::channel();
        let forward = tokio::spawn(forward_events(events, stopped, sink));
        Ok(Self {
            engine,
            forward: Some((stop, forward)),
        })
    }

    /// Stops forwarding to the UI and hands the engine's events over (to a call).
    pub(crate) async fn take_events(&mut self) -> Option<EventReceiver> {
        let (stop, forward) = self.forward.take()?;
        let _ = stop.send(());
        forward.await.ok().flatten()
    }

    /// Stops the engine and every pipeline in it.
    pub(crate) async fn stop(mut self) {
        if let Some((stop, forward)) = self.forward.take() {
            let _ = stop.send(());
            let _ = forward.await;
        }
        let engine = self.engine.clone();
        // Stopping joins GStreamer threads: not on the async runtime.
        let _ = tokio::task::spawn_blocking(move || engine.stop()).await;
    }
}

async fn forward_events(
    mut events: EventReceiver,
    mut stop: oneshot::Receiver<()>,
    sink: std::sync::Arc<dyn EventSink>,
) -> Option<EventReceiver> {
    loop {
        tokio::select! {
            _ = &mut stop => return Some(events),
            event = events.recv() => match event {
                Some(event) => {
                    if let Some(event) = crate::events::from_media(event) {
                        sink.emit(event);
                    }
                }
                None => return None,
            },
        }
    }
}
