//! The figures of one run and how they are shown: per quality, Mulaqat and
//! Chromium side by side and their ratios, as a Markdown table and JSON.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use mulaqat_lab::measure;

use super::cost::Memory;

/// Delays in whole milliseconds, counted per value.
#[derive(Debug, Clone, Default)]
pub struct Histogram(BTreeMap<u32, u64>);

impl Histogram {
    pub fn add(&mut self, ms: u32, n: u64) {
        if n > 0 {
            *self.0.entry(ms).or_default() += n;
        }
    }

    /// From the `{"12": 40, ...}` object `mulaqat-cli --stamp-frames` writes.
    pub fn from_json(v: &Value) -> Histogram {
        let mut h = Histogram::default();
        for (ms, n) in v.as_object().into_iter().flatten() {
            if let (Ok(ms), Some(n)) = (ms.parse(), n.as_u64()) {
                h.add(ms, n);
            }
        }
        h
    }

    /// What `later` holds beyond `self` (two readings of a growing histogram).
    pub fn growth_to(&self, later: &Histogram) -> Histogram {
        let mut out = Histogram::default();
        for (ms, n) in &later.0 {
            out.add(*ms, n.saturating_sub(self.0.get(ms).copied().unwrap_or(0)));
        }
        out
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (ms, n) in &other.0 {
            self.add(*ms, *n);
        }
    }

    pub fn samples(&self) -> u64 {
        self.0.values().sum()
    }

    /// Nearest rank, as the cli's stats compute it.
    pub fn percentile(&self, p: f64) -> Option<u32> {
        let total = self.samples();
        let rank = ((p * total as f64).ceil() as u64).clamp(1, total.max(1));
        let mut seen = 0;
        self.0.iter().find_map(|(ms, n)| {
            seen += n;
            (seen >= rank).then_some(*ms)
        })
    }

    fn to_json(&self) -> Value {
        json!({
            "samples": self.samples(),
            "p50": self.percentile(0.5),
            "p95": self.percentile(0.95),
            "max": self.0.keys().next_back(),
        })
    }
}

/// One participant over the measured window of the unstamped call.
#[derive(Debug, Clone, Default)]
pub struct Participant {
    /// Share of one core, %.
    pub cpu_percent: f64,
    pub memory: Memory,
    pub processes: usize,
    /// From spawning the participant to its first remote frame.
    pub first_frame_ms: Option<u64>,
    pub fps_in: Option<f64>,
    pub width_in: Option<u64>,
    pub height_in: Option<u64>,
    /// Codec on the wire (`H264`), encoder and decoder in use.
    pub codec: Option<String>,
    pub encoder: Option<String>,
    pub decoder: Option<String>,
    /// What the participant sent at the window's end, and (Chromium) why
    /// not more (`qualityLimitationReason`).
    pub sent: Option<String>,
    /// Milestones from spawning it, ms (Chromium: camera open, connected).
    pub milestones: Vec<(String, u64)>,
    /// What went wrong, if anything (exit code, page error, no frame).
    pub problem: Option<String>,
}

impl Participant {
    fn to_json(&self) -> Value {
        json!({
            "cpuPercentOfOneCore": round1(self.cpu_percent),
            "pssMiB": round1(self.memory.pss_mib),
            "rssMiB": round1(self.memory.rss_mib),
            "processes": self.processes,
            "firstFrameMs": self.first_frame_ms,
            "fpsReceived": self.fps_in.map(round1),
            "widthReceived": self.width_in,
            "heightReceived": self.height_in,
            "codec": self.codec,
            "encoder": self.encoder,
            "decoder": self.decoder,
            "sent": self.sent,
            "milestonesMs": self.milestones.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "problem": self.problem,
        })
    }
}

/// One client's figures at one quality: resources from the unstamped call,
/// latency from the stamped one.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub participants: Vec<Participant>,
    /// Both directions of the stamped call, over its window.
    pub latency: Histogram,
    /// Frames whose stamp could not be read (Chromium's page counts them).
    pub unreadable: u64,
    /// Frames per second received in the stamped call (mean): the latency
    /// is of a call that kept its frame rate only if this is near 30.
    pub stamped_fps: Option<f64>,
    /// What went wrong beyond a participant's problem (a call that did not
    /// start, the stamped call's troubles).
    pub notes: Vec<String>,
}

impl Side {
    fn mean(&self, f: impl Fn(&Participant) -> f64) -> Option<f64> {
        let n = self.participants.len();
        (n > 0).then(|| self.participants.iter().map(f).sum::<f64>() / n as f64)
    }

    pub fn cpu(&self) -> Option<f64> {
        self.mean(|p| p.cpu_percent)
    }

    pub fn pss(&self) -> Option<f64> {
        self.mean(|p| p.memory.pss_mib)
    }

    pub fn rss(&self) -> Option<f64> {
        self.mean(|p| p.memory.rss_mib)
    }

    /// The later of the participants' first frames (when both see each
    /// other); `None` if one never saw the other.
    pub fn first_frame(&self) -> Option<u64> {
        let all: Option<Vec<u64>> = self.participants.iter().map(|p| p.first_frame_ms).collect();
        all?.into_iter().max()
    }

    fn fps(&self) -> (Option<f64>, Option<f64>) {
        fps_of(&self.participants)
    }

    fn smallest_received(&self) -> Option<(u64, u64)> {
        self.participants
            .iter()
            .filter_map(|p| Some((p.width_in?, p.height_in?)))
            .min_by_key(|(_, h)| *h)
    }

    fn codec(&self) -> String {
        let p = self.participants.iter().find(|p| p.codec.is_some());
        let Some(p) = p else {
            return "?".into();
        };
        format!(
            "{} ({} / {})",
            p.codec.as_deref().unwrap_or("?"),
            p.encoder.as_deref().unwrap_or("?"),
            p.decoder.as_deref().unwrap_or("?"),
        )
    }

    fn problems(&self) -> Vec<String> {
        self.participants
            .iter()
            .filter_map(|p| p.problem.clone())
            .chain(self.notes.iter().cloned())
            .collect()
    }

    fn to_json(&self) -> Value {
        let (fps, fps_min) = self.fps();
        json!({
            "participants": self.participants.iter().map(Participant::to_json).collect::<Vec<_>>(),
            "cpuPercentOfOneCore": self.cpu().map(round1),
            "pssMiB": self.pss().map(round1),
            "rssMiB": self.rss().map(round1),
            "firstFrameMs": self.first_frame(),
            "fpsReceived": fps.map(round1),
            "fpsReceivedMin": fps_min.map(round1),
            "latencyMs": self.latency.to_json(),
            "unreadableStamps": self.unreadable,
            "stampedCallFpsReceived": self.stamped_fps.map(round1),
            "problems": self.problems(),
        })
    }
}

/// One quality: both clients.
#[derive(Debug, Clone)]
pub struct Row {
    pub quality: String,
    /// The size asked for (width, height).
    pub requested: (u64, u64),
    pub mulaqat: Option<Side>,
    pub chromium: Option<Side>,
}

/// Received fps of `participants`: mean and min.
pub fn fps_of(participants: &[Participant]) -> (Option<f64>, Option<f64>) {
    let fps: Vec<f64> = participants.iter().filter_map(|p| p.fps_in).collect();
    if fps.is_empty() {
        return (None, None);
    }
    let mean = fps.iter().sum::<f64>() / fps.len() as f64;
    (Some(mean), fps.iter().copied().reduce(f64::min))
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn ratio(chromium: Option<f64>, mulaqat: Option<f64>) -> Option<f64> {
    match (chromium, mulaqat) {
        (Some(c), Some(m)) if m > 0.0 => Some(c / m),
        _ => None,
    }
}

impl Row {
    /// Chromium ÷ Mulaqat: CPU, PSS, RSS, first frame, latency p50, p95.
    fn ratios(&self) -> [(&'static str, Option<f64>); 6] {
        let (c, m) = (self.chromium.as_ref(), self.mulaqat.as_ref());
        let of = |f: &dyn Fn(&Side) -> Option<f64>| ratio(c.and_then(f), m.and_then(f));
        let p = |q: f64| move |s: &Side| s.latency.percentile(q).map(f64::from);
        [
            ("cpu", of(&Side::cpu)),
            ("pss", of(&Side::pss)),
            ("rss", of(&Side::rss)),
            ("firstFrame", of(&|s| s.first_frame().map(|v| v as f64))),
            ("latencyP50", of(&p(0.5))),
            ("latencyP95", of(&p(0.95))),
        ]
    }

    pub fn to_json(&self) -> Value {
        let ratios: serde_json::Map<String, Value> = self
            .ratios()
            .iter()
            .map(|(k, v)| {
                (
                    (*k).to_owned(),
                    json!(v.map(|r| (r * 100.0).round() / 100.0)),
                )
            })
            .collect();
        json!({
            "quality": self.quality,
            "requested": format!("{}x{}", self.requested.0, self.requested.1),
            "mulaqat": self.mulaqat.as_ref().map(Side::to_json),
            "chromium": self.chromium.as_ref().map(Side::to_json),
            "chromiumOverMulaqat": ratios,
        })
    }

    /// Its lines of the Markdown table (a line per client, one of ratios).
    pub fn table_lines(&self) -> String {
        let mut out = String::new();
        for (name, side) in [("Mulaqat", &self.mulaqat), ("Chromium", &self.chromium)] {
            let Some(s) = side else {
                out.push_str(&format!(
                    "| {} | {name} | not run | | | | | | | | |\n",
                    self.quality
                ));
                continue;
            };
            let (fps, fps_min) = s.fps();
            let problems = s.problems();
            out.push_str(&format!(
                "| {} | {name} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} |\n",
                self.quality,
                s.codec(),
                opt(s.cpu(), |v| format!("{v:.0} %")),
                opt(s.pss(), |v| format!("{v:.0} MiB")),
                opt(s.rss(), |v| format!("{v:.0} MiB")),
                opt(s.first_frame(), |v| format!("{v} ms")),
                opt(s.latency.percentile(0.5), |v| format!("{v} ms")),
                opt(s.latency.percentile(0.95), |v| format!("{v} ms")),
                match (fps, fps_min) {
                    (Some(f), Some(m)) => format!("{f:.1} ({m:.1})"),
                    _ => "n/a".into(),
                },
                opt(s.smallest_received(), |(w, h)| if h < self.requested.1 {
                    format!("{w}x{h} (less than asked)")
                } else {
                    format!("{w}x{h}")
                }),
                if problems.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", problems.join("; "))
                },
            ));
        }
        let r = self.ratios();
        let x = |v: Option<f64>| opt(v, |v| format!("{v:.2}×"));
        out.push_str(&format!(
            "| {} | Chromium ÷ Mulaqat | | {} | {} | {} | {} | {} | {} | | |\n",
            self.quality,
            x(r[0].1),
            x(r[1].1),
            x(r[2].1),
            x(r[3].1),
            x(r[4].1),
            x(r[5].1),
        ));
        out
    }
}

fn opt<T>(v: Option<T>, show: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "n/a".into(), show)
}

/// The table's header.
pub const TABLE_HEAD: &str = "| quality | client | video codec (encoder / decoder) | CPU / participant | PSS / participant | RSS / participant | first frame | latency p50 | latency p95 | fps received (min) | size received |\n\
     | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";

/// Prints the table of the unimpaired calls and writes it and the JSON
/// where `out` says; `flags` are the command's arguments besides the
/// window's.
pub fn report(
    out: &measure::BenchArgs,
    (flags, warmup, seconds): (&str, u64, u64),
    browser: &str,
    rows: &[Row],
) {
    let mut table = format!(
        "Machine: {}; {browser}. Command: `cargo bench -p mulaqat-cli --bench browser --{flags} --warmup {warmup} --seconds {seconds}`. \
         Release build. Per quality, calls one after the other in the same namespaces (a client namespace per \
         participant, veth to the server's): two `mulaqat-cli join` through `mulaqat-server`, and two headless \
         Chromium pages (fake camera and microphone at the size shown and 30 fps, H.264 preferred, signalling \
         through the bench's page server), each sending video and sound and playing the other's. \
         The window is {seconds} s long and starts {warmup} s after both participants have the other's first frame. \
         CPU: share of one core per participant (mean of the two), over every process of a Chromium instance. \
         PSS (shared pages split among the processes mapping them) is the fair memory figure for Chromium's many \
         processes; RSS counts shared pages once per process. First frame: from spawning the process (a fresh \
         Chromium profile) to its first remote frame, the later of the two. Latency: from the time stamp drawn into \
         the sent frame's luma to the decoded frame reaching `mulaqat-cli`'s sink or the page \
         (MediaStreamTrackProcessor), both directions, in a second call made with stamps (stamping costs CPU). \
         fps and size received: the first call's window, the smallest size received.\n\n{}",
        measure::machine(),
        TABLE_HEAD,
    );
    for row in rows {
        table.push_str(&row.table_lines());
    }
    println!("{table}");
    out.write_json(&json!({
        "machine": measure::machine(),
        "browser": browser,
        "warmupSecs": warmup,
        "seconds": seconds,
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
    }))
    .expect("write JSON");
    out.write_markdown("browser", "Against a browser call (Chromium)", &table)
        .expect("write Markdown");
}
