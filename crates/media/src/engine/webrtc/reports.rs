//! What a peer says it received of each stream we send: the report blocks
//! of its RTCP sender and receiver reports (RFC 3550, section 6.4), read as
//! they arrive.
//!
//! `webrtcbin` 1.22's `remote-inbound-rtp` stats give 0 for both the loss
//! and the round trip whatever the link does: the session keeps one report
//! block per remote sender, the last it processed. A peer that sends audio
//! and video reports on each of our streams once per stream it sends, and
//! only the first of those blocks carries the loss (the session counts lost
//! packets since it last made a block, which was a moment before). So the
//! engine reads every block itself and works the loss out from the
//! cumulative counts, which every block carries alike. The congestion
//! controls need the video's own figures, and people read them in the
//! stats overlay.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use gst::glib;
use gst::prelude::*;

/// What the peer reports of one of our streams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Received {
    /// The share of packets lost between the last two looks (0 to 1).
    pub fraction_lost: f64,
    /// The latest round trip, once the peer had a sender report of ours to echo.
    pub rtt_ms: Option<f64>,
}

/// One stream's reports so far.
#[derive(Debug, Clone, Copy)]
struct Stream {
    /// Cumulative packets lost and the highest sequence number, as last reported.
    counts: (i64, u32),
    /// The counts at the previous look.
    looked: Option<(i64, u32)>,
    received: Received,
}

/// How often a receiver sends transport-wide congestion feedback. By
/// default it goes with every frame, each in an early RTCP packet, and
/// GStreamer schedules the next regular report (the only kind with report
/// blocks) an interval after the last packet of either kind: at 30 frames
/// a second none was ever sent. Every 50 ms lets one through every few
/// seconds. Every 100 ms let more through, but the congestion controller,
/// which judges loss on each feedback alone, then read 10% random loss as
/// congestion on almost every one and kept the call audio-only (`loss-10`:
/// 0-1 fps against 13-18).
const TWCC_FEEDBACK_INTERVAL_NS: u64 = 50_000_000;

/// A connection's reports per stream we send, by SSRC.
#[derive(Debug, Default)]
pub(crate) struct PeerReports {
    by_ssrc: Mutex<HashMap<u32, Stream>>,
}

impl PeerReports {
    /// Reads every RTCP packet `webrtcbin`'s session receives from now on.
    pub(crate) fn listen(self: &Arc<Self>, webrtcbin: &gst::Element) {
        let Some(bin) = webrtcbin.downcast_ref::<gst::Bin>() else {
            return;
        };
        let reports = Arc::downgrade(self);
        bin.connect_deep_element_added(move |_, _, element| {
            if element.factory().is_none_or(|f| f.name() != "rtpsession") {
                return;
            }
            let session = element.property::<glib::Object>("internal-session");
            session.set_property("twcc-feedback-interval", TWCC_FEEDBACK_INTERVAL_NS);
            let reports = reports.clone();
            session.connect("on-receiving-rtcp", false, move |values| {
                if let (Some(r), Ok(buffer)) = (reports.upgrade(), values[1].get::<gst::Buffer>())
                    && let Ok(map) = buffer.map_readable()
                {
                    r.take(report_blocks(&map), ntp_short_now());
                }
                None
            });
        });
    }

    /// What the peer reported of the stream `ssrc`, the loss over the time
    /// since the previous look (the stats look once a period). With no new
    /// report in between, the loss is the previous look's.
    pub(crate) fn look(&self, ssrc: u32) -> Option<Received> {
        let mut by_ssrc = self.lock();
        let stream = by_ssrc.get_mut(&ssrc)?;
        let (lost, highest) = stream.counts;
        if let Some((lost_before, highest_before)) = stream.looked {
            let expected = highest.wrapping_sub(highest_before);
            if expected > 0 && expected < u32::MAX / 2 {
                let lost = (lost - lost_before).clamp(0, i64::from(expected));
                let lost = u32::try_from(lost).unwrap_or(expected);
                stream.received.fraction_lost = f64::from(lost) / f64::from(expected);
            }
        }
        stream.looked = Some(stream.counts);
        Some(stream.received)
    }

    fn take(&self, blocks: Vec<ReportBlock>, arrived: u32) {
        if blocks.is_empty() {
            return;
        }
        let mut by_ssrc = self.lock();
        for block in blocks {
            let stream = by_ssrc.entry(block.ssrc).or_insert(Stream {
                counts: (0, 0),
                looked: None,
                received: Received {
                    fraction_lost: f64::from(block.fraction_lost) / 256.0,
                    rtt_ms: None,
                },
            });
            stream.counts = (i64::from(block.cumulative_lost), block.highest_seq);
            if let Some(rtt) = round_trip_ms(arrived, block.last_sr, block.delay_since_last_sr) {
                stream.received.rtt_ms = Some(rtt);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Stream>> {
        self.by_ssrc.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One report block: what the peer received of the stream `ssrc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReportBlock {
    ssrc: u32,
    /// Lost since the peer's previous block on it, in 256ths.
    fraction_lost: u8,
    /// Lost since the stream began (negative with duplicates).
    cumulative_lost: i32,
    /// The highest sequence number received, extended with its wraps.
    highest_seq: u32,
    /// The middle 32 bits of our last sender report's NTP time (0: none).
    last_sr: u32,
    /// How long the peer held that report before this one, in 65536ths of a second.
    delay_since_last_sr: u32,
}

const SENDER_REPORT: u8 = 200;
const RECEIVER_REPORT: u8 = 201;
const BLOCK_LEN: usize = 24;
const SENDER_INFO_LEN: usize = 20;

/// The report blocks in a compound RTCP packet; anything malformed ends the
/// walk (what came before it is kept).
fn report_blocks(data: &[u8]) -> Vec<ReportBlock> {
    let mut blocks = Vec::new();
    let mut rest = data;
    while rest.len() >= 4 {
        let count = usize::from(rest[0] & 0x1f);
        let kind = rest[1];
        let len = (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1) * 4;
        if rest[0] >> 6 != 2 || len > rest.len() {
            break;
        }
        let packet = &rest[..len];
        rest = &rest[len..];
        let first = match kind {
            SENDER_REPORT => 8 + SENDER_INFO_LEN,
            RECEIVER_REPORT => 8,
            _ => continue,
        };
        for n in 0..count {
            let start = first + n * BLOCK_LEN;
            let Some(b) = packet.get(start..start + BLOCK_LEN) else {
                break;
            };
            let word = |at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            blocks.push(ReportBlock {
                ssrc: word(0),
                fraction_lost: b[4],
                // 24 bits, signed: shift up into an i32 and back down.
                cumulative_lost: i32::from_be_bytes([b[5], b[6], b[7], 0]) >> 8,
                highest_seq: word(8),
                last_sr: word(16),
                delay_since_last_sr: word(20),
            });
        }
    }
    blocks
}

/// Seconds from the NTP era (1900) to the Unix epoch.
const NTP_UNIX_OFFSET_SECS: u64 = 2_208_988_800;

/// Now as the middle 32 bits of an NTP time: the session stamps its sender
/// reports from the same wall clock.
fn ntp_short_now() -> u32 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = (now.as_secs() + NTP_UNIX_OFFSET_SECS) & 0xffff;
    let frac = (u64::from(now.subsec_nanos()) << 16) / 1_000_000_000;
    // Both fit in 16 bits: `secs` by the mask, `frac` as a fraction of 2^16.
    u32::try_from((secs << 16) | frac).unwrap_or(0)
}

/// The round trip a block gives, arriving at `arrived` (NTP short time):
/// arrival, less when our report left, less how long the peer held it.
/// `None` without a report to echo, or when the clock gives nonsense.
fn round_trip_ms(arrived: u32, last_sr: u32, delay_since_last_sr: u32) -> Option<f64> {
    if last_sr == 0 {
        return None;
    }
    let rtt = arrived
        .wrapping_sub(last_sr)
        .wrapping_sub(delay_since_last_sr);
    // More than a minute is a wrapped negative or a clock step.
    (rtt < 60 << 16).then(|| f64::from(rtt) * 1000.0 / 65536.0)
}

#[cfg(test)]
mod tests;
