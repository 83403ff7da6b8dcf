//! `mulaqat-server`: the Mulaqat control plane.
//!
//! Rooms, the lobby, signed join links, chat, media state and the P2P
//! signalling relay. The room logic is a pure handler ([`rooms::Handler`])
//! owned by one task (`handler_task`); `ws` puts it behind WebSockets, one
//! task per connection; `http` routes the rest (`well_known` discovery,
//! [`netcheck`], and [`web`], the browser client at `/join`); [`start`]
//! (in `server`) starts it all. The desktop app embeds the same server
//! through [`start`], so a call works on a LAN with nothing installed.

pub mod config;
pub mod directory;
mod handler_task;
mod http;
pub mod janus;
pub mod netcheck;
mod rate;
pub mod rooms;
pub mod secret;
mod server;
#[cfg(feature = "testing")]
pub mod testing;
pub mod token;
pub mod turn;
pub mod web;
mod well_known;
mod ws;

pub use config::ServerConfig;
pub use server::{RunningServer, StartError, start};
