//! The settings in force: the person's settings with the machine policy
//! applied. Every key the policy sets overrides the person's value and is
//! locked; changing a locked key is refused with [`SettingsError::Locked`].
//! The person's own values are kept apart ([`EffectiveSettings::user`]), so
//! what is saved is their choice, which comes back if the policy is lifted.

#[cfg(test)]
mod tests;
mod update;
mod view;

use std::collections::BTreeSet;

use mulaqat_protocol::{RoomId, UnixMillis};

use crate::discovery::{IcePolicy, ServerAddress, ServerInfo, TrustConfig};
use crate::error::{PolicyError, SettingsError};
pub use crate::key::{SettingChange, SettingKey};
use crate::policy::{LoadedPolicy, MachinePolicy};
use crate::user::{SettingsFile, UserSettings};
pub(crate) use update::check_language;
pub use view::{Field, SettingsView};

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
}
