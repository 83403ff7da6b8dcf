//! The encoder profile table: every encoder element Mulaqat knows, in order
//! of preference, with the settings that make it a low-latency, long-GOP
//! (keyframes on PLI) real-time encoder.
//!
//! Software entries were checked with `gst-inspect-1.0` (GStreamer 1.22.0,
//! Debian 12) and are exercised by tests. Hardware entries were read from
//! the GStreamer 1.22.0 sources (`sys/nvcodec`, `sys/va`, `sys/qsv`,
//! `sys/mediafoundation`, `sys/amfcodec`, `sys/applemedia`,
//! `gstreamer-vaapi`) and webrtcsink's `configure_encoder`; they cannot run on
//! a machine without the hardware, so their tuning settings are optional
//! ([`Setting::optional`]): a property a driver or version lacks is skipped,
//! not fatal.

use serde::{Deserialize, Serialize};

use crate::types::VideoCodec;

/// The API family behind an encoder element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Backend {
    /// NVIDIA NVENC, the older elements (`nvh264enc`, `nvh265enc`).
    Nvenc,
    /// NVIDIA NVENC, the newer CUDA-memory elements (`nvcudah264enc`, ...).
    NvencCuda,
    /// VA-API through the `va` plugin (`vah264enc`, ...), Linux.
    VaApi,
    /// VA-API through the deprecated `gstreamer-vaapi` (`vaapih264enc`, ...).
    VaApiLegacy,
    /// Intel Quick Sync / oneVPL (`qsvh264enc`, ...).
    Qsv,
    /// Windows Media Foundation (`mfh264enc`, ...), vendor MFTs underneath.
    MediaFoundation,
    /// AMD AMF (`amfh264enc`, ...), Windows.
    Amf,
    /// Apple VideoToolbox (`vtenc_h264`, ...), macOS.
    VideoToolbox,
    /// CPU encoders (`x264enc`, `openh264enc`, `x265enc`, `vp8enc`).
    Software,
}

impl Backend {
    /// Every backend, hardware first.
    pub const ALL: [Backend; 9] = [
        Backend::Nvenc,
        Backend::NvencCuda,
        Backend::VaApi,
        Backend::VaApiLegacy,
        Backend::Qsv,
        Backend::MediaFoundation,
        Backend::Amf,
        Backend::VideoToolbox,
        Backend::Software,
    ];

    /// Whether this backend encodes on a GPU or media engine.
    pub fn is_hardware(self) -> bool {
        self != Backend::Software
    }

    /// A name for settings screens and logs.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Nvenc => "NVIDIA NVENC",
            Backend::NvencCuda => "NVIDIA NVENC (CUDA)",
            Backend::VaApi => "VA-API",
            Backend::VaApiLegacy => "VA-API (legacy)",
            Backend::Qsv => "Intel Quick Sync",
            Backend::MediaFoundation => "Media Foundation",
            Backend::Amf => "AMD AMF",
            Backend::VideoToolbox => "VideoToolbox",
            Backend::Software => "Software",
        }
    }
}

/// The unit of an encoder's bitrate property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitrateUnit {
    /// Kilobits per second (1 kbit = 1000 bits).
    KbitPerSec,
    /// Bits per second.
    BitPerSec,
}

/// The GLib type of an integer property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntType {
    /// `guint` (`u32`).
    U32,
    /// `gint` (`i32`).
    I32,
    /// `guint64` (`u64`).
    U64,
    /// `gint64` (`i64`).
    I64,
}

/// How an encoder's bitrate is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BitrateProperty {
    /// The property name (`bitrate`, `target-bitrate`).
    pub name: &'static str,
    /// Its unit.
    pub unit: BitrateUnit,
    /// Its GLib type.
    pub int_type: IntType,
}

/// One property set from a string, as `gst-launch-1.0` would
/// (`tune=zerolatency`, `bframes=0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Setting {
    /// The property name.
    pub property: &'static str,
    /// The value as text (an enum nick, a number, `true`).
    pub value: &'static str,
    /// Skip it (with a warning) if the element lacks the property or rejects
    /// the value; otherwise building the encoder fails.
    pub optional: bool,
}

/// Where an entry's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provenance {
    /// Checked with `gst-inspect-1.0` 1.22.0 and by this crate's tests.
    Inspected,
    /// Read from the GStreamer 1.22.0 sources and documentation; not run here.
    Documented,
}

/// Everything Mulaqat needs to know to use one encoder element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncoderProfile {
    /// The element factory name (`x264enc`).
    pub element: &'static str,
    /// What it produces.
    pub codec: VideoCodec,
    /// The API behind it.
    pub backend: Backend,
    /// The bitrate property.
    pub bitrate: BitrateProperty,
    /// The keyframe interval (GOP) property, set large: keyframes come on
    /// PLI/FIR through force-key-unit events.
    pub keyframe_interval: Setting,
    /// The rate-control mode (CBR where the element has one).
    pub rate_control: Option<Setting>,
    /// Low-latency settings: no B-frames, no lookahead, fast presets.
    pub low_latency: &'static [Setting],
    /// The raw format it wants in front (`NV12` or `I420`).
    pub input_format: &'static str,
    /// The `profile` caps field pinned after the encoder (H.264
    /// `constrained-baseline`, H.265 `main`), so the bitstream matches SDP.
    pub caps_profile: Option<&'static str>,
    /// The `stream-format` it produces (`byte-stream`; VideoToolbox only
    /// makes `avc`/`hvc1`, which a parser can convert).
    pub stream_format: Option<&'static str>,
    /// Where these facts come from.
    pub provenance: Provenance,
}

impl EncoderProfile {
    /// Whether it encodes on hardware.
    pub fn is_hardware(&self) -> bool {
        self.backend.is_hardware()
    }
}

/// Every profile, best first: platform hardware, then software.
pub fn profiles() -> &'static [EncoderProfile] {
    PROFILES
}

/// The profile for an element, if Mulaqat knows it.
pub fn profile(element: &str) -> Option<&'static EncoderProfile> {
    PROFILES.iter().find(|p| p.element == element)
}

const fn req(property: &'static str, value: &'static str) -> Setting {
    Setting {
        property,
        value,
        optional: false,
    }
}

const fn opt(property: &'static str, value: &'static str) -> Setting {
    Setting {
        property,
        value,
        optional: true,
    }
}

const fn bitrate(name: &'static str, unit: BitrateUnit, int_type: IntType) -> BitrateProperty {
    BitrateProperty {
        name,
        unit,
        int_type,
    }
}

/// `bitrate`, `guint`, kbit/s: x264, x265, every hardware encoder here.
const KBPS_U32: BitrateProperty = bitrate("bitrate", BitrateUnit::KbitPerSec, IntType::U32);

/// A hardware profile: NV12 in, byte-stream out, settings optional.
const fn hw(
    element: &'static str,
    codec: VideoCodec,
    backend: Backend,
    keyframe_interval: Setting,
    rate_control: Option<Setting>,
    low_latency: &'static [Setting],
) -> EncoderProfile {
    let caps_profile = match codec {
        VideoCodec::H264 => Some("constrained-baseline"),
        VideoCodec::H265 => Some("main"),
        VideoCodec::Vp8 => None,
    };
    EncoderProfile {
        element,
        codec,
        backend,
        bitrate: KBPS_U32,
        keyframe_interval,
        rate_control,
        low_latency,
        input_format: "NV12",
        caps_profile,
        stream_format: Some("byte-stream"),
        provenance: Provenance::Documented,
    }
}

const fn with_stream_format(mut p: EncoderProfile, format: &'static str) -> EncoderProfile {
    p.stream_format = Some(format);
    p
}

// NVENC, legacy elements: webrtcsink's preset. `bframes` only exists when
// the GPU can do B-frames. `preset` is left alone: its 1.22 values are
// deprecated NVENC presets.
const NV_LEGACY: &[Setting] = &[opt("zerolatency", "true"), opt("bframes", "0")];
// NVENC, CUDA elements: `tune` exists from 1.24 on.
const NV_CUDA: &[Setting] = &[
    opt("zero-reorder-delay", "true"),
    opt("b-frames", "0"),
    opt("tune", "ultra-low-latency"),
];
// VA: `key-int-max` is at most 1024; webrtcsink uses 256.
const VA: &[Setting] = &[opt("b-frames", "0")];
const VAAPI: &[Setting] = &[opt("max-bframes", "0")];
const QSV: &[Setting] = &[
    opt("b-frames", "0"),
    opt("low-latency", "true"),
    opt("disable-hrd-conformance", "true"),
];
// Media Foundation: every property is "conditionally available" (MFT).
const MF: &[Setting] = &[opt("bframes", "0"), opt("low-latency", "true")];
const AMF: &[Setting] = &[opt("usage", "ultra-low-latency"), opt("preset", "speed")];
const VT: &[Setting] = &[
    opt("realtime", "true"),
    opt("allow-frame-reordering", "false"),
];

const X264: &[Setting] = &[
    req("tune", "zerolatency"),
    req("speed-preset", "ultrafast"),
    req("b-adapt", "false"),
    req("bframes", "0"),
    req("vbv-buf-capacity", "120"),
];
const OPENH264: &[Setting] = &[req("complexity", "low"), req("usage-type", "camera")];
const X265: &[Setting] = &[req("tune", "zerolatency"), req("speed-preset", "ultrafast")];
const VP8: &[Setting] = &[
    req("deadline", "1"),
    req("cpu-used", "-16"),
    req("lag-in-frames", "0"),
    req("keyframe-mode", "disabled"),
    req("buffer-initial-size", "100"),
    req("buffer-optimal-size", "120"),
    req("buffer-size", "150"),
    req("max-intra-bitrate", "250"),
    req("error-resilient", "default"),
];

const fn sw(
    element: &'static str,
    codec: VideoCodec,
    bitrate: BitrateProperty,
    keyframe_interval: Setting,
    rate_control: Option<Setting>,
    low_latency: &'static [Setting],
) -> EncoderProfile {
    let mut p = hw(
        element,
        codec,
        Backend::Software,
        keyframe_interval,
        rate_control,
        low_latency,
    );
    p.bitrate = bitrate;
    p.input_format = "I420";
    p.provenance = Provenance::Inspected;
    if matches!(codec, VideoCodec::Vp8) {
        p.stream_format = None;
    }
    p
}

use Backend::*;
use VideoCodec::{H264, H265, Vp8};

#[rustfmt::skip]
static PROFILES: &[EncoderProfile] = &[
    // H.264, hardware.
    hw("nvh264enc", H264, Nvenc, opt("gop-size", "2560"), Some(opt("rc-mode", "cbr-ld-hq")), NV_LEGACY),
    hw("nvcudah264enc", H264, NvencCuda, opt("gop-size", "2560"), Some(opt("rate-control", "cbr")), NV_CUDA),
    hw("vah264enc", H264, VaApi, opt("key-int-max", "256"), Some(opt("rate-control", "cbr")), VA),
    hw("vaapih264enc", H264, VaApiLegacy, opt("keyframe-period", "2560"), Some(opt("rate-control", "cbr")), VAAPI),
    hw("qsvh264enc", H264, Qsv, opt("gop-size", "2560"), Some(opt("rate-control", "cbr")), QSV),
    hw("mfh264enc", H264, MediaFoundation, opt("gop-size", "2560"), Some(opt("rc-mode", "cbr")), MF),
    hw("amfh264enc", H264, Amf, opt("gop-size", "2560"), Some(opt("rate-control", "cbr")), AMF),
    with_stream_format(hw("vtenc_h264", H264, VideoToolbox, opt("max-keyframe-interval", "2560"), None, VT), "avc"),
    // H.264, software: x264 first (GPL, better quality per bit), then openh264 (BSD).
    sw("x264enc", H264, KBPS_U32, req("key-int-max", "2560"), None, X264),
    sw(
        "openh264enc",
        H264,
        bitrate("bitrate", BitrateUnit::BitPerSec, IntType::U32),
        req("gop-size", "2560"),
        Some(req("rate-control", "bitrate")),
        OPENH264,
    ),
    // H.265, hardware.
    hw("nvh265enc", H265, Nvenc, opt("gop-size", "2560"), Some(opt("rc-mode", "cbr-ld-hq")), NV_LEGACY),
    hw("nvcudah265enc", H265, NvencCuda, opt("gop-size", "2560"), Some(opt("rate-control", "cbr")), NV_CUDA),
    hw("vah265enc", H265, VaApi, opt("key-int-max", "256"), Some(opt("rate-control", "cbr")), VA),
    hw("vaapih265enc", H265, VaApiLegacy, opt("keyframe-period", "2560"), Some(opt("rate-control", "cbr")), VAAPI),
    hw("qsvh265enc", H265, Qsv, opt("gop-size", "2560"), Some(opt("rate-control", "cbr")), QSV),
    hw("mfh265enc", H265, MediaFoundation, opt("gop-size", "2560"), Some(opt("rc-mode", "cbr")), MF),
    hw("amfh265enc", H265, Amf, opt("gop-size", "2560"), Some(opt("rate-control", "cbr")), AMF),
    with_stream_format(hw("vtenc_h265", H265, VideoToolbox, opt("max-keyframe-interval", "2560"), None, VT), "hvc1"),
    // H.265, software.
    sw("x265enc", H265, KBPS_U32, req("key-int-max", "2560"), None, X265),
    // VP8, software.
    sw(
        "vp8enc",
        Vp8,
        bitrate("target-bitrate", BitrateUnit::BitPerSec, IntType::I32),
        req("keyframe-max-dist", "2560"),
        Some(req("end-usage", "cbr")),
        VP8,
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn encoder_table_names_are_unique() {
        let mut seen = HashSet::new();
        for p in profiles() {
            assert!(seen.insert(p.element), "{} is listed twice", p.element);
        }
    }

    #[test]
    fn every_codec_has_a_software_encoder() {
        for codec in [H264, H265, Vp8] {
            assert!(
                profiles()
                    .iter()
                    .any(|p| p.codec == codec && !p.is_hardware()),
                "no software encoder for {codec}"
            );
        }
    }

    #[test]
    fn h264_encoder_exists_for_every_hardware_backend() {
        for backend in Backend::ALL.into_iter().filter(|b| b.is_hardware()) {
            assert!(
                profiles()
                    .iter()
                    .any(|p| p.codec == H264 && p.backend == backend),
                "no H.264 encoder for {backend:?}"
            );
        }
    }

    #[test]
    fn encoder_order_puts_hardware_first_and_x264_before_openh264() {
        for codec in [H264, H265, Vp8] {
            let hardware: Vec<bool> = profiles()
                .iter()
                .filter(|p| p.codec == codec)
                .map(|p| p.is_hardware())
                .collect();
            assert!(
                hardware.windows(2).all(|w| w[0] || !w[1]),
                "{codec}: software before hardware"
            );
        }
        let position = |e: &str| profiles().iter().position(|p| p.element == e);
        assert!(position("x264enc") < position("openh264enc"));
    }

    #[test]
    fn encoder_profiles_are_consistent() {
        for p in profiles() {
            assert_eq!(profile(p.element), Some(p));
            let expected_format = if p.is_hardware() { "NV12" } else { "I420" };
            assert_eq!(p.input_format, expected_format, "{}", p.element);
            match p.codec {
                H264 => assert_eq!(
                    p.caps_profile,
                    Some("constrained-baseline"),
                    "{}",
                    p.element
                ),
                H265 => assert_eq!(p.caps_profile, Some("main"), "{}", p.element),
                Vp8 => assert_eq!(p.caps_profile, None),
            }
            assert_eq!(p.stream_format.is_some(), p.codec != Vp8, "{}", p.element);
            // Verified entries must fail loudly; guessed ones must not.
            let settings = p
                .low_latency
                .iter()
                .chain(p.rate_control.iter())
                .chain([&p.keyframe_interval]);
            for s in settings {
                assert_eq!(s.optional, p.is_hardware(), "{} {}", p.element, s.property);
            }
            assert_eq!(
                p.provenance == Provenance::Inspected,
                !p.is_hardware(),
                "{}",
                p.element
            );
        }
    }
}
