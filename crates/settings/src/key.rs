//! Setting names ([`SettingKey`]) and the changes a person can make
//! ([`SettingChange`]), shared by the settings file, the policy and the UI.

use serde::{Deserialize, Serialize};

use crate::user::{EncoderPreference, Quality};

/// A setting, by name. Serialised in camelCase, as in the settings file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SettingKey {
    /// The server's address.
    ServerUrl,
    /// The name others see.
    DisplayName,
    /// The camera.
    Camera,
    /// The microphone.
    Microphone,
    /// The speaker.
    Speaker,
    /// The most video detail to send.
    Quality,
    /// Which kind of encoder to prefer.
    Encoder,
    /// Clinical audio.
    ClinicalAudio,
    /// The interface language.
    Language,
    /// Start at login.
    LaunchAtLogin,
    /// The lobby knock sound.
    KnockSound,
    /// Guest invitation links (policy only).
    AllowGuestLinks,
    /// Relay-only media (policy only).
    RelayOnly,
    /// The pinned CA file (policy only).
    ExtraCaPem,
}

impl SettingKey {
    /// Every key.
    pub const ALL: [SettingKey; 14] = [
        Self::ServerUrl,
        Self::DisplayName,
        Self::Camera,
        Self::Microphone,
        Self::Speaker,
        Self::Quality,
        Self::Encoder,
        Self::ClinicalAudio,
        Self::Language,
        Self::LaunchAtLogin,
        Self::KnockSound,
        Self::AllowGuestLinks,
        Self::RelayOnly,
        Self::ExtraCaPem,
    ];

    /// The name in the settings file and the UI (`serverUrl`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServerUrl => "serverUrl",
            Self::DisplayName => "displayName",
            Self::Camera => "camera",
            Self::Microphone => "microphone",
            Self::Speaker => "speaker",
            Self::Quality => "quality",
            Self::Encoder => "encoder",
            Self::ClinicalAudio => "clinicalAudio",
            Self::Language => "language",
            Self::LaunchAtLogin => "launchAtLogin",
            Self::KnockSound => "knockSound",
            Self::AllowGuestLinks => "allowGuestLinks",
            Self::RelayOnly => "relayOnly",
            Self::ExtraCaPem => "extraCaPem",
        }
    }

    /// Whether the person sets this key: a [`SettingChange`] changes it and
    /// the settings screen lists it. The others only machine policy sets.
    pub fn is_personal(self) -> bool {
        match self {
            Self::ServerUrl
            | Self::DisplayName
            | Self::Camera
            | Self::Microphone
            | Self::Speaker
            | Self::Quality
            | Self::Encoder
            | Self::ClinicalAudio
            | Self::Language
            | Self::LaunchAtLogin
            | Self::KnockSound => true,
            Self::AllowGuestLinks | Self::RelayOnly | Self::ExtraCaPem => false,
        }
    }

    /// The name in the machine policy (`server_url`), if policy can set it.
    pub fn policy_name(self) -> Option<&'static str> {
        Some(match self {
            Self::ServerUrl => "server_url",
            Self::Quality => "quality",
            Self::Encoder => "encoder",
            Self::ClinicalAudio => "clinical_audio",
            Self::Language => "language",
            Self::LaunchAtLogin => "launch_at_login",
            Self::AllowGuestLinks => "allow_guest_links",
            Self::RelayOnly => "relay_only",
            Self::ExtraCaPem => "extra_ca_pem",
            Self::DisplayName
            | Self::Camera
            | Self::Microphone
            | Self::Speaker
            | Self::KnockSound => return None,
        })
    }

    /// A short name for people ("server address").
    pub fn label(self) -> &'static str {
        match self {
            Self::ServerUrl => "server address",
            Self::DisplayName => "display name",
            Self::Camera => "camera",
            Self::Microphone => "microphone",
            Self::Speaker => "speaker",
            Self::Quality => "video quality",
            Self::Encoder => "video encoder",
            Self::ClinicalAudio => "clinical audio",
            Self::Language => "language",
            Self::LaunchAtLogin => "start at login",
            Self::KnockSound => "knock sound",
            Self::AllowGuestLinks => "guest links",
            Self::RelayOnly => "relay-only media",
            Self::ExtraCaPem => "pinned certificate authority",
        }
    }
}

impl std::fmt::Display for SettingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change a person makes, as the UI sends it:
/// `{"key": "quality", "value": "1080p"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "key", content = "value", rename_all = "camelCase")]
pub enum SettingChange {
    /// The server's address (`None` forgets it).
    ServerUrl(Option<String>),
    /// The name others see.
    DisplayName(Option<String>),
    /// The camera's device id (`None`: system default).
    Camera(Option<String>),
    /// The microphone's device id (`None`: system default).
    Microphone(Option<String>),
    /// The speaker's device id (`None`: system default).
    Speaker(Option<String>),
    /// The most video detail to send.
    Quality(Quality),
    /// Which kind of encoder to prefer.
    Encoder(EncoderPreference),
    /// Clinical audio on or off.
    ClinicalAudio(bool),
    /// The interface language (`None`: follow the system).
    Language(Option<String>),
    /// Start at login.
    LaunchAtLogin(bool),
    /// The lobby knock sound on or off.
    KnockSound(bool),
}

impl SettingChange {
    /// The key this changes.
    pub fn key(&self) -> SettingKey {
        match self {
            Self::ServerUrl(_) => SettingKey::ServerUrl,
            Self::DisplayName(_) => SettingKey::DisplayName,
            Self::Camera(_) => SettingKey::Camera,
            Self::Microphone(_) => SettingKey::Microphone,
            Self::Speaker(_) => SettingKey::Speaker,
            Self::Quality(_) => SettingKey::Quality,
            Self::Encoder(_) => SettingKey::Encoder,
            Self::ClinicalAudio(_) => SettingKey::ClinicalAudio,
            Self::Language(_) => SettingKey::Language,
            Self::LaunchAtLogin(_) => SettingKey::LaunchAtLogin,
            Self::KnockSound(_) => SettingKey::KnockSound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_are_policy_keys() {
        for key in SettingKey::ALL {
            if let Some(name) = key.policy_name() {
                assert!(crate::policy::POLICY_KEYS.contains(&name), "{name}");
            }
            assert!(!key.label().is_empty());
        }
        let named = SettingKey::ALL
            .iter()
            .filter(|k| k.policy_name().is_some())
            .count();
        // Every policy key but lock_server names a setting.
        assert_eq!(named, crate::policy::POLICY_KEYS.len() - 1);
    }

    /// A change of `key`, when the person can make one.
    fn change_of(key: SettingKey) -> Option<SettingChange> {
        Some(match key {
            SettingKey::ServerUrl => SettingChange::ServerUrl(None),
            SettingKey::DisplayName => SettingChange::DisplayName(None),
            SettingKey::Camera => SettingChange::Camera(None),
            SettingKey::Microphone => SettingChange::Microphone(None),
            SettingKey::Speaker => SettingChange::Speaker(None),
            SettingKey::Quality => SettingChange::Quality(Quality::Auto),
            SettingKey::Encoder => SettingChange::Encoder(EncoderPreference::Auto),
            SettingKey::ClinicalAudio => SettingChange::ClinicalAudio(false),
            SettingKey::Language => SettingChange::Language(None),
            SettingKey::LaunchAtLogin => SettingChange::LaunchAtLogin(false),
            SettingKey::KnockSound => SettingChange::KnockSound(true),
            SettingKey::AllowGuestLinks | SettingKey::RelayOnly | SettingKey::ExtraCaPem => {
                return None;
            }
        })
    }

    #[test]
    fn the_person_changes_exactly_the_personal_keys() {
        for key in SettingKey::ALL {
            assert_eq!(
                change_of(key).map(|c| c.key()),
                key.is_personal().then_some(key),
                "{key}"
            );
        }
    }

    #[test]
    fn every_key_is_listed_once_and_shown_on_the_settings_screen() {
        let view = crate::EffectiveSettings::new(
            crate::UserSettings::default(),
            crate::MachinePolicy::default(),
        )
        .view();
        let serde_json::Value::Object(fields) = serde_json::to_value(view).expect("json") else {
            panic!("the view is an object");
        };
        let mut shown: Vec<&str> = fields
            .keys()
            .map(String::as_str)
            .filter(|name| !matches!(*name, "recentRooms" | "notices"))
            .collect();
        let mut listed: Vec<&str> = SettingKey::ALL.iter().map(|k| k.as_str()).collect();
        shown.sort_unstable();
        listed.sort_unstable();
        listed.dedup();
        assert_eq!(listed.len(), SettingKey::ALL.len(), "a key listed twice");
        assert_eq!(shown, listed);
    }
}
