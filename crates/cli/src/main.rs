//! `mulaqat-cli`: join a call without a window (ward stations, kiosks,
//! tests), answer callers on its own as a bedside station, or host an
//! embedded server that prints join links.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use mulaqat_media::Quality;

mod call;
mod frame_log;
mod host;
mod stats;

/// A headless Mulaqat client.
#[derive(Debug, Parser)]
#[command(name = "mulaqat-cli", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log filter (info, debug, mulaqat_media=debug...).
    #[arg(long, global = true, default_value = "warn", env = "RUST_LOG")]
    log: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Join a call from a mulaqat://join link and stream until it ends.
    Join(CallArgs),
    /// Wait in a room with a host link and let in the callers allowed
    /// (a bedside or family-visitation device that answers on its own).
    Station(StationArgs),
    /// Start an embedded server and print a host link and a guest link,
    /// each followed by its browser link.
    Host(host::HostArgs),
}

/// What joining a call needs: the link, who we are, what we send.
#[derive(Debug, clap::Args)]
pub(crate) struct CallArgs {
    /// The join link (mulaqat://join?server=...&token=...). A link written
    /// here can be read by every user of this machine (`ps`); "-" reads it
    /// from standard input instead, and without it the link comes from
    /// MULAQAT_JOIN_LINK.
    #[arg(env = "MULAQAT_JOIN_LINK", hide_env_values = true)]
    url: String,
    /// The name others see.
    #[arg(long, default_value = "Mulaqat station")]
    name: String,
    /// Camera: "test" for the test pattern, or a device id.
    #[arg(long, default_value = "test")]
    video: String,
    /// Microphone: "test" for a test tone, or a device id.
    #[arg(long, default_value = "test")]
    audio: String,
    /// Sending quality.
    #[arg(long, default_value = "360p", value_parser = parse_quality)]
    quality: Quality,
    /// Sending frame rate (lower it on slow machines and in large rooms).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=60))]
    fps: u32,
    /// Leave after this long (e.g. 30s, 5m); without it, stay until the call ends.
    #[arg(long, value_parser = humantime::parse_duration)]
    duration: Option<Duration>,
    /// Write stats as JSON here every `--stats-every` and on exit.
    #[arg(long)]
    stats_json: Option<PathBuf>,
    /// How often to write `--stats-json` (at most once a second counts: the
    /// engine reports once a second).
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    stats_every: Duration,
    /// Share the screen from the start (the test pattern with test devices):
    /// in the camera's place in a peer-to-peer room, as a second stream in
    /// an SFU room.
    #[arg(long)]
    share_screen: bool,
    /// Use only TURN relays.
    #[arg(long)]
    relay_only: bool,
    /// Give up (exit code 3) when media to someone does not connect within this.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    connect_timeout: Duration,
    /// A PEM file with the CA that signed the server's certificate, trusted
    /// in addition to the system's (for a hospital's own CA).
    #[arg(long)]
    pinned_ca: Option<PathBuf>,
    /// Draw the capture time into every sent frame and read it back from
    /// received ones, adding `latencyMs` per remote to `--stats-json`
    /// (benchmarks; both sides need it).
    #[arg(long, hide = true)]
    stamp_frames: bool,
    /// Write a line here each time a received video's frame count grows,
    /// read every 20 ms: `UNIX_MS PEER FRAMES WIDTHxHEIGHT` (benchmarks:
    /// freezes are shorter than the stats' one second).
    #[arg(long, hide = true)]
    frame_log: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct StationArgs {
    #[command(flatten)]
    call: CallArgs,
    /// A caller's display name to let in (repeatable; case does not matter).
    #[arg(long = "allow", required = true, value_name = "NAME")]
    allow: Vec<String>,
    /// What to do with callers not on the list.
    #[arg(long, value_enum, default_value_t = call::Others::Deny)]
    others: call::Others,
}

fn parse_quality(s: &str) -> Result<Quality, String> {
    s.parse()
        .map_err(|e: mulaqat_media::UnknownQuality| e.to_string())
}

/// Exit codes people and scripts can act on.
pub(crate) mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const REFUSED: u8 = 2;
    pub const CONNECTION: u8 = 3;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mulaqat-cli: cannot start: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Join(args) => call::run_call(&args, call::Answering::Nobody).await,
            Command::Station(args) => {
                let answering = call::Answering::Allowed {
                    names: args.allow,
                    others: args.others,
                };
                call::run_call(&args.call, answering).await
            }
            Command::Host(args) => host::host(args).await.map(|()| exit::OK),
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("mulaqat-cli: {e:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}
