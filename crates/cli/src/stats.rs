//! The stats JSON `--stats-json` writes: per remote participant what arrived,
//! what we sent, and why the call ended.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use mulaqat_client::EndReason;
use mulaqat_media::{MediaKind, StatsReport};
use serde_json::{Value, json};

/// Keeps the newest figures of every track.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    remote: BTreeMap<String, Value>,
    sent: BTreeMap<String, Value>,
}

impl Collector {
    pub(crate) fn update(&mut self, report: &StatsReport) {
        for s in &report.inbound {
            let entry = self
                .remote
                .entry(s.peer.to_string())
                .or_insert_with(|| json!({}));
            let key = if s.kind == MediaKind::Video {
                "video"
            } else {
                "audio"
            };
            entry[key] = json!({
                "framesReceived": s.frames_decoded,
                "width": s.resolution.map(|r| r.width),
                "height": s.resolution.map(|r| r.height),
                "fps": s.fps,
                "packetsReceived": s.packets_received,
                "packetsLost": s.packets_lost,
                "jitterMs": s.jitter_ms,
                "bitrateKbps": s.bitrate_kbps,
                "freezeCount": s.freeze_count,
                "decoder": s.decoder,
            });
        }
        for s in &report.outbound {
            let key = format!(
                "{}:{}",
                s.peer,
                if s.kind == MediaKind::Video {
                    "video"
                } else {
                    "audio"
                }
            );
            self.sent.insert(
                key,
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

    /// Writes the file (via a temporary file, so readers never see half of it).
    pub(crate) fn write(&self, path: &Path, ended: Option<&EndReason>) -> Result<()> {
        let doc = json!({
            "remote": self.remote,
            "sent": self.sent,
            "ended": ended.map(|r| format!("{r:?}")),
        });
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }
}
