//! What a session is set up with: [`SessionConfig`].

use std::fmt;

use mulaqat_protocol::{MediaState, Role, RoomId, VideoCodec};

use super::reconnect::ReconnectPolicy;

/// The media a call starts with unless told otherwise: microphone and camera
/// on, no screen share.
pub const DEFAULT_MEDIA: MediaState = MediaState {
    audio: true,
    video: true,
    screen: false,
};

/// Everything a [`Session`](super::Session) needs to join one room.
///
/// `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// The room to join (the one the token names).
    pub room: RoomId,
    /// The name others see; checked (and trimmed) when joining.
    pub display_name: String,
    /// The signed join token from the room link. A secret: never logged.
    pub token: String,
    /// Join with less than the token allows (a host joining as a guest);
    /// `None` takes the token's role.
    pub role: Option<Role>,
    /// Microphone, camera and screen share when joining.
    pub media: MediaState,
    /// What to do when the signalling link drops.
    pub reconnect: ReconnectPolicy,
    /// The video codecs our media decodes, told to the server so that an
    /// SFU room sends one every member decodes; `None`: not checked (the
    /// server takes H.264 and VP8).
    pub decodes: Option<Vec<VideoCodec>>,
}

impl SessionConfig {
    /// A configuration with the defaults: the token's role, [`DEFAULT_MEDIA`]
    /// and the default [`ReconnectPolicy`].
    pub fn new(room: RoomId, display_name: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            room,
            display_name: display_name.into(),
            token: token.into(),
            role: None,
            media: DEFAULT_MEDIA,
            reconnect: ReconnectPolicy::default(),
            decodes: None,
        }
    }
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("room", &self.room)
            .field("display_name", &self.display_name)
            .field("token", &"<redacted>")
            .field("role", &self.role)
            .field("media", &self.media)
            .field("reconnect", &self.reconnect)
            .field("decodes", &self.decodes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_token() {
        let room = RoomId::new("cardiology-3").expect("valid room");
        let config = SessionConfig::new(room, "Dr. Ayesha", "mq1.c2VjcmV0.aG1hYw");
        let shown = format!("{config:?} {config:#?}");
        assert!(!shown.contains("mq1.c2VjcmV0"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert!(shown.contains("cardiology-3"));
    }
}
