//! Audio-only fallback: when the link cannot carry even the smallest video,
//! stop sending video so that speech keeps getting through, say so, and
//! try video again now and then (or as soon as the estimate recovers).
//!
//! A pure state machine fed once a second with the lowest bandwidth
//! estimate among the peers; the control thread's tick applies what it returns.

use crate::engine::elements::encoding::MIN_VIDEO_KBPS;

/// Below this estimate, kbit/s, video would starve the audio. The
/// congestion controller does not estimate under [`MIN_VIDEO_KBPS`] (its
/// pacer carries the audio too, and must not hold it back), so an estimate
/// that stays at that floor is the sign of a link that cannot carry video.
pub(crate) const ENTER_BELOW_KBPS: u32 = MIN_VIDEO_KBPS + MIN_VIDEO_KBPS / 10;
/// Seconds in a row below [`ENTER_BELOW_KBPS`] before video stops.
pub(crate) const ENTER_AFTER_SECONDS: u32 = 5;
/// An estimate this high while audio-only brings video back at once.
pub(crate) const LEAVE_ABOVE_KBPS: u32 = MIN_VIDEO_KBPS * 2;
/// Seconds of audio-only before video is tried again; doubles after each
/// failed try, up to [`MAX_RETRY_SECONDS`].
pub(crate) const FIRST_RETRY_SECONDS: u32 = 20;
/// The longest wait between tries.
pub(crate) const MAX_RETRY_SECONDS: u32 = 160;
/// Seconds video must hold after a try for the next fall to wait the
/// shortest time again.
const HELD_SECONDS: u32 = 60;

/// What the engine must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fallback {
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
pub(crate) struct AudioOnlyGuard {
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
    pub(crate) fn audio_only(&self) -> bool {
        matches!(self.mode, Mode::AudioOnly { .. })
    }

    /// One second passed; `lowest_kbps` is the lowest estimate among the
    /// peers that receive our video (`None`: no estimate, nothing changes).
    pub(crate) fn tick(&mut self, lowest_kbps: Option<u32>) -> Option<Fallback> {
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
mod tests;
