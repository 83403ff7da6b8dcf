//! The Mulaqat call client.
//!
//! This crate is what the desktop app and `mulaqat-cli` use to take part in a
//! call. It is built in two layers:
//!
//! - **The call session** ([`Session`], here now): a sans-IO state machine in
//!   the style of str0m. It takes [`Input`]s (server messages, transport
//!   open/close, media engine reports, user actions, timeouts), each with the
//!   time it happened, and produces [`Output`]s (messages to send, transport
//!   open/close, [`MediaCommand`]s for the media engine, [`CallEvent`]s for
//!   the UI) and the next timeout. It has no sockets, no runtime and no
//!   clock, so join, lobby, mesh negotiation, signalling relay, leaving and
//!   reconnection are tested message by message and deterministically. The
//!   loop and its invariants are in the [`session`] module docs.
//! - **The IO around it**: [`transport`] opens the signalling WebSocket
//!   (`ws://`, or `wss://` verified against the OS trust store plus an
//!   optional pinned CA); [`runner`] is the tokio loop that connects the
//!   session to that socket and to `mulaqat-media`; [`link`] reads join
//!   links. Settings, machine policy, server discovery and credentials live
//!   apart, in `mulaqat-settings`.
//!
//! ```
//! use std::time::Instant;
//! use mulaqat_client::{CallState, Input, Output, Session, SessionConfig, UserAction};
//! use mulaqat_client::protocol::{ClientMsg, RoomId};
//!
//! let room = RoomId::new("cardiology-3")?;
//! let mut session = Session::new(SessionConfig::new(room, "Dr. Ayesha", "mq1.claims.sig"));
//! let now = Instant::now();
//! session.handle(now, Input::User(UserAction::Join))?;
//! assert_eq!(session.poll_output(), Some(Output::OpenTransport));
//! // ... the IO runner opens the WebSocket, then:
//! while session.poll_output().is_some() {}
//! session.handle(now, Input::TransportOpened)?;
//! let sent: Vec<Output> = std::iter::from_fn(|| session.poll_output()).collect();
//! assert!(matches!(sent[0], Output::Send(ClientMsg::Hello { .. })));
//! assert!(matches!(sent[1], Output::Send(ClientMsg::Join { .. })));
//! assert_eq!(session.state(), &CallState::Connecting);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod error;
pub mod link;
pub mod runner;
pub mod session;
pub mod transport;

pub use error::SessionError;
pub use session::{
    CallEvent, CallState, DEFAULT_MEDIA, EndReason, Input, MediaCommand, MediaInput, Output,
    PeerLink, ReconnectPolicy, Session, SessionConfig, SfuNotice, UserAction,
};

/// The signalling protocol this crate speaks, re-exported so users of the
/// session need not depend on it separately.
pub use mulaqat_protocol as protocol;
