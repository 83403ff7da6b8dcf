//! Once a second, on the control thread: the encoders follow their
//! connections' congestion estimates (or stop for an audio-only spell),
//! tiles follow what the UI asks, and the stats go out, from which bitrates
//! recover and receive buffers adapt. Four times a second, stalled videos
//! ask for keyframes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::adapt::{self, JitterBuffer};
use super::stats;
use crate::engine::elements::tiles;
use crate::engine::events::MediaEvent;
use crate::engine::state::{Shared, State};
use crate::engine::webrtc::fallback::AudioOnlyGuard;
use crate::types::PeerId;

/// How often the tick runs.
const PERIOD: Duration = Duration::from_secs(1);
/// How often received videos are checked for a stall (see
/// `TrackCounters::ask_keyframe_if_stalled`).
const PICTURES_EVERY: Duration = Duration::from_millis(250);

/// What the tick remembers from one second to the next.
pub(super) struct Tick {
    due: Instant,
    pictures_due: Instant,
    previous: stats::Previous,
    buffers: HashMap<PeerId, JitterBuffer>,
    guard: AudioOnlyGuard,
}

impl Tick {
    pub(super) fn new() -> Tick {
        Tick {
            due: Instant::now() + PERIOD,
            pictures_due: Instant::now() + PICTURES_EVERY,
            previous: stats::Previous::new(),
            buffers: HashMap::new(),
            guard: AudioOnlyGuard::default(),
        }
    }

    /// Runs the tick if a second has passed since the last one, and the
    /// stall check of received videos four times as often.
    pub(super) fn run_if_due(&mut self, shared: &Arc<Shared>, state: &mut State) {
        let now = Instant::now();
        if now >= self.pictures_due {
            self.pictures_due = now + PICTURES_EVERY;
            for (track, counters) in &state.tracks {
                counters.ask_keyframe_if_stalled(track);
            }
        }
        if now < self.due {
            return;
        }
        self.due = now + PERIOD;
        self.run(shared, state);
    }

    fn run(&mut self, shared: &Arc<Shared>, state: &mut State) {
        let lowest = adapt::follow_estimates(state);
        if let Some(change) = self.guard.tick(lowest) {
            adapt::apply_fallback(shared, state, change);
        } else if self.guard.audio_only() {
            // An encoder made since (a new peer's codec) holds back too.
            for encoder in state.video_encoders.values() {
                encoder.set_sending(false);
            }
        }
        tiles::follow_sizes(&mut state.tiles);
        let (report, repairs) = stats::collect(state, &mut self.previous);
        adapt::recover_bitrates(state, &report);
        adapt::protect_audio(state);
        adapt::adapt_jitter_buffers(shared, state, &report, &repairs, &mut self.buffers);
        shared.emit(MediaEvent::Stats { report });
    }
}
