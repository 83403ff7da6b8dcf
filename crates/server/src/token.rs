//! Join tokens: signed, expiring permissions to enter one room in one role.
//!
//! Format: `mq1.<claims>.<mac>` where `<claims>` is base64url JSON and
//! `<mac>` is base64url HMAC-SHA256 over `mq1.<claims>` with the server
//! secret. Tokens are not encrypted: the room name and role are readable by
//! whoever holds the link, which is also who may use it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use mulaqat_protocol::{Role, RoomId, UnixMillis};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const PREFIX: &str = "mq1";
/// The longest token accepted; real ones are about 150 bytes.
const MAX_TOKEN_BYTES: usize = 2048;

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The room it opens.
    pub room: RoomId,
    /// The role it grants (a host token may also join as a guest).
    pub role: Role,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Expires at, seconds since the epoch.
    pub exp: u64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not in the `mq1.<claims>.<mac>` shape, or the claims do not parse.
    #[error("the join token is damaged or incomplete; copy the whole link again")]
    Malformed,
    /// Signed with another secret, or altered.
    #[error("the join token was not issued by this server")]
    BadSignature,
    /// Past its expiry.
    #[error("the join link expired at {expired_at} (Unix time); ask the host for a new one")]
    Expired {
        /// When it expired, seconds since the epoch.
        expired_at: u64,
    },
}

/// Issues and checks tokens with one secret.
#[derive(Clone)]
pub struct TokenSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner { key: <redacted> }")
    }
}

impl TokenSigner {
    /// A signer for `secret` (at least 32 random bytes are expected).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: secret.to_vec(),
        }
    }

    fn mac(&self, signed_part: &str) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(signed_part.as_bytes());
        mac
    }

    /// A token for `room` and `role`, valid from `now` for `ttl_secs`.
    pub fn issue(&self, room: RoomId, role: Role, now: UnixMillis, ttl_secs: u64) -> String {
        let claims = TokenClaims {
            room,
            role,
            iat: now.as_secs(),
            exp: now.as_secs().saturating_add(ttl_secs),
        };
        let json = serde_json::to_vec(&claims).unwrap_or_default();
        let signed_part = format!("{PREFIX}.{}", URL_SAFE_NO_PAD.encode(json));
        let tag = self.mac(&signed_part).finalize().into_bytes();
        format!("{signed_part}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks the signature and expiry and returns what the token grants.
    pub fn verify(&self, token: &str, now: UnixMillis) -> Result<TokenClaims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        let (signed_part, tag) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (prefix, claims) = signed_part.split_once('.').ok_or(TokenError::Malformed)?;
        if prefix != PREFIX {
            return Err(TokenError::Malformed);
        }
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Malformed)?;
        // Check the MAC before parsing anything the sender controls.
        self.mac(signed_part)
            .verify_slice(&tag)
            .map_err(|_| TokenError::BadSignature)?;
        let json = URL_SAFE_NO_PAD
            .decode(claims)
            .map_err(|_| TokenError::Malformed)?;
        let claims: TokenClaims =
            serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
        if now.as_secs() >= claims.exp {
            return Err(TokenError::Expired {
                expired_at: claims.exp,
            });
        }
        Ok(claims)
    }
}

/// The `mulaqat://join` link a person clicks: the signalling URL and the token.
pub fn join_link(server_url: &str, token: &str) -> String {
    format!(
        "mulaqat://join?server={}&token={}",
        percent_encode(server_url),
        percent_encode(token)
    )
}

/// Why a server URL gives no browser link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrowserLinkError {
    /// Not a `ws://`, `wss://`, `http://` or `https://` URL.
    #[error("{0:?} is not a ws://, wss://, http:// or https:// address")]
    Scheme(String),
    /// No host, or one that is not a plain `host[:port]`.
    #[error("{0:?} has no valid host and port")]
    Host(String),
}

/// The link that opens the browser client (`/join`) for `token` on the
/// server at `server_url`: `ws://H:P/ws` → `http://H:P/join#t=<token>`,
/// `wss://H/ws` → `https://H/join#t=<token>` (any path of the URL is
/// dropped). The token goes in the fragment, which browsers never send.
pub fn browser_link(server_url: &str, token: &str) -> Result<String, BrowserLinkError> {
    let (secure, authority) = server_origin(server_url)?;
    let scheme = if secure { "https" } else { "http" };
    Ok(format!(
        "{scheme}://{authority}/join#t={}",
        percent_encode(token)
    ))
}

/// Whether a server URL is secure (`wss`, `https`) and its `host[:port]`.
pub(crate) fn server_origin(url: &str) -> Result<(bool, &str), BrowserLinkError> {
    let url = url.trim();
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| BrowserLinkError::Scheme(url.to_owned()))?;
    let secure = match scheme.to_ascii_lowercase().as_str() {
        "ws" | "http" => false,
        "wss" | "https" => true,
        _ => return Err(BrowserLinkError::Scheme(url.to_owned())),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // A user name and password have no place in a link to share.
    let authority = authority.rsplit('@').next().unwrap_or("");
    if !is_host_port(authority) {
        return Err(BrowserLinkError::Host(url.to_owned()));
    }
    Ok((secure, authority))
}

/// Whether `authority` is a plain `host[:port]`: a DNS name or IPv4 address
/// (letters, digits, `-`, dot-separated labels) or a bracketed IPv6 address,
/// and a port from 1 to 65535. Nothing else: no spaces, quotes, semicolons.
pub(crate) fn is_host_port(authority: &str) -> bool {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let Some((address, after)) = rest.split_once(']') else {
                return false;
            };
            if address.parse::<std::net::Ipv6Addr>().is_err() {
                return false;
            }
            match after {
                "" => return true,
                _ => ("", after.strip_prefix(':')),
            }
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = authority.starts_with('[')
        || (!host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }));
    let port_ok = match port {
        None => true,
        Some(port) => {
            !port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
    };
    host_ok && port_ok
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(s: &str) -> RoomId {
        RoomId::new(s).expect("valid")
    }

    const NOW: UnixMillis = UnixMillis(1_800_000_000_000);

    #[test]
    fn a_token_verifies_until_it_expires() {
        let signer = TokenSigner::new(b"0123456789abcdef0123456789abcdef");
        let token = signer.issue(room("ward-7"), Role::Guest, NOW, 7200);
        let claims = signer.verify(&token, NOW).expect("valid");
        assert_eq!(claims.room, room("ward-7"));
        assert_eq!(claims.role, Role::Guest);
        assert!(signer.verify(&token, NOW.plus_millis(7_199_000)).is_ok());
        assert_eq!(
            signer.verify(&token, NOW.plus_millis(7_200_000)),
            Err(TokenError::Expired {
                expired_at: NOW.as_secs() + 7200
            })
        );
    }

    #[test]
    fn another_secret_or_an_edit_is_refused() {
        let signer = TokenSigner::new(b"secret-one-secret-one-secret-one");
        let other = TokenSigner::new(b"secret-two-secret-two-secret-two");
        let token = signer.issue(room("ward-7"), Role::Guest, NOW, 60);
        assert_eq!(other.verify(&token, NOW), Err(TokenError::BadSignature));

        // Swap in claims for the host role, keeping the guest token's MAC.
        let forged_claims = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&TokenClaims {
                room: room("ward-7"),
                role: Role::Host,
                iat: NOW.as_secs(),
                exp: NOW.as_secs() + 60,
            })
            .expect("json"),
        );
        let mac = token.rsplit_once('.').expect("has mac").1;
        let forged = format!("mq1.{forged_claims}.{mac}");
        assert_eq!(signer.verify(&forged, NOW), Err(TokenError::BadSignature));
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let signer = TokenSigner::new(b"k");
        for bad in [
            "",
            ".",
            "..",
            "mq1..",
            "mq2.e30.AAAA",
            "mq1.e30.%%%",
            "a.b.c.d",
            &"x".repeat(5000),
        ] {
            assert!(
                matches!(
                    signer.verify(bad, NOW),
                    Err(TokenError::Malformed | TokenError::BadSignature)
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn browser_links_keep_host_and_port_and_put_the_token_in_the_fragment() {
        let signer = TokenSigner::new(b"0123456789abcdef0123456789abcdef");
        let token = signer.issue(room("ward-7"), Role::Guest, NOW, 7200);
        let cases = [
            ("ws://127.0.0.1:8717/ws", "http://127.0.0.1:8717/join#t="),
            ("ws://127.0.0.1:8717", "http://127.0.0.1:8717/join#t="),
            (
                "wss://meet.hospital.example/ws",
                "https://meet.hospital.example/join#t=",
            ),
            (
                "wss://meet.hospital.example",
                "https://meet.hospital.example/join#t=",
            ),
            (
                "wss://meet.hospital.example:8443/mulaqat/ws?x=1",
                "https://meet.hospital.example:8443/join#t=",
            ),
            (
                "ws://192.168.1.20:8717/",
                "http://192.168.1.20:8717/join#t=",
            ),
            ("ws://[::1]:8717/ws", "http://[::1]:8717/join#t="),
            ("wss://[2001:db8::5]/ws", "https://[2001:db8::5]/join#t="),
            (
                "https://meet.hospital.example/",
                "https://meet.hospital.example/join#t=",
            ),
            (
                "WSS://Meet.Hospital.Example/ws",
                "https://Meet.Hospital.Example/join#t=",
            ),
        ];
        for (server, prefix) in cases {
            let link = browser_link(server, &token).expect(server);
            assert_eq!(link, format!("{prefix}{token}"), "{server}");
        }
        // The token is URL-safe base64 and dots: it goes into the fragment as it is.
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{token}"
        );
        assert!(
            browser_link("ws://h:1/ws", "a b#c")
                .unwrap()
                .ends_with("#t=a%20b%23c")
        );
    }

    #[test]
    fn urls_without_a_plain_host_give_no_browser_link() {
        for bad in [
            "mulaqat://join?x",
            "ftp://h/ws",
            "meet.hospital.example",
            "ws:/h",
        ] {
            assert!(
                matches!(browser_link(bad, "t"), Err(BrowserLinkError::Scheme(_))),
                "{bad}"
            );
        }
        for bad in [
            "ws://",
            "ws:///ws",
            "ws://h:0/ws",
            "ws://h:65536",
            "ws://h:/ws",
            "ws://a b/ws",
            "ws://a;b/ws",
            "ws://\"a\"/ws",
            "ws://[::1/ws",
            "ws://[nope]:1/ws",
            "ws://a..b/ws",
            "ws://h:1:2/ws",
        ] {
            assert!(
                matches!(browser_link(bad, "t"), Err(BrowserLinkError::Host(_))),
                "{bad}"
            );
        }
        // A user name and password are dropped rather than shared.
        assert_eq!(
            browser_link("wss://user:pw@meet.example/ws", "t").unwrap(),
            "https://meet.example/join#t=t"
        );
    }

    #[test]
    fn join_links_escape_the_server_url() {
        let link = join_link("ws://127.0.0.1:8717/ws", "mq1.abc.def");
        assert_eq!(
            link,
            "mulaqat://join?server=ws%3A%2F%2F127.0.0.1%3A8717%2Fws&token=mq1.abc.def"
        );
    }
}
