//! Cameras, microphones and speakers: discovery with GStreamer's device
//! monitor, hot-plug events, and test devices (a moving `videotestsrc`, an
//! `audiotestsrc` tone, a silent speaker) that stand in when a machine has
//! none or when asked for.

mod modes;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use gst::prelude::*;
use serde::{Deserialize, Serialize};

pub use modes::{PixelFormat, VideoMode, choose_mode};

use crate::MediaError;
use crate::types::DeviceId;

/// The test camera's id.
pub const TEST_CAMERA: &str = "test:camera";
/// The test microphone's id.
pub const TEST_MICROPHONE: &str = "test:microphone";
/// The test speaker's id.
pub const TEST_SPEAKER: &str = "test:speaker";
/// A test camera that stops after two seconds, as an unplugged one does.
/// Not listed; for tests of what happens then.
pub const TEST_CAMERA_BRIEF: &str = "test:camera-brief";

/// What a device does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeviceKind {
    /// Video in.
    Camera,
    /// Audio in.
    Microphone,
    /// Audio out.
    Speaker,
}

impl DeviceKind {
    /// For messages: "camera", "microphone", "speaker".
    pub fn noun(self) -> &'static str {
        match self {
            DeviceKind::Camera => "camera",
            DeviceKind::Microphone => "microphone",
            DeviceKind::Speaker => "speaker",
        }
    }

    fn from_class(class: &str) -> Option<DeviceKind> {
        match class {
            c if c.starts_with("Video/Source") => Some(DeviceKind::Camera),
            c if c.starts_with("Audio/Source") => Some(DeviceKind::Microphone),
            c if c.starts_with("Audio/Sink") => Some(DeviceKind::Speaker),
            _ => None,
        }
    }
}

/// One device as a person picks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    /// Stable id to ask for it by.
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

/// A device came or went.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceEvent {
    /// Plugged in.
    Added(DeviceInfo),
    /// Unplugged.
    Removed(DeviceInfo),
}

/// When the test devices are listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TestDevices {
    /// For each kind that has no real device.
    #[default]
    WhenMissing,
    /// Always, after the real ones.
    Always,
    /// Only the test devices: for tests and benchmarks.
    Only,
}

struct Known {
    info: DeviceInfo,
    device: gst::Device,
}

type Registry = Arc<Mutex<BTreeMap<DeviceId, Known>>>;

/// Watches the system's devices for as long as it lives.
pub struct DeviceWatcher {
    monitor: Option<gst::DeviceMonitor>,
    known: Registry,
    test_devices: TestDevices,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for DeviceWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceWatcher")
            .field("devices", &self.list().len())
            .field("test_devices", &self.test_devices)
            .finish_non_exhaustive()
    }
}

fn lock(known: &Registry) -> std::sync::MutexGuard<'_, BTreeMap<DeviceId, Known>> {
    known.lock().unwrap_or_else(PoisonError::into_inner)
}

impl DeviceWatcher {
    /// Lists the devices and keeps watching; `on_event` hears of hot-plugs.
    /// A machine without any device monitor (a container, CI) gets the test
    /// devices only, never an error.
    pub fn start(
        test_devices: TestDevices,
        on_event: impl Fn(DeviceEvent) + Send + 'static,
    ) -> Result<DeviceWatcher, MediaError> {
        crate::init()?;
        let known: Registry = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        if test_devices == TestDevices::Only {
            return Ok(DeviceWatcher {
                monitor: None,
                known,
                test_devices,
                stop,
                thread: None,
            });
        }
        let monitor = gst::DeviceMonitor::new();
        for class in ["Video/Source", "Audio/Source", "Audio/Sink"] {
            monitor.add_filter(Some(class), None);
        }
        if let Err(e) = monitor.start() {
            tracing::info!("no device monitor available ({e}); using test devices");
            return Ok(DeviceWatcher {
                monitor: None,
                known,
                test_devices,
                stop,
                thread: None,
            });
        }
        for device in monitor.devices() {
            if let Some(info) = describe(&device) {
                lock(&known).insert(info.id.clone(), Known { info, device });
            }
        }
        let bus = monitor.bus();
        let thread = {
            let known = known.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("mulaqat-devices".into())
                .spawn(move || watch(&bus, &known, &stop, &on_event))
                .map_err(|source| MediaError::Io {
                    what: "starting the device watcher".into(),
                    source,
                })?
        };
        Ok(DeviceWatcher {
            monitor: Some(monitor),
            known,
            test_devices,
            stop,
            thread: Some(thread),
        })
    }

    /// Every device, real ones first, test devices as configured.
    pub fn list(&self) -> Vec<DeviceInfo> {
        let mut list: Vec<DeviceInfo> =
            lock(&self.known).values().map(|k| k.info.clone()).collect();
        for kind in [
            DeviceKind::Camera,
            DeviceKind::Microphone,
            DeviceKind::Speaker,
        ] {
            let has_real = list.iter().any(|d| d.kind == kind);
            let wanted = match self.test_devices {
                TestDevices::WhenMissing => !has_real,
                TestDevices::Always | TestDevices::Only => true,
            };
            if wanted {
                list.push(test_device(kind));
            }
        }
        list
    }

    /// The device to use for `kind` when none is chosen: the first real one, else the test one.
    pub fn default_device(&self, kind: DeviceKind) -> DeviceInfo {
        self.list()
            .into_iter()
            .find(|d| d.kind == kind && (self.test_devices == TestDevices::Only || !d.is_test))
            .unwrap_or_else(|| test_device(kind))
    }

    /// The device `id`, if it exists now.
    pub fn find(&self, id: &DeviceId) -> Option<DeviceInfo> {
        if id.as_str() == TEST_CAMERA_BRIEF {
            let mut brief = test_device(DeviceKind::Camera);
            brief.id = id.clone();
            return Some(brief);
        }
        self.list().into_iter().find(|d| &d.id == id)
    }

    /// A source (camera, microphone) or sink (speaker) element for device `id`.
    pub(crate) fn make_element(
        &self,
        id: &DeviceId,
        name: &str,
    ) -> Result<gst::Element, MediaError> {
        match id.as_str() {
            TEST_CAMERA => test_camera(name, None),
            TEST_CAMERA_BRIEF => test_camera(name, Some(60)),
            TEST_MICROPHONE => {
                let src = crate::make_element("audiotestsrc", name)?;
                src.set_property("is-live", true);
                src.set_property_from_str("wave", "sine");
                src.set_property("freq", 440.0f64);
                src.set_property("volume", 0.2f64);
                Ok(src)
            }
            TEST_SPEAKER => {
                // Plays nothing, at the pace of a real speaker.
                let sink = crate::make_element("fakesink", name)?;
                sink.set_property("sync", true);
                Ok(sink)
            }
            _ => {
                let known = lock(&self.known);
                let found = known.get(id).ok_or_else(|| MediaError::NoSuchDevice {
                    kind: "device",
                    id: id.to_string(),
                })?;
                found.device.create_element(Some(name)).map_err(|e| {
                    MediaError::build(format!("{} {}", found.info.kind.noun(), found.info.name), e)
                })
            }
        }
    }
}

impl Drop for DeviceWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(monitor) = self.monitor.take() {
            monitor.stop();
        }
    }
}

/// Colour bars sliding sideways: motion over the whole picture (so encoders
/// work as on a real camera) at a fraction of the cost of the bouncing ball
/// at 1080p and above. With `frames`, it stops after that many.
fn test_camera(name: &str, frames: Option<i32>) -> Result<gst::Element, MediaError> {
    let src = crate::make_element("videotestsrc", name)?;
    src.set_property("is-live", true);
    src.set_property_from_str("pattern", "smpte");
    src.set_property("horizontal-speed", 4i32);
    if let Some(frames) = frames {
        src.set_property("num-buffers", frames);
    }
    Ok(src)
}

fn watch(bus: &gst::Bus, known: &Registry, stop: &AtomicBool, on_event: &dyn Fn(DeviceEvent)) {
    while !stop.load(Ordering::Relaxed) {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(200)) else {
            continue;
        };
        match msg.view() {
            gst::MessageView::DeviceAdded(added) => {
                let device = added.device();
                if let Some(info) = describe(&device) {
                    tracing::info!(kind = info.kind.noun(), name = %info.name, "device added");
                    lock(known).insert(
                        info.id.clone(),
                        Known {
                            info: info.clone(),
                            device,
                        },
                    );
                    on_event(DeviceEvent::Added(info));
                }
            }
            gst::MessageView::DeviceRemoved(removed) => {
                if let Some(info) = describe(&removed.device())
                    && let Some(gone) = lock(known).remove(&info.id)
                {
                    tracing::info!(kind = info.kind.noun(), name = %info.name, "device removed");
                    on_event(DeviceEvent::Removed(gone.info));
                }
            }
            _ => {}
        }
    }
}

fn test_device(kind: DeviceKind) -> DeviceInfo {
    let (id, name, modes) = match kind {
        DeviceKind::Camera => (
            TEST_CAMERA,
            "Test camera (moving pattern)",
            modes::test_camera_modes(),
        ),
        DeviceKind::Microphone => (TEST_MICROPHONE, "Test microphone (440 Hz tone)", Vec::new()),
        DeviceKind::Speaker => (TEST_SPEAKER, "Test speaker (silent)", Vec::new()),
    };
    DeviceInfo {
        id: DeviceId(id.into()),
        name: name.into(),
        kind,
        modes,
        is_test: true,
    }
}

/// A device's stable id: its system path where it has one, else class and name.
fn device_id(device: &gst::Device) -> String {
    let props = device.properties();
    let from_props = props.as_ref().and_then(|p| {
        [
            "device.path",
            "api.v4l2.path",
            "object.path",
            "node.name",
            "device.strid",
        ]
        .iter()
        .find_map(|key| p.get::<String>(*key).ok())
    });
    from_props.unwrap_or_else(|| format!("{}:{}", device.device_class(), device.display_name()))
}

fn describe(device: &gst::Device) -> Option<DeviceInfo> {
    let kind = DeviceKind::from_class(&device.device_class())?;
    let modes = match (kind, device.caps()) {
        (DeviceKind::Camera, Some(caps)) => caps.iter().flat_map(modes_of).collect(),
        _ => Vec::new(),
    };
    Some(DeviceInfo {
        id: DeviceId(device_id(device)),
        name: device.display_name().to_string(),
        kind,
        modes,
        is_test: false,
    })
}

/// The modes one caps structure describes (a structure may list several formats).
fn modes_of(s: &gst::StructureRef) -> Vec<VideoMode> {
    let int_max = |field: &str| -> Option<u32> {
        let value = s.value(field).ok()?;
        let v = value
            .get::<i32>()
            .ok()
            .or_else(|| value.get::<gst::IntRange<i32>>().ok().map(|r| r.max()))?;
        u32::try_from(v).ok()
    };
    let (Some(width), Some(height)) = (int_max("width"), int_max("height")) else {
        return Vec::new();
    };
    let fps = s.value("framerate").ok().and_then(max_fps).unwrap_or(0.0);
    let formats: Vec<Option<String>> = match s.value("format") {
        Ok(v) => match (v.get::<String>(), v.get::<gst::List>()) {
            (Ok(one), _) => vec![Some(one)],
            (_, Ok(list)) => list
                .iter()
                .filter_map(|f| f.get::<String>().ok())
                .map(Some)
                .collect(),
            _ => vec![None],
        },
        Err(_) => vec![None],
    };
    formats
        .into_iter()
        .map(|format| VideoMode {
            width,
            height,
            fps,
            format: PixelFormat::from_caps(s.name().as_str(), format.as_deref()),
        })
        .collect()
}

fn max_fps(value: &gst::glib::SendValue) -> Option<f64> {
    let as_f64 = |f: gst::Fraction| f64::from(f.numer()) / f64::from(f.denom().max(1));
    if let Ok(f) = value.get::<gst::Fraction>() {
        return Some(as_f64(f));
    }
    if let Ok(list) = value.get::<gst::List>() {
        return list
            .iter()
            .filter_map(|v| v.get::<gst::Fraction>().ok())
            .map(as_f64)
            .reduce(f64::max);
    }
    if let Ok(range) = value.get::<gst::FractionRange>() {
        return Some(as_f64(range.max()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_devices_fill_in_for_missing_hardware() {
        let watcher = DeviceWatcher::start(TestDevices::Only, |_| {}).expect("starts");
        let list = watcher.list();
        assert_eq!(list.len(), 3);
        assert!(list.iter().all(|d| d.is_test));
        let camera = watcher.default_device(DeviceKind::Camera);
        assert_eq!(camera.id.as_str(), TEST_CAMERA);
        assert_eq!(camera.modes.len(), 8);
    }

    #[test]
    fn the_real_monitor_never_fails_for_lack_of_devices() {
        let watcher = DeviceWatcher::start(TestDevices::WhenMissing, |_| {}).expect("starts");
        for kind in [
            DeviceKind::Camera,
            DeviceKind::Microphone,
            DeviceKind::Speaker,
        ] {
            assert!(
                watcher.list().iter().any(|d| d.kind == kind),
                "a {} is always offered",
                kind.noun()
            );
        }
    }

    #[test]
    fn test_devices_make_working_elements_and_unknown_ids_say_so() {
        let watcher = DeviceWatcher::start(TestDevices::Only, |_| {}).expect("starts");
        for id in [TEST_CAMERA, TEST_MICROPHONE, TEST_SPEAKER] {
            watcher
                .make_element(&DeviceId(id.into()), "mulaqat-test")
                .expect(id);
        }
        let err = watcher
            .make_element(&DeviceId("/dev/video9".into()), "x")
            .expect_err("no such camera");
        assert!(err.to_string().contains("/dev/video9"), "{err}");
    }

    #[test]
    fn modes_are_read_from_camera_caps() {
        crate::init().expect("gst");
        let caps: gst::Caps = "video/x-raw, format=(string)YUY2, width=(int)1280, height=(int)720, framerate=(fraction){ 10/1, 5/1 }; \
                               image/jpeg, width=(int)1920, height=(int)1080, framerate=(fraction)30/1; \
                               video/x-raw, format=(string){ NV12, I420 }, width=(int)640, height=(int)360, framerate=(fraction)[ 1/1, 60/1 ]"
            .parse()
            .expect("caps");
        let modes: Vec<VideoMode> = caps.iter().flat_map(modes_of).collect();
        assert_eq!(modes.len(), 4);
        assert_eq!((modes[0].format, modes[0].fps), (PixelFormat::Yuy2, 10.0));
        assert_eq!(
            (modes[1].format, modes[1].width),
            (PixelFormat::Mjpeg, 1920)
        );
        assert_eq!((modes[2].format, modes[2].fps), (PixelFormat::Nv12, 60.0));
        assert_eq!(modes[3].format, PixelFormat::I420);
    }
}
