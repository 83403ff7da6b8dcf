//! [`EffectiveSettings::update`]: a change the person makes, checked
//! against the policy's locks and for a sensible value.

use crate::discovery::ServerAddress;
use crate::error::SettingsError;

use super::{EffectiveSettings, SettingChange};

/// Longest device id accepted.
const MAX_DEVICE_ID_CHARS: usize = 1024;

impl EffectiveSettings {
    /// Changes one setting of the person's, after checking the policy does
    /// not lock it and the value is sensible (server addresses are stored
    /// as their origin, display names trimmed).
    pub fn update(&mut self, change: SettingChange) -> Result<(), SettingsError> {
        let key = change.key();
        if self.is_locked(key) {
            return Err(SettingsError::Locked { key });
        }
        let invalid = |value: &str, reason: String| SettingsError::Invalid {
            key,
            value: value.to_owned(),
            reason,
        };
        let u = &mut self.user;
        match change {
            SettingChange::ServerUrl(url) => {
                u.server_url = match url {
                    Some(url) => Some(
                        ServerAddress::parse(&url)
                            .map_err(|e| invalid(&url, e.to_string()))?
                            .origin()
                            .to_owned(),
                    ),
                    None => None,
                };
            }
            SettingChange::DisplayName(name) => {
                u.display_name = match name {
                    Some(name) => Some(
                        mulaqat_protocol::text::display_name(
                            &name,
                            mulaqat_protocol::text::DEFAULT_MAX_DISPLAY_NAME_CHARS,
                        )
                        .map_err(|e| invalid(&name, e.to_string()))?,
                    ),
                    None => None,
                };
            }
            SettingChange::Camera(id) => {
                u.camera = check_device(id).map_err(|(v, r)| invalid(&v, r))?
            }
            SettingChange::Microphone(id) => {
                u.microphone = check_device(id).map_err(|(v, r)| invalid(&v, r))?;
            }
            SettingChange::Speaker(id) => {
                u.speaker = check_device(id).map_err(|(v, r)| invalid(&v, r))?;
            }
            SettingChange::Quality(quality) => u.quality = quality,
            SettingChange::Encoder(encoder) => u.encoder = encoder,
            SettingChange::ClinicalAudio(on) => u.clinical_audio = on,
            SettingChange::Language(tag) => {
                if let Some(tag) = &tag {
                    check_language(tag).map_err(|r| invalid(tag, r))?;
                }
                u.language = tag;
            }
            SettingChange::LaunchAtLogin(on) => u.launch_at_login = on,
            SettingChange::KnockSound(on) => u.knock_sound = on,
        }
        self.recompute();
        Ok(())
    }
}

fn check_device(id: Option<String>) -> Result<Option<String>, (String, String)> {
    match id {
        Some(id) if id.chars().count() > MAX_DEVICE_ID_CHARS => Err((
            id,
            format!("a device id is at most {MAX_DEVICE_ID_CHARS} characters"),
        )),
        Some(id) if id.chars().any(char::is_control) => {
            Err((id, "a device id has no control characters".to_owned()))
        }
        Some(id) if id.is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// Checks a language tag (`en`, `ur`, `ur-PK`): letters, digits and
/// hyphens, starting with two or three letters.
pub(crate) fn check_language(tag: &str) -> Result<(), String> {
    let primary = tag.split('-').next().unwrap_or_default();
    let ok = tag.len() <= 35
        && (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && tag
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok {
        Ok(())
    } else {
        Err("expected a language tag such as en, ur or ur-PK".to_owned())
    }
}
