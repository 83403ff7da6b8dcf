//! How much room above the encoder's ceiling the congestion controller gets.
//!
//! `rtpgccbwe` paces what it sends at its own estimate, and its estimate is
//! capped by `max-bitrate`. Capped at the most the encoder is ever given, a
//! link with room to spare still drained each frame over a whole frame
//! interval: a 720p call's delay grew from 10 ms to 38 ms (p50) in its first
//! half minute. Half again above the ceiling (libwebrtc paces at 2.5 times
//! its target) it stayed at 8 ms. The encoder never gets more than its
//! ceiling either way; only the pacing changes.
//!
//! On a link that is losing packets, bursts at the wider rate overflow the
//! bottleneck's queue and lose more (a capped 1 Mbit/s link with 5% loss
//! dipped from 30 to 25 fps), so [`Headroom`] takes the room away while the
//! peer reports loss and gives it back after a clean spell, a longer one each
//! time loss took it away.

/// Loss (fraction of packets) under which the link counts as clean.
pub(crate) const CLEAN_LOSS: f64 = 0.01;
/// The controller's ceiling with room, in percent of the encoder's.
pub(crate) const WIDE_PERCENT: u32 = 150;
/// Reported loss (fraction of packets) at or above which the room goes.
const LOSSY: f64 = 0.02;
/// Clean seconds before the room comes back: the first time, and the most
/// after repeated losses.
const FIRST_CLEAN_SPELL: u32 = 10;
const LONGEST_CLEAN_SPELL: u32 = 160;

/// Whether the controller may estimate above the encoder's ceiling, ticked
/// once a second with the loss the peer reports.
#[derive(Debug, Clone)]
pub(crate) struct Headroom {
    wide: bool,
    clean_seconds: u32,
    /// Clean seconds needed before widening again (doubles each narrowing).
    needed: u32,
}

impl Default for Headroom {
    /// A call starts with room: most links are clean, and the first report
    /// of loss comes within a second or two.
    fn default() -> Self {
        Headroom {
            wide: true,
            clean_seconds: 0,
            needed: FIRST_CLEAN_SPELL,
        }
    }
}

impl Headroom {
    /// The ceiling's percentage of the encoder's right now.
    pub(crate) fn percent(&self) -> u32 {
        if self.wide { WIDE_PERCENT } else { 100 }
    }

    /// One second's loss report (`None` when the peer has not reported):
    /// returns the new percentage when it changes.
    pub(crate) fn tick(&mut self, loss: Option<f64>) -> Option<u32> {
        let loss = loss?;
        if loss >= LOSSY {
            self.clean_seconds = 0;
            if self.wide {
                self.wide = false;
                return Some(self.percent());
            }
            // Still losing after narrowing: the link is narrow, not unlucky.
            return None;
        }
        if loss >= CLEAN_LOSS {
            self.clean_seconds = 0;
            return None;
        }
        self.clean_seconds += 1;
        if self.wide || self.clean_seconds < self.needed {
            return None;
        }
        self.wide = true;
        self.clean_seconds = 0;
        self.needed = (self.needed * 2).min(LONGEST_CLEAN_SPELL);
        Some(self.percent())
    }
}

#[cfg(test)]
mod tests;
