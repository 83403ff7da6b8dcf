//! `mulaqat-server`: the Mulaqat control plane.
//!
//! Rooms, the lobby, signed join links, chat, media state and the P2P
//! signalling relay. The room logic is a pure handler ([`rooms::Handler`]);
//! [`ws`] puts it behind WebSockets; [`web`] serves the browser client at
//! `/join`. The desktop app embeds the same server
//! through [`start`], so a call works on a LAN with nothing installed.

pub mod config;
pub mod directory;
pub mod janus;
pub mod netcheck;
mod rate;
pub mod rooms;
pub mod secret;
pub mod token;
pub mod turn;
pub mod web;
pub mod ws;

pub use config::ServerConfig;
pub use ws::{RunningServer, StartError, start};
