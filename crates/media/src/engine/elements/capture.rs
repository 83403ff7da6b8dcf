//! The local side: camera (or placeholder) into a tee, self-view and
//! snapshot branches, the microphone through echo cancellation, and the
//! playback mixer with the echo canceller's probe.

use gst::prelude::*;

use crate::MediaError;
use crate::devices::{DeviceWatcher, PixelFormat, choose_mode};
use crate::types::{DeviceId, Quality, Resolution};

/// The dark slate sent while the camera is off or lost.
const PLACEHOLDER_ARGB: u32 = 0xff20_2830;
/// Audio runs at 48 kHz mono through the processing.
pub(crate) const AUDIO_RATE: i32 = 48_000;

pub(crate) fn raw_video_caps(size: Resolution, fps: u32, format: &str) -> gst::Caps {
    gst::Caps::builder("video/x-raw")
        .field("format", format)
        .field("width", i32::try_from(size.width).unwrap_or(i32::MAX))
        .field("height", i32::try_from(size.height).unwrap_or(i32::MAX))
        .field(
            "framerate",
            gst::Fraction::new(i32::try_from(fps).unwrap_or(30), 1),
        )
        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
        .build()
}

fn add_and_link(
    bin: &impl IsA<gst::Bin>,
    chain: &[&gst::Element],
    what: &str,
) -> Result<(), MediaError> {
    bin.add_many(chain.iter().copied())
        .map_err(|e| MediaError::build(what, e))?;
    gst::Element::link_many(chain.iter().copied()).map_err(|e| MediaError::build(what, e))
}

fn ghost(bin: &gst::Bin, element: &gst::Element, pad: &str, what: &str) -> Result<(), MediaError> {
    let target = element
        .static_pad(pad)
        .ok_or_else(|| MediaError::build(what, format!("no {pad} pad")))?;
    let ghost = gst::GhostPad::with_target(&target).map_err(|e| MediaError::build(what, e))?;
    bin.add_pad(&ghost).map_err(|e| MediaError::build(what, e))
}

/// A camera (or the test camera) as a bin with one `src` pad giving I420 at
/// the sending size and rate, whatever the camera's own mode.
pub(crate) fn camera_bin(
    devices: &DeviceWatcher,
    camera: &DeviceId,
    quality: Quality,
    fps: u32,
    name: &str,
) -> Result<gst::Bin, MediaError> {
    let what = format!("the camera input ({camera})");
    let info = devices
        .find(camera)
        .ok_or_else(|| MediaError::NoSuchDevice {
            kind: "camera",
            id: camera.to_string(),
        })?;
    let bin = gst::Bin::with_name(name);
    let src = devices.make_element(camera, &format!("{name}-src"))?;
    let mode = choose_mode(&info.modes, quality);
    let mut chain = vec![src];
    if let Some(mode) = mode {
        // Ask the camera for the chosen mode; decode MJPEG on the way.
        let structure = match mode.format {
            PixelFormat::Mjpeg => "image/jpeg",
            PixelFormat::H264 => "video/x-h264",
            _ => "video/x-raw",
        };
        let mut caps = gst::Caps::builder(structure)
            .field("width", i32::try_from(mode.width).unwrap_or(i32::MAX))
            .field("height", i32::try_from(mode.height).unwrap_or(i32::MAX));
        match mode.format {
            PixelFormat::Nv12 => caps = caps.field("format", "NV12"),
            PixelFormat::I420 => caps = caps.field("format", "I420"),
            PixelFormat::Yuy2 => caps = caps.field("format", "YUY2"),
            _ => {}
        }
        let filter = crate::make_element("capsfilter", &format!("{name}-mode"))?;
        filter.set_property("caps", caps.build());
        chain.push(filter);
        match mode.format {
            PixelFormat::Mjpeg => {
                chain.push(crate::make_element("jpegdec", &format!("{name}-jpegdec"))?)
            }
            PixelFormat::H264 => {
                chain.push(crate::make_element("h264parse", &format!("{name}-parse"))?);
                chain.push(crate::make_element("avdec_h264", &format!("{name}-dec"))?);
            }
            _ => {}
        }
    }
    let convert = crate::make_element("videoconvert", &format!("{name}-convert"))?;
    let scale = crate::make_element("videoscale", &format!("{name}-scale"))?;
    let rate = crate::make_element("videorate", &format!("{name}-rate"))?;
    rate.set_property("drop-only", true);
    let out = crate::make_element("capsfilter", &format!("{name}-caps"))?;
    out.set_property("caps", raw_video_caps(quality.resolution(), fps, "I420"));
    chain.extend([convert, scale, rate, out.clone()]);
    let refs: Vec<&gst::Element> = chain.iter().collect();
    add_and_link(&bin, &refs, &what)?;
    ghost(&bin, &out, "src", &what)?;
    tracing::debug!(%camera, ?mode, ?quality, fps, "camera input built");
    Ok(bin)
}

/// The placeholder picture as a bin with one `src` pad, same caps as the camera.
pub(crate) fn placeholder_bin(quality: Quality, fps: u32) -> Result<gst::Bin, MediaError> {
    let what = "the camera placeholder";
    let bin = gst::Bin::with_name("mulaqat-placeholder");
    let src = crate::make_element("videotestsrc", "mulaqat-placeholder-src")?;
    src.set_property("is-live", true);
    src.set_property_from_str("pattern", "solid-color");
    src.set_property("foreground-color", PLACEHOLDER_ARGB);
    let caps = crate::make_element("capsfilter", "mulaqat-placeholder-caps")?;
    caps.set_property("caps", raw_video_caps(quality.resolution(), fps, "I420"));
    add_and_link(&bin, &[&src, &caps], what)?;
    ghost(&bin, &caps, "src", what)?;
    Ok(bin)
}

/// An appsink that keeps only the newest sample, for frames the UI or a
/// snapshot may want.
pub(crate) fn latest_only_sink(
    name: &str,
    caps: Option<&gst::Caps>,
) -> Result<gst_app::AppSink, MediaError> {
    let mut builder = gst_app::AppSink::builder()
        .name(name)
        .sync(false)
        // Branches may see no frame for a while (nobody watching): the
        // pipeline must not wait for them to preroll.
        .async_(false)
        .drop(true)
        .max_buffers(1);
    if let Some(caps) = caps {
        builder = builder.caps(caps);
    }
    Ok(builder.build())
}

/// A queue that drops old buffers rather than hold up the capture.
pub(crate) fn leaky_queue(name: &str, buffers: u32) -> Result<gst::Element, MediaError> {
    let queue = crate::make_element("queue", name)?;
    queue.set_property("max-size-buffers", buffers);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-time", 0u64);
    queue.set_property_from_str("leaky", "downstream");
    Ok(queue)
}

/// Elements of the microphone path, from the device to the mute valve.
pub(crate) struct MicChain {
    pub elements: Vec<gst::Element>,
    pub dsp: Option<gst::Element>,
    pub valve: gst::Element,
}

/// The microphone's level meter's element name.
pub(crate) const MIC_LEVEL: &str = "mulaqat-mic-level";
/// How often level meters report.
const LEVEL_INTERVAL_MS: u64 = 100;

/// A `level` element named `name` that posts RMS and peak every
/// [`LEVEL_INTERVAL_MS`] (read by the bus watcher).
pub(crate) fn level_meter(name: &str) -> Result<gst::Element, MediaError> {
    let level = crate::make_element("level", name)?;
    level.set_property("interval", LEVEL_INTERVAL_MS * 1_000_000);
    level.set_property("post-messages", true);
    Ok(level)
}

/// The echo canceller's probe name: unique per engine, since webrtcdsp
/// finds its probe by name across the whole process.
pub(crate) fn echo_probe_name() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("mulaqat-echo-probe-{n}")
}

/// Echo cancellation, noise suppression and gain control, cancelling what
/// the probe named `probe` hears going to the speaker.
pub(crate) fn audio_processing(name: &str, probe: &str) -> Result<gst::Element, MediaError> {
    let dsp = crate::make_element("webrtcdsp", name)?;
    dsp.set_property("probe", probe);
    dsp.set_property("echo-cancel", true);
    dsp.set_property("noise-suppression", true);
    dsp.set_property("gain-control", true);
    Ok(dsp)
}

/// Microphone → 48 kHz mono → echo cancellation, noise suppression and gain
/// control (unless clinical audio) → mute valve.
pub(crate) fn mic_chain(
    devices: &DeviceWatcher,
    mic: &DeviceId,
    clinical_audio: bool,
    probe: &str,
) -> Result<MicChain, MediaError> {
    let src = devices.make_element(mic, "mulaqat-mic-src")?;
    let convert = crate::make_element("audioconvert", "mulaqat-mic-convert")?;
    let resample = crate::make_element("audioresample", "mulaqat-mic-resample")?;
    let caps = crate::make_element("capsfilter", "mulaqat-mic-caps")?;
    caps.set_property("caps", audio_caps());
    let mut elements = vec![src, convert, resample, caps];
    let dsp = if clinical_audio {
        None
    } else {
        let dsp = audio_processing("mulaqat-audio-dsp", probe)?;
        elements.push(dsp.clone());
        Some(dsp)
    };
    // Measured before the mute valve: the meter moves while muted, so the
    // person sees that the microphone works (and that they are muted).
    elements.push(level_meter(MIC_LEVEL)?);
    let valve = crate::make_element("valve", "mulaqat-mic-valve")?;
    elements.push(valve.clone());
    Ok(MicChain {
        elements,
        dsp,
        valve,
    })
}

pub(crate) fn audio_caps() -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("layout", "interleaved")
        .field("rate", AUDIO_RATE)
        .field("channels", 1i32)
        .build()
}

/// Remote audio mixes here, through the echo probe, to the speaker. A silent
/// live source keeps the mixer running when nobody is connected.
pub(crate) fn playback_chain(
    devices: &DeviceWatcher,
    speaker: &DeviceId,
    probe: &str,
) -> Result<(Vec<gst::Element>, gst::Element), MediaError> {
    let silence = crate::make_element("audiotestsrc", "mulaqat-playback-silence")?;
    silence.set_property("is-live", true);
    silence.set_property_from_str("wave", "silence");
    let silence_caps = crate::make_element("capsfilter", "mulaqat-playback-silence-caps")?;
    silence_caps.set_property("caps", audio_caps());
    let mixer = crate::make_element("audiomixer", "mulaqat-audio-mixer")?;
    let mixed_caps = crate::make_element("capsfilter", "mulaqat-playback-caps")?;
    mixed_caps.set_property("caps", audio_caps());
    let probe = crate::make_element("webrtcechoprobe", probe)?;
    let convert = crate::make_element("audioconvert", "mulaqat-playback-convert")?;
    let resample = crate::make_element("audioresample", "mulaqat-playback-resample")?;
    let sink = devices.make_element(speaker, "mulaqat-speaker")?;
    let elements = vec![
        silence,
        silence_caps,
        mixer.clone(),
        mixed_caps,
        probe,
        convert,
        resample,
        sink,
    ];
    Ok((elements, mixer))
}

#[cfg(test)]
mod tests;
