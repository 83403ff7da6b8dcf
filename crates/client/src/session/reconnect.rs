//! Reconnection: the policy ([`ReconnectPolicy`]) and the backoff bookkeeping.
//!
//! When the signalling link drops (or cannot be opened), the session waits
//! `first_delay`, opens again, and doubles the wait after every failed
//! attempt, up to `max_delay`. Each wait is measured from the failure of the
//! previous attempt and is never shorter than [`MIN_ATTEMPT_INTERVAL`],
//! whatever the policy says; since an attempt fails only after it started,
//! no two attempts start less than a second apart. There is no
//! jitter: the session is deterministic, and a room holds at most a handful
//! of clients, so there is no herd of clients to spread out (the server's
//! own restart is the one moment many clients come back, and the doubling
//! already spreads them over the first seconds). If the session is not back
//! in the room `give_up_after` after the link dropped, the call ends with
//! [`EndReason::ConnectionLost`](super::EndReason::ConnectionLost).

use std::time::{Duration, Instant};

/// Default wait before the first attempt after a drop.
pub const DEFAULT_FIRST_DELAY: Duration = Duration::from_secs(1);
/// Default longest wait between attempts.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(30);
/// Default time after a drop when the session gives up.
pub const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(60);
/// Default time a peer connection to a participant whose own link dropped
/// is kept, waiting for them to come back (the same as their give-up time).
pub const DEFAULT_AWAY_PEER_GRACE: Duration = Duration::from_secs(60);
/// The shortest time between the starts of two connection attempts, whatever
/// the policy says: never more than one attempt a second.
pub const MIN_ATTEMPT_INTERVAL: Duration = Duration::from_secs(1);

/// Durations are clamped to this so that adding them to an `Instant` cannot
/// overflow, whatever a configuration says (a year is "never" for a call).
const LONGEST: Duration = Duration::from_secs(365 * 24 * 3600);

/// How the session behaves when the signalling link drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Wait before the first attempt after a drop.
    pub first_delay: Duration,
    /// Longest wait between attempts (the doubling stops here).
    pub max_delay: Duration,
    /// Give up (ending in `ConnectionLost`) this long after the drop if the
    /// session is not back in the room (or its lobby) by then.
    pub give_up_after: Duration,
    /// When another participant's link drops (`left {reason: disconnected}`
    /// or `replaced`), keep our peer connection to them this long, since
    /// media may still flow and they may come back with the same identity.
    pub away_peer_grace: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            first_delay: DEFAULT_FIRST_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            give_up_after: DEFAULT_GIVE_UP_AFTER,
            away_peer_grace: DEFAULT_AWAY_PEER_GRACE,
        }
    }
}

impl ReconnectPolicy {
    /// The wait before attempt `attempt` (counted from 1), measured from the
    /// failure before it: `first_delay × 2^(attempt − 1)`, at most
    /// `max_delay`, at least [`MIN_ATTEMPT_INTERVAL`].
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.first_delay
            .min(LONGEST)
            .saturating_mul(factor)
            .min(self.max_delay.min(LONGEST))
            .max(MIN_ATTEMPT_INTERVAL)
    }

    pub(crate) fn give_up_span(&self) -> Duration {
        self.give_up_after.min(LONGEST)
    }

    pub(crate) fn away_grace(&self) -> Duration {
        self.away_peer_grace.min(LONGEST)
    }
}

/// Bookkeeping while the link is down, from the drop until the session is
/// back in (then it is dropped) or gives up.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    /// When the link was lost: the give-up time counts from here.
    lost_at: Instant,
    /// The attempt waited for, or under way, from 1.
    attempt: u32,
    /// When to start the next attempt; `None` while one is under way.
    next_at: Option<Instant>,
}

impl Backoff {
    /// The link was lost at `now`.
    pub(crate) fn start(policy: &ReconnectPolicy, now: Instant) -> Self {
        Self {
            lost_at: now,
            attempt: 1,
            next_at: Some(now + policy.delay(1)),
        }
    }

    /// The attempt under way failed at `now`: wait longer for the next one.
    pub(crate) fn attempt_failed(&mut self, policy: &ReconnectPolicy, now: Instant) {
        self.attempt = self.attempt.saturating_add(1);
        self.next_at = Some(now + policy.delay(self.attempt));
    }

    /// The attempt waited for or under way, from 1.
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Whether it is time (at `now`) to start the next attempt.
    pub(crate) fn due(&self, now: Instant) -> bool {
        self.next_at.is_some_and(|at| at <= now)
    }

    /// The next attempt starts now.
    pub(crate) fn begin_attempt(&mut self) {
        self.next_at = None;
    }

    /// When the session gives up.
    pub(crate) fn give_up_at(&self, policy: &ReconnectPolicy) -> Instant {
        self.lost_at + policy.give_up_span()
    }

    /// The earliest time something is due: the next attempt or giving up.
    pub(crate) fn deadline(&self, policy: &ReconnectPolicy) -> Instant {
        let give_up = self.give_up_at(policy);
        self.next_at.map_or(give_up, |at| at.min(give_up))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn delays_double_from_the_first_and_stop_at_the_cap() {
        let policy = ReconnectPolicy::default();
        let delays: Vec<u64> = (1..=8).map(|n| policy.delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(policy.delay(u32::MAX), secs(30));
    }

    #[test]
    fn a_policy_asking_for_faster_attempts_still_waits_a_second() {
        let policy = ReconnectPolicy {
            first_delay: Duration::ZERO,
            max_delay: Duration::from_millis(200),
            ..ReconnectPolicy::default()
        };
        assert_eq!(policy.delay(1), MIN_ATTEMPT_INTERVAL);
        assert_eq!(policy.delay(5), MIN_ATTEMPT_INTERVAL);
    }

    #[test]
    fn huge_durations_do_not_overflow() {
        let policy = ReconnectPolicy {
            first_delay: Duration::MAX,
            max_delay: Duration::MAX,
            give_up_after: Duration::MAX,
            away_peer_grace: Duration::MAX,
        };
        let now = Instant::now();
        let mut backoff = Backoff::start(&policy, now);
        backoff.attempt_failed(&policy, now);
        assert!(backoff.deadline(&policy) > now);
        assert_eq!(policy.delay(40), LONGEST);
    }
}
