//! Mulaqat client settings, for the desktop app and `mulaqat-cli`.
//!
//! - [`user`]: the person's [`UserSettings`], a TOML file in the config folder.
//! - [`policy`]: the [`MachinePolicy`] IT sets (`/etc/mulaqat/policy.toml`,
//!   or `HKLM\SOFTWARE\Policies\Mulaqat` on Windows).
//! - [`effective`]: [`EffectiveSettings`], the two combined: policy keys
//!   override and lock.
//! - [`discovery`]: from a typed address to a [`ServerInfo`] via
//!   `/.well-known/mulaqat`.
//! - [`credentials`]: secrets in the OS keyring, or asked for each time.
//!
//! Settings never hold passwords or tokens. Keys, files and rules are in
//! `docs/settings.md`.
//!
//! ```no_run
//! use mulaqat_settings::{EffectiveSettings, MachinePolicy, SettingChange, SettingsFile};
//! use mulaqat_settings::user::Quality;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let file = SettingsFile::default_location()?;
//! let mut settings = EffectiveSettings::load(&file, MachinePolicy::load());
//! match settings.update(SettingChange::Quality(Quality::P1080)) {
//!     Ok(()) => file.save(settings.user())?,
//!     Err(locked) => eprintln!("{locked}"), // "... set by your IT department ..."
//! }
//! if let Some(url) = &settings.values().server_url {
//!     let server = mulaqat_settings::discover(url, &settings.trust()).await?;
//!     println!("signalling at {}", server.signalling_url);
//! }
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

pub mod credentials;
pub mod discovery;
pub mod effective;
mod error;
mod key;
pub mod policy;
pub mod user;

pub use credentials::{Account, CredentialStore, Credentials, Secret};
pub use discovery::{
    Discoverer, IcePolicy, ServerAddress, ServerInfo, ServerLimits, TrustConfig, discover,
};
pub use effective::{EffectiveSettings, Field, SettingChange, SettingKey, SettingsView};
pub use error::{CredentialError, DiscoveryError, PolicyError, SettingsError, TrustError};
pub use policy::{LoadedPolicy, MachinePolicy, PolicySource, RegistryValue};
pub use user::{EncoderPreference, Quality, RecentRoom, Recovery, SettingsFile, UserSettings};
