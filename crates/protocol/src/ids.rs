//! Identifiers that travel on the wire.
//!
//! Each is a newtype over a string so that a room name can never be passed
//! where a participant is expected. All of them are validated when they are
//! built or deserialized: 1 to 64 characters from `A-Z a-z 0-9 . _ -`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest identifier accepted, in bytes (all allowed characters are ASCII).
pub const MAX_ID_LEN: usize = 64;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The string is empty.
    #[error("an identifier cannot be empty")]
    Empty,
    /// The string is longer than [`MAX_ID_LEN`].
    #[error("an identifier is at most {MAX_ID_LEN} characters long")]
    TooLong,
    /// The string contains a character outside `A-Z a-z 0-9 . _ -`.
    #[error("an identifier may only contain letters, digits, '.', '_' and '-'")]
    BadCharacter,
}

fn validate(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong);
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Builds the identifier, checking its length and characters.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate(&value)?;
                Ok(Self(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A room: one meeting place, named by whoever created it (`cardiology-3`).
    RoomId
);
string_id!(
    /// One participant's presence in one room, chosen by the server.
    ParticipantId
);
string_id!(
    /// One media track (camera, microphone, screen) of a participant.
    TrackId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_people_use_for_rooms() {
        for name in ["cardiology-3", "ward_7.bed-2", "A", "x".repeat(64).as_str()] {
            assert!(RoomId::new(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn refuses_empty_long_and_odd_characters() {
        assert_eq!(RoomId::new(""), Err(IdError::Empty));
        assert_eq!(RoomId::new("x".repeat(65)), Err(IdError::TooLong));
        for bad in ["a b", "a/b", "<script>", "é", "a\0b", "room\n"] {
            assert_eq!(RoomId::new(bad), Err(IdError::BadCharacter), "{bad:?}");
        }
    }

    #[test]
    fn deserializing_validates_too() {
        let ok: ParticipantId = serde_json::from_str("\"p-1\"").expect("valid id");
        assert_eq!(ok.as_str(), "p-1");
        assert!(serde_json::from_str::<ParticipantId>("\"p 1\"").is_err());
        assert!(serde_json::from_str::<ParticipantId>("17").is_err());
    }
}
