//! The loopback call at 360p, 720p, 1080p and 2160p for every encoder that
//! works here: frame rate, glass-to-glass latency, first frame, CPU, RSS.
//!
//! ```text
//! cargo bench -p mulaqat-media --bench loopback -- --seconds 5 --json target/media-loopback.json --markdown docs/benchmarks.md
//! ```
//! `--markdown` rewrites the table between the `media-loopback` markers.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use clap::Parser;
use mulaqat_lab::measure::{self, BenchArgs};
use mulaqat_media::encode::{EncoderRegistry, ProbeOutcome};
use mulaqat_media::loopback::{LoopbackOptions, LoopbackResult, run};
use mulaqat_media::{Quality, Resolution};

#[derive(Debug, Parser)]
struct Args {
    /// Seconds measured per run (after one second of warm-up).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Only these sizes (e.g. 360,1080).
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<u32>,
    /// Only these encoders (e.g. x264enc,vp8enc).
    #[arg(long, value_delimiter = ',')]
    encoders: Vec<String>,
    /// Where the results go.
    #[command(flatten)]
    out: BenchArgs,
    /// Internal: run one loopback (`HEIGHT:ENCODER`) in this process and print its JSON.
    #[arg(long, hide = true)]
    one: Option<String>,
}

/// Runs one loopback in this process (a child of the benchmark, so that
/// each run's CPU and memory are its own).
fn run_one(spec: &str, seconds: u64) {
    let (height, encoder) = spec.split_once(':').expect("HEIGHT:ENCODER");
    let quality = Quality::from_height(height.parse().expect("height")).expect("a known size");
    let codec = mulaqat_media::encode::profile(encoder)
        .expect("a known encoder")
        .codec;
    let result = run(&LoopbackOptions {
        quality,
        fps: 30,
        seconds,
        codec,
        encoder: Some(encoder.to_owned()),
        warmup: Duration::from_secs(1),
    });
    match result {
        Ok(r) => println!("{}", serde_json::to_string(&r).expect("json")),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// One loopback in a child process.
fn run_child(quality: Quality, encoder: &str, seconds: u64) -> Result<LoopbackResult, String> {
    let out = std::process::Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .args([
            "--seconds",
            &seconds.to_string(),
            "--one",
            &format!("{}:{encoder}", quality.resolution().height),
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("failed")
            .to_owned());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().ok_or("no output")?;
    serde_json::from_str(line).map_err(|e| e.to_string())
}

fn fmt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.0}{unit}"))
}

fn main() {
    let args = Args::parse();
    if let Some(spec) = &args.one {
        run_one(spec, args.seconds);
        return;
    }
    mulaqat_media::init().expect("GStreamer");
    let registry = EncoderRegistry::probe_in_background(Resolution {
        width: 1280,
        height: 720,
    });
    registry.wait(Duration::from_secs(60));
    let mut runs: Vec<(Quality, String, Result<LoopbackResult, String>)> = Vec::new();
    for quality in Quality::ALL {
        if !args.sizes.is_empty() && !args.sizes.contains(&quality.resolution().height) {
            continue;
        }
        for result in registry.results() {
            if !matches!(result.outcome, ProbeOutcome::Working(_))
                || (!args.encoders.is_empty() && !args.encoders.contains(&result.element))
            {
                continue;
            }
            eprintln!("{} {} ...", quality.resolution(), result.element);
            let outcome = run_child(quality, &result.element, args.seconds);
            runs.push((quality, result.element.to_owned(), outcome));
        }
    }
    let table = table(&args, &runs);
    println!("{table}");
    let json: Vec<serde_json::Value> = runs
        .iter()
        .map(|(q, e, o)| match o {
            Ok(r) => {
                serde_json::json!({"size": q.resolution().to_string(), "encoder": e, "result": r})
            }
            Err(err) => {
                serde_json::json!({"size": q.resolution().to_string(), "encoder": e, "error": err})
            }
        })
        .collect();
    args.out
        .write_json(&serde_json::json!({"machine": measure::machine(), "runs": json}))
        .expect("write JSON");
    args.out
        .write_markdown("media-loopback", "Media loopback", &table)
        .expect("write Markdown");
}

/// The Markdown table of `runs`, with what it shows above it.
fn table(args: &Args, runs: &[(Quality, String, Result<LoopbackResult, String>)]) -> String {
    let mut table = format!(
        "Machine: {}. Command: `cargo bench -p mulaqat-media --bench loopback -- --seconds {}`. Both peers in one process (a fresh process per row), \
         each sending and receiving test video at 30 fps; latency is capture to decoded frame, read from timestamps drawn into the picture.\n\n\
         | size | encoder | received | fps received | latency p50 | latency p95 | first frame | CPU (all cores) | RSS |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        measure::machine(),
        args.seconds
    );
    for (quality, encoder, outcome) in runs {
        match outcome {
            Ok(r) => table.push_str(&format!(
                "| {} | {} | {}x{} | {:.1} | {} | {} | {:.0} ms | {:.0} % | {:.0} MiB |\n",
                quality.resolution(),
                encoder,
                r.width.unwrap_or(0),
                r.height.unwrap_or(0),
                r.fps_received,
                fmt(r.latency_ms_p50, " ms"),
                fmt(r.latency_ms_p95, " ms"),
                r.first_frame_ms,
                r.cpu_percent,
                r.rss_mb
            )),
            Err(e) => table.push_str(&format!(
                "| {} | {} | failed: {e} | | | | | | |\n",
                quality.resolution(),
                encoder
            )),
        }
    }
    table
}
