//! Getting the bitrate back after a congestion episode.
//!
//! `rtpgccbwe` climbs back slowly once a link recovers: near the rates at
//! which it last had to decrease it increases additively (a few kbit/s per
//! step), so a call that fell to 150 kbit/s under a 300 kbit/s bottleneck
//! needs more than a minute to regain 1 Mbit/s once the bottleneck is gone.
//! People see a blurred picture for that whole minute.
//!
//! [`Recovery`] remembers the rate the link carried before it fell and,
//! while the estimate keeps rising with no loss reported, probes: it raises
//! the controller's estimate by half (never past the remembered rate). A
//! probe that the link cannot carry is undone by the controller itself
//! (delay grows or packets are lost, and it decreases); then the next probe
//! waits twice as long, so a link that really is narrow is not pushed every
//! few seconds. Once the controller climbs past a rate the link refused, or
//! video comes back after an audio-only spell, the link has changed and the
//! waits start again from the shortest.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use gst::glib;
use gst::prelude::*;

use super::pacing::{CLEAN_LOSS, Headroom};
use super::random_loss::RandomLoss;
use super::twcc::Twcc;

/// A sending connection's congestion controller (`rtpgccbwe`), its latest
/// estimate and its recovery.
#[derive(Debug, Default)]
pub(crate) struct Congestion {
    /// The controller's latest estimate, bit/s (0 = none yet).
    pub estimate_bps: AtomicU32,
    /// The most the encoder is given, bit/s.
    ceiling_bps: AtomicU32,
    controller: Mutex<Option<glib::WeakRef<gst::Element>>>,
    recovery: Mutex<Recovery>,
    headroom: Mutex<Headroom>,
    random_loss: Mutex<RandomLoss>,
    twcc: std::sync::Arc<Twcc>,
    /// The share of packets lost in the last second's feedback (`None`:
    /// no feedback that second).
    last_loss: Mutex<Option<f64>>,
}

impl Congestion {
    /// The latest estimate, bit/s (0 = none yet).
    pub(crate) fn estimate_bps(&self) -> u32 {
        self.estimate_bps.load(Ordering::Relaxed)
    }

    /// The share of our packets (0 to 1) the peer's congestion feedback
    /// said lost over the last second; `None` when none came.
    pub(crate) fn loss(&self) -> Option<f64> {
        *self
            .last_loss
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Follows `controller`'s estimate from now on; `ceiling_bps` is the
    /// most the encoder is given, above which the controller gets the
    /// [`Headroom`] the link allows; `start_bps` is where it starts, the
    /// rate a link lossy from the start is taken to carry.
    pub(crate) fn watch(
        self: &std::sync::Arc<Self>,
        controller: &gst::Element,
        (start_bps, ceiling_bps): (u32, u32),
    ) {
        self.ceiling_bps.store(ceiling_bps, Ordering::Relaxed);
        *self
            .random_loss
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            RandomLoss::starting_at(start_bps / 1000);
        self.twcc.listen(controller);
        controller.set_property(
            "max-bitrate",
            self.ceiling_with(self.lock_headroom().percent()),
        );
        *self
            .controller
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(controller.downgrade());
        let congestion = std::sync::Arc::downgrade(self);
        controller.connect_notify(Some("estimated-bitrate"), move |cc, _| {
            if let Some(c) = congestion.upgrade() {
                c.estimate_bps
                    .store(cc.property::<u32>("estimated-bitrate"), Ordering::Relaxed);
            }
        });
    }

    /// Raises the controller's estimate to `kbps` if it is lower: video
    /// tried again after an audio-only spell starts from a rate that can
    /// carry it, not from the floor where the controller sat while nothing
    /// was sent (it would never climb before the fallback gave up again).
    /// It is a new episode: probing starts again at its shortest wait,
    /// whatever the link did before the spell.
    pub(crate) fn raise_to(&self, kbps: u32) {
        self.recovery
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .restart();
        if self.estimate_bps() / 1000 >= kbps {
            return;
        }
        if let Some(controller) = self.controller() {
            controller.set_property("estimated-bitrate", kbps.saturating_mul(1000));
        }
    }

    fn controller(&self) -> Option<gst::Element> {
        self.controller
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .and_then(glib::WeakRef::upgrade)
    }

    fn lock_headroom(&self) -> std::sync::MutexGuard<'_, Headroom> {
        self.headroom
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn ceiling_with(&self, percent: u32) -> u32 {
        let ceiling = u64::from(self.ceiling_bps.load(Ordering::Relaxed));
        u32::try_from(ceiling * u64::from(percent) / 100).unwrap_or(u32::MAX)
    }

    /// Gives the controller the room above the encoder's ceiling that the
    /// loss allows; taking it away brings an estimate above the ceiling
    /// down to it at once.
    fn follow_headroom(&self, peer: &crate::types::PeerId, loss: Option<f64>) {
        let Some(percent) = self.lock_headroom().tick(loss) else {
            return;
        };
        let Some(controller) = self.controller() else {
            return;
        };
        let max = self.ceiling_with(percent);
        tracing::debug!(%peer, percent, "pacing room above the encoder's ceiling changed");
        controller.set_property("max-bitrate", max);
        if self.estimate_bps() > max {
            controller.set_property("estimated-bitrate", max);
        }
    }

    /// The once-a-second look: adjusts the [`Headroom`], holds the rate
    /// against random loss when [`RandomLoss`] says so, and probes when
    /// [`Recovery`] says so. Each reads the loss of the second's congestion
    /// feedback; `reported_loss`, the fraction of video packets the peer's
    /// last receiver report said lost, stands in only when no feedback came
    /// (the reports are rare under loss, see [`super::twcc`]).
    pub(crate) fn tick(&self, peer: &crate::types::PeerId, reported_loss: Option<f64>) {
        let feedback = self.twcc.take_second();
        *self
            .last_loss
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = feedback.map(|f| f.loss);
        let loss = feedback.map(|f| f.loss).or(reported_loss);
        self.follow_headroom(peer, loss);
        let kbps = self.estimate_bps() / 1000;
        if kbps == 0 {
            return;
        }
        let hold = self
            .random_loss
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .tick(kbps, feedback);
        tracing::trace!(%peer, kbps, ?feedback, ?hold, "congestion tick");
        if let (Some(to), Some(controller)) = (hold, self.controller()) {
            tracing::debug!(%peer, from = kbps, to, ?loss, "random loss: the rate is held");
            controller.set_property("estimated-bitrate", to.saturating_mul(1000));
            return;
        }
        let probe = self
            .recovery
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .tick(kbps, loss);
        if let (Some(to), Some(controller)) = (probe, self.controller()) {
            tracing::debug!(%peer, from = kbps, to, "probing for the bitrate the link carried");
            controller.set_property("estimated-bitrate", to.saturating_mul(1000));
        }
    }
}

/// Seconds an estimate must hold to count as what the link carries.
const HELD_SECONDS: usize = 5;
/// Below this share of the remembered rate there is something to recover.
const RECOVER_BELOW: f64 = 0.8;
/// Seconds of rising estimates (and no loss) before a probe.
const RISING_SECONDS: u32 = 3;
/// A probe raises the estimate by this factor (at most to the remembered rate).
const PROBE_FACTOR: f64 = 1.5;
/// A probe failed when the estimate falls under this share of it within
/// [`JUDGED_AFTER`] seconds.
const FAILED_BELOW: f64 = 0.85;
/// Seconds after a probe at which it is judged.
const JUDGED_AFTER: u32 = 3;
/// Waits between probes: the first, and the most after repeated failures.
const FIRST_WAIT: u32 = 3;
const LONGEST_WAIT: u32 = 60;
/// Seconds after which a remembered rate is forgotten.
const REMEMBERED_FOR: u32 = 300;

/// One sending connection's recovery, ticked once a second.
#[derive(Debug, Clone)]
pub(crate) struct Recovery {
    /// The last estimates, newest last, kbit/s.
    recent: VecDeque<u32>,
    /// The rate the link carried (held for [`HELD_SECONDS`]), and how many
    /// seconds ago it last did.
    carried: Option<(u32, u32)>,
    /// Consecutive seconds the estimate rose with a clean link.
    rising: u32,
    /// Seconds until the next probe may be made.
    wait: u32,
    /// The current wait between probes (doubles on failure).
    backoff: u32,
    /// The last probe's rate and its age in seconds, until judged.
    probe: Option<(u32, u32)>,
    /// The rate of the last probe the link took back.
    failed_at: Option<u32>,
}

impl Default for Recovery {
    fn default() -> Self {
        Recovery {
            recent: VecDeque::with_capacity(HELD_SECONDS + 1),
            carried: None,
            rising: 0,
            wait: FIRST_WAIT,
            backoff: FIRST_WAIT,
            probe: None,
            failed_at: None,
        }
    }
}

impl Recovery {
    /// One second's reading: the controller's estimate (kbit/s) and the loss
    /// the receiver reported (`None` when it has not). Returns the rate to
    /// probe at, if now is the time.
    pub(crate) fn tick(&mut self, estimate_kbps: u32, loss: Option<f64>) -> Option<u32> {
        let previous = self.recent.back().copied();
        self.recent.push_back(estimate_kbps);
        if self.recent.len() > HELD_SECONDS {
            self.recent.pop_front();
        }
        self.remember_carried();
        self.judge_probe(estimate_kbps);
        self.wait = self.wait.saturating_sub(1);
        if self.probe.is_none() && self.failed_at.is_some_and(|f| estimate_kbps > f) {
            // The controller climbed past a rate the link refused: the link
            // changed, and the waits it built up no longer say anything.
            self.restart();
        }
        let clean = loss.is_none_or(|l| l < CLEAN_LOSS);
        if clean && previous.is_some_and(|p| estimate_kbps > p) {
            self.rising += 1;
        } else {
            self.rising = 0;
        }
        let (carried, _) = self.carried?;
        if f64::from(estimate_kbps) >= RECOVER_BELOW * f64::from(carried) {
            // Nothing to recover: the next episode starts afresh.
            self.backoff = FIRST_WAIT;
            return None;
        }
        if self.rising < RISING_SECONDS || self.wait > 0 || self.probe.is_some() {
            return None;
        }
        let to = (f64::from(estimate_kbps) * PROBE_FACTOR).min(f64::from(carried));
        // Truncation is fine: a kbit/s rate from a bounded product.
        let to = to as u32;
        self.probe = Some((to, 0));
        self.rising = 0;
        self.wait = self.backoff;
        Some(to)
    }

    /// Forgets the waits earlier failed probes built up (keeping the rate
    /// the link carried).
    fn restart(&mut self) {
        self.wait = 0;
        self.backoff = FIRST_WAIT;
        self.probe = None;
        self.failed_at = None;
    }

    /// The lowest of the last [`HELD_SECONDS`] estimates, once there are
    /// that many, is a rate the link carried: the best of those is kept
    /// (and forgotten after [`REMEMBERED_FOR`] seconds without it).
    fn remember_carried(&mut self) {
        let held = (self.recent.len() == HELD_SECONDS)
            .then(|| self.recent.iter().copied().min())
            .flatten();
        self.carried = match (self.carried, held) {
            (Some((rate, _)), Some(now)) if now >= rate => Some((now, 0)),
            (Some((rate, age)), _) if age < REMEMBERED_FOR => Some((rate, age + 1)),
            (_, now) => now.map(|rate| (rate, 0)),
        };
    }

    /// A probe the controller took back soon after failed: wait twice as
    /// long before the next; one that held resets the wait.
    fn judge_probe(&mut self, estimate_kbps: u32) {
        let Some((to, age)) = self.probe else { return };
        if f64::from(estimate_kbps) < FAILED_BELOW * f64::from(to) {
            self.backoff = (self.backoff * 2).min(LONGEST_WAIT);
            self.wait = self.backoff;
            self.probe = None;
            self.failed_at = Some(to);
        } else if age + 1 >= JUDGED_AFTER {
            self.backoff = FIRST_WAIT;
            self.probe = None;
        } else {
            self.probe = Some((to, age + 1));
        }
    }
}

#[cfg(test)]
mod tests;
