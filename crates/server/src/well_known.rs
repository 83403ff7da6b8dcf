//! `GET /.well-known/mulaqat`: what a client learns of this server before
//! it connects (the signalling URL, protocol versions, ICE policy, limits).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use crate::config::ServerConfig;
use crate::rooms::RoomSettings;

/// The settings the document announces.
#[derive(Debug)]
pub(crate) struct WellKnownSettings {
    public_url: Option<String>,
    scheme: &'static str,
    max_message_bytes: usize,
    /// Room limits.
    rooms: RoomSettings,
    force_relay: bool,
}

impl WellKnownSettings {
    /// What `config` announces.
    pub fn new(config: &ServerConfig) -> Self {
        Self {
            public_url: config.public_url.clone(),
            scheme: if config.tls.is_some() { "wss" } else { "ws" },
            max_message_bytes: config.limits.max_message_bytes,
            rooms: config.rooms.clone(),
            force_relay: config.ice.force_relay,
        }
    }

    /// The signalling URL: the public URL's, else the one the request came
    /// to (its `Host`).
    fn signalling_url(&self, headers: &HeaderMap) -> String {
        let origin = match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let host = headers
                    .get(axum::http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("localhost");
                format!("{}://{host}", self.scheme)
            }
        };
        format!("{origin}/ws")
    }
}

/// The route.
pub(crate) async fn well_known(
    State(settings): State<Arc<WellKnownSettings>>,
    headers: HeaderMap,
) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "server": concat!("mulaqat-server/", env!("CARGO_PKG_VERSION")),
        "signalling": settings.signalling_url(&headers),
        "protocolVersion": mulaqat_protocol::PROTOCOL_VERSION,
        "minProtocolVersion": mulaqat_protocol::MIN_SUPPORTED_VERSION,
        "maxMessageBytes": settings.max_message_bytes,
        "icePolicy": if settings.force_relay { "relay" } else { "all" },
        "limits": {
            "maxParticipants": settings.rooms.max_participants,
            "maxLobby": settings.rooms.max_lobby,
            "maxDisplayNameChars": settings.rooms.max_display_name_chars,
            "maxChatChars": settings.rooms.max_chat_chars,
            "maxMessageBytes": settings.max_message_bytes,
        },
    }))
}
