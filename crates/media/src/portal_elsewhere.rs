//! The desktop portal is a service of Linux (and BSD) desktops; Windows and
//! macOS capture the screen directly ([`crate::screen::ScreenSource`]), so
//! nothing here is ever reached there.

/// Why no screen came from the portal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// The person closed the dialog without choosing.
    #[error("no screen was chosen to share")]
    Cancelled,
    /// No portal on this system.
    #[error("the desktop portal is not part of this operating system ({0})")]
    Unreachable(String),
    /// The portal answered, and did not give a screen.
    #[error("the desktop did not share the screen: {0}")]
    Refused(String),
}

/// A screen chosen through the portal: there is none on this system.
#[derive(Debug)]
pub enum PortalScreen {}

impl PortalScreen {
    pub(crate) fn pipewire(&self) -> (i32, u32) {
        match *self {}
    }

    /// Never: there is no portal screen here.
    pub fn ended_by_desktop(&self) -> bool {
        match *self {}
    }
}

/// Always [`PortalError::Unreachable`] here.
pub async fn choose_screen() -> Result<PortalScreen, PortalError> {
    Err(PortalError::Unreachable(std::env::consts::OS.to_owned()))
}
