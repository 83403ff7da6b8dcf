//! Headless Chromium in a client namespace of the lab, loading the call
//! page. Each instance is its own process group; dropping it (also while a
//! panic unwinds) kills the group and anything below the browser that left
//! it, so no Chromium outlives its call.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime};

use mulaqat_lab::measure;
use mulaqat_lab::netns::{Lab, SERVER_ADDR};

use super::page;

/// Debian's Chromium (its launcher script execs the browser, so the pid
/// stays the browser's).
pub const DEFAULT_PROGRAM: &str = "/usr/bin/chromium";

/// The fake camera: its frame rate, and a Y4M file it plays in a loop
/// instead of Chromium's own test pattern.
#[derive(Debug, Clone, Copy)]
pub struct Camera<'a> {
    pub fps: u32,
    pub file: Option<&'a Path>,
}

/// One running browser.
#[derive(Debug)]
pub struct Chromium {
    /// The browser process (the root of the instance's tree).
    pub pid: u32,
    /// When it was spawned, on the wall clock (the pages report on it).
    pub launched: SystemTime,
    child: Child,
}

impl Chromium {
    /// Starts `program` in namespace `ns` with a fresh profile in
    /// `profile`, a fake `camera` and fake microphone, opening `url`;
    /// its output goes to `log`.
    pub fn launch(
        lab: &Lab,
        ns: &str,
        program: &Path,
        profile: &Path,
        camera: Camera<'_>,
        url: &str,
        log: &Path,
    ) -> Result<Chromium, String> {
        let out = std::fs::File::create(log)
            .map_err(|e| format!("cannot write {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("cannot write {}: {e}", log.display()))?;
        let mut cmd = lab.command(Some(ns), program);
        cmd.args([
            "--headless=new",
            // Root in a namespace: the sandbox cannot start.
            "--no-sandbox",
            "--no-first-run",
            "--no-default-browser-check",
            "--window-size=640,360",
            "--use-fake-ui-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
            // Host candidates as addresses, not mDNS names (no resolver in the lab).
            "--disable-features=WebRtcHideLocalIpsWithMdns",
        ])
        .arg(format!(
            "--use-fake-device-for-media-stream=fps={}",
            camera.fps
        ))
        .args(
            camera
                .file
                .map(|f| format!("--use-file-for-fake-video-capture={}", f.display())),
        )
        .arg(format!(
            "--unsafely-treat-insecure-origin-as-secure=http://{SERVER_ADDR}:{}",
            page::PORT
        ))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
        let launched = SystemTime::now();
        let child = cmd
            .spawn()
            .map_err(|e| format!("{} did not start: {e}", program.display()))?;
        Ok(Chromium {
            pid: child.id(),
            launched,
            child,
        })
    }

    /// Whether the browser process still runs.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// What `program --version` says.
pub fn version(program: &Path) -> String {
    std::process::Command::new(program)
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "Chromium (version unknown)".into())
}

fn kill(target: &str) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", target])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let pids = measure::tree(self.pid);
        // The group is the browser's pid (process_group(0)).
        kill(&format!("-{}", self.pid));
        for pid in &pids {
            kill(&pid.to_string());
        }
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(5);
        while pids.iter().any(|p| measure::is_running(*p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if let Some(left) = pids.iter().find(|p| measure::is_running(**p)) {
            eprintln!("warning: Chromium process {left} still runs after SIGKILL");
        }
    }
}
