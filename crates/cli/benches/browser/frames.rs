//! One direction's received video over the measured window, from when
//! each frame came: frames per second, freezes and the sizes received over
//! time, worked out the same way for both clients (see `impaired.rs` for
//! where the times come from).

use serde_json::{Value, json};

/// A gap between two frames longer than this counts as frozen time.
pub const FROZEN_AFTER_MS: f64 = 500.0;
/// A gap longer than this is counted as a stall (near WebRTC's freeze at
/// 30 fps: max(3 × 33 ms, 33 + 150 ms)).
pub const STALL_AFTER_MS: f64 = 200.0;

/// A received frame: when it came (wall clock, ms since the epoch) and its
/// size (0x0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub at_ms: f64,
    pub width: u32,
    pub height: u32,
}

/// The figures of one direction over the window.
#[derive(Debug, Clone, Default)]
pub struct Video {
    /// Frames that came in each whole second of the window.
    pub per_second: Vec<u32>,
    /// The longest time with no new frame, of the gaps that overlap the
    /// window (a gap still open at the window's end ends there).
    pub longest_gap_ms: f64,
    /// Time in gaps longer than [`FROZEN_AFTER_MS`], clipped to the window.
    pub frozen_ms: f64,
    /// Gaps longer than [`STALL_AFTER_MS`] that overlap the window.
    pub stalls: u32,
    pub window_ms: f64,
    /// Consecutive stretches at one size: (width, height, ms), the picture
    /// shown from each frame until the next counted at that frame's size.
    pub sizes: Vec<(u32, u32, f64)>,
}

impl Video {
    /// From every frame received (in any order), over `from`..`to` (ms).
    pub fn of(frames: &[Frame], (from, to): (f64, f64)) -> Video {
        let mut frames: Vec<Frame> = frames.to_vec();
        frames.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
        let seconds = ((to - from) / 1000.0).floor().max(0.0) as usize;
        let mut per_second = vec![0u32; seconds];
        for f in &frames {
            let k = ((f.at_ms - from) / 1000.0).floor();
            if k >= 0.0 && (k as usize) < seconds {
                per_second[k as usize] += 1;
            }
        }
        // The frame shown as the window opens, the window's frames, and the
        // first one after it (or the window's end).
        let before = frames.iter().rposition(|f| f.at_ms <= from);
        let after = frames.iter().position(|f| f.at_ms > to);
        let first = before.unwrap_or_else(|| {
            frames
                .iter()
                .position(|f| f.at_ms > from)
                .unwrap_or(frames.len())
        });
        let last = after.map_or(frames.len(), |i| i + 1);
        let mut marks: Vec<(f64, Option<(u32, u32)>)> = frames[first..last]
            .iter()
            .map(|f| (f.at_ms, Some((f.width, f.height))))
            .collect();
        if before.is_none() {
            marks.insert(0, (from, None));
        }
        if after.is_none() {
            marks.push((to, None));
        }
        let mut video = Video {
            per_second,
            window_ms: to - from,
            ..Video::default()
        };
        for pair in marks.windows(2) {
            let ((a, size), (b, _)) = (pair[0], pair[1]);
            let gap = b - a;
            let inside = (b.min(to) - a.max(from)).max(0.0);
            video.longest_gap_ms = video.longest_gap_ms.max(gap);
            if gap > FROZEN_AFTER_MS {
                video.frozen_ms += inside;
            }
            if gap > STALL_AFTER_MS && inside > 0.0 {
                video.stalls += 1;
            }
            if let Some((w, h)) = size
                && inside > 0.0
            {
                match video.sizes.last_mut() {
                    Some((lw, lh, ms)) if (*lw, *lh) == (w, h) => *ms += inside,
                    _ => video.sizes.push((w, h, inside)),
                }
            }
        }
        video
    }

    /// The median of the per-second counts.
    pub fn fps_median(&self) -> Option<f64> {
        let mut v = self.per_second.clone();
        v.sort_unstable();
        let n = v.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(f64::from(v[n / 2])),
            _ => Some(f64::from(v[n / 2 - 1] + v[n / 2]) / 2.0),
        }
    }

    pub fn frozen_share(&self) -> f64 {
        if self.window_ms > 0.0 {
            self.frozen_ms / self.window_ms
        } else {
            0.0
        }
    }

    /// The sizes over time, short: the stretches in order when there are
    /// at most four, else the time at each size (in order of first
    /// appearance) and how many times the size changed.
    pub fn sizes_text(&self) -> String {
        let secs = |ms: f64| format!("{:.0} s", ms / 1000.0);
        let name = |w: u32, h: u32| {
            if w == 0 {
                "?".to_owned()
            } else {
                format!("{w}x{h}")
            }
        };
        if self.sizes.is_empty() {
            return "none".into();
        }
        if self.sizes.len() <= 4 {
            let parts: Vec<String> = self
                .sizes
                .iter()
                .map(|(w, h, ms)| format!("{} {}", name(*w, *h), secs(*ms)))
                .collect();
            return parts.join(" → ");
        }
        let mut totals: Vec<((u32, u32), f64)> = Vec::new();
        for (w, h, ms) in &self.sizes {
            match totals.iter_mut().find(|(s, _)| *s == (*w, *h)) {
                Some((_, t)) => *t += ms,
                None => totals.push(((*w, *h), *ms)),
            }
        }
        let parts: Vec<String> = totals
            .iter()
            .map(|((w, h), ms)| format!("{} {}", name(*w, *h), secs(*ms)))
            .collect();
        format!("{} ({} changes)", parts.join(", "), self.sizes.len() - 1)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "fpsMedian": self.fps_median(),
            "fpsPerSecond": self.per_second,
            "framesInWindow": self.per_second.iter().map(|n| u64::from(*n)).sum::<u64>(),
            "longestFreezeMs": self.longest_gap_ms.round(),
            "frozenMs": self.frozen_ms.round(),
            "gapsOver200Ms": self.stalls,
            "frozenShare": (self.frozen_share() * 1000.0).round() / 1000.0,
            "windowMs": self.window_ms.round(),
            "sizes": self.sizes.iter().map(|(w, h, ms)| json!({
                "size": format!("{w}x{h}"),
                "ms": ms.round(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The frames in a `mulaqat-cli --frame-log` file: lines `UNIX_MS PEER
/// FRAMES WxH`, a line each time a peer's count grew; the frames a line
/// adds all came at its time (within the log's 20 ms poll). The first line
/// of a peer counts as one frame.
pub fn from_frame_log(text: &str) -> Vec<Frame> {
    let mut counts: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let mut frames = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(at), Some(peer), Some(count), size) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        let (Ok(at_ms), Ok(count)) = (at.parse::<f64>(), count.parse::<u64>()) else {
            continue;
        };
        let (width, height) = size
            .and_then(|s| s.split_once('x'))
            .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
            .unwrap_or((0, 0));
        let new = counts
            .insert(peer, count)
            .map_or(1, |was| count.saturating_sub(was));
        let frame = Frame {
            at_ms,
            width,
            height,
        };
        frames.extend(std::iter::repeat_n(frame, new as usize));
    }
    frames
}

/// The `# slow-poll UNIX_MS MS` lines of a frame log within `from`..`to`:
/// how many, and the slowest (ms).
pub fn slow_polls(text: &str, (from, to): (f64, f64)) -> (u64, f64) {
    text.lines()
        .filter_map(|l| {
            let mut words = l.strip_prefix("# slow-poll ")?.split_whitespace();
            let at: f64 = words.next()?.parse().ok()?;
            let ms: f64 = words.next()?.parse().ok()?;
            (at > from && at - ms < to).then_some(ms)
        })
        .fold((0, 0.0), |(n, max), ms| (n + 1, f64::max(max, ms)))
}

/// The frames in a page's `frameTimes` reports (`[[ms, width, height], ...]`
/// once a second).
pub fn from_reports(reports: &[Value]) -> Vec<Frame> {
    reports
        .iter()
        .filter_map(|r| r["frameTimes"].as_array())
        .flatten()
        .filter_map(|f| {
            Some(Frame {
                at_ms: f[0].as_f64()?,
                width: f[1]
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(0),
                height: f[2]
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(0),
            })
        })
        .collect()
}
