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

    /// The change for `mulaqat_settings::EffectiveSettings::update`. An encoder preference is `auto`,
    /// `hardware`, `software` or an encoder element Mulaqat knows how to set up;
    /// anything else is refused (`invalidField`).
    pub fn into_change(self) -> Result<settings::SettingChange, CommandError> {
        use settings::SettingChange as C;
        Ok(match self {
            UpdateSettingArgs::ServerUrl(url) => C::ServerUrl(url),
            UpdateSettingArgs::DisplayName(name) => {
                C::DisplayName(Some(name).filter(|n| !n.trim().is_empty()))
            }
            UpdateSettingArgs::CameraId(id) => C::Camera(id),
            UpdateSettingArgs::MicrophoneId(id) => C::Microphone(id),
            UpdateSettingArgs::SpeakerId(id) => C::Speaker(id),
            UpdateSettingArgs::Quality(q) => C::Quality(q.into()),
            UpdateSettingArgs::EncoderPreference(name) => {
                let invalid = |message: String| CommandError {
                    code: CommandErrorCode::InvalidField,
                    message,
                };
                let preference = settings::EncoderPreference::try_from(name).map_err(invalid)?;
                if let settings::EncoderPreference::Pinned(element) = &preference
                    && mulaqat_media::encode::profile(element).is_none()
                {
                    return Err(invalid(format!(
                        "{element:?} is not an encoder Mulaqat can set up: choose auto, hardware, \
                         software or one of the encoders listed"
                    )));
                }
                C::Encoder(preference)
            }
            UpdateSettingArgs::ClinicalAudio(on) => C::ClinicalAudio(on),
            UpdateSettingArgs::Language(l) => C::Language(l.tag().map(str::to_owned)),
            UpdateSettingArgs::LaunchAtLogin(on) => C::LaunchAtLogin(on),
            UpdateSettingArgs::KnockSound(on) => C::KnockSound(on),
        })
    }
}
