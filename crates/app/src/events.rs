//! What the backend tells the UI without being asked. The shell forwards
//! each [`AppEvent`] as the Tauri event [`AppEvent::name`] gives (the UI
//! contract's event names in kebab case: `call-snapshot`, `call-event`, ...).

use crate::ipc;

/// An event for the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    /// The call as it stands, after every change: what the UI draws.
    CallSnapshot(ipc::CallSnapshot),
    /// What happened in the call, for what the UI does besides drawing it
    /// (a knock to announce, a chat message to count, an error to show);
    /// sent after the snapshot it changed.
    CallEvent(ipc::CallEvent),
    /// Once a second during a call.
    Stats(ipc::StatsReport),
    /// Tracks, encoders, devices lost, media errors.
    MediaEvent(ipc::MediaEvent),
    /// A device was plugged in or out.
    DeviceChanged(ipc::DeviceChange),
    /// The microphone's level, ten times a second.
    MicLevel(ipc::MicLevel),
    /// The loudest remote participant changed.
    ActiveSpeaker(ipc::ActiveSpeaker),
}

impl AppEvent {
    /// The Tauri event name: the UI contract's name in kebab case
    /// (`callEvent` is emitted as `call-event`).
    pub fn name(&self) -> &'static str {
        match self {
            AppEvent::CallSnapshot(_) => "call-snapshot",
            AppEvent::CallEvent(_) => "call-event",
            AppEvent::Stats(_) => "stats",
            AppEvent::MediaEvent(_) => "media-event",
            AppEvent::DeviceChanged(_) => "device-changed",
            AppEvent::MicLevel(_) => "mic-level",
            AppEvent::ActiveSpeaker(_) => "active-speaker",
        }
    }

    /// The payload as JSON.
    pub fn payload(&self) -> serde_json::Value {
        let value = match self {
            AppEvent::CallSnapshot(e) => serde_json::to_value(e),
            AppEvent::CallEvent(e) => serde_json::to_value(e),
            AppEvent::Stats(e) => serde_json::to_value(e),
            AppEvent::MediaEvent(e) => serde_json::to_value(e),
            AppEvent::DeviceChanged(e) => serde_json::to_value(e),
            AppEvent::MicLevel(e) => serde_json::to_value(e),
            AppEvent::ActiveSpeaker(e) => serde_json::to_value(e),
        };
        value.unwrap_or(serde_json::Value::Null)
    }
}

/// The UI's view of an engine event; `None` for what stays in the backend
/// (SDP, candidates).
pub(crate) fn from_media(event: mulaqat_media::MediaEvent) -> Option<AppEvent> {
    use mulaqat_media::MediaEvent;
    match event {
        MediaEvent::Stats { report } => Some(AppEvent::Stats(report.into())),
        MediaEvent::MicLevel { level, peak } => {
            Some(AppEvent::MicLevel(ipc::MicLevel { level, peak }))
        }
        // Levels of others become the active speaker (see `call.rs`).
        MediaEvent::AudioLevel { .. } => None,
        MediaEvent::DeviceAdded { device } => {
            Some(AppEvent::DeviceChanged(ipc::DeviceChange::Added {
                device: device.into(),
            }))
        }
        MediaEvent::DeviceRemoved { device } => {
            Some(AppEvent::DeviceChanged(ipc::DeviceChange::Removed {
                device: device.into(),
            }))
        }
        other => ipc::MediaEvent::from_engine(other).map(AppEvent::MediaEvent),
    }
}

/// The UI's view of a device plugged in or out.
pub(crate) fn device_change(event: mulaqat_media::devices::DeviceEvent) -> ipc::DeviceChange {
    use mulaqat_media::devices::DeviceEvent;
    match event {
        DeviceEvent::Added(device) => ipc::DeviceChange::Added {
            device: device.into(),
        },
        DeviceEvent::Removed(device) => ipc::DeviceChange::Removed {
            device: device.into(),
        },
    }
}

/// Where events go: the shell's window, or a test's channel.
pub trait EventSink: Send + Sync + 'static {
    /// Delivers one event; must not block.
    fn emit(&self, event: AppEvent);
}

impl EventSink for tokio::sync::mpsc::UnboundedSender<AppEvent> {
    fn emit(&self, event: AppEvent) {
        // A closed receiver means nobody listens any more (app closing).
        let _ = self.send(event);
    }
}
