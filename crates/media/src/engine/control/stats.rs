//! The stats report: every connection's WebRTC stats, completed with the
//! engine's own counts (what each sender handed over, what the peer reports
//! receiving, frames shown, receive buffer losses).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use gst::prelude::*;

use crate::engine::events::{InboundStats, OutboundStats, StatsReport};
use crate::engine::ids::{Source, Track};
use crate::engine::state::State;
use crate::engine::webrtc::reports::{PeerReports, Received};
use crate::engine::webrtc::sent::Sent;
use crate::types::{MediaKind, PeerId, VideoCodec};

/// Byte counters from the previous round, to turn totals into rates.
pub(super) type Previous = HashMap<(PeerId, String), (u64, Instant)>;

/// How long the control thread waits for a connection's stats.
const STATS_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The connection's stats, or `None` if it does not answer in
/// [`STATS_WAIT`] (the control thread must not wait on one connection).
fn get_stats(webrtcbin: &gst::Element) -> Option<gst::Structure> {
    let (reply, answer) = std::sync::mpsc::sync_channel(1);
    let promise = gst::Promise::with_change_func(move |result| {
        let _ = reply.send(result.ok().flatten().map(|r| r.to_owned()));
    });
    webrtcbin.emit_by_name::<()>("get-stats", &[&None::<gst::Pad>, &promise]);
    answer.recv_timeout(STATS_WAIT).ok().flatten()
}

fn stat_type(s: &gst::StructureRef) -> Option<gst_webrtc::WebRTCStatsType> {
    s.get::<gst_webrtc::WebRTCStatsType>("type").ok()
}

/// Audio or video. webrtcbin 1.22 labels every bundled stream with the
/// first codec's kind, so trust the RTP source's clock rate first.
fn kind_of(s: &gst::StructureRef) -> MediaKind {
    let clock = s
        .get::<gst::Structure>("gst-rtpsource-stats")
        .ok()
        .and_then(|source| source.get::<i32>("clock-rate").ok());
    match clock {
        Some(48_000) => MediaKind::Audio,
        Some(_) => MediaKind::Video,
        None if s.get::<&str>("kind") == Ok("audio") => MediaKind::Audio,
        None => MediaKind::Video,
    }
}

/// How fast a running total grew since the last call with the same key, per second.
fn per_second(previous: &mut Previous, key: (PeerId, String), total: u64) -> f64 {
    let now = Instant::now();
    let rate = match previous.get(&key) {
        Some((before, at)) if total >= *before => {
            (total - before) as f64 / now.duration_since(*at).as_secs_f64().max(0.001)
        }
        _ => 0.0,
    };
    previous.insert(key, (total, now));
    rate
}

/// A byte counter's rate in kbit/s.
fn rate_kbps(previous: &mut Previous, key: (PeerId, String), bytes: u64) -> f64 {
    per_second(previous, key, bytes) * 8.0 / 1000.0
}

/// Packets received on each peer's retransmission (RTX) streams so far.
pub(super) type Repairs = HashMap<PeerId, u64>;

/// One connection as the round starts: what the stats are read from.
struct Connection {
    peer: PeerId,
    webrtcbin: gst::Element,
    codec: Option<VideoCodec>,
    estimate_bps: u32,
    sent: Vec<(MediaKind, Arc<Sent>)>,
    reports: Arc<PeerReports>,
}

fn connections(state: &State) -> Vec<Connection> {
    state
        .peers
        .iter()
        .map(|(id, p)| Connection {
            peer: id.clone(),
            webrtcbin: p.webrtcbin.clone(),
            codec: p.codec,
            estimate_bps: p.congestion.estimate_bps(),
            sent: p.sent.clone(),
            reports: p.reports.clone(),
        })
        .collect()
}

/// This round's report, and the packets each peer's retransmissions repaired.
pub(super) fn collect(state: &State, previous: &mut Previous) -> (StatsReport, Repairs) {
    let mut report = StatsReport::default();
    let mut own: Vec<Branch> = Vec::new();
    for connection in connections(state) {
        // One look per stream and period: the loss is counted between looks.
        let reported: HashMap<u32, Received> = connection
            .sent
            .iter()
            .filter_map(|(_, s)| Some((s.ssrc, connection.reports.look(s.ssrc)?)))
            .collect();
        own.extend(connection.sent.iter().map(|(kind, sent)| Branch {
            peer: connection.peer.clone(),
            kind: *kind,
            received: reported.get(&sent.ssrc).copied(),
            sent: sent.clone(),
            codec: connection.codec,
            estimate_bps: connection.estimate_bps,
        }));
        if let Some(all) = get_stats(&connection.webrtcbin) {
            let read = (&connection, &all, &reported);
            read_connection(state, previous, read, &mut report);
        }
    }
    let repairs = keep_main_streams(&mut report);
    for branch in own {
        let reported = report
            .outbound
            .iter()
            .any(|s| s.peer == branch.peer && s.kind == branch.kind);
        if !reported {
            report.outbound.push(own_figures(state, previous, branch));
        }
    }
    for s in &mut report.inbound {
        let key = (s.peer.clone(), format!("{}#frames", s.track));
        s.fps = per_second(previous, key, s.frames_decoded);
    }
    (report, repairs)
}

/// Adds what `webrtcbin` reports of one connection's streams to `report`.
fn read_connection(
    state: &State,
    previous: &mut Previous,
    (connection, all, reported): (&Connection, &gst::Structure, &HashMap<u32, Received>),
    report: &mut StatsReport,
) {
    let buffer_losses = receive_buffer_losses(&connection.peer, &connection.webrtcbin);
    for (id, value) in all.iter() {
        let Ok(s) = value.get::<gst::Structure>() else {
            continue;
        };
        match stat_type(&s) {
            Some(gst_webrtc::WebRTCStatsType::OutboundRtp) => {
                let stream = (id.as_str(), s.as_ref(), all.as_ref());
                let stats = outbound(state, previous, connection, stream, reported);
                report.outbound.push(stats);
            }
            Some(gst_webrtc::WebRTCStatsType::InboundRtp) => {
                let stream = (id.as_str(), s.as_ref());
                let stats = inbound(state, previous, &connection.peer, stream, &buffer_losses);
                report.inbound.push(stats);
            }
            _ => {}
        }
    }
}

/// One sending stream `webrtcbin` reports (`s`, named `id` among `all`),
/// with the peer's own reports first (see [`crate::engine::webrtc::reports`]).
fn outbound(
    state: &State,
    previous: &mut Previous,
    connection: &Connection,
    (id, s, all): (&str, &gst::StructureRef, &gst::StructureRef),
    reported: &HashMap<u32, Received>,
) -> OutboundStats {
    let peer = &connection.peer;
    let kind = kind_of(s);
    let bytes = s.get::<u64>("bytes-sent").unwrap_or(0);
    let (rtt_ms, fraction_lost) = peer_figures(s, all, reported);
    let video = kind == MediaKind::Video;
    let (encoder, resolution, target) = if video {
        sending_figures(state, peer, connection.codec)
    } else {
        (None, None, None)
    };
    let estimate_bps = connection.estimate_bps;
    OutboundStats {
        peer: peer.clone(),
        kind,
        packets_sent: s.get::<u64>("packets-sent").unwrap_or(0),
        bytes_sent: bytes,
        bitrate_kbps: rate_kbps(previous, (peer.clone(), id.to_owned()), bytes),
        rtt_ms,
        fraction_lost,
        encoder,
        resolution,
        estimated_bandwidth_kbps: (video && estimate_bps > 0)
            .then(|| f64::from(estimate_bps) / 1000.0),
        target_bitrate_kbps: target,
    }
}

/// The round trip (ms) and the share lost the peer reports of the sending
/// stream `s` (one of `all`): from its own report blocks (`reported`),
/// the loss from `webrtcbin`'s `remote-inbound-rtp` when it sent none.
///
/// The round trip only ever comes from a block that echoes one of our
/// sender reports. A block that does not (the peer had none of ours yet:
/// for the first seconds of a call, longer over a slow relay) gives no
/// round trip, and `webrtcbin` 1.22 then reports 0: read as a figure, the
/// call showed a 0 ms round trip over TURN, and the receive buffers made
/// no room for a retransmission's round trip.
fn peer_figures(
    s: &gst::StructureRef,
    all: &gst::StructureRef,
    reported: &HashMap<u32, Received>,
) -> (Option<f64>, Option<f64>) {
    let received = s
        .get::<u32>("ssrc")
        .ok()
        .and_then(|x| reported.get(&x).copied());
    let remote = s
        .get::<&str>("remote-id")
        .ok()
        .and_then(|rid| all.get::<gst::Structure>(rid).ok());
    let fraction_lost = received.map(|r| r.fraction_lost).or_else(|| {
        remote
            .as_ref()
            .and_then(|r| r.get::<f64>("fraction-lost").ok())
    });
    (received.and_then(|r| r.rtt_ms), fraction_lost)
}

/// One received stream `webrtcbin` reports (`s`, named `id`), with the
/// track's own counts and the receive buffer's losses.
fn inbound(
    state: &State,
    previous: &mut Previous,
    peer: &PeerId,
    (id, s): (&str, &gst::StructureRef),
    buffer_losses: &HashMap<u32, i64>,
) -> InboundStats {
    let kind = kind_of(s);
    let bytes = s.get::<u64>("bytes-received").unwrap_or(0);
    let track = Track::Remote {
        peer: peer.clone(),
        kind,
    };
    let counters = state.tracks.get(&track).cloned();
    InboundStats {
        track: track.id(),
        peer: peer.clone(),
        kind,
        packets_received: s.get::<u64>("packets-received").unwrap_or(0),
        packets_lost: s
            .get::<u32>("ssrc")
            .ok()
            .and_then(|ssrc| buffer_losses.get(&ssrc).copied())
            .unwrap_or_else(|| s.get::<i64>("packets-lost").unwrap_or(0)),
        bitrate_kbps: rate_kbps(previous, (peer.clone(), id.to_owned()), bytes),
        jitter_ms: s.get::<f64>("jitter").ok().map(|secs| secs * 1000.0),
        frames_decoded: counters.as_ref().map_or(0, |c| c.frames()),
        fps: 0.0, // Once per track, at the end of the round.
        resolution: counters.as_ref().and_then(|c| c.size()),
        freeze_count: counters.as_ref().map_or(0, |c| c.freezes()),
        longest_freeze_ms: counters.as_ref().map_or(0, |c| c.longest_freeze_ms()),
        decoder: counters.as_ref().and_then(|c| c.decoder()),
    }
}

/// Keeps each peer's main stream per kind (see [`main_streams`]); the
/// packets of the others, its retransmissions, are what they repaired.
fn keep_main_streams(report: &mut StatsReport) -> Repairs {
    let received = std::mem::take(&mut report.inbound);
    report.inbound = main_streams(
        received.clone(),
        |s| (s.peer.clone(), s.kind),
        |s| s.packets_received,
    );
    let mut repairs = Repairs::new();
    for stream in &received {
        let main = report.inbound.iter().any(|m| {
            m.peer == stream.peer
                && m.kind == stream.kind
                && m.track == stream.track
                && m.packets_received == stream.packets_received
        });
        if !main {
            *repairs.entry(stream.peer.clone()).or_default() += stream.packets_received;
        }
    }
    report.outbound = main_streams(
        std::mem::take(&mut report.outbound),
        |s| (s.peer.clone(), s.kind),
        |s| s.packets_sent,
    );
    repairs
}

/// Packets each of the connection's receive buffers gave up on (lost on
/// the link and not retransmitted in time), by SSRC. `webrtcbin` 1.22's
/// `inbound-rtp` stats report no loss at all, so these are the figures the
/// call's quality shows. At debug level each buffer's whole counters are
/// logged (late packets, retransmissions asked for and received).
fn receive_buffer_losses(peer: &PeerId, webrtcbin: &gst::Element) -> HashMap<u32, i64> {
    let mut lost = HashMap::new();
    let Some(bin) = webrtcbin.downcast_ref::<gst::Bin>() else {
        return lost;
    };
    for element in bin.iterate_recurse().into_iter().flatten() {
        let is_buffer = element
            .factory()
            .is_some_and(|f| f.name() == "rtpjitterbuffer");
        if !is_buffer || !element.has_property("stats") {
            continue;
        }
        let stats = element.property::<gst::Structure>("stats");
        tracing::debug!(%peer, buffer = %element.name(), %stats, "receive buffer");
        let ssrc = element
            .static_pad("sink")
            .and_then(|pad| pad.current_caps())
            .and_then(|caps| caps.structure(0)?.get::<u32>("ssrc").ok());
        if let (Some(ssrc), Ok(n)) = (ssrc, stats.get::<u64>("num-lost")) {
            lost.insert(ssrc, i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
    lost
}

/// The encoder, the size it encodes and its target bitrate (kbit/s).
fn sending_figures(
    state: &State,
    peer: &PeerId,
    codec: Option<VideoCodec>,
) -> (
    Option<String>,
    Option<crate::types::Resolution>,
    Option<f64>,
) {
    let screen = state
        .peers
        .get(peer)
        .is_some_and(|p| p.role.sends() == Some(Source::Screen));
    let enc = if screen {
        state.screen_stream.as_ref().map(|s| &s.encoder)
    } else {
        codec.and_then(|c| state.video_encoders.get(&c))
    };
    (
        enc.map(|e| e.profile.element.to_owned()),
        enc.map(|e| e.ladder.step().size),
        enc.and_then(|e| crate::encode::bitrate_kbps(&e.encoder, e.profile))
            .map(|k| k as f64),
    )
}

/// One sending branch of a connection, as the engine counts it.
struct Branch {
    peer: PeerId,
    kind: MediaKind,
    sent: Arc<Sent>,
    /// The peer's latest report on it.
    received: Option<Received>,
    codec: Option<VideoCodec>,
    estimate_bps: u32,
}

/// A sending stream `webrtcbin` did not report, from the engine's own
/// counts and the peer's reports.
fn own_figures(state: &State, previous: &mut Previous, branch: Branch) -> OutboundStats {
    let Branch {
        peer,
        kind,
        sent,
        received,
        codec,
        estimate_bps,
    } = branch;
    let video = kind == MediaKind::Video;
    let bytes = sent.bytes.load(Ordering::Relaxed);
    let (encoder, resolution, target) = if video {
        sending_figures(state, &peer, codec)
    } else {
        (None, None, None)
    };
    let key = (peer.clone(), format!("own-{kind:?}"));
    OutboundStats {
        packets_sent: sent.packets.load(Ordering::Relaxed),
        bytes_sent: bytes,
        bitrate_kbps: rate_kbps(previous, key, bytes),
        rtt_ms: received.and_then(|r| r.rtt_ms),
        fraction_lost: received.map(|r| r.fraction_lost),
        encoder,
        resolution,
        estimated_bandwidth_kbps: (video && estimate_bps > 0)
            .then(|| f64::from(estimate_bps) / 1000.0),
        target_bitrate_kbps: target,
        peer,
        kind,
    }
}

/// Beside each video stream webrtcbin reports the retransmission (RTX)
/// stream that repairs it, with the same peer and kind: keep, per peer and
/// kind, the stream with the most packets, which carries the media.
fn main_streams<T>(
    stats: Vec<T>,
    key: impl Fn(&T) -> (PeerId, MediaKind),
    packets: impl Fn(&T) -> u64,
) -> Vec<T> {
    let mut kept: Vec<T> = Vec::with_capacity(stats.len());
    for stat in stats {
        match kept.iter().position(|k| key(k) == key(&stat)) {
            Some(i) if packets(&stat) > packets(&kept[i]) => kept[i] = stat,
            Some(_) => {}
            None => kept.push(stat),
        }
    }
    kept
}

#[cfg(test)]
mod tests;
