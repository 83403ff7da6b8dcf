//! The stats JSON `--stats-json` writes: per remote participant who they are,
//! whether they are still here, when their first picture came, and what
//! arrived; what we sent; the call's state and why it ended.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use mulaqat_client::{CallEvent, EndReason};
use mulaqat_media::{MediaKind, PeerId, Source, StatsReport};
use serde_json::{Value, json};

use crate::call::describe_state;

/// One remote participant, keyed by participant id (= the engine's peer id).
#[derive(Debug, Default)]
struct Remote {
    name: Option<String>,
    present: bool,
    first_frame_ms: Option<u64>,
    video: Option<Value>,
    audio: Option<Value>,
    latency: Latency,
}

/// Capture-to-decode delays of one remote video, read from the stamps
/// `--stamp-frames` draws, as counts per whole millisecond: a reader can
/// subtract two writes of the file and have exact percentiles of the
/// stretch between them.
#[derive(Debug, Default)]
struct Latency {
    counts: BTreeMap<u32, u64>,
    samples: u64,
}

impl Latency {
    fn add(&mut self, samples: &[u32]) {
        for ms in samples {
            *self.counts.entry(*ms).or_default() += 1;
        }
        self.samples += samples.len() as u64;
    }

    /// The smallest delay that `p` (0 to 1) of the samples are at or under
    /// (nearest rank).
    fn percentile(&self, p: f64) -> Option<u32> {
        // A rank within 1..=samples: the cast cannot overflow.
        let rank = ((p * self.samples as f64).ceil() as u64).clamp(1, self.samples.max(1));
        let mut seen = 0;
        self.counts.iter().find_map(|(ms, n)| {
            seen += n;
            (seen >= rank).then_some(*ms)
        })
    }

    fn to_json(&self) -> Value {
        if self.samples == 0 {
            return Value::Null;
        }
        let histogram: serde_json::Map<String, Value> = self
            .counts
            .iter()
            .map(|(ms, n)| (ms.to_string(), json!(n)))
            .collect();
        json!({
            "samples": self.samples,
            "p50": self.percentile(0.5),
            "p95": self.percentile(0.95),
            "max": self.counts.keys().next_back(),
            "histogram": histogram,
        })
    }
}

/// Keeps the newest figures of every track.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    remote: BTreeMap<String, Remote>,
    sent: BTreeMap<String, Value>,
    state: Option<String>,
    /// Our own participant id: we are not one of the remote participants.
    me: Option<String>,
    /// Threads and descriptors before the media engine started, and after
    /// it was released (see [`resources`]).
    resources: BTreeMap<&'static str, Value>,
}

/// This process's threads and open file descriptors (Linux; `None`
/// elsewhere): what a released call must give back. `mediaThreads` are the
/// threads a call makes (the engine's own, named `mulaqat-*`, and
/// GStreamer's streaming threads, named after their pads), as opposed to
/// the ones that live as long as the process: the async runtime's workers
/// and blocking pool, GLib's thread pools and GStreamer's system clock.
pub(crate) fn resources() -> Option<Value> {
    let count = |dir: &str| std::fs::read_dir(dir).ok().map(Iterator::count);
    let names: Vec<String> = std::fs::read_dir("/proc/self/task")
        .ok()?
        .filter_map(|task| {
            let task = task.ok()?;
            std::fs::read_to_string(task.path().join("comm")).ok()
        })
        .map(|name| name.trim().to_owned())
        .collect();
    let process_wide = |name: &str| {
        name == "mulaqat-cli"
            || name.starts_with("tokio-")
            || name.starts_with("pool-")
            || name == "GstSystemClock"
            || name == "gmain"
            || name == "gdbus"
    };
    let media: Vec<&String> = names.iter().filter(|n| !process_wide(n)).collect();
    let targets = fd_targets();
    Some(json!({
        "threads": names.len(),
        "mediaThreads": media.len(),
        "mediaThreadNames": media,
        "fds": count("/proc/self/fd")?,
        "sockets": targets.iter().filter(|t| *t == "socket").count(),
        "fdTargets": targets,
    }))
}

/// What each open descriptor is (`socket:[...]`, a path, `anon_inode:...`),
/// to tell what a call left open.
fn fd_targets() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    let mut targets: Vec<String> = dir
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .map(|target| {
            let text = target.to_string_lossy().into_owned();
            // Sockets and pipes differ only by inode: keep the kind.
            match text.split_once(":[") {
                Some((kind, _)) => kind.to_owned(),
                None => text,
            }
        })
        .collect();
    targets.sort();
    targets
}

fn kind_name(kind: MediaKind) -> &'static str {
    if kind == MediaKind::Video {
        "video"
    } else {
        "audio"
    }
}

impl Collector {
    /// Keeps a [`resources`] reading as `when` (`beforeCall`, `afterCall`).
    pub(crate) fn resources(&mut self, when: &'static str, reading: Option<Value>) {
        if let Some(reading) = reading {
            self.resources.insert(when, reading);
        }
    }

    /// Whether the `afterCall` reading is back to the `beforeCall` one.
    pub(crate) fn resources_released(&self, now: &Value) -> bool {
        let Some(before) = self.resources.get("beforeCall") else {
            return true;
        };
        ["mediaThreads", "sockets"]
            .iter()
            .all(|k| now[k].as_u64() <= before[k].as_u64())
    }

    /// The display name of a participant, if they were announced.
    pub(crate) fn name_of(&self, id: &str) -> Option<&str> {
        self.remote.get(id).and_then(|r| r.name.as_deref())
    }

    /// Our own participant id, once in the call.
    pub(crate) fn me(&self) -> Option<&str> {
        self.me.as_deref()
    }

    /// Follows arrivals, departures and the call state.
    pub(crate) fn call_event(&mut self, event: &CallEvent) {
        match event {
            CallEvent::ParticipantJoined(p) if self.me.as_deref() != Some(p.id.as_str()) => {
                let remote = self.remote.entry(p.id.to_string()).or_default();
                remote.name = Some(p.display_name.clone());
                remote.present = true;
            }
            CallEvent::ParticipantLeft { participant, .. } => {
                if let Some(remote) = self.remote.get_mut(participant.as_str()) {
                    remote.present = false;
                }
            }
            CallEvent::StateChanged(state) => {
                if let mulaqat_client::CallState::InCall { participant_id, .. } = state {
                    self.me = Some(participant_id.to_string());
                }
                self.state = Some(describe_state(state));
            }
            _ => {}
        }
    }

    /// The first picture from `peer` came `ms` after the command started.
    pub(crate) fn first_frame(&mut self, peer: &str, ms: u64) {
        let remote = self.remote.entry(peer.to_owned()).or_default();
        remote.first_frame_ms.get_or_insert(ms);
    }

    /// Adds latency samples (milliseconds) of `peer`'s video.
    pub(crate) fn latencies(&mut self, peer: &str, samples: &[u32]) {
        if samples.is_empty() || peer.contains(':') {
            return;
        }
        self.remote
            .entry(peer.to_owned())
            .or_default()
            .latency
            .add(samples);
    }

    pub(crate) fn update(&mut self, report: &StatsReport) {
        for s in &report.inbound {
            if s.peer.origin().is_none() {
                // Not a participant: our own SFU publication.
                continue;
            }
            let remote = self.remote.entry(s.peer.to_string()).or_default();
            let figures = json!({
                "framesReceived": s.frames_decoded,
                "width": s.resolution.map(|r| r.width),
                "height": s.resolution.map(|r| r.height),
                "fps": s.fps,
                "packetsReceived": s.packets_received,
                "packetsLost": s.packets_lost,
                "jitterMs": s.jitter_ms,
                "bitrateKbps": s.bitrate_kbps,
                "freezeCount": s.freeze_count,
                "longestFreezeMs": s.longest_freeze_ms,
                "decoder": s.decoder,
            });
            match s.kind {
                MediaKind::Video => remote.video = Some(figures),
                _ => remote.audio = Some(figures),
            }
        }
        for s in &report.outbound {
            self.sent.insert(
                format!("{}:{}", s.peer, kind_name(s.kind)),
                json!({
                    "packetsSent": s.packets_sent,
                    "bitrateKbps": s.bitrate_kbps,
                    "rttMs": s.rtt_ms,
                    "fractionLost": s.fraction_lost,
                    "encoder": s.encoder,
                    "resolution": s.resolution.map(|r| r.to_string()),
                    "estimatedBandwidthKbps": s.estimated_bandwidth_kbps,
                    "targetBitrateKbps": s.target_bitrate_kbps,
                }),
            );
        }
    }

    fn document(&self, ended: Option<&EndReason>) -> Value {
        let remote: serde_json::Map<String, Value> = self
            .remote
            .iter()
            .map(|(id, r)| {
                // A shared screen (SFU rooms) is its owner's: their name,
                // their presence.
                let owner = match PeerId(id.clone()).origin() {
                    Some((participant, Source::Screen)) => self.remote.get(&participant),
                    _ => None,
                };
                let (name, present) = match owner {
                    Some(o) => (o.name.as_ref().map(|n| format!("{n} (screen)")), o.present),
                    None => (r.name.clone(), r.present),
                };
                (
                    id.clone(),
                    json!({
                        "name": name,
                        "present": present,
                        "firstFrameMs": r.first_frame_ms,
                        "video": r.video,
                        "audio": r.audio,
                        "latencyMs": r.latency.to_json(),
                    }),
                )
            })
            .collect();
        json!({
            "remote": remote,
            "sent": self.sent,
            "state": self.state,
            "ended": ended.map(|r| format!("{r:?}")),
            "resources": self.resources,
        })
    }

    /// Writes the file (via a temporary file, so readers never see half of it).
    pub(crate) fn write(&self, path: &Path, ended: Option<&EndReason>) -> Result<()> {
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&self.document(ended))?)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mulaqat_client::protocol::{LeaveReason, MediaState, ParticipantId, ParticipantInfo, Role};

    #[test]
    fn latency_percentiles_are_nearest_rank_over_every_sample_so_far() {
        let mut c = Collector::default();
        assert_eq!(
            c.document(None)["remote"].as_object().map(|m| m.len()),
            Some(0)
        );
        c.latencies("p-2", &[]);
        assert!(c.document(None)["remote"].get("p-2").is_none());
        // 1..=20 ms, then 80 ms once: p50 is the 11th of 21, p95 the 20th.
        c.latencies("p-2", &(1..=10).collect::<Vec<u32>>());
        c.latencies("p-2", &(11..=20).rev().chain([80]).collect::<Vec<u32>>());
        c.latencies("sfu:camera", &[500]);
        let doc = c.document(None);
        let latency = &doc["remote"]["p-2"]["latencyMs"];
        assert_eq!(latency["samples"], 21);
        assert_eq!(latency["p50"], 11);
        assert_eq!(latency["p95"], 20);
        assert_eq!(latency["max"], 80);
        assert_eq!(latency["histogram"]["80"], 1);
        assert!(doc["remote"].get("sfu:camera").is_none());
        c.latencies("p-2", &[7; 100]);
        assert_eq!(c.document(None)["remote"]["p-2"]["latencyMs"]["p50"], 7);
    }

    #[test]
    fn participants_who_leave_stay_in_the_file_marked_not_present() {
        let mut c = Collector::default();
        let me = ParticipantId::new("p-1").unwrap();
        c.call_event(&CallEvent::StateChanged(
            mulaqat_client::CallState::InCall {
                participant_id: me.clone(),
                role: Role::Guest,
            },
        ));
        c.call_event(&CallEvent::ParticipantJoined(ParticipantInfo {
            id: me,
            display_name: "Me".into(),
            role: Role::Guest,
            join_order: 1,
            media: MediaState::default(),
            hand_raised: false,
        }));
        let id = ParticipantId::new("p-2").unwrap();
        c.call_event(&CallEvent::ParticipantJoined(ParticipantInfo {
            id: id.clone(),
            display_name: "Dr. Khan".into(),
            role: Role::Host,
            join_order: 2,
            media: MediaState::default(),
            hand_raised: false,
        }));
        c.first_frame("p-2", 900);
        c.first_frame("p-2", 5000);
        let doc = c.document(None);
        assert_eq!(doc["remote"]["p-2"]["name"], "Dr. Khan");
        assert_eq!(doc["remote"]["p-2"]["present"], true);
        assert_eq!(
            doc["remote"]["p-2"]["firstFrameMs"], 900,
            "the first one counts"
        );
        c.call_event(&CallEvent::ParticipantLeft {
            participant: id,
            reason: LeaveReason::Left,
        });
        assert_eq!(c.document(None)["remote"]["p-2"]["present"], false);
        assert_eq!(c.name_of("p-2"), Some("Dr. Khan"));
        // Their shared screen (an SFU room's second feed) is theirs.
        c.first_frame("p-2/screen", 1200);
        let doc = c.document(None);
        assert_eq!(doc["remote"]["p-2/screen"]["name"], "Dr. Khan (screen)");
        assert_eq!(doc["remote"]["p-2/screen"]["present"], false);
        assert_eq!(doc["remote"]["p-2/screen"]["firstFrameMs"], 1200);
        assert!(
            c.document(None)["remote"].get("p-1").is_none(),
            "we are not our own remote participant"
        );
    }
}
