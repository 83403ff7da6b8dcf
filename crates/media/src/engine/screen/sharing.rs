//! Screen sharing: the screen becomes the video input in place of the
//! camera, at the same size and rate, so nobody renegotiates and every
//! peer (and the self-view) sees it at once. Stopping goes back to the
//! camera, or to the placeholder if the camera is off.

use std::sync::Arc;

use gst::prelude::*;

use super::{portal, watch};
use crate::MediaError;
use crate::engine::elements::screen_feed::ScreenFeed;
use crate::engine::local::input::{link_to_selector, select_video_input};
use crate::engine::state::{ScreenInput, Shared, State};

/// Starts sending the screen instead of the camera. Sharing again is a no-op.
/// The capture starts in the background ([`ScreenFeed`]): the camera goes
/// on until it has, and one that does not start ends the share as
/// [`MediaEvent::ScreenShareEnded`](crate::MediaEvent::ScreenShareEnded).
pub(crate) fn start(shared: &Arc<Shared>, state: &mut State) -> Result<(), MediaError> {
    let what = "the screen capture";
    let source = portal::availability(shared, state).map_err(MediaError::ScreenUnavailable)?;
    if state.screen.is_some() {
        return Ok(());
    }
    let settings = &shared.settings;
    let feed = ScreenFeed::new(
        &source,
        (settings.quality, settings.fps),
        portal::portal_stream(state),
        "mulaqat-screen",
    )?;
    shared
        .pipeline
        .add(feed.element())
        .map_err(|e| MediaError::build(what, e))?;
    let selector_pad = match link_to_selector(feed.element(), &state.selector, what) {
        Ok(pad) => pad,
        Err(e) => {
            let _ = shared.pipeline.remove(feed.element());
            return Err(e);
        }
    };
    let input = ScreenInput {
        feed,
        selector_pad,
        live: false,
    };
    let element = input.feed.element().clone();
    let begun = input
        .feed
        .element()
        .sync_state_with_parent()
        .map_err(|e| MediaError::build(what, e))
        .and_then(|_| {
            input.feed.start(
                &source,
                watch::on_started(shared, &element),
                watch::on_lost(shared, &element),
            )
        });
    if let Err(e) = begun {
        release(shared, state, input);
        return Err(e);
    }
    state.screen = Some(input);
    tracing::info!(?source, "screen sharing starting");
    Ok(())
}

/// Goes back to the camera (or the placeholder); whether the screen was
/// shared (a no-op when not).
pub(crate) fn stop(shared: &Shared, state: &mut State) -> bool {
    let Some(input) = state.screen.take() else {
        return false;
    };
    select_video_input(state);
    release(shared, state, input);
    portal::release_unused_portal(state);
    state.request_keyframes();
    tracing::info!("screen sharing stopped");
    true
}

/// Takes the screen's feed out of the call; dropping it stops the capture
/// (without waiting for it).
fn release(shared: &Shared, state: &State, input: ScreenInput) {
    let feed = input.feed.element();
    let _ = feed.set_state(gst::State::Null);
    let _ = shared.pipeline.remove(feed);
    state.selector.release_request_pad(&input.selector_pad);
}
