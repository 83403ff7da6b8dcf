//! Starting Mulaqat when the person logs in (the `launchAtLogin` setting):
//! an XDG autostart entry on Linux and the other free desktops, a per-user
//! `Run` value on Windows.

use std::path::{Path, PathBuf};

/// The name of the entry (the desktop file's id, the `Run` value's name).
const ENTRY: &str = "org.mulaqat.Mulaqat";

/// Why the login start could not be changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AutostartError {
    /// Writing or removing the entry failed.
    #[error("could not change {path}: {source}")]
    Io {
        /// The entry.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No place to put the entry was found.
    #[error("no configuration folder was found for this user (HOME is not set)")]
    NoConfigDir,
    /// This platform has no login start yet.
    #[error("starting at login is not available on {0}")]
    Unsupported(&'static str),
}

/// The XDG autostart folder: `$XDG_CONFIG_HOME/autostart`, else `~/.config/autostart`.
fn xdg_autostart_dir() -> Option<PathBuf> {
    let non_empty = |v: std::ffi::OsString| (!v.is_empty()).then(|| PathBuf::from(v));
    std::env::var_os("XDG_CONFIG_HOME")
        .and_then(non_empty)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(non_empty)
                .map(|h| h.join(".config"))
        })
        .map(|config| config.join("autostart"))
}

/// The desktop entry that starts `exe` at login.
fn desktop_entry(exe: &Path) -> String {
    // Exec quoting (Desktop Entry spec): double quotes, with `"`, `` ` ``,
    // `$` and `\` escaped by a backslash.
    let mut quoted = String::from("\"");
    for c in exe.to_string_lossy().chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    format!(
        "[Desktop Entry]\nType=Application\nName=Mulaqat\nComment=Video visits and consultations\n\
         Exec={quoted}\nIcon={ENTRY}\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    )
}

/// Creates or removes the XDG autostart entry in `dir`.
fn set_xdg(dir: &Path, exe: &Path, enabled: bool) -> Result<(), AutostartError> {
    let path = dir.join(format!("{ENTRY}.desktop"));
    let io = |source| AutostartError::Io {
        path: path.clone(),
        source,
    };
    if enabled {
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::write(&path, desktop_entry(exe)).map_err(io)
    } else {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }
}

/// Makes this program (`exe`) start at login, or stops it doing so.
pub(crate) fn set_launch_at_login(exe: &Path, enabled: bool) -> Result<(), AutostartError> {
    if cfg!(windows) {
        return windows::set_run_value(exe, enabled);
    }
    if cfg!(target_os = "macos") {
        return Err(AutostartError::Unsupported("macOS"));
    }
    let dir = xdg_autostart_dir().ok_or(AutostartError::NoConfigDir)?;
    set_xdg(&dir, exe, enabled)
}

#[cfg(windows)]
mod windows {
    use std::path::Path;

    use super::{AutostartError, ENTRY};

    const RUN: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";

    /// `HKCU\...\Run\org.mulaqat.Mulaqat = "<exe>"`, or its removal.
    pub(super) fn set_run_value(exe: &Path, enabled: bool) -> Result<(), AutostartError> {
        let io = |source| AutostartError::Io {
            path: format!(r"HKCU\{RUN}\{ENTRY}").into(),
            source,
        };
        let hkcu = winreg::RegKey::predef(winreg::enums::HKEY_CURRENT_USER);
        let (run, _) = hkcu.create_subkey(RUN).map_err(io)?;
        if enabled {
            run.set_value(ENTRY, &format!("\"{}\"", exe.display()))
                .map_err(io)
        } else {
            match run.delete_value(ENTRY) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
                _ => Ok(()),
            }
        }
    }
}

#[cfg(not(windows))]
mod windows {
    use std::path::Path;

    use super::AutostartError;

    pub(super) fn set_run_value(_exe: &Path, _enabled: bool) -> Result<(), AutostartError> {
        Err(AutostartError::Unsupported("this platform"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turning_it_on_writes_an_autostart_entry_and_off_removes_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let autostart = dir.path().join("autostart");
        let exe = Path::new("/opt/Mulaqat $1/mulaqat");
        set_xdg(&autostart, exe, true).expect("on");
        let path = autostart.join("org.mulaqat.Mulaqat.desktop");
        let text = std::fs::read_to_string(&path).expect("entry");
        assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
        assert!(
            text.contains("Exec=\"/opt/Mulaqat \\$1/mulaqat\"\n"),
            "the path is quoted and escaped: {text}"
        );
        // Twice on is still one entry; off removes it; off again is fine.
        set_xdg(&autostart, exe, true).expect("on again");
        set_xdg(&autostart, exe, false).expect("off");
        assert!(!path.exists());
        set_xdg(&autostart, exe, false).expect("off again");
    }

    #[test]
    fn a_folder_that_cannot_be_written_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "x").expect("file");
        let err = set_xdg(&file.join("autostart"), Path::new("/usr/bin/mulaqat"), true)
            .expect_err("cannot create a folder under a file");
        assert!(err.to_string().contains("could not change"), "{err}");
    }
}
