//! `mulaqat --self-test`: what IT runs after installing Mulaqat, with no
//! window and no display. Each check passes, warns or fails:
//!
//! - **GStreamer**: it starts and is 1.22 or newer.
//! - **GStreamer plugins**: every element a call builds is installed (a
//!   missing one names the package that has it).
//! - **Video encoders**: the start-up probe's result for every encoder
//!   Mulaqat knows (hardware first); no working encoder fails, no working
//!   H.264 encoder warns (browsers and the SFU need it).
//! - **Video decoders**: what is installed per codec.
//! - **Secret store**: the OS keyring answers. Without one Mulaqat still
//!   works and asks for passwords each time, so that is a warning.
//! - **Machine policy**: where it comes from, what it sets and which
//!   settings it locks; a policy that cannot be read fails.
//! - **Loopback call**: two media engines in this process call each other
//!   with the test camera and microphone, through `webrtcbin`, ICE and
//!   DTLS-SRTP, until decoded frames arrive.
//!
//! The report is text for people ([`SelfTestReport::to_text`]) or JSON for
//! machines ([`SelfTestReport::to_json`]); the run passes when no check
//! failed.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use mulaqat_media::encode::{EncoderRegistry, ProbeOutcome, ProbeResult};
use mulaqat_media::inventory::{self, DecoderInfo};
use mulaqat_media::loopback::{self, LoopbackOptions};
use mulaqat_media::{Quality, VideoCodec};
use mulaqat_settings::{CredentialStore, EffectiveSettings, MachinePolicy, UserSettings};
use serde::Serialize;
use serde_json::{Value, json};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Works.
    Pass,
    /// Works, but something IT should know about (the summary says what).
    Warn,
    /// Broken: calls will not work as they should.
    Fail,
}

impl CheckStatus {
    fn label(self) -> &'static str {
        match self {
            CheckStatus::Pass => "PASS",
            CheckStatus::Warn => "WARN",
            CheckStatus::Fail => "FAIL",
        }
    }
}

/// One check and what it found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// A stable identifier (`gstreamer`, `plugins`, `encoders`, `decoders`,
    /// `secret-store`, `policy`, `webview` (Linux), `loopback-call`).
    pub id: &'static str,
    /// A name for people.
    pub title: &'static str,
    /// Pass, warn or fail.
    pub status: CheckStatus,
    /// One sentence: what was found, and for a warning or failure what to do.
    pub summary: String,
    /// More lines for people (one per encoder, policy key, ...).
    pub details: Vec<String>,
    /// The same facts for machines.
    pub data: Value,
    /// How long the check took, seconds.
    pub seconds: f64,
}

/// Everything the self-test found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfTestReport {
    /// This app's version.
    pub version: String,
    /// Operating system and CPU architecture.
    pub platform: String,
    /// True when no check failed.
    pub passed: bool,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
}

/// How the self-test runs.
#[derive(Debug, Clone)]
pub struct SelfTestOptions {
    /// The version to report (the binary's).
    pub version: String,
    /// Seconds of media the loopback call measures after its first frame.
    pub call_seconds: u64,
    /// How long to wait for the encoder probe.
    pub probe_timeout: Duration,
}

impl Default for SelfTestOptions {
    fn default() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            call_seconds: 2,
            probe_timeout: Duration::from_secs(60),
        }
    }
}

/// Runs every check. Takes a few seconds (the encoder probe and the
/// loopback call); needs no window, display, camera or network.
pub fn run_self_test(options: &SelfTestOptions) -> SelfTestReport {
    let mut checks = Vec::new();
    let gstreamer = timed(check_gstreamer);
    let media_ok = gstreamer.status != CheckStatus::Fail;
    checks.push(gstreamer);
    let mut call_codec = None;
    let mut plugins_ok = false;
    if media_ok {
        let plugins = timed(check_plugins);
        plugins_ok = plugins.status != CheckStatus::Fail;
        checks.push(plugins);
        let registry = mulaqat_media::shared_encoders();
        checks.push(timed(|| check_encoders(&registry, options.probe_timeout)));
        let (decoders, decodable) = check_decoders();
        checks.push(decoders);
        if plugins_ok {
            // Prefer H.264 (what a real call with browsers uses) when this
            // machine both encodes and decodes it.
            let sendable = registry.sendable_codecs();
            call_codec = [VideoCodec::H264, VideoCodec::Vp8]
                .into_iter()
                .find(|c| sendable.contains(c) && decodable.contains(c));
        }
    }
    checks.push(timed(check_secret_store));
    checks.push(timed(check_policy));
    if cfg!(target_os = "linux") {
        checks.push(timed(|| check_webview(&crate::webview::Machine::current())));
    }
    checks.push(timed(|| match (media_ok, plugins_ok, call_codec) {
        (true, true, Some(codec)) => check_loopback(codec, options.call_seconds),
        (false, _, _) => skipped_call("GStreamer did not start"),
        (true, false, _) => {
            skipped_call("elements a call needs are missing (see GStreamer plugins)")
        }
        (true, true, None) => skipped_call(
            "no codec can be both encoded and decoded here (see encoders and decoders)",
        ),
    }));
    SelfTestReport {
        version: options.version.clone(),
        platform: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        passed: checks.iter().all(|c| c.status != CheckStatus::Fail),
        checks,
    }
}

impl SelfTestReport {
    /// The report for people: one line per check, details indented.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Mulaqat {} self-test ({})\n",
            self.version, self.platform
        );
        for check in &self.checks {
            let _ = writeln!(
                out,
                "[{}] {:<18} {}",
                check.status.label(),
                check.title,
                check.summary
            );
            for line in &check.details {
                let _ = writeln!(out, "       {line}");
            }
        }
        let count = |s| self.checks.iter().filter(|c| c.status == s).count();
        let _ = writeln!(
            out,
            "\nResult: {} ({} passed, {} warnings, {} failed)",
            if self.passed { "PASS" } else { "FAIL" },
            count(CheckStatus::Pass),
            count(CheckStatus::Warn),
            count(CheckStatus::Fail)
        );
        out
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            // Every field is plain data; this cannot fail, but never panic.
            format!("{{\"passed\":false,\"error\":\"{e}\"}}")
        })
    }
}

fn timed(run: impl FnOnce() -> Check) -> Check {
    let started = Instant::now();
    let mut check = run();
    check.seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    check
}

fn check(id: &'static str, title: &'static str, status: CheckStatus, summary: String) -> Check {
    Check {
        id,
        title,
        status,
        summary,
        details: Vec::new(),
        data: Value::Null,
        seconds: 0.0,
    }
}

fn check_gstreamer() -> Check {
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

fn check_plugins() -> Check {
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

fn check_encoders(registry: &EncoderRegistry, timeout: Duration) -> Check {
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
fn check_decoders() -> (Check, Vec<VideoCodec>) {
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

fn check_secret_store() -> Check {
    let title = "Secret store";
    match CredentialStore::open() {
        Ok(_) => {
            let mut c = check(
                "secret-store",
                title,
                CheckStatus::Pass,
                "the OS keyring answers: passwords and tokens can be remembered".to_owned(),
            );
            c.data = json!({ "available": true });
            c
        }
        Err(e) => {
            let mut c = check(
                "secret-store",
                title,
                CheckStatus::Warn,
                "not available: Mulaqat works, but asks for passwords each time instead of \
                 remembering them"
                    .to_owned(),
            );
            c.details.push(e.to_string());
            if cfg!(target_os = "linux") {
                c.details.push(
                    "Passwords are kept only through the Secret Service of the person's desktop \
                     session (GNOME Keyring, KWallet); a root shell or SSH session without one \
                     is expected to show this."
                        .to_owned(),
                );
            }
            c.data = json!({ "available": false, "error": e.to_string() });
            c
        }
    }
}

fn check_policy() -> Check {
    let title = "Machine policy";
    let loaded = match MachinePolicy::load() {
        Ok(loaded) => loaded,
        Err(e) => {
            let mut c = check(
                "policy",
                title,
                CheckStatus::Fail,
                format!(
                    "the policy cannot be used, so nothing is locked: {e}; the app runs with \
                     each person's own settings until it is fixed"
                ),
            );
            c.data = json!({ "error": e.to_string() });
            return c;
        }
    };
    let effective = EffectiveSettings::new(UserSettings::default(), loaded.policy.clone());
    let locked: Vec<&str> = effective.locked().iter().map(|k| k.as_str()).collect();
    let values = serde_json::to_value(&loaded.policy).unwrap_or(Value::Null);
    let set: Vec<(String, Value)> = match &values {
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let summary = if loaded.policy.is_empty() {
        format!("{}: nothing is locked", loaded.source)
    } else {
        let locked_text = if locked.is_empty() {
            "none".to_owned()
        } else {
            locked.join(", ")
        };
        format!(
            "from {}: {} keys set; locked: {locked_text}",
            loaded.source,
            set.len()
        )
    };
    let status = if loaded.warnings.is_empty() {
        CheckStatus::Pass
    } else {
        CheckStatus::Warn
    };
    let mut c = check("policy", title, status, summary);
    for (key, value) in &set {
        c.details.push(format!("{key} = {value}"));
    }
    for warning in &loaded.warnings {
        c.details.push(format!("warning: {warning}"));
    }
    c.data = json!({
        "source": loaded.source,
        "policy": values,
        "locked": locked,
        "warnings": loaded.warnings,
    });
    c
}

/// How the window will draw: on the GPU, or, where there is none, without
/// WebKit's accelerated compositing (see [`crate::webview`]).
fn check_webview(machine: &crate::webview::Machine) -> Check {
    let off = crate::webview::turn_compositing_off(machine);
    let summary = if machine.switch_set {
        format!(
            "{} is set here, so WebKit follows it",
            crate::webview::COMPOSITING_SWITCH
        )
    } else if off {
        "no GPU render node (/dev/dri/renderD*): the window draws without accelerated \
         compositing, which would run in software here"
            .to_owned()
    } else {
        format!(
            "{} GPU render node(s): the window composites on the GPU",
            machine.render_nodes
        )
    };
    let mut c = check("webview", "Window drawing", CheckStatus::Pass, summary);
    c.data = json!({
        "renderNodes": machine.render_nodes,
        "switchSet": machine.switch_set,
        "compositingTurnedOff": off,
    });
    c
}

fn skipped_call(why: &str) -> Check {
    check(
        "loopback-call",
        "Loopback call",
        CheckStatus::Fail,
        format!("not run: {why}"),
    )
}

fn check_loopback(codec: VideoCodec, seconds: u64) -> Check {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_fails_the_report_and_the_text_says_so() {
        let report = SelfTestReport {
            version: "1.2.3".into(),
            platform: "linux x86_64".into(),
            passed: false,
            checks: vec![
                check("gstreamer", "GStreamer", CheckStatus::Pass, "1.22.0".into()),
                check(
                    "plugins",
                    "GStreamer plugins",
                    CheckStatus::Fail,
                    "x".into(),
                ),
            ],
        };
        let text = report.to_text();
        assert!(text.contains("[PASS] GStreamer "), "{text}");
        assert!(text.contains("[FAIL] GStreamer plugins"), "{text}");
        assert!(
            text.contains("Result: FAIL (1 passed, 0 warnings, 1 failed)"),
            "{text}"
        );
        let json: Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
        assert_eq!(json["passed"], false);
        assert_eq!(json["checks"][1]["status"], "fail");
    }

    #[test]
    fn the_window_drawing_check_says_what_the_app_does_on_this_machine() {
        use crate::webview::Machine;
        let no_gpu = check_webview(&Machine {
            render_nodes: 0,
            switch_set: false,
        });
        assert_eq!(no_gpu.status, CheckStatus::Pass);
        assert!(no_gpu.summary.contains("without accelerated compositing"));
        assert_eq!(no_gpu.data["compositingTurnedOff"], true);
        let gpu = check_webview(&Machine {
            render_nodes: 1,
            switch_set: false,
        });
        assert!(gpu.summary.contains("on the GPU"), "{}", gpu.summary);
        assert_eq!(gpu.data["compositingTurnedOff"], false);
        let set = check_webview(&Machine {
            render_nodes: 0,
            switch_set: true,
        });
        assert!(set.summary.contains("WEBKIT_DISABLE_COMPOSITING_MODE"));
        assert_eq!(set.data["compositingTurnedOff"], false);
    }
}
