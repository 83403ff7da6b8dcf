//! How the engine adapts to the link, from what the tick reads: encoders
//! follow the lowest congestion estimate of the connections they feed,
//! video stops for an audio-only spell, estimates recover after congestion,
//! and each connection's receive buffer grows with jitter and loss.

use std::collections::HashMap;

use gst::prelude::*;

use super::stats::Repairs;
use crate::engine::events::{MediaEvent, StatsReport};
use crate::engine::ids::Source;
use crate::engine::state::{Shared, State};
use crate::engine::webrtc::fallback::{self, Fallback};
use crate::types::{MediaKind, PeerId, VideoCodec};

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
pub(super) struct JitterBuffer {
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

pub(super) fn adapt_jitter_buffers(
    shared: &Shared,
    state: &State,
    report: &StatsReport,
    repairs: &Repairs,
    buffers: &mut HashMap<PeerId, JitterBuffer>,
) {
    let base = shared.settings.jitter_buffer_ms;
    let peers: Vec<(PeerId, gst::Element)> = state
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

/// Stops or resumes video on every encoder, and says so.
pub(super) fn apply_fallback(shared: &Shared, state: &State, change: Fallback) {
    let (active, reason) = match change {
        Fallback::AudioOnly(reason) => (true, reason),
        Fallback::Video(reason) => (false, reason),
    };
    for encoder in state.video_encoders.values() {
        encoder.set_sending(!active);
    }
    if !active {
        for peer in state.peers.values() {
            peer.congestion.raise_to(fallback::LEAVE_ABOVE_KBPS);
        }
    }
    tracing::warn!(audio_only = active, "{reason}");
    shared.emit(MediaEvent::AudioOnly { active, reason });
}

/// Each shared encoder follows the lowest estimate among the peers it
/// feeds; returns the lowest of all (`None` before any estimate).
pub(super) fn follow_estimates(state: &mut State) -> Option<u32> {
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

/// Lets each sending connection's congestion control look at its estimate,
/// its feedback and the video loss its peer reports (see
/// [`crate::engine::webrtc::recovery`]).
pub(super) fn recover_bitrates(state: &State, report: &StatsReport) {
    for (peer, p) in state.peers.iter().filter(|(_, p)| p.codec.is_some()) {
        let loss = report
            .outbound
            .iter()
            .find(|s| s.peer == *peer && s.kind == MediaKind::Video)
            .and_then(|s| s.fraction_lost);
        p.congestion.tick(peer, loss);
    }
}

/// The Opus encoder's in-band FEC follows the worst loss the congestion
/// feedback of the connections it feeds measured this second (after
/// [`recover_bitrates`] ticked them).
pub(super) fn protect_audio(state: &mut State) {
    let worst = state
        .peers
        .values()
        .filter(|p| p.codec.is_some() && p.role.sends() != Some(Source::Screen))
        .filter_map(|p| p.congestion.loss())
        .reduce(f64::max);
    if let Some(audio) = state.audio_encoder.as_mut() {
        audio.follow_loss(worst);
    }
}

#[cfg(test)]
mod tests;
