//! Secrets (passwords, long-lived tokens) in the OS keyring: the Secret
//! Service on Linux (GNOME Keyring, KWallet), the Credential Manager on
//! Windows, the Keychain on macOS. Entries use the service name `mulaqat`
//! and the account `<server origin>|<user or purpose>`.
//!
//! There may be no usable store (no Secret Service running, a locked
//! keyring nobody can unlock, a kiosk session). Then [`Credentials::open`]
//! gives [`Credentials::PromptEachTime`], and the app asks for the password
//! each time instead of remembering it; callers must handle both.
//!
//! Every keyring call runs on its own thread with a time limit
//! ([`DEFAULT_TIMEOUT`]): a Secret Service that waits on an unlock prompt no
//! one answers turns into [`CredentialError::NoSecretStore`], not a hang.
//! Secrets are never logged; account names only at debug level.

use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use zeroize::Zeroize;

use crate::error::CredentialError;

/// The keyring service name for every Mulaqat entry.
pub const SERVICE: &str = "mulaqat";
/// How long one keyring call may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The account [`CredentialStore::open`] reads to check the store works.
const PROBE_ACCOUNT: &str = "mulaqat|store-check";

/// Keyring calls one at a time: the Secret Service misbehaves when one
/// process talks to it from several threads at once.
static KEYRING_CALLS: Mutex<()> = Mutex::new(());

/// A secret. Its `Debug` and `Display` print `<redacted>`; its memory is
/// zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Whose secret: `<server origin>|<user or purpose>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Account(String);

impl Account {
    /// The account for `who` (a user name, or a purpose such as
    /// `turn-admin`) on the server at `origin` (`https://meet.hospital.example`).
    pub fn new(origin: &str, who: &str) -> Result<Self, CredentialError> {
        let origin = origin.trim().trim_end_matches('/');
        let who = who.trim();
        let name = format!("{origin}|{who}");
        let invalid = |reason: &str| CredentialError::InvalidAccount {
            account: name.clone(),
            reason: reason.to_owned(),
        };
        if origin.is_empty() || who.is_empty() {
            return Err(invalid(
                "both the server and the user or purpose are needed",
            ));
        }
        if origin.contains('|') {
            return Err(invalid("the server may not contain '|'"));
        }
        if name.chars().any(char::is_control) {
            return Err(invalid("it may not contain control characters"));
        }
        Ok(Self(name))
    }

    /// The account name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A working OS keyring.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    service: String,
    timeout: Duration,
}

/// Where secrets go: the keyring, or nowhere (ask each time).
#[derive(Debug)]
pub enum Credentials {
    /// Secrets are remembered in the OS keyring.
    Keyring(CredentialStore),
    /// No keyring: ask for the password each time. The error says why, for
    /// the settings screen.
    PromptEachTime(CredentialError),
}

impl Credentials {
    /// The keyring if it works, else [`Credentials::PromptEachTime`] (logged
    /// as a warning once).
    pub fn open() -> Self {
        match CredentialStore::open() {
            Ok(store) => Self::Keyring(store),
            Err(err) => {
                tracing::warn!(%err, "passwords will not be remembered");
                Self::PromptEachTime(err)
            }
        }
    }
}

impl CredentialStore {
    /// Opens the OS keyring and checks it answers (one read of a probe
    /// entry). Fails with [`CredentialError::NoSecretStore`] when there is
    /// no usable store.
    pub fn open() -> Result<Self, CredentialError> {
        Self::open_with(SERVICE, DEFAULT_TIMEOUT)
    }

    /// [`Self::open`] with another service name or time limit.
    pub fn open_with(service: &str, timeout: Duration) -> Result<Self, CredentialError> {
        let store = Self {
            service: service.to_owned(),
            timeout,
        };
        let probe = Account(PROBE_ACCOUNT.to_owned());
        store.load(&probe)?;
        Ok(store)
    }

    /// Remembers `secret` for `account`, replacing any earlier one.
    pub fn store(&self, account: &Account, secret: &Secret) -> Result<(), CredentialError> {
        tracing::debug!(%account, "storing a secret");
        let secret = secret.clone();
        self.call(account, move |entry| entry.set_password(secret.expose()))
    }

    /// The secret for `account`, or `None` if none is stored.
    pub fn load(&self, account: &Account) -> Result<Option<Secret>, CredentialError> {
        tracing::debug!(%account, "loading a secret");
        self.call(account, |entry| match entry.get_password() {
            Ok(secret) => Ok(Some(Secret::from(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err),
        })
    }

    /// Forgets the secret for `account` (nothing stored is fine).
    pub fn delete(&self, account: &Account) -> Result<(), CredentialError> {
        tracing::debug!(%account, "deleting a secret");
        self.call(account, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err),
        })
    }

    /// Runs one keyring operation on its own thread, at most `timeout`.
    fn call<T: Send + 'static>(
        &self,
        account: &Account,
        op: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Result<T, CredentialError> {
        let (tx, rx) = mpsc::channel();
        let service = self.service.clone();
        let user = account.0.clone();
        std::thread::Builder::new()
            .name("mulaqat-keyring".into())
            .spawn(move || {
                let _one_at_a_time = KEYRING_CALLS.lock().unwrap_or_else(|p| p.into_inner());
                let result = keyring::Entry::new(&service, &user).and_then(|entry| op(&entry));
                let _ = tx.send(result);
            })
            .map_err(|e| CredentialError::NoSecretStore {
                detail: format!("cannot start a thread for it: {e}"),
            })?;
        match rx.recv_timeout(self.timeout) {
            Ok(result) => result.map_err(|err| map_error(account, err)),
            // The thread is left to finish (or wait) on its own.
            Err(_) => Err(CredentialError::NoSecretStore {
                detail: format!(
                    "it did not answer within {} s (it may be waiting to be unlocked)",
                    self.timeout.as_secs()
                ),
            }),
        }
    }
}

fn map_error(account: &Account, err: keyring::Error) -> CredentialError {
    match err {
        keyring::Error::NoStorageAccess(e) | keyring::Error::PlatformFailure(e) => {
            CredentialError::NoSecretStore {
                detail: e.to_string(),
            }
        }
        keyring::Error::BadEncoding(_) => CredentialError::Entry {
            account: account.to_string(),
            detail: "the stored secret is not text".into(),
        },
        other => CredentialError::Entry {
            account: account.to_string(),
            detail: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("sk-live-123");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(
            format!("{:?}", Some(secret.clone())),
            "Some(Secret(<redacted>))"
        );
        assert_eq!(secret.expose(), "sk-live-123");
    }

    #[test]
    fn accounts_join_origin_and_purpose() {
        let account = Account::new("https://meet.hospital.example/", "dr.khan").expect("ok");
        assert_eq!(account.as_str(), "https://meet.hospital.example|dr.khan");
        assert!(Account::new("", "x").is_err());
        assert!(Account::new("https://a", " ").is_err());
        assert!(Account::new("https://a|b", "x").is_err());
        assert!(Account::new("https://a", "x\ny").is_err());
    }

    #[test]
    fn the_no_store_message_names_the_fallback() {
        let err = map_error(
            &Account("a|b".into()),
            keyring::Error::PlatformFailure("no D-Bus".into()),
        );
        assert!(matches!(err, CredentialError::NoSecretStore { .. }));
        assert!(
            err.to_string().contains("ask for the password each time"),
            "{err}"
        );
    }
}
