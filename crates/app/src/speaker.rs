//! Who is speaking: the loudest remote participant, from the audio levels
//! the engine reports ten times a second, smoothed so that a cough or a
//! pause does not flip the highlight back and forth. In SFU rooms the SFU's
//! talking events count too: a participant it says talks is at least
//! [`TALKING`] loud until it says they stopped.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Smoothed RMS above this counts as speech (about -40 dBFS).
const SPEAKING: f64 = 0.01;
/// How much louder someone must be to take over from a speaker who is
/// still talking.
const TAKE_OVER_RATIO: f64 = 1.5;
/// The least time a speaker keeps the highlight while still talking.
const HOLD: Duration = Duration::from_secs(1);
/// Weight of the newest level in the running average.
const SMOOTHING: f64 = 0.3;
/// The level of someone the SFU says is talking (about -26 dBFS).
const TALKING: f64 = 0.05;

/// Follows levels per participant and decides the active speaker.
#[derive(Debug, Default)]
pub(crate) struct SpeakerTracker {
    smoothed: HashMap<String, f64>,
    /// Whom the SFU says talks now.
    talking: HashSet<String>,
    current: Option<(String, Instant)>,
}

impl SpeakerTracker {
    /// Takes one level; returns the new active speaker when it changes
    /// (`Some(None)`: nobody is speaking any more).
    pub(crate) fn update(
        &mut self,
        participant: &str,
        level: f64,
        now: Instant,
    ) -> Option<Option<String>> {
        let level = if level.is_finite() {
            level.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let average = self.smoothed.entry(participant.to_owned()).or_insert(level);
        *average = (1.0 - SMOOTHING) * *average + SMOOTHING * level;
        self.decide(now)
    }

    /// The SFU says `participant` started or stopped talking; returns the
    /// new active speaker when it changes, as [`SpeakerTracker::update`].
    pub(crate) fn talking(
        &mut self,
        participant: &str,
        talking: bool,
        now: Instant,
    ) -> Option<Option<String>> {
        if talking {
            self.talking.insert(participant.to_owned());
        } else {
            self.talking.remove(participant);
        }
        self.decide(now)
    }

    fn level(&self, who: &str) -> f64 {
        let heard = self.smoothed.get(who).copied().unwrap_or(0.0);
        if self.talking.contains(who) {
            heard.max(TALKING)
        } else {
            heard
        }
    }

    fn decide(&mut self, now: Instant) -> Option<Option<String>> {
        let loudest = self
            .smoothed
            .keys()
            .chain(self.talking.iter())
            .map(|p| (p, self.level(p)))
            .filter(|(_, l)| *l >= SPEAKING)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, l)| (p.clone(), l));
        let current_level = |who: &str| self.level(who);
        let next = match (&self.current, loudest) {
            (None, None) => return None,
            (Some(_), None) => None,
            (None, Some((who, _))) => Some(who),
            (Some((current, _)), Some((who, _))) if *current == who => return None,
            (Some((current, since)), Some((who, level))) => {
                let still_talking = current_level(current) >= SPEAKING;
                let louder = level > current_level(current) * TAKE_OVER_RATIO;
                if still_talking && (!louder || now.duration_since(*since) < HOLD) {
                    return None;
                }
                Some(who)
            }
        };
        self.current = next.clone().map(|who| (who, now));
        Some(next)
    }

    /// Forgets a participant who left.
    pub(crate) fn remove(&mut self, participant: &str) -> Option<Option<String>> {
        self.smoothed.remove(participant);
        self.talking.remove(participant);
        match &self.current {
            Some((who, _)) if who == participant => {
                self.current = None;
                Some(None)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_loudest_talker_is_highlighted_and_keeps_it_through_a_short_pause() {
        let mut t = SpeakerTracker::default();
        let t0 = Instant::now();
        assert_eq!(t.update("p-2", 0.0001, t0), None, "silence: nobody");
        assert_eq!(t.update("p-2", 0.2, t0 + ms(100)), Some(Some("p-2".into())));
        // p-3 murmurs: p-2 keeps the highlight.
        for i in 0..10 {
            assert_eq!(t.update("p-3", 0.05, t0 + ms(200 + i * 100)), None);
            t.update("p-2", 0.2, t0 + ms(250 + i * 100));
        }
        // p-2 stops; a tenth of a second of silence does not drop them.
        assert_eq!(t.update("p-2", 0.0, t0 + ms(1300)), None);
        // p-3 talks loudly while p-2 stays silent: p-3 takes over.
        let mut changed = None;
        for i in 0..20 {
            let quiet = t.update("p-2", 0.0, t0 + ms(1400 + i * 100));
            let loud = t.update("p-3", 0.3, t0 + ms(1450 + i * 100));
            if let Some(c) = quiet.or(loud) {
                changed = Some(c);
                break;
            }
        }
        assert_eq!(changed, Some(Some("p-3".into())));
    }

    #[test]
    fn the_sfu_saying_someone_talks_highlights_them_until_it_says_they_stopped() {
        let mut t = SpeakerTracker::default();
        let t0 = Instant::now();
        assert_eq!(t.talking("p-7", true, t0), Some(Some("p-7".into())));
        assert_eq!(t.talking("p-7", true, t0 + ms(100)), None, "no change");
        assert_eq!(t.talking("p-7", false, t0 + ms(2000)), Some(None));
    }

    #[test]
    fn everyone_silent_means_nobody_and_leaving_clears_the_highlight() {
        let mut t = SpeakerTracker::default();
        let t0 = Instant::now();
        t.update("p-2", 0.3, t0);
        let mut cleared = None;
        for i in 1..40 {
            if let Some(c) = t.update("p-2", 0.0, t0 + ms(i * 100)) {
                cleared = Some(c);
                break;
            }
        }
        assert_eq!(cleared, Some(None));
        t.update("p-4", 0.3, t0 + ms(5000));
        assert_eq!(t.remove("p-4"), Some(None));
        assert_eq!(
            t.update("p-5", f64::NAN, t0 + ms(5200)),
            None,
            "bad input is silence"
        );
    }
}
