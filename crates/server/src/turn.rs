//! Time-limited TURN credentials in coturn's REST format
//! (`use-auth-secret` / `static-auth-secret`): the user name is
//! `<expiry unix seconds>:<participant>` and the password is
//! base64(HMAC-SHA1(secret, user name)).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use mulaqat_protocol::{IceServer, ParticipantId, UnixMillis};
use sha1::Sha1;

/// A TURN service that accepts REST credentials.
#[derive(Clone)]
pub struct TurnIssuer {
    urls: Vec<String>,
    secret: Vec<u8>,
    ttl_secs: u64,
}

impl std::fmt::Debug for TurnIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnIssuer")
            .field("urls", &self.urls)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl TurnIssuer {
    /// An issuer for `urls` (`turn:host:3478?transport=udp`, ...) sharing `secret` with coturn.
    pub fn new(urls: Vec<String>, secret: Vec<u8>, ttl_secs: u64) -> Self {
        Self {
            urls,
            secret,
            ttl_secs,
        }
    }

    /// How long issued credentials stay valid, seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// Credentials for `participant`, and when they expire.
    pub fn issue(&self, participant: &ParticipantId, now: UnixMillis) -> (IceServer, UnixMillis) {
        let expiry = now.as_secs().saturating_add(self.ttl_secs);
        let username = format!("{expiry}:{participant}");
        let credential = rest_password(&self.secret, &username);
        (
            IceServer {
                urls: self.urls.clone(),
                username: Some(username),
                credential: Some(credential),
            },
            UnixMillis(expiry.saturating_mul(1000)),
        )
    }
}

/// coturn's REST password for `username`.
pub fn rest_password(secret: &[u8], username: &str) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(username.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_matches_coturn_rest_recipe() {
        // Same as: printf '%s' "1700000000:bob" | openssl dgst -sha1 -hmac s3cr3t-test -binary | base64
        assert_eq!(
            rest_password(b"s3cr3t-test", "1700000000:bob"),
            "YfnShvhv+sAxH2p3nlfPGHqheo0="
        );
    }

    #[test]
    fn credentials_expire_after_the_ttl() {
        let issuer = TurnIssuer::new(vec!["turn:127.0.0.1:3478".into()], b"k".to_vec(), 3600);
        let who = ParticipantId::new("p-1").expect("valid");
        let (server, expires) = issuer.issue(&who, UnixMillis(1_000_000_000));
        assert_eq!(server.username.as_deref(), Some("1003600:p-1"));
        assert_eq!(expires, UnixMillis(1_003_600_000));
        assert!(server.credential.is_some());
    }
}
