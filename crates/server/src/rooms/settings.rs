//! The room handler's settings, apart from its state.

use mulaqat_protocol::RoomKind;
use mulaqat_protocol::text::{DEFAULT_MAX_CHAT_CHARS, DEFAULT_MAX_DISPLAY_NAME_CHARS};
use serde::{Deserialize, Serialize};

/// Default most participants in a peer-to-peer room (a mesh beyond 4 overloads senders).
pub const DEFAULT_MAX_PARTICIPANTS: u32 = 4;
/// Default most people waiting in one lobby.
pub const DEFAULT_MAX_LOBBY: usize = 50;
/// Default chat messages kept per room for late joiners.
pub const DEFAULT_MAX_CHAT_HISTORY: usize = 5000;
/// Default time a dropped participant may come back without the lobby.
pub const DEFAULT_RESUME_GRACE_SECS: u64 = 120;
/// Default time an empty room (and its chat) is kept before it is forgotten.
pub const DEFAULT_EMPTY_ROOM_GRACE_SECS: u64 = 300;
/// Default largest SDP relayed, in bytes.
pub const DEFAULT_MAX_SDP_BYTES: usize = 48 * 1024;
/// Largest ICE candidate relayed, in bytes.
pub const MAX_CANDIDATE_BYTES: usize = 1024;

/// How rooms behave. Read from the `[rooms]` table of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomSettings {
    /// The kind of a room created by a host's first join.
    pub default_kind: RoomKind,
    /// Most participants per room, the lobby not counted.
    pub max_participants: u32,
    /// Most people waiting in one lobby.
    pub max_lobby: usize,
    /// Longest display name, in characters.
    pub max_display_name_chars: usize,
    /// Longest chat message, in characters.
    pub max_chat_chars: usize,
    /// Chat messages kept per room; beyond it the oldest are dropped.
    pub max_chat_history: usize,
    /// Seconds a dropped participant may resume without waiting in the lobby.
    pub resume_grace_secs: u64,
    /// Seconds an empty room is kept (with its chat) before it is forgotten.
    pub empty_room_grace_secs: u64,
    /// Largest SDP relayed, in bytes.
    pub max_sdp_bytes: usize,
}

impl Default for RoomSettings {
    fn default() -> Self {
        Self {
            default_kind: RoomKind::Consultation,
            max_participants: DEFAULT_MAX_PARTICIPANTS,
            max_lobby: DEFAULT_MAX_LOBBY,
            max_display_name_chars: DEFAULT_MAX_DISPLAY_NAME_CHARS,
            max_chat_chars: DEFAULT_MAX_CHAT_CHARS,
            max_chat_history: DEFAULT_MAX_CHAT_HISTORY,
            resume_grace_secs: DEFAULT_RESUME_GRACE_SECS,
            empty_room_grace_secs: DEFAULT_EMPTY_ROOM_GRACE_SECS,
            max_sdp_bytes: DEFAULT_MAX_SDP_BYTES,
        }
    }
}

/// A room set up ahead of time (`mulaqat-server room create`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomDefinition {
    /// Consultation or meeting.
    pub kind: RoomKind,
    /// Whether guests wait in a lobby; absent means the kind's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lobby: Option<bool>,
    /// Most participants; absent means the server's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_participants: Option<u32>,
}
