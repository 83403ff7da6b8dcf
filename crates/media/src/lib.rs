//! Mulaqat's media engine, the only crate that links GStreamer.
//!
//! Capture (cameras up to 4K, microphones, test sources), hardware-first
//! encoding with software fallback, one `webrtcbin` per remote peer,
//! receive and decode, NV12 frames for the UI over an authenticated
//! localhost WebSocket, audio processing, stats and snapshots. Callers see
//! plain Rust types ([`types`]), never GStreamer's.

#![deny(missing_docs)]
pub mod devices;
pub mod encode;
mod engine;
mod error;
pub mod frames;
pub mod inventory;
pub mod loopback;
mod names;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod portal;
#[cfg(not(all(unix, not(target_os = "macos"))))]
#[path = "portal_elsewhere.rs"]
pub mod portal;
pub mod screen;
pub mod stamp;
mod tone;
pub mod turn_probe;
pub mod types;

use std::sync::OnceLock;

pub use engine::{
    CAPTURE_TRACK, EngineSettings, EventReceiver, FrameSink, InboundStats, MediaEngine, MediaEvent,
    OutboundStats, PeerConfig, RemoteSdp, SCREEN_PREVIEW_TRACK, SELF_VIEW_TRACK, ScreenShareEnd,
    StatsReport, check_remote_sdp, decodable_codecs, shared_encoders,
};
pub use error::MediaError;
pub use names::{PeerName, Source, TrackOrigin, UnknownPeer};
pub use tone::play_test_tone;
pub use types::*;

/// Starts GStreamer and registers the plugins linked into this binary
/// (`rtpgccbwe` for congestion control). Safe to call many times.
pub fn init() -> Result<(), MediaError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        gst::init().map_err(|e| e.to_string())?;
        gstrsrtp::plugin_register_static().map_err(|e| e.to_string())?;
        Ok(())
    })
    .clone()
    .map_err(MediaError::Init)
}

/// Ends the threads that GStreamer's stopped tasks handed back to GLib's
/// shared pool. They hold nothing, but keep the name of the last task they
/// ran (`dtlsenc0:src`, a receive buffer's `rtpjitterbuffer0:src`) and idle
/// on for 15 seconds, which looks like a leak to anyone counting threads
/// after a call. A task hands its thread back a moment after it stops, so
/// whoever counts calls this again while waiting.
pub fn end_idle_threads() {
    gst::glib::ThreadPool::stop_unused_threads();
}

/// Whether an element factory is installed.
pub(crate) fn has_element(name: &str) -> bool {
    gst::ElementFactory::find(name).is_some()
}

/// Makes an element with a `mulaqat-` name, or says which package is missing.
pub(crate) fn make_element(factory: &str, name: &str) -> Result<gst::Element, MediaError> {
    gst::ElementFactory::make(factory)
        .name(name)
        .build()
        .map_err(|_| MediaError::MissingElement {
            element: factory.to_owned(),
            hint: package_hint(factory),
        })
}

/// The Debian package that usually provides an element.
pub(crate) fn package_hint(factory: &str) -> &'static str {
    match factory {
        "x264enc" => "gstreamer1.0-plugins-ugly",
        "avdec_h264" | "avdec_h265" => "gstreamer1.0-libav",
        "nicesrc" | "nicesink" => "gstreamer1.0-nice",
        "vaapih264enc" | "vaapih265enc" => "gstreamer1.0-vaapi",
        "webrtcbin" | "webrtcdsp" | "webrtcechoprobe" | "openh264enc" | "openh264dec"
        | "x265enc" | "h264parse" | "h265parse" | "nvh264enc" | "vah264enc" | "qsvh264enc" => {
            "gstreamer1.0-plugins-bad"
        }
        "vp8enc" | "vp8dec" | "rtph264pay" | "rtpvp8pay" | "rtpopuspay" | "jpegenc" | "pngenc" => {
            "gstreamer1.0-plugins-good"
        }
        _ => "gstreamer1.0-plugins-base, -good or -bad",
    }
}
