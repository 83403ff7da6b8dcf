//! The same 1:1 call over an impaired network (issue 19, "Measure side by
//! side"): `--impair SPEC`, once per impairment. Each impairment gets a
//! fresh lab, impaired alike for both clients, then a Mulaqat call and a
//! Chromium call in it, one after the other, at 360p unless `--quality`
//! says otherwise.
//!
//! SPEC is `KEY=VALUE` pairs joined with commas:
//! - `loss=P`: each client loses P % of the packets it receives from the
//!   other, at random (`Lab::ingress_loss`, nftables netdev ingress; with
//!   `delay`, of every UDP packet it receives, as the media then comes
//!   from the relay on the server's address);
//! - `rate=K`: each client sends at most K kbit/s (`Lab::rate_cap`, tbf
//!   on its veth: 32 kbit burst, 100 ms of queue);
//! - `delay=D`, `jitter=J`: both clients relay only, through coturn behind
//!   `mulaqat-netsim` (the `delay-turn` scenario's wiring), which holds
//!   each packet on its way to coturn D ± J ms, never reordering; each
//!   direction crosses it once (client → netsim → coturn → the other
//!   client), so the round trip gains about 2·D. The kernel has no netem,
//!   and tbf's `latency` is a queue limit, not a delay.
//!
//! Both cameras play the same picture: Mulaqat's test camera (SMPTE bars
//! sliding 4 px a frame, `crates/media/src/devices/mod.rs`) at the call's
//! size and 30 fps, written at run time by `gst-launch-1.0 … ! y4menc` into
//! a Y4M file that Chromium's fake camera plays in a loop
//! (`--use-file-for-fake-video-capture`; `width / 4` frames, so the loop
//! has no jump). The microphones differ (Mulaqat's 440 Hz tone, Chromium's
//! beeps); only audio packets are counted.
//!
//! Per direction, over the window (`--seconds`, 60, from `--warmup`, 10 s,
//! after both participants have the other's first frame), from the time
//! each received frame came, worked out the same way for both clients
//! (`browser/frames.rs`):
//! - Mulaqat: `mulaqat-cli join --frame-log FILE` (hidden) reads the
//!   engine's count of decoded frames reaching its sink every 20 ms and
//!   writes a line when it grew, so a gap is known to within 20 ms (its
//!   stats JSON has the counts only once a second);
//! - Chromium: the page notes `Date.now()` as each decoded remote frame
//!   reaches it (`MediaStreamTrackProcessor`) and reports the times once a
//!   second; the bench waits for the report after the window's end.
//!
//! The figures: fps median (of the frames counted in each whole second),
//! the longest freeze (longest time without a new frame, of the gaps that
//! overlap the window), time frozen (time in gaps over 500 ms, clipped to
//! the window, ÷ the window), gaps over 200 ms (how many; near WebRTC's own
//! freeze rule at 30 fps, max(3 × mean gap, mean gap + 150 ms)), audio packets received (RTP packetsReceived
//! growth between the stats readings nearest the window's ends: the cli's
//! stats JSON, written every second, and the page's `getStats()`), and the
//! sizes received over time. The JSON also has each client's own counts
//! (Mulaqat's and Chromium's `freezeCount`, Chromium's
//! `totalFreezesDuration`, frames decoded, packets lost), what the lab
//! dropped and what `mulaqat-netsim` delayed, as checks, and what each
//! sender said of its video (target bitrate, size sent, and Chromium's
//! `qualityLimitationReason`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use mulaqat_lab::measure;
use mulaqat_lab::netns::tool;
use mulaqat_lab::procs::{Bins, Proc, Server, Stats};

use super::chromium::Camera;
use super::frames::{self, Video};
use super::impaired_figures::{Direction, Run, Side, TABLE_HEAD};
use super::network::{Impairment, Relay, impair, lab_counts, lab_growth, netsim_growth};
use super::{Args, FPS, Setup, all_see, epoch_ms, page, pause, size_of};

/// Mulaqat's test camera at `width`x`height`, 30 fps, as a Y4M file in
/// `dir` for Chromium's fake camera (see the module docs).
fn camera_file(dir: &Path, (width, height): (u32, u32)) -> Result<PathBuf, String> {
    let path = dir.join(format!("browser-camera-{width}x{height}.y4m"));
    let gst = tool("gst-launch-1.0")
        .ok_or("needs gst-launch-1.0 (gstreamer1.0-tools) to write the camera file")?;
    let status = std::process::Command::new(gst)
        .args([
            "-q",
            "videotestsrc",
            "pattern=smpte",
            "horizontal-speed=4",
            &format!("num-buffers={}", width / 4),
            "!",
            &format!("video/x-raw,format=I420,width={width},height={height},framerate={FPS}/1"),
            "!",
            "y4menc",
            "!",
            "filesink",
            &format!("location={}", path.display()),
        ])
        .status()
        .map_err(|e| format!("gst-launch-1.0 did not start: {e}"))?;
    if !status.success() {
        return Err(format!(
            "gst-launch-1.0 could not write {} ({status}); is y4menc there (gst-inspect-1.0 y4menc)?",
            path.display()
        ));
    }
    Ok(path)
}

/// The one other participant's entry in a stats file.
fn other(stats: &Stats) -> Value {
    stats
        .present()
        .into_iter()
        .chain(stats.remotes())
        .next()
        .map(|(_, r)| r.clone())
        .unwrap_or_default()
}

/// From `mulaqat-cli`'s stats read at the window's ends: the audio packets
/// received in between (and the seconds between the two writes), and the
/// receiver's own video counts.
fn mulaqat_counts(
    start: Option<&(Stats, SystemTime)>,
    end: Option<&(Stats, SystemTime)>,
) -> (Option<(u64, f64)>, Value) {
    let (Some((a, at_a)), Some((b, at_b))) = (start, end) else {
        return (None, Value::Null);
    };
    let (a, b) = (other(a), other(b));
    let span = at_b.duration_since(*at_a).map_or(0.0, |d| d.as_secs_f64());
    let grew = |kind: &str, key: &str| Some(b[kind][key].as_i64()? - a[kind][key].as_i64()?);
    let audio = grew("audio", "packetsReceived").map(|n| (n.max(0) as u64, span));
    let own = json!({
        "framesDecoded": grew("video", "framesReceived"),
        "videoPacketsReceived": grew("video", "packetsReceived"),
        "videoPacketsLost": grew("video", "packetsLost"),
        "audioPacketsLost": grew("audio", "packetsLost"),
        "freezeCount": grew("video", "freezeCount"),
        "longestFreezeMsSinceFirstFrame": b["video"]["longestFreezeMs"],
        "statsSpanSecs": (span * 10.0).round() / 10.0,
    });
    (audio, own)
}

/// The same from a page's stats reports nearest the window's ends.
fn chromium_counts(reports: &[Value], (from, to): (f64, f64)) -> (Option<(u64, f64)>, Value) {
    let now = |r: &Value| r["now"].as_f64().unwrap_or(0.0);
    let stats: Vec<&Value> = reports.iter().filter(|r| r["type"] == "stats").collect();
    let near = |t: f64| {
        stats
            .iter()
            .min_by(|a, b| (now(a) - t).abs().total_cmp(&(now(b) - t).abs()))
            .copied()
    };
    let (Some(a), Some(b)) = (near(from), near(to)) else {
        return (None, Value::Null);
    };
    let span = (now(b) - now(a)) / 1000.0;
    let grew = |key: &str| Some(b[key].as_f64()? - a[key].as_f64()?);
    let audio = grew("audioPacketsReceived").map(|n| (n.max(0.0) as u64, span));
    let own = json!({
        "framesDecoded": grew("framesDecoded"),
        "framesReceived": grew("framesReceived"),
        "videoPacketsLost": grew("packetsLost"),
        "audioPacketsLost": grew("audioPacketsLost"),
        "freezeCount": grew("freezeCount"),
        "totalFreezesDurationSecs": grew("totalFreezesDuration"),
        "statsSpanSecs": (span * 10.0).round() / 10.0,
    });
    (audio, own)
}

/// What a `mulaqat-cli` sent of its video, from its stats file.
fn mulaqat_sender(stats: Option<&(Stats, SystemTime)>) -> Value {
    let Some((stats, _)) = stats else {
        return Value::Null;
    };
    let sent = stats.0["sent"].as_object().and_then(|m| {
        m.iter()
            .find_map(|(k, v)| k.ends_with(":video").then_some(v))
    });
    sent.map_or(Value::Null, |v| {
        json!({
            "atWindowEnd": {
                "resolution": v["resolution"],
                "targetBitrateKbps": v["targetBitrateKbps"],
                "bitrateKbps": v["bitrateKbps"],
                "estimatedBandwidthKbps": v["estimatedBandwidthKbps"],
                "rttMs": v["rttMs"],
            },
        })
    })
}

/// What a page sent of its video over the window, from its reports: the
/// seconds at each size sent and each `qualityLimitationReason`, and the
/// target bitrate at the window's end.
fn chromium_sender(reports: &[Value], (from, to): (f64, f64)) -> Value {
    let inside: Vec<&Value> = reports
        .iter()
        .filter(|r| r["type"] == "stats" && r["now"].as_f64().is_some_and(|t| t > from && t <= to))
        .collect();
    let tally = |key: &dyn Fn(&Value) -> String| {
        let mut seconds = serde_json::Map::new();
        for r in &inside {
            let n = seconds.entry(key(r)).or_insert(json!(0));
            *n = json!(n.as_u64().unwrap_or(0) + 1);
        }
        Value::Object(seconds)
    };
    json!({
        "secondsAtSizeSent": tally(&|r| format!("{}x{}", r["sentWidth"], r["sentHeight"])),
        "secondsLimitedBy": tally(&|r| r["limitation"].as_str().unwrap_or("?").to_owned()),
        "targetBitrateKbpsAtWindowEnd": inside
            .last()
            .and_then(|r| r["targetBitrate"].as_f64())
            .map(|b| (b / 1000.0).round()),
    })
}

/// The Mulaqat call: two `mulaqat-cli join` with frame logs.
fn mulaqat(setup: &Setup, server: &Server, relay: Option<&Relay>, call: &str) -> Side {
    let logs: Vec<PathBuf> = (1..=2)
        .map(|i| setup.lab.dir().join(format!("frames-{call}-P{i}.log")))
        .collect();
    let mut args = vec!["--stats-every", "500ms"];
    if relay.is_some() {
        args.push("--relay-only");
    }
    let (lab_before, netsim_before) =
        (lab_counts(&setup.lab), relay.and_then(|r| r.netsim.tally()));
    let clients = setup.join(server, call, &args, |i| {
        vec!["--frame-log".to_owned(), logs[i - 1].display().to_string()]
    });
    let roots: Vec<u32> = clients.iter().map(|c| c.proc.pid).collect();
    let mut edges: Vec<Vec<Option<(Stats, SystemTime)>>> = Vec::new();
    let w = setup.window(
        &roots,
        || all_see(&clients),
        || {
            edges.push(
                clients
                    .iter()
                    .map(|c| Stats::read_timed(&c.stats))
                    .collect(),
            );
        },
    );
    let lab_after = lab_counts(&setup.lab);
    let mut side = Side {
        cpu: w.cpu.clone(),
        netsim: netsim_growth(netsim_before, relay.and_then(|r| r.netsim.tally())),
        ..Side::default()
    };
    for c in &clients {
        c.proc.interrupt();
    }
    for c in &clients {
        match c.proc.wait_exit(Duration::from_secs(10)).map(|s| s.code()) {
            Some(Some(0)) => {}
            Some(code) => side
                .problems
                .push(format!("{} exited with {code:?}", c.name)),
            None => side.problems.push(format!("{} did not exit", c.name)),
        }
    }
    let window = (epoch_ms(w.from), epoch_ms(w.to));
    for to in 1..=2 {
        let k = to - 1;
        let log = std::fs::read_to_string(&logs[k]).unwrap_or_default();
        let (audio, mut own) = mulaqat_counts(edges[0][k].as_ref(), edges[1][k].as_ref());
        let (slow, slowest) = frames::slow_polls(&log, window);
        own["frameLogSlowPolls"] = json!({ "count": slow, "slowestMs": slowest });
        side.directions.push(Direction {
            from: 3 - to,
            to,
            video: Video::of(&frames::from_frame_log(&log), window),
            audio,
            own,
            lab: lab_growth(lab_before, lab_after, k),
            sender: mulaqat_sender(edges[1][2 - to].as_ref()),
        });
    }
    side
}

/// Whether both pages of `call` have reported their stats after `t` (ms).
fn reported_after(page: &Proc, call: &str, t: f64) -> bool {
    ["a", "b"].iter().all(|me| {
        page::reports(page, call, me)
            .iter()
            .any(|r| r["type"] == "stats" && r["now"].as_f64() >= Some(t))
    })
}

/// The Chromium call: two pages counting their frames, cameras playing
/// `camera`.
fn chromium(
    setup: &Setup,
    page: &Proc,
    relay: Option<&Relay>,
    call: &str,
    camera: &Path,
) -> Result<Side, String> {
    let mut query = "&frames=1".to_owned();
    if let Some(r) = relay {
        query.push_str(&r.query(call));
    }
    let (lab_before, netsim_before) =
        (lab_counts(&setup.lab), relay.and_then(|r| r.netsim.tally()));
    let camera = Camera {
        fps: FPS,
        file: Some(camera),
    };
    let mut browsers = setup.launch_pages(call, &query, camera)?;
    let roots: Vec<u32> = browsers.iter().map(|b| b.pid).collect();
    let w = setup.window(&roots, || page::both_see(page, call), || {});
    let lab_after = lab_counts(&setup.lab);
    let window = (epoch_ms(w.from), epoch_ms(w.to));
    // Frame times come once a second: the last ones of the window with
    // the first report after it.
    let give_up = Instant::now() + Duration::from_secs(5);
    while !reported_after(page, call, window.1) && Instant::now() < give_up {
        pause(Duration::from_millis(100));
    }
    let exited: Vec<bool> = browsers.iter_mut().map(|b| !b.running()).collect();
    drop(browsers);
    let mut side = Side {
        cpu: w.cpu.clone(),
        netsim: netsim_growth(netsim_before, relay.and_then(|r| r.netsim.tally())),
        ..Side::default()
    };
    for (k, me) in ["a", "b"].into_iter().enumerate() {
        let reports = page::reports(page, call, me);
        let sender = chromium_sender(&page::reports(page, call, ["b", "a"][k]), window);
        side.problems.extend(
            reports
                .iter()
                .filter(|r| r["type"] == "error")
                .filter_map(|r| Some(format!("page {me}: {}", r["message"].as_str()?))),
        );
        if exited[k] {
            side.problems
                .push(format!("Chromium {me} exited during the call"));
        }
        let (audio, own) = chromium_counts(&reports, window);
        side.directions.push(Direction {
            from: 2 - k,
            to: k + 1,
            video: Video::of(&frames::from_reports(&reports), window),
            audio,
            own,
            lab: lab_growth(lab_before, lab_after, k),
            sender,
        });
    }
    Ok(side)
}

/// One impairment at one quality: a fresh lab, the Mulaqat call, the
/// Chromium call (its camera playing `camera`).
fn run_one(
    args: &Args,
    bins: &Bins,
    quality: &str,
    imp: &Impairment,
    camera: Option<&Path>,
    n: usize,
) -> Run {
    let setup = Setup::new(args, bins, quality);
    let relay = impair(&setup.lab, bins, imp);
    let mut config = "[rooms]\ndefault_kind = \"meeting\"\n".to_owned();
    if let Some(r) = &relay {
        config.push_str(&r.coturn.server_config_for(&[&r.url], 3600));
    }
    let server = (!args.skip_mulaqat)
        .then(|| Server::start(Some(&setup.lab), setup.lab.dir(), bins, &config));
    let page = camera.map(|_| page::start(&setup.lab));
    let call = format!("imp{n}-q{}", setup.height);
    let mulaqat = server.as_ref().map(|server| {
        eprintln!("{quality}, {imp}: Mulaqat call ...");
        mulaqat(&setup, server, relay.as_ref(), &call)
    });
    let chromium = page.as_ref().zip(camera).map(|(page, camera)| {
        eprintln!("{quality}, {imp}: Chromium call ...");
        chromium(&setup, page, relay.as_ref(), &call, camera).unwrap_or_else(|e| Side {
            problems: vec![e],
            ..Side::default()
        })
    });
    Run {
        impairment: imp.to_string(),
        quality: quality.to_owned(),
        mulaqat,
        chromium,
    }
}

/// Every `--impair` at every quality, then the table and the JSON.
pub fn run(args: &Args, bins: &Bins, browser: &str) {
    let dir = bins
        .cli
        .parent()
        .expect("the cli is in a folder")
        .to_owned();
    let mut runs = Vec::new();
    for quality in args.qualities() {
        let size = size_of(&quality).expect("qualities are checked before");
        let camera = if args.skip_browser {
            None
        } else {
            match camera_file(&dir, size) {
                Ok(path) => Some(path),
                Err(e) => {
                    eprintln!("browser benchmark: {e}");
                    std::process::exit(1);
                }
            }
        };
        for (n, imp) in args.impair.iter().enumerate() {
            let run = run_one(args, bins, &quality, imp, camera.as_deref(), n);
            eprint!("{}", run.table_lines());
            runs.push(run);
        }
    }
    report(args, browser, &runs);
}

/// Today, as `date` prints it.
fn today() -> String {
    std::process::Command::new("date")
        .arg("+%Y-%m-%d %H:%M %Z")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn report(args: &Args, browser: &str, runs: &[Run]) {
    let mut flags = String::new();
    if args.qualities() != ["360p"] {
        flags.push_str(&format!(" --quality {}", args.qualities().join(",")));
    }
    for imp in &args.impair {
        flags.push_str(&format!(" --impair {imp}"));
    }
    let (warmup, seconds) = (args.warmup(), args.seconds());
    let mut table = format!(
        "Machine: {}; {browser}. {}. Command: `cargo bench -p mulaqat-cli --bench browser --{flags} --warmup {warmup} \
         --seconds {seconds}`. Release build. Per impairment a fresh lab, impaired alike for both participants, \
         then a Mulaqat call (two `mulaqat-cli join`) and a Chromium call (two headless pages) in it, both \
         cameras playing Mulaqat's test pattern at the size asked, 30 fps. loss: each client loses that share \
         of what the other sends it (nftables); rate: each client's sending capped (tbf); delay: relay only, \
         through coturn behind `mulaqat-netsim`, which delays each direction once by that much ± jitter. \
         The window is {seconds} s long and starts {warmup} s after both participants have the other's first \
         frame. From the time each decoded frame came (Mulaqat: the engine's count read every 20 ms; Chromium: \
         each frame reaching the page): fps median of the whole seconds; longest freeze, the longest time \
         without a new frame; time frozen, the time in gaps over 500 ms ÷ the window; gaps > 200 ms, how many \
         (about WebRTC's freeze at 30 fps). Audio packets: \
         packetsReceived over the window (stats read once a second). Sizes: the received picture's size over \
         the window, in order, or the time at each size and how often it changed. Check: the share of the \
         media packets reaching each client that the lab dropped; the mean delay netsim added.\n\n{TABLE_HEAD}",
        measure::machine(),
        today(),
    );
    for run in runs {
        table.push_str(&run.table_lines());
    }
    println!("{table}");
    args.out
        .write_json(&json!({
            "machine": measure::machine(),
            "browser": browser,
            "date": today(),
            "warmupSecs": warmup,
            "seconds": seconds,
            "runs": runs.iter().map(Run::to_json).collect::<Vec<_>>(),
        }))
        .expect("write JSON");
    args.out
        .write_markdown(
            "browser-impaired",
            "Against a browser call (Chromium) on an impaired network",
            &table,
        )
        .expect("write Markdown");
}
