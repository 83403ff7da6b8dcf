//! What the app shows outside a call: its version and platform, the
//! settings, encoders, devices, recent rooms and the network check.

use mulaqat_media::DeviceId;

use super::screen::screen_share_availability;
use super::{App, FRAME_PROTOCOL, locked};
use crate::error::{CommandError, CommandErrorCode};
use crate::ipc;

impl App {
    /// Keeps a link the app was started with until the UI asks
    /// ([`ipc::AppInfo::open_link`]).
    pub fn set_open_link(&self, link: String) {
        *locked(&self.open_link) = Some(link);
    }

    /// Version, platform and what this machine can do (and a link to open,
    /// handed over once).
    pub fn app_info(&self) -> ipc::AppInfo {
        ipc::AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            platform: platform(),
            embedded_server: locked(&self.settings).values().server_url.is_none(),
            screen_share: screen_share_availability(self.test_devices).is_ok(),
            frame_protocol: FRAME_PROTOCOL,
            open_link: locked(&self.open_link).take(),
        }
    }

    /// Every setting with its lock.
    pub fn settings(&self) -> ipc::Settings {
        ipc::Settings::from(&locked(&self.settings).view())
    }

    /// Changes one setting and saves; a key policy sets is refused.
    pub fn update_setting(
        &self,
        change: ipc::UpdateSettingArgs,
    ) -> Result<ipc::Settings, CommandError> {
        let mut settings = locked(&self.settings);
        let change = change.into_change()?;
        if let mulaqat_settings::SettingChange::LaunchAtLogin(on) = change
            && !settings.is_locked(mulaqat_settings::SettingKey::LaunchAtLogin)
        {
            // The OS first: a setting that says "on" must mean it is.
            let exe = std::env::current_exe().map_err(|e| {
                CommandError::internal(format!("could not find this program's path: {e}"))
            })?;
            crate::autostart::set_launch_at_login(&exe, on)
                .map_err(|e| CommandError::internal(e.to_string()))?;
        }
        settings.update(change).map_err(CommandError::from)?;
        self.settings_file
            .save(settings.user())
            .map_err(|e| CommandError::internal(format!("the setting could not be saved: {e}")))?;
        Ok(ipc::Settings::from(&settings.view()))
    }

    /// The encoders Mulaqat knows, and whether each works on this machine
    /// (the probe runs in the background from start-up).
    pub fn list_encoders(&self) -> Vec<ipc::EncoderInfo> {
        mulaqat_media::shared_encoders()
            .results()
            .into_iter()
            .map(|r| ipc::EncoderInfo {
                available: matches!(r.outcome, mulaqat_media::encode::ProbeOutcome::Working(_)),
                element: r.element,
                codec: r.codec.into(),
                hardware: r.hardware,
            })
            .collect()
    }

    /// Plays a short chime on the speaker.
    pub async fn play_test_sound(&self, speaker: Option<DeviceId>) -> Result<(), CommandError> {
        if speaker.is_some() {
            tracing::debug!("the test sound plays on the default speaker");
        }
        let played = tokio::task::spawn_blocking(|| {
            mulaqat_media::play_test_tone(std::time::Duration::from_millis(600))
        })
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?;
        played.map_err(|e| {
            CommandError::new(
                CommandErrorCode::DeviceUnavailable,
                format!("no sound could be played ({e}); check that a speaker is connected and not muted"),
            )
        })
    }

    /// The pre-join network check for `target`'s server: it answers and
    /// accepts the link, a TURN relay allocates, and rough bandwidth.
    pub async fn network_check(
        &self,
        target: ipc::JoinTarget,
    ) -> Result<ipc::NetworkCheck, CommandError> {
        let link = self.resolve(target)?;
        let trust = {
            let settings = locked(&self.settings);
            settings
                .check_server(&link.server)
                .map_err(CommandError::from)?;
            settings.trust()
        };
        Ok(crate::netcheck::run(&link, &trust).await)
    }

    /// Cameras, microphones and speakers (test ones when there are none).
    pub fn list_devices(&self) -> Vec<ipc::DeviceInfo> {
        self.devices.list().into_iter().map(Into::into).collect()
    }

    /// Rooms joined before, newest first.
    pub fn recent_rooms(&self) -> Vec<ipc::RecentRoom> {
        let settings = locked(&self.settings);
        settings
            .values()
            .recent_rooms
            .iter()
            .map(Into::into)
            .collect()
    }

    /// The frame socket's address and this launch's token.
    pub fn frame_socket(&self) -> ipc::FrameSocketInfo {
        ipc::FrameSocketInfo {
            url: self.frames.url(),
            token: self.frames.token().to_owned(),
        }
    }
}

/// The platform the UI adapts to.
fn platform() -> ipc::Platform {
    if cfg!(windows) {
        ipc::Platform::Windows
    } else if cfg!(target_os = "macos") {
        ipc::Platform::Macos
    } else {
        ipc::Platform::Linux
    }
}
