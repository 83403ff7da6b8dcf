//! The desktop app, measured the way a person meets it: under Xvfb and
//! WebKitWebDriver (as the window test), with test devices.
//!
//! - **cold start**: from asking WebKitWebDriver for a session (which
//!   launches `mulaqat`) to the home screen's "Start a meeting" on screen;
//!   the median of `--starts` launches. It includes the driver's own set-up.
//! - **1:1 call at 720p**: the app hosts a meeting on its embedded server,
//!   one `mulaqat-cli` guest joins at 720p; after `--warmup` seconds, the
//!   memory of every app process (`mulaqat`, the WebKit web and network
//!   processes): RSS summed, and PSS (shared pages split between processes).
//! - **four 360p tiles**: the app at 360p with three `mulaqat-cli` guests
//!   (three remote tiles and the self-view); CPU of the WebKit web process
//!   (the UI: WebGL drawing) and of `mulaqat` (media), as a share of one
//!   core over `--seconds`.
//!
//! ```text
//! cargo bench -p mulaqat-desktop --bench app -- --json target/app-bench.json
//! ```
//! Needs `ui/dist` (built by `scripts/run.sh` or `npm run build`), Xvfb and
//! WebKitWebDriver. The guests are `mulaqat-cli` from `cargo build --release
//! -p mulaqat-cli` (run first; `MULAQAT_CLI_BIN` overrides).

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

#[path = "../tests/driver/mod.rs"]
mod driver;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;

#[derive(Debug, Parser)]
struct Args {
    /// Launches measured for the cold start.
    #[arg(long, default_value_t = 3)]
    starts: usize,
    /// Seconds from the guests' video arriving to the measurement.
    #[arg(long, default_value_t = 8)]
    warmup: u64,
    /// Seconds over which CPU is measured.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Ignored (cargo bench passes it).
    #[arg(long, hide = true)]
    bench: bool,
}

const APP: &str = env!("CARGO_BIN_EXE_mulaqat");

fn main() {
    let args = Args::parse();
    if !driver::tools_present() {
        return;
    }
    let cli = cli_binary();
    let starts: Vec<f64> = (0..args.starts).map(|_| cold_start_ms()).collect();
    let start_ms = median(&starts);
    let call = one_to_one_720p(&cli, &args);
    let tiles = four_tiles_360p(&cli, &args);
    let machine = machine();
    println!("\nMulaqat desktop app ({machine})\n");
    println!("| measure | value | target |");
    println!("| --- | --- | --- |");
    println!(
        "| cold start to home screen (median of {}) | {start_ms:.0} ms | < 1500 ms |",
        starts.len()
    );
    println!(
        "| 1:1 call at 720p: RSS of all app processes | {:.0} MiB | < 300 MiB |",
        call.rss_mib
    );
    println!(
        "| 1:1 call at 720p: PSS of all app processes | {:.0} MiB | |",
        call.pss_mib
    );
    println!(
        "| four 360p tiles: UI process (WebKit) CPU | {:.0} % of a core | |",
        tiles.ui_cpu
    );
    println!(
        "| four 360p tiles: media process (mulaqat) CPU | {:.0} % of a core | |",
        tiles.media_cpu
    );
    if let Some(path) = &args.json {
        // `cargo bench` runs in src-tauri/: relative paths are from the
        // workspace root, where the command is typed.
        let path = &Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
        let report = json!({
            "machine": machine,
            "coldStartMs": starts,
            "coldStartMedianMs": start_ms,
            "call720p": {"rssMiB": call.rss_mib, "pssMiB": call.pss_mib, "processes": call.processes},
            "tiles360p": {"uiCpuPercent": tiles.ui_cpu, "mediaCpuPercent": tiles.media_cpu},
        });
        std::fs::write(path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
        println!("\nwritten: {}", path.display());
    }
}

fn cli_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("MULAQAT_CLI_BIN") {
        return PathBuf::from(path);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "mulaqat-cli"])
        .current_dir(&root)
        .status()
        .expect("cargo");
    assert!(
        status.success(),
        "cargo build --release -p mulaqat-cli failed"
    );
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target.join("release/mulaqat-cli")
}

fn cold_start_ms() -> f64 {
    let asked = Instant::now();
    let app = driver::start_driver(APP);
    app.window.wait(
        "the home screen",
        "return document.body.innerText.includes('Start a meeting')",
    );
    let ms = asked.elapsed().as_secs_f64() * 1000.0;
    app.quit();
    ms
}

/// Starts a meeting in the app, joins it as host at `quality`, lets
/// `guests` `mulaqat-cli` guests in at the same quality, and waits for
/// every guest's video in a tile.
fn hosted_call(cli: &Path, quality: &str, guests: usize) -> (driver::RunningApp, Vec<Child>) {
    let app = driver::start_driver(APP);
    let window = &app.window;
    window.wait(
        "the home screen",
        "return document.body.innerText.includes('Start a meeting')",
    );
    window.click("Start a meeting");
    let link = window.wait(
        "the guest link",
        "const i = [...document.querySelectorAll('input, code, output')].find(e => (e.value || e.textContent || '').startsWith('mulaqat://join?'));
         return i ? (i.value || i.textContent) : null;",
    );
    let link = link.as_str().unwrap().to_owned();
    window.click("Join as host");
    let choice = match quality {
        "720p" => "p720",
        "1080p" => "p1080",
        _ => "p360",
    };
    window.js(&format!(
        "const s = document.getElementById('quality'); s.value = '{choice}';
         s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true;"
    ));
    window.type_into("display-name", "Host");
    window.click("Join now");
    let mut children = Vec::new();
    for i in 0..guests {
        let name = format!("Guest{i}");
        children.push(
            Command::new(cli)
                .args([
                    "join",
                    &link,
                    "--name",
                    &name,
                    "--quality",
                    quality,
                    "--duration",
                    "120s",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        window.wait(
            &format!("{name}'s knock"),
            &format!("return document.body.innerText.includes('{name}')"),
        );
        window.click("Admit");
    }
    window.wait(
        "every guest's video in a tile",
        &format!(
            "return document.querySelectorAll('figure.tile:not(.self)[data-has-frame=true]').length >= {guests}"
        ),
    );
    (app, children)
}

/// The app's processes: `mulaqat` and its descendants (WebKit's).
fn app_processes() -> Vec<(u32, String)> {
    let all: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let name = stat[stat.find('(')? + 1..stat.rfind(')')?].to_owned();
            let ppid = stat[stat.rfind(')')? + 2..]
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid, name))
        })
        .collect();
    let exe = std::fs::canonicalize(APP).unwrap();
    let mut found: Vec<(u32, String)> = all
        .iter()
        .filter(|(pid, _, _)| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe)
        })
        .map(|(pid, _, name)| (*pid, name.clone()))
        .collect();
    let mut i = 0;
    while i < found.len() {
        let parent = found[i].0;
        for (pid, ppid, name) in &all {
            if *ppid == parent && !found.iter().any(|(p, _)| p == pid) {
                found.push((*pid, name.clone()));
            }
        }
        i += 1;
    }
    found
}

fn status_kib(pid: u32, file: &str, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
}

fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let fields: Vec<u64> = stat[stat.rfind(')')? + 2..]
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|f| f.parse().ok())
                .collect();
            Some(fields.iter().sum())
        })
        .unwrap_or(0)
}

struct CallMemory {
    rss_mib: f64,
    pss_mib: f64,
    processes: Vec<String>,
}

fn one_to_one_720p(cli: &Path, args: &Args) -> CallMemory {
    let (app, mut guests) = hosted_call(cli, "720p", 1);
    std::thread::sleep(Duration::from_secs(args.warmup));
    let processes = app_processes();
    let rss: f64 = processes
        .iter()
        .map(|(p, _)| status_kib(*p, "status", "VmRSS:"))
        .sum();
    let pss: f64 = processes
        .iter()
        .map(|(p, _)| status_kib(*p, "smaps_rollup", "Pss:"))
        .sum();
    app.quit();
    for g in &mut guests {
        let _ = g.kill();
        let _ = g.wait();
    }
    CallMemory {
        rss_mib: rss / 1024.0,
        pss_mib: pss / 1024.0,
        processes: processes.into_iter().map(|(_, name)| name).collect(),
    }
}

struct TileCpu {
    ui_cpu: f64,
    media_cpu: f64,
}

fn four_tiles_360p(cli: &Path, args: &Args) -> TileCpu {
    let (app, mut guests) = hosted_call(cli, "360p", 3);
    std::thread::sleep(Duration::from_secs(args.warmup));
    let processes = app_processes();
    let pick = |name: &str| {
        processes
            .iter()
            .filter(|(_, n)| n.contains(name))
            .map(|(p, _)| *p)
            .collect::<Vec<_>>()
    };
    let (ui, media) = (pick("WebKitWebProces"), pick("mulaqat"));
    let ticks = |pids: &[u32]| pids.iter().map(|p| cpu_ticks(*p)).sum::<u64>();
    let (ui0, media0, at) = (ticks(&ui), ticks(&media), Instant::now());
    std::thread::sleep(Duration::from_secs(args.seconds));
    let (ui1, media1) = (ticks(&ui), ticks(&media));
    let secs = at.elapsed().as_secs_f64();
    // Clock ticks are 1/100 s on Linux.
    let percent = |a: u64, b: u64| (b.saturating_sub(a)) as f64 / secs;
    app.quit();
    for g in &mut guests {
        let _ = g.kill();
        let _ = g.wait();
    }
    TileCpu {
        ui_cpu: percent(ui0, ui1),
        media_cpu: percent(media0, media1),
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default();
    format!(
        "{} cores, {cpu}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )
}
