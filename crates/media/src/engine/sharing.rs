//! Screen sharing: the screen becomes the video input in place of the
//! camera, at the same size and rate, so nobody renegotiates and every
//! peer (and the self-view) sees it at once. Stopping goes back to the
//! camera, or to the placeholder if the camera is off.

use std::sync::Arc;

use gst::prelude::*;

use super::screen_feed::ScreenFeed;
use super::{ScreenShareEnd, Shared, State, capture};
use crate::MediaError;
use crate::screen::{ScreenEnvironment, ScreenSource, choose_screen_source};
use crate::types::{Quality, Resolution};

/// Screen sharing, on the engine.
impl super::MediaEngine {
    /// Sends the screen instead of the camera (to every peer, without
    /// renegotiating), until [`Self::stop_screen_share`]. The
    /// self-view shows what is sent.
    pub fn start_screen_share(&self) -> Result<(), MediaError> {
        start(&self.shared)
    }

    /// Goes back to the camera (or the placeholder if it is off).
    pub fn stop_screen_share(&self) {
        stop(&self.shared);
    }

    /// How the screen is captured here, or why it cannot be (for people).
    /// [`ScreenSource::Portal`](crate::screen::ScreenSource::Portal) needs
    /// a screen from [`crate::portal::choose_screen`], handed over with
    /// [`Self::set_portal_screen`] before sharing starts.
    pub fn screen_source(&self) -> Result<crate::screen::ScreenSource, String> {
        availability(&self.shared)
    }

    /// Whether a screen from the portal is held (so sharing needs no dialog).
    pub fn has_portal_screen(&self) -> bool {
        holds_portal_screen(&self.shared.lock())
    }

    /// Hands over the screen the person chose in the desktop portal, which
    /// screen sharing captures from then on; `None` lets it go once nothing
    /// captures it any more (the portal's session then closes).
    pub fn set_portal_screen(&self, screen: Option<crate::portal::PortalScreen>) {
        hold_portal_screen(&self.shared, screen);
    }
}

/// The screen capture feeding the input selector.
pub(super) struct ScreenInput {
    feed: ScreenFeed,
    pub(super) selector_pad: gst::Pad,
    /// Started: the selector sends it (until then, the camera goes on).
    pub(super) live: bool,
}

/// The screen the person chose in the desktop portal, while it is held.
pub(crate) struct PortalHold {
    screen: crate::portal::PortalScreen,
    /// Let go by the caller: dropped as soon as nothing captures it.
    released: bool,
}

/// Holds the portal's `screen` for captures to come; `None` lets the one
/// held go once nothing captures it.
pub(super) fn hold_portal_screen(shared: &Shared, screen: Option<crate::portal::PortalScreen>) {
    let mut state = shared.lock();
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
            release_unused_portal(&mut state);
        }
    }
}

/// Drops a released portal screen that nothing captures any more: the
/// portal's session closes with it.
pub(super) fn release_unused_portal(state: &mut State) {
    let unused = state.screen.is_none() && state.screen_stream.is_none();
    if unused && state.portal.as_ref().is_some_and(|hold| hold.released) {
        state.portal = None;
        tracing::info!("the portal's screen is let go");
    }
}

/// A screen capture failed: a portal screen it read is over too (the
/// person may have stopped it from the desktop's own sharing indicator).
pub(super) fn forget_portal_screen(shared: &Shared) {
    shared.lock().portal = None;
}

/// Whether a portal screen is held that the caller has not let go.
fn holds_portal_screen(state: &State) -> bool {
    state.portal.as_ref().is_some_and(|hold| !hold.released)
}

/// Whether the portal's screen is held and the desktop has ended it (the
/// person pressed the desktop's own "stop sharing").
pub(super) fn portal_ended_by_desktop(shared: &Shared) -> bool {
    shared
        .lock()
        .portal
        .as_ref()
        .is_some_and(|hold| hold.screen.ended_by_desktop())
}

/// The PipeWire connection and node of the portal's screen, if one is held.
pub(super) fn portal_stream(state: &State) -> Option<(i32, u32)> {
    state.portal.as_ref().map(|hold| hold.screen.pipewire())
}

/// The source element for `source`, set up to deliver `fps` frames a
/// second; a portal source reads `pipewire` (connection, node).
fn source_element(
    source: &ScreenSource,
    (fps, pipewire): (u32, Option<(i32, u32)>),
    name: &str,
) -> Result<gst::Element, MediaError> {
    let src = match source {
        ScreenSource::Test => {
            let src = crate::make_element("videotestsrc", name)?;
            src.set_property("is-live", true);
            // Something that moves and that a person would not mistake for a camera.
            src.set_property_from_str("pattern", "ball");
            src
        }
        ScreenSource::X11 { display } => {
            let src = crate::make_element("ximagesrc", name)?;
            src.set_property("display-name", display);
            src.set_property("show-pointer", true);
            // Damage events cost more than they save for a full-screen share.
            src.set_property("use-damage", false);
            src
        }
        ScreenSource::Portal => {
            let (fd, node) = pipewire.ok_or_else(|| {
                MediaError::ScreenUnavailable(
                    "no screen was chosen in the desktop's sharing dialog".into(),
                )
            })?;
            let src = crate::make_element("pipewiresrc", name)?;
            src.set_property("fd", fd);
            let node = node.to_string();
            // The portal gives the node's id. `path` takes an id;
            // `target-object` (PipeWire 0.3.64 on) takes a name or a
            // serial, and an id there matches nothing: the stream is never
            // linked. `target-object` only where `path` is gone.
            if src.has_property_with_type("path", String::static_type()) {
                src.set_property("path", &node);
            } else {
                src.set_property("target-object", &node);
            }
            // A still screen sends no frames: repeat the last one each
            // second, so viewers joining later see it and stats stay alive.
            if src.has_property_with_type("keepalive-time", i32::static_type()) {
                src.set_property("keepalive-time", 1000i32);
            }
            src.set_property("do-timestamp", true);
            src
        }
        ScreenSource::Windows => {
            let src = crate::make_element("d3d11screencapturesrc", name)?;
            src.set_property("show-cursor", true);
            src
        }
        ScreenSource::MacOs => {
            let src = crate::make_element("avfvideosrc", name)?;
            src.set_property("capture-screen", true);
            src.set_property("capture-screen-cursor", true);
            src
        }
    };
    tracing::debug!(?source, fps, "screen source");
    Ok(src)
}

/// `source ! rate caps ! convert ! scale (letterboxed) ! rate ! I420 caps`
/// at `quality`'s size, in a bin named `name` (`mulaqat-screen`: its
/// elements are `mulaqat-screen-src`...).
pub(super) fn screen_bin(
    source: &ScreenSource,
    (quality, fps): (Quality, u32),
    pipewire: Option<(i32, u32)>,
    name: &str,
) -> Result<gst::Bin, MediaError> {
    let what = "the screen capture";
    let bin = gst::Bin::with_name(name);
    let src = source_element(source, (fps, pipewire), &format!("{name}-src"))?;
    let rate = gst::Fraction::new(i32::try_from(fps).unwrap_or(30), 1);
    // Capture sources take the rate they are asked for. A portal's stream
    // does not: it has a variable rate (`0/1`, a frame when the screen
    // changes), and asking it for a fixed one fails to negotiate.
    let variable_rate = matches!(source, ScreenSource::Portal);
    let rate_caps = crate::make_element("capsfilter", &format!("{name}-rate"))?;
    rate_caps.set_property(
        "caps",
        if variable_rate {
            gst::Caps::builder("video/x-raw").build()
        } else {
            gst::Caps::builder("video/x-raw")
                .field("framerate", rate)
                .build()
        },
    );
    let convert = crate::make_element("videoconvert", &format!("{name}-convert"))?;
    let scale = crate::make_element("videoscale", &format!("{name}-scale"))?;
    // A screen is rarely 16:9: keep its shape and fill the rest with black.
    scale.set_property("add-borders", true);
    let videorate = crate::make_element("videorate", &format!("{name}-videorate"))?;
    // From a variable rate, the call's steady one repeats the newest frame
    // while the screen is still; a steady source only ever loses frames.
    videorate.set_property("drop-only", !variable_rate);
    let out = crate::make_element("capsfilter", &format!("{name}-caps"))?;
    let size: Resolution = quality.resolution();
    out.set_property("caps", capture::raw_video_caps(size, fps, "I420"));
    let chain = [&src, &rate_caps, &convert, &scale, &videorate, &out];
    bin.add_many(chain)
        .map_err(|e| MediaError::build(what, e))?;
    gst::Element::link_many(chain).map_err(|e| MediaError::build(what, e))?;
    let target = out
        .static_pad("src")
        .ok_or_else(|| MediaError::build(what, "no src pad"))?;
    let ghost = gst::GhostPad::with_target(&target).map_err(|e| MediaError::build(what, e))?;
    bin.add_pad(&ghost)
        .map_err(|e| MediaError::build(what, e))?;
    Ok(bin)
}

/// Whether the screen can be shared here, and if not why (for people). A
/// screen handed over from the portal is what is shared while it is held.
pub(super) fn availability(shared: &Shared) -> Result<ScreenSource, String> {
    if holds_portal_screen(&shared.lock()) {
        return Ok(ScreenSource::Portal);
    }
    let only_test_devices = shared.settings.test_devices == crate::devices::TestDevices::Only;
    choose_screen_source(&ScreenEnvironment::current(only_test_devices)).map_err(|e| e.to_string())
}

/// Starts sending the screen instead of the camera. Sharing again is a no-op.
/// The capture starts in the background ([`ScreenFeed`]): the camera goes
/// on until it has, and one that does not start ends the share as
/// [`MediaEvent::ScreenShareEnded`](crate::MediaEvent::ScreenShareEnded).
pub(super) fn start(shared: &Arc<Shared>) -> Result<(), MediaError> {
    let what = "the screen capture";
    let source = availability(shared).map_err(MediaError::ScreenUnavailable)?;
    let mut state = shared.lock();
    if state.screen.is_some() {
        return Ok(());
    }
    let settings = &shared.settings;
    let feed = ScreenFeed::new(
        &source,
        (settings.quality, settings.fps),
        portal_stream(&state),
        "mulaqat-screen",
    )?;
    shared
        .pipeline
        .add(feed.element())
        .map_err(|e| MediaError::build(what, e))?;
    let selector_pad = match super::link_to_selector(feed.element(), &state.selector, what) {
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
                on_started(shared, &element),
                on_lost(shared, &element),
            )
        });
    if let Err(e) = begun {
        release(shared, &state, input);
        return Err(e);
    }
    state.screen = Some(input);
    tracing::info!(?source, "screen sharing starting");
    Ok(())
}

/// What to do when the capture feeding `feed` has started, or has not.
pub(super) fn on_started(
    shared: &Arc<Shared>,
    feed: &gst::Element,
) -> impl FnOnce(Result<(), (ScreenShareEnd, String)>) + Send + 'static {
    let (weak, feed) = (Arc::downgrade(shared), feed.clone());
    move |started| {
        let Some(shared) = weak.upgrade() else { return };
        match started {
            Ok(()) => capture_live(&shared, &feed),
            Err((cause, reason)) if is_current(&shared, &feed) => {
                tracing::warn!("{reason}");
                capture_ended(&shared, cause, reason);
            }
            Err(_) => {}
        }
    }
}

/// What to do when the capture feeding `feed` fails while it runs.
pub(super) fn on_lost(
    shared: &Arc<Shared>,
    feed: &gst::Element,
) -> impl FnOnce(String) + Send + 'static {
    let (weak, feed) = (Arc::downgrade(shared), feed.clone());
    move |reason| {
        if let Some(shared) = weak.upgrade()
            && is_current(&shared, &feed)
        {
            tracing::warn!("screen capture lost: {reason}");
            capture_ended(&shared, ScreenShareEnd::Failed, reason);
        }
    }
}

/// Whether `feed` is the screen's feed now (shared or published), not one
/// stopped since.
fn is_current(shared: &Shared, feed: &gst::Element) -> bool {
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
    super::select_video_input(&state);
    drop(state);
    super::senders::request_keyframes(shared);
    tracing::info!("screen sharing started");
}

/// Goes back to the camera (or the placeholder). A no-op when not sharing.
pub(super) fn stop(shared: &Arc<Shared>) {
    let mut state = shared.lock();
    let Some(input) = state.screen.take() else {
        return;
    };
    super::select_video_input(&state);
    release(shared, &state, input);
    release_unused_portal(&mut state);
    drop(state);
    super::senders::request_keyframes(shared);
    tracing::info!("screen sharing stopped");
}

/// The screen capture failed while running: back to the camera.
pub(super) fn lost(shared: &Arc<Shared>) -> bool {
    let sharing = shared.lock().screen.is_some();
    if sharing {
        stop(shared);
    }
    sharing
}

/// The desktop ended the portal's screen (its own "stop sharing"): the
/// stream is over, so sharing stops as if the capture had failed, rather
/// than sending its last frame for ever.
pub(super) fn ended_by_desktop(shared: &Arc<Shared>) {
    capture_ended(
        shared,
        ScreenShareEnd::StoppedByDesktop,
        "the desktop stopped sharing the screen".into(),
    );
}

/// The screen capture is over (it failed, did not start, or the desktop
/// ended it): back to the camera, the SFU's screen publication ended, the
/// portal's screen let go (sharing again asks anew), and
/// [`MediaEvent::ScreenShareEnded`](crate::MediaEvent::ScreenShareEnded)
/// if anything was being shared.
pub(super) fn capture_ended(shared: &Arc<Shared>, cause: ScreenShareEnd, reason: String) {
    let mut sharing = false;
    if let Some(peer) = super::screen_stream::publishing_peer(shared) {
        super::peer::remove(shared, &peer);
        sharing = true;
    }
    if shared.lock().screen_stream.is_some() {
        // Ended before its connection was made.
        super::screen_stream::stop(shared);
        sharing = true;
    }
    sharing |= lost(shared);
    forget_portal_screen(shared);
    if sharing {
        shared.emit(crate::MediaEvent::ScreenShareEnded { cause, reason });
    }
}

/// Takes the screen's feed out of the call; dropping it stops the capture
/// (without waiting for it).
fn release(shared: &Shared, state: &State, input: ScreenInput) {
    let feed = input.feed.element();
    let _ = feed.set_state(gst::State::Null);
    let _ = shared.pipeline.remove(feed);
    state.selector.release_request_pad(&input.selector_pad);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portal_screen_is_read_from_its_pipewire_node_and_none_says_so() {
        crate::init().expect("gstreamer");
        let src = source_element(&ScreenSource::Portal, (15, Some((7, 42))), "portal-src")
            .expect("pipewiresrc (gstreamer1.0-pipewire)");
        assert_eq!(
            src.factory().map(|f| f.name().to_string()).as_deref(),
            Some("pipewiresrc")
        );
        assert_eq!(src.property::<i32>("fd"), 7);
        // The node's id, where an id is taken (not `target-object`).
        assert_eq!(
            src.property::<Option<String>>("path").as_deref(),
            Some("42")
        );
        assert_eq!(src.property::<Option<String>>("target-object"), None);
        assert_eq!(src.property::<i32>("keepalive-time"), 1000);
        let err = source_element(&ScreenSource::Portal, (15, None), "portal-none").unwrap_err();
        assert!(err.to_string().contains("sharing dialog"), "{err}");
    }
}
