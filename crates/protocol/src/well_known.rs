//! The discovery document a server answers at [`WELL_KNOWN_PATH`]: where
//! its signalling WebSocket is, which protocol versions it speaks, which ICE
//! candidates clients should use, and its limits. The server writes it;
//! clients read it before they connect.
//!
//! Readers take documents of older servers too: every field but
//! `signalling` and `protocolVersion` may be missing. The fields are
//! declared in alphabetical order, the order the JSON has always had.

use serde::{Deserialize, Deserializer, Serialize};

/// The path every Mulaqat server answers with a [`WellKnown`] document.
pub const WELL_KNOWN_PATH: &str = "/.well-known/mulaqat";

/// `GET /.well-known/mulaqat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "Received")]
pub struct WellKnown {
    /// Which ICE candidates clients should use; missing means
    /// [`IcePolicy::All`]. A policy this build does not know is read as
    /// [`IcePolicy::Relay`], the strictest one it does (privacy first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ice_policy: Option<IcePolicy>,
    /// Room and message limits.
    pub limits: ServerLimits,
    /// Largest signalling message, in bytes (also in `limits`, where newer
    /// readers look first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_message_bytes: Option<u64>,
    /// The oldest protocol version the server still serves; missing means
    /// `protocolVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_protocol_version: Option<u32>,
    /// The newest protocol version the server speaks.
    pub protocol_version: u32,
    /// The server's software and version (`mulaqat-server/0.1.0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The WebSocket URL for signalling (`wss://meet.hospital.example/ws`).
    pub signalling: String,
}

/// [`WellKnown`] as read. The same fields, with the defaults of older
/// servers' documents, declared in the order a reader checks them: a
/// document missing both required fields is refused for want of
/// `signalling`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Received {
    #[serde(default)]
    server: Option<String>,
    signalling: String,
    protocol_version: u32,
    #[serde(default)]
    min_protocol_version: Option<u32>,
    #[serde(default)]
    max_message_bytes: Option<u64>,
    #[serde(default, deserialize_with = "ice_policy_or_relay")]
    ice_policy: Option<IcePolicy>,
    #[serde(default)]
    limits: ServerLimits,
}

impl From<Received> for WellKnown {
    fn from(received: Received) -> Self {
        let Received {
            server,
            signalling,
            protocol_version,
            min_protocol_version,
            max_message_bytes,
            ice_policy,
            limits,
        } = received;
        Self {
            ice_policy,
            limits,
            max_message_bytes,
            min_protocol_version,
            protocol_version,
            server,
            signalling,
        }
    }
}

/// Which ICE candidates a server wants clients to use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IcePolicy {
    /// Direct, STUN and TURN candidates.
    #[default]
    All,
    /// TURN relays only (the server is configured to force them).
    Relay,
}

/// Room limits a server announces; `None` where an older server does not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServerLimits {
    /// Longest chat message, in characters.
    pub max_chat_chars: Option<u32>,
    /// Longest display name, in characters.
    pub max_display_name_chars: Option<u32>,
    /// Most people waiting in one lobby.
    pub max_lobby: Option<u32>,
    /// Largest signalling message, in bytes.
    pub max_message_bytes: Option<u64>,
    /// Most participants in a room, the lobby not counted.
    pub max_participants: Option<u32>,
}

/// Reads `icePolicy`: a known name, or [`IcePolicy::Relay`] for any other.
fn ice_policy_or_relay<'de, D>(deserializer: D) -> Result<Option<IcePolicy>, D::Error>
where
    D: Deserializer<'de>,
{
    let name = Option::<String>::deserialize(deserializer)?;
    Ok(name.map(|name| match name.as_str() {
        "all" => IcePolicy::All,
        _ => IcePolicy::Relay,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_ice_policies_are_read_as_relay_and_missing_ones_as_none() {
        let read = |json: &str| {
            serde_json::from_str::<WellKnown>(json)
                .map(|doc| doc.ice_policy)
                .map_err(|e| e.to_string())
        };
        let doc =
            |policy: &str| format!(r#"{{"signalling":"wss://x/ws","protocolVersion":1{policy}}}"#);
        assert_eq!(read(&doc("")), Ok(None));
        assert_eq!(read(&doc(r#","icePolicy":null"#)), Ok(None));
        assert_eq!(
            read(&doc(r#","icePolicy":"all""#)),
            Ok(Some(IcePolicy::All))
        );
        assert_eq!(
            read(&doc(r#","icePolicy":"relay""#)),
            Ok(Some(IcePolicy::Relay))
        );
        assert_eq!(
            read(&doc(r#","icePolicy":"tcpRelayOnly""#)),
            Ok(Some(IcePolicy::Relay))
        );
        assert!(read(&doc(r#","icePolicy":3"#)).is_err());
    }

    #[test]
    fn a_document_without_its_required_fields_is_refused_for_want_of_signalling() {
        let err = serde_json::from_str::<WellKnown>(r#"{"hello":"world"}"#).expect_err("refused");
        assert!(err.to_string().contains("`signalling`"), "{err}");
    }
}
