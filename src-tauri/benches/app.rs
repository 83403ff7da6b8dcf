//! The desktop app, measured the way a person meets it: under Xvfb and
//! WebKitWebDriver (as the window test), with test devices.
//!
//! - **cold start**: from asking WebKitWebDriver for a session (which
//!   launches `mulaqat`) to the home screen's "Start a meeting" on screen;
//!   the median of `--starts` launches. It includes the driver's own set-up.
//! - **1:1 call at 720p**: the app hosts a meeting on its embedded server,
//!   one `mulaqat-cli` guest joins at 720p; after `--warmup` seconds, the
//!   memory of every app process (`mulaqat`, the WebKit web and network
//!   processes): RSS summed, and PSS (shared pages split between processes);
//!   per process, PSS split into anonymous memory, mapped files and
//!   GPU/shared-memory buffers, at the home screen (idle) and in the call;
//!   each process's PSS every second of the warm-up (what grows, and whether
//!   it levels off); how late frames reach the page (from the engine
//!   publishing them to the UI reading them), and each tile's frame size and
//!   brightness (drawn whole or not), with a screenshot in
//!   `target/screenshots/app-bench-call-720p.png`.
//! - **four 360p tiles**: the app at 360p with three `mulaqat-cli` guests
//!   (three remote tiles and the self-view); CPU of the WebKit web process
//!   (the UI: WebGL drawing) and of `mulaqat` (media), as a share of one
//!   core over `--seconds`, and what that CPU bought: the frames the page
//!   read per second per tile, and how late they reached it. The guests
//!   run on the same cores, so this window is CPU-bound and noisy.
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
mod memory;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use mulaqat_lab::measure;
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
    /// Also copy every app process's /proc/PID/smaps here (home screen and
    /// in the 720p call), for a closer look.
    #[arg(long)]
    smaps_dir: Option<PathBuf>,
    /// Leave out the four-tile CPU measure (memory only).
    #[arg(long)]
    no_tiles: bool,
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
    let tiles = (!args.no_tiles).then(|| four_tiles_360p(&cli, &args));
    let machine = measure::machine();
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
    if let Some(tiles) = &tiles {
        println!(
            "| four 360p tiles: UI process (WebKit) CPU | {:.0} % of a core | |",
            tiles.ui_cpu
        );
        println!(
            "| four 360p tiles: media process (mulaqat) CPU | {:.0} % of a core | |",
            tiles.media_cpu
        );
        println!(
            "| four 360p tiles: frames the page read, per tile | {:.1} fps | |",
            tiles.page_fps_per_tile
        );
    }
    println!("\nMemory per app process (PSS split by what backs it; see benches/memory)\n");
    println!("{}", memory::TABLE_HEADER);
    for (state, processes) in [
        ("home screen", &call.home),
        ("1:1 call at 720p", &call.in_call),
    ] {
        for p in processes {
            println!("{}", p.row(state));
        }
    }
    println!("\nPSS each second of the call's warm-up (MiB):");
    for (name, values) in &call.series {
        let values: Vec<String> = values.iter().map(|v| format!("{v:.0}")).collect();
        println!("- {name}: {}", values.join(" "));
    }
    println!("\nTiles in the call: {}", call.tiles);
    if let Some(path) = &args.json {
        // `cargo bench` runs in src-tauri/: relative paths are from the
        // workspace root, where the command is typed.
        let path = &Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
        let report = json!({
            "machine": machine,
            "coldStartMs": starts,
            "coldStartMedianMs": start_ms,
            "call720p": {
                "rssMiB": call.rss_mib,
                "pssMiB": call.pss_mib,
                "processes": call.processes,
                "perProcess": call.in_call.iter().map(memory::ProcessMemory::to_json).collect::<Vec<_>>(),
                "homeScreen": call.home.iter().map(memory::ProcessMemory::to_json).collect::<Vec<_>>(),
                "pssEachSecondMiB": call.series.iter().map(|(n, v)| json!({"name": n, "pss": v})).collect::<Vec<_>>(),
                "tiles": call.tiles,
            },
            "tiles360p": tiles.as_ref().map(|t| json!({"uiCpuPercent": t.ui_cpu, "mediaCpuPercent": t.media_cpu, "pageFpsPerTile": t.page_fps_per_tile, "frameDelay": t.delay})),
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
/// `at_home` runs once the home screen shows, before anything else.
fn hosted_call(
    cli: &Path,
    quality: &str,
    guests: usize,
    at_home: impl FnOnce(),
) -> (driver::RunningApp, Vec<Child>) {
    let app = driver::start_driver(APP);
    let window = &app.window;
    window.wait(
        "the home screen",
        "return document.body.innerText.includes('Start a meeting')",
    );
    at_home();
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

/// The app's processes: `mulaqat` and its descendants (WebKit's), with
/// their names. By executable, not by name: other programs may be called
/// `mulaqat` (the CLI guests' names begin with it).
fn app_processes() -> Vec<(u32, String)> {
    let all = measure::processes();
    let exe = std::fs::canonicalize(APP).unwrap();
    let roots: Vec<u32> = all
        .iter()
        .map(|s| s.pid)
        .filter(|pid| measure::exe(*pid).is_some_and(|p| p == exe))
        .collect();
    measure::trees_in(&roots, &all)
        .iter()
        .filter_map(|s| Some((s.pid, measure::name(s.pid)?)))
        .collect()
}

struct CallMemory {
    rss_mib: f64,
    pss_mib: f64,
    processes: Vec<String>,
    /// Per process at the home screen, idle.
    home: Vec<memory::ProcessMemory>,
    /// Per process in the call.
    in_call: Vec<memory::ProcessMemory>,
    /// Per process name: PSS (MiB) each second of the warm-up.
    series: Vec<(String, Vec<f64>)>,
    /// [`TILES_PROBE`]'s answer.
    tiles: serde_json::Value,
}

/// Every app process's memory, and its smaps kept when asked.
fn per_process(args: &Args, label: &str) -> Vec<memory::ProcessMemory> {
    let processes = app_processes();
    if let Some(dir) = &args.smaps_dir {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
        memory::keep_smaps(&dir, label, &processes);
    }
    processes
        .iter()
        .filter_map(|(pid, name)| memory::read(*pid, name))
        .collect()
}

fn one_to_one_720p(cli: &Path, args: &Args) -> CallMemory {
    let mut home = Vec::new();
    let (app, mut guests) = hosted_call(cli, "720p", 1, || {
        // Let the start settle (the web process finishes its first layout).
        std::thread::sleep(Duration::from_secs(3));
        home = per_process(args, "home");
    });
    // PSS of each process once a second while the call warms up: what
    // grows, and whether it levels off.
    let mut series: Vec<(String, Vec<f64>)> = Vec::new();
    app.window.js(DELAY_PROBE);
    for _ in 0..args.warmup {
        std::thread::sleep(Duration::from_secs(1));
        for (pid, name) in app_processes() {
            let pss = memory::pss_mib(pid);
            match series.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) => values.push(pss),
                None => series.push((name, vec![pss])),
            }
        }
    }
    let in_call = per_process(args, "call");
    let mut tiles = app.window.js(TILES_PROBE);
    app.window
        .screenshot(&driver::screenshots_dir(), "app-bench-call-720p.png");
    tiles["frameDelay"] = app.window.js(DELAY_READ);
    let rss: f64 = in_call.iter().map(|p| p.rss).sum();
    let pss: f64 = in_call.iter().map(|p| p.pss).sum();
    app.quit();
    for g in &mut guests {
        let _ = g.kill();
        let _ = g.wait();
    }
    CallMemory {
        rss_mib: rss / 1024.0,
        pss_mib: pss / 1024.0,
        processes: in_call.iter().map(|p| p.name.clone()).collect(),
        home,
        in_call,
        series,
        tiles,
    }
}

/// Notes, for each frame the UI reads, how long ago the engine published it
/// (the frame header's timestamp, read by the UI's parser through
/// `DataView.getBigUint64` at offset 16, against the page's clock).
const DELAY_PROBE: &str = "
    const read = DataView.prototype.getBigUint64;
    window.__mqDelays = [];
    DataView.prototype.getBigUint64 = function (offset, little) {
      const v = read.call(this, offset, little);
      if (offset === 16) window.__mqDelays.push(Date.now() - Number(v / 1000n));
      return v;
    };
    return true;";

/// Frames read since [`DELAY_PROBE`], and their delay (ms): median, last
/// second's median, largest.
const DELAY_READ: &str = "
    const d = window.__mqDelays || [];
    const med = a => { const s = [...a].sort((x, y) => x - y); return s.length ? s[s.length >> 1] : null; };
    return { frames: d.length, medianMs: med(d), lastMedianMs: med(d.slice(-30)), maxMs: d.length ? Math.max(...d) : null };";

/// What the call shows: each tile's canvas (its size is the size of the
/// frames drawn on it) and box, the mean brightness (0-255) of each quarter
/// of the picture on it (top left, top right, bottom left, bottom right: a
/// picture drawn whole has none near 0), and whether the page has WebGL2.
const TILES_PROBE: &str = "
    const gl = document.createElement('canvas').getContext('webgl2');
    const quarters = c => {
      if (!c || !c.width || !c.height) return null;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const sums = [0, 0, 0, 0], counts = [0, 0, 0, 0];
      for (let y = 0; y < c.height; y += 4) for (let x = 0; x < c.width; x += 4) {
        const q = (y < c.height / 2 ? 0 : 2) + (x < c.width / 2 ? 0 : 1);
        const i = (y * c.width + x) * 4;
        sums[q] += (d[i] + d[i + 1] + d[i + 2]) / 3; counts[q] += 1;
      }
      return sums.map((s, q) => Math.round(s / counts[q]));
    };
    return {
      webgl2: !!gl,
      tiles: [...document.querySelectorAll('figure.tile')].map(f => {
        const c = f.querySelector('canvas');
        const r = f.getBoundingClientRect();
        return { track: f.dataset.track, hasFrame: f.dataset.hasFrame === 'true',
                 canvas: c ? [c.width, c.height] : null, box: [Math.round(r.width), Math.round(r.height)],
                 brightness: quarters(c) };
      }),
    };";

struct TileCpu {
    ui_cpu: f64,
    media_cpu: f64,
    /// Frames the page read (each one drawn or skipped, then acknowledged)
    /// per second, per tile: what the CPU bought.
    page_fps_per_tile: f64,
    delay: serde_json::Value,
}

fn four_tiles_360p(cli: &Path, args: &Args) -> TileCpu {
    let (app, mut guests) = hosted_call(cli, "360p", 3, || {});
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
    let ticks = |pids: &[u32]| {
        pids.iter()
            .map(|p| measure::cpu_ticks(*p).unwrap_or(0))
            .sum::<u64>()
    };
    app.window.js(DELAY_PROBE);
    let (ui0, media0, at) = (ticks(&ui), ticks(&media), Instant::now());
    std::thread::sleep(Duration::from_secs(args.seconds));
    let (ui1, media1) = (ticks(&ui), ticks(&media));
    let secs = at.elapsed().as_secs_f64();
    let delay = app.window.js(DELAY_READ);
    // Three guests and the self-view.
    let page_fps_per_tile = delay["frames"].as_f64().unwrap_or(0.0) / secs / 4.0;
    // CPU time per second as a percent of one core; a tick is 1/CLK_TCK s.
    let percent_per_tick = 100.0 / measure::clock_ticks();
    let percent = |a: u64, b: u64| (b.saturating_sub(a)) as f64 * percent_per_tick / secs;
    app.quit();
    for g in &mut guests {
        let _ = g.kill();
        let _ = g.wait();
    }
    TileCpu {
        ui_cpu: percent(ui0, ui1),
        media_cpu: percent(media0, media1),
        page_fps_per_tile,
        delay,
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}
