//! The person's own settings: a TOML file in the platform's config folder.
//!
//! Settings hold choices only, never passwords or tokens (those go to the
//! OS keyring, [`crate::credentials`]). The file is written atomically
//! (a temporary file renamed over the old one) with mode 0600 on unix. A
//! damaged file is never dropped silently: [`SettingsFile::load`] says where
//! it is damaged, and [`SettingsFile::load_or_default`] keeps it as
//! `settings.toml.broken-<unix-secs>` before starting from defaults.

mod file;
#[cfg(test)]
mod tests;

use mulaqat_protocol::{RoomId, UnixMillis};
use serde::{Deserialize, Serialize};

pub(crate) use file::line_of;
pub use file::{CONFIG_DIR_ENV, Recovery, SETTINGS_FILE_NAME, SettingsFile};

/// How many recent rooms are remembered.
pub const MAX_RECENT_ROOMS: usize = 10;

/// The most video detail to send.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Quality {
    /// Whatever the camera, the link and the CPU allow.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// Up to 3840x2160 (4K).
    #[serde(rename = "2160p")]
    P2160,
    /// Up to 1920x1080.
    #[serde(rename = "1080p")]
    P1080,
    /// Up to 1280x720.
    #[serde(rename = "720p")]
    P720,
    /// Up to 640x360 (poor links).
    #[serde(rename = "360p")]
    P360,
}

impl Quality {
    /// The tallest frame to send, or `None` for automatic.
    pub fn max_height(self) -> Option<u32> {
        match self {
            Self::Auto => None,
            Self::P2160 => Some(2160),
            Self::P1080 => Some(1080),
            Self::P720 => Some(720),
            Self::P360 => Some(360),
        }
    }
}

/// Which video encoder to prefer: a kind, or one element by name.
///
/// Written as text: `"auto"`, `"hardware"`, `"software"`, or a GStreamer
/// encoder element such as `"vah264enc"` (pinned: used when it works on this
/// machine, else the best one that does).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EncoderPreference {
    /// Hardware when one works, else software.
    #[default]
    Auto,
    /// Hardware encoders only (software still stands in if none works).
    Hardware,
    /// Software encoders only.
    Software,
    /// This encoder element.
    Pinned(String),
}

impl EncoderPreference {
    /// As written in settings and policy.
    pub fn as_str(&self) -> &str {
        match self {
            EncoderPreference::Auto => "auto",
            EncoderPreference::Hardware => "hardware",
            EncoderPreference::Software => "software",
            EncoderPreference::Pinned(element) => element,
        }
    }
}

impl TryFrom<String> for EncoderPreference {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let text = text.trim();
        Ok(match text {
            "auto" => EncoderPreference::Auto,
            "hardware" => EncoderPreference::Hardware,
            "software" => EncoderPreference::Software,
            element
                if !element.is_empty()
                    && element.len() <= 64
                    && element
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
            {
                EncoderPreference::Pinned(element.to_owned())
            }
            other => {
                return Err(format!(
                    "{other:?} is not an encoder preference: use auto, hardware, software or an \
                     encoder element name such as x264enc"
                ));
            }
        })
    }
}

impl From<EncoderPreference> for String {
    fn from(preference: EncoderPreference) -> String {
        preference.as_str().to_owned()
    }
}

/// A room joined recently, offered again on the start screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentRoom {
    /// The room.
    pub room: RoomId,
    /// The server's address (origin), e.g. `https://meet.hospital.example`.
    pub server: String,
    /// How the room is shown in the list (a label from the link or the
    /// person); the room id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When it was last joined.
    pub last_joined: UnixMillis,
}

/// The person's own settings. Missing keys take their defaults; unknown
/// keys are ignored with a warning in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserSettings {
    /// The server's address as the person gave it (normalised to its origin
    /// when changed through [`crate::EffectiveSettings::update`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// The name others see; `None` until the person gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The camera's device id; `None` picks the system default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    /// The microphone's device id; `None` picks the system default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub microphone: Option<String>,
    /// The speaker's device id; `None` picks the system default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// The most video detail to send.
    pub quality: Quality,
    /// Which kind of encoder to prefer.
    pub encoder: EncoderPreference,
    /// Clinical audio: no noise suppression or gain control, so a digital
    /// stethoscope (auscultation) is heard as it is. Echo cancellation stays.
    pub clinical_audio: bool,
    /// The interface language (`"en"`, `"ur"`); `None` follows the system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Start Mulaqat when the person logs in.
    pub launch_at_login: bool,
    /// A host hears a sound, repeated, while someone waits in the lobby.
    pub knock_sound: bool,
    /// Rooms joined recently, newest first, at most [`MAX_RECENT_ROOMS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recent_rooms: Vec<RecentRoom>,
}

impl Default for UserSettings {
    fn default() -> Self {
        UserSettings {
            server_url: None,
            display_name: None,
            camera: None,
            microphone: None,
            speaker: None,
            quality: Quality::default(),
            encoder: EncoderPreference::default(),
            clinical_audio: false,
            language: None,
            launch_at_login: false,
            knock_sound: true,
            recent_rooms: Vec::new(),
        }
    }
}

impl UserSettings {
    /// Remembers a room just joined: it moves to the front (once per room
    /// and server) and the list keeps the newest [`MAX_RECENT_ROOMS`].
    pub fn record_recent_room(
        &mut self,
        room: RoomId,
        server: impl Into<String>,
        name: Option<String>,
        now: UnixMillis,
    ) {
        let server = server.into();
        self.recent_rooms
            .retain(|r| !(r.room == room && r.server == server));
        self.recent_rooms.insert(
            0,
            RecentRoom {
                room,
                server,
                name,
                last_joined: now,
            },
        );
        self.recent_rooms.truncate(MAX_RECENT_ROOMS);
    }

    /// Puts a hand-edited file in order: recent rooms newest first, no
    /// duplicates, at most [`MAX_RECENT_ROOMS`].
    pub fn normalise(&mut self) {
        self.recent_rooms
            .sort_by_key(|r| std::cmp::Reverse(r.last_joined));
        let mut seen = std::collections::HashSet::new();
        self.recent_rooms
            .retain(|r| seen.insert((r.room.clone(), r.server.clone())));
        self.recent_rooms.truncate(MAX_RECENT_ROOMS);
    }

    /// The settings as the TOML text that [`SettingsFile::save`] writes.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(self)
    }

    /// Parses settings from TOML text. Unknown keys are returned (as dotted
    /// paths) rather than refused, so an older app reads a newer file.
    pub fn from_toml(text: &str) -> Result<(Self, Vec<String>), toml::de::Error> {
        let mut unknown = Vec::new();
        let deserializer = toml::Deserializer::parse(text)?;
        let mut settings: Self =
            serde_ignored::deserialize(deserializer, |path| unknown.push(path.to_string()))?;
        settings.normalise();
        Ok((settings, unknown))
    }
}
