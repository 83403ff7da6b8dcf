//! A participant's figures from what its client wrote: `mulaqat-cli`'s
//! stats file read at the window's two ends, or the call page's reports
//! (one JSON object a second, plus milestones and errors).

use std::time::SystemTime;

use mulaqat_lab::procs::{Stats, frames};
use serde_json::Value;

use super::figures::{Histogram, Participant};

/// Received fps, size and decoder, what it sent, and the latency samples
/// of the window (with `--stamp-frames`), from the stats file as read at
/// the window's start and end.
pub fn from_stats(
    p: &mut Participant,
    start: Option<&(Stats, SystemTime)>,
    end: Option<&(Stats, SystemTime)>,
) -> Histogram {
    let mut latency = Histogram::default();
    let Some((end, end_at)) = end else {
        return latency;
    };
    if let Some((id, r)) = end.present().into_iter().next() {
        if let Some((b, at)) = start.and_then(|(s, at)| Some((s.remote(&id)?, *at))) {
            // Frames over the time between the two writes of the file.
            let span = end_at.duration_since(at).map_or(0.0, |d| d.as_secs_f64());
            if span > 0.5 {
                p.fps_in = Some(frames(r).saturating_sub(frames(b)) as f64 / span);
            }
            latency = Histogram::from_json(&b["latencyMs"]["histogram"])
                .growth_to(&Histogram::from_json(&r["latencyMs"]["histogram"]));
        }
        p.width_in = r["video"]["width"].as_u64();
        p.height_in = r["video"]["height"].as_u64();
        p.decoder = r["video"]["decoder"].as_str().map(str::to_owned);
    }
    let sent = end.0["sent"].as_object().and_then(|m| {
        m.iter()
            .find_map(|(k, v)| k.ends_with(":video").then_some(v))
    });
    p.encoder = sent.and_then(|v| v["encoder"].as_str().map(str::to_owned));
    p.sent = sent.and_then(|v| v["resolution"].as_str().map(str::to_owned));
    p.codec = p.encoder.as_deref().map(|e| codec_of_encoder(e).to_owned());
    latency
}

/// First frame and milestones (from `launched`, wall-clock ms; among them
/// when it first sent the `requested` size), received
/// fps, size, codec and what it sent, errors, and the latency samples and
/// unreadable stamps reported within `window` (wall-clock ms), from the
/// reports of page `me`.
pub fn from_reports(
    p: &mut Participant,
    me: &str,
    reports: &[Value],
    launched: f64,
    (from, to): (f64, f64),
    requested: (u64, u64),
) -> (Histogram, u64) {
    let of = |kind: &'static str| reports.iter().filter(move |r| r["type"] == kind);
    let now = |r: &Value| r["now"].as_f64().unwrap_or(0.0);
    let since_launch = |r: &Value| {
        let at = r["at"].as_f64().or_else(|| r["now"].as_f64())?;
        Some((at - launched).max(0.0).round() as u64)
    };
    p.first_frame_ms = of("firstFrame").next().and_then(since_launch);
    for r in reports {
        let name = match (r["type"].as_str(), r["state"].as_str()) {
            (Some("ready"), _) => "cameraOpen",
            (Some("state"), Some(state)) => state,
            (Some("firstFrame"), _) => "firstFrame",
            _ => continue,
        };
        if let Some(ms) = since_launch(r) {
            p.milestones.push((name.to_owned(), ms));
        }
    }
    let stats: Vec<&Value> = of("stats").collect();
    // Chromium starts small and grows the picture as its bandwidth estimate grows.
    let full = |r: &&&Value| {
        r["sentWidth"].as_u64() >= Some(requested.0)
            && r["sentHeight"].as_u64() >= Some(requested.1)
    };
    if let Some(ms) = stats.iter().find(full).and_then(|r| since_launch(r)) {
        p.milestones.push(("sendingFullSize".to_owned(), ms));
    }
    // The stats reports nearest the window's ends.
    let near = |t: f64| {
        stats
            .iter()
            .min_by(|a, b| (now(a) - t).abs().total_cmp(&(now(b) - t).abs()))
            .copied()
    };
    if let (Some(a), Some(b)) = (near(from), near(to)) {
        let span = (now(b) - now(a)) / 1000.0;
        let decoded = |r: &Value| r["framesDecoded"].as_f64().unwrap_or(0.0);
        if span > 0.5 {
            p.fps_in = Some((decoded(b) - decoded(a)) / span);
        }
        p.width_in = b["width"].as_u64();
        p.height_in = b["height"].as_u64();
        let text = |key: &str| b[key].as_str().map(str::to_owned);
        (p.codec, p.encoder, p.decoder) = (text("codec"), text("encoder"), text("decoder"));
        let size = format!("{}x{}", b["sentWidth"], b["sentHeight"]);
        p.sent = Some(match b["limitation"].as_str() {
            Some("none") | None => size,
            Some(why) => format!("{size} (limited by {why})"),
        });
    }
    let mut latency = Histogram::default();
    let mut unreadable = 0;
    for r in stats.iter().filter(|r| now(r) > from && now(r) <= to) {
        for ms in r["latencies"].as_array().into_iter().flatten() {
            if let Some(ms) = ms.as_u64().and_then(|v| u32::try_from(v).ok()) {
                latency.add(ms, 1);
            }
        }
        unreadable += r["unreadable"].as_u64().unwrap_or(0);
    }
    let errors: Vec<String> = of("error")
        .filter_map(|r| r["message"].as_str().map(|m| format!("page {me}: {m}")))
        .collect();
    p.problem = if !errors.is_empty() {
        Some(errors.join("; "))
    } else if p.first_frame_ms.is_none() {
        Some(format!("page {me} got no remote frame"))
    } else {
        None
    };
    (latency, unreadable)
}

/// The codec a Mulaqat encoder element makes.
fn codec_of_encoder(encoder: &str) -> &'static str {
    let e = encoder.to_ascii_lowercase();
    if e.contains("265") || e.contains("hevc") {
        "H265"
    } else if e.contains("264") {
        "H264"
    } else if e.contains("vp8") {
        "VP8"
    } else if e.contains("vp9") {
        "VP9"
    } else if e.contains("av1") {
        "AV1"
    } else {
        "?"
    }
}
