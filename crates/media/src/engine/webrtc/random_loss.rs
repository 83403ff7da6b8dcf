//! Loss that is not congestion.
//!
//! `rtpgccbwe` lowers its estimate by up to 5% every 200 ms while more than
//! a tenth of the packets in a feedback report are missing, and raises it
//! only under 2%. On a mobile link that drops a tenth of the packets at
//! random, whatever the rate, the reports swing around 10%: the estimate
//! slid to the video floor within seconds and the call went audio-only for
//! 20 s at a time, although the link carried the video as before (the lost
//! packets come again by retransmission). Sending less does not lose less
//! there; it only shows less.
//!
//! Congestion has a sign random loss lacks: a queue builds at the
//! bottleneck before it drops, and the packets take longer
//! ([`super::twcc`]). While the feedback shows loss but no queue,
//! [`RandomLoss`] holds the estimate at the rate the link carried before
//! the loss began (less the share lost). When a queue builds, or the loss
//! is too high to be bad luck, it holds nothing and the controller decides
//! alone.

use super::twcc::Feedback;

/// Loss (fraction of packets) from which the hold applies.
const LOSSY: f64 = 0.02;
/// Loss above which the link is failing, not unlucky: nothing is held.
const TOO_LOSSY: f64 = 0.3;
/// A queue this long, ms, is congestion.
const QUEUED_MS: f64 = 30.0;

/// One sending connection's guard against taking random loss for
/// congestion, ticked once a second.
#[derive(Debug, Clone, Default)]
pub(crate) struct RandomLoss {
    /// The estimate on the last clean second, kbit/s: what the link carried
    /// before the loss began.
    clean_kbps: Option<u32>,
}

impl RandomLoss {
    /// A guard for a link taken to carry `kbps` until a clean second says
    /// what it does carry (a call can be lossy from its first packet).
    pub(crate) fn starting_at(kbps: u32) -> RandomLoss {
        RandomLoss {
            clean_kbps: Some(kbps),
        }
    }

    /// One second: the controller's estimate (kbit/s) and the feedback
    /// (`None` when none came). Returns the estimate to hold, when the
    /// controller's is lower than the link has shown it carries.
    pub(crate) fn tick(&mut self, estimate_kbps: u32, feedback: Option<Feedback>) -> Option<u32> {
        let Feedback { loss, queue_ms } = feedback?;
        let queued = queue_ms >= QUEUED_MS;
        if queued || loss > TOO_LOSSY {
            // Congestion, or a failing link: the controller's decrease
            // stands, and what the link carried before is stale.
            self.clean_kbps = None;
            return None;
        }
        if loss < LOSSY {
            self.clean_kbps = Some(estimate_kbps);
            return None;
        }
        // Truncation is fine: a kbit/s rate from a bounded product.
        let hold = (f64::from(self.clean_kbps?) * (1.0 - loss)) as u32;
        (estimate_kbps < hold).then_some(hold)
    }
}

#[cfg(test)]
mod tests;
