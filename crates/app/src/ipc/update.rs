//! The `updateSetting` command's arguments and the settings change they make.

use mulaqat_settings as settings;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::error::{CommandError, CommandErrorCode};
use super::ids::{DeviceId, ts};
use super::media::QualityChoice;
use super::settings::{Language, SettingKey};

/// The arguments of `updateSetting`: one key and a value of that key's type
/// (`contract.ts`'s `UpdateSettingArgs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "key", content = "value", rename_all = "camelCase")]
pub enum UpdateSettingArgs {
    /// `serverUrl`.
    ServerUrl(Option<String>),
    /// `displayName`.
    DisplayName(String),
    /// `cameraId`.
    CameraId(#[ts(as = "Option<ts::DeviceId>")] Option<DeviceId>),
    /// `microphoneId`.
    MicrophoneId(#[ts(as = "Option<ts::DeviceId>")] Option<DeviceId>),
    /// `speakerId`.
    SpeakerId(#[ts(as = "Option<ts::DeviceId>")] Option<DeviceId>),
    /// `quality`.
    Quality(QualityChoice),
    /// `encoderPreference`.
    EncoderPreference(String),
    /// `clinicalAudio`.
    ClinicalAudio(bool),
    /// `language`.
    Language(Language),
    /// `launchAtLogin`.
    LaunchAtLogin(bool),
    /// `knockSound`.
    KnockSound(bool),
}

impl UpdateSettingArgs {
    /// The key this changes.
    pub fn key(&self) -> SettingKey {
        match self {
            UpdateSettingArgs::ServerUrl(_) => SettingKey::ServerUrl,
            UpdateSettingArgs::DisplayName(_) => SettingKey::DisplayName,
            UpdateSettingArgs::CameraId(_) => SettingKey::CameraId,
            UpdateSettingArgs::MicrophoneId(_) => SettingKey::MicrophoneId,
            UpdateSettingArgs::SpeakerId(_) => SettingKey::SpeakerId,
            UpdateSettingArgs::Quality(_) => SettingKey::Quality,
            UpdateSettingArgs::EncoderPreference(_) => SettingKey::EncoderPreference,
            UpdateSettingArgs::ClinicalAudio(_) => SettingKey::ClinicalAudio,
            UpdateSettingArgs::Language(_) => SettingKey::Language,
            UpdateSettingArgs::LaunchAtLogin(_) => SettingKey::LaunchAtLogin,
            UpdateSettingArgs::KnockSound(_) => SettingKey::KnockSound,
        }
    }

    /// The change for `mulaqat_settings::EffectiveSettings::update`, or `None` for
    /// `knockSound`, which the app keeps itself. An encoder element name is refused
    /// (`invalidField`): the settings hold only `auto`, `hardware` or `software`.
    pub fn into_change(self) -> Result<Option<settings::SettingChange>, CommandError> {
        use settings::SettingChange as C;
        Ok(Some(match self {
            UpdateSettingArgs::ServerUrl(url) => C::ServerUrl(url),
            UpdateSettingArgs::DisplayName(name) => {
                C::DisplayName(Some(name).filter(|n| !n.trim().is_empty()))
            }
            UpdateSettingArgs::CameraId(id) => C::Camera(id),
            UpdateSettingArgs::MicrophoneId(id) => C::Microphone(id),
            UpdateSettingArgs::SpeakerId(id) => C::Speaker(id),
            UpdateSettingArgs::Quality(q) => C::Quality(q.into()),
            UpdateSettingArgs::EncoderPreference(name) => C::Encoder(match name.as_str() {
                "auto" => settings::EncoderPreference::Auto,
                "hardware" => settings::EncoderPreference::Hardware,
                "software" => settings::EncoderPreference::Software,
                _ => {
                    return Err(CommandError {
                        code: CommandErrorCode::InvalidField,
                        message: format!(
                            "the video encoder cannot be {name:?} yet: choose auto, hardware or software"
                        ),
                    });
                }
            }),
            UpdateSettingArgs::ClinicalAudio(on) => C::ClinicalAudio(on),
            UpdateSettingArgs::Language(l) => C::Language(l.tag().map(str::to_owned)),
            UpdateSettingArgs::LaunchAtLogin(on) => C::LaunchAtLogin(on),
            UpdateSettingArgs::KnockSound(_) => return Ok(None),
        }))
    }
}
