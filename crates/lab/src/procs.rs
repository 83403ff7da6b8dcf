//! The processes of a lab: `mulaqat-server` and `mulaqat-cli` run inside a
//! namespace (`ip netns exec`), their stdout and stderr read line by line on
//! threads that keep the pipes open (a child whose stdout closes dies on its
//! next `println!`), waits for a line or an exit with a timeout, and the
//! stats JSON the cli writes.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::netns::{Lab, SERVER_ADDR};

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

/// One line a process printed, and when it came.
#[derive(Debug, Clone)]
pub struct Line {
    /// The text, without the newline.
    pub text: String,
    /// When it was read.
    pub at: Instant,
}

#[derive(Debug, Default)]
struct Lines {
    stdout: Vec<Line>,
    stderr: Vec<Line>,
}

#[derive(Debug, Default)]
struct Shared {
    lines: Mutex<Lines>,
    more: Condvar,
}

/// A running (or finished) child process.
#[derive(Debug)]
pub struct Proc {
    /// A name for messages (`c1 Doctor`, `server`, ...).
    pub label: String,
    /// Its pid (the program's own: `ip netns exec` execs it).
    pub pid: u32,
    /// When it was spawned.
    pub started: Instant,
    child: Arc<Mutex<Child>>,
    shared: Arc<Shared>,
    status: Mutex<Option<ExitStatus>>,
}

impl Proc {
    /// Spawns `program ARGS` in namespace `ns` (or here), tracked by `lab`
    /// when there is one, its output also copied to `<log_dir>/<label>.log`.
    pub fn spawn(
        lab: Option<&Lab>,
        ns: Option<&str>,
        label: &str,
        program: &Path,
        args: &[OsString],
        log_dir: &Path,
    ) -> Proc {
        Proc::spawn_with_env(lab, ns, label, program, args, &[], log_dir)
    }

    /// [`Proc::spawn`] with `env` set for the program too (for what must not
    /// show on its command line).
    pub fn spawn_with_env(
        lab: Option<&Lab>,
        ns: Option<&str>,
        label: &str,
        program: &Path,
        args: &[OsString],
        env: &[(&str, &str)],
        log_dir: &Path,
    ) -> Proc {
        let mut cmd = match lab {
            Some(lab) => lab.command(ns, program),
            None => std::process::Command::new(program),
        };
        cmd.args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{label}: {cmd:?} did not start: {e}"));
        let pid = child.id();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let child = match lab {
            Some(lab) => lab.track(child),
            None => Arc::new(Mutex::new(child)),
        };
        let shared = Arc::new(Shared::default());
        let log_name: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let log = std::fs::File::create(log_dir.join(format!("{log_name}.log")))
            .ok()
            .map(|f| Arc::new(Mutex::new(f)));
        read_lines(stdout, shared.clone(), false, log.clone());
        read_lines(stderr, shared.clone(), true, log);
        Proc {
            label: label.to_owned(),
            pid,
            started,
            child,
            shared,
            status: Mutex::new(None),
        }
    }

    /// How many stdout lines so far (a mark for [`Proc::wait_line_from`]).
    pub fn mark(&self) -> usize {
        self.lock_lines().stdout.len()
    }

    fn lock_lines(&self) -> std::sync::MutexGuard<'_, Lines> {
        self.shared.lines.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.lock_lines()
            .stdout
            .iter()
            .map(|l| l.text.clone())
            .collect()
    }

    /// Stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.lock_lines()
            .stderr
            .iter()
            .map(|l| l.text.clone())
            .collect()
    }

    /// Waits for a stdout line containing `needle`, from the start.
    pub fn wait_line(&self, needle: &str, timeout: Duration) -> Result<Line, String> {
        self.wait_line_from(0, needle, timeout)
    }

    /// Waits for a stdout line containing `needle` among the lines from
    /// index `from` on (see [`Proc::mark`]).
    pub fn wait_line_from(
        &self,
        from: usize,
        needle: &str,
        timeout: Duration,
    ) -> Result<Line, String> {
        let deadline = Instant::now() + timeout;
        let mut lines = self.lock_lines();
        loop {
            if let Some(line) = lines
                .stdout
                .iter()
                .skip(from)
                .find(|l| l.text.contains(needle))
            {
                return Ok(line.clone());
            }
            let now = Instant::now();
            if now >= deadline {
                drop(lines);
                return Err(format!(
                    "{}: no line containing {needle:?} within {timeout:?}\n{}",
                    self.label,
                    self.transcript()
                ));
            }
            lines = self
                .shared
                .more
                .wait_timeout(lines, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Its exit status, if it has exited.
    pub fn try_status(&self) -> Option<ExitStatus> {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if status.is_none() {
            let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
            if let Ok(Some(s)) = child.try_wait() {
                *status = Some(s);
            }
        }
        *status
    }

    /// Whether it still runs.
    pub fn running(&self) -> bool {
        self.try_status().is_none()
    }

    /// Waits up to `timeout` for it to exit.
    pub fn wait_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_status() {
                // Let the reader threads take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, and reaps it.
    pub fn kill(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
        }
        if let Ok(s) = child.wait() {
            *self.status.lock().unwrap_or_else(|e| e.into_inner()) = Some(s);
        }
    }

    /// SIGINT (what Ctrl-C sends: the cli leaves the call and exits 0).
    pub fn interrupt(&self) {
        if self.running() {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &self.pid.to_string()])
                .status();
        }
    }

    /// Stdout and the end of stderr, for assertion messages.
    pub fn transcript(&self) -> String {
        let lines = self.lock_lines();
        let err_from = lines.stderr.len().saturating_sub(15);
        let mut out = format!("--- {} (pid {}) stdout:\n", self.label, self.pid);
        for l in &lines.stdout {
            out.push_str(&format!(
                "  [{:>6.2}s] {}\n",
                l.at.duration_since(self.started).as_secs_f64(),
                l.text
            ));
        }
        out.push_str(&format!("--- {} stderr (last 15 lines):\n", self.label));
        for l in &lines.stderr[err_from..] {
            out.push_str(&format!("  {}\n", l.text));
        }
        out
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn read_lines<R: Read + Send + 'static>(
    from: R,
    shared: Arc<Shared>,
    stderr: bool,
    log: Option<Arc<Mutex<std::fs::File>>>,
) {
    std::thread::spawn(move || {
        for text in BufReader::new(from).lines() {
            let Ok(text) = text else { break };
            if let Some(log) = &log {
                let mut f = log.lock().unwrap_or_else(|e| e.into_inner());
                let _ = writeln!(f, "{}{text}", if stderr { "E " } else { "" });
            }
            let line = Line {
                text,
                at: Instant::now(),
            };
            let mut lines = shared.lines.lock().unwrap_or_else(|e| e.into_inner());
            if stderr {
                lines.stderr.push(line);
            } else {
                lines.stdout.push(line);
            }
            shared.more.notify_all();
        }
    });
}

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

/// A `mulaqat-cli join` (or `station`) with its stats file.
#[derive(Debug)]
pub struct Client {
    /// The running process.
    pub proc: Proc,
    /// Its `--stats-json` file.
    pub stats: PathBuf,
    /// Its display name.
    pub name: String,
}

impl Client {
    /// Runs `mulaqat-cli COMMAND LINK --name NAME --stats-json FILE ARGS` in
    /// client namespace `i` of `lab` (or here, for `None`).
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        lab: Option<&Lab>,
        i: Option<usize>,
        dir: &Path,
        bins: &Bins,
        command: &str,
        link: &str,
        name: &str,
        args: &[&str],
    ) -> Client {
        let stats = dir.join(format!("stats-{}.json", name.replace(' ', "_")));
        let ns = match (lab, i) {
            (Some(lab), Some(i)) => Some(lab.client_ns(i)),
            _ => None,
        };
        // The link (its token) goes through the environment: a command line
        // is readable by every user of the machine.
        let mut all: Vec<OsString> = vec![
            command.into(),
            "--name".into(),
            name.into(),
            "--stats-json".into(),
            stats.clone().into(),
        ];
        all.extend(args.iter().map(OsString::from));
        let label = match i {
            Some(i) => format!("c{i} {name}"),
            None => name.to_owned(),
        };
        let env = [("MULAQAT_JOIN_LINK", link)];
        let proc = Proc::spawn_with_env(lab, ns.as_deref(), &label, &bins.cli, &all, &env, dir);
        Client {
            proc,
            stats,
            name: name.to_owned(),
        }
    }

    /// Its stats JSON now (None before the first write).
    pub fn stats(&self) -> Option<Stats> {
        Stats::read(&self.stats)
    }

    /// Its participant id, from `state: in the call as ID` (the latest one).
    pub fn participant_id(&self) -> Option<String> {
        self.proc
            .stdout()
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("state: in the call as ").map(str::to_owned))
    }

    /// The transcript and the stats, for assertion messages.
    pub fn report(&self) -> String {
        format!(
            "{}--- {} stats:\n{}\n",
            self.proc.transcript(),
            self.proc.label,
            self.stats()
                .map_or_else(|| "(none written)".to_owned(), |s| s.to_string())
        )
    }
}

/// A stats JSON document (see the cli's `stats.rs`).
#[derive(Debug, Clone)]
pub struct Stats(pub Value);

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string_pretty(&self.0).unwrap_or_default())
    }
}

impl Stats {
    /// Reads `path` (written atomically by the cli).
    pub fn read(path: &Path) -> Option<Stats> {
        Stats::read_timed(path).map(|(s, _)| s)
    }

    /// Reads `path` and when it was written (the cli writes it right after
    /// a stats report, so this is when the figures were taken).
    pub fn read_timed(path: &Path) -> Option<(Stats, std::time::SystemTime)> {
        let mut file = std::fs::File::open(path).ok()?;
        let written = file.metadata().ok()?.modified().ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).ok()?;
        serde_json::from_str(&text)
            .ok()
            .map(|v| (Stats(v), written))
    }

    /// Remote participants: (id, entry).
    pub fn remotes(&self) -> Vec<(String, &Value)> {
        self.0["remote"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
            .unwrap_or_default()
    }

    /// One remote participant's entry.
    pub fn remote(&self, id: &str) -> Option<&Value> {
        self.0["remote"].get(id)
    }

    /// Remote participants not marked `present: false`.
    pub fn present(&self) -> Vec<(String, &Value)> {
        self.remotes()
            .into_iter()
            .filter(|(_, r)| r["present"].as_bool() != Some(false))
            .collect()
    }

    /// The remote participants whose video has frames at `width`x`height`.
    pub fn videos_at(&self, width: u64, height: u64) -> usize {
        self.remotes()
            .iter()
            .filter(|(_, r)| {
                frames(r) > 0
                    && r["video"]["width"].as_u64() == Some(width)
                    && r["video"]["height"].as_u64() == Some(height)
            })
            .count()
    }
}

/// Video frames received from a remote entry (0 if none).
pub fn frames(remote: &Value) -> u64 {
    remote["video"]["framesReceived"].as_u64().unwrap_or(0)
}

/// Video fps of a remote entry.
pub fn fps(remote: &Value) -> Option<f64> {
    remote["video"]["fps"].as_f64()
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
