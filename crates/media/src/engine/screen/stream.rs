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
//! (`control::remove_peer`). Its elements are all named
//! `mulaqat-screenstream-...` and go together.

use std::sync::Arc;

use gst::prelude::*;

use super::{portal, watch};
use crate::MediaError;
use crate::engine::elements::encoding::{self, VideoEncoder};
use crate::engine::elements::frames::{self, LocalPreview};
use crate::engine::elements::pipeline::remove_named;
use crate::engine::elements::screen_capture::{STREAM_FPS, stream_quality};
use crate::engine::elements::screen_feed::ScreenFeed;
use crate::engine::events::MediaEvent;
use crate::engine::ids::{Role, Source, Track};
use crate::engine::state::{ScreenStream, Shared, State};
use crate::names::PeerName;
use crate::screen::ScreenSource;
use crate::types::{MediaKind, PeerId, VideoCodec};

/// What every element of the stream is named after.
const PREFIX: &str = "mulaqat-screenstream";

/// Starts capturing and encoding the screen in `codec`, and its preview.
/// Fails when the screen cannot be captured here, or is published already;
/// a capture that does not start (it starts in the background, see
/// [`ScreenFeed`]) ends the publication with `ScreenShareEnded`.
///
/// Checked, built, started and recorded in one job of the control thread:
/// two starts never both build (their elements would share names), and a
/// capture that fails at once is ended after it was recorded.
pub(crate) fn start(
    shared: &Arc<Shared>,
    state: &mut State,
    codec: VideoCodec,
) -> Result<(), MediaError> {
    let source = portal::availability(shared, state).map_err(MediaError::ScreenUnavailable)?;
    if state.screen_stream.is_some() {
        return Err(MediaError::build(
            "the screen stream",
            "the screen is published already",
        ));
    }
    let started = build(shared, state, &source, codec).and_then(|built| {
        let element = built.feed.element().clone();
        built.feed.start(
            &source,
            watch::on_started(shared, &element),
            watch::on_lost(shared, &element),
        )?;
        Ok(built)
    });
    let Built {
        encoder,
        preview,
        feed,
        mut elements,
    } = match started {
        Ok(built) => built,
        Err(e) => {
            remove_named(&shared.pipeline, &state.mixer, PREFIX);
            return Err(e);
        }
    };
    elements.extend(encoder.elements.iter().cloned());
    state.screen_stream = Some(ScreenStream {
        encoder,
        feed,
        elements,
    });
    let track = Track::ScreenPreview;
    state.tracks.insert(track.clone(), preview.counters);
    if let Some(tile) = preview.tile {
        state.tiles.insert(track.clone(), tile);
    }
    shared.emit(MediaEvent::TrackStarted {
        track: track.id(),
        // What the screen's publication sends.
        peer: PeerName::Publication(Source::Screen).into(),
        kind: MediaKind::Video,
    });
    tracing::info!(?source, "screen published as a stream of its own");
    Ok(())
}

/// A screen stream built and running, its capture not started yet.
struct Built {
    encoder: VideoEncoder,
    preview: LocalPreview,
    feed: ScreenFeed,
    /// What it put in the pipeline apart from the encoder's branch.
    elements: Vec<gst::Element>,
}

/// `feed ! tee`, the encoder and the preview off the tee, running; the
/// capture behind the feed is built, not started.
fn build(
    shared: &Shared,
    state: &State,
    source: &ScreenSource,
    codec: VideoCodec,
) -> Result<Built, MediaError> {
    let what = "the screen capture";
    let settings = &shared.settings;
    let quality = stream_quality(settings.quality);
    let feed = ScreenFeed::new(
        source,
        (quality, STREAM_FPS),
        portal::portal_stream(state),
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
    let preview = preview_branch(shared, &tee)?;
    tee.sync_state_with_parent()
        .map_err(|e| MediaError::build(what, e))?;
    let encoder = encoding::build_video(
        pipeline,
        &tee,
        &shared.encoders,
        (codec, settings.pinned_encoder.as_deref()),
        encoding::Ladder::screen(quality, STREAM_FPS),
        PREFIX,
    )?;
    feed.element()
        .sync_state_with_parent()
        .map_err(|e| MediaError::build(what, e))?;
    let mut elements = vec![feed.element().clone(), tee];
    elements.extend(preview.elements.iter().cloned());
    Ok(Built {
        encoder,
        preview,
        feed,
        elements,
    })
}

/// The preview (`local:screen`) off the stream's `tee`, running.
fn preview_branch(shared: &Shared, tee: &gst::Element) -> Result<LocalPreview, MediaError> {
    let what = "the screen's preview";
    let preview = frames::local_preview(
        &shared.settings,
        &Track::ScreenPreview,
        &format!("{PREFIX}-preview"),
    )?;
    shared
        .pipeline
        .add_many(&preview.elements)
        .map_err(|e| MediaError::build(what, e))?;
    gst::Element::link_many(std::iter::once(tee).chain(&preview.elements))
        .map_err(|e| MediaError::build(what, e))?;
    for element in preview.elements.iter().rev() {
        element
            .sync_state_with_parent()
            .map_err(|e| MediaError::build(what, e))?;
    }
    Ok(preview)
}

/// Stops the screen stream and its preview; whether there was one (a no-op
/// when not).
pub(crate) fn stop(shared: &Shared, state: &mut State) -> bool {
    let track = Track::ScreenPreview;
    state.tracks.remove(&track);
    state.tiles.remove(&track);
    let had = state.screen_stream.take().is_some();
    portal::release_unused_portal(state);
    if !had {
        return false;
    }
    remove_named(&shared.pipeline, &state.mixer, PREFIX);
    crate::end_idle_threads();
    tracing::info!("screen stream stopped");
    shared.emit(MediaEvent::TrackEnded { track: track.id() });
    true
}

/// The peer publishing the screen stream, if any.
pub(crate) fn publishing_peer(state: &State) -> Option<PeerId> {
    state
        .peers
        .iter()
        .find(|(_, p)| p.role == Role::Publication(Source::Screen))
        .map(|(id, _)| id.clone())
}
