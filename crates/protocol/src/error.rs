//! Typed error codes sent in `error {code, message}` replies.

use serde::{Deserialize, Serialize};

/// What went wrong, as a stable code the client can act on. The `message`
/// beside it is for people and may change; code on the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The frame is not JSON, or a field is missing or of the wrong type.
    MalformedMessage,
    /// The `type` is not one this server knows.
    UnknownType,
    /// The message is larger than the server accepts.
    MessageTooLarge,
    /// Binary frames are not part of the protocol.
    UnsupportedFrame,
    /// The client speaks a protocol version the server does not.
    UnsupportedVersion,
    /// The first message must be `hello`.
    HelloRequired,
    /// `hello` was sent twice.
    DuplicateHello,
    /// The join token is not one this server signed, or is damaged.
    InvalidToken,
    /// The join token has expired; ask for a new link.
    TokenExpired,
    /// The join token is for another room, or does not allow the requested role.
    WrongRoom,
    /// The action needs a joined participant.
    NotJoined,
    /// `join` was sent twice.
    AlreadyJoined,
    /// The action needs the host role.
    Forbidden,
    /// No such participant in this room.
    UnknownParticipant,
    /// The room holds as many participants as it may.
    RoomFull,
    /// The display name is empty, too long or has control characters.
    InvalidDisplayName,
    /// The chat text is empty, too long or has control characters.
    InvalidText,
    /// A field's value is out of range (for example an SDP that is too large).
    InvalidField,
    /// Too many messages in too short a time.
    RateLimited,
    /// The server is shutting down and takes no new sessions.
    ServerShuttingDown,
    /// Something failed inside the server; the request can be retried.
    Internal,
}

impl ErrorCode {
    /// Whether the server closes the connection after this error. Only errors
    /// that leave the session unusable are fatal; the rest are answered and
    /// the connection stays open.
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            ErrorCode::UnsupportedVersion
                | ErrorCode::InvalidToken
                | ErrorCode::TokenExpired
                | ErrorCode::WrongRoom
                | ErrorCode::ServerShuttingDown
        )
    }

    /// The code as it appears on the wire (`"tokenExpired"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedMessage => "malformedMessage",
            ErrorCode::UnknownType => "unknownType",
            ErrorCode::MessageTooLarge => "messageTooLarge",
            ErrorCode::UnsupportedFrame => "unsupportedFrame",
            ErrorCode::UnsupportedVersion => "unsupportedVersion",
            ErrorCode::HelloRequired => "helloRequired",
            ErrorCode::DuplicateHello => "duplicateHello",
            ErrorCode::InvalidToken => "invalidToken",
            ErrorCode::TokenExpired => "tokenExpired",
            ErrorCode::WrongRoom => "wrongRoom",
            ErrorCode::NotJoined => "notJoined",
            ErrorCode::AlreadyJoined => "alreadyJoined",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::UnknownParticipant => "unknownParticipant",
            ErrorCode::RoomFull => "roomFull",
            ErrorCode::InvalidDisplayName => "invalidDisplayName",
            ErrorCode::InvalidText => "invalidText",
            ErrorCode::InvalidField => "invalidField",
            ErrorCode::RateLimited => "rateLimited",
            ErrorCode::ServerShuttingDown => "serverShuttingDown",
            ErrorCode::Internal => "internal",
        }
    }

    /// Every code, for exhaustive tests and documentation.
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::MalformedMessage,
        ErrorCode::UnknownType,
        ErrorCode::MessageTooLarge,
        ErrorCode::UnsupportedFrame,
        ErrorCode::UnsupportedVersion,
        ErrorCode::HelloRequired,
        ErrorCode::DuplicateHello,
        ErrorCode::InvalidToken,
        ErrorCode::TokenExpired,
        ErrorCode::WrongRoom,
        ErrorCode::NotJoined,
        ErrorCode::AlreadyJoined,
        ErrorCode::Forbidden,
        ErrorCode::UnknownParticipant,
        ErrorCode::RoomFull,
        ErrorCode::InvalidDisplayName,
        ErrorCode::InvalidText,
        ErrorCode::InvalidField,
        ErrorCode::RateLimited,
        ErrorCode::ServerShuttingDown,
        ErrorCode::Internal,
    ];
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
