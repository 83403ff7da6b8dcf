//! Turning frames into messages and back, with the checks every frame gets.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::ClientMsg;
use crate::error::ErrorCode;
use crate::server::ServerMsg;

/// The largest text frame accepted by default, in bytes.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Why a frame is not a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame is larger than the limit.
    #[error("message is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// The frame's size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The frame is not a JSON object.
    #[error("message is not a JSON object: {0}")]
    NotAnObject(String),
    /// The object has no string `type`.
    #[error("message has no \"type\" field naming what it is")]
    MissingType,
    /// The `type` is not known.
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    /// The `type` is known but the fields do not fit it.
    #[error("invalid {kind:?} message: {detail}")]
    Invalid {
        /// The message type.
        kind: String,
        /// What is wrong, from the parser.
        detail: String,
    },
}

impl DecodeError {
    /// The error code to reply with.
    pub fn code(&self) -> ErrorCode {
        match self {
            DecodeError::TooLarge { .. } => ErrorCode::MessageTooLarge,
            DecodeError::UnknownType(_) => ErrorCode::UnknownType,
            DecodeError::NotAnObject(_)
            | DecodeError::MissingType
            | DecodeError::Invalid { .. } => ErrorCode::MalformedMessage,
        }
    }
}

fn decode<T: DeserializeOwned>(
    text: &str,
    max_bytes: usize,
    known_types: &[&str],
) -> Result<T, DecodeError> {
    if text.len() > max_bytes {
        return Err(DecodeError::TooLarge {
            size: text.len(),
            limit: max_bytes,
        });
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| DecodeError::NotAnObject(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(DecodeError::NotAnObject(
            "found a JSON value that is not an object".into(),
        ));
    };
    let kind = match object.get("type") {
        Some(serde_json::Value::String(kind)) => kind.clone(),
        _ => return Err(DecodeError::MissingType),
    };
    if !known_types.contains(&kind.as_str()) {
        // Echo a bounded prefix only: the type could be megabytes of junk.
        return Err(DecodeError::UnknownType(kind.chars().take(40).collect()));
    }
    if kind == "signal" && object.contains_key("sdp") && object.contains_key("candidate") {
        // Serde would silently take the first; an ambiguous signal is a bug
        // in the sender that should be seen.
        return Err(DecodeError::Invalid {
            kind,
            detail: "a signal carries either \"sdp\" or \"candidate\", not both".into(),
        });
    }
    serde_json::from_value(value).map_err(|e| DecodeError::Invalid {
        kind,
        detail: e.to_string(),
    })
}

/// Parses one client frame, refusing frames over `max_bytes`.
pub fn decode_client(text: &str, max_bytes: usize) -> Result<ClientMsg, DecodeError> {
    decode(text, max_bytes, &ClientMsg::TYPES)
}

/// Parses one server frame, refusing frames over `max_bytes`.
pub fn decode_server(text: &str, max_bytes: usize) -> Result<ServerMsg, DecodeError> {
    decode(text, max_bytes, &ServerMsg::TYPES)
}

/// Serializes a message as one JSON text frame.
pub fn encode<T: Serialize>(msg: &T) -> String {
    // Serializing these types cannot fail: every map key is a string and no
    // type has a custom `Serialize` that can error.
    serde_json::to_string(msg).unwrap_or_else(|e| {
        format!(r#"{{"type":"error","code":"internal","message":"encoding failed: {e}"}}"#)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_is_refused_before_parsing() {
        let big = format!(r#"{{"type":"chat","text":"{}"}}"#, "a".repeat(100));
        let err = decode_client(&big, 50).expect_err("too large");
        assert_eq!(err.code(), ErrorCode::MessageTooLarge);
    }

    #[test]
    fn each_shape_of_garbage_has_its_code() {
        let cases = [
            ("not json", ErrorCode::MalformedMessage),
            ("[1,2]", ErrorCode::MalformedMessage),
            ("{}", ErrorCode::MalformedMessage),
            (r#"{"type":7}"#, ErrorCode::MalformedMessage),
            (r#"{"type":"teleport"}"#, ErrorCode::UnknownType),
            (r#"{"type":"chat"}"#, ErrorCode::MalformedMessage),
            (
                r#"{"type":"hello","version":"one","token":"t"}"#,
                ErrorCode::MalformedMessage,
            ),
        ];
        for (text, code) in cases {
            let err = decode_client(text, DEFAULT_MAX_MESSAGE_BYTES).expect_err(text);
            assert_eq!(err.code(), code, "{text}: {err}");
        }
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let msg = decode_client(
            r#"{"type":"chat","text":"hi","futureField":{"x":1}}"#,
            DEFAULT_MAX_MESSAGE_BYTES,
        )
        .expect("parses");
        assert_eq!(msg, ClientMsg::Chat { text: "hi".into() });
    }

    #[test]
    fn unknown_type_echo_is_bounded() {
        let text = format!(r#"{{"type":"{}"}}"#, "x".repeat(10_000));
        let err = decode_client(&text, DEFAULT_MAX_MESSAGE_BYTES).expect_err("unknown");
        assert!(err.to_string().len() < 100, "{err}");
    }
}
