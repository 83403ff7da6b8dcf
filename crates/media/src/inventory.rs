//! What this machine's GStreamer has, for diagnostics (`mulaqat --self-test`):
//! its version, whether the elements the engine builds are installed (with
//! the package that usually has each), and which video decoders exist for
//! each codec. Plain Rust types only, like the rest of this crate's API.

use gst::glib::translate::IntoGlib as _;
use gst::prelude::*;
use serde::Serialize;

use crate::MediaError;
use crate::types::VideoCodec;

/// Elements every call needs; a missing one makes calls fail.
pub const REQUIRED_ELEMENTS: &[&str] = &[
    // GStreamer core.
    "capsfilter",
    "tee",
    "queue",
    "valve",
    "fakesink",
    // gstreamer1.0-plugins-base.
    "videoconvert",
    "videoscale",
    "videorate",
    "videotestsrc",
    "audiotestsrc",
    "audioconvert",
    "audioresample",
    "audiomixer",
    "appsink",
    "opusenc",
    "opusdec",
    // gstreamer1.0-plugins-good.
    "rtpbin",
    "rtpopuspay",
    "rtpopusdepay",
    "rtpvp8pay",
    "rtpvp8depay",
    "rtph264pay",
    "rtph264depay",
    "vp8enc",
    "vp8dec",
    "level",
    "autoaudiosink",
    "jpegenc",
    "jpegdec",
    "pngenc",
    // gstreamer1.0-plugins-bad.
    "webrtcbin",
    "dtlssrtpenc",
    "dtlssrtpdec",
    "srtpenc",
    "srtpdec",
    "webrtcdsp",
    "webrtcechoprobe",
    "h264parse",
    "h265parse",
    // gstreamer1.0-nice.
    "nicesrc",
    "nicesink",
    // Linked into Mulaqat (gst-plugin-rtp).
    "rtpgccbwe",
];

/// Elements that make Mulaqat better where they exist; calls work without.
pub const OPTIONAL_ELEMENTS: &[&str] = &[
    "x264enc",
    "avdec_h264",
    "openh264enc",
    "openh264dec",
    "vah264enc",
    "vaapih264enc",
    "v4l2src",
    "pulsesrc",
    "pulsesink",
    "pipewiresrc",
    // Screen sharing on X11.
    "ximagesrc",
];

/// Whether one element is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementStatus {
    /// The element factory name.
    pub element: String,
    /// Whether GStreamer found it.
    pub installed: bool,
    /// The package that usually has it (Debian names).
    pub package: &'static str,
}

/// An installed video decoder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecoderInfo {
    /// The element factory name.
    pub element: String,
    /// What it decodes.
    pub codec: VideoCodec,
    /// Whether GStreamer classes it as hardware.
    pub hardware: bool,
    /// Its GStreamer rank (higher is preferred by auto-plugging).
    pub rank: i32,
}

/// The GStreamer library version this process runs with (`1.22.0`).
pub fn gstreamer_version() -> Result<String, MediaError> {
    crate::init()?;
    let (major, minor, micro, _nano) = gst::version();
    Ok(format!("{major}.{minor}.{micro}"))
}

/// Whether each element is installed.
pub fn element_status(elements: &[&str]) -> Result<Vec<ElementStatus>, MediaError> {
    crate::init()?;
    Ok(elements
        .iter()
        .map(|e| ElementStatus {
            element: (*e).to_owned(),
            installed: crate::has_element(e),
            package: package(e),
        })
        .collect())
}

/// Every installed decoder for `codec`, highest rank first.
pub fn decoders(codec: VideoCodec) -> Result<Vec<DecoderInfo>, MediaError> {
    crate::init()?;
    let media_type = match codec {
        VideoCodec::H264 => "video/x-h264",
        VideoCodec::H265 => "video/x-h265",
        VideoCodec::Vp8 => "video/x-vp8",
    };
    let caps = gst::Caps::new_empty_simple(media_type);
    let all = gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER | gst::ElementFactoryType::MEDIA_VIDEO,
        gst::Rank::NONE,
    );
    let mut found: Vec<DecoderInfo> = all
        .iter()
        .filter(|f| f.can_sink_any_caps(&caps))
        .map(|f| DecoderInfo {
            element: f.name().to_string(),
            codec,
            hardware: f.has_type(gst::ElementFactoryType::HARDWARE)
                || f.klass().contains("Hardware"),
            rank: f.rank().into_glib(),
        })
        .collect();
    found.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.element.cmp(&b.element)));
    Ok(found)
}

fn package(element: &str) -> &'static str {
    match element {
        "capsfilter" | "tee" | "queue" | "valve" | "fakesink" => "libgstreamer1.0-0",
        "videoconvert" | "videoscale" | "videorate" | "videotestsrc" | "audiotestsrc"
        | "audioconvert" | "audioresample" | "audiomixer" | "appsink" | "opusenc" | "opusdec" => {
            "gstreamer1.0-plugins-base"
        }
        "rtpbin" | "rtpopusdepay" | "rtpvp8depay" | "rtph264depay" | "level" | "autoaudiosink"
        | "jpegdec" | "v4l2src" | "ximagesrc" => "gstreamer1.0-plugins-good",
        "pulsesrc" | "pulsesink" => "gstreamer1.0-pulseaudio",
        "pipewiresrc" => "gstreamer1.0-pipewire",
        "dtlssrtpenc" | "dtlssrtpdec" | "srtpenc" | "srtpdec" => "gstreamer1.0-plugins-bad",
        "rtpgccbwe" => "mulaqat (linked in)",
        other => crate::package_hint(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_element_is_installed_on_a_build_machine() {
        let status = element_status(REQUIRED_ELEMENTS).expect("gstreamer starts");
        let missing: Vec<_> = status.iter().filter(|s| !s.installed).collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
    }

    #[test]
    fn vp8_has_a_software_decoder() {
        let found = decoders(VideoCodec::Vp8).expect("gstreamer starts");
        assert!(found.iter().any(|d| d.element == "vp8dec"), "{found:?}");
    }

    #[test]
    fn version_is_at_least_1_22() {
        let version = gstreamer_version().expect("gstreamer starts");
        let minor: u32 = version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .expect("a version like 1.22.0");
        assert!(minor >= 22, "{version}");
    }
}
