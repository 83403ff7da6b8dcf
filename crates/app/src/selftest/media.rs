//! The media checks: GStreamer, its plugins, the encoders and decoders,
//! and a loopback call between two engines.

use std::time::{Duration, Instant};

use mulaqat_media::encode::{EncoderRegistry, ProbeOutcome, ProbeResult};
use mulaqat_media::inventory::{self, DecoderInfo};
use mulaqat_media::loopback::{self, LoopbackOptions};
use mulaqat_media::{Quality, VideoCodec};
use serde_json::{Value, json};

use super::{Check, CheckStatus, check};

pub(super) fn check_gstreamer() -> Check {
    let title = "GStreamer";
    match inventory::gstreamer_version() {
        Err(e) => check(
            "gstreamer",
            title,
            CheckStatus::Fail,
            format!("GStreamer does not start: {e}"),
        ),
        Ok(version) => {
            let minor = version
                .split('.')
                .nth(1)
                .and_then(|m| m.parse::<u32>().ok());
            let mut c = if minor.is_some_and(|m| m >= 22) {
                check("gstreamer", title, CheckStatus::Pass, version.clone())
            } else {
                check(
                    "gstreamer",
                    title,
                    CheckStatus::Fail,
                    format!("{version} is too old: Mulaqat needs GStreamer 1.22 or newer"),
                )
            };
            c.data = json!({ "version": version });
            c
        }
    }
}

pub(super) fn check_plugins() -> Check {
    let title = "GStreamer plugins";
    let (required, optional) = match (
        inventory::element_status(inventory::REQUIRED_ELEMENTS),
        inventory::element_status(inventory::OPTIONAL_ELEMENTS),
    ) {
        (Ok(r), Ok(o)) => (r, o),
        (Err(e), _) | (_, Err(e)) => {
            return check("plugins", title, CheckStatus::Fail, e.to_string());
        }
    };
    let missing: Vec<_> = required.iter().filter(|s| !s.installed).collect();
    let mut c = if missing.is_empty() {
        check(
            "plugins",
            title,
            CheckStatus::Pass,
            format!("all {} elements calls need are installed", required.len()),
        )
    } else {
        let mut packages: Vec<&str> = Vec::new();
        for s in &missing {
            if !packages.contains(&s.package) {
                packages.push(s.package);
            }
        }
        check(
            "plugins",
            title,
            CheckStatus::Fail,
            format!(
                "{} of {} elements calls need are missing; install {}",
                missing.len(),
                required.len(),
                packages.join(", ")
            ),
        )
    };
    // One line per package: with a plugin package missing entirely this is
    // a few lines rather than dozens.
    let mut by_package: Vec<(&str, Vec<&str>)> = Vec::new();
    for s in &missing {
        match by_package.iter_mut().find(|(p, _)| *p == s.package) {
            Some((_, elements)) => elements.push(&s.element),
            None => by_package.push((s.package, vec![&s.element])),
        }
    }
    for (package, elements) in by_package {
        c.details
            .push(format!("missing from {package}: {}", elements.join(", ")));
    }
    let absent: Vec<String> = optional
        .iter()
        .filter(|s| !s.installed)
        .map(|s| format!("{} ({})", s.element, s.package))
        .collect();
    if !absent.is_empty() {
        c.details
            .push(format!("optional, not installed: {}", absent.join(", ")));
    }
    c.data = json!({ "required": required, "optional": optional });
    c
}

fn describe_probe(result: &ProbeResult) -> String {
    let kind = if result.hardware {
        result.backend.label()
    } else {
        "software"
    };
    let outcome = match &result.outcome {
        ProbeOutcome::Pending => "not probed yet".to_owned(),
        ProbeOutcome::NotInstalled => "not installed".to_owned(),
        ProbeOutcome::Working(t) => format!(
            "working (first frame {} ms, {:.1} ms per frame)",
            t.first_frame.as_millis(),
            t.per_frame().as_secs_f64() * 1000.0
        ),
        ProbeOutcome::Failed(why) => format!("failed: {why}"),
    };
    format!(
        "{:<16} {:<5} {:<20} {outcome}",
        result.element,
        result.codec.to_string(),
        kind
    )
}

pub(super) fn check_encoders(registry: &EncoderRegistry, timeout: Duration) -> Check {
    let title = "Video encoders";
    let finished = registry.wait(timeout);
    let results = registry.results();
    let working: Vec<&ProbeResult> = results
        .iter()
        .filter(|r| matches!(r.outcome, ProbeOutcome::Working(_)))
        .collect();
    let names = |list: &[&ProbeResult]| {
        list.iter()
            .map(|r| r.element.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hardware: Vec<&ProbeResult> = working.iter().copied().filter(|r| r.hardware).collect();
    let h264 = working.iter().any(|r| r.codec == VideoCodec::H264);
    let (status, summary) = if working.is_empty() {
        (
            CheckStatus::Fail,
            "no video encoder works; install gstreamer1.0-plugins-good (VP8) and \
             gstreamer1.0-plugins-ugly (H.264)"
                .to_owned(),
        )
    } else if !finished {
        (
            CheckStatus::Warn,
            format!(
                "the probe did not finish within {} s; working so far: {}",
                timeout.as_secs(),
                names(&working)
            ),
        )
    } else if !h264 {
        (
            CheckStatus::Warn,
            format!(
                "working: {}; no H.264 encoder, which guests in browsers and the SFU need: \
                 install gstreamer1.0-plugins-ugly (x264) or a hardware driver",
                names(&working)
            ),
        )
    } else {
        let hw = if hardware.is_empty() {
            "no hardware encoder (software encoding uses more CPU)".to_owned()
        } else {
            format!("hardware: {}", names(&hardware))
        };
        (
            CheckStatus::Pass,
            format!("working: {}; {hw}", names(&working)),
        )
    };
    let mut c = check("encoders", title, status, summary);
    c.details = results
        .iter()
        .filter(|r| r.outcome != ProbeOutcome::NotInstalled)
        .map(describe_probe)
        .collect();
    let resolution = registry.resolution();
    c.details.push(format!(
        "probed at {}x{}; encoders not installed are not listed",
        resolution.width, resolution.height
    ));
    c.data = json!({ "finished": finished, "results": results });
    c
}

/// The decoder check, and the codecs that can be decoded.
pub(super) fn check_decoders() -> (Check, Vec<VideoCodec>) {
    let started = Instant::now();
    let title = "Video decoders";
    let codecs = [VideoCodec::H264, VideoCodec::H265, VideoCodec::Vp8];
    let mut found: Vec<(VideoCodec, Vec<DecoderInfo>)> = Vec::new();
    for codec in codecs {
        match inventory::decoders(codec) {
            Ok(list) => found.push((codec, list)),
            Err(e) => {
                return (
                    check("decoders", title, CheckStatus::Fail, e.to_string()),
                    Vec::new(),
                );
            }
        }
    }
    let decodable: Vec<VideoCodec> = found
        .iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(codec, _)| *codec)
        .collect();
    let has = |c| decodable.contains(&c);
    let (status, summary) = if !has(VideoCodec::Vp8) && !has(VideoCodec::H264) {
        (
            CheckStatus::Fail,
            "no H.264 or VP8 decoder: install gstreamer1.0-plugins-good and gstreamer1.0-libav"
                .to_owned(),
        )
    } else if !has(VideoCodec::H264) {
        (
            CheckStatus::Warn,
            "no H.264 decoder: video from browsers cannot be shown; install gstreamer1.0-libav"
                .to_owned(),
        )
    } else {
        let names: Vec<String> = decodable.iter().map(ToString::to_string).collect();
        (CheckStatus::Pass, format!("decodes {}", names.join(", ")))
    };
    let mut c = check("decoders", title, status, summary);
    for (codec, list) in &found {
        let names: Vec<String> = list
            .iter()
            .map(|d| {
                if d.hardware {
                    format!("{} (hardware)", d.element)
                } else {
                    d.element.clone()
                }
            })
            .collect();
        let names = if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        };
        c.details.push(format!("{:<5} {names}", codec.to_string()));
    }
    let data: Vec<&DecoderInfo> = found.iter().flat_map(|(_, list)| list).collect();
    c.data = json!({ "decoders": data });
    c.seconds = started.elapsed().as_secs_f64();
    (c, decodable)
}

pub(super) fn skipped_call(why: &str) -> Check {
    check(
        "loopback-call",
        "Loopback call",
        CheckStatus::Fail,
        format!("not run: {why}"),
    )
}

pub(super) fn check_loopback(codec: VideoCodec, seconds: u64) -> Check {
    let title = "Loopback call";
    let options = LoopbackOptions {
        quality: Quality::P360,
        fps: 15,
        seconds,
        codec,
        encoder: None,
        warmup: Duration::from_millis(500),
    };
    match loopback::run(&options) {
        Err(e) => check(
            "loopback-call",
            title,
            CheckStatus::Fail,
            format!("{codec} call between two engines in this process failed: {e}"),
        ),
        Ok(result) => {
            let encoder = result.encoder.clone().unwrap_or_else(|| "?".to_owned());
            let status = if result.frames_received > 0 {
                CheckStatus::Pass
            } else {
                CheckStatus::Fail
            };
            let mut c = check(
                "loopback-call",
                title,
                status,
                format!(
                    "{codec} with {encoder}: first frame after {:.0} ms, {:.1} frames/s received",
                    result.first_frame_ms, result.fps_received
                ),
            );
            c.details.push(format!(
                "test camera and microphone, {}x{} at {} fps, WebRTC (ICE, DTLS-SRTP) on loopback",
                result.width.unwrap_or(0),
                result.height.unwrap_or(0),
                options.fps
            ));
            if let (Some(p50), Some(p95)) = (result.latency_ms_p50, result.latency_ms_p95) {
                c.details.push(format!(
                    "capture to decoded frame: {p50:.0} ms median, {p95:.0} ms 95th percentile"
                ));
            }
            c.data = serde_json::to_value(&result).unwrap_or(Value::Null);
            c
        }
    }
}
