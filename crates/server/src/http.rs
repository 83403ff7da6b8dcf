//! The HTTP routes: the signalling WebSocket, discovery, the network check,
//! and the browser client at `/join`. Each route takes the part of the
//! state it owns.

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use mulaqat_protocol::WELL_KNOWN_PATH;

use crate::config::ServerConfig;
use crate::netcheck::NetCheck;
use crate::well_known::WellKnownSettings;
use crate::ws::Connections;

/// The routes' state, cloned for every request (so only `Arc`s).
#[derive(Clone)]
pub(crate) struct AppState {
    /// For the signalling WebSocket.
    pub connections: Arc<Connections>,
    /// For `/.well-known/mulaqat`.
    pub well_known: Arc<WellKnownSettings>,
    /// The pre-join network check: the same token secret, and the TURN
    /// relay (with short-lived credentials) when one is configured.
    pub netcheck: Arc<NetCheck>,
}

impl FromRef<AppState> for Arc<Connections> {
    fn from_ref(state: &AppState) -> Self {
        state.connections.clone()
    }
}

impl FromRef<AppState> for Arc<WellKnownSettings> {
    fn from_ref(state: &AppState) -> Self {
        state.well_known.clone()
    }
}

impl FromRef<AppState> for NetCheck {
    fn from_ref(state: &AppState) -> Self {
        NetCheck::clone(&state.netcheck)
    }
}

/// Every route of the server.
pub(crate) fn router(config: &ServerConfig, state: AppState) -> Router {
    let web = crate::web::WebClient::embedded();
    if !web.is_available() {
        tracing::warn!(
            "built without the browser client: /join answers 503 \
             (cd ui && npm run build:web, then rebuild the server)"
        );
    }
    Router::new()
        .route("/", get(crate::ws::upgrade))
        .route("/ws", get(crate::ws::upgrade))
        .route("/healthz", get(|| async { "ok\n" }))
        .route(WELL_KNOWN_PATH, get(crate::well_known::well_known))
        .route("/netcheck", post(crate::netcheck::start))
        .route("/netcheck/download", get(crate::netcheck::download))
        .route("/netcheck/upload", post(crate::netcheck::upload))
        .merge(crate::web::routes(
            web,
            config.public_url.as_deref(),
            config.tls.is_some(),
        ))
        .with_state(state)
}
