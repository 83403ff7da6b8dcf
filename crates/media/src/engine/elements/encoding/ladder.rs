//! The sending ladder: the frame sizes and rates an encoder steps through as
//! the link's estimate falls and rises, so that a poor link gets a smaller
//! or slower picture rather than none.
//!
//! Below 360p at the call's rate come 360p at 15 fps, then 240p and 180p at
//! 15 fps, then 180p at 10 fps: a picture that still moves at about
//! 100 kbit/s, where audio-only used to start. Each rung names the estimate
//! under which the encoder leaves it downwards and the estimate over which
//! it is entered from below; the second is higher than the first by a
//! margin (hysteresis), so an estimate that wobbles does not make the
//! picture flap between two sizes. One rung per step, never above the
//! quality the call was set up with, nor above what the machine has shown
//! it can encode in time.

use crate::types::{Quality, Resolution};

/// One step of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rung {
    width: u32,
    height: u32,
    /// Frames per second; `None`: the rate the call was set up with.
    fps: Option<u32>,
    /// Under this estimate (kbit/s), step down from this rung.
    down_below_kbps: u32,
    /// Over this estimate, step up into this rung from the one below.
    up_above_kbps: u32,
}

const fn rung(size: (u32, u32), fps: Option<u32>, down: u32, up: u32) -> Rung {
    Rung {
        width: size.0,
        height: size.1,
        fps,
        down_below_kbps: down,
        up_above_kbps: up,
    }
}

/// Every rung, lowest first. The thresholds for 360p and up are those the
/// sizes had before the lower rungs came: half of the size's starting
/// bitrate down, nine tenths of the next size's up.
const RUNGS: [Rung; 8] = [
    rung((320, 180), Some(10), 0, 0),
    rung((320, 180), Some(15), 130, 170),
    rung((426, 240), Some(15), 200, 260),
    rung((640, 360), Some(15), 300, 400),
    rung((640, 360), None, 450, 600),
    rung((1280, 720), None, 1_000, 1_800),
    rung((1920, 1080), None, 2_000, 3_600),
    rung((3840, 2160), None, 6_000, 10_800),
];

/// The rung where each quality starts, at the call's frame rate.
fn top_of(quality: Quality) -> usize {
    match quality {
        Quality::P360 => 4,
        Quality::P720 => 5,
        Quality::P1080 => 6,
        Quality::P2160 => 7,
    }
}

/// What an encoder sends now: a frame size and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub size: Resolution,
    pub fps: u32,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.size, self.fps)
    }
}

/// One encoder's place on the ladder.
#[derive(Debug, Clone)]
pub(crate) struct Ladder {
    /// The lowest rung this encoder uses (a shared screen stays readable:
    /// it never goes under 360p).
    floor: usize,
    /// The quality the call was set up with: the highest rung.
    top: usize,
    /// The highest rung this machine has shown it can encode in time.
    cpu_cap: usize,
    at: usize,
    full_fps: u32,
    quality: Quality,
}

impl Ladder {
    /// A camera's ladder: from `quality` at `fps` down to 180p at 10 fps.
    pub(crate) fn camera(quality: Quality, fps: u32) -> Ladder {
        Ladder::new(quality, fps, 0)
    }

    /// A shared screen's ladder: from `quality` at `fps` down to 360p.
    pub(crate) fn screen(quality: Quality, fps: u32) -> Ladder {
        Ladder::new(quality, fps, top_of(Quality::P360).min(top_of(quality)))
    }

    fn new(quality: Quality, fps: u32, floor: usize) -> Ladder {
        let top = top_of(quality);
        Ladder {
            floor,
            top,
            cpu_cap: top,
            at: top,
            full_fps: fps.max(1),
            quality,
        }
    }

    /// The size and rate sent now.
    pub(crate) fn step(&self) -> Step {
        self.step_at(self.at)
    }

    fn step_at(&self, at: usize) -> Step {
        let r = RUNGS[at];
        Step {
            size: Resolution {
                width: r.width,
                height: r.height,
            },
            fps: r.fps.map_or(self.full_fps, |f| f.min(self.full_fps)),
        }
    }

    /// The frame rate the call was set up with.
    pub(crate) fn call_fps(&self) -> u32 {
        self.full_fps
    }

    /// The quality the call was set up with.
    pub(crate) fn quality(&self) -> Quality {
        self.quality
    }

    /// Moves one rung for an estimate of `kbps`: down when it is under what
    /// this rung needs, up when it comfortably carries the next. Returns the
    /// new step when it moved.
    pub(crate) fn follow(&mut self, kbps: u32) -> Option<Step> {
        let current = RUNGS[self.at];
        if kbps < current.down_below_kbps && self.at > self.floor {
            return Some(self.move_to(self.at - 1));
        }
        let next = self.at + 1;
        if next <= self.top.min(self.cpu_cap) && kbps > RUNGS[next].up_above_kbps {
            return Some(self.move_to(next));
        }
        None
    }

    /// The machine could not encode this rung in time: one rung down, and
    /// never above it again in this call. Never under 360p at the call's
    /// rate: below it the encoder costs little, and a busy moment would
    /// cost the call its frame rate for good. `None` there.
    pub(crate) fn step_down_for_cpu(&mut self) -> Option<Step> {
        if self.at <= self.floor.max(top_of(Quality::P360)) {
            return None;
        }
        self.cpu_cap = self.at - 1;
        Some(self.move_to(self.at - 1))
    }

    fn move_to(&mut self, at: usize) -> Step {
        self.at = at;
        self.step()
    }
}

#[cfg(test)]
mod tests;
