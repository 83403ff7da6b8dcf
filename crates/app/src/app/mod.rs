//! [`App`]: what the desktop shell's commands call. One per process; it
//! owns the settings, the frame socket, the media engine, the call and the
//! embedded server, and reports to the UI through an [`EventSink`].
//!
//! Its methods are grouped by what they work on: `settings` (app info,
//! settings, devices and the network check), `preview` (the self-view
//! before a call), `call` (joining and acting in a call), `screen`
//! (screen sharing) and `meetings` (meetings on the embedded server).

mod call;
mod meetings;
mod preview;
mod screen;
mod settings;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use mulaqat_media::devices::{DeviceWatcher, TestDevices};
use mulaqat_media::frames::FrameServer;
use mulaqat_settings::{EffectiveSettings, LoadedPolicy, PolicyError, SettingsFile};
use tokio::sync::Mutex as AsyncMutex;

use crate::call::ActiveCall;
use crate::error::CommandError;
use crate::events::{AppEvent, EventSink};
use crate::ipc;
use crate::media::RunningMedia;
use crate::meeting::EmbeddedServer;

/// How the app starts.
#[derive(Debug)]
pub struct AppConfig {
    /// Where the person's settings live.
    pub settings_file: SettingsFile,
    /// The machine policy, as read (an error is shown and left out).
    pub policy: Result<LoadedPolicy, PolicyError>,
    /// When test camera and microphone stand in for real ones.
    pub test_devices: TestDevices,
    /// Where the embedded server listens when this computer hosts.
    pub embedded_listen: SocketAddr,
    /// The embedded server's data folder.
    pub data_dir: PathBuf,
}

/// Why [`AppConfig::from_environment`] could not make a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The person's settings folder cannot be found.
    #[error("no settings folder for this user: {0}")]
    Settings(#[from] mulaqat_settings::SettingsError),
    /// `MULAQAT_EMBEDDED_LISTEN` is set to something else than an address.
    #[error("MULAQAT_EMBEDDED_LISTEN is not an address:port ({0:?})")]
    EmbeddedListen(String),
}

/// Where the embedded server listens unless `MULAQAT_EMBEDDED_LISTEN` says.
const DEFAULT_EMBEDDED_LISTEN: &str = "0.0.0.0:8717";

impl AppConfig {
    /// This person on this machine: their settings file where it usually
    /// is, the machine policy, test devices as `MULAQAT_TEST_DEVICES` says
    /// (`only`, `always`; otherwise when a device is missing), and the
    /// embedded server on `MULAQAT_EMBEDDED_LISTEN` (default
    /// `0.0.0.0:8717`) keeping its data in `data_dir`.
    pub fn from_environment(data_dir: PathBuf) -> Result<Self, ConfigError> {
        let test_devices = match std::env::var("MULAQAT_TEST_DEVICES").as_deref() {
            Ok("only") => TestDevices::Only,
            Ok("always") => TestDevices::Always,
            _ => TestDevices::WhenMissing,
        };
        let listen = std::env::var("MULAQAT_EMBEDDED_LISTEN")
            .unwrap_or_else(|_| DEFAULT_EMBEDDED_LISTEN.into());
        Ok(AppConfig {
            settings_file: SettingsFile::default_location()?,
            policy: mulaqat_settings::MachinePolicy::load(),
            test_devices,
            embedded_listen: listen
                .parse()
                .map_err(|_| ConfigError::EmbeddedListen(listen))?,
            data_dir,
        })
    }
}

/// The frame socket's wire version (docs/frames.md).
const FRAME_PROTOCOL: u32 = 1;

/// The desktop app's backend.
pub struct App {
    settings_file: SettingsFile,
    test_devices: TestDevices,
    embedded_listen: SocketAddr,
    data_dir: PathBuf,
    settings: Mutex<EffectiveSettings>,
    frames: FrameServer,
    devices: DeviceWatcher,
    sink: Arc<dyn EventSink>,
    media: AsyncMutex<Option<RunningMedia>>,
    call: AsyncMutex<Option<ActiveCall>>,
    embedded: AsyncMutex<Option<EmbeddedServer>>,
    /// The guest links of meetings this app started, by room code.
    meetings: Mutex<Vec<ipc::StartedMeeting>>,
    /// A link to open once the UI asks ([`App::set_open_link`]).
    open_link: Mutex<Option<String>>,
    /// Recent rooms' join tokens, in the OS keyring.
    room_tokens: crate::recent::RoomTokens,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl App {
    /// Loads settings and policy, starts the frame socket and the device
    /// watcher. Nothing is captured until [`App::start_preview`] or a call.
    pub async fn start(config: AppConfig, sink: Arc<dyn EventSink>) -> Result<App, CommandError> {
        let AppConfig {
            settings_file,
            policy,
            test_devices,
            embedded_listen,
            data_dir,
        } = config;
        let settings = EffectiveSettings::load(&settings_file, policy);
        for notice in settings.notices() {
            tracing::warn!("settings: {notice}");
        }
        if settings.is_locked(mulaqat_settings::SettingKey::LaunchAtLogin) {
            // IT decides: make the login start match the policy.
            let on = settings.values().launch_at_login;
            let applied = std::env::current_exe()
                .map_err(|e| e.to_string())
                .and_then(|exe| {
                    crate::autostart::set_launch_at_login(&exe, on).map_err(|e| e.to_string())
                });
            if let Err(e) = applied {
                tracing::warn!("the policy's launch_at_login could not be applied: {e}");
            }
        }
        let frames = FrameServer::start()
            .await
            .map_err(|e| CommandError::internal(format!("the video socket did not start: {e}")))?;
        let device_sink = sink.clone();
        let devices = DeviceWatcher::start(test_devices, move |event| {
            device_sink.emit(AppEvent::DeviceChanged(crate::events::device_change(event)));
        })
        .map_err(|e| CommandError::internal(format!("devices cannot be listed: {e}")))?;
        Ok(App {
            settings_file,
            test_devices,
            embedded_listen,
            data_dir,
            settings: Mutex::new(settings),
            frames,
            devices,
            sink,
            media: AsyncMutex::new(None),
            call: AsyncMutex::new(None),
            embedded: AsyncMutex::new(None),
            meetings: Mutex::new(Vec::new()),
            open_link: Mutex::new(None),
            room_tokens: crate::recent::RoomTokens::default(),
        })
    }

    /// Ends the call, stops the media and the embedded server (app closing).
    pub async fn shutdown(&self) {
        if let Some(call) = self.call.lock().await.take() {
            call.finish().await;
        }
        if let Some(media) = self.media.lock().await.take() {
            media.stop().await;
        }
        if let Some(server) = self.embedded.lock().await.take() {
            server.shutdown().await;
        }
    }
}
