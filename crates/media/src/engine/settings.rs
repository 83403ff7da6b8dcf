//! How the engine is set up, apart from its running state.

use std::sync::Arc;

use crate::devices::TestDevices;
use crate::types::{DeviceId, Quality, Resolution, TrackId, VideoCodec};

/// Receives decoded frames for the UI: track, width, height, capture time
/// (microseconds) and tightly packed NV12 bytes. Called on GStreamer threads;
/// must not block.
pub type FrameSink = Arc<dyn Fn(&TrackId, u32, u32, u64, Arc<[u8]>) + Send + Sync>;

/// Default frame rate.
pub const DEFAULT_FPS: u32 = 30;
/// Default self-view size (the UI scales it further).
pub const DEFAULT_SELF_VIEW: Resolution = Resolution {
    width: 640,
    height: 360,
};
/// Default receive jitter buffer, milliseconds: low delay on a clean link;
/// the engine raises it under jitter.
pub const DEFAULT_JITTER_BUFFER_MS: u32 = 40;

/// The engine's settings.
#[derive(Clone)]
pub struct EngineSettings {
    /// Camera to use; `None` picks the first real one, else the test camera.
    pub camera: Option<DeviceId>,
    /// Microphone to use; `None` as for the camera.
    pub microphone: Option<DeviceId>,
    /// Speaker to use; `None` as for the camera.
    pub speaker: Option<DeviceId>,
    /// When the test devices are offered.
    pub test_devices: TestDevices,
    /// Sending quality.
    pub quality: Quality,
    /// Sending frame rate.
    pub fps: u32,
    /// Video codecs this engine may send, in order of preference.
    pub video_codecs: Vec<VideoCodec>,
    /// An encoder element to use whenever it works (user choice or machine policy).
    pub pinned_encoder: Option<String>,
    /// Turn off echo cancellation, noise suppression and gain control
    /// (electronic stethoscopes, music).
    pub clinical_audio: bool,
    /// Size of the self-view frames.
    pub self_view: Resolution,
    /// Initial receive jitter buffer, milliseconds.
    pub jitter_buffer_ms: u32,
    /// Draw a machine-readable capture time into every sent frame and read it
    /// back on receive (latency measurement; off in calls).
    pub stamp_frames: bool,
    /// Where decoded and self-view frames go for the UI: the frame socket.
    /// Each track is scaled to the largest tile size its viewers ask for.
    pub frame_output: Option<crate::frames::FrameOutput>,
    /// Another place frames go (tests, recording); called for every frame.
    pub frame_sink: Option<FrameSink>,
    /// Which encoders work here; `None` shares one process-wide registry,
    /// probed once in the background.
    pub encoders: Option<crate::encode::EncoderRegistry>,
}

impl std::fmt::Debug for EngineSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineSettings")
            .field("camera", &self.camera)
            .field("microphone", &self.microphone)
            .field("speaker", &self.speaker)
            .field("quality", &self.quality)
            .field("fps", &self.fps)
            .field("video_codecs", &self.video_codecs)
            .field("pinned_encoder", &self.pinned_encoder)
            .field("clinical_audio", &self.clinical_audio)
            .field("stamp_frames", &self.stamp_frames)
            .finish_non_exhaustive()
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            camera: None,
            microphone: None,
            speaker: None,
            test_devices: TestDevices::WhenMissing,
            quality: Quality::P720,
            fps: DEFAULT_FPS,
            video_codecs: vec![VideoCodec::H264, VideoCodec::Vp8],
            pinned_encoder: None,
            clinical_audio: false,
            self_view: DEFAULT_SELF_VIEW,
            jitter_buffer_ms: DEFAULT_JITTER_BUFFER_MS,
            stamp_frames: false,
            frame_output: None,
            frame_sink: None,
            encoders: None,
        }
    }
}

/// How one peer connection is set up.
#[derive(Debug, Clone, Default)]
pub struct PeerConfig {
    /// This side makes the offer (the other waits for it).
    pub initiator: bool,
    /// STUN and TURN servers.
    pub ice_servers: Vec<crate::types::IceServer>,
    /// Direct and relayed, or relayed only.
    pub ice_policy: crate::types::IcePolicy,
    /// The video codec to send to this peer; `None` takes the first of the
    /// engine's codecs that has a working encoder.
    pub video_codec: Option<VideoCodec>,
}
