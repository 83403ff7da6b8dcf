//! A measured room as a Markdown table row and as JSON.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::room::{Participant, Room, SMALLEST, Usage, Video};

/// The table's header.
pub const HEADER: &str = "| room | first frame p50 | first frame max | all videos by | \
    CPU / participant | CPU all participants | RSS / participant | PSS / participant | \
    Janus CPU | Janus RSS (PSS) | server CPU | fps received | sizes sent | sizes received | every video |\n\
    | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn max(v: &[f64]) -> Option<f64> {
    v.iter().copied().reduce(f64::max)
}

fn min(v: &[f64]) -> Option<f64> {
    v.iter().copied().reduce(f64::min)
}

/// Nearest-rank percentile `p` (0 to 1).
fn percentile(mut v: Vec<u64>, p: f64) -> Option<u64> {
    v.sort_unstable();
    let last = v.len().checked_sub(1)?;
    v.get((last as f64 * p).round() as usize).copied()
}

fn ms(v: Option<u64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v} ms"))
}

/// `mean (max)` with a unit, or `n/a`.
fn mean_max(v: &[f64], unit: &str) -> String {
    match (mean(v), max(v)) {
        (Some(a), Some(b)) => format!("{a:.0}{unit} ({b:.0}{unit})"),
        _ => "n/a".to_owned(),
    }
}

/// `6 × 360p` or `9: 720p speaker + 8 × 360p`.
pub fn room_label(room: &Room) -> String {
    let sends = &room.spec.sends;
    if room.spec.speaker {
        format!(
            "{}: {}p speaker + {} × {}p",
            sends.len(),
            sends[0],
            sends.len() - 1,
            SMALLEST
        )
    } else {
        format!("{} × {}p", sends.len(), sends[0])
    }
}

fn videos(room: &Room) -> impl Iterator<Item = &Video> {
    room.participants.iter().flat_map(|p| p.videos.iter())
}

/// `360p ×56, 720p ×8`: how many of `heights` are each.
fn count_heights(heights: impl Iterator<Item = u64>) -> String {
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for h in heights {
        *counts.entry(h).or_default() += 1;
    }
    if counts.is_empty() {
        return "none".to_owned();
    }
    let parts: Vec<String> = counts.iter().map(|(h, n)| format!("{h}p ×{n}")).collect();
    parts.join(", ")
}

/// The heights received at the end, over every (receiver, sender) pair
/// with video.
fn sizes_received(room: &Room) -> String {
    count_heights(videos(room).filter_map(|v| v.height))
}

/// The heights the encoders sent at the end (the overload check steps a
/// size down when the encoder falls behind).
fn sizes_sent(room: &Room) -> String {
    count_heights(
        room.participants
            .iter()
            .filter_map(|p| p.sent_height().map(u64::from)),
    )
}

/// `yes`, or what is missing: pairs without frames in the window,
/// participants not publishing to Janus.
fn every_video(room: &Room) -> String {
    let pairs = videos(room).count();
    let missing = videos(room).filter(|v| !v.flowing).count();
    let off_sfu: Vec<&str> = room
        .participants
        .iter()
        .filter(|p| !p.on_sfu)
        .map(|p| p.name.as_str())
        .collect();
    let mut out = if missing == 0 {
        "yes".to_owned()
    } else {
        format!("no: {missing} of {pairs} missing")
    };
    if !off_sfu.is_empty() {
        out.push_str(&format!(
            "; not publishing to Janus: {}",
            off_sfu.join(", ")
        ));
    }
    out
}

fn cpu(u: &Usage) -> String {
    u.cpu_percent
        .map_or_else(|| "gone".to_owned(), |c| format!("{c:.0} %"))
}

/// One line of the table.
pub fn table_row(room: &Room) -> String {
    let ps = &room.participants;
    let firsts: Vec<u64> = ps.iter().filter_map(Participant::first_frame_ms).collect();
    let alls: Vec<u64> = ps.iter().filter_map(Participant::all_frames_ms).collect();
    let all_by = if alls.len() == ps.len() {
        ms(alls.iter().max().copied())
    } else {
        "n/a (not all)".to_owned()
    };
    let cpu_each: Vec<f64> = ps.iter().filter_map(|p| p.usage.cpu_percent).collect();
    let rss: Vec<f64> = ps
        .iter()
        .filter_map(|p| p.usage.memory.map(|m| m.rss_mib))
        .collect();
    let pss: Vec<f64> = ps
        .iter()
        .filter_map(|p| p.usage.memory.and_then(|m| m.pss_mib))
        .collect();
    let fps: Vec<f64> = videos(room).map(|v| v.fps).collect();
    let janus_mem = room.janus.memory.map_or_else(
        || "gone".to_owned(),
        |m| match m.pss_mib {
            Some(pss) => format!("{:.0} MiB ({pss:.0})", m.rss_mib),
            None => format!("{:.0} MiB", m.rss_mib),
        },
    );
    format!(
        "| {} | {} | {} | {} | {} | {:.0} % | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        room_label(room),
        ms(percentile(firsts.clone(), 0.5)),
        ms(firsts.iter().max().copied()),
        all_by,
        mean_max(&cpu_each, " %"),
        cpu_each.iter().sum::<f64>(),
        mean_max(&rss, " MiB"),
        mean_max(&pss, " MiB"),
        cpu(&room.janus),
        janus_mem,
        cpu(&room.server),
        match (mean(&fps), min(&fps)) {
            (Some(a), Some(b)) => format!("{a:.1} ({b:.1})"),
            _ => "n/a".to_owned(),
        },
        sizes_sent(room),
        sizes_received(room),
        every_video(room),
    )
}

fn usage_json(u: &Usage) -> Value {
    json!({
        "cpuPercentOfOneCore": u.cpu_percent,
        "rssMiB": u.memory.map(|m| m.rss_mib),
        "pssMiB": u.memory.and_then(|m| m.pss_mib),
    })
}

fn participant_json(p: &Participant) -> Value {
    let videos: Vec<Value> = p
        .videos
        .iter()
        .map(|v| {
            json!({
                "from": v.from,
                "fps": v.fps,
                "width": v.width,
                "height": v.height,
                "firstFrameMs": v.first_frame_ms,
                "flowing": v.flowing,
            })
        })
        .collect();
    json!({
        "name": p.name,
        "sendsHeight": p.sends,
        "sent": p.sent,
        "encoder": p.encoder,
        "publishedToJanus": p.on_sfu,
        "usage": usage_json(&p.usage),
        "firstFrameMs": p.first_frame_ms(),
        "allRemotesFirstFrameMs": p.all_frames_ms(),
        "videos": videos,
        "exitCode": p.exit_code,
        "log": p.log,
    })
}

/// The room as JSON, with every participant's figures.
pub fn room_json(room: &Room) -> Value {
    json!({
        "spec": room.spec.text,
        "room": room_label(room),
        "parties": room.spec.parties(),
        "readyAfterSecs": room.ready_after.map(|d| d.as_secs_f64()),
        "windowSecs": room.window_secs,
        "everyVideo": every_video(room),
        "janus": usage_json(&room.janus),
        "server": usage_json(&room.server),
        "participants": room.participants.iter().map(participant_json).collect::<Vec<_>>(),
    })
}
