//! The figures of the impaired calls and how they are shown: per
//! impairment, client and direction, as a Markdown table and JSON.

use serde_json::{Value, json};

use super::frames::Video;

/// One direction of one call: what client `to` received from client `from`
/// (namespaces `c1`, `c2`).
#[derive(Debug, Clone, Default)]
pub struct Direction {
    pub from: usize,
    pub to: usize,
    pub video: Video,
    /// Audio packets received between the two stats readings nearest the
    /// window's ends, and the seconds between those readings.
    pub audio: Option<(u64, f64)>,
    /// The receiving client's own counts over the window (its decoder and
    /// freeze counters), to set beside the figures worked out here.
    pub own: Value,
    /// UDP packets that reached the receiver's interface from the other
    /// side during the call, and how many of them the lab dropped.
    pub lab: Option<(u64, u64)>,
    /// What the sender said of its video (target bitrate, size sent, and
    /// for Chromium why it sent less), to explain the sizes received.
    pub sender: Value,
}

impl Direction {
    fn to_json(&self) -> Value {
        json!({
            "from": format!("c{}", self.from),
            "to": format!("c{}", self.to),
            "video": self.video.to_json(),
            "audioPacketsReceived": self.audio.map(|a| a.0),
            "audioSpanSecs": self.audio.map(|a| round1(a.1)),
            "receiverOwnCounts": self.own,
            "sender": self.sender,
            "udpPacketsArrived": self.lab.map(|l| l.0),
            "droppedByLab": self.lab.map(|l| l.1),
        })
    }

    /// The lab's own check of the impairment, for the table.
    fn check(&self) -> Option<String> {
        let (arrived, dropped) = self.lab?;
        (dropped > 0).then(|| {
            format!(
                "lab dropped {:.1} % of {arrived}",
                100.0 * dropped as f64 / arrived.max(1) as f64
            )
        })
    }
}

/// One client's call under one impairment.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub directions: Vec<Direction>,
    /// CPU of each participant over the window, % of one core.
    pub cpu: Vec<f64>,
    /// Packets `mulaqat-netsim` delayed during this call and the mean delay
    /// it added, ms.
    pub netsim: Option<(u64, f64)>,
    pub problems: Vec<String>,
}

impl Side {
    fn to_json(&self) -> Value {
        json!({
            "directions": self.directions.iter().map(Direction::to_json).collect::<Vec<_>>(),
            "cpuPercentOfOneCore": self.cpu.iter().map(|c| round1(*c)).collect::<Vec<_>>(),
            "netsimPackets": self.netsim.map(|n| n.0),
            "netsimMeanAddedMs": self.netsim.map(|n| round1(n.1)),
            "problems": self.problems,
        })
    }
}

/// One impairment at one quality: both clients.
#[derive(Debug, Clone)]
pub struct Run {
    pub impairment: String,
    pub quality: String,
    pub mulaqat: Option<Side>,
    pub chromium: Option<Side>,
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

impl Run {
    pub fn to_json(&self) -> Value {
        json!({
            "impairment": self.impairment,
            "quality": self.quality,
            "mulaqat": self.mulaqat.as_ref().map(Side::to_json),
            "chromium": self.chromium.as_ref().map(Side::to_json),
        })
    }

    /// Its lines of the Markdown table: a line per client and direction.
    pub fn table_lines(&self) -> String {
        let mut out = String::new();
        for (name, side) in [("Mulaqat", &self.mulaqat), ("Chromium", &self.chromium)] {
            let Some(side) = side else {
                out.push_str(&format!(
                    "| {} | {name} | not run | | | | | | | |\n",
                    self.impairment
                ));
                continue;
            };
            for d in &side.directions {
                let mut notes: Vec<String> = d.check().into_iter().collect();
                if let Some((_, ms)) = side.netsim {
                    notes.push(format!("netsim added {ms:.0} ms"));
                }
                notes.extend(side.problems.iter().cloned());
                let v = &d.video;
                out.push_str(&format!(
                    "| {} | {name} | c{} → c{} | {} | {:.2} s | {:.1} % | {} | {} | {} | {} |\n",
                    self.impairment,
                    d.from,
                    d.to,
                    v.fps_median()
                        .map_or_else(|| "n/a".into(), |f| format!("{f:.1}")),
                    v.longest_gap_ms / 1000.0,
                    v.frozen_share() * 100.0,
                    v.stalls,
                    d.audio.map_or_else(
                        || "n/a".into(),
                        |(n, s)| format!("{n} ({:.1}/s)", n as f64 / s.max(1e-3))
                    ),
                    v.sizes_text(),
                    notes.join("; "),
                ));
            }
            if side.directions.is_empty() {
                out.push_str(&format!(
                    "| {} | {name} | | | | | | | | {} |\n",
                    self.impairment,
                    side.problems.join("; ")
                ));
            }
        }
        out
    }
}

/// The table's header.
pub const TABLE_HEAD: &str = "| impairment | client | direction | fps median | longest freeze | time frozen | gaps > 200 ms | audio packets received | sizes received over time | check, problems |\n\
     | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
