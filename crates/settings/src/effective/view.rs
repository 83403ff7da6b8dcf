//! What the settings screen shows: each value in force with its lock.

use std::path::PathBuf;

use serde::Serialize;

use super::{EffectiveSettings, SettingKey};
use crate::user::{EncoderPreference, Quality, RecentRoom};

/// One setting for the UI: its value in force and whether IT locked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field<T> {
    /// The value in force.
    pub value: T,
    /// Set by the machine policy; the UI shows it read-only.
    pub locked: bool,
}

/// Everything the settings screen shows, serialised in camelCase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The server's address.
    pub server_url: Field<Option<String>>,
    /// The name others see.
    pub display_name: Field<Option<String>>,
    /// The camera's device id.
    pub camera: Field<Option<String>>,
    /// The microphone's device id.
    pub microphone: Field<Option<String>>,
    /// The speaker's device id.
    pub speaker: Field<Option<String>>,
    /// The most video detail to send.
    pub quality: Field<Quality>,
    /// Which kind of encoder to prefer.
    pub encoder: Field<EncoderPreference>,
    /// Clinical audio.
    pub clinical_audio: Field<bool>,
    /// The interface language.
    pub language: Field<Option<String>>,
    /// Start at login.
    pub launch_at_login: Field<bool>,
    /// The lobby knock sound.
    pub knock_sound: Field<bool>,
    /// Guest invitation links allowed.
    pub allow_guest_links: Field<bool>,
    /// Relay-only media.
    pub relay_only: Field<bool>,
    /// The pinned CA file.
    pub extra_ca_pem: Field<Option<PathBuf>>,
    /// Recent rooms, newest first.
    pub recent_rooms: Vec<RecentRoom>,
    /// Messages for the person: a damaged settings file that was set aside,
    /// a policy that could not be read, policy keys that were skipped.
    pub notices: Vec<String>,
}

impl EffectiveSettings {
    /// The settings screen's view: each value in force with its lock.
    pub fn view(&self) -> SettingsView {
        let e = &self.effective;
        let field = |key: SettingKey| self.is_locked(key);
        SettingsView {
            server_url: Field {
                value: e.server_url.clone(),
                locked: field(SettingKey::ServerUrl),
            },
            display_name: Field {
                value: e.display_name.clone(),
                locked: false,
            },
            camera: Field {
                value: e.camera.clone(),
                locked: false,
            },
            microphone: Field {
                value: e.microphone.clone(),
                locked: false,
            },
            speaker: Field {
                value: e.speaker.clone(),
                locked: false,
            },
            quality: Field {
                value: e.quality,
                locked: field(SettingKey::Quality),
            },
            encoder: Field {
                value: e.encoder.clone(),
                locked: field(SettingKey::Encoder),
            },
            clinical_audio: Field {
                value: e.clinical_audio,
                locked: field(SettingKey::ClinicalAudio),
            },
            language: Field {
                value: e.language.clone(),
                locked: field(SettingKey::Language),
            },
            launch_at_login: Field {
                value: e.launch_at_login,
                locked: field(SettingKey::LaunchAtLogin),
            },
            knock_sound: Field {
                value: e.knock_sound,
                locked: false,
            },
            allow_guest_links: Field {
                value: self.allow_guest_links(),
                locked: field(SettingKey::AllowGuestLinks),
            },
            relay_only: Field {
                value: self.relay_only(),
                locked: field(SettingKey::RelayOnly),
            },
            extra_ca_pem: Field {
                value: self.policy.extra_ca_pem.clone(),
                locked: field(SettingKey::ExtraCaPem),
            },
            recent_rooms: e.recent_rooms.clone(),
            notices: self.notices.clone(),
        }
    }
}
