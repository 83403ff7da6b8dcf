//! The shared screen as a stream of its own: an SFU room's second
//! publication. Everyone keeps seeing the presenter's camera, and the
//! screen comes as another feed, sized for reading.
//!
//! ```text
//! screen capture ! tee ─┬─ queue ! scale ! encoder ! tee ─ the publication's sender
//!                       └─ preview (`local:screen`, the presenter's own tile)
//! ```
//!
//! The camera's input selector, its encoders and the self-view are not
//! touched: this is not [`super::sharing`], which puts the screen in the
//! camera's place for peer-to-peer calls. There is one screen stream at a
//! time, made with the connection that publishes it and gone with it
//! ([`super::peer::remove`]). Its elements are all named
//! `mulaqat-screenstream-...` and go together.

use std::sync::Arc;

use gst::prelude::*;

use super::ids::{Role, Source, Track};
use super::screen_feed::ScreenFeed;
use super::{MediaEvent, Shared, encoding, receive, sharing};
use crate::MediaError;
use crate::types::{MediaKind, PeerId, Quality, VideoCodec};

/// What every element of the stream is named after.
const PREFIX: &str = "mulaqat-screenstream";

/// Frames a second: text and slides want pixels more than motion.
pub(super) const FPS: u32 = 15;

/// The size a screen is published at: at least 720p, so that text stays
/// readable even when cameras are sent small, and at most 1080p.
pub(super) fn quality(camera: Quality) -> Quality {
    camera.clamp(Quality::P720, Quality::P1080)
}

/// The screen stream while it is published.
pub(crate) struct ScreenStream {
    /// Its encoder, ending in the tee the publication's sender hangs off.
    pub(super) encoder: encoding::VideoEncoder,
    /// The capture's feed (dropped with the stream, it stops the capture).
    pub(super) feed: ScreenFeed,
}

/// Starts capturing and encoding the screen in `codec`, and its preview.
/// Fails when the screen cannot be captured here, or is published already;
/// a capture that does not start (it starts in the background, see
/// [`ScreenFeed`]) ends the publication with `ScreenShareEnded`.
pub(super) fn start(shared: &Arc<Shared>, codec: VideoCodec) -> Result<(), MediaError> {
    let source = sharing::availability(shared).map_err(MediaError::ScreenUnavailable)?;
    if shared.lock().screen_stream.is_some() {
        return Err(MediaError::build(
            "the screen stream",
            "the screen is published already",
        ));
    }
    let (encoder, preview, feed) = match build(shared, &source, codec) {
        Ok(built) => built,
        Err(e) => {
            receive::remove_branches(shared, PREFIX);
            return Err(e);
        }
    };
    let track = Track::ScreenPreview;
    // Started and recorded under the lock: a capture that fails at once
    // finds the stream to end, and its end follows its start.
    let started = {
        let mut state = shared.lock();
        let element = feed.element().clone();
        let started = feed.start(
            &source,
            sharing::on_started(shared, &element),
            sharing::on_lost(shared, &element),
        );
        if started.is_ok() {
            state.screen_stream = Some(ScreenStream { encoder, feed });
            state.tracks.insert(track.clone(), preview.counters);
            if let Some(tile) = preview.tile {
                state.tiles.insert(track.clone(), tile);
            }
            shared.emit(MediaEvent::TrackStarted {
                track: track.id(),
                peer: PeerId("local".into()),
                kind: MediaKind::Video,
            });
        }
        started
    };
    if let Err(e) = started {
        receive::remove_branches(shared, PREFIX);
        return Err(e);
    }
    tracing::info!(?source, "screen published as a stream of its own");
    Ok(())
}

/// `feed ! tee`, the encoder and the preview off the tee, running; the
/// capture behind the feed is built, not started.
fn build(
    shared: &Arc<Shared>,
    source: &crate::screen::ScreenSource,
    codec: VideoCodec,
) -> Result<(encoding::VideoEncoder, receive::LocalPreview, ScreenFeed), MediaError> {
    let what = "the screen capture";
    let settings = &shared.settings;
    let quality = quality(settings.quality);
    let pipewire = sharing::portal_stream(&shared.lock());
    let feed = ScreenFeed::new(
        source,
        (quality, FPS),
        pipewire,
        &format!("{PREFIX}-capture"),
    )?;
    let tee = crate::make_element("tee", &format!("{PREFIX}-tee"))?;
    tee.set_property("allow-not-linked", true);
    let pipeline = &shared.pipeline;
    pipeline
        .add_many([feed.element(), &tee])
        .map_err(|e| MediaError::build(what, e))?;
    feed.element()
        .link(&tee)
        .map_err(|e| MediaError::build(what, e))?;
    let preview = receive::local_preview(
        settings,
        &Track::ScreenPreview,
        &format!("{PREFIX}-preview"),
    )?;
    pipeline
        .add_many(&preview.elements)
        .map_err(|e| MediaError::build("the screen's preview", e))?;
    gst::Element::link_many(std::iter::once(&tee).chain(&preview.elements))
        .map_err(|e| MediaError::build("the screen's preview", e))?;
    for element in preview.elements.iter().rev() {
        element
            .sync_state_with_parent()
            .map_err(|e| MediaError::build("the screen's preview", e))?;
    }
    tee.sync_state_with_parent()
        .map_err(|e| MediaError::build(what, e))?;
    let encoder = encoding::build_video(
        pipeline,
        &tee,
        &shared.encoders,
        codec,
        settings.pinned_encoder.as_deref(),
        (quality, FPS),
        PREFIX,
    )?;
    feed.element()
        .sync_state_with_parent()
        .map_err(|e| MediaError::build(what, e))?;
    Ok((encoder, preview, feed))
}

/// Stops the screen stream and its preview. A no-op when there is none.
pub(super) fn stop(shared: &Arc<Shared>) {
    let track = Track::ScreenPreview;
    let had = {
        let mut state = shared.lock();
        state.tracks.remove(&track);
        state.tiles.remove(&track);
        let had = state.screen_stream.take().is_some();
        sharing::release_unused_portal(&mut state);
        had
    };
    if !had {
        return;
    }
    receive::remove_branches(shared, PREFIX);
    crate::end_idle_threads();
    tracing::info!("screen stream stopped");
    shared.emit(MediaEvent::TrackEnded { track: track.id() });
}

/// Whether a pipeline error from `source` (an element's path) is the
/// screen stream's (its capture or its encoder failing).
pub(super) fn is_screen_stream(source: &str) -> bool {
    source.contains(PREFIX)
}

/// The peer publishing the screen stream, if any.
pub(super) fn publishing_peer(shared: &Shared) -> Option<PeerId> {
    shared
        .lock()
        .peers
        .iter()
        .find(|(_, p)| p.role == Role::Publication(Source::Screen))
        .map(|(id, _)| id.clone())
}
