//! Project tasks, run as `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! ```text
//! cargo xtask package deb [--debug] [--skip-ui] [--no-build] [--out DIR]
//! cargo xtask lab list
//! cargo xtask lab run NAME... | --ci [--release]
//! ```
//!
//! `package deb` builds the UI and both binaries, then the two Debian
//! packages `mulaqat` (the desktop app) and `mulaqat-server` into
//! `<workspace>/target/packages/` (the binaries come from cargo's target
//! directory, so `CARGO_TARGET_DIR` is honoured). See docs/deployment.md.
//!
//! `lab` runs the network lab's scenarios (`mulaqat-lab`; root needed),
//! each ending in a JSON verdict line. See docs/reliability.md.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

mod deb;
mod lab;
mod util;

const USAGE: &str = "\
usage: cargo xtask package deb [options]
       cargo xtask lab list
       cargo xtask lab run NAME... | --ci [--release]

Builds the Debian packages of the desktop app (mulaqat) and the server
(mulaqat-server) into target/packages/.

options:
  --debug      package the debug build (reuses a `cargo test` build; for CI)
  --skip-ui    do not rebuild ui/dist (it must exist)
  --no-build   do not run cargo build (the binaries must exist)
  --out DIR    write the .deb files to DIR instead of target/packages

lab run builds mulaqat-cli, mulaqat-server and mulaqat-netsim, runs each
named scenario (--ci: those CI runs) as root, and prints one JSON verdict
line per scenario; it fails when one fails.
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
        (Some("lab"), Some("list")) => {
            lab::list();
            Ok(())
        }
        (Some("lab"), Some("run")) => {
            let rest: Vec<String> = args.collect();
            let release = rest.iter().any(|a| a == "--release");
            let names: Vec<String> = rest.into_iter().filter(|a| a != "--release").collect();
            lab::run_scenarios(&names, release)
        }
        (Some("-h" | "--help"), _) | (None, _) => {
            eprint!("{USAGE}");
            Ok(())
        }
        _ => bail!("unknown task\n\n{USAGE}"),
    }
}
