//! How commands fail: a [`CommandError`] with a code the UI switches on and
//! a sentence for people that says what to do.

pub use crate::ipc::{CommandError, CommandErrorCode};

impl CommandError {
    /// An error with `code` and a message for people.
    pub fn new(code: CommandErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Something that should not happen; the message says what.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(CommandErrorCode::Internal, message)
    }

    /// A command that needs a call, without one.
    pub fn not_in_call() -> Self {
        Self::new(
            CommandErrorCode::NotInCall,
            "there is no call right now; join one first",
        )
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}
