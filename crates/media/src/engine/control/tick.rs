//! Once a second: the encoders follow their connections' congestion
//! estimates (or stop for an audio-only spell), tiles follow what the UI
//! asks, stalled videos ask for keyframes, and the stats go out, from which
//! bitrates recover and receive buffers adapt.

use std::collections::HashMap;
use std::sync::Weak;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{adapt, stats};
use crate::engine::elements::tiles;
use crate::engine::events::MediaEvent;
use crate::engine::state::Shared;
use crate::engine::webrtc::fallback::AudioOnlyGuard;

/// How often the tick runs.
const PERIOD: Duration = Duration::from_secs(1);

/// Runs until the engine stops or is dropped.
pub(super) fn run(weak: Weak<Shared>) {
    let mut previous = stats::Previous::new();
    let mut buffers = HashMap::new();
    let mut guard = AudioOnlyGuard::default();
    loop {
        std::thread::sleep(PERIOD);
        let Some(shared) = weak.upgrade() else { return };
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        let lowest = adapt::follow_estimates(&shared);
        if let Some(change) = guard.tick(lowest) {
            adapt::apply_fallback(&shared, change);
        } else if guard.audio_only() {
            // An encoder made since (a new peer's codec) holds back too.
            for encoder in shared.lock().video_encoders.values() {
                encoder.set_sending(false);
            }
        }
        tiles::follow_sizes(&mut shared.lock().tiles);
        let received: Vec<_> = shared
            .lock()
            .tracks
            .iter()
            .map(|(track, counters)| (track.clone(), counters.clone()))
            .collect();
        for (track, counters) in received {
            counters.ask_keyframe_if_stalled(&track);
        }
        let (report, repairs) = stats::collect(&shared, &mut previous);
        adapt::recover_bitrates(&shared, &report);
        adapt::adapt_jitter_buffers(&shared, &report, &repairs, &mut buffers);
        shared.emit(MediaEvent::Stats { report });
    }
}
