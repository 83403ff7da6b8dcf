//! Video frames for the desktop UI over an authenticated localhost WebSocket.
//!
//! The engine scales each video track to the size its UI tile asked for and
//! hands NV12 frames to a [`FramePublisher`]; the [`FrameServer`] streams the
//! newest frame of every subscribed track to the UI (a WebGL2 canvas in the
//! Tauri webview), one binary WebSocket message per frame. The wire format is
//! described in `docs/frames.md`; [`FrameClient`] is the reference client
//! (the TypeScript client follows it).
//!
//! ```text
//! GStreamer appsink ──publish()──▶ FramePublisher ──latest frame──▶ FrameServer ──ws://127.0.0.1──▶ UI
//!        ▲                                                              │
//!        └──────── requested_size(): scale to this ◀── subscribe {track, width, height}
//! ```
//!
//! Guarantees:
//! - the server binds `127.0.0.1` on an ephemeral port and refuses, with
//!   HTTP 401 during the upgrade, any client that does not present the
//!   per-launch token ([`FrameServer::token`]);
//! - [`FramePublisher::publish`] never blocks and never waits for a client:
//!   each client gets the newest frame of each track when it is ready for
//!   one, and skips the frames it was too slow for;
//! - a publisher with no subscriber does no work beyond one check.

mod client;
mod connection;
mod server;
mod track;
mod wire;

use std::fmt;
use std::sync::Arc;

pub use client::{FrameClient, FrameClientError, FrameEvent};
pub use server::{FrameOutput, FrameServer};
pub use track::{Demand, FramePublisher};

/// The largest width or height the frame socket carries (and a client may
/// request), in pixels.
pub const MAX_DIMENSION: u32 = 8192;

/// One NV12 picture.
///
/// `data` is tightly packed NV12: the Y plane (`width * height` bytes, one
/// row after another, no padding), then the interleaved UV plane
/// (`width * height / 2` bytes: `U V U V …`, one pair per 2x2 block of
/// pixels). Width and height are even and at most [`MAX_DIMENSION`].
#[derive(Clone, PartialEq, Eq)]
pub struct VideoFrame {
    /// Pixels across (even).
    pub width: u32,
    /// Pixels down (even).
    pub height: u32,
    /// When the picture was captured, in microseconds. The frame server
    /// passes it through unchanged; the engine chooses the clock.
    pub timestamp_us: u64,
    /// The NV12 bytes, [`VideoFrame::nv12_len`] of them.
    pub data: Arc<[u8]>,
}

impl VideoFrame {
    /// A frame; nothing is checked until it is published.
    pub fn new(width: u32, height: u32, timestamp_us: u64, data: impl Into<Arc<[u8]>>) -> Self {
        Self {
            width,
            height,
            timestamp_us,
            data: data.into(),
        }
    }

    /// How many bytes an NV12 picture of this size has, or `None` if the
    /// size is not a valid NV12 size (zero, odd, or above [`MAX_DIMENSION`]).
    pub fn nv12_len(width: u32, height: u32) -> Option<usize> {
        let valid = |d: u32| d > 0 && d.is_multiple_of(2) && d <= MAX_DIMENSION;
        if !valid(width) || !valid(height) {
            return None;
        }
        let pixels = usize::try_from(u64::from(width) * u64::from(height)).ok()?;
        pixels.checked_add(pixels / 2)
    }

    /// Whether the size is valid and `data` has exactly the bytes it needs.
    pub fn is_valid(&self) -> bool {
        Self::nv12_len(self.width, self.height) == Some(self.data.len())
    }
}

impl fmt::Debug for VideoFrame {
    // Leaves the pixels out: a 1080p frame is 3 MB of numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoFrame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("timestamp_us", &self.timestamp_us)
            .field("data_len", &self.data.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nv12_len_is_one_and_a_half_bytes_per_pixel() {
        assert_eq!(VideoFrame::nv12_len(640, 360), Some(640 * 360 * 3 / 2));
        assert_eq!(VideoFrame::nv12_len(2, 2), Some(6));
        assert_eq!(
            VideoFrame::nv12_len(MAX_DIMENSION, MAX_DIMENSION),
            Some(8192 * 8192 * 3 / 2)
        );
    }

    #[test]
    fn nv12_len_refuses_zero_odd_and_huge_sizes() {
        for (w, h) in [
            (0, 2),
            (2, 0),
            (3, 2),
            (2, 3),
            (MAX_DIMENSION + 2, 2),
            (u32::MAX, u32::MAX),
        ] {
            assert_eq!(VideoFrame::nv12_len(w, h), None, "{w}x{h}");
        }
    }

    #[test]
    fn a_frame_is_valid_only_with_the_exact_byte_count() {
        assert!(VideoFrame::new(4, 2, 0, vec![0; 12]).is_valid());
        assert!(!VideoFrame::new(4, 2, 0, vec![0; 11]).is_valid());
        assert!(!VideoFrame::new(4, 2, 0, vec![0; 13]).is_valid());
        assert!(!VideoFrame::new(3, 2, 0, vec![0; 9]).is_valid());
    }

    #[test]
    fn debug_does_not_print_pixels() {
        let text = format!("{:?}", VideoFrame::new(4, 2, 7, vec![0xAB; 12]));
        assert!(text.contains("data_len: 12"), "{text}");
        assert!(!text.contains("171"), "{text}");
    }
}
