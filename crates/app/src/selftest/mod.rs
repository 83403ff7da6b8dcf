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

mod machine;
mod media;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use mulaqat_media::VideoCodec;
use serde::Serialize;
use serde_json::Value;

use machine::{check_policy, check_secret_store, check_webview};
use media::{
    check_decoders, check_encoders, check_gstreamer, check_loopback, check_plugins, skipped_call,
};

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
