//! Mesh calls of 2, 3 and 4 `mulaqat-cli join` processes at 360p and 720p:
//! per participant, the time from starting `join` to the first remote frame
//! (`firstFrameMs` in the stats JSON), CPU (share of one core, from
//! `/proc/PID/stat` over a steady window after a warm-up), RSS (`VmRSS`) and
//! the frame rate received.
//!
//! ```text
//! cargo bench -p mulaqat-cli --bench mesh -- --json target/mesh.json --markdown docs/benchmarks.md
//! cargo bench -p mulaqat-cli --bench mesh -- --parties 2,3 --quality 360p
//! ```
//! `cargo bench` builds `mulaqat-cli` in release for the bench
//! (`CARGO_BIN_EXE_mulaqat-cli`); `mulaqat-server` is another package, so the
//! bench runs `cargo build --release -p mulaqat-server` itself first (a no-op
//! when fresh; `MULAQAT_SERVER_BIN` overrides). As root every participant
//! runs in its own network namespace linked to the server's by veth (the
//! lab of `mulaqat-lab`); otherwise (or with `--loopback`) all run on
//! 127.0.0.1. Each call runs in fresh processes; `--markdown` rewrites the
//! table between the `mesh` markers.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use clap::Parser;
use serde_json::{Value, json};

use mulaqat_lab::measure::{self, clock_ticks, cpu_ticks, machine};
use mulaqat_lab::netns::{self as lab, Lab};
use mulaqat_lab::procs::{Bins, Client, Server, Stats, frames};

#[derive(Debug, Parser)]
struct Args {
    /// Call sizes to run (e.g. 2,3).
    #[arg(long, value_delimiter = ',', default_values_t = [2usize, 3, 4])]
    parties: Vec<usize>,
    /// Sending qualities to run (e.g. 360p).
    #[arg(long, value_delimiter = ',', default_values_t = ["360p".to_owned(), "720p".to_owned()])]
    quality: Vec<String>,
    /// Seconds from starting the participants to the measured window.
    #[arg(long, default_value_t = 6)]
    warmup: u64,
    /// Seconds measured.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Run on 127.0.0.1 even as root (no namespaces).
    #[arg(long)]
    loopback: bool,
    /// Where the results go.
    #[command(flatten)]
    out: measure::BenchArgs,
}

/// One participant's figures.
#[derive(Debug, Clone)]
struct Participant {
    name: String,
    /// Start of `join` to the first frame from anyone.
    first_frame_ms: Option<u64>,
    /// Start of `join` to the first frame from the last of the others.
    all_frames_ms: Option<u64>,
    /// Share of one core over the window, %.
    cpu_percent: f64,
    rss_mib: f64,
    /// Frames per second received from each remote over the window.
    fps_in: Vec<f64>,
    /// Smallest height received at the end of the window.
    min_height: Option<u64>,
    encoder: Option<String>,
    exit_code: Option<i32>,
}

#[derive(Debug, Clone)]
struct Row {
    parties: usize,
    quality: String,
    requested_height: u64,
    participants: Vec<Participant>,
}

impl Participant {
    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "firstFrameMs": self.first_frame_ms,
            "allRemotesFirstFrameMs": self.all_frames_ms,
            "cpuPercentOfOneCore": self.cpu_percent,
            "rssMiB": self.rss_mib,
            "fpsReceived": self.fps_in,
            "smallestHeightReceived": self.min_height,
            "encoder": self.encoder,
            "exitCode": self.exit_code,
        })
    }
}

impl Row {
    fn to_json(&self) -> Value {
        json!({
            "parties": self.parties,
            "quality": self.quality,
            "sustained": sustained(self),
            "participants": self.participants.iter().map(Participant::to_json).collect::<Vec<_>>(),
        })
    }
}

fn rss_mib(pid: u32) -> f64 {
    measure::rss_kib(pid).map_or(0.0, |kib| kib as f64 / 1024.0)
}

fn height_of(quality: &str) -> u64 {
    quality.trim_end_matches('p').parse().unwrap_or(0)
}

fn run_call(args: &Args, bins: &Bins, parties: usize, quality: &str, netns: bool) -> Row {
    let lab = netns.then(|| Lab::new(parties));
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir: &Path = lab.as_ref().map_or(tmp.path(), |l| l.dir());
    let server = Server::start(
        lab.as_ref(),
        dir,
        bins,
        "[rooms]\ndefault_kind = \"meeting\"\n",
    );
    let link = server.link("mesh", "host", "1h");
    let clients: Vec<Client> = (1..=parties)
        .map(|i| {
            Client::start(
                lab.as_ref(),
                netns.then_some(i),
                dir,
                bins,
                "join",
                &link,
                &format!("P{i}"),
                &["--quality", quality],
            )
        })
        .collect();
    let started = clients[0].proc.started;
    std::thread::sleep(
        (started + Duration::from_secs(args.warmup)).saturating_duration_since(Instant::now()),
    );
    let t0 = Instant::now();
    let cpu0: Vec<Option<u64>> = clients.iter().map(|c| cpu_ticks(c.proc.pid)).collect();
    let stats0: Vec<Option<(Stats, SystemTime)>> = clients
        .iter()
        .map(|c| Stats::read_timed(&c.stats))
        .collect();
    std::thread::sleep(Duration::from_secs(args.seconds));
    let window = t0.elapsed().as_secs_f64();
    let cpu1: Vec<Option<u64>> = clients.iter().map(|c| cpu_ticks(c.proc.pid)).collect();
    let rss: Vec<f64> = clients.iter().map(|c| rss_mib(c.proc.pid)).collect();
    let stats1: Vec<Option<(Stats, SystemTime)>> = clients
        .iter()
        .map(|c| Stats::read_timed(&c.stats))
        .collect();
    for c in &clients {
        c.proc.interrupt();
    }
    let hz = clock_ticks();
    let mut participants = Vec::new();
    for (k, c) in clients.iter().enumerate() {
        let exit_code = c
            .proc
            .wait_exit(Duration::from_secs(10))
            .and_then(|s| s.code());
        let cpu_percent = match (cpu0[k], cpu1[k]) {
            (Some(a), Some(b)) => (b.saturating_sub(a)) as f64 / hz / window * 100.0,
            _ => 0.0,
        };
        participants.push(participant(
            c,
            parties,
            cpu_percent,
            rss[k],
            exit_code,
            stats0[k].as_ref(),
            stats1[k].clone(),
        ));
    }
    drop(clients);
    drop(server);
    drop(lab);
    Row {
        parties,
        quality: quality.to_owned(),
        requested_height: height_of(quality),
        participants,
    }
}

/// `c`'s figures: its CPU, RSS and exit code, and what it received over
/// the window, from its stats file read at the window's start and end.
fn participant(
    c: &Client,
    parties: usize,
    cpu_percent: f64,
    rss_mib: f64,
    exit_code: Option<i32>,
    start: Option<&(Stats, SystemTime)>,
    end: Option<(Stats, SystemTime)>,
) -> Participant {
    let (end, end_at) = end.unwrap_or((Stats(Value::Null), SystemTime::UNIX_EPOCH));
    let (start, start_at) = match start {
        Some((s, at)) => (Some(s), *at),
        None => (None, SystemTime::UNIX_EPOCH),
    };
    // Frames over the time between the two writes of the stats file.
    let span = end_at
        .duration_since(start_at)
        .map_or(0.0, |d| d.as_secs_f64());
    let remotes = end.present();
    let first: Vec<Option<u64>> = remotes
        .iter()
        .map(|(_, r)| r["firstFrameMs"].as_u64())
        .collect();
    let fps_in = remotes
        .iter()
        .map(|(id, r)| {
            let before = start.and_then(|s| s.remote(id)).map_or(0, frames);
            if span > 0.5 {
                frames(r).saturating_sub(before) as f64 / span
            } else {
                0.0
            }
        })
        .collect();
    let encoder = end.0["sent"].as_object().and_then(|m| {
        m.iter()
            .filter(|(k, _)| k.ends_with(":video"))
            .find_map(|(_, v)| v["encoder"].as_str().map(str::to_owned))
    });
    Participant {
        name: c.name.clone(),
        first_frame_ms: first.iter().flatten().min().copied(),
        all_frames_ms: if first.len() == parties - 1 && first.iter().all(Option::is_some) {
            first.iter().flatten().max().copied()
        } else {
            None
        },
        cpu_percent,
        rss_mib,
        fps_in,
        min_height: remotes
            .iter()
            .filter_map(|(_, r)| r["video"]["height"].as_u64())
            .min(),
        encoder,
        exit_code,
    }
}

fn percentile(mut v: Vec<u64>, p: f64) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let at = ((v.len() - 1) as f64 * p).round() as usize;
    v.get(at).copied()
}

fn ms(v: Option<u64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v} ms"))
}

/// Every participant received every other one at the requested size and at
/// 25 fps or more over the window.
fn sustained(row: &Row) -> bool {
    row.participants.iter().all(|p| {
        p.fps_in.len() == row.parties - 1
            && p.fps_in.iter().all(|f| *f >= 25.0)
            && p.min_height == Some(row.requested_height)
    })
}

fn table_row(row: &Row) -> String {
    let ps = &row.participants;
    let firsts: Vec<u64> = ps.iter().filter_map(|p| p.first_frame_ms).collect();
    let alls: Vec<u64> = ps.iter().filter_map(|p| p.all_frames_ms).collect();
    let all_max = if alls.len() == ps.len() {
        ms(alls.iter().max().copied())
    } else {
        format!("{} (not all)", ms(alls.iter().max().copied()))
    };
    let cpu: Vec<f64> = ps.iter().map(|p| p.cpu_percent).collect();
    let rss: Vec<f64> = ps.iter().map(|p| p.rss_mib).collect();
    let fps: Vec<f64> = ps.iter().flat_map(|p| p.fps_in.iter().copied()).collect();
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let heights: Vec<u64> = ps.iter().filter_map(|p| p.min_height).collect();
    let encoder = ps
        .iter()
        .find_map(|p| p.encoder.clone())
        .unwrap_or_else(|| "?".into());
    format!(
        "| {} | {} | {} | {} | {} | {} | {:.0} % ({:.0} %) | {:.0} % | {:.0} MiB ({:.0}) | {:.1} ({:.1}) | {} | {} |\n",
        row.parties,
        row.quality,
        encoder,
        ms(percentile(firsts.clone(), 0.5)),
        ms(firsts.iter().max().copied()),
        all_max,
        mean(&cpu),
        max(&cpu),
        cpu.iter().sum::<f64>(),
        mean(&rss),
        max(&rss),
        mean(&fps),
        if fps.is_empty() { 0.0 } else { min(&fps) },
        heights
            .iter()
            .min()
            .map_or_else(|| "none".into(), |h| format!("{h}p")),
        if sustained(row) { "yes" } else { "no" },
    )
}

fn main() {
    let args = Args::parse();
    let netns = !args.loopback && lab::available("mesh benchmark in namespaces", &[]);
    let bins = Bins::locate(env!("CARGO_BIN_EXE_mulaqat-cli"));
    let mut rows = Vec::new();
    for quality in &args.quality {
        for &parties in &args.parties {
            eprintln!("{parties} parties at {quality} ...");
            let row = run_call(&args, &bins, parties, quality, netns);
            eprint!("{}", table_row(&row));
            rows.push(row);
        }
    }
    let mut filters = String::new();
    if args.parties != [2, 3, 4] {
        let list: Vec<String> = args.parties.iter().map(ToString::to_string).collect();
        filters.push_str(&format!(" --parties {}", list.join(",")));
    }
    if args.quality != ["360p", "720p"] {
        filters.push_str(&format!(" --quality {}", args.quality.join(",")));
    }
    let mut table = format!(
        "Machine: {}. Command: `cargo bench -p mulaqat-cli --bench mesh --{filters} --warmup {} --seconds {}` \
         ({}). Release build; one server and one `mulaqat-cli join` process per participant, \
         each sending its test camera at the quality shown (30 fps) and test tone; fresh processes for each row. \
         First frame: from starting `join` to the first remote frame decoded (p50 and max over participants), \
         and to the last of the others' first frames (max). CPU: share of one core per participant over \
         {} s after {} s of warm-up (mean, max in brackets), and all participants together (200 % = both cores). \
         Received fps: frames decoded per second per remote video, between the stats-file writes nearest the window's ends (mean, min). \
         Sustained: every participant got every other at the requested size at 25 fps or more.\n\n\
         | parties | quality | encoder | first frame p50 | first frame max | all remotes max | CPU / participant | CPU all | RSS / participant | fps received | smallest received | sustained |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        machine(),
        args.warmup,
        args.seconds,
        if netns {
            "each participant in its own network namespace, veth to the server's"
        } else {
            "all on 127.0.0.1, no namespaces"
        },
        args.seconds,
        args.warmup,
    );
    for row in &rows {
        table.push_str(&table_row(row));
    }
    println!("{table}");
    args.out
        .write_json(&json!({
            "machine": machine(),
            "netns": netns,
            "warmupSecs": args.warmup,
            "seconds": args.seconds,
            "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
        }))
        .expect("write JSON");
    args.out
        .write_markdown("mesh", "Mesh calls", &table)
        .expect("write Markdown");
}
