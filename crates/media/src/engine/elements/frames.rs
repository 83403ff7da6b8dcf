//! Frames to the UI: the counters a track's stats are made from, where a
//! track's frames go, and the local preview branch (self-view, a published
//! screen's preview).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gst::prelude::*;
use gst_video::prelude::*;

use super::{capture, tiles};
use crate::MediaError;
use crate::engine::ids::Track;
use crate::engine::settings::{EngineSettings, FrameSink};
use crate::types::Resolution;

/// Called once, with the size of the first frame of a track.
type FirstFrameHook = Box<dyn FnOnce(Resolution) + Send>;

/// What the stats and the latency measurement need to know about a track.
pub(crate) struct TrackCounters {
    frames: AtomicU64,
    inner: Mutex<FrameTiming>,
    decoder: Mutex<Option<String>>,
    first_frame: Mutex<Option<FirstFrameHook>>,
    /// The depayloader's sink pad of a received video, to ask the sender
    /// for a keyframe (RTCP PLI) through it.
    keyframe_pad: Mutex<Option<gst::Pad>>,
}

impl std::fmt::Debug for TrackCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackCounters")
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

/// A received video with no frame for this long asks for a keyframe: a
/// few frame intervals at the lowest rate sent (10 fps), so that a lost
/// keyframe whose own request was lost too costs under a second more.
const STALLED_AFTER: Duration = Duration::from_millis(600);
/// A track asks again at most this often: a sender whose keyframes keep
/// getting lost is not flooded with requests for more.
const ASK_AGAIN_AFTER: Duration = Duration::from_secs(1);

/// Whether a received video should ask for a keyframe now: it shows
/// nothing (no frame yet, or none for [`STALLED_AFTER`]), and it has not
/// asked in the last [`ASK_AGAIN_AFTER`].
fn should_ask(
    frames: u64,
    (last_frame, asked): (Option<Instant>, Option<Instant>),
    now: Instant,
) -> bool {
    let stalled = frames == 0 || last_frame.is_none_or(|t| now.duration_since(t) >= STALLED_AFTER);
    stalled && asked.is_none_or(|t| now.duration_since(t) >= ASK_AGAIN_AFTER)
}

#[derive(Debug, Default)]
struct FrameTiming {
    size: Option<Resolution>,
    last_frame: Option<Instant>,
    /// When a keyframe was last asked for.
    asked: Option<Instant>,
    average_gap_ms: f64,
    freezes: u64,
    longest_gap_ms: u64,
    latencies: Vec<u32>,
}

impl TrackCounters {
    pub(crate) fn new() -> Self {
        Self {
            frames: AtomicU64::new(0),
            inner: Mutex::new(FrameTiming::default()),
            decoder: Mutex::new(None),
            first_frame: Mutex::new(None),
            keyframe_pad: Mutex::new(None),
        }
    }

    /// Asks the sender for a keyframe while this received video shows
    /// nothing: before its first frame, or after [`STALLED_AFTER`] without
    /// one. The sender's encoder makes keyframes only when asked (its
    /// interval is long), and the depayloader asks only when it sees a gap
    /// in sequence numbers: a keyframe lost before the receiving side was
    /// ready (its DTLS keys not yet in place) would otherwise leave the
    /// tile empty for the whole interval. Called four times a second; asks
    /// at most once a second.
    pub(crate) fn ask_keyframe_if_stalled(&self, track: &Track) {
        let now = Instant::now();
        {
            let mut t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            if !should_ask(self.frames(), (t.last_frame, t.asked), now) {
                return;
            }
            t.asked = Some(now);
        }
        let pad = self
            .keyframe_pad
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(pad) = pad {
            let event = gst_video::UpstreamForceKeyUnitEvent::builder()
                .all_headers(true)
                .build();
            // Upstream from the depayloader's sink pad: webrtcbin's RTP
            // session turns it into a PLI to the sender.
            let sent = pad.push_event(event);
            tracing::debug!(%track, sent, "no picture yet: asked for a keyframe");
        }
    }

    /// A received video's decoder (for stats) and the depayloader's sink
    /// pad to ask its sender for keyframes through.
    pub(crate) fn set_receiving(&self, decoder: &str, keyframe_pad: Option<gst::Pad>) {
        *self.decoder.lock().unwrap_or_else(PoisonError::into_inner) = Some(decoder.to_owned());
        *self
            .keyframe_pad
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = keyframe_pad;
    }

    /// The decoder of a received video.
    pub(crate) fn decoder(&self) -> Option<String> {
        self.decoder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs `hook` when the first frame is counted.
    pub(crate) fn on_first_frame(&self, hook: impl FnOnce(Resolution) + Send + 'static) {
        *self
            .first_frame
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Box::new(hook));
    }

    pub(crate) fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    pub(crate) fn size(&self) -> Option<Resolution> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .size
    }

    pub(crate) fn freezes(&self) -> u64 {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .freezes
    }

    /// The longest gap between two frames, or since the last one when
    /// that is longer (0 before the first frame).
    pub(crate) fn longest_freeze_ms(&self) -> u64 {
        let t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let ongoing = t.last_frame.map_or(0, |last| {
            u64::try_from(last.elapsed().as_millis()).unwrap_or(u64::MAX)
        });
        t.longest_gap_ms.max(ongoing)
    }

    pub(crate) fn take_latencies(&self) -> Vec<u32> {
        std::mem::take(
            &mut self
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .latencies,
        )
    }

    /// Counts a frame; a gap longer than max(3 x average, average + 150 ms) is a freeze.
    fn frame(&self, size: Resolution, latency: Option<u32>) {
        if self.frames.fetch_add(1, Ordering::Relaxed) == 0 {
            let hook = self
                .first_frame
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(hook) = hook {
                hook(size);
            }
        }
        let now = Instant::now();
        let mut t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        t.size = Some(size);
        if let Some(last) = t.last_frame {
            let gap = now.duration_since(last).as_secs_f64() * 1000.0;
            t.longest_gap_ms = t.longest_gap_ms.max(gap as u64);
            if t.average_gap_ms > 0.0
                && gap > (3.0 * t.average_gap_ms).max(t.average_gap_ms + 150.0)
            {
                t.freezes += 1;
            }
            t.average_gap_ms = if t.average_gap_ms == 0.0 {
                gap
            } else {
                0.95 * t.average_gap_ms + 0.05 * gap
            };
        }
        t.last_frame = Some(now);
        if let Some(ms) = latency
            && t.latencies.len() < 100_000
        {
            t.latencies.push(ms);
        }
    }
}

/// Counts the frames entering the camera tee (what is sent).
pub(crate) fn count_frames(camera_tee: &gst::Element, counters: Arc<TrackCounters>) {
    let Some(pad) = camera_tee.static_pad("sink") else {
        return;
    };
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, _| {
        let size = pad
            .current_caps()
            .and_then(|c| gst_video::VideoInfo::from_caps(&c).ok())
            .map(|i| Resolution {
                width: i.width(),
                height: i.height(),
            });
        if let Some(size) = size {
            counters.frame(size, None);
        }
        gst::PadProbeReturn::Ok
    });
}

/// Draws the capture time into every raw frame leaving `source`, where the
/// buffer is still the source's own (so drawing needs no copy).
pub(crate) fn stamp_outgoing(source: &gst::Element) {
    let Some(pad) = source.static_pad("src") else {
        return;
    };
    pad.add_probe(gst::PadProbeType::BUFFER, |pad, info| {
        let Some(caps) = pad.current_caps() else {
            return gst::PadProbeReturn::Ok;
        };
        let Ok(video) = gst_video::VideoInfo::from_caps(&caps) else {
            return gst::PadProbeReturn::Ok;
        };
        if let Some(buffer) = info.buffer_mut() {
            let buffer = buffer.make_mut();
            if let Ok(mut frame) =
                gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, &video)
            {
                let stride = usize::try_from(frame.plane_stride()[0]).unwrap_or(0);
                let (w, h) = (frame.width() as usize, frame.height() as usize);
                if let Ok(luma) = frame.plane_data_mut(0) {
                    crate::stamp::write(luma, stride, w, h, crate::stamp::now_ms());
                }
            }
        }
        gst::PadProbeReturn::Ok
    });
}

/// Where one track's frames go.
#[derive(Clone, Default)]
pub(crate) struct FrameTargets {
    /// The UI's frame socket, for this track.
    pub publisher: Option<crate::frames::FramePublisher>,
    /// Any other consumer.
    pub sink: Option<FrameSink>,
}

impl FrameTargets {
    pub(crate) fn new(shared_settings: &EngineSettings, track: &Track) -> Self {
        FrameTargets {
            publisher: shared_settings
                .frame_output
                .as_ref()
                .map(|o| o.publisher(&track.id())),
            sink: shared_settings.frame_sink.clone(),
        }
    }

    pub(crate) fn wanted(&self) -> bool {
        self.sink.is_some() || self.publisher.as_ref().is_some_and(|p| p.has_subscribers())
    }
}

fn unix_micros() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
}

/// Hands each NV12 sample of `sink` to its targets (tightly packed, only
/// when someone looks), counting frames and, with stamps, latency.
pub(crate) fn deliver_frames(
    sink: &gst_app::AppSink,
    track: &Track,
    counters: Arc<TrackCounters>,
    targets: FrameTargets,
    read_stamps: bool,
) {
    let track = track.id();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let (Some(buffer), Some(caps)) = (sample.buffer(), sample.caps()) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let Ok(info) = gst_video::VideoInfo::from_caps(caps) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let Ok(frame) = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
                else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let (w, h) = (info.width(), info.height());
                let latency = if read_stamps {
                    let stride = usize::try_from(frame.plane_stride()[0]).unwrap_or(0);
                    frame
                        .plane_data(0)
                        .ok()
                        .and_then(|luma| crate::stamp::read(luma, stride, w as usize, h as usize))
                        .map(crate::stamp::age_ms)
                } else {
                    None
                };
                counters.frame(
                    Resolution {
                        width: w,
                        height: h,
                    },
                    latency,
                );
                if targets.wanted()
                    && let Some(packed) = pack_nv12(&frame)
                {
                    let at = unix_micros();
                    if let Some(sink) = &targets.sink {
                        sink(&track, w, h, at, packed.clone());
                    }
                    if let Some(publisher) = &targets.publisher {
                        publisher.publish(crate::frames::VideoFrame::new(w, h, at, packed));
                    }
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
}

/// A local picture for the UI: its elements, its frame counts, and its tile
/// (when there is a frame socket) for [`tiles::Tile`]'s sizing.
pub(crate) struct LocalPreview {
    /// In order; not added, linked or started.
    pub elements: Vec<gst::Element>,
    pub counters: Arc<TrackCounters>,
    pub tile: Option<tiles::Tile>,
}

/// A local picture for the UI (the self-view, a shared screen's preview):
/// `leaky queue ! videoscale ! videoconvert ! size filter ! sink`, its
/// elements named `<prefix>-queue`..., delivering frames as `track` to
/// whoever looks (the scaling costs nothing while nobody does). Its tile
/// follows the size the UI asks for, and keeps the settings' self-view size
/// while nobody asks (what other frame consumers get).
pub(crate) fn local_preview(
    settings: &EngineSettings,
    track: &Track,
    prefix: &str,
) -> Result<LocalPreview, MediaError> {
    let size = settings.self_view;
    let queue = capture::leaky_queue(&format!("{prefix}-queue"), 1)?;
    let scale = crate::make_element("videoscale", &format!("{prefix}-scale"))?;
    // A preview: the cheapest scaling is good enough.
    scale.set_property_from_str("method", "nearest-neighbour");
    let convert = crate::make_element("videoconvert", &format!("{prefix}-convert"))?;
    let filter = tiles::size_filter(&format!("{prefix}-size"), Some(size), &scale)?;
    let sink = capture::latest_only_sink(&format!("{prefix}-sink"), None)?;
    let counters = Arc::new(TrackCounters::new());
    let targets = FrameTargets::new(settings, track);
    skip_unwatched(&queue, targets.clone());
    let tile = targets.publisher.clone().map(|publisher| tiles::Tile {
        publisher,
        scale: scale.clone(),
        filter: filter.clone(),
        applied: Some(size),
        unasked: Some(size),
    });
    deliver_frames(&sink, track, counters.clone(), targets, false);
    Ok(LocalPreview {
        elements: vec![
            queue,
            scale,
            convert,
            filter.element().clone(),
            sink.upcast(),
        ],
        counters,
        tile,
    })
}

/// Drops frames at `queue`'s output while nobody looks at them, so the
/// scaling and conversion after it cost nothing.
pub(crate) fn skip_unwatched(queue: &gst::Element, targets: FrameTargets) {
    let Some(pad) = queue.static_pad("src") else {
        return;
    };
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
        if targets.wanted() {
            gst::PadProbeReturn::Ok
        } else {
            gst::PadProbeReturn::Drop
        }
    });
}

/// Copies a 4:2:0 frame (NV12 or I420) into one tightly packed NV12
/// buffer: Y rows, then interleaved UV rows.
fn pack_nv12(frame: &gst_video::VideoFrameRef<&gst::BufferRef>) -> Option<Arc<[u8]>> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let strides = frame.plane_stride();
    let stride = |plane: usize| strides.get(plane).and_then(|s| usize::try_from(*s).ok());
    let mut out = Vec::with_capacity(w * h + 2 * cw * ch);
    let luma = frame.plane_data(0).ok()?;
    for row in 0..h {
        out.extend_from_slice(luma.get(row * stride(0)?..row * stride(0)? + w)?);
    }
    if frame.format() == gst_video::VideoFormat::Nv12 {
        let uv = frame.plane_data(1).ok()?;
        for row in 0..ch {
            out.extend_from_slice(uv.get(row * stride(1)?..row * stride(1)? + 2 * cw)?);
        }
    } else {
        let (u, v) = (frame.plane_data(1).ok()?, frame.plane_data(2).ok()?);
        for row in 0..ch {
            let (ur, vr) = (
                u.get(row * stride(1)?..row * stride(1)? + cw)?,
                v.get(row * stride(2)?..row * stride(2)? + cw)?,
            );
            out.extend(ur.iter().zip(vr).flat_map(|(a, b)| [*a, *b]));
        }
    }
    Some(out.into())
}

#[cfg(test)]
mod tests;
