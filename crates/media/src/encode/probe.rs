//! The start-up probe: every installed encoder in the table test-encodes a
//! few frames at the resolution the user will send, in a background thread,
//! each with a timeout (hardware encoders can hang). Results are remembered
//! in an [`EncoderRegistry`] that callers can wait on or query at any time.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::profile::{Backend, EncoderProfile, profiles};
use super::select::{SelectError, Selection, Unusable, select, sendable_codecs};
use super::trial::test_encode;
use crate::types::{Resolution, VideoCodec};

/// How the probe runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeSettings {
    /// Frames each encoder must encode.
    pub frames: u32,
    /// How long one encoder may take before it counts as hung.
    pub timeout: Duration,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        Self {
            frames: 5,
            timeout: Duration::from_secs(10),
        }
    }
}

/// How long a successful test encode took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeTiming {
    /// From starting the pipeline to the first encoded frame (includes
    /// opening the encoder).
    pub first_frame: Duration,
    /// From starting the pipeline to the end of the stream.
    pub total: Duration,
    /// Encoded frames seen.
    pub frames: u32,
}

impl ProbeTiming {
    /// The time per frame after the first, an estimate of encoding speed.
    pub fn per_frame(&self) -> Duration {
        match self.frames {
            0 | 1 => self.total,
            n => self.total.saturating_sub(self.first_frame) / (n - 1),
        }
    }

    /// Whether it encoded fast enough for `fps` frames per second.
    pub fn keeps_up(&self, fps: u32) -> bool {
        self.per_frame() <= Duration::from_secs(1) / fps.max(1)
    }
}

/// What the probe found out about one encoder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type", content = "detail")]
pub enum ProbeOutcome {
    /// Not tested yet.
    Pending,
    /// The element is not installed, or its plugin found no device.
    NotInstalled,
    /// It encoded the test frames.
    Working(ProbeTiming),
    /// It failed, hung, or failed later in a call; why.
    Failed(String),
}

/// One encoder and what is known about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    /// The element factory name.
    pub element: String,
    /// What it makes.
    pub codec: VideoCodec,
    /// The API behind it.
    pub backend: Backend,
    /// Whether it is a hardware encoder.
    pub hardware: bool,
    /// What the probe found.
    pub outcome: ProbeOutcome,
}

/// Which encoders work on this machine, filled in by a background probe.
/// Cloning shares the same registry.
#[derive(Debug, Clone)]
pub struct EncoderRegistry {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    resolution: Resolution,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug)]
struct State {
    results: Vec<ProbeResult>,
    finished: bool,
}

impl EncoderRegistry {
    /// Starts probing every installed encoder at `resolution` in a
    /// background thread, with [`ProbeSettings::default`].
    pub fn probe_in_background(resolution: Resolution) -> EncoderRegistry {
        Self::probe_in_background_with(resolution, ProbeSettings::default())
    }

    /// Like [`EncoderRegistry::probe_in_background`] with other settings.
    pub fn probe_in_background_with(
        resolution: Resolution,
        settings: ProbeSettings,
    ) -> EncoderRegistry {
        let init = crate::init();
        let results = profiles()
            .iter()
            .map(|p| {
                let outcome = match &init {
                    Err(e) => ProbeOutcome::Failed(e.to_string()),
                    Ok(()) if !crate::has_element(p.element) => ProbeOutcome::NotInstalled,
                    Ok(()) => ProbeOutcome::Pending,
                };
                result_for(p, outcome)
            })
            .collect();
        let registry = Self::new(resolution, results, false);
        let shared = Arc::clone(&registry.shared);
        let spawned = thread::Builder::new()
            .name("mulaqat-encoder-probe".into())
            .spawn(move || run_probe(&shared, settings));
        if let Err(e) = spawned {
            registry.finish_pending(&format!("could not start the probe thread: {e}"));
        }
        registry
    }

    /// A registry with known results and no probe running (tests, or
    /// results cached from an earlier run).
    pub fn with_results(resolution: Resolution, results: Vec<ProbeResult>) -> EncoderRegistry {
        Self::new(resolution, results, true)
    }

    fn new(resolution: Resolution, results: Vec<ProbeResult>, finished: bool) -> Self {
        EncoderRegistry {
            shared: Arc::new(Shared {
                resolution,
                state: Mutex::new(State { results, finished }),
                changed: Condvar::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The resolution the encoders were probed at.
    pub fn resolution(&self) -> Resolution {
        self.shared.resolution
    }

    /// Waits up to `timeout` for the probe to finish; true if it has.
    pub fn wait(&self, timeout: Duration) -> bool {
        let guard = self.lock();
        let (guard, _) = self
            .shared
            .changed
            .wait_timeout_while(guard, timeout, |s| !s.finished)
            .unwrap_or_else(PoisonError::into_inner);
        guard.finished
    }

    /// Whether the probe has finished.
    pub fn is_finished(&self) -> bool {
        self.lock().finished
    }

    /// Every encoder in the table with what is known so far, best first.
    pub fn results(&self) -> Vec<ProbeResult> {
        self.lock().results.clone()
    }

    /// What is known about one element (`None` if it is not in the table).
    pub fn outcome(&self, element: &str) -> Option<ProbeOutcome> {
        let state = self.lock();
        let result = state.results.iter().find(|r| r.element == element)?;
        Some(result.outcome.clone())
    }

    /// Remembers that an encoder failed in a call, so it is skipped from
    /// now on.
    pub fn mark_failed(&self, element: &str, reason: &str) {
        self.set_outcome(element, ProbeOutcome::Failed(reason.to_owned()));
    }

    fn set_outcome(&self, element: &str, outcome: ProbeOutcome) {
        let mut state = self.lock();
        if let Some(r) = state.results.iter_mut().find(|r| r.element == element) {
            // A failure seen in a call outlives a later probe result.
            if !matches!(r.outcome, ProbeOutcome::Failed(_)) {
                r.outcome = outcome;
            }
        }
        drop(state);
        self.shared.changed.notify_all();
    }

    fn finish_pending(&self, reason: &str) {
        let mut state = self.lock();
        for r in &mut state.results {
            if r.outcome == ProbeOutcome::Pending {
                r.outcome = ProbeOutcome::Failed(reason.to_owned());
            }
        }
        state.finished = true;
        drop(state);
        self.shared.changed.notify_all();
    }

    /// Whether an encoder can be used now. Until the probe reaches it, an
    /// installed software encoder counts as usable and a hardware one does
    /// not (it could hang).
    pub fn usable(&self, profile: &EncoderProfile) -> Result<(), Unusable> {
        match self.outcome(profile.element) {
            Some(ProbeOutcome::Working(_)) => Ok(()),
            Some(ProbeOutcome::Failed(why)) => Err(Unusable::Failed(why)),
            Some(ProbeOutcome::NotInstalled) => Err(Unusable::NotInstalled),
            Some(ProbeOutcome::Pending) | None if profile.is_hardware() => {
                Err(Unusable::NotProbedYet)
            }
            Some(ProbeOutcome::Pending) | None if crate::has_element(profile.element) => Ok(()),
            Some(ProbeOutcome::Pending) | None => Err(Unusable::NotInstalled),
        }
    }

    /// Chooses the encoder for `codec`, honouring a pinned element.
    pub fn select(
        &self,
        codec: VideoCodec,
        pinned: Option<&str>,
    ) -> Result<Selection<'static>, SelectError> {
        select(codec, profiles(), pinned, |p| self.usable(p))
    }

    /// The codecs this machine can send: those with an encoder that passed
    /// the probe. Call after [`EncoderRegistry::wait`].
    pub fn sendable_codecs(&self) -> Vec<VideoCodec> {
        sendable_codecs(profiles(), |p| match self.outcome(p.element) {
            Some(ProbeOutcome::Working(_)) => Ok(()),
            _ => Err(Unusable::NotProbedYet),
        })
    }
}

fn result_for(profile: &EncoderProfile, outcome: ProbeOutcome) -> ProbeResult {
    ProbeResult {
        element: profile.element.to_owned(),
        codec: profile.codec,
        backend: profile.backend,
        hardware: profile.is_hardware(),
        outcome,
    }
}

/// The probe thread: one encoder at a time (so timings are not skewed),
/// each in its own thread so that one that hangs even while shutting down
/// cannot stop the others.
fn run_probe(shared: &Arc<Shared>, settings: ProbeSettings) {
    let registry = EncoderRegistry {
        shared: Arc::clone(shared),
    };
    let resolution = registry.resolution();
    for profile in profiles() {
        if registry.outcome(profile.element) != Some(ProbeOutcome::Pending) {
            continue;
        }
        let (tx, rx) = mpsc::channel();
        let spawned = thread::Builder::new()
            .name(format!("mulaqat-probe-{}", profile.element))
            .spawn(move || {
                // The receiver may have given up on a hung encoder.
                let _ = tx.send(test_encode(
                    profile,
                    resolution,
                    settings.frames,
                    settings.timeout,
                ));
            });
        let outcome = match spawned {
            Err(e) => ProbeOutcome::Failed(format!("could not start a probe thread: {e}")),
            Ok(handle) => match rx.recv_timeout(settings.timeout + Duration::from_secs(5)) {
                Ok(result) => {
                    // The trial has answered, so its thread is about to end:
                    // wait for it, so no GStreamer teardown outlives the probe
                    // (a process exiting under it can crash in the plugin).
                    let _ = handle.join();
                    match result {
                        Ok(done) => {
                            tracing::debug!(encoder = profile.element, caps = ?done.caps, "encoder probe output");
                            ProbeOutcome::Working(done.timing)
                        }
                        Err(why) => ProbeOutcome::Failed(why),
                    }
                }
                // A hung encoder's thread is left behind: it cannot be stopped.
                Err(_) => {
                    ProbeOutcome::Failed(format!("hung: no answer within {:?}", settings.timeout))
                }
            },
        };
        tracing::info!(encoder = profile.element, %resolution, ?outcome, "encoder probe");
        registry.set_outcome(profile.element, outcome);
    }
    registry.finish_pending("the probe stopped before testing it");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::profile::profile;
    use crate::encode::select::Reason;

    const SIZE: Resolution = Resolution {
        width: 640,
        height: 360,
    };

    fn working() -> ProbeOutcome {
        ProbeOutcome::Working(ProbeTiming {
            first_frame: Duration::from_millis(20),
            total: Duration::from_millis(60),
            frames: 5,
        })
    }

    /// Every profile pending, except the given outcomes.
    fn registry(outcomes: &[(&str, ProbeOutcome)]) -> EncoderRegistry {
        crate::init().unwrap();
        let results = profiles()
            .iter()
            .map(|p| {
                let outcome = outcomes
                    .iter()
                    .find(|(e, _)| *e == p.element)
                    .map_or(ProbeOutcome::Pending, |(_, o)| o.clone());
                result_for(p, outcome)
            })
            .collect();
        EncoderRegistry::with_results(SIZE, results)
    }

    #[test]
    fn registry_uses_pending_software_encoders_but_not_pending_hardware() {
        let r = registry(&[]);
        let usable = |e| r.usable(profile(e).unwrap());
        assert_eq!(usable("x264enc"), Ok(()));
        assert_eq!(usable("nvh264enc"), Err(Unusable::NotProbedYet));
        let s = r.select(VideoCodec::H264, None).unwrap();
        assert_eq!(s.profile.element, "x264enc");
        // Nothing proven yet, so nothing is offered.
        assert!(r.sendable_codecs().is_empty());
    }

    #[test]
    fn registry_selects_probed_hardware_encoder_and_remembers_call_failures() {
        let r = registry(&[
            ("vah264enc", working()),
            ("x264enc", working()),
            ("vp8enc", working()),
        ]);
        assert_eq!(
            r.select(VideoCodec::H264, None).unwrap().profile.element,
            "vah264enc"
        );
        assert_eq!(r.sendable_codecs(), [VideoCodec::H264, VideoCodec::Vp8]);
        r.mark_failed("vah264enc", "encoder error in call");
        // A later probe result does not undo a failure seen in a call.
        r.set_outcome("vah264enc", working());
        let s = r.select(VideoCodec::H264, Some("vah264enc")).unwrap();
        assert_eq!(s.profile.element, "x264enc");
        assert_eq!(
            s.reason,
            Reason::PinnedUnavailableFellBack {
                pinned: "vah264enc".into(),
                why: Unusable::Failed("encoder error in call".into())
            }
        );
    }

    #[test]
    fn registry_wait_returns_when_finished_or_timed_out() {
        let r = registry(&[]);
        assert!(r.wait(Duration::from_millis(1)));
        let running = EncoderRegistry::new(SIZE, Vec::new(), false);
        assert!(!running.wait(Duration::from_millis(10)));
        running.finish_pending("stopped");
        assert!(running.is_finished());
    }

    #[test]
    fn probe_timing_estimates_per_frame_encode_speed() {
        let t = ProbeTiming {
            first_frame: Duration::from_millis(40),
            total: Duration::from_millis(120),
            frames: 5,
        };
        assert_eq!(t.per_frame(), Duration::from_millis(20));
        assert!(t.keeps_up(30));
        assert!(!t.keeps_up(60));
    }
}
