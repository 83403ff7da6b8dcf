//! The protocol version handshake.
//!
//! The client names its version in `hello`; the server answers with the
//! version it will speak in `welcome` or `lobbyWaiting`, or refuses with
//! `unsupportedVersion` and closes.

/// The version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The oldest client version this build still serves.
pub const MIN_SUPPORTED_VERSION: u32 = 1;

/// Whether a peer speaking `version` can be served.
pub fn is_supported(version: u32) -> bool {
    (MIN_SUPPORTED_VERSION..=PROTOCOL_VERSION).contains(&version)
}
