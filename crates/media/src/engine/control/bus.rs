//! The control thread, the one owner of the engine's state: it runs the
//! jobs the API and GStreamer's threads send it, reads the pipeline's bus,
//! and runs the once-a-second tick. Errors go to the part of the pipeline
//! that raised them (found by the element, not its name): the camera is
//! lost, a screen capture ends its share; any other is reported. It also
//! notices a camera unplugged and a portal screen the desktop ended.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak, mpsc};
use std::time::Duration;

use gst::glib;
use gst::prelude::*;

use crate::engine::elements::capture;
use crate::engine::elements::pipeline::top_level;
use crate::engine::events::{MediaEvent, ScreenShareEnd};
use crate::engine::local::camera;
use crate::engine::screen::{portal, sharing, watch};
use crate::engine::state::{Job, Owner, Shared, State};

use super::tick::Tick;

/// How long the thread waits on the bus when nothing happens (a job
/// wakes it at once).
const IDLE: Duration = Duration::from_millis(100);

/// Runs until the engine stops or is dropped, owning `state`.
pub(super) fn run(weak: &Weak<Shared>, jobs: &mpsc::Receiver<Job>, mut state: State) {
    let Some(bus) = weak.upgrade().and_then(|s| {
        s.claim_control();
        s.pipeline.bus()
    }) else {
        return;
    };
    let mut tick = Tick::new();
    loop {
        let msg = bus.timed_pop(gst::ClockTime::from_nseconds(IDLE.as_nanos() as u64));
        let Some(shared) = weak.upgrade() else { return };
        while let Ok(job) = jobs.try_recv() {
            run_job(&shared, &mut state, job);
        }
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        if let Some(msg) = msg {
            on_message(&shared, &mut state, &msg);
        }
        if let Some(device) = camera::removed_camera(&shared, &state) {
            let reason = format!("{device} was unplugged");
            camera::camera_lost(&shared, &mut state, reason);
        }
        if portal::portal_ended_by_desktop(&state) {
            super::capture_ended(
                &shared,
                &mut state,
                ScreenShareEnd::StoppedByDesktop,
                "the desktop stopped sharing the screen".into(),
            );
        }
        tick.run_if_due(&shared, &mut state);
    }
}

fn run_job(shared: &Arc<Shared>, state: &mut State, job: Job) {
    match job {
        Job::Run(job) => job(shared, state),
        Job::ScreenCaptureEnded {
            feed,
            cause,
            reason,
        } => {
            // A feed stopped since has nothing left to end.
            if watch::is_current(state, &feed) {
                super::capture_ended(shared, state, cause, reason);
            }
        }
    }
}

fn on_message(shared: &Arc<Shared>, state: &mut State, msg: &gst::Message) {
    match msg.view() {
        gst::MessageView::Error(err) => on_error(shared, state, msg, err),
        gst::MessageView::Element(element) => {
            if let Some(event) = level_event(state, msg, element) {
                shared.emit(event);
            }
        }
        gst::MessageView::Warning(w) => {
            tracing::debug!("pipeline warning: {} ({:?})", w.error(), w.debug())
        }
        // Anything else (our own wake-up, `CONTROL_WAKE`, among them) only
        // wakes the thread.
        _ => {}
    }
}

/// An error goes to the part of the pipeline whose element raised it.
fn on_error(
    shared: &Arc<Shared>,
    state: &mut State,
    msg: &gst::Message,
    err: &gst::message::Error,
) {
    let source = msg
        .src()
        .map(|s| s.path_string().to_string())
        .unwrap_or_default();
    let text = format!("{} ({})", err.error(), source);
    tracing::debug!(debug = ?err.debug(), "pipeline error: {text}");
    let owner = msg
        .src()
        .and_then(|src| top_level(&shared.pipeline, src))
        .and_then(|top| state.owner_of(&top));
    let reason = err.error().to_string();
    match owner {
        Some(Owner::Camera) => camera::camera_lost(shared, state, reason),
        Some(Owner::ScreenStream) => {
            super::capture_ended(shared, state, ScreenShareEnd::Failed, reason);
        }
        Some(Owner::SharedScreen) => {
            if sharing::stop(shared, state) {
                portal::forget_portal_screen(state);
                shared.emit(MediaEvent::ScreenShareEnded {
                    cause: ScreenShareEnd::Failed,
                    reason,
                });
            }
        }
        None => shared.emit(MediaEvent::Error { message: text }),
    }
}

/// A `level` element's report as an event: the microphone's level, or a peer's.
fn level_event(
    state: &State,
    msg: &gst::Message,
    element: &gst::message::Element,
) -> Option<MediaEvent> {
    let s = element.structure()?;
    if s.name() != "level" {
        return None;
    }
    let src = msg.src()?;
    let linear = |field: &str| {
        let db = s
            .get::<glib::ValueArray>(field)
            .ok()?
            .iter()
            .filter_map(|v| v.get::<f64>().ok())
            .fold(f64::NEG_INFINITY, f64::max);
        Some(if db.is_finite() {
            10f64.powf(db / 20.0).clamp(0.0, 1.0)
        } else {
            0.0
        })
    };
    let (level, peak) = (linear("rms")?, linear("peak")?);
    if src.name() == capture::MIC_LEVEL {
        return Some(MediaEvent::MicLevel { level, peak });
    }
    let peer = state.audio_levels.get(src).cloned()?;
    Some(MediaEvent::AudioLevel { peer, level })
}
