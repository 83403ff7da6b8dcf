//! Two media engines in one process, connected directly: a call with no
//! server, for measuring. Prints one JSON object on its last line.
//!
//! ```text
//! cargo run -p mulaqat-media --release --example loopback -- --size 1280x720 --fps 30 --seconds 10 --codec h264
//! ```

#![allow(clippy::print_stdout)]

use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use mulaqat_media::loopback::{LoopbackOptions, run};
use mulaqat_media::{Quality, VideoCodec};

#[derive(Debug, Parser)]
struct Args {
    /// Frame size: 640x360, 1280x720, 1920x1080 or 3840x2160.
    #[arg(long, default_value = "640x360")]
    size: String,
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// How long to measure (after a one-second warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// h264, h265 or vp8.
    #[arg(long, default_value = "h264")]
    codec: String,
    /// Pin an encoder element (e.g. openh264enc).
    #[arg(long)]
    encoder: Option<String>,
}

fn quality(size: &str) -> Result<Quality> {
    let (w, h) = size.split_once('x').context("--size is WIDTHxHEIGHT")?;
    let (w, h): (u32, u32) = (w.parse()?, h.parse()?);
    Quality::ALL
        .into_iter()
        .find(|q| q.resolution().width == w && q.resolution().height == h)
        .with_context(|| {
            format!("--size must be 640x360, 1280x720, 1920x1080 or 3840x2160, not {size}")
        })
}

fn codec(name: &str) -> Result<VideoCodec> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "h264" => VideoCodec::H264,
        "h265" => VideoCodec::H265,
        "vp8" => VideoCodec::Vp8,
        other => bail!("--codec must be h264, h265 or vp8, not {other}"),
    })
}

fn main() -> Result<()> {
    let args = Args::parse();
    let result = run(&LoopbackOptions {
        quality: quality(&args.size)?,
        fps: args.fps,
        seconds: args.seconds,
        codec: codec(&args.codec)?,
        encoder: args.encoder,
        warmup: Duration::from_secs(1),
    })?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}
