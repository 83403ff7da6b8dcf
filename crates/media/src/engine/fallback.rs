//! Audio-only fallback: when the link cannot carry even the smallest video,
//! stop sending video so that speech keeps getting through, say so, and
//! try video again now and then (or as soon as the estimate recovers).
//!
//! A pure state machine fed once a second with the lowest bandwidth
//! estimate among the peers; the stats thread applies what it returns.

use super::encoding::MIN_VIDEO_KBPS;

/// Below this estimate, kbit/s, video would starve the audio. The
/// congestion controller does not estimate under [`MIN_VIDEO_KBPS`] (its
/// pacer carries the audio too, and must not hold it back), so an estimate
/// that stays at that floor is the sign of a link that cannot carry video.
pub(super) const ENTER_BELOW_KBPS: u32 = MIN_VIDEO_KBPS + MIN_VIDEO_KBPS / 10;
/// Seconds in a row below [`ENTER_BELOW_KBPS`] before video stops.
pub(super) const ENTER_AFTER_SECONDS: u32 = 5;
/// An estimate this high while audio-only brings video back at once.
pub(super) const LEAVE_ABOVE_KBPS: u32 = MIN_VIDEO_KBPS * 2;
/// Seconds of audio-only before video is tried again; doubles after each
/// failed try, up to [`MAX_RETRY_SECONDS`].
pub(super) const FIRST_RETRY_SECONDS: u32 = 20;
/// The longest wait between tries.
pub(super) const MAX_RETRY_SECONDS: u32 = 160;
/// Seconds video must hold after a try for the next fall to wait the
/// shortest time again.
const HELD_SECONDS: u32 = 60;

/// What the engine must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fallback {
    /// Stop sending video; the reason is for people.
    AudioOnly(String),
    /// Send video again; the reason is for people.
    Video(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Video is sent; `low` seconds in a row under the threshold, `held`
    /// seconds since video came back.
    Video { low: u32, held: u32 },
    /// Only audio; for `seconds` so far.
    AudioOnly { seconds: u32 },
}

/// Follows the estimate, one tick a second.
#[derive(Debug)]
pub(super) struct AudioOnlyGuard {
    mode: Mode,
    retry_after: u32,
}

impl Default for AudioOnlyGuard {
    fn default() -> Self {
        AudioOnlyGuard {
            mode: Mode::Video {
                low: 0,
                held: HELD_SECONDS,
            },
            retry_after: FIRST_RETRY_SECONDS,
        }
    }
}

impl AudioOnlyGuard {
    /// Whether only audio is sent now.
    pub(super) fn audio_only(&self) -> bool {
        matches!(self.mode, Mode::AudioOnly { .. })
    }

    /// One second passed; `lowest_kbps` is the lowest estimate among the
    /// peers that receive our video (`None`: no estimate, nothing changes).
    pub(super) fn tick(&mut self, lowest_kbps: Option<u32>) -> Option<Fallback> {
        match self.mode {
            Mode::Video { low, held } => {
                let held = held.saturating_add(1);
                if held >= HELD_SECONDS {
                    self.retry_after = FIRST_RETRY_SECONDS;
                }
                let Some(kbps) = lowest_kbps else {
                    self.mode = Mode::Video { low: 0, held };
                    return None;
                };
                let low = if kbps < ENTER_BELOW_KBPS { low + 1 } else { 0 };
                if low >= ENTER_AFTER_SECONDS {
                    self.mode = Mode::AudioOnly { seconds: 0 };
                    return Some(Fallback::AudioOnly(format!(
                        "the connection carries less than {ENTER_BELOW_KBPS} kbit/s, too little \
                         for video; only audio is sent until it improves"
                    )));
                }
                self.mode = Mode::Video { low, held };
                None
            }
            Mode::AudioOnly { seconds } => {
                let seconds = seconds + 1;
                let recovered = lowest_kbps.is_some_and(|k| k >= LEAVE_ABOVE_KBPS);
                if recovered || seconds >= self.retry_after {
                    if !recovered {
                        self.retry_after = (self.retry_after * 2).min(MAX_RETRY_SECONDS);
                    }
                    self.mode = Mode::Video { low: 0, held: 0 };
                    return Some(Fallback::Video(if recovered {
                        "the connection has improved; video is sent again".into()
                    } else {
                        "trying video again".into()
                    }));
                }
                self.mode = Mode::AudioOnly { seconds };
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(guard: &mut AudioOnlyGuard, kbps: Option<u32>, seconds: u32) -> Vec<(u32, Fallback)> {
        (1..=seconds)
            .filter_map(|s| guard.tick(kbps).map(|f| (s, f)))
            .collect()
    }

    /// Ticks until the first change, at most `seconds` times.
    fn until_change(
        guard: &mut AudioOnlyGuard,
        kbps: Option<u32>,
        seconds: u32,
    ) -> Option<(u32, Fallback)> {
        (1..=seconds).find_map(|s| guard.tick(kbps).map(|f| (s, f)))
    }

    #[test]
    fn a_good_link_or_no_estimate_never_falls_back() {
        let mut g = AudioOnlyGuard::default();
        assert!(run(&mut g, Some(2_000), 300).is_empty());
        assert!(run(&mut g, None, 300).is_empty());
        assert!(!g.audio_only());
    }

    #[test]
    fn a_starved_link_stops_video_after_five_seconds_and_says_why() {
        let mut g = AudioOnlyGuard::default();
        let changes = run(&mut g, Some(MIN_VIDEO_KBPS), 10);
        assert_eq!(changes.len(), 1, "{changes:?}");
        let (at, change) = &changes[0];
        assert_eq!(*at, ENTER_AFTER_SECONDS);
        let Fallback::AudioOnly(reason) = change else {
            panic!("{change:?}")
        };
        assert!(
            reason.contains("165 kbit/s") && reason.contains("only audio"),
            "{reason}"
        );
        assert!(g.audio_only());
    }

    #[test]
    fn a_short_dip_does_not_stop_video() {
        let mut g = AudioOnlyGuard::default();
        assert!(run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS - 1).is_empty());
        assert!(run(&mut g, Some(500), 1).is_empty());
        assert!(run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS - 1).is_empty());
        assert!(!g.audio_only());
    }

    #[test]
    fn video_comes_back_at_once_when_the_estimate_recovers() {
        let mut g = AudioOnlyGuard::default();
        run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS);
        let changes = run(&mut g, Some(LEAVE_ABOVE_KBPS), 1);
        assert!(
            matches!(&changes[..], [(1, Fallback::Video(r))] if r.contains("improved")),
            "{changes:?}"
        );
        assert!(!g.audio_only());
    }

    #[test]
    fn video_is_tried_again_with_growing_waits_while_the_link_stays_poor() {
        let mut g = AudioOnlyGuard::default();
        run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS);
        let mut waits = Vec::new();
        for _ in 0..5 {
            // Audio-only until the try...
            let (at, change) =
                until_change(&mut g, Some(MIN_VIDEO_KBPS), MAX_RETRY_SECONDS).expect("a try");
            assert_eq!(change, Fallback::Video("trying video again".into()));
            waits.push(at);
            // ...which fails again after the usual five seconds.
            let again = until_change(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS);
            assert!(
                matches!(again, Some((ENTER_AFTER_SECONDS, Fallback::AudioOnly(_)))),
                "{again:?}"
            );
        }
        assert_eq!(waits, [20, 40, 80, 160, 160]);
    }

    #[test]
    fn after_video_holds_a_minute_the_next_fall_waits_the_shortest_time() {
        let mut g = AudioOnlyGuard::default();
        run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS);
        // Tried after 20 s (the next wait would be 40 s), and video holds.
        until_change(&mut g, Some(MIN_VIDEO_KBPS), FIRST_RETRY_SECONDS).expect("a try");
        assert!(run(&mut g, Some(1_000), HELD_SECONDS).is_empty());
        until_change(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS).expect("audio only");
        let next = until_change(&mut g, Some(MIN_VIDEO_KBPS), MAX_RETRY_SECONDS);
        assert_eq!(next.map(|c| c.0), Some(FIRST_RETRY_SECONDS));
    }
}
