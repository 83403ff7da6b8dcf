//! Call statistics as the UI sees them (`mulaqat_media::StatsReport`), once a second.

use mulaqat_media as media;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ids::{PeerId, TrackId, ts};
use super::media::{MediaKind, MediaOrigin, Resolution};

/// `mulaqat_media::engine::OutboundStats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboundStats {
    /// To whom.
    #[ts(as = "ts::PeerId")]
    pub peer: PeerId,
    /// Whose media the connection carries (`null`: our SFU publication).
    pub origin: Option<MediaOrigin>,
    /// Audio or video.
    pub kind: MediaKind,
    /// Packets sent so far.
    #[ts(type = "number")]
    pub packets_sent: u64,
    /// Bytes sent so far.
    #[ts(type = "number")]
    pub bytes_sent: u64,
    /// Send rate over the last second, kbit/s.
    pub bitrate_kbps: f64,
    /// Round-trip time reported by the peer, milliseconds.
    pub rtt_ms: Option<f64>,
    /// Fraction of packets the peer reports lost, 0..1.
    pub fraction_lost: Option<f64>,
    /// For video: the encoder element.
    pub encoder: Option<String>,
    /// For video: the size being encoded.
    pub resolution: Option<Resolution>,
    /// For video: the congestion controller's estimate, kbit/s.
    pub estimated_bandwidth_kbps: Option<f64>,
    /// For video: the encoder's current target, kbit/s.
    pub target_bitrate_kbps: Option<f64>,
}

/// `mulaqat_media::engine::InboundStats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InboundStats {
    /// The track.
    #[ts(as = "ts::TrackId")]
    pub track: TrackId,
    /// From whom.
    #[ts(as = "ts::PeerId")]
    pub peer: PeerId,
    /// Whose it is: a participant's camera or shared screen.
    pub origin: Option<MediaOrigin>,
    /// Audio or video.
    pub kind: MediaKind,
    /// Packets received so far.
    #[ts(type = "number")]
    pub packets_received: u64,
    /// Packets lost so far (RTCP's cumulative count; duplicates can make it negative).
    #[ts(type = "number")]
    pub packets_lost: i64,
    /// Receive rate over the last second, kbit/s.
    pub bitrate_kbps: f64,
    /// Interarrival jitter, milliseconds.
    pub jitter_ms: Option<f64>,
    /// For video: frames decoded so far.
    #[ts(type = "number")]
    pub frames_decoded: u64,
    /// For video: frames per second over the last second.
    pub fps: f64,
    /// For video: the decoded size.
    pub resolution: Option<Resolution>,
    /// For video: how many times the picture froze.
    #[ts(type = "number")]
    pub freeze_count: u64,
    /// For video: the decoder element.
    pub decoder: Option<String>,
}

/// `mulaqat_media::engine::StatsReport`: once a second during a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatsReport {
    /// What we send, per peer and kind.
    pub outbound: Vec<OutboundStats>,
    /// What we receive, per remote track.
    pub inbound: Vec<InboundStats>,
}

impl From<media::OutboundStats> for OutboundStats {
    fn from(s: media::OutboundStats) -> Self {
        let media::OutboundStats {
            peer,
            kind,
            packets_sent,
            bytes_sent,
            bitrate_kbps,
            rtt_ms,
            fraction_lost,
            encoder,
            resolution,
            estimated_bandwidth_kbps,
            target_bitrate_kbps,
        } = s;
        OutboundStats {
            origin: MediaOrigin::of_peer(&peer),
            peer: peer.0,
            kind: kind.into(),
            packets_sent,
            bytes_sent,
            bitrate_kbps,
            rtt_ms,
            fraction_lost,
            encoder,
            resolution: resolution.map(Into::into),
            estimated_bandwidth_kbps,
            target_bitrate_kbps,
        }
    }
}

impl From<media::InboundStats> for InboundStats {
    fn from(s: media::InboundStats) -> Self {
        let media::InboundStats {
            track,
            peer,
            kind,
            packets_received,
            packets_lost,
            bitrate_kbps,
            jitter_ms,
            frames_decoded,
            fps,
            resolution,
            freeze_count,
            longest_freeze_ms: _,
            decoder,
        } = s;
        InboundStats {
            origin: MediaOrigin::of_peer(&peer),
            track: track.0,
            peer: peer.0,
            kind: kind.into(),
            packets_received,
            packets_lost,
            bitrate_kbps,
            jitter_ms,
            frames_decoded,
            fps,
            resolution: resolution.map(Into::into),
            freeze_count,
            decoder,
        }
    }
}

impl From<media::StatsReport> for StatsReport {
    fn from(r: media::StatsReport) -> Self {
        StatsReport {
            outbound: r.outbound.into_iter().map(Into::into).collect(),
            inbound: r.inbound.into_iter().map(Into::into).collect(),
        }
    }
}
