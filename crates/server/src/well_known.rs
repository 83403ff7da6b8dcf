//! `GET /.well-known/mulaqat`: what a client learns of this server before
//! it connects (the signalling URL, protocol versions, ICE policy, limits),
//! as a [`WellKnown`] document.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use mulaqat_protocol::{
    IcePolicy, MIN_SUPPORTED_VERSION, PROTOCOL_VERSION, ServerLimits, WellKnown,
};

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

    /// The document for a request with these `headers`.
    fn document(&self, headers: &HeaderMap) -> WellKnown {
        let count = |n: usize| Some(u32::try_from(n).unwrap_or(u32::MAX));
        let max_message_bytes = Some(u64::try_from(self.max_message_bytes).unwrap_or(u64::MAX));
        WellKnown {
            ice_policy: Some(if self.force_relay {
                IcePolicy::Relay
            } else {
                IcePolicy::All
            }),
            limits: ServerLimits {
                max_chat_chars: count(self.rooms.max_chat_chars),
                max_display_name_chars: count(self.rooms.max_display_name_chars),
                max_lobby: count(self.rooms.max_lobby),
                max_message_bytes,
                max_participants: Some(self.rooms.max_participants),
            },
            max_message_bytes,
            min_protocol_version: Some(MIN_SUPPORTED_VERSION),
            protocol_version: PROTOCOL_VERSION,
            server: Some(concat!("mulaqat-server/", env!("CARGO_PKG_VERSION")).to_owned()),
            signalling: self.signalling_url(headers),
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
) -> Json<WellKnown> {
    Json(settings.document(&headers))
}
