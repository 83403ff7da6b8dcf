//! Project tasks, run as `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! ```text
//! cargo xtask package deb [--debug] [--skip-ui] [--no-build] [--out DIR]
//! ```
//!
//! `package deb` builds the UI and both binaries, then the two Debian
//! packages `mulaqat` (the desktop app) and `mulaqat-server` into
//! `<workspace>/target/packages/` (the binaries come from cargo's target
//! directory, so `CARGO_TARGET_DIR` is honoured). See docs/deployment.md.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

mod deb;
mod util;

const USAGE: &str = "\
usage: cargo xtask package deb [options]

Builds the Debian packages of the desktop app (mulaqat) and the server
(mulaqat-server) into target/packages/.

options:
  --debug      package the debug build (reuses a `cargo test` build; for CI)
  --skip-ui    do not rebuild ui/dist (it must exist)
  --no-build   do not run cargo build (the binaries must exist)
  --out DIR    write the .deb files to DIR instead of target/packages
";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let mut args = args.into_iter();
    match (args.next().as_deref(), args.next().as_deref()) {
        (Some("package"), Some("deb")) => {
            let mut options = deb::Options {
                debug: false,
                build_ui: true,
                build: true,
                out: None,
            };
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "--debug" => options.debug = true,
                    "--skip-ui" => options.build_ui = false,
                    "--no-build" => options.build = false,
                    "--out" => {
                        let dir = args.next().context("--out needs a directory")?;
                        options.out = Some(PathBuf::from(dir));
                    }
                    "-h" | "--help" => {
                        eprint!("{USAGE}");
                        return Ok(());
                    }
                    other => bail!("unknown option {other}\n\n{USAGE}"),
                }
            }
            deb::package(&options)
        }
        (Some("-h" | "--help"), _) | (None, _) => {
            eprint!("{USAGE}");
            Ok(())
        }
        _ => bail!("unknown task\n\n{USAGE}"),
    }
}
