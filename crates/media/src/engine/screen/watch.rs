//! What a screen capture says as it starts and runs, for the screen shared
//! in the camera's place and for the published screen alike: live, or
//! ended (which the control thread handles, since it may take the screen's
//! publication with it).

use std::sync::Arc;

use crate::engine::events::ScreenShareEnd;
use crate::engine::local::input::select_video_input;
use crate::engine::state::{ControlEvent, Shared};

/// What to do when the capture feeding `feed` has started, or has not.
pub(crate) fn on_started(
    shared: &Arc<Shared>,
    feed: &gst::Element,
) -> impl FnOnce(Result<(), (ScreenShareEnd, String)>) + Send + 'static {
    let (weak, feed) = (Arc::downgrade(shared), feed.clone());
    move |started| {
        let Some(shared) = weak.upgrade() else { return };
        match started {
            Ok(()) => capture_live(&shared, &feed),
            Err((cause, reason)) => {
                tracing::warn!("{reason}");
                shared.post(ControlEvent::ScreenCaptureEnded {
                    feed,
                    cause,
                    reason,
                });
            }
        }
    }
}

/// What to do when the capture feeding `feed` fails while it runs.
pub(crate) fn on_lost(
    shared: &Arc<Shared>,
    feed: &gst::Element,
) -> impl FnOnce(String) + Send + 'static {
    let (weak, feed) = (Arc::downgrade(shared), feed.clone());
    move |reason| {
        if let Some(shared) = weak.upgrade() {
            tracing::warn!("screen capture lost: {reason}");
            shared.post(ControlEvent::ScreenCaptureEnded {
                feed,
                cause: ScreenShareEnd::Failed,
                reason,
            });
        }
    }
}

/// Whether `feed` is the screen's feed now (shared or published), not one
/// stopped since.
pub(crate) fn is_current(shared: &Shared, feed: &gst::Element) -> bool {
    let state = shared.lock();
    state
        .screen
        .as_ref()
        .is_some_and(|s| s.feed.element() == feed)
        || state
            .screen_stream
            .as_ref()
            .is_some_and(|s| s.feed.element() == feed)
}

/// The capture feeding `feed` has started: the selector sends the screen
/// if it is the shared one (a published screen's feed needs nothing).
fn capture_live(shared: &Arc<Shared>, feed: &gst::Element) {
    let mut state = shared.lock();
    let Some(input) = state.screen.as_mut().filter(|s| s.feed.element() == feed) else {
        return;
    };
    input.live = true;
    select_video_input(&state);
    state.request_keyframes();
    tracing::info!("screen sharing started");
}
