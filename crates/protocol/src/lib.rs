//! The Mulaqat signalling protocol: the messages a client and `mulaqat-server`
//! exchange over a WebSocket, one JSON object per text frame.
//!
//! A session goes `hello` → `join` → (`lobbyWaiting` → `knock` to hosts →
//! `admit`) → `welcome`, then signalling, chat and media state until `leave`
//! or `closed`. Failures are answered with `error {code, message}`; fatal
//! codes are followed by a close. `docs/protocol.md` walks through it and
//! `tests/golden/` holds one example of every message, checked by tests.
//! [`WellKnown`] is the discovery document servers answer at
//! [`WELL_KNOWN_PATH`].
//!
//! This crate holds wire types only: no sockets, no runtime, no media.

#![deny(missing_docs)]

mod client;
mod codec;
mod error;
pub mod ids;
mod server;
mod sfu;
pub mod text;
mod types;
#[cfg(feature = "ts")]
mod typescript;
mod version;
mod well_known;

pub use client::{ClientMsg, Resume};
pub use codec::{DEFAULT_MAX_MESSAGE_BYTES, DecodeError, decode_client, decode_server, encode};
pub use error::ErrorCode;
pub use ids::{IdError, ParticipantId, RoomId, TrackId};
pub use server::ServerMsg;
pub use sfu::{SfuAccess, SfuErrorCode, SfuFeed, SfuPublication, SfuResetReason, SfuTarget};
pub use types::{
    ChatMessage, CloseReason, IceCandidate, IceServer, KnockOutcome, LeaveReason, LobbyReason,
    MediaMode, MediaState, ParticipantInfo, Role, RoomKind, RoomPolicy, SdpKind,
    SessionDescription, Signal, UnixMillis, VideoCodec,
};
#[cfg(feature = "ts")]
pub use typescript::{TYPESCRIPT_PATH, typescript_declarations};
pub use version::{MIN_SUPPORTED_VERSION, PROTOCOL_VERSION, is_supported};
pub use well_known::{IcePolicy, ServerLimits, WELL_KNOWN_PATH, WellKnown};
