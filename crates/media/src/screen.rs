//! Where a screen can be captured from on this machine, decided from the
//! platform, the desktop session and the GStreamer elements installed.
//!
//! The choice is a pure function of [`ScreenEnvironment`] so that every
//! platform's rule is tested here, on any machine.

use std::fmt;

/// What the machine offers for screen capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenEnvironment {
    /// `linux`, `windows`, `macos`, ... (`std::env::consts::OS`).
    pub os: String,
    /// `$DISPLAY`, when an X server (or XWayland) is reachable.
    pub x_display: Option<String>,
    /// `$WAYLAND_DISPLAY`, in a Wayland session.
    pub wayland_display: Option<String>,
    /// `$XDG_SESSION_TYPE` (`x11`, `wayland`, `tty`).
    pub session_type: Option<String>,
    /// Test devices are in use: share a generated picture, not the screen.
    pub test_devices: bool,
    /// The GStreamer element factories installed (only the ones asked about
    /// by [`choose_screen_source`] matter).
    pub elements: Vec<String>,
}

impl ScreenEnvironment {
    /// Reads this process's environment and registry. GStreamer must be
    /// initialised ([`crate::init`]).
    pub fn current(test_devices: bool) -> ScreenEnvironment {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        ScreenEnvironment {
            os: std::env::consts::OS.to_owned(),
            x_display: var("DISPLAY"),
            wayland_display: var("WAYLAND_DISPLAY"),
            session_type: var("XDG_SESSION_TYPE"),
            test_devices,
            elements: SCREEN_ELEMENTS
                .iter()
                .filter(|e| crate::has_element(e))
                .map(|e| (*e).to_owned())
                .collect(),
        }
    }

    fn has(&self, element: &str) -> bool {
        self.elements.iter().any(|e| e == element)
    }
}

/// Every element [`choose_screen_source`] may use.
const SCREEN_ELEMENTS: [&str; 5] = [
    "videotestsrc",
    "ximagesrc",
    "pipewiresrc",
    "d3d11screencapturesrc",
    "avfvideosrc",
];

/// The element that captures the screen, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenSource {
    /// A generated moving picture (test devices).
    Test,
    /// The X server's root window (`ximagesrc`).
    X11 {
        /// Which X display.
        display: String,
    },
    /// What the person picks in the desktop portal's dialog, read from
    /// PipeWire (`pipewiresrc`): a Wayland session ([`crate::portal`]).
    Portal,
    /// The primary monitor through Desktop Duplication (`d3d11screencapturesrc`).
    Windows,
    /// The main display (`avfvideosrc capture-screen=true`).
    MacOs,
}

/// Why the screen cannot be shared here, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenUnavailable {
    /// No graphical session at all.
    NoDisplay,
    /// The capture element is not installed.
    MissingElement {
        /// The element.
        element: &'static str,
        /// The package that provides it.
        package: &'static str,
    },
    /// No capture method is known for this operating system.
    UnsupportedOs(String),
}

impl fmt::Display for ScreenUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScreenUnavailable::NoDisplay => {
                f.write_str("there is no graphical display to share on this computer")
            }
            ScreenUnavailable::MissingElement { element, package } => write!(
                f,
                "the screen capture element {element} is missing; install {package}"
            ),
            ScreenUnavailable::UnsupportedOs(os) => {
                write!(f, "screen sharing is not available on {os}")
            }
        }
    }
}

impl std::error::Error for ScreenUnavailable {}

/// Picks the screen source for `env`.
pub fn choose_screen_source(env: &ScreenEnvironment) -> Result<ScreenSource, ScreenUnavailable> {
    let need = |element: &'static str, package: &'static str| {
        if env.has(element) {
            Ok(())
        } else {
            Err(ScreenUnavailable::MissingElement { element, package })
        }
    };
    if env.test_devices {
        need("videotestsrc", "gstreamer1.0-plugins-base")?;
        return Ok(ScreenSource::Test);
    }
    match env.os.as_str() {
        "windows" => {
            need("d3d11screencapturesrc", "the GStreamer runtime (d3d11)")?;
            Ok(ScreenSource::Windows)
        }
        "macos" => {
            need("avfvideosrc", "the GStreamer runtime (applemedia)")?;
            Ok(ScreenSource::MacOs)
        }
        "linux" | "freebsd" | "openbsd" | "netbsd" | "dragonfly" => {
            // XWayland sets DISPLAY too, but it shows only X clients' windows:
            // a Wayland session must go through the portal.
            let wayland =
                env.wayland_display.is_some() || env.session_type.as_deref() == Some("wayland");
            match (&env.x_display, wayland) {
                (_, true) => {
                    need("pipewiresrc", "gstreamer1.0-pipewire")?;
                    Ok(ScreenSource::Portal)
                }
                (Some(display), false) => {
                    need("ximagesrc", "gstreamer1.0-plugins-good")?;
                    Ok(ScreenSource::X11 {
                        display: display.clone(),
                    })
                }
                (None, false) => Err(ScreenUnavailable::NoDisplay),
            }
        }
        other => Err(ScreenUnavailable::UnsupportedOs(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(os: &str) -> ScreenEnvironment {
        ScreenEnvironment {
            os: os.into(),
            x_display: None,
            wayland_display: None,
            session_type: None,
            test_devices: false,
            elements: SCREEN_ELEMENTS.iter().map(|e| (*e).to_owned()).collect(),
        }
    }

    #[test]
    fn an_x11_session_shares_its_display_through_ximagesrc() {
        let mut e = env("linux");
        e.x_display = Some(":0".into());
        e.session_type = Some("x11".into());
        assert_eq!(
            choose_screen_source(&e),
            Ok(ScreenSource::X11 {
                display: ":0".into()
            })
        );
    }

    #[test]
    fn a_wayland_session_shares_through_the_portal_even_with_xwayland() {
        let mut e = env("linux");
        e.x_display = Some(":1".into());
        e.wayland_display = Some("wayland-0".into());
        assert_eq!(choose_screen_source(&e), Ok(ScreenSource::Portal));
        let mut e = env("linux");
        e.session_type = Some("wayland".into());
        assert_eq!(choose_screen_source(&e), Ok(ScreenSource::Portal));
        // Without PipeWire's GStreamer plugin, the package to install.
        e.elements.retain(|x| x != "pipewiresrc");
        let err = choose_screen_source(&e).unwrap_err();
        assert!(err.to_string().contains("gstreamer1.0-pipewire"), "{err}");
    }

    #[test]
    fn no_display_and_missing_elements_say_what_is_wrong() {
        assert_eq!(
            choose_screen_source(&env("linux")),
            Err(ScreenUnavailable::NoDisplay)
        );
        let mut e = env("linux");
        e.x_display = Some(":0".into());
        e.elements.retain(|x| x != "ximagesrc");
        let err = choose_screen_source(&e).unwrap_err();
        assert!(
            err.to_string().contains("gstreamer1.0-plugins-good"),
            "{err}"
        );
        let mut w = env("windows");
        w.elements.clear();
        assert!(matches!(
            choose_screen_source(&w),
            Err(ScreenUnavailable::MissingElement {
                element: "d3d11screencapturesrc",
                ..
            })
        ));
    }

    #[test]
    fn each_platform_has_its_source_and_test_devices_win_everywhere() {
        assert_eq!(
            choose_screen_source(&env("windows")),
            Ok(ScreenSource::Windows)
        );
        assert_eq!(choose_screen_source(&env("macos")), Ok(ScreenSource::MacOs));
        assert_eq!(
            choose_screen_source(&env("haiku")),
            Err(ScreenUnavailable::UnsupportedOs("haiku".into()))
        );
        for os in ["linux", "windows", "macos"] {
            let mut e = env(os);
            e.test_devices = true;
            e.wayland_display = Some("wayland-0".into());
            assert_eq!(choose_screen_source(&e), Ok(ScreenSource::Test), "{os}");
        }
    }
}
