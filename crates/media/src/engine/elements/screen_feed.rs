//! A screen capture in a pipeline of its own, feeding the call's pipeline
//! through an `appsrc`:
//!
//! ```text
//! capture pipeline:  screen bin (screen_capture::screen_bin) ! appsink
//!                                                         │ buffers, by reference
//! call's pipeline:                            appsrc (the feed) ! selector or tee
//! ```
//!
//! Why apart: a capture can take long to start. `pipewiresrc` waits up to
//! 30 s, inside its state change, for a portal stream that is never linked
//! (the shared window was closed before sharing began). Started in the
//! call's pipeline by the engine's control thread, that would freeze
//! stats, the bus and every command for 30 s; and its failing state change
//! and its streaming thread (held at the selector) can deadlock.
//! Here the capture starts on a thread of its own, and nothing in the call's
//! pipeline waits for it: the feed is an ordinary live source there, which
//! stops at once and never carries the capture's EOS. The capture counts as
//! started at its first frame, not when its state change succeeds (that
//! can succeed for a stream that never delivers).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::{capture, screen_capture};
use crate::MediaError;
use crate::engine::events::ScreenShareEnd;
use crate::screen::ScreenSource;
use crate::types::Quality;

/// How long a capture may take to give its first frame (`pipewiresrc`
/// gives up on a stream that is never linked after 30 s).
const START_LIMIT: Duration = Duration::from_secs(35);

/// How often the capture's thread looks whether it should stop.
const POLL: Duration = Duration::from_millis(200);

/// A screen capture and the `appsrc` its frames enter the call through.
/// Dropping it stops the capture (on its own thread, without waiting).
pub(crate) struct ScreenFeed {
    appsrc: gst_app::AppSrc,
    capture: gst::Pipeline,
    /// Set by the first frame the capture delivers.
    flowing: Arc<AtomicBool>,
    stopped: Arc<AtomicBool>,
}

impl ScreenFeed {
    /// Builds the capture of `source` at `quality` and `fps` (a portal's
    /// reads `pipewire`), and its feed, named `{name}-feed`: not started,
    /// and not in any pipeline yet.
    pub(crate) fn new(
        source: &ScreenSource,
        (quality, fps): (Quality, u32),
        pipewire: Option<(i32, u32)>,
        name: &str,
    ) -> Result<Self, MediaError> {
        let what = "the screen capture";
        let bin = screen_capture::screen_bin(source, (quality, fps), pipewire, name)?;
        let sink = capture::latest_only_sink(&format!("{name}-out"), None)?;
        let capture = gst::Pipeline::with_name(&format!("{name}-pipeline"));
        capture
            .add_many([bin.upcast_ref(), sink.upcast_ref::<gst::Element>()])
            .map_err(|e| MediaError::build(what, e))?;
        bin.link(&sink).map_err(|e| MediaError::build(what, e))?;
        let caps = capture::raw_video_caps(quality.resolution(), fps, "I420");
        let appsrc = gst_app::AppSrc::builder()
            .name(format!("{name}-feed"))
            .caps(&caps)
            .format(gst::Format::Time)
            .is_live(true)
            // Stamped on the call's clock as they come in.
            .do_timestamp(true)
            .max_buffers(2)
            .leaky_type(gst_app::AppLeakyType::Downstream)
            .build();
        let flowing = Arc::new(AtomicBool::new(false));
        forward_frames(&sink, &appsrc, flowing.clone());
        Ok(Self {
            appsrc,
            capture,
            flowing,
            stopped: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The feed, for the caller to add to the call's pipeline and link.
    pub(crate) fn element(&self) -> &gst::Element {
        self.appsrc.upcast_ref()
    }

    /// Starts the capture on a thread of its own. `started` is called there
    /// once, when its first frame came or with why none will (for people);
    /// `lost` later, if it fails or ends while it runs. Neither is called
    /// once the feed is dropped.
    pub(crate) fn start(
        &self,
        source: &ScreenSource,
        started: impl FnOnce(Result<(), (ScreenShareEnd, String)>) + Send + 'static,
        lost: impl FnOnce(String) + Send + 'static,
    ) -> Result<(), MediaError> {
        let capture = self.capture.clone();
        let (flowing, stopped) = (self.flowing.clone(), self.stopped.clone());
        let portal = matches!(source, ScreenSource::Portal);
        let outcome = Outcome::new(started);
        let (limit_flowing, limit_stopped) = (flowing.clone(), stopped.clone());
        let limit_outcome = outcome.clone();
        std::thread::Builder::new()
            .name("mulaqat-screen".into())
            .spawn(move || run(&capture, portal, (&flowing, &stopped), &outcome, lost))
            .map_err(|e| MediaError::build("the screen capture's thread", e))?;
        // The capture can sit inside its own start past the limit (a gone
        // portal stream holds `pipewiresrc` there): the share still ends.
        std::thread::Builder::new()
            .name("mulaqat-screen-limit".into())
            .spawn(move || enforce_start_limit(&limit_flowing, &limit_stopped, &limit_outcome))
            .map(drop)
            .map_err(|e| MediaError::build("the screen capture's time limit", e))
    }
}

impl Drop for ScreenFeed {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
    }
}

/// Passes each frame of the capture's `sink` to `appsrc`, unstamped (the
/// feed stamps it on the call's clock), and sets `flowing`. Nothing is
/// copied but the buffer's header, when the sample still shares it.
fn forward_frames(sink: &gst_app::AppSink, appsrc: &gst_app::AppSrc, flowing: Arc<AtomicBool>) {
    let feed = appsrc.downgrade();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                flowing.store(true, Ordering::SeqCst);
                let Some(feed) = feed.upgrade() else {
                    return Err(gst::FlowError::Flushing);
                };
                let Some(mut buffer) = sample.buffer_owned() else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                drop(sample);
                {
                    let buffer = buffer.make_mut();
                    buffer.set_pts(gst::ClockTime::NONE);
                    buffer.set_dts(gst::ClockTime::NONE);
                }
                // A feed not yet (or no longer) running refuses the frame;
                // the capture goes on regardless.
                let _ = feed.push_buffer(buffer);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
}

/// How the start went, said once: by the capture's thread, or by the time
/// limit when the capture is still starting.
type StartReport = Box<dyn FnOnce(Result<(), (ScreenShareEnd, String)>) + Send>;

#[derive(Clone)]
struct Outcome(Arc<std::sync::Mutex<Option<StartReport>>>);

impl Outcome {
    fn new(started: impl FnOnce(Result<(), (ScreenShareEnd, String)>) + Send + 'static) -> Self {
        Outcome(Arc::new(std::sync::Mutex::new(Some(Box::new(started)))))
    }

    /// Says `result` unless it was said already; whether this call said it.
    fn say(&self, result: Result<(), (ScreenShareEnd, String)>) -> bool {
        let report = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        report.map(|report| report(result)).is_some()
    }
}

/// Ends a start that has given no frame by [`START_LIMIT`] (and a little
/// more, so that the capture's own deadline says it first when it can).
fn enforce_start_limit(flowing: &AtomicBool, stopped: &AtomicBool, outcome: &Outcome) {
    let deadline = Instant::now() + START_LIMIT + Duration::from_secs(2);
    while Instant::now() < deadline {
        if flowing.load(Ordering::SeqCst) || stopped.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep(POLL);
    }
    if !flowing.load(Ordering::SeqCst) && !stopped.load(Ordering::SeqCst) {
        let said = outcome.say(Err((
            ScreenShareEnd::NoPicture,
            format!(
                "the screen capture did not start: no picture came in {} s; share again to \
                 choose the screen anew",
                START_LIMIT.as_secs()
            ),
        )));
        if said {
            tracing::debug!("the screen capture was still starting at its time limit");
        }
    }
}

/// The capture's thread: starts `capture`, says how that went, watches it
/// while it runs, and stops it once `stopped` is set.
fn run(
    capture: &gst::Pipeline,
    portal: bool,
    (flowing, stopped): (&AtomicBool, &AtomicBool),
    outcome: &Outcome,
    lost: impl FnOnce(String),
) {
    let result = bring_up(capture, portal, flowing, stopped);
    let mut failed = result.is_err();
    if !stopped.load(Ordering::SeqCst) && !outcome.say(result) {
        // The time limit ended the share while the capture was starting.
        failed = true;
    }
    if !failed && let Some(reason) = watch(capture, stopped) {
        lost(reason);
    }
    let _ = capture.set_state(gst::State::Null);
    tracing::debug!("screen capture released");
}

/// Starts `capture` and waits for its first frame (`flowing`), an error,
/// `stopped`, or [`START_LIMIT`]. A source that has started is not enough:
/// only frames are (a portal's stream can be started and never linked).
fn bring_up(
    capture: &gst::Pipeline,
    portal: bool,
    flowing: &AtomicBool,
    stopped: &AtomicBool,
) -> Result<(), (ScreenShareEnd, String)> {
    let deadline = Instant::now() + START_LIMIT;
    let bus = capture.bus();
    let failure = if capture.set_state(gst::State::Playing).is_err() {
        bus.as_ref()
            .and_then(|bus| bus.pop_filtered(&[gst::MessageType::Error]))
    } else {
        loop {
            if flowing.load(Ordering::SeqCst) {
                return Ok(());
            }
            if stopped.load(Ordering::SeqCst) || Instant::now() >= deadline {
                break None;
            }
            let message = bus.as_ref().and_then(|bus| {
                bus.timed_pop_filtered(
                    gst::ClockTime::try_from(POLL).ok(),
                    &[gst::MessageType::Error, gst::MessageType::Eos],
                )
            });
            if message.is_some() {
                break message;
            }
        }
    };
    if let Some(message) = &failure {
        tracing::debug!(?message, "the screen capture did not start");
    }
    Err(match failure.as_ref().map(|m| m.view()) {
        _ if portal => (
            ScreenShareEnd::NoPicture,
            "the desktop's screen did not start streaming (it may have stopped before sharing \
             began); share again to choose it anew"
                .to_owned(),
        ),
        Some(gst::MessageView::Error(e)) => (
            ScreenShareEnd::Failed,
            format!("the screen capture did not start: {}", e.error()),
        ),
        _ => (
            ScreenShareEnd::NoPicture,
            format!(
                "the screen capture did not start: no picture came in {} s",
                START_LIMIT.as_secs()
            ),
        ),
    })
}

/// Watches the running `capture` until it fails or ends (why, for people),
/// or `stopped` is set (`None`).
fn watch(capture: &gst::Pipeline, stopped: &AtomicBool) -> Option<String> {
    let bus = capture.bus()?;
    while !stopped.load(Ordering::SeqCst) {
        let Some(message) = bus.timed_pop_filtered(
            gst::ClockTime::try_from(POLL).ok(),
            &[gst::MessageType::Error, gst::MessageType::Eos],
        ) else {
            continue;
        };
        tracing::debug!(?message, "screen capture ended");
        if stopped.load(Ordering::SeqCst) {
            return None;
        }
        return Some(match message.view() {
            gst::MessageView::Error(e) => e.error().to_string(),
            _ => "the screen stopped sending pictures".to_owned(),
        });
    }
    None
}

#[cfg(test)]
mod tests;
