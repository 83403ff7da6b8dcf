//! The screen the person chose in the desktop portal (Wayland): held for
//! the captures to come, let go once nothing captures it; and where the
//! screen is captured from here.

use crate::engine::state::{PortalHold, Shared, State};
use crate::screen::{ScreenEnvironment, ScreenSource, choose_screen_source};

/// Holds the portal's `screen` for captures to come; `None` lets the one
/// held go once nothing captures it.
pub(crate) fn hold_portal_screen(state: &mut State, screen: Option<crate::portal::PortalScreen>) {
    match screen {
        Some(screen) => {
            state.portal = Some(PortalHold {
                screen,
                released: false,
            });
        }
        None => {
            if let Some(hold) = state.portal.as_mut() {
                hold.released = true;
            }
            release_unused_portal(state);
        }
    }
}

/// Drops a released portal screen that nothing captures any more: the
/// portal's session closes with it.
pub(crate) fn release_unused_portal(state: &mut State) {
    let unused = state.screen.is_none() && state.screen_stream.is_none();
    if unused && state.portal.as_ref().is_some_and(|hold| hold.released) {
        state.portal = None;
        tracing::info!("the portal's screen is let go");
    }
}

/// A screen capture failed: a portal screen it read is over too (the
/// person may have stopped it from the desktop's own sharing indicator).
pub(crate) fn forget_portal_screen(state: &mut State) {
    state.portal = None;
}

/// Whether a portal screen is held that the caller has not let go.
pub(crate) fn holds_portal_screen(state: &State) -> bool {
    state.portal.as_ref().is_some_and(|hold| !hold.released)
}

/// Whether the portal's screen is held and the desktop has ended it (the
/// person pressed the desktop's own "stop sharing").
pub(crate) fn portal_ended_by_desktop(state: &State) -> bool {
    state
        .portal
        .as_ref()
        .is_some_and(|hold| hold.screen.ended_by_desktop())
}

/// The PipeWire connection and node of the portal's screen, if one is held.
pub(crate) fn portal_stream(state: &State) -> Option<(i32, u32)> {
    state.portal.as_ref().map(|hold| hold.screen.pipewire())
}

/// Whether the screen can be shared here, and if not why (for people). A
/// screen handed over from the portal is what is shared while it is held.
pub(crate) fn availability(shared: &Shared, state: &State) -> Result<ScreenSource, String> {
    if holds_portal_screen(state) {
        return Ok(ScreenSource::Portal);
    }
    let only_test_devices = shared.settings.test_devices == crate::devices::TestDevices::Only;
    choose_screen_source(&ScreenEnvironment::current(only_test_devices)).map_err(|e| e.to_string())
}
