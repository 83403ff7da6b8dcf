//! Machine policy: the settings an IT department sets for everyone on a
//! machine. Every key the policy sets overrides the person's choice and is
//! shown as locked ([`crate::EffectiveSettings`]).
//!
//! Linux and macOS read `/etc/mulaqat/policy.toml`; Windows reads
//! `HKLM\SOFTWARE\Policies\Mulaqat` (REG_SZ for text, REG_DWORD 0/1 for
//! yes/no). `MULAQAT_POLICY_FILE` (or [`MachinePolicy::load_file`]) points at
//! a TOML file instead, on every platform.
//!
//! A newer policy must not break an older app: unknown keys, and values
//! this app does not understand, are reported as warnings and skipped; the
//! other keys still apply. Only a file that cannot be read or is not TOML at
//! all is an error ([`PolicyError`]); the app then shows the message and runs
//! with the person's own settings, because refusing to start would take a
//! clinician's calls away over a typo, and the policy mostly holds defaults
//! and comfort settings rather than security boundaries.

use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::Value;

use crate::error::PolicyError;
use crate::user::{EncoderPreference, Quality};

/// Environment variable naming a policy file to read instead of the default.
pub const POLICY_FILE_ENV: &str = "MULAQAT_POLICY_FILE";
/// Where the policy lives on Linux and macOS.
pub const DEFAULT_POLICY_FILE: &str = "/etc/mulaqat/policy.toml";
/// Where the policy lives on Windows, under `HKEY_LOCAL_MACHINE`.
pub const POLICY_REGISTRY_KEY: &str = r"SOFTWARE\Policies\Mulaqat";

/// The keys a policy may set, as written in the file or registry.
pub const POLICY_KEYS: [&str; 10] = [
    "server_url",
    "lock_server",
    "quality",
    "encoder",
    "clinical_audio",
    "language",
    "launch_at_login",
    "allow_guest_links",
    "relay_only",
    "extra_ca_pem",
];

/// What IT has set. `None` means "not set": the person decides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MachinePolicy {
    /// The hospital's server. Locked unless `lock_server = false`.
    pub server_url: Option<String>,
    /// With `server_url`: `false` makes it only a preset the person may
    /// change; absent or `true` locks it (and join links to other servers
    /// are refused).
    pub lock_server: Option<bool>,
    /// The most video detail to send.
    pub quality: Option<Quality>,
    /// Which kind of encoder to prefer.
    pub encoder: Option<EncoderPreference>,
    /// Clinical audio (no noise suppression or gain control).
    pub clinical_audio: Option<bool>,
    /// The interface language (`"en"`, `"ur"`).
    pub language: Option<String>,
    /// Start Mulaqat at login.
    pub launch_at_login: Option<bool>,
    /// Whether the app may create guest invitation links when it hosts
    /// (default yes). Policy only.
    pub allow_guest_links: Option<bool>,
    /// Send media only through TURN relays, which hides this machine's
    /// addresses from other participants (needs TURN on the server; default
    /// no). Policy only.
    pub relay_only: Option<bool>,
    /// A PEM file of extra certificate authorities to trust for Mulaqat
    /// servers (a hospital's private CA), besides the system's. Policy only:
    /// trusting a CA is a machine decision.
    pub extra_ca_pem: Option<PathBuf>,
}

/// Where a policy came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "camelCase")]
pub enum PolicySource {
    /// No policy file or registry key: nothing is locked.
    Nothing,
    /// A TOML file.
    File(PathBuf),
    /// The Windows registry key.
    Registry(String),
}

impl std::fmt::Display for PolicySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Nothing => f.write_str("no machine policy"),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Registry(key) => f.write_str(key),
        }
    }
}

/// A policy as read, with what was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedPolicy {
    /// The keys that apply.
    pub policy: MachinePolicy,
    /// Where it came from.
    pub source: PolicySource,
    /// Keys skipped (unknown, or a value this app does not understand) and
    /// other things IT should know, one sentence each.
    pub warnings: Vec<String>,
}

/// A value read from the Windows registry (kept platform-independent so the
/// conversion is tested everywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryValue {
    /// `REG_SZ` or `REG_EXPAND_SZ`.
    Text(String),
    /// `REG_DWORD`.
    Number(u32),
    /// Any other type, by name (`REG_BINARY`, ...), which no key uses.
    Other(String),
}

impl MachinePolicy {
    /// Reads the machine policy from its usual place: the file named by
    /// `MULAQAT_POLICY_FILE` if set, else the registry on Windows, else
    /// `/etc/mulaqat/policy.toml`. Nothing there is an empty policy.
    pub fn load() -> Result<LoadedPolicy, PolicyError> {
        if let Some(path) = std::env::var_os(POLICY_FILE_ENV).filter(|p| !p.is_empty()) {
            return Self::load_file(Path::new(&path));
        }
        #[cfg(windows)]
        {
            windows::load_registry()
        }
        #[cfg(not(windows))]
        {
            Self::load_file(Path::new(DEFAULT_POLICY_FILE))
        }
    }

    /// Reads a policy file. A missing file is an empty policy.
    pub fn load_file(path: &Path) -> Result<LoadedPolicy, PolicyError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(LoadedPolicy {
                    policy: Self::default(),
                    source: PolicySource::Nothing,
                    warnings: Vec::new(),
                });
            }
            Err(source) => {
                return Err(PolicyError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| PolicyError::Corrupt {
            path: path.to_owned(),
            line: None,
            message: "it is not UTF-8 text".to_owned(),
        })?;
        let (policy, mut warnings) =
            Self::from_toml(&text).map_err(|err| PolicyError::Corrupt {
                path: path.to_owned(),
                line: crate::user::line_of(&text, err.span()),
                message: err.message().trim_end().to_owned(),
            })?;
        if let Some(warning) = writable_by_others(path) {
            warnings.push(warning);
        }
        for warning in &warnings {
            tracing::warn!(path = %path.display(), "machine policy: {warning}");
        }
        Ok(LoadedPolicy {
            policy,
            source: PolicySource::File(path.to_owned()),
            warnings,
        })
    }

    /// Parses policy TOML. Unknown keys and values this app does not
    /// understand become warnings; only text that is not TOML is an error.
    pub fn from_toml(text: &str) -> Result<(Self, Vec<String>), toml::de::Error> {
        let table: toml::Table = toml::from_str(text)?;
        Ok(Self::from_entries(table))
    }

    /// Builds a policy from registry values (`name`, value). Names match
    /// the file's keys, in any letter case; REG_DWORD 0/1 stand for no/yes.
    pub fn from_registry_values(
        values: impl IntoIterator<Item = (String, RegistryValue)>,
    ) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let entries = values.into_iter().filter_map(|(name, value)| {
            let value = match value {
                RegistryValue::Text(text) => Value::String(text),
                RegistryValue::Number(n) => Value::Integer(i64::from(n)),
                RegistryValue::Other(kind) => {
                    warnings.push(format!(
                        "{name}: registry type {kind} is not used by Mulaqat policy (use REG_SZ or REG_DWORD); ignored"
                    ));
                    return None;
                }
            };
            Some((name.to_ascii_lowercase(), value))
        });
        let entries: Vec<_> = entries.collect();
        let (policy, more) = Self::from_entries(entries);
        warnings.extend(more);
        (policy, warnings)
    }

    fn from_entries(entries: impl IntoIterator<Item = (String, Value)>) -> (Self, Vec<String>) {
        let mut policy = Self::default();
        let mut warnings = Vec::new();
        for (key, value) in entries {
            match policy.apply(&key, value) {
                Ok(true) => {}
                Ok(false) => warnings.push(format!(
                    "unknown key \"{key}\" ignored (a newer Mulaqat may use it)"
                )),
                Err(reason) => warnings.push(format!("{key} ignored: {reason}")),
            }
        }
        if policy.lock_server.is_some() && policy.server_url.is_none() {
            warnings.push("lock_server has no effect without server_url".to_owned());
        }
        (policy, warnings)
    }

    /// Sets one key; `Ok(false)` for a key this app does not know. Empty
    /// text counts as "not set" (installers write empty properties).
    fn apply(&mut self, key: &str, value: Value) -> Result<bool, String> {
        if matches!(&value, Value::String(s) if s.trim().is_empty()) {
            return Ok(POLICY_KEYS.contains(&key));
        }
        match key {
            "server_url" => {
                let url = text(value)?;
                crate::discovery::ServerAddress::parse(&url).map_err(|e| e.to_string())?;
                self.server_url = Some(url);
            }
            "lock_server" => self.lock_server = Some(flag(value)?),
            "quality" => self.quality = Some(choice(value)?),
            "encoder" => self.encoder = Some(choice(value)?),
            "clinical_audio" => self.clinical_audio = Some(flag(value)?),
            "language" => {
                let tag = text(value)?;
                crate::effective::check_language(&tag)?;
                self.language = Some(tag);
            }
            "launch_at_login" => self.launch_at_login = Some(flag(value)?),
            "allow_guest_links" => self.allow_guest_links = Some(flag(value)?),
            "relay_only" => self.relay_only = Some(flag(value)?),
            "extra_ca_pem" => self.extra_ca_pem = Some(PathBuf::from(text(value)?)),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

fn text(value: Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.trim().to_owned()),
        other => Err(format!("expected text, found {}", other.type_str())),
    }
}

fn flag(value: Value) -> Result<bool, String> {
    match value {
        Value::Boolean(b) => Ok(b),
        Value::Integer(0) => Ok(false),
        Value::Integer(1) => Ok(true),
        other => Err(format!(
            "expected true or false (1 or 0), found {}",
            other.type_str()
        )),
    }
}

fn choice<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    value.try_into::<T>().map_err(|e| e.message().to_owned())
}

#[cfg(unix)]
fn writable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o002 != 0).then(|| {
        format!(
            "{} can be changed by any user of this machine; make it writable by root only",
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn writable_by_others(_path: &Path) -> Option<String> {
    None
}

/// Reading `HKLM\SOFTWARE\Policies\Mulaqat`.
#[cfg(windows)]
mod windows {
    use winreg::HKLM;
    use winreg::enums::{KEY_READ, RegType};
    use winreg::types::FromRegValue;

    use super::{LoadedPolicy, MachinePolicy, POLICY_REGISTRY_KEY, PolicySource, RegistryValue};
    use crate::error::PolicyError;

    pub(super) fn load_registry() -> Result<LoadedPolicy, PolicyError> {
        let full_name = format!(r"HKLM\{POLICY_REGISTRY_KEY}");
        let error = |source| PolicyError::Registry {
            key: full_name.clone(),
            source,
        };
        let key = match HKLM.open_subkey_with_flags(POLICY_REGISTRY_KEY, KEY_READ) {
            Ok(key) => key,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(LoadedPolicy {
                    policy: MachinePolicy::default(),
                    source: PolicySource::Nothing,
                    warnings: Vec::new(),
                });
            }
            Err(err) => return Err(error(err)),
        };
        let mut values = Vec::new();
        for item in key.enum_values() {
            let (name, raw) = item.map_err(error)?;
            let value = match &raw.vtype {
                RegType::REG_SZ | RegType::REG_EXPAND_SZ => {
                    RegistryValue::Text(String::from_reg_value(&raw).map_err(error)?)
                }
                RegType::REG_DWORD => {
                    RegistryValue::Number(u32::from_reg_value(&raw).map_err(error)?)
                }
                other => RegistryValue::Other(format!("{other:?}")),
            };
            values.push((name, value));
        }
        let (policy, warnings) = MachinePolicy::from_registry_values(values);
        for warning in &warnings {
            tracing::warn!(key = %full_name, "machine policy: {warning}");
        }
        Ok(LoadedPolicy {
            policy,
            source: PolicySource::Registry(full_name),
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
server_url = "https://meet.hospital.example"
lock_server = true
quality = "1080p"
encoder = "hardware"
clinical_audio = true
language = "ur"
launch_at_login = true
allow_guest_links = false
relay_only = true
extra_ca_pem = "/etc/mulaqat/hospital-ca.pem"
"#;

    #[test]
    fn every_documented_key_is_read() {
        let (policy, warnings) = MachinePolicy::from_toml(SAMPLE).expect("parses");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            policy,
            MachinePolicy {
                server_url: Some("https://meet.hospital.example".into()),
                lock_server: Some(true),
                quality: Some(Quality::P1080),
                encoder: Some(EncoderPreference::Hardware),
                clinical_audio: Some(true),
                language: Some("ur".into()),
                launch_at_login: Some(true),
                allow_guest_links: Some(false),
                relay_only: Some(true),
                extra_ca_pem: Some("/etc/mulaqat/hospital-ca.pem".into()),
            }
        );
    }

    #[test]
    fn a_newer_policy_with_unknown_keys_and_values_still_applies_the_rest() {
        let (policy, warnings) = MachinePolicy::from_toml(
            "quality = \"4320p\"\nupdate_channel = \"stable\"\nrelay_only = true\nclinical_audio = \"yes\"\n[devices]\nallowed = []\n",
        )
        .expect("parses");
        assert_eq!(policy.relay_only, Some(true));
        assert_eq!(policy.quality, None);
        assert_eq!(policy.clinical_audio, None);
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(warnings.iter().any(|w| w.contains("update_channel")));
        assert!(warnings.iter().any(|w| w.contains("devices")));
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("quality") && w.contains("4320p"))
        );
        assert!(warnings.iter().any(|w| w.contains("clinical_audio")));
    }

    #[test]
    fn a_missing_file_is_an_empty_policy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let loaded = MachinePolicy::load_file(&dir.path().join("policy.toml")).expect("missing");
        assert!(loaded.policy.is_empty());
        assert_eq!(loaded.source, PolicySource::Nothing);
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_the_path_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "relay_only = true\nserver_url = \"https://x\n").expect("write");
        let err = MachinePolicy::load_file(&path).expect_err("damaged");
        assert!(
            matches!(err, PolicyError::Corrupt { line: Some(2), .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("your own settings"), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_file_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A directory where the file should be cannot be read as text.
        let path = dir.path().join("policy.toml");
        std::fs::create_dir(&path).expect("mkdir");
        let err = MachinePolicy::load_file(&path).expect_err("unreadable");
        assert!(matches!(err, PolicyError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("policy.toml"));
    }

    #[test]
    fn a_file_is_read_with_its_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, SAMPLE).expect("write");
        let loaded = MachinePolicy::load_file(&path).expect("loads");
        assert_eq!(loaded.source, PolicySource::File(path));
        assert_eq!(loaded.policy.quality, Some(Quality::P1080));
    }

    #[test]
    fn registry_values_use_the_same_keys_with_dwords_for_yes_and_no() {
        let (policy, warnings) = MachinePolicy::from_registry_values([
            (
                "Server_URL".into(),
                RegistryValue::Text("meet.hospital.example".into()),
            ),
            ("lock_server".into(), RegistryValue::Number(0)),
            ("relay_only".into(), RegistryValue::Number(1)),
            ("quality".into(), RegistryValue::Text("720p".into())),
            ("language".into(), RegistryValue::Text(String::new())),
            ("clinical_audio".into(), RegistryValue::Number(7)),
            ("encoder".into(), RegistryValue::Other("REG_BINARY".into())),
        ]);
        assert_eq!(policy.server_url.as_deref(), Some("meet.hospital.example"));
        assert_eq!(policy.lock_server, Some(false));
        assert_eq!(policy.relay_only, Some(true));
        assert_eq!(policy.quality, Some(Quality::P720));
        assert_eq!(policy.language, None, "an empty REG_SZ is not set");
        assert_eq!(policy.clinical_audio, None);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn a_server_url_that_is_not_an_address_is_skipped() {
        let (policy, warnings) =
            MachinePolicy::from_toml("server_url = \"ftp://files.example\"\n").expect("parses");
        assert_eq!(policy.server_url, None);
        assert!(warnings[0].contains("server_url"), "{warnings:?}");
    }

    #[test]
    fn the_key_list_matches_the_struct() {
        let (policy, _) = MachinePolicy::from_toml(SAMPLE).expect("parses");
        let value = serde_json::to_value(policy).expect("json");
        let mut fields: Vec<_> = value.as_object().expect("object").keys().cloned().collect();
        let mut keys: Vec<_> = POLICY_KEYS.iter().map(|k| k.to_string()).collect();
        fields.sort();
        keys.sort();
        assert_eq!(fields, keys);
    }
}
