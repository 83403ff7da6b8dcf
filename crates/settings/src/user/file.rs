//! Reading and writing [`UserSettings`] in their file: atomically, private
//! to the person, and a damaged file kept aside rather than dropped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::UserSettings;
use crate::error::SettingsError;

/// The settings file's name inside the config folder.
pub const SETTINGS_FILE_NAME: &str = "settings.toml";
/// Environment variable naming the config folder (tests, kiosks).
pub const CONFIG_DIR_ENV: &str = "MULAQAT_CONFIG_DIR";

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
    pub(super) fn location_for(
        config_dir: Option<std::ffi::OsString>,
    ) -> Result<Self, SettingsError> {
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
