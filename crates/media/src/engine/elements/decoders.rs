//! Which decoder receives each video codec: hardware first, then software.

use crate::types::VideoCodec;

/// Decoders to try for each codec, hardware first.
fn decoders(codec: VideoCodec) -> &'static [&'static str] {
    match codec {
        VideoCodec::H264 => &[
            "nvh264dec",
            "vah264dec",
            "vaapih264dec",
            "qsvh264dec",
            "d3d11h264dec",
            "vtdec_hw",
            "avdec_h264",
            "openh264dec",
        ],
        VideoCodec::H265 => &[
            "nvh265dec",
            "vah265dec",
            "vaapih265dec",
            "qsvh265dec",
            "d3d11h265dec",
            "vtdec_hw",
            "avdec_h265",
            "libde265dec",
        ],
        VideoCodec::Vp8 => &["vp8dec", "avdec_vp8"],
    }
}

/// The first installed decoder for `codec`.
pub(crate) fn decoder_for(codec: VideoCodec) -> Option<&'static str> {
    decoders(codec)
        .iter()
        .copied()
        .find(|d| crate::has_element(d))
}

/// The codecs a remote peer or SFU may send us, H.264 and VP8, of those
/// with an installed decoder. Starts GStreamer if it is not yet.
pub fn decodable_codecs() -> Result<Vec<VideoCodec>, crate::MediaError> {
    crate::init()?;
    let codecs = [VideoCodec::H264, VideoCodec::Vp8];
    Ok(codecs
        .into_iter()
        .filter(|c| decoder_for(*c).is_some())
        .collect())
}
