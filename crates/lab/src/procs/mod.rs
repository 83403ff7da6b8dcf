//! The processes of a lab: `mulaqat-server` and `mulaqat-cli` run inside a
//! namespace (`ip netns exec`), their stdout and stderr read line by line on
//! threads that keep the pipes open (a child whose stdout closes dies on its
//! next `println!`), waits for a line or an exit with a timeout, and the
//! stats JSON the cli writes.

mod client;
mod process;
mod server;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use client::{Client, Stats, fps, frames};
pub use process::{Line, Proc};
pub use server::Server;

/// Where the binaries are.
#[derive(Debug, Clone)]
pub struct Bins {
    /// `mulaqat-cli`.
    pub cli: PathBuf,
    /// `mulaqat-server`.
    pub server: PathBuf,
    /// `mulaqat-netsim` (the delaying UDP relay).
    pub netsim: PathBuf,
}

impl Bins {
    /// `cli` is cargo's `CARGO_BIN_EXE_mulaqat-cli` (built for this test or
    /// bench in its profile). `mulaqat-server` and `mulaqat-netsim` belong to
    /// other packages, so cargo does not build them for us: they are built
    /// here (`cargo build`, same profile and target folder; a no-op when
    /// fresh), or `MULAQAT_SERVER_BIN` and `MULAQAT_NETSIM_BIN` name them.
    pub fn locate(cli: &str) -> Bins {
        let cli = PathBuf::from(cli);
        let profile_dir = cli
            .parent()
            .expect("the cli binary is in a folder")
            .to_owned();
        let server = std::env::var_os("MULAQAT_SERVER_BIN")
            .map_or_else(|| profile_dir.join("mulaqat-server"), PathBuf::from);
        let netsim = std::env::var_os("MULAQAT_NETSIM_BIN")
            .map_or_else(|| profile_dir.join("mulaqat-netsim"), PathBuf::from);
        let mut wanted: Vec<(&str, &str)> = Vec::new();
        if std::env::var_os("MULAQAT_SERVER_BIN").is_none() {
            wanted.push(("mulaqat-server", "mulaqat-server"));
        }
        if std::env::var_os("MULAQAT_NETSIM_BIN").is_none() {
            wanted.push(("mulaqat-lab", "mulaqat-netsim"));
        }
        if !wanted.is_empty() {
            build(&profile_dir, &wanted);
        }
        for bin in [&server, &netsim] {
            assert!(
                bin.is_file(),
                "{} does not exist; build it or name it with MULAQAT_SERVER_BIN / \
                 MULAQAT_NETSIM_BIN",
                bin.display()
            );
        }
        Bins {
            cli,
            server,
            netsim,
        }
    }
}

/// `cargo build` of `(package, bin)`s into the target folder holding
/// `profile_dir`, in its profile; a failure is a warning (an older build
/// may still be there).
fn build(profile_dir: &Path, wanted: &[(&str, &str)]) {
    let target_dir = profile_dir.parent().expect("a target folder");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--quiet"]);
    for (package, bin) in wanted {
        build.args(["-p", package, "--bin", bin]);
    }
    build
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    if !build.status().map(|s| s.success()).unwrap_or(false) {
        eprintln!(
            "warning: {build:?} failed; using what is in {}",
            profile_dir.display()
        );
    }
}

/// Polls `check` every 250 ms until it gives `Some` or `timeout` passes.
pub fn poll<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
