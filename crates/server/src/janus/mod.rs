//! SFU rooms on Janus VideoRoom: the node pool, room placement, and the
//! relay between clients and Janus.
//!
//! The room handler ([`crate::rooms::Handler`]) decides when a room needs an
//! SFU and what clients may do; it says so with [`SfuCommand`]s and learns
//! what happened from [`SfuEvent`]s. The [`SfuPool`] does the talking to
//! Janus over its WebSocket API: one connection per node, an admin session
//! per node for creating and destroying rooms, and one session per
//! participant (with a handle per publication and per subscription) that
//! carries the client's requests with the API secret added. Clients never
//! see the API secret or the room secret; they get the room pin, which they
//! present with each publish and subscribe, and Janus checks it.
//!
//! Modules, each using only those listed after it: `pool` (the task owning
//! every node and room), `room` (one placed room's feeds and agents),
//! `agent` (one participant's Janus session), `node` (one node's state and
//! admin requests), `messages` (commands, events and the news tasks send
//! the pool), `events` (Janus events read for a participant), `placement`,
//! `conn` (the WebSocket API client), `error`, `config`.

mod agent;
mod config;
pub mod conn;
pub mod error;
mod events;
mod messages;
mod node;
pub mod placement;
mod pool;
mod room;

pub use config::{JanusNodeConfig, SfuConfig};

/// Defaults the room handler shares with the `[sfu]` table.
pub mod config_defaults {
    /// See [`super::config::DEFAULT_P2P_MAX_PARTICIPANTS`].
    pub const P2P_MAX: u32 = super::config::DEFAULT_P2P_MAX_PARTICIPANTS;
    /// See [`super::config::DEFAULT_SFU_MAX_PARTICIPANTS`].
    pub const SFU_MAX: u32 = super::config::DEFAULT_SFU_MAX_PARTICIPANTS;
}
pub use conn::JanusConn;
pub use error::JanusError;
pub use messages::{SfuCommand, SfuEvent};
pub use pool::SfuPool;
