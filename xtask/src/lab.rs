//! `cargo xtask lab`: the network lab's scenarios (crate `mulaqat-lab`) by
//! hand, each ending in a one-line JSON verdict (on stdout, which is what
//! this command is for).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Result, bail};
use mulaqat_lab::{Bins, SCENARIOS, Scenario};

use crate::util::{run, workspace_root};

/// `lab list`: one line a scenario (name, whether CI runs it, what it shows).
pub fn list() {
    for s in SCENARIOS {
        let ci = if s.in_ci { "ci" } else { "by hand" };
        println!("{:<20} {:<8} {}", s.name, ci, s.about);
    }
}

/// `lab run NAME...` (or `--ci`: every scenario CI runs): builds the
/// binaries, runs each scenario, prints its verdict as one JSON line (the
/// last line, for one), and fails when any failed.
pub fn run_scenarios(names: &[String], release: bool) -> Result<()> {
    let chosen = choose(names)?;
    if let Some(why) = chosen.iter().find_map(|s| mulaqat_lab::check(s)) {
        bail!("the lab {why}: run `sudo -E cargo xtask lab run ...`");
    }
    let bins = build(release)?;
    let mut failed = Vec::new();
    for scenario in chosen {
        eprintln!("xtask: lab: {} ({})", scenario.name, scenario.about);
        let verdict = mulaqat_lab::run(scenario, &bins);
        if let Some(failure) = &verdict.failure {
            eprintln!("xtask: lab: {} failed: {failure}", scenario.name);
            failed.push(scenario.name);
        }
        println!("{}", verdict.to_json());
    }
    if !failed.is_empty() {
        bail!("failed: {}", failed.join(", "));
    }
    Ok(())
}

fn choose(names: &[String]) -> Result<Vec<&'static Scenario>> {
    if names.is_empty() {
        bail!("name a scenario (`cargo xtask lab list` lists them) or pass --ci");
    }
    if names.iter().any(|n| n == "--ci") {
        return Ok(SCENARIOS.iter().filter(|s| s.in_ci).collect());
    }
    names
        .iter()
        .map(|name| {
            mulaqat_lab::find(name).ok_or_else(|| {
                anyhow::anyhow!("no scenario `{name}` (`cargo xtask lab list` lists them)")
            })
        })
        .collect()
}

/// Builds `mulaqat-cli`, `mulaqat-server` and `mulaqat-netsim` and says where they are.
fn build(release: bool) -> Result<Bins> {
    let root = workspace_root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root).args([
        "build",
        "-p",
        "mulaqat-cli",
        "-p",
        "mulaqat-server",
        "-p",
        "mulaqat-lab",
        "--bins",
    ]);
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)?;
    let dir = target.join(if release { "release" } else { "debug" });
    Ok(Bins {
        cli: dir.join("mulaqat-cli"),
        server: dir.join("mulaqat-server"),
        netsim: dir.join("mulaqat-netsim"),
    })
}
