//! What a screen capture says as it starts and runs (on a thread of its
//! own), for the screen shared in the camera's place and for the published
//! screen alike: live, or ended. Either goes to the control thread as a job.

use std::sync::Arc;

use crate::engine::events::ScreenShareEnd;
use crate::engine::local::input::select_video_input;
use crate::engine::state::{Job, Shared, State};

/// What to do when the capture feeding `feed` has started, or has not.
pub(crate) fn on_started(
    shared: &Arc<Shared>,
    feed: &gst::Element,
) -> impl FnOnce(Result<(), (ScreenShareEnd, String)>) + Send + 'static {
    let (weak, feed) = (Arc::downgrade(shared), feed.clone());
    move |started| {
        let Some(shared) = weak.upgrade() else { return };
        match started {
            Ok(()) => shared.post(move |_, state| capture_live(state, &feed)),
            Err((cause, reason)) => {
                tracing::warn!("{reason}");
                shared.send(Job::ScreenCaptureEnded {
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
            shared.send(Job::ScreenCaptureEnded {
                feed,
                cause: ScreenShareEnd::Failed,
                reason,
            });
        }
    }
}

/// Whether `feed` is the screen's feed now (shared or published), not one
/// stopped since.
pub(crate) fn is_current(state: &State, feed: &gst::Element) -> bool {
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
fn capture_live(state: &mut State, feed: &gst::Element) {
    let Some(input) = state.screen.as_mut().filter(|s| s.feed.element() == feed) else {
        return;
    };
    input.live = true;
    select_video_input(state);
    state.request_keyframes();
    tracing::info!("screen sharing started");
}
