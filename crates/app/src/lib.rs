//! The desktop app's backend, without Tauri.
//!
//! The shell (`src-tauri/`) is thin: each command calls one method of
//! [`App`] and forwards each [`AppEvent`] to the window. Everything here
//! builds and is tested without a webview:
//!
//! - [`App`]: settings and policy (`mulaqat-settings`), the frame socket and
//!   the media engine (`mulaqat-media`), the call (`mulaqat-client`'s
//!   runner on its own task) and the embedded server for meetings hosted on
//!   this computer (`mulaqat-server`).
//! - [`ipc`]: the types the UI sees, with their TypeScript bindings
//!   (`ui/src/lib/bindings.ts`, checked by `tests/bindings.rs`).
//! - The call lives here, not in the UI: a reloaded window asks
//!   [`App::call_snapshot`] and carries on.

#![deny(missing_docs)]

mod app;
pub mod args;
mod autostart;
mod call;
mod error;
mod events;
pub mod ipc;
mod media;
mod meeting;
mod netcheck;
mod recent;
pub mod selftest;
mod snapshot;
mod speaker;
pub mod webview;

pub use app::{App, AppConfig, ConfigError};
pub use error::{CommandError, CommandErrorCode};
pub use events::{AppEvent, EventSink};
/// Camera, microphone and speaker ids, as the shell's commands pass them.
pub use mulaqat_media::DeviceId;
