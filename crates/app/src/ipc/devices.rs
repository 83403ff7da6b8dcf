//! Capture and playback devices as the UI sees them (`mulaqat_media::devices`).

use mulaqat_media::devices as dev;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ids::{DeviceId, ts};

/// `mulaqat_media::devices::DeviceKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DeviceKind {
    /// Video in.
    Camera,
    /// Audio in.
    Microphone,
    /// Audio out.
    Speaker,
}

/// `mulaqat_media::devices::PixelFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PixelFormat {
    /// Raw 4:2:0, two planes.
    Nv12,
    /// Raw 4:2:0, three planes.
    I420,
    /// Raw 4:2:2 packed.
    Yuy2,
    /// Motion JPEG.
    Mjpeg,
    /// H.264 encoded by the camera.
    H264,
    /// Anything else.
    Other,
}

/// `mulaqat_media::devices::VideoMode`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VideoMode {
    /// Frame size.
    pub width: u32,
    /// Frame size.
    pub height: u32,
    /// The highest frame rate in this mode.
    pub fps: f64,
    /// The pixel format.
    pub format: PixelFormat,
}

/// `mulaqat_media::devices::DeviceInfo`. `name` comes from the OS: plain text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    /// Stable id to ask for it by.
    #[ts(as = "ts::DeviceId")]
    pub id: DeviceId,
    /// The name the system gives it.
    pub name: String,
    /// Camera, microphone or speaker.
    pub kind: DeviceKind,
    /// For cameras: the modes it can capture in.
    pub modes: Vec<VideoMode>,
    /// A stand-in made by Mulaqat, not real hardware.
    pub is_test: bool,
}

/// `mulaqat_media::devices::DeviceEvent`: a device was plugged in or out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DeviceChange {
    /// Plugged in.
    Added {
        /// The device.
        device: DeviceInfo,
    },
    /// Unplugged.
    Removed {
        /// The device.
        device: DeviceInfo,
    },
}

impl From<dev::DeviceKind> for DeviceKind {
    fn from(kind: dev::DeviceKind) -> Self {
        match kind {
            dev::DeviceKind::Camera => DeviceKind::Camera,
            dev::DeviceKind::Microphone => DeviceKind::Microphone,
            dev::DeviceKind::Speaker => DeviceKind::Speaker,
        }
    }
}

impl From<dev::PixelFormat> for PixelFormat {
    fn from(format: dev::PixelFormat) -> Self {
        match format {
            dev::PixelFormat::Nv12 => PixelFormat::Nv12,
            dev::PixelFormat::I420 => PixelFormat::I420,
            dev::PixelFormat::Yuy2 => PixelFormat::Yuy2,
            dev::PixelFormat::Mjpeg => PixelFormat::Mjpeg,
            dev::PixelFormat::H264 => PixelFormat::H264,
            dev::PixelFormat::Other => PixelFormat::Other,
        }
    }
}

impl From<dev::VideoMode> for VideoMode {
    fn from(mode: dev::VideoMode) -> Self {
        let dev::VideoMode {
            width,
            height,
            fps,
            format,
        } = mode;
        VideoMode {
            width,
            height,
            fps,
            format: format.into(),
        }
    }
}

impl From<dev::DeviceInfo> for DeviceInfo {
    fn from(info: dev::DeviceInfo) -> Self {
        let dev::DeviceInfo {
            id,
            name,
            kind,
            modes,
            is_test,
        } = info;
        DeviceInfo {
            id: id.0,
            name,
            kind: kind.into(),
            modes: modes.into_iter().map(Into::into).collect(),
            is_test,
        }
    }
}

impl From<dev::DeviceEvent> for DeviceChange {
    fn from(event: dev::DeviceEvent) -> Self {
        match event {
            dev::DeviceEvent::Added(device) => DeviceChange::Added {
                device: device.into(),
            },
            dev::DeviceEvent::Removed(device) => DeviceChange::Removed {
                device: device.into(),
            },
        }
    }
}
