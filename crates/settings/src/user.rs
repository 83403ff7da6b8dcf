//! The person's own settings: a TOML file in the platform's config folder.
//!
//! Settings hold choices only, never passwords or tokens (those go to the
//! OS keyring, [`crate::credentials`]). The file is written atomically
//! (a temporary file renamed over the old one) with mode 0600 on unix. A
//! damaged file is never dropped silently: [`SettingsFile::load`] says where
//! it is damaged, and [`SettingsFile::load_or_default`] keeps it as
//! `settings.toml.broken-<unix-secs>` before starting from defaults.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use mulaqat_protocol::{RoomId, UnixMillis};
use serde::{Deserialize, Serialize};

use crate::error::SettingsError;

/// The settings file's name inside the config folder.
pub const SETTINGS_FILE_NAME: &str = "settings.toml";
/// Environment variable naming the config folder (tests, kiosks).
pub const CONFIG_DIR_ENV: &str = "MULAQAT_CONFIG_DIR";
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

/// Where the settings live, and reading and writing them there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsFile {
    path: PathBuf,
}

/// What [`SettingsFile::load_or_default`] had to do to start.
#[derive(Debug)]
pub struct Recovery {
    /// Why the file could not be used.
    pub error: SettingsError,
    /// Where the damaged file was moved, if it was.
    pub moved_to: Option<PathBuf>,
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.moved_to {
            Some(path) => write!(
                f,
                "{} The damaged file was kept as {}; Mulaqat started with default settings.",
                self.error,
                path.display()
            ),
            None => write!(f, "{} Mulaqat started with default settings.", self.error),
        }
    }
}

impl SettingsFile {
    /// Settings kept in this file.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The usual place: `$MULAQAT_CONFIG_DIR/settings.toml` when that is
    /// set, else the platform's config folder (`~/.config/mulaqat` on
    /// Linux, `%APPDATA%\Mulaqat\Mulaqat\config` on Windows,
    /// `~/Library/Application Support/org.Mulaqat.Mulaqat` on macOS).
    pub fn default_location() -> Result<Self, SettingsError> {
        Self::location_for(std::env::var_os(CONFIG_DIR_ENV))
    }

    /// [`Self::default_location`] given the value of `MULAQAT_CONFIG_DIR`.
    fn location_for(config_dir: Option<std::ffi::OsString>) -> Result<Self, SettingsError> {
        if let Some(dir) = config_dir.filter(|d| !d.is_empty()) {
            return Ok(Self::at(PathBuf::from(dir).join(SETTINGS_FILE_NAME)));
        }
        let dirs = directories::ProjectDirs::from("org", "Mulaqat", "Mulaqat")
            .ok_or(SettingsError::NoConfigDir)?;
        Ok(Self::at(dirs.config_dir().join(SETTINGS_FILE_NAME)))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the settings; a missing file gives the defaults. A damaged
    /// file is an error naming the file and the line.
    pub fn load(&self) -> Result<UserSettings, SettingsError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(UserSettings::default());
            }
            Err(source) => {
                return Err(SettingsError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| SettingsError::Corrupt {
            path: self.path.clone(),
            line: None,
            message: "it is not UTF-8 text".to_owned(),
        })?;
        let (settings, unknown) =
            UserSettings::from_toml(&text).map_err(|err| SettingsError::Corrupt {
                path: self.path.clone(),
                line: line_of(&text, err.span()),
                message: err.message().trim_end().to_owned(),
            })?;
        for key in unknown {
            tracing::warn!(path = %self.path.display(), key, "ignoring an unknown settings key");
        }
        Ok(settings)
    }

    /// Reads the settings, or starts from defaults when they cannot be
    /// read. A damaged file is renamed to `settings.toml.broken-<unix-secs>`
    /// first, so nothing is lost; the returned [`Recovery`] says what
    /// happened, for the UI to tell the person.
    pub fn load_or_default(&self) -> (UserSettings, Option<Recovery>) {
        match self.load() {
            Ok(settings) => (settings, None),
            Err(error @ SettingsError::Corrupt { .. }) => {
                let moved_to = self.keep_broken();
                tracing::warn!(
                    %error,
                    kept_as = ?moved_to,
                    "settings file damaged; starting with defaults"
                );
                (UserSettings::default(), Some(Recovery { error, moved_to }))
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read settings; starting with defaults");
                (
                    UserSettings::default(),
                    Some(Recovery {
                        error,
                        moved_to: None,
                    }),
                )
            }
        }
    }

    fn keep_broken(&self) -> Option<PathBuf> {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let name = self.path.file_name()?.to_string_lossy().into_owned();
        let mut target = self.path.with_file_name(format!("{name}.broken-{secs}"));
        let mut n = 1;
        while target.exists() {
            target = self
                .path
                .with_file_name(format!("{name}.broken-{secs}-{n}"));
            n += 1;
        }
        match std::fs::rename(&self.path, &target) {
            Ok(()) => Some(target),
            Err(err) => {
                tracing::warn!(%err, path = %self.path.display(), "cannot move the damaged settings file aside");
                None
            }
        }
    }

    /// Writes the settings: to a temporary file beside the real one (mode
    /// 0600 on unix), flushed to disk, then renamed over it, so a crash
    /// leaves either the old or the new file, never half of one.
    pub fn save(&self, settings: &UserSettings) -> Result<(), SettingsError> {
        let write_err = |path: &Path| {
            let path = path.to_owned();
            move |source| SettingsError::Write { path, source }
        };
        let text = settings.to_toml().map_err(|err| SettingsError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(err),
        })?;
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        create_private_dir(&dir).map_err(write_err(&dir))?;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| SETTINGS_FILE_NAME.to_owned());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let result =
            write_private(&tmp, text.as_bytes()).and_then(|()| std::fs::rename(&tmp, &self.path));
        if let Err(source) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(SettingsError::Write {
                path: self.path.clone(),
                source,
            });
        }
        Ok(())
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        // The mode above only applies when the file is created.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

/// The 1-based line a byte offset falls on.
pub(crate) fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> Option<usize> {
    let start = span?.start.min(text.len());
    let before = text.get(..start)?;
    Some(before.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str) -> RoomId {
        RoomId::new(name).expect("room id")
    }

    fn full() -> UserSettings {
        let mut settings = UserSettings {
            server_url: Some("https://meet.hospital.example".into()),
            display_name: Some("ڈاکٹر عائشہ".into()),
            camera: Some("v4l2:/dev/video0".into()),
            microphone: Some("alsa:hw:1".into()),
            speaker: Some("pulse:sink-2".into()),
            quality: Quality::P1080,
            encoder: EncoderPreference::Hardware,
            clinical_audio: true,
            language: Some("ur".into()),
            launch_at_login: true,
            knock_sound: false,
            recent_rooms: Vec::new(),
        };
        settings.record_recent_room(
            room("cardiology-3"),
            "https://meet.hospital.example",
            Some("Cardiology".into()),
            UnixMillis(1_700_000_000_000),
        );
        settings
    }

    #[test]
    fn settings_round_trip_through_a_file_with_mode_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::at(dir.path().join("nested/settings.toml"));
        assert_eq!(
            file.load().expect("missing is default"),
            UserSettings::default()
        );
        let settings = full();
        file.save(&settings).expect("save");
        assert_eq!(file.load().expect("load"), settings);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("nested"))
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("settings.toml")]);
    }

    #[test]
    fn the_file_uses_the_documented_camel_case_keys() {
        let text = full().to_toml().expect("toml");
        for key in [
            "serverUrl = ",
            "displayName = ",
            "camera = ",
            "microphone = ",
            "speaker = ",
            "quality = \"1080p\"",
            "encoder = \"hardware\"",
            "clinicalAudio = true",
            "language = \"ur\"",
            "launchAtLogin = true",
            "knockSound = false",
            "[[recentRooms]]",
            "lastJoined = 1700000000000",
        ] {
            assert!(text.contains(key), "{key} missing from:\n{text}");
        }
    }

    #[test]
    fn missing_keys_take_defaults_and_unknown_keys_are_reported() {
        let (settings, unknown) =
            UserSettings::from_toml("quality = \"720p\"\nfutureThing = 3\n[newTable]\nx = 1\n")
                .expect("parses");
        assert_eq!(settings.quality, Quality::P720);
        assert_eq!(settings.encoder, EncoderPreference::Auto);
        assert!(!settings.clinical_audio);
        assert!(
            settings.knock_sound,
            "the knock sound is on unless turned off"
        );
        assert_eq!(
            unknown,
            vec!["futureThing".to_owned(), "newTable".to_owned()]
        );
    }

    #[test]
    fn an_encoder_is_a_kind_or_an_element_name_and_nonsense_is_refused() {
        for (text, want) in [
            ("auto", EncoderPreference::Auto),
            ("hardware", EncoderPreference::Hardware),
            ("software", EncoderPreference::Software),
            ("vah264enc", EncoderPreference::Pinned("vah264enc".into())),
        ] {
            let (settings, _) =
                UserSettings::from_toml(&format!("encoder = \"{text}\"\n")).expect(text);
            assert_eq!(settings.encoder, want);
            let written = settings.to_toml().expect("toml");
            assert!(
                written.contains(&format!("encoder = \"{text}\"")),
                "{written}"
            );
        }
        for bad in ["", "X264 enc", "<script>", "a/b"] {
            let err = EncoderPreference::try_from(bad.to_owned()).expect_err(bad);
            assert!(err.contains("auto, hardware, software"), "{err}");
        }
    }

    #[test]
    fn a_damaged_file_is_an_error_with_the_path_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::at(dir.path().join("settings.toml"));
        std::fs::write(file.path(), "quality = \"720p\"\nclinicalAudio = maybe\n").expect("write");
        let err = file.load().expect_err("damaged");
        assert!(
            matches!(err, SettingsError::Corrupt { line: Some(2), .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("settings.toml"), "{text}");
        assert!(text.contains("line 2"), "{text}");
    }

    #[test]
    fn a_file_that_is_not_text_counts_as_damaged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::at(dir.path().join("settings.toml"));
        std::fs::write(file.path(), b"quality = \"\xff\"\n").expect("write");
        assert!(matches!(
            file.load(),
            Err(SettingsError::Corrupt { line: None, .. })
        ));
        let (_, recovery) = file.load_or_default();
        assert!(recovery.and_then(|r| r.moved_to).is_some(), "kept aside");
    }

    #[test]
    fn load_or_default_keeps_the_damaged_file_beside_the_new_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::at(dir.path().join("settings.toml"));
        std::fs::write(file.path(), "quality = \"8k\"\n").expect("write");
        let (settings, recovery) = file.load_or_default();
        assert_eq!(settings, UserSettings::default());
        let recovery = recovery.expect("recovered");
        let kept = recovery.moved_to.clone().expect("moved aside");
        let kept_name = kept
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(
            kept_name.starts_with("settings.toml.broken-"),
            "{kept_name}"
        );
        assert_eq!(
            std::fs::read_to_string(&kept).expect("kept"),
            "quality = \"8k\"\n"
        );
        assert!(!file.path().exists());
        assert!(recovery.to_string().contains("default settings"));
        // Saving afterwards does not touch the kept copy.
        file.save(&settings).expect("save");
        assert!(kept.exists());
    }

    #[test]
    fn recent_rooms_are_newest_first_unique_and_capped() {
        let mut settings = UserSettings::default();
        for i in 0..15u64 {
            settings.record_recent_room(
                room(&format!("room-{i}")),
                "https://a.example",
                None,
                UnixMillis(i),
            );
        }
        settings.record_recent_room(room("room-12"), "https://a.example", None, UnixMillis(99));
        settings.record_recent_room(room("room-12"), "https://b.example", None, UnixMillis(100));
        let names: Vec<_> = settings
            .recent_rooms
            .iter()
            .map(|r| (r.room.as_str().to_owned(), r.server.as_str().to_owned()))
            .collect();
        assert_eq!(names.len(), MAX_RECENT_ROOMS);
        assert_eq!(names[0], ("room-12".into(), "https://b.example".into()));
        assert_eq!(names[1], ("room-12".into(), "https://a.example".into()));
        assert_eq!(names[2].0, "room-14");
        assert_eq!(
            names
                .iter()
                .filter(|(r, s)| r == "room-12" && s == "https://a.example")
                .count(),
            1
        );
    }

    #[test]
    fn a_hand_edited_list_is_put_in_order() {
        let mut text = String::new();
        for i in 0..12 {
            text.push_str(&format!(
                "[[recentRooms]]\nroom = \"r{i}\"\nserver = \"s\"\nlastJoined = {i}\n"
            ));
        }
        let (settings, _) = UserSettings::from_toml(&text).expect("parses");
        assert_eq!(settings.recent_rooms.len(), MAX_RECENT_ROOMS);
        assert_eq!(settings.recent_rooms[0].room.as_str(), "r11");
    }

    #[test]
    fn settings_never_hold_anything_named_like_a_secret() {
        let value = serde_json::to_value(full()).expect("json");
        let mut keys = Vec::new();
        collect_keys(&value, &mut keys);
        assert!(keys.len() > 10, "{keys:?}");
        for key in keys {
            let lower = key.to_lowercase();
            for word in ["password", "passwd", "token", "secret", "credential"] {
                assert!(
                    !lower.contains(word),
                    "settings key {key} looks like a secret"
                );
            }
        }
        let toml = full().to_toml().expect("toml").to_lowercase();
        for word in ["password", "token", "secret"] {
            assert!(!toml.contains(word), "{toml}");
        }
    }

    fn collect_keys(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    out.push(k.clone());
                    collect_keys(v, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_config_dir_can_be_chosen_by_environment() {
        let chosen = SettingsFile::location_for(Some("/srv/kiosk/mulaqat".into())).expect("set");
        assert_eq!(chosen.path(), Path::new("/srv/kiosk/mulaqat/settings.toml"));
        // Unset or empty falls back to the platform folder, named for Mulaqat.
        if let Ok(platform) = SettingsFile::location_for(Some("".into())) {
            assert!(platform.path().ends_with(SETTINGS_FILE_NAME));
            assert!(
                platform
                    .path()
                    .to_string_lossy()
                    .to_lowercase()
                    .contains("mulaqat")
            );
        }
    }
}
