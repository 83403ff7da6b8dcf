//! What each sending branch hands to `webrtcbin`, counted by the engine.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gst::prelude::*;

/// What one sending branch handed to `webrtcbin`, counted by the engine
/// itself: `webrtcbin` 1.22 stops reporting a sender's stream once it has
/// been silent for a while (video stopped for an audio-only spell) and does
/// not report it again when it resumes.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    /// The stream's SSRC, which the peer's reports name.
    pub ssrc: u32,
    pub packets: AtomicU64,
    pub bytes: AtomicU64,
}

impl Sent {
    /// Counts what leaves `pad`, the stream `ssrc`, from now on.
    pub(crate) fn attach(pad: &gst::Pad, ssrc: u32) -> Arc<Sent> {
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
