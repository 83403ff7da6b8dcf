//! What can go wrong talking to Janus.

use mulaqat_protocol::SfuErrorCode;

/// A failed Janus request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JanusError {
    /// The WebSocket to the node could not be opened.
    #[error("cannot connect to Janus at {url}: {reason}")]
    Connect {
        /// The node's API URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The connection to the node closed (Janus stopped or restarted).
    #[error("the connection to Janus closed")]
    Closed,
    /// Janus did not answer in time.
    #[error("Janus did not answer within {0} ms")]
    Timeout(u64),
    /// Janus itself refused the request (`{"janus":"error"}`), e.g. 403 for a
    /// wrong API secret or 458 for an unknown session.
    #[error("Janus refused the request: {code} {reason}")]
    Janus {
        /// Janus's error code.
        code: u32,
        /// Janus's reason text.
        reason: String,
    },
    /// The VideoRoom plugin refused the request (`error_code` in its reply),
    /// e.g. 433 for a wrong pin or 428 for an unknown feed.
    #[error("the VideoRoom refused the request: {code} {reason}")]
    VideoRoom {
        /// The plugin's error code.
        code: u32,
        /// The plugin's reason text.
        reason: String,
    },
    /// A reply that does not have the expected shape.
    #[error("unexpected reply from Janus: {0}")]
    Protocol(String),
}

/// Janus core: the API secret is wrong or missing.
pub const JANUS_UNAUTHORIZED: u32 = 403;
/// Janus core: no such session (it timed out or Janus restarted).
pub const JANUS_SESSION_NOT_FOUND: u32 = 458;
/// Janus core: no such handle.
pub const JANUS_HANDLE_NOT_FOUND: u32 = 459;
/// VideoRoom: no such room.
pub const VIDEOROOM_NO_SUCH_ROOM: u32 = 426;
/// VideoRoom: no such feed.
pub const VIDEOROOM_NO_SUCH_FEED: u32 = 428;
/// VideoRoom: wrong pin or secret.
pub const VIDEOROOM_UNAUTHORIZED: u32 = 433;

impl JanusError {
    /// Whether this says the node itself is gone (rather than a refusal).
    pub fn node_lost(&self) -> bool {
        matches!(
            self,
            JanusError::Closed | JanusError::Timeout(_) | JanusError::Connect { .. }
        )
    }

    /// Whether the participant's Janus session no longer exists.
    pub fn session_lost(&self) -> bool {
        matches!(
            self,
            JanusError::Janus {
                code: JANUS_SESSION_NOT_FOUND,
                ..
            }
        )
    }

    /// The code and message told to the client whose request failed.
    pub fn for_client(&self) -> (SfuErrorCode, String) {
        match self {
            JanusError::VideoRoom {
                code: VIDEOROOM_UNAUTHORIZED,
                ..
            } => (
                SfuErrorCode::WrongPin,
                "the SFU refused the pin; use the pin from the newest modeChanged".into(),
            ),
            JanusError::VideoRoom {
                code: VIDEOROOM_NO_SUCH_FEED,
                ..
            } => (
                SfuErrorCode::UnknownFeed,
                "that feed is not published (any more); follow sfuFeeds".into(),
            ),
            JanusError::VideoRoom {
                code: VIDEOROOM_NO_SUCH_ROOM,
                ..
            } => (
                SfuErrorCode::NotReady,
                "the SFU room is gone; wait for modeChanged".into(),
            ),
            JanusError::VideoRoom { code, reason } => (
                SfuErrorCode::Refused,
                format!("the SFU refused the request ({code}: {reason})"),
            ),
            JanusError::Timeout(_) => (
                SfuErrorCode::Timeout,
                "the SFU did not answer in time; retry".into(),
            ),
            JanusError::Closed | JanusError::Connect { .. } => (
                SfuErrorCode::Unavailable,
                "the SFU node is not reachable; video resumes when the room is set up again".into(),
            ),
            JanusError::Janus { .. } | JanusError::Protocol(_) => (
                SfuErrorCode::Refused,
                "the SFU could not handle the request; retry, or rejoin the call".into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_pin_is_told_as_wrong_pin_and_a_dead_node_as_unavailable() {
        let pin = JanusError::VideoRoom {
            code: 433,
            reason: "Unauthorized (wrong pin)".into(),
        };
        assert_eq!(pin.for_client().0, SfuErrorCode::WrongPin);
        assert!(!pin.node_lost());
        assert_eq!(JanusError::Closed.for_client().0, SfuErrorCode::Unavailable);
        assert!(JanusError::Timeout(5000).node_lost());
        let gone = JanusError::Janus {
            code: 458,
            reason: "No such session".into(),
        };
        assert!(gone.session_lost());
        assert!(!gone.node_lost());
    }
}
