//! `mulaqat-server` in a lab.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::netns::{Lab, SERVER_ADDR};

use super::{Bins, Proc};

/// A `mulaqat-server serve` in the lab's `srv` namespace (or on 127.0.0.1).
#[derive(Debug)]
pub struct Server {
    /// The running process.
    pub proc: Proc,
    /// Its WebSocket URL (`ws://10.77.0.1:8717`).
    pub url: String,
    config: PathBuf,
    bins: Bins,
    ns: Option<String>,
    restarts: u32,
}

impl Server {
    /// Starts a server with `extra` TOML after `listen` and `data_dir` (the
    /// data folder and the config live in the lab's folder). With a lab it
    /// listens on the bridge in `srv`, port 8717; without, on 127.0.0.1 with
    /// a free port.
    pub fn start(lab: Option<&Lab>, dir: &Path, bins: &Bins, extra: &str) -> Server {
        let listen = match lab {
            Some(_) => format!("{SERVER_ADDR}:8717"),
            None => "127.0.0.1:0".to_owned(),
        };
        let config = dir.join("server.toml");
        let data = dir.join("server-data");
        std::fs::write(
            &config,
            format!(
                "listen = \"{listen}\"\ndata_dir = \"{}\"\n{extra}\n",
                data.display()
            ),
        )
        .expect("write server.toml");
        let ns = lab.map(|l| l.ns("srv"));
        let proc = spawn_server(lab, ns.as_deref(), bins, &config, dir, 0);
        let url = proc
            .wait_line("listening on ", Duration::from_secs(15))
            .unwrap_or_else(|e| panic!("the server did not start: {e}"))
            .text
            .trim_start_matches("listening on ")
            .trim()
            .to_owned();
        Server {
            proc,
            url,
            config,
            bins: bins.clone(),
            ns,
            restarts: 0,
        }
    }

    /// A join link for `room` (`role` host or guest) valid for `ttl` (`1h`).
    pub fn link(&self, room: &str, role: &str, ttl: &str) -> String {
        let out = std::process::Command::new(&self.bins.server)
            .arg("token")
            .arg("--config")
            .arg(&self.config)
            .args([
                "--public-url",
                &self.url,
                "--room",
                room,
                "--role",
                role,
                "--ttl",
                ttl,
            ])
            .output()
            .expect("mulaqat-server token runs");
        assert!(
            out.status.success(),
            "mulaqat-server token failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The link is the first line; a `browser link: ...` line follows.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    /// Kills it with SIGKILL (no goodbye to the clients).
    pub fn kill(&self) {
        self.proc.kill();
    }

    /// Starts it again on the same address, config and data folder.
    pub fn restart(&mut self, lab: Option<&Lab>, dir: &Path) {
        self.proc.kill();
        self.restarts += 1;
        let proc = spawn_server(
            lab,
            self.ns.as_deref(),
            &self.bins,
            &self.config,
            dir,
            self.restarts,
        );
        proc.wait_line("listening on ", Duration::from_secs(15))
            .unwrap_or_else(|e| panic!("the server did not start again: {e}"));
        self.proc = proc;
    }
}

fn spawn_server(
    lab: Option<&Lab>,
    ns: Option<&str>,
    bins: &Bins,
    config: &Path,
    dir: &Path,
    run: u32,
) -> Proc {
    let label = if run == 0 {
        "server".to_owned()
    } else {
        format!("server run {}", run + 1)
    };
    Proc::spawn(
        lab,
        ns,
        &label,
        &bins.server,
        &[
            "serve".into(),
            "--config".into(),
            config.into(),
            "--log".into(),
            "warn".into(),
        ],
        dir,
    )
}
