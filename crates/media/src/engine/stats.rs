//! Once a second: read every peer's WebRTC stats, follow the congestion
//! controller's estimate, and report.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use gst::prelude::*;

use super::events::{InboundStats, OutboundStats, StatsReport};
use super::ids::{Source, Track};
use super::reports::{PeerReports, Received};
use super::{MediaEvent, STATS_PERIOD, Shared};
use crate::types::{MediaKind, PeerId, VideoCodec};

/// What one sending branch handed to `webrtcbin`, counted by the engine
/// itself: `webrtcbin` 1.22 stops reporting a sender's stream once it has
/// been silent for a while (video stopped for an audio-only spell) and does
/// not report it again when it resumes.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    /// The stream's SSRC, which the peer's reports name.
    ssrc: u32,
    packets: AtomicU64,
    bytes: AtomicU64,
}

impl Sent {
    /// Counts what leaves `pad`, the stream `ssrc`, from now on.
    pub(super) fn attach(pad: &gst::Pad, ssrc: u32) -> Arc<Sent> {
        let sent = Arc::new(Sent {
            ssrc,
            ..Sent::default()
        });
        let counter = sent.clone();
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, info| {
                let (packets, bytes) = match &info.data {
                    Some(gst::PadProbeData::Buffer(b)) => (1, b.size()),
                    Some(gst::PadProbeData::BufferList(l)) => {
                        (l.len(), l.iter().map(|b| b.size()).sum())
                    }
                    _ => (0, 0),
                };
                counter.packets.fetch_add(packets as u64, Ordering::Relaxed);
                counter.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
                gst::PadProbeReturn::Ok
            },
        );
        sent
    }
}

/// Byte counters from the previous round, to turn totals into rates.
type Previous = HashMap<(PeerId, String), (u64, Instant)>;

pub(super) fn run(weak: Weak<Shared>) {
    let mut previous: Previous = HashMap::new();
    let mut buffers: HashMap<PeerId, JitterBuffer> = HashMap::new();
    let mut guard = super::fallback::AudioOnlyGuard::default();
    loop {
        std::thread::sleep(STATS_PERIOD);
        let Some(shared) = weak.upgrade() else { return };
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        let lowest = follow_estimates(&shared);
        if let Some(change) = guard.tick(lowest) {
            apply_fallback(&shared, change);
        } else if guard.audio_only() {
            // An encoder made since (a new peer's codec) holds back too.
            for encoder in shared.lock().video_encoders.values() {
                encoder.set_sending(false);
            }
        }
        super::tiles::follow_sizes(&shared);
        let received: Vec<_> = shared
            .lock()
            .tracks
            .iter()
            .map(|(track, counters)| (track.clone(), counters.clone()))
            .collect();
        for (track, counters) in received {
            counters.ask_keyframe_if_stalled(&track);
        }
        let (report, repairs) = collect(&shared, &mut previous);
        recover_bitrates(&shared, &report);
        adapt_jitter_buffers(&shared, &report, &repairs, &mut buffers);
        shared.emit(MediaEvent::Stats { report });
    }
}

/// The most a receive buffer grows to, milliseconds.
const MAX_JITTER_BUFFER_MS: u32 = 400;
/// The least a receive buffer holds while packets are being lost.
const LOSSY_MIN_BUFFER_MS: u32 = 200;
/// Seconds of calm before a grown buffer shrinks again.
const CALM_SECONDS: u32 = 10;

/// One peer's receive buffer: grows at once when jitter, loss or round trip
/// need room (for reordering and retransmissions), shrinks only after a
/// calm spell, so a clean link keeps its low delay.
#[derive(Debug)]
struct JitterBuffer {
    current_ms: u32,
    calm: u32,
    lost_total: i64,
    repaired_total: u64,
}

/// What the buffer should hold for these conditions.
fn wanted_buffer_ms(base_ms: u32, jitter_ms: f64, lost: bool, rtt_ms: f64) -> u32 {
    let mut want = f64::from(base_ms) + 4.0 * jitter_ms;
    if lost {
        // Room for a NACK round trip (two, should the retransmission be
        // lost too), at least [`LOSSY_MIN_BUFFER_MS`]: the round trip the
        // peer reports misses the queue in front of a congested link.
        want = (want + 2.0 * rtt_ms + 20.0).max(f64::from(LOSSY_MIN_BUFFER_MS));
    }
    (want.round() as u32).clamp(base_ms, MAX_JITTER_BUFFER_MS)
}

fn adapt_jitter_buffers(
    shared: &Shared,
    report: &StatsReport,
    repairs: &Repairs,
    buffers: &mut HashMap<PeerId, JitterBuffer>,
) {
    let base = shared.settings.jitter_buffer_ms;
    let peers: Vec<(PeerId, gst::Element)> = shared
        .lock()
        .peers
        .iter()
        .map(|(id, p)| (id.clone(), p.webrtcbin.clone()))
        .collect();
    buffers.retain(|id, _| peers.iter().any(|(p, _)| p == id));
    for (peer, webrtcbin) in peers {
        let video = report
            .inbound
            .iter()
            .find(|s| s.peer == peer && s.kind == MediaKind::Video);
        let Some(video) = video else { continue };
        let rtt = report
            .outbound
            .iter()
            .filter(|s| s.peer == peer)
            .find_map(|s| s.rtt_ms)
            .unwrap_or(0.0);
        let buffer = buffers.entry(peer.clone()).or_insert(JitterBuffer {
            current_ms: base,
            calm: 0,
            lost_total: 0,
            repaired_total: 0,
        });
        // Loss shows as packets lost for good, or as retransmissions: a
        // repaired packet still needs the buffer to wait a round trip for it.
        let repaired = repairs.get(&peer).copied().unwrap_or(0);
        let lost_now = video.packets_lost > buffer.lost_total || repaired > buffer.repaired_total;
        buffer.lost_total = video.packets_lost;
        buffer.repaired_total = repaired;
        let want = wanted_buffer_ms(base, video.jitter_ms.unwrap_or(0.0), lost_now, rtt);
        let next = if want > buffer.current_ms + 10 {
            buffer.calm = 0;
            want
        } else if want + 20 < buffer.current_ms {
            buffer.calm += 1;
            if buffer.calm >= CALM_SECONDS {
                want
            } else {
                buffer.current_ms
            }
        } else {
            buffer.calm = 0;
            buffer.current_ms
        };
        if next != buffer.current_ms {
            tracing::info!(%peer, from = buffer.current_ms, to = next, "receive buffer adjusted");
            buffer.current_ms = next;
            buffer.calm = 0;
            webrtcbin.set_property("latency", next);
        }
    }
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

/// Stops or resumes video on every encoder, and says so.
fn apply_fallback(shared: &Shared, change: super::fallback::Fallback) {
    use super::fallback::Fallback;
    let (active, reason) = match change {
        Fallback::AudioOnly(reason) => (true, reason),
        Fallback::Video(reason) => (false, reason),
    };
    let congestion: Vec<_> = {
        let state = shared.lock();
        for encoder in state.video_encoders.values() {
            encoder.set_sending(!active);
        }
        state.peers.values().map(|p| p.congestion.clone()).collect()
    };
    if !active {
        for c in congestion {
            c.raise_to(super::fallback::LEAVE_ABOVE_KBPS);
        }
    }
    tracing::warn!(audio_only = active, "{reason}");
    shared.emit(MediaEvent::AudioOnly { active, reason });
}

/// Each shared encoder follows the lowest estimate among the peers it
/// feeds; returns the lowest of all (`None` before any estimate).
fn follow_estimates(shared: &Shared) -> Option<u32> {
    let mut state = shared.lock();
    let mut lowest: HashMap<VideoCodec, u32> = HashMap::new();
    let mut screen_kbps = None;
    for peer in state.peers.values() {
        let (Some(codec), bps) = (peer.codec, peer.congestion.estimate_bps()) else {
            continue;
        };
        if bps == 0 {
            continue;
        }
        let kbps = bps / 1000;
        if peer.role.sends() == Some(Source::Screen) {
            // The screen stream has its own encoder and connection: its
            // estimate neither lowers the camera nor sends it audio-only.
            screen_kbps = Some(kbps);
            continue;
        }
        lowest
            .entry(codec)
            .and_modify(|v| *v = (*v).min(kbps))
            .or_insert(kbps);
    }
    for (codec, kbps) in &lowest {
        if let Some(encoder) = state.video_encoders.get_mut(codec) {
            encoder.follow_estimate(*kbps);
        }
    }
    for encoder in state.video_encoders.values_mut() {
        encoder.check_load();
    }
    if let Some(stream) = state.screen_stream.as_mut() {
        if let Some(kbps) = screen_kbps {
            stream.encoder.follow_estimate(kbps);
        }
        stream.encoder.check_load();
    }
    lowest.values().copied().min()
}

/// Lets each sending connection's recovery look at its estimate and the
/// video loss its peer reports (see [`super::recovery`]).
fn recover_bitrates(shared: &Shared, report: &StatsReport) {
    let peers: Vec<_> = shared
        .lock()
        .peers
        .iter()
        .filter(|(_, p)| p.codec.is_some())
        .map(|(id, p)| (id.clone(), p.congestion.clone()))
        .collect();
    for (peer, congestion) in peers {
        let loss = report
            .outbound
            .iter()
            .find(|s| s.peer == peer && s.kind == MediaKind::Video)
            .and_then(|s| s.fraction_lost);
        congestion.tick(&peer, loss);
    }
}

fn get_stats(webrtcbin: &gst::Element) -> Option<gst::Structure> {
    let promise = gst::Promise::new();
    webrtcbin.emit_by_name::<()>("get-stats", &[&None::<gst::Pad>, &promise]);
    match promise.wait() {
        gst::PromiseResult::Replied => promise.get_reply().map(|r| r.to_owned()),
        _ => None,
    }
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
type Repairs = HashMap<PeerId, u64>;

fn collect(shared: &Shared, previous: &mut Previous) -> (StatsReport, Repairs) {
    type Row = (
        PeerId,
        gst::Element,
        Option<VideoCodec>,
        u32,
        Vec<(MediaKind, Arc<Sent>)>,
        Arc<PeerReports>,
    );
    let peers: Vec<Row> = shared
        .lock()
        .peers
        .iter()
        .map(|(id, p)| {
            (
                id.clone(),
                p.webrtcbin.clone(),
                p.codec,
                p.congestion.estimate_bps(),
                p.sent.clone(),
                p.reports.clone(),
            )
        })
        .collect();
    let mut report = StatsReport::default();
    let mut own: Vec<Branch> = Vec::new();
    for (peer, webrtcbin, codec, estimate_bps, sent, reports) in peers {
        // One look per stream and period: the loss is counted between looks.
        let reported: HashMap<u32, Received> = sent
            .iter()
            .filter_map(|(_, s)| Some((s.ssrc, reports.look(s.ssrc)?)))
            .collect();
        own.extend(sent.into_iter().map(|(kind, sent)| Branch {
            peer: peer.clone(),
            kind,
            received: reported.get(&sent.ssrc).copied(),
            sent,
            codec,
            estimate_bps,
        }));
        let Some(all) = get_stats(&webrtcbin) else {
            continue;
        };
        let buffer_losses = receive_buffer_losses(&peer, &webrtcbin);
        for (id, value) in all.iter() {
            let Ok(s) = value.get::<gst::Structure>() else {
                continue;
            };
            match stat_type(&s) {
                Some(gst_webrtc::WebRTCStatsType::OutboundRtp) => {
                    let kind = kind_of(&s);
                    let bytes = s.get::<u64>("bytes-sent").unwrap_or(0);
                    // The peer's own reports first (see `super::reports`).
                    let received = s
                        .get::<u32>("ssrc")
                        .ok()
                        .and_then(|x| reported.get(&x).copied());
                    let remote = s
                        .get::<&str>("remote-id")
                        .ok()
                        .and_then(|rid| all.get::<gst::Structure>(rid).ok());
                    let video = kind == MediaKind::Video;
                    let (encoder, resolution, target) = if video {
                        sending_figures(shared, &peer, codec)
                    } else {
                        (None, None, None)
                    };
                    report.outbound.push(OutboundStats {
                        peer: peer.clone(),
                        kind,
                        packets_sent: s.get::<u64>("packets-sent").unwrap_or(0),
                        bytes_sent: bytes,
                        bitrate_kbps: rate_kbps(previous, (peer.clone(), id.to_string()), bytes),
                        rtt_ms: received.and_then(|r| r.rtt_ms).or_else(|| {
                            remote
                                .as_ref()
                                .and_then(|r| r.get::<f64>("round-trip-time").ok())
                                .map(|secs| secs * 1000.0)
                        }),
                        fraction_lost: received.map(|r| r.fraction_lost).or_else(|| {
                            remote
                                .as_ref()
                                .and_then(|r| r.get::<f64>("fraction-lost").ok())
                        }),
                        encoder,
                        resolution,
                        estimated_bandwidth_kbps: (video && estimate_bps > 0)
                            .then(|| f64::from(estimate_bps) / 1000.0),
                        target_bitrate_kbps: target,
                    });
                }
                Some(gst_webrtc::WebRTCStatsType::InboundRtp) => {
                    let kind = kind_of(&s);
                    let bytes = s.get::<u64>("bytes-received").unwrap_or(0);
                    let track = Track::Remote {
                        peer: peer.clone(),
                        kind,
                    };
                    let counters = shared.lock().tracks.get(&track).cloned();
                    let frames = counters.as_ref().map_or(0, |c| c.frames());
                    report.inbound.push(InboundStats {
                        track: track.id(),
                        peer: peer.clone(),
                        kind,
                        packets_received: s.get::<u64>("packets-received").unwrap_or(0),
                        packets_lost: s
                            .get::<u32>("ssrc")
                            .ok()
                            .and_then(|ssrc| buffer_losses.get(&ssrc).copied())
                            .unwrap_or_else(|| s.get::<i64>("packets-lost").unwrap_or(0)),
                        bitrate_kbps: rate_kbps(previous, (peer.clone(), id.to_string()), bytes),
                        jitter_ms: s.get::<f64>("jitter").ok().map(|secs| secs * 1000.0),
                        frames_decoded: frames,
                        fps: 0.0, // Once per track, below.
                        resolution: counters.as_ref().and_then(|c| c.size()),
                        freeze_count: counters.as_ref().map_or(0, |c| c.freezes()),
                        longest_freeze_ms: counters.as_ref().map_or(0, |c| c.longest_freeze_ms()),
                        decoder: counters
                            .as_ref()
                            .and_then(|c| c.decoder.lock().ok().and_then(|d| d.clone())),
                    });
                }
                _ => {}
            }
        }
    }
    let received = report.inbound.clone();
    report.inbound = main_streams(
        report.inbound,
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
        report.outbound,
        |s| (s.peer.clone(), s.kind),
        |s| s.packets_sent,
    );
    for branch in own {
        let reported = report
            .outbound
            .iter()
            .any(|s| s.peer == branch.peer && s.kind == branch.kind);
        if !reported {
            report.outbound.push(own_figures(shared, previous, branch));
        }
    }
    for s in &mut report.inbound {
        let key = (s.peer.clone(), format!("{}#frames", s.track));
        s.fps = per_second(previous, key, s.frames_decoded);
    }
    (report, repairs)
}

/// The encoder, the size it encodes and its target bitrate (kbit/s).
fn sending_figures(
    shared: &Shared,
    peer: &PeerId,
    codec: Option<VideoCodec>,
) -> (
    Option<String>,
    Option<crate::types::Resolution>,
    Option<f64>,
) {
    let state = shared.lock();
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
        enc.map(|e| e.quality.resolution()),
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
fn own_figures(shared: &Shared, previous: &mut Previous, branch: Branch) -> OutboundStats {
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
        sending_figures(shared, &peer, codec)
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
mod tests {
    use super::*;

    #[test]
    fn retransmission_streams_do_not_hide_the_media_stream() {
        let peer = PeerId("p-2".into());
        let streams = vec![
            (peer.clone(), MediaKind::Video, 5_000u64),
            (peer.clone(), MediaKind::Video, 56),
            (peer.clone(), MediaKind::Audio, 900),
            (PeerId("p-3".into()), MediaKind::Video, 4_000),
        ];
        let kept = main_streams(streams, |s| (s.0.clone(), s.1), |s| s.2);
        assert_eq!(kept.len(), 3);
        assert!(kept.contains(&(peer.clone(), MediaKind::Video, 5_000)));
        let rtx_first = vec![
            (peer.clone(), MediaKind::Video, 56u64),
            (peer.clone(), MediaKind::Video, 5_000),
        ];
        let kept = main_streams(rtx_first, |s| (s.0.clone(), s.1), |s| s.2);
        assert_eq!(kept, [(peer, MediaKind::Video, 5_000)]);
    }

    #[test]
    fn a_clean_link_keeps_the_base_buffer() {
        assert_eq!(wanted_buffer_ms(40, 0.5, false, 2.0), 42);
        assert_eq!(wanted_buffer_ms(40, 0.0, false, 0.0), 40);
    }

    #[test]
    fn jitter_and_loss_make_room_up_to_a_limit() {
        assert_eq!(wanted_buffer_ms(40, 20.0, false, 50.0), 120);
        assert_eq!(wanted_buffer_ms(40, 20.0, true, 100.0), 340);
        assert_eq!(
            wanted_buffer_ms(40, 1.0, true, 5.0),
            LOSSY_MIN_BUFFER_MS,
            "loss on a short round trip still waits for retransmissions"
        );
        assert_eq!(
            wanted_buffer_ms(40, 200.0, true, 500.0),
            MAX_JITTER_BUFFER_MS
        );
    }
}
