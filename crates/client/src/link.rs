//! Join links: `mulaqat://join?server=<ws url>&token=<token>`, and what a
//! token says about itself (its room and role are readable; only the server
//! can check the signature).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mulaqat_protocol::{Role, RoomId};

/// A parsed join link.
#[derive(Clone, PartialEq, Eq)]
pub struct JoinLink {
    /// The signalling WebSocket URL.
    pub server: String,
    /// The join token (a secret; not shown by `Debug`).
    pub token: String,
    /// The room the token names.
    pub room: RoomId,
    /// The role the token grants.
    pub role: Role,
}

impl std::fmt::Debug for JoinLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinLink")
            .field("server", &self.server)
            .field("room", &self.room)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Why a link could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a `mulaqat://join?...` link.
    #[error("this is not a Mulaqat join link (it should start with mulaqat://join?)")]
    NotAJoinLink,
    /// The link lacks `server=` or `token=`.
    #[error("the join link is incomplete: it has no {0}; copy the whole link again")]
    Missing(&'static str),
    /// The token is damaged.
    #[error("the join link's token is damaged; copy the whole link again")]
    BadToken,
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[derive(serde::Deserialize)]
struct Claims {
    room: RoomId,
    role: Role,
}

impl JoinLink {
    /// Parses a `mulaqat://join?server=...&token=...` link.
    pub fn parse(link: &str) -> Result<JoinLink, LinkError> {
        let query = link
            .trim()
            .strip_prefix("mulaqat://join?")
            .ok_or(LinkError::NotAJoinLink)?;
        let mut server = None;
        let mut token = None;
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            match key {
                "server" => server = value,
                "token" => token = value,
                _ => {}
            }
        }
        let server = server
            .filter(|s| !s.is_empty())
            .ok_or(LinkError::Missing("server"))?;
        let token = token
            .filter(|s| !s.is_empty())
            .ok_or(LinkError::Missing("token"))?;
        JoinLink::from_parts(server, token)
    }

    /// A link from its server and token (as kept for a recent room); the room
    /// and role are read from the token.
    pub fn from_parts(server: String, token: String) -> Result<JoinLink, LinkError> {
        let claims = token.split('.').nth(1).ok_or(LinkError::BadToken)?;
        let json = URL_SAFE_NO_PAD
            .decode(claims)
            .map_err(|_| LinkError::BadToken)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| LinkError::BadToken)?;
        Ok(JoinLink {
            server,
            token,
            room: claims.room,
            role: claims.role,
        })
    }

    /// The WebSocket URL to connect to (`/ws` on the server).
    pub fn websocket_url(&self) -> String {
        let base = self.server.trim_end_matches('/');
        if base.ends_with("/ws") {
            base.to_owned()
        } else {
            format!("{base}/ws")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(room: &str, role: &str) -> String {
        let claims = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"room":"{room}","role":"{role}","iat":1,"exp":2}}"#
        ));
        format!("mq1.{claims}.c2ln")
    }

    #[test]
    fn a_server_made_link_parses() {
        let link = format!(
            "mulaqat://join?server=ws%3A%2F%2F127.0.0.1%3A8717&token={}",
            token("ward-7", "guest")
        );
        let parsed = JoinLink::parse(&link).expect("parses");
        assert_eq!(parsed.server, "ws://127.0.0.1:8717");
        assert_eq!(parsed.websocket_url(), "ws://127.0.0.1:8717/ws");
        assert_eq!(parsed.room.as_str(), "ward-7");
        assert_eq!(parsed.role, Role::Guest);
        assert!(
            !format!("{parsed:?}").contains("mq1."),
            "Debug hides the token"
        );
    }

    #[test]
    fn broken_links_say_what_is_wrong() {
        assert_eq!(
            JoinLink::parse("https://example.org"),
            Err(LinkError::NotAJoinLink)
        );
        assert_eq!(
            JoinLink::parse("mulaqat://join?token=x"),
            Err(LinkError::Missing("server"))
        );
        assert_eq!(
            JoinLink::parse("mulaqat://join?server=ws%3A%2F%2Fh"),
            Err(LinkError::Missing("token"))
        );
        assert_eq!(
            JoinLink::parse("mulaqat://join?server=ws%3A%2F%2Fh&token=garbage"),
            Err(LinkError::BadToken)
        );
    }
}
