//! Settings as the UI sees them, and how they map onto `mulaqat_settings`.
//!
//! `mulaqat_settings::SettingKey` owns the list of settings; the UI's
//! [`SettingKey`] names the ones the person sets, some differently
//! (`tests/setting_values.rs` fails when either side gains a key the other
//! lacks):
//!
//! | UI key (`SettingKey`) | `mulaqat_settings::SettingKey` | value mapping |
//! | --- | --- | --- |
//! | `serverUrl` | `serverUrl` | same |
//! | `displayName` | `displayName` | `None` ↔ `""` |
//! | `cameraId`, `microphoneId`, `speakerId` | `camera`, `microphone`, `speaker` | same |
//! | `quality` | `quality` | `"p1080"` ↔ `"1080p"` (variant by variant) |
//! | `encoderPreference` | `encoder` | `"auto"`/`"hardware"`/`"software"` or a known encoder element (pinned) |
//! | `clinicalAudio`, `launchAtLogin` | same | same |
//! | `language` | `language` | `"system"` ↔ `None`, `"en"`/`"ur"` ↔ the tag's primary language |
//! | `knockSound` | `knockSound` | on by default; policy does not set it |
//! | — | `allowGuestLinks`, `relayOnly`, `extraCaPem` | policy only, not shown |

use mulaqat_settings as settings;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::app::JoinTarget;
use super::ids::{DeviceId, UnixMillis, ts};
use super::media::QualityChoice;

/// The interface language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Follow the system.
    #[default]
    System,
    /// English.
    En,
    /// Urdu.
    Ur,
}

impl Language {
    /// From a settings language tag (`en`, `ur-PK`; `None`: the system's). A language
    /// the UI has no translation for follows the system.
    pub fn from_tag(tag: Option<&str>) -> Language {
        let primary = tag
            .and_then(|t| t.split('-').next())
            .map(str::to_ascii_lowercase);
        match primary.as_deref() {
            Some("en") => Language::En,
            Some("ur") => Language::Ur,
            _ => Language::System,
        }
    }

    /// The settings language tag (`None`: follow the system).
    pub fn tag(self) -> Option<&'static str> {
        match self {
            Language::System => None,
            Language::En => Some("en"),
            Language::Ur => Some("ur"),
        }
    }
}

/// User settings; keys in machine policy (`/etc/mulaqat/policy.toml`, HKLM) lock them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingValues {
    /// The signalling server's URL; `null` uses the embedded server.
    pub server_url: Option<String>,
    /// The name others see.
    pub display_name: String,
    /// The camera (`null`: the system default).
    #[ts(as = "Option<ts::DeviceId>")]
    pub camera_id: Option<DeviceId>,
    /// The microphone (`null`: the system default).
    #[ts(as = "Option<ts::DeviceId>")]
    pub microphone_id: Option<DeviceId>,
    /// The speaker (`null`: the system default).
    #[ts(as = "Option<ts::DeviceId>")]
    pub speaker_id: Option<DeviceId>,
    /// The most video detail to send.
    pub quality: QualityChoice,
    /// `"auto"` or an encoder element to pin.
    pub encoder_preference: String,
    /// Echo cancellation, noise suppression and gain control off (stethoscopes).
    pub clinical_audio: bool,
    /// The interface language.
    pub language: Language,
    /// Start Mulaqat at login.
    pub launch_at_login: bool,
    /// Play a sound while someone waits in the lobby.
    pub knock_sound: bool,
}

/// A setting's name (the keys of `SettingValues`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SettingKey {
    /// `serverUrl`.
    ServerUrl,
    /// `displayName`.
    DisplayName,
    /// `cameraId`.
    CameraId,
    /// `microphoneId`.
    MicrophoneId,
    /// `speakerId`.
    SpeakerId,
    /// `quality`.
    Quality,
    /// `encoderPreference`.
    EncoderPreference,
    /// `clinicalAudio`.
    ClinicalAudio,
    /// `language`.
    Language,
    /// `launchAtLogin`.
    LaunchAtLogin,
    /// `knockSound`.
    KnockSound,
}

/// The key in `mulaqat_settings`, which owns the list of settings.
impl From<SettingKey> for settings::SettingKey {
    fn from(key: SettingKey) -> Self {
        use settings::SettingKey as S;
        match key {
            SettingKey::ServerUrl => S::ServerUrl,
            SettingKey::DisplayName => S::DisplayName,
            SettingKey::CameraId => S::Camera,
            SettingKey::MicrophoneId => S::Microphone,
            SettingKey::SpeakerId => S::Speaker,
            SettingKey::Quality => S::Quality,
            SettingKey::EncoderPreference => S::Encoder,
            SettingKey::ClinicalAudio => S::ClinicalAudio,
            SettingKey::Language => S::Language,
            SettingKey::LaunchAtLogin => S::LaunchAtLogin,
            SettingKey::KnockSound => S::KnockSound,
        }
    }
}

/// The UI's name for a `mulaqat_settings` key the person sets
/// ([`settings::SettingKey::is_personal`]); a key only machine policy sets
/// is given back, as the UI does not list it.
impl TryFrom<settings::SettingKey> for SettingKey {
    type Error = settings::SettingKey;

    fn try_from(key: settings::SettingKey) -> Result<Self, Self::Error> {
        use settings::SettingKey as S;
        Ok(match key {
            S::ServerUrl => SettingKey::ServerUrl,
            S::DisplayName => SettingKey::DisplayName,
            S::Camera => SettingKey::CameraId,
            S::Microphone => SettingKey::MicrophoneId,
            S::Speaker => SettingKey::SpeakerId,
            S::Quality => SettingKey::Quality,
            S::Encoder => SettingKey::EncoderPreference,
            S::ClinicalAudio => SettingKey::ClinicalAudio,
            S::Language => SettingKey::Language,
            S::LaunchAtLogin => SettingKey::LaunchAtLogin,
            S::KnockSound => SettingKey::KnockSound,
            S::AllowGuestLinks | S::RelayOnly | S::ExtraCaPem => return Err(key),
        })
    }
}

/// One setting: its value in force and whether machine policy locks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// Set by machine policy: the user cannot change it.
    pub locked: bool,
}

impl<T> Setting<T> {
    fn from_field<U>(field: &settings::Field<U>, convert: impl FnOnce(&U) -> T) -> Self {
        Setting {
            value: convert(&field.value),
            locked: field.locked,
        }
    }
}

/// Every setting with its lock: the UI's mapped type
/// `{ [K in SettingKey]: Setting<SettingValues[K]> }`, one field per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// See [`SettingValues::server_url`].
    pub server_url: Setting<Option<String>>,
    /// See [`SettingValues::display_name`].
    pub display_name: Setting<String>,
    /// See [`SettingValues::camera_id`].
    #[ts(as = "Setting<Option<ts::DeviceId>>")]
    pub camera_id: Setting<Option<DeviceId>>,
    /// See [`SettingValues::microphone_id`].
    #[ts(as = "Setting<Option<ts::DeviceId>>")]
    pub microphone_id: Setting<Option<DeviceId>>,
    /// See [`SettingValues::speaker_id`].
    #[ts(as = "Setting<Option<ts::DeviceId>>")]
    pub speaker_id: Setting<Option<DeviceId>>,
    /// See [`SettingValues::quality`].
    pub quality: Setting<QualityChoice>,
    /// See [`SettingValues::encoder_preference`].
    pub encoder_preference: Setting<String>,
    /// See [`SettingValues::clinical_audio`].
    pub clinical_audio: Setting<bool>,
    /// See [`SettingValues::language`].
    pub language: Setting<Language>,
    /// See [`SettingValues::launch_at_login`].
    pub launch_at_login: Setting<bool>,
    /// See [`SettingValues::knock_sound`]. Not held by `mulaqat_settings`: set by the app.
    pub knock_sound: Setting<bool>,
}

impl Settings {
    /// The values without their locks.
    pub fn values(&self) -> SettingValues {
        SettingValues {
            server_url: self.server_url.value.clone(),
            display_name: self.display_name.value.clone(),
            camera_id: self.camera_id.value.clone(),
            microphone_id: self.microphone_id.value.clone(),
            speaker_id: self.speaker_id.value.clone(),
            quality: self.quality.value,
            encoder_preference: self.encoder_preference.value.clone(),
            clinical_audio: self.clinical_audio.value,
            language: self.language.value,
            launch_at_login: self.launch_at_login.value,
            knock_sound: self.knock_sound.value,
        }
    }
}

/// The settings screen's view.
impl From<&settings::SettingsView> for Settings {
    fn from(v: &settings::SettingsView) -> Self {
        Settings {
            server_url: Setting::from_field(&v.server_url, Clone::clone),
            display_name: Setting::from_field(&v.display_name, |n| n.clone().unwrap_or_default()),
            camera_id: Setting::from_field(&v.camera, Clone::clone),
            microphone_id: Setting::from_field(&v.microphone, Clone::clone),
            speaker_id: Setting::from_field(&v.speaker, Clone::clone),
            quality: Setting::from_field(&v.quality, |q| (*q).into()),
            encoder_preference: Setting::from_field(&v.encoder, |e| encoder_name(e).to_owned()),
            clinical_audio: Setting::from_field(&v.clinical_audio, |b| *b),
            language: Setting::from_field(&v.language, |l| Language::from_tag(l.as_deref())),
            launch_at_login: Setting::from_field(&v.launch_at_login, |b| *b),
            knock_sound: Setting::from_field(&v.knock_sound, |b| *b),
        }
    }
}

/// The UI's name for an encoder preference: a kind or an element.
pub fn encoder_name(preference: &settings::EncoderPreference) -> &str {
    preference.as_str()
}

impl From<settings::Quality> for QualityChoice {
    fn from(q: settings::Quality) -> Self {
        match q {
            settings::Quality::Auto => QualityChoice::Auto,
            settings::Quality::P360 => QualityChoice::P360,
            settings::Quality::P720 => QualityChoice::P720,
            settings::Quality::P1080 => QualityChoice::P1080,
            settings::Quality::P2160 => QualityChoice::P2160,
        }
    }
}

impl From<QualityChoice> for settings::Quality {
    fn from(q: QualityChoice) -> Self {
        match q {
            QualityChoice::Auto => settings::Quality::Auto,
            QualityChoice::P360 => settings::Quality::P360,
            QualityChoice::P720 => settings::Quality::P720,
            QualityChoice::P1080 => settings::Quality::P1080,
            QualityChoice::P2160 => settings::Quality::P2160,
        }
    }
}

/// A room joined before, for the home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecentRoom {
    /// The room's id or name as shown.
    pub label: String,
    /// The server's host, as shown.
    pub server: String,
    /// What to join it by.
    pub target: JoinTarget,
    /// When it was last joined.
    #[ts(as = "ts::UnixMillis")]
    pub last_joined_at: UnixMillis,
}

/// Offered again on its own server, by the link kept in the keyring.
impl From<&settings::RecentRoom> for RecentRoom {
    fn from(r: &settings::RecentRoom) -> Self {
        let settings::RecentRoom {
            room,
            server,
            name,
            last_joined,
        } = r;
        RecentRoom {
            label: name.clone().unwrap_or_else(|| room.to_string()),
            server: server_host(server),
            target: JoinTarget::Recent {
                server: server.clone(),
                room: room.to_string(),
            },
            last_joined_at: last_joined.0,
        }
    }
}

/// The host of a server address, for people (`meet.hospital.example`).
fn server_host(server: &str) -> String {
    let rest = server.split_once("://").map_or(server, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}
