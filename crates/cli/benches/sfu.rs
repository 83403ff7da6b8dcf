//! SFU rooms through Janus VideoRoom (issue #6): a 6-party room where
//! everyone sends 360p, and a 9-party room with one 720p speaker and eight
//! small tiles. Per participant CPU (share of one core, from
//! `/proc/PID/stat` over a window), RSS and PSS; Janus's and
//! `mulaqat-server`'s CPU and memory alongside; frames received per second
//! and the sizes received for every (receiver, sender) pair; first-frame
//! times from the stats JSON; and whether everyone got everyone's video.
//!
//! ```text
//! cargo bench -p mulaqat-cli --bench sfu -- --json target/sfu.json --markdown docs/benchmarks.md
//! cargo bench -p mulaqat-cli --bench sfu -- --rows 6x360p --warmup 8 --seconds 8 --fps 10
//! ```
//! Each room runs in fresh processes in a lab of `mulaqat-lab`: Janus
//! (Debian's package, configured from `packaging/janus/` with a random API
//! secret, [`mulaqat_lab::janus`]) and `mulaqat-server` in the server
//! namespace, its rooms of the `command` kind (through the SFU from the
//! first participant), and each `mulaqat-cli join` in its own namespace,
//! veth to the server's. The window starts `--warmup` seconds after every
//! participant has every other's video (or after `--ready-timeout`, when
//! the room never gets there: the table then says what is missing).
//! `cargo bench` builds `mulaqat-cli` in release; `mulaqat-server` is built
//! by [`Bins::locate`]. Needs root and `janus`; without them it says why and
//! exits 0. `--markdown` rewrites the table between the `sfu` markers.
//!
//! The smallest size the client sends is 360p (there is no 180p): the app
//! draws the eight as 180p tiles, but without simulcast every subscriber
//! gets what the publisher sends, so those are 360p on the wire.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

#[path = "sfu/report.rs"]
mod report;
#[path = "sfu/room.rs"]
mod room;

use std::time::Duration;

use clap::Parser;
use serde_json::json;

use mulaqat_lab::measure;
use mulaqat_lab::netns as lab;
use mulaqat_lab::procs::Bins;

use room::{RoomSpec, SMALLEST, Timing};

/// The rows run without `--rows`.
const DEFAULT_ROWS: [&str; 2] = ["6x360p", "9x720p-speaker"];

#[derive(Debug, Parser)]
struct Args {
    /// Rooms to run: `<n>x<size>` (everyone sends that size) or
    /// `<n>x<size>-speaker` (the first sends it, the others 360p).
    #[arg(long, value_delimiter = ',', value_parser = RoomSpec::parse,
          default_values = DEFAULT_ROWS)]
    rows: Vec<RoomSpec>,
    /// Seconds from everyone having everyone's video to the window.
    #[arg(long, default_value_t = 10)]
    warmup: u64,
    /// Seconds measured.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Frame rate every participant sends (`mulaqat-cli join --fps`).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=60))]
    fps: u32,
    /// Longest wait, in seconds, for everyone to have everyone's video
    /// before the warm-up starts anyway.
    #[arg(long, default_value_t = 90)]
    ready_timeout: u64,
    /// Where the results go.
    #[command(flatten)]
    out: measure::BenchArgs,
}

/// The command that made the table, with the flags that differ from the
/// defaults (the window's always).
fn command(args: &Args) -> String {
    let mut flags = String::new();
    let rows: Vec<&str> = args.rows.iter().map(|r| r.text.as_str()).collect();
    if rows != DEFAULT_ROWS {
        flags.push_str(&format!(" --rows {}", rows.join(",")));
    }
    flags.push_str(&format!(
        " --warmup {} --seconds {}",
        args.warmup, args.seconds
    ));
    if args.fps != 30 {
        flags.push_str(&format!(" --fps {}", args.fps));
    }
    format!("cargo bench -p mulaqat-cli --bench sfu --{flags}")
}

/// What the table shows, above it.
fn notes(args: &Args) -> String {
    format!(
        "Machine: {machine}. Command: `{command}`. Release build; Janus {janus} and `mulaqat-server` \
         in the server's network namespace, one `mulaqat-cli join` per participant in its own, veth to \
         the server's, all on the same cores; a `command` room (through Janus from the first participant); \
         each participant publishes its test camera at the size shown ({fps} fps) and test tone once and \
         subscribes to every other; fresh processes for each row. The {smallest}p senders of the speaker \
         row stand for the 180p tiles: the client sends nothing smaller than {smallest}p, and without \
         simulcast every subscriber gets what the publisher sends. First frame: from starting `join` to \
         the first remote frame decoded (p50 and max over participants); all videos by: to the last \
         participant's last first frame. The window ({seconds} s) starts {warmup} s after everyone has \
         everyone's video. CPU: share of one core over the window (mean, max in brackets; 200 % = both \
         cores), per participant, all participants together, Janus and the server. RSS and PSS at the \
         window's end (mean, max); PSS shares the pages processes have in common (libraries), so it adds \
         up. Received fps: frames decoded per second per remote video between the stats-file writes \
         nearest the window's ends (mean, min over every receiver and sender). Sizes sent: what each \
         encoder sent at the window's end (it steps down a size when it falls behind the camera). Sizes \
         received: heights decoded at the window's end, over those pairs. Every video: every participant decoded frames \
         of every other during the window.\n\n",
        machine = measure::machine(),
        command = command(args),
        janus = janus_version(),
        fps = args.fps,
        smallest = SMALLEST,
        seconds = args.seconds,
        warmup = args.warmup,
    )
}

/// `1.1.2` from Debian's package, or nothing.
fn janus_version() -> String {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "janus"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .map_or_else(String::new, |v| format!("({v})"))
}

fn main() {
    let args = Args::parse();
    if let Some(why) = lab::missing(&["janus"]) {
        println!("skipped: SFU benchmark: {why}");
        return;
    }
    let bins = Bins::locate(env!("CARGO_BIN_EXE_mulaqat-cli"));
    let timing = Timing {
        ready_timeout: Duration::from_secs(args.ready_timeout),
        warmup: Duration::from_secs(args.warmup),
        window: Duration::from_secs(args.seconds),
        fps: args.fps,
    };
    let mut rooms = Vec::new();
    for spec in &args.rows {
        eprintln!("{} ...", spec.text);
        let room = room::run(spec, &timing, &bins);
        eprint!("{}", report::table_row(&room));
        rooms.push(room);
    }
    let mut table = notes(&args);
    table.push_str(report::HEADER);
    for room in &rooms {
        table.push_str(&report::table_row(room));
    }
    println!("{table}");
    args.out
        .write_json(&json!({
            "machine": measure::machine(),
            "command": command(&args),
            "warmupSecs": args.warmup,
            "seconds": args.seconds,
            "fps": args.fps,
            "rooms": rooms.iter().map(report::room_json).collect::<Vec<_>>(),
        }))
        .expect("write JSON");
    args.out
        .write_markdown("sfu", "SFU rooms (Janus)", &table)
        .expect("write Markdown");
}
