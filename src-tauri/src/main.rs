//! `mulaqat`: the desktop app. A thin Tauri v2 shell: the window, the tray,
//! deep links and single instance here; everything else in `mulaqat-app`.
//! `--self-test` runs before Tauri starts: no window, no display needed.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

mod commands;
mod navigation;
mod shell;

/// Mulaqat: video visits and consultations.
#[derive(Debug, Parser)]
#[command(name = "mulaqat", version)]
struct Cli {
    /// Open the pre-join screen for this mulaqat://join link.
    #[arg(long, value_name = "URL")]
    join: Option<String>,
    /// Check this installation without opening a window (GStreamer and its
    /// plugins, encoders, decoders, the secret store, machine policy, a
    /// loopback call), print a report and exit: 0 when no check failed, 1
    /// otherwise.
    #[arg(long, conflicts_with_all = ["join", "link"])]
    self_test: bool,
    /// With --self-test: print the report as JSON.
    #[arg(long, requires = "self_test")]
    json: bool,
    /// With --self-test: also write the report to this file (on Windows the
    /// app has no console to print to).
    #[arg(long, value_name = "FILE", requires = "self_test")]
    report: Option<PathBuf>,
    /// Log filter (info, debug, mulaqat_media=debug...).
    #[arg(long, default_value = "warn", env = "RUST_LOG")]
    log: String,
    /// A deep link passed by the desktop (mulaqat://join?...).
    #[arg(hide = true)]
    link: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !cli.self_test {
        // The self-test reports what the machine has, so it changes nothing.
        choose_webview_rendering();
    }
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if cli.self_test {
        return self_test(cli.json, cli.report.as_deref());
    }
    match shell::run(cli.join.or(cli.link)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mulaqat: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)] // The report is this mode's output.
fn self_test(json: bool, report_file: Option<&std::path::Path>) -> ExitCode {
    use mulaqat_app::selftest::{SelfTestOptions, run_self_test};
    let report = run_self_test(&SelfTestOptions::default());
    let text = if json {
        report.to_json()
    } else {
        report.to_text()
    };
    println!("{}", text.trim_end());
    if let Some(path) = report_file
        && let Err(e) = std::fs::write(path, &text)
    {
        eprintln!("mulaqat: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Turns WebKit's accelerated compositing off on a machine that would do it
/// in software (see `mulaqat_app::webview`). WebKit reads the switch from
/// the environment when it starts, so it is set before anything else runs.
#[allow(unsafe_code)]
fn choose_webview_rendering() {
    use mulaqat_app::webview;
    if cfg!(target_os = "linux") && webview::turn_compositing_off(&webview::Machine::current()) {
        // SAFETY: called from `main` before anything but the command line
        // parser has run: no other thread exists yet to read the
        // environment while it changes.
        unsafe { std::env::set_var(webview::COMPOSITING_SWITCH, "1") };
    }
}
