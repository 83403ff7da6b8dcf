//! Sharing the screen in a call.

use mulaqat_client::UserAction;
use mulaqat_media::devices::TestDevices;

use super::App;
use crate::error::{CommandError, CommandErrorCode};

impl App {
    /// Shares the screen with everyone in the call: in the camera's place in a
    /// peer-to-peer room, as a stream of its own in an SFU room (the call
    /// session decides, as the room changes). Gives the self-view's track;
    /// in an SFU room the screen's own preview comes as a `trackStarted` of
    /// `local:screen`.
    ///
    /// In a Wayland session the desktop first asks, in its own dialog, which
    /// screen or window to share; the call goes on meanwhile (the call lock
    /// is not held), and closing that dialog fails with `cancelled`.
    pub async fn start_screen_share(&self) -> Result<String, CommandError> {
        let engine = {
            let call = self.call.lock().await;
            let Some(call) = call.as_ref().filter(|c| !c.is_over()) else {
                return Err(CommandError::not_in_call());
            };
            call.engine.clone()
        };
        let source = engine
            .screen_source()
            .map_err(|why| CommandError::new(CommandErrorCode::ScreenShareUnavailable, why))?;
        if source == mulaqat_media::screen::ScreenSource::Portal && !engine.has_portal_screen() {
            let screen = mulaqat_media::portal::choose_screen()
                .await
                .map_err(|e| match e {
                    mulaqat_media::portal::PortalError::Cancelled => {
                        CommandError::new(CommandErrorCode::Cancelled, e.to_string())
                    }
                    other => CommandError::new(
                        CommandErrorCode::ScreenShareUnavailable,
                        other.to_string(),
                    ),
                })?;
            engine.set_portal_screen(Some(screen));
        }
        let call = self.call.lock().await;
        let Some(call) = call
            .as_ref()
            .filter(|c| !c.is_over() && c.engine.is_same(&engine))
        else {
            // The call ended while the dialog was open.
            engine.set_portal_screen(None);
            return Err(CommandError::not_in_call());
        };
        call.update_local(|local| local.screen_sharing = true);
        call.act(UserAction::SetMedia(crate::call::media_state(
            &call.snapshot().local,
        )));
        Ok(mulaqat_media::SELF_VIEW_TRACK.to_owned())
    }

    /// Stops sharing the screen (the camera is sent again where it was replaced).
    pub async fn stop_screen_share(&self) -> Result<(), CommandError> {
        let call = self.call.lock().await;
        let Some(call) = call.as_ref().filter(|c| !c.is_over()) else {
            return Err(CommandError::not_in_call());
        };
        call.update_local(|local| local.screen_sharing = false);
        call.act(UserAction::SetMedia(crate::call::media_state(
            &call.snapshot().local,
        )));
        // A screen from the desktop portal goes once its capture stops.
        call.engine.set_portal_screen(None);
        Ok(())
    }
}

/// Whether this session can share its screen; if not, why (for people).
pub(super) fn screen_share_availability(test_devices: TestDevices) -> Result<(), String> {
    use mulaqat_media::screen::{ScreenEnvironment, choose_screen_source};
    mulaqat_media::init().map_err(|e| e.to_string())?;
    let env = ScreenEnvironment::current(test_devices == TestDevices::Only);
    choose_screen_source(&env)
        .map(drop)
        .map_err(|e| e.to_string())
}
