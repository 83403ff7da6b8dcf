//! The settings in force: the person's settings with the machine policy
//! applied. Every key the policy sets overrides the person's value and is
//! locked; changing a locked key is refused with [`SettingsError::Locked`].
//! The person's own values are kept apart ([`EffectiveSettings::user`]), so
//! what is saved is their choice, which comes back if the policy is lifted.

use std::collections::BTreeSet;
use std::path::PathBuf;

use mulaqat_protocol::{RoomId, UnixMillis};
use serde::Serialize;

use crate::discovery::{IcePolicy, ServerAddress, ServerInfo, TrustConfig};
use crate::error::{PolicyError, SettingsError};
pub use crate::key::{SettingChange, SettingKey};
use crate::policy::{LoadedPolicy, MachinePolicy};
use crate::user::{EncoderPreference, Quality, RecentRoom, SettingsFile, UserSettings};

/// Longest device id accepted.
const MAX_DEVICE_ID_CHARS: usize = 1024;

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

/// The settings in force. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveSettings {
    user: UserSettings,
    policy: MachinePolicy,
    effective: UserSettings,
    locked: BTreeSet<SettingKey>,
    notices: Vec<String>,
}

impl EffectiveSettings {
    /// The person's settings with `policy` applied.
    pub fn new(user: UserSettings, policy: MachinePolicy) -> Self {
        let mut settings = Self {
            user,
            policy,
            effective: UserSettings::default(),
            locked: BTreeSet::new(),
            notices: Vec::new(),
        };
        settings.recompute();
        settings
    }

    /// Everything at start-up: the person's settings from `file` (a damaged
    /// file is set aside) and the machine policy as read (an unreadable
    /// policy is reported and not applied). What went wrong is in
    /// [`SettingsView::notices`].
    pub fn load(file: &SettingsFile, policy: Result<LoadedPolicy, PolicyError>) -> Self {
        let (user, recovery) = file.load_or_default();
        let mut notices: Vec<String> = recovery.iter().map(ToString::to_string).collect();
        let policy = match policy {
            Ok(loaded) => {
                notices.extend(
                    loaded
                        .warnings
                        .iter()
                        .map(|w| format!("Machine policy {}: {w}", loaded.source)),
                );
                loaded.policy
            }
            Err(err) => {
                tracing::warn!(%err, "machine policy not applied");
                notices.push(err.to_string());
                MachinePolicy::default()
            }
        };
        let mut settings = Self::new(user, policy);
        settings.notices = notices;
        settings
    }

    fn recompute(&mut self) {
        let p = &self.policy;
        let mut e = self.user.clone();
        let mut locked = BTreeSet::new();
        if let Some(url) = &p.server_url {
            if p.lock_server == Some(false) {
                // A preset: used until the person picks a server.
                if e.server_url.is_none() {
                    e.server_url = Some(url.clone());
                }
            } else {
                e.server_url = Some(url.clone());
                locked.insert(SettingKey::ServerUrl);
            }
        }
        fn set<T: Clone>(
            locked: &mut BTreeSet<SettingKey>,
            key: SettingKey,
            policy: &Option<T>,
            target: &mut T,
        ) {
            if let Some(value) = policy {
                *target = value.clone();
                locked.insert(key);
            }
        }
        set(&mut locked, SettingKey::Quality, &p.quality, &mut e.quality);
        set(&mut locked, SettingKey::Encoder, &p.encoder, &mut e.encoder);
        set(
            &mut locked,
            SettingKey::ClinicalAudio,
            &p.clinical_audio,
            &mut e.clinical_audio,
        );
        if let Some(language) = &p.language {
            e.language = Some(language.clone());
            locked.insert(SettingKey::Language);
        }
        set(
            &mut locked,
            SettingKey::LaunchAtLogin,
            &p.launch_at_login,
            &mut e.launch_at_login,
        );
        for (key, value) in [
            (SettingKey::AllowGuestLinks, p.allow_guest_links.is_some()),
            (SettingKey::RelayOnly, p.relay_only.is_some()),
            (SettingKey::ExtraCaPem, p.extra_ca_pem.is_some()),
        ] {
            if value {
                locked.insert(key);
            }
        }
        self.effective = e;
        self.locked = locked;
    }

    /// The values in force.
    pub fn values(&self) -> &UserSettings {
        &self.effective
    }

    /// The person's own values: what to save with [`SettingsFile::save`].
    pub fn user(&self) -> &UserSettings {
        &self.user
    }

    /// The machine policy applied.
    pub fn policy(&self) -> &MachinePolicy {
        &self.policy
    }

    /// The keys the policy locks.
    pub fn locked(&self) -> &BTreeSet<SettingKey> {
        &self.locked
    }

    /// Whether the policy locks `key`.
    pub fn is_locked(&self, key: SettingKey) -> bool {
        self.locked.contains(&key)
    }

    /// Messages for the person gathered while loading.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Whether guest invitation links may be created (policy; default yes).
    pub fn allow_guest_links(&self) -> bool {
        self.policy.allow_guest_links.unwrap_or(true)
    }

    /// Whether media must go through TURN relays (policy; default no). A
    /// server whose discovery says `relay` forces this too.
    pub fn relay_only(&self) -> bool {
        self.policy.relay_only.unwrap_or(false)
    }

    /// Whether media must go through TURN relays on `server`: the policy
    /// says so, or the server does (`icePolicy: "relay"`).
    pub fn relay_only_with(&self, server: &ServerInfo) -> bool {
        self.relay_only() || server.ice_policy == IcePolicy::Relay
    }

    /// Which certificates to trust for servers.
    pub fn trust(&self) -> TrustConfig {
        TrustConfig {
            extra_ca_pem: self.policy.extra_ca_pem.clone(),
        }
    }

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

    /// Remembers a room just joined (see [`UserSettings::record_recent_room`]).
    pub fn record_recent_room(
        &mut self,
        room: RoomId,
        server: impl Into<String>,
        name: Option<String>,
        now: UnixMillis,
    ) {
        self.user.record_recent_room(room, server, name, now);
        self.recompute();
    }

    /// Refuses a server other than the locked one (for join links that name
    /// a server). Any server is fine when the server is not locked.
    pub fn check_server(&self, address: &str) -> Result<(), SettingsError> {
        if !self.is_locked(SettingKey::ServerUrl) {
            return Ok(());
        }
        let wanted = ServerAddress::parse(address).ok();
        let allowed = self
            .effective
            .server_url
            .as_deref()
            .and_then(|url| ServerAddress::parse(url).ok());
        match (wanted, allowed) {
            (Some(wanted), Some(allowed)) if wanted.origin() == allowed.origin() => Ok(()),
            _ => Err(SettingsError::Locked {
                key: SettingKey::ServerUrl,
            }),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserSettings {
        UserSettings {
            server_url: Some("https://home.example".into()),
            quality: Quality::P720,
            clinical_audio: false,
            language: Some("en".into()),
            ..UserSettings::default()
        }
    }

    fn policy() -> MachinePolicy {
        MachinePolicy {
            server_url: Some("https://meet.hospital.example".into()),
            quality: Some(Quality::P1080),
            clinical_audio: Some(true),
            relay_only: Some(true),
            ..MachinePolicy::default()
        }
    }

    #[test]
    fn policy_keys_override_and_lock_the_rest_stay_the_persons() {
        let settings = EffectiveSettings::new(user(), policy());
        assert_eq!(
            settings.values().server_url.as_deref(),
            Some("https://meet.hospital.example")
        );
        assert_eq!(settings.values().quality, Quality::P1080);
        assert!(settings.values().clinical_audio);
        assert_eq!(settings.values().language.as_deref(), Some("en"));
        assert!(settings.relay_only());
        assert!(settings.allow_guest_links());
        let open_server = ServerInfo {
            origin: "https://meet.hospital.example".into(),
            server: None,
            signalling_url: "wss://meet.hospital.example/ws".into(),
            ice_policy: IcePolicy::All,
            protocol_version: 1,
            min_protocol_version: 1,
            limits: Default::default(),
        };
        assert!(settings.relay_only_with(&open_server));
        let mine = EffectiveSettings::new(user(), MachinePolicy::default());
        assert!(!mine.relay_only_with(&open_server));
        let relaying = ServerInfo {
            ice_policy: IcePolicy::Relay,
            ..open_server
        };
        assert!(mine.relay_only_with(&relaying));
        let locked: Vec<_> = settings.locked().iter().copied().collect();
        assert_eq!(
            locked,
            vec![
                SettingKey::ServerUrl,
                SettingKey::Quality,
                SettingKey::ClinicalAudio,
                SettingKey::RelayOnly
            ]
        );
        // The person's own values are kept for saving.
        assert_eq!(settings.user(), &user());
    }

    #[test]
    fn changing_a_locked_key_is_refused_with_a_message_naming_it() {
        let mut settings = EffectiveSettings::new(user(), policy());
        let err = settings
            .update(SettingChange::Quality(Quality::P360))
            .expect_err("locked");
        assert!(matches!(
            err,
            SettingsError::Locked {
                key: SettingKey::Quality
            }
        ));
        let text = err.to_string();
        assert!(
            text.contains("video quality") && text.contains("IT department"),
            "{text}"
        );
        assert_eq!(settings.values().quality, Quality::P1080);
        assert_eq!(settings.user().quality, Quality::P720);

        settings
            .update(SettingChange::Language(Some("ur".into())))
            .expect("not locked");
        assert_eq!(settings.values().language.as_deref(), Some("ur"));
    }

    #[test]
    fn a_server_preset_is_used_until_the_person_picks_one() {
        let preset = MachinePolicy {
            server_url: Some("https://meet.hospital.example".into()),
            lock_server: Some(false),
            ..MachinePolicy::default()
        };
        let mut settings = EffectiveSettings::new(UserSettings::default(), preset.clone());
        assert_eq!(
            settings.values().server_url.as_deref(),
            Some("https://meet.hospital.example")
        );
        assert!(!settings.is_locked(SettingKey::ServerUrl));
        settings
            .update(SettingChange::ServerUrl(Some("other.example/".into())))
            .expect("preset is not locked");
        assert_eq!(
            settings.values().server_url.as_deref(),
            Some("https://other.example")
        );
        assert!(settings.check_server("https://anything.example").is_ok());
    }

    #[test]
    fn join_links_to_another_server_are_refused_when_the_server_is_locked() {
        let settings = EffectiveSettings::new(user(), policy());
        assert!(settings.check_server("meet.hospital.example").is_ok());
        assert!(
            settings
                .check_server("https://meet.hospital.example/")
                .is_ok()
        );
        let err = settings
            .check_server("https://evil.example")
            .expect_err("other server");
        assert!(matches!(
            err,
            SettingsError::Locked {
                key: SettingKey::ServerUrl
            }
        ));
    }

    #[test]
    fn updates_are_checked_and_normalised() {
        let mut settings =
            EffectiveSettings::new(UserSettings::default(), MachinePolicy::default());
        settings
            .update(SettingChange::DisplayName(Some("  Dr. Khan ".into())))
            .expect("name");
        assert_eq!(settings.values().display_name.as_deref(), Some("Dr. Khan"));
        for bad in [
            SettingChange::DisplayName(Some("\u{202E}evil".into())),
            SettingChange::ServerUrl(Some("not a url at all".into())),
            SettingChange::Language(Some("english please".into())),
            SettingChange::Camera(Some("cam\u{0}".into())),
        ] {
            let key = bad.key();
            let err = settings.update(bad).expect_err("refused");
            assert!(
                matches!(&err, SettingsError::Invalid { key: k, .. } if *k == key),
                "{err:?}"
            );
        }
        settings
            .update(SettingChange::Camera(Some(String::new())))
            .expect("empty is default");
        assert_eq!(settings.values().camera, None);
    }

    #[test]
    fn the_view_serialises_values_with_their_locks() {
        let settings = EffectiveSettings::new(user(), policy());
        let json = serde_json::to_value(settings.view()).expect("json");
        assert_eq!(json["quality"]["value"], "1080p");
        assert_eq!(json["quality"]["locked"], true);
        assert_eq!(json["language"]["value"], "en");
        assert_eq!(json["language"]["locked"], false);
        assert_eq!(json["relayOnly"]["value"], true);
        assert_eq!(json["allowGuestLinks"]["value"], true);
        assert_eq!(json["allowGuestLinks"]["locked"], false);
        assert!(json["notices"].as_array().expect("notices").is_empty());
    }

    #[test]
    fn changes_from_the_ui_are_json_key_value_pairs() {
        let change: SettingChange =
            serde_json::from_str(r#"{"key":"quality","value":"2160p"}"#).expect("parses");
        assert_eq!(change, SettingChange::Quality(Quality::P2160));
        let change: SettingChange =
            serde_json::from_str(r#"{"key":"serverUrl","value":null}"#).expect("parses");
        assert_eq!(change, SettingChange::ServerUrl(None));
        for key in SettingKey::ALL {
            let json = serde_json::to_value(key).expect("json");
            assert_eq!(json, key.as_str());
        }
    }

    #[test]
    fn an_unreadable_policy_is_a_notice_and_nothing_is_locked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::at(dir.path().join("settings.toml"));
        let policy_path = dir.path().join("policy.toml");
        std::fs::write(&policy_path, "quality = \n").expect("write");
        let settings = EffectiveSettings::load(&file, MachinePolicy::load_file(&policy_path));
        assert!(settings.locked().is_empty());
        assert_eq!(settings.notices().len(), 1);
        assert!(settings.notices()[0].contains("policy.toml"));
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "ur", "ur-PK", "zh-Hant-TW"] {
            assert!(check_language(ok).is_ok(), "{ok}");
        }
        for bad in ["", "e", "english", "en_US", "en--x", "-en", "12"] {
            assert!(check_language(bad).is_err(), "{bad}");
        }
    }
}
