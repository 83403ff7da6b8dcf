//! A child process whose output is read line by line on threads that keep
//! its pipes open, with waits for a line or an exit.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::netns::Lab;

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
