//! Camera modes and choosing one for a requested quality.

use serde::{Deserialize, Serialize};

use crate::types::{Quality, Resolution};

/// How a camera delivers its pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PixelFormat {
    /// Raw 4:2:0, two planes: what hardware encoders take as is.
    Nv12,
    /// Raw 4:2:0, three planes: what software encoders take as is.
    I420,
    /// Raw 4:2:2 packed: needs a conversion.
    Yuy2,
    /// Motion JPEG: compressed on the camera, needs decoding; the usual 4K/1080p30 mode over USB 2.
    Mjpeg,
    /// H.264 encoded by the camera.
    H264,
    /// Anything else GStreamer can convert.
    Other,
}

impl PixelFormat {
    /// From a caps structure name and its `format` field.
    pub(crate) fn from_caps(structure_name: &str, format: Option<&str>) -> PixelFormat {
        match (structure_name, format) {
            ("video/x-raw", Some("NV12")) => PixelFormat::Nv12,
            ("video/x-raw", Some("I420")) => PixelFormat::I420,
            ("video/x-raw", Some("YUY2")) => PixelFormat::Yuy2,
            ("image/jpeg", _) => PixelFormat::Mjpeg,
            ("video/x-h264", _) => PixelFormat::H264,
            _ => PixelFormat::Other,
        }
    }

    /// Lower is better: raw 4:2:0 needs nothing, MJPEG saves USB bandwidth
    /// at high resolutions, packed 4:2:2 needs a conversion, camera H.264
    /// would be decoded and encoded again.
    fn cost(self) -> u8 {
        match self {
            PixelFormat::Nv12 => 0,
            PixelFormat::I420 => 1,
            PixelFormat::Mjpeg => 2,
            PixelFormat::Yuy2 => 3,
            PixelFormat::H264 => 4,
            PixelFormat::Other => 5,
        }
    }
}

/// One way a camera can capture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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

impl VideoMode {
    /// The frame size.
    pub fn resolution(&self) -> Resolution {
        Resolution {
            width: self.width,
            height: self.height,
        }
    }
}

/// The frame rate we aim for; faster modes cost more and add nothing to a call.
const TARGET_FPS: f64 = 30.0;
/// Below this a mode is a slideshow.
const MIN_SMOOTH_FPS: f64 = 24.0;

/// Picks the camera mode for `quality`: smooth (24 fps or more) before
/// anything else; then the requested size exactly, else the smallest larger
/// one (scaled down), else the largest smaller one; then the cheapest format;
/// then the rate closest to 30 fps.
pub fn choose_mode(modes: &[VideoMode], quality: Quality) -> Option<VideoMode> {
    let target = quality.resolution();
    let area = |m: &VideoMode| u64::from(m.width) * u64::from(m.height);
    let target_area = u64::from(target.width) * u64::from(target.height);
    modes.iter().copied().min_by(|a, b| {
        let key = |m: &VideoMode| {
            let smooth = m.fps + 0.01 >= MIN_SMOOTH_FPS;
            let fits = m.width >= target.width && m.height >= target.height;
            // Larger-but-fitting modes: smaller is better. Too-small modes: larger is better.
            let size_rank = if fits {
                (0u8, area(m) - target_area)
            } else {
                (1u8, target_area.saturating_sub(area(m)))
            };
            let fps_distance = ((m.fps - TARGET_FPS).abs() * 100.0) as u64;
            (!smooth, size_rank, m.format.cost(), fps_distance)
        };
        key(a).cmp(&key(b))
    })
}

/// The modes of the test camera: every quality at 30 fps, NV12 and I420.
pub(crate) fn test_camera_modes() -> Vec<VideoMode> {
    Quality::ALL
        .iter()
        .flat_map(|q| {
            let r = q.resolution();
            [PixelFormat::Nv12, PixelFormat::I420].map(|format| VideoMode {
                width: r.width,
                height: r.height,
                fps: TARGET_FPS,
                format,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(width: u32, height: u32, fps: f64, format: PixelFormat) -> VideoMode {
        VideoMode {
            width,
            height,
            fps,
            format,
        }
    }

    /// A typical USB 2 webcam: raw YUY2 only at small sizes, MJPEG up to 4K.
    fn webcam() -> Vec<VideoMode> {
        vec![
            mode(640, 360, 30.0, PixelFormat::Yuy2),
            mode(1280, 720, 10.0, PixelFormat::Yuy2),
            mode(1920, 1080, 5.0, PixelFormat::Yuy2),
            mode(3840, 2160, 1.0, PixelFormat::Yuy2),
            mode(640, 360, 30.0, PixelFormat::Mjpeg),
            mode(1280, 720, 30.0, PixelFormat::Mjpeg),
            mode(1280, 720, 60.0, PixelFormat::Mjpeg),
            mode(1920, 1080, 30.0, PixelFormat::Mjpeg),
            mode(3840, 2160, 30.0, PixelFormat::Mjpeg),
        ]
    }

    #[test]
    fn four_k_on_a_usb_webcam_takes_the_smooth_compressed_mode() {
        let m = choose_mode(&webcam(), Quality::P2160).expect("a mode");
        assert_eq!(
            (m.width, m.height, m.format),
            (3840, 2160, PixelFormat::Mjpeg)
        );
        let m = choose_mode(&webcam(), Quality::P1080).expect("a mode");
        assert_eq!((m.width, m.fps, m.format), (1920, 30.0, PixelFormat::Mjpeg));
    }

    #[test]
    fn raw_is_preferred_when_it_is_as_smooth_and_30_fps_over_60() {
        let m = choose_mode(&webcam(), Quality::P360).expect("a mode");
        assert_eq!(
            m.format,
            PixelFormat::Mjpeg,
            "MJPEG is cheaper than YUY2 conversion"
        );
        let mut modes = webcam();
        modes.push(mode(1280, 720, 30.0, PixelFormat::Nv12));
        let m = choose_mode(&modes, Quality::P720).expect("a mode");
        assert_eq!(m.format, PixelFormat::Nv12);
        let m = choose_mode(&webcam(), Quality::P720).expect("a mode");
        assert_eq!(m.fps, 30.0);
    }

    #[test]
    fn a_small_camera_gives_its_best_and_a_big_one_is_scaled_down() {
        let small = vec![
            mode(640, 480, 30.0, PixelFormat::Yuy2),
            mode(320, 240, 30.0, PixelFormat::Yuy2),
        ];
        let m = choose_mode(&small, Quality::P1080).expect("a mode");
        assert_eq!((m.width, m.height), (640, 480));
        let big = vec![
            mode(2592, 1944, 30.0, PixelFormat::Mjpeg),
            mode(1600, 1200, 30.0, PixelFormat::Mjpeg),
        ];
        let m = choose_mode(&big, Quality::P1080).expect("a mode");
        assert_eq!(
            (m.width, m.height),
            (2592, 1944),
            "the smallest mode that still covers 1080p"
        );
        let m = choose_mode(&big, Quality::P720).expect("a mode");
        assert_eq!((m.width, m.height), (1600, 1200));
    }

    #[test]
    fn no_modes_no_choice() {
        assert_eq!(choose_mode(&[], Quality::P720), None);
    }

    #[test]
    fn the_test_camera_offers_every_quality() {
        for q in Quality::ALL {
            let m = choose_mode(&test_camera_modes(), q).expect("a mode");
            assert_eq!(m.resolution(), q.resolution());
            assert_eq!(m.format, PixelFormat::Nv12);
        }
    }
}
