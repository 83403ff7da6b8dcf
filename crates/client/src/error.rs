//! Errors of this crate.

use mulaqat_protocol::text::TextError;

/// Why the session refused a [`UserAction`](crate::UserAction). A refused
/// action changes nothing and produces no output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// `Join` while a call is already under way.
    #[error("a call is already under way")]
    AlreadyJoined,
    /// The action needs to be in the call (after the server's welcome).
    #[error("cannot {action}: not in a call")]
    NotInCall {
        /// The action refused.
        action: &'static str,
    },
    /// The action needs the host role.
    #[error("cannot {action}: only a host can")]
    NotHost {
        /// The action refused.
        action: &'static str,
    },
    /// The display name in the configuration is not acceptable.
    #[error("display name refused: {0}")]
    InvalidDisplayName(TextError),
    /// The chat text is not acceptable.
    #[error("chat message refused: {0}")]
    InvalidText(TextError),
    /// A host tried to remove themselves (leave instead).
    #[error("cannot remove yourself: leave instead")]
    RemoveSelf,
}
