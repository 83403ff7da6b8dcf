//! The screen: shared in the camera's place (peer to peer, `sharing`), or
//! published as a stream of its own (SFU, `stream`); the desktop portal's
//! screen while it is held (`portal`); and what a capture says as it
//! starts and runs (`watch`). Owns the `screen` parts of the engine's state.

pub(crate) mod portal;
pub(crate) mod sharing;
pub(crate) mod stream;
pub(crate) mod watch;
