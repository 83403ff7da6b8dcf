//! The engine's connections, one `webrtcbin` each: mesh peers and SFU
//! publications and subscriptions (`connection`, `sfu`), their handlers
//! (`signals`, `gate`), descriptions and candidates (`negotiate`,
//! `remote`, `candidates`), and what they send and receive (`senders`,
//! `receive`). Owns the `peers` parts of the engine's state, including the
//! shared encoders its senders hang off.

pub(crate) mod candidates;
pub(crate) mod connection;
pub(crate) mod gate;
pub(crate) mod negotiate;
pub(crate) mod receive;
pub(crate) mod remote;
pub(crate) mod senders;
pub(crate) mod sfu;
pub(crate) mod signals;
