//! `mulaqat`: the desktop app. A thin Tauri v2 shell: the window, the tray,
//! deep links and single instance here; everything else in `mulaqat-app`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

use clap::Parser;

mod commands;
mod shell;

/// Mulaqat: video visits and consultations.
#[derive(Debug, Parser)]
#[command(name = "mulaqat", version)]
struct Cli {
    /// Open the pre-join screen for this mulaqat://join link.
    #[arg(long, value_name = "URL")]
    join: Option<String>,
    /// Log filter (info, debug, mulaqat_media=debug...).
    #[arg(long, default_value = "warn", env = "RUST_LOG")]
    log: String,
    /// A deep link passed by the desktop (mulaqat://join?...).
    #[arg(hide = true)]
    link: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match shell::run(cli.join.or(cli.link)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mulaqat: {e:#}");
            ExitCode::FAILURE
        }
    }
}
