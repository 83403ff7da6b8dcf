//! What the transport-wide congestion feedback says, second by second:
//! the share of our packets that never arrived, and how long the others
//! queued on the way.
//!
//! The peer's receiver reports would say the loss and the round trip, but
//! under loss they hardly come: the session sends a regular report only
//! after a quiet interval, and the feedback it sends every 50 ms is never
//! quiet for long (`loss-10`: three reports reached each sender in two
//! minutes, so the sender judged the whole call by its first seconds). The
//! feedback itself, which the congestion controller reads from the
//! session, names every packet: lost, or when it arrived on the peer's
//! clock. The offset between the clocks is unknown, so the delay is read
//! against the shortest one seen: what even the quickest packets of a
//! second take above it is queueing.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use gst::glib;
use gst::prelude::*;

/// Seconds the shortest delay is remembered for (the path may change).
const SHORTEST_FOR: usize = 30;
/// The queue is read from the quickest `1 / QUICKEST_SHARE` of a second's
/// packets (see [`Feedback::queue_ms`]).
const QUICKEST_SHARE: usize = 10;

/// One second of feedback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Feedback {
    /// The share of the packets reported on that never arrived (0 to 1).
    pub loss: f64,
    /// How much longer than the shortest delay seen the quickest tenth of
    /// the second's packets took, ms: the queue on the way. A queue in
    /// front of a bottleneck delays every packet while it stands, the
    /// quickest too; jitter spreads the delays but leaves some packets
    /// near the shortest each second, so it does not read as a queue (the
    /// median did: 40 ± 30 ms of jitter read as a 30 ms queue, and random
    /// loss on a jittery link was taken for congestion).
    pub queue_ms: f64,
}

/// A connection's feedback as it comes, read once a second.
#[derive(Debug, Default)]
pub(crate) struct Twcc {
    window: Mutex<Window>,
}

impl Twcc {
    /// Reads the feedback that reaches `controller` (`rtpgccbwe`) from now on.
    pub(crate) fn listen(self: &Arc<Self>, controller: &gst::Element) {
        let Some(src) = controller.static_pad("src") else {
            return;
        };
        let twcc = Arc::downgrade(self);
        src.add_probe(gst::PadProbeType::EVENT_UPSTREAM, move |_, info| {
            if let Some(gst::PadProbeData::Event(event)) = &info.data
                && let Some(s) = event.structure()
                && s.name() == "RTPTWCCPackets"
                && let Some(twcc) = twcc.upgrade()
            {
                twcc.take(s);
            }
            gst::PadProbeReturn::Ok
        });
    }

    fn take(&self, event: &gst::StructureRef) {
        let Ok(packets) = event.get::<glib::ValueArray>("packets") else {
            return;
        };
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        for packet in packets.iter() {
            let Ok(p) = packet.get::<gst::Structure>() else {
                continue;
            };
            let Ok(sent) = p.get::<gst::ClockTime>("local-ts") else {
                continue;
            };
            if p.get::<bool>("lost").unwrap_or(false) {
                window.add(None);
            } else if let Ok(arrived) = p.get::<gst::ClockTime>("remote-ts") {
                // Nanoseconds on two clocks, as a signed difference in ms.
                let delay = (arrived.nseconds() as f64 - sent.nseconds() as f64) / 1e6;
                window.add(Some(delay));
            }
        }
    }

    /// The second since the last call, if any packet was reported on.
    pub(crate) fn take_second(&self) -> Option<Feedback> {
        self.window
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .close()
    }
}

/// The packets reported on since the last second closed.
#[derive(Debug, Default)]
pub(crate) struct Window {
    lost: u32,
    delays_ms: Vec<f64>,
    /// Each closed second's shortest delay, newest last.
    shortest: VecDeque<f64>,
}

impl Window {
    /// One packet: lost (`None`), or its delay on the two clocks, ms.
    pub(crate) fn add(&mut self, delay_ms: Option<f64>) {
        match delay_ms {
            Some(delay) => self.delays_ms.push(delay),
            None => self.lost += 1,
        }
    }

    /// Closes the second: its loss and queue, if any packet was reported on.
    pub(crate) fn close(&mut self) -> Option<Feedback> {
        let lost = std::mem::take(&mut self.lost);
        let mut delays = std::mem::take(&mut self.delays_ms);
        let reported = lost + u32::try_from(delays.len()).unwrap_or(u32::MAX);
        if reported == 0 {
            return None;
        }
        let loss = f64::from(lost) / f64::from(reported);
        if delays.is_empty() {
            // Everything lost: no delay to read, and no queue to blame.
            return Some(Feedback {
                loss,
                queue_ms: 0.0,
            });
        }
        delays.sort_by(f64::total_cmp);
        self.shortest.push_back(delays[0]);
        if self.shortest.len() > SHORTEST_FOR {
            self.shortest.pop_front();
        }
        let shortest = self.shortest.iter().copied().fold(f64::INFINITY, f64::min);
        Some(Feedback {
            loss,
            queue_ms: delays[delays.len() / QUICKEST_SHARE] - shortest,
        })
    }
}

#[cfg(test)]
mod tests;
