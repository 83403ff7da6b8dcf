//! The crate's errors. Each message says what went wrong and what the person
//! (or their IT department) can do about it, so the UI can show it as it is.

use std::path::PathBuf;

use crate::key::SettingKey;

/// Reading, saving or changing the person's settings failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The settings file exists but could not be read.
    #[error("cannot read the settings file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The settings file is not valid TOML for these settings.
    #[error(
        "the settings file {path} is damaged{}: {message}. Fix or delete the file; \
         starting with default settings keeps a copy of it beside the new one",
        at_line(*line)
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line (1-based) where the problem is, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The settings could not be written.
    #[error("cannot save settings to {path}: {source}")]
    Write {
        /// The file (or the folder it would go in).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// There is no home folder to keep settings in.
    #[error(
        "cannot find a folder for Mulaqat's settings (no home folder); \
         set MULAQAT_CONFIG_DIR to a folder Mulaqat may write to"
    )]
    NoConfigDir,
    /// The machine policy sets this key, so it cannot be changed here.
    #[error(
        "the {} setting is set by your IT department (machine policy) and cannot be changed here",
        key.label()
    )]
    Locked {
        /// The key that was to be changed.
        key: SettingKey,
    },
    /// The new value is not acceptable.
    #[error("the {} setting cannot be {value:?}: {reason}", key.label())]
    Invalid {
        /// The key.
        key: SettingKey,
        /// The value that was refused.
        value: String,
        /// Why.
        reason: String,
    },
}

/// The machine policy could not be read. The app shows this message and
/// runs with the person's own settings (see `docs/settings.md`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy file exists but could not be read.
    #[error(
        "cannot read the machine policy {path}: {source}. Mulaqat uses your own settings \
         until your IT department fixes it"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The policy file is not valid TOML.
    #[error(
        "the machine policy {path} is damaged{}: {message}. Mulaqat uses your own settings \
         until your IT department fixes it",
        at_line(*line)
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line (1-based) where the problem is, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The policy registry key exists but could not be read (Windows).
    #[error(
        "cannot read the machine policy in the registry ({key}): {source}. Mulaqat uses your \
         own settings until your IT department fixes it"
    )]
    Registry {
        /// The key, e.g. `HKLM\SOFTWARE\Policies\Mulaqat`.
        key: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Finding the server behind an address a person typed failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The text is not a server address.
    #[error(
        "\"{input}\" is not a server address ({reason}). Enter it like meet.hospital.example \
         or https://meet.hospital.example"
    )]
    InvalidAddress {
        /// What the person typed.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No answer: the name does not resolve, the connection is refused or
    /// times out, or the server answered with a server error.
    #[error(
        "cannot reach {origin}: {detail}. Check the address and your network connection \
         (and proxy, if you use one), then try again"
    )]
    Unreachable {
        /// The server's origin.
        origin: String,
        /// What happened.
        detail: String,
    },
    /// The TLS handshake failed, most often because the server's certificate
    /// is not trusted.
    #[error(
        "cannot make a secure connection to {origin}: {detail}. If your hospital uses its own \
         certificate authority, ask your IT department to set extra_ca_pem (the pinned CA file) \
         in the Mulaqat machine policy, or to add the CA to this computer's trusted certificates"
    )]
    Tls {
        /// The server's origin.
        origin: String,
        /// What the TLS layer reported.
        detail: String,
    },
    /// The server answered, but not as a Mulaqat server does.
    #[error(
        "{origin} answered, but it is not a Mulaqat server ({detail}). Check the address with \
         your IT department"
    )]
    NotMulaqat {
        /// The server's origin.
        origin: String,
        /// What was wrong with the answer.
        detail: String,
    },
    /// The server redirected discovery to another origin, which is not followed.
    #[error(
        "{origin} sends Mulaqat to another address ({location}). If that is your hospital's \
         server, enter that address instead"
    )]
    Redirected {
        /// The server's origin.
        origin: String,
        /// Where it pointed to.
        location: String,
    },
    /// An `https://` server offered unencrypted (`ws://`) signalling.
    #[error(
        "{origin} is a secure (https) server but offers unencrypted signalling at {signalling}; \
         Mulaqat refuses to continue without encryption. Ask your IT department to set the \
         server's public_url to a wss:// address"
    )]
    InsecureSignalling {
        /// The server's origin.
        origin: String,
        /// The signalling URL it offered.
        signalling: String,
    },
    /// The server and this app have no protocol version in common.
    #[error("{}", incompatible(origin, *server_min, *server_max, *ours))]
    Incompatible {
        /// The server's origin.
        origin: String,
        /// The oldest version the server serves.
        server_min: u32,
        /// The newest version the server speaks.
        server_max: u32,
        /// The version this app speaks.
        ours: u32,
    },
    /// The pinned CA file could not be used.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// The HTTP client could not be set up.
    #[error("cannot set up the connection to check the server: {detail}")]
    Client {
        /// What failed.
        detail: String,
    },
}

/// The pinned CA file (`extra_ca_pem`) could not be used.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot use the pinned CA file {path} (extra_ca_pem): {detail}. Check that it is a PEM \
     certificate file readable by this user, or ask your IT department to correct the policy"
)]
pub struct TrustError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub detail: String,
}

/// Storing or reading a secret failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// There is no usable secret store (no Secret Service running, the
    /// keyring is locked, it did not answer, or the platform store failed).
    #[error(
        "no secure password store is available ({detail}); Mulaqat will ask for the password \
         each time instead of remembering it"
    )]
    NoSecretStore {
        /// What the platform reported.
        detail: String,
    },
    /// The account name is not usable.
    #[error("invalid credential account {account:?}: {reason}")]
    InvalidAccount {
        /// The account.
        account: String,
        /// Why.
        reason: String,
    },
    /// The store refused this entry (too long, not text, several matches).
    #[error("the password store cannot handle the entry for {account}: {detail}")]
    Entry {
        /// The account.
        account: String,
        /// What the store reported.
        detail: String,
    },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|line| format!(" at line {line}"))
        .unwrap_or_default()
}

fn incompatible(origin: &str, server_min: u32, server_max: u32, ours: u32) -> String {
    if ours < server_min {
        format!(
            "{origin} needs a newer Mulaqat (protocol {server_min} to {server_max}; this app \
             speaks {ours}). Update Mulaqat, or ask your IT department for the update"
        )
    } else {
        format!(
            "{origin} runs an older Mulaqat server (protocol {server_min} to {server_max}; this \
             app speaks {ours}). Ask your IT department to update the server"
        )
    }
}
