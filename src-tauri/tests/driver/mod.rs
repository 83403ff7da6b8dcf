//! Drives the real app under Xvfb through WebKitWebDriver (what
//! tauri-driver wraps on Linux): shared by the window test and the app
//! benchmark.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[cfg(all(unix, not(target_os = "macos")))]
pub mod x11;

/// Kills what it started, however the test ends.
pub struct Kill(pub Vec<Child>);

impl Drop for Kill {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request to the driver; the JSON reply's `value`.
pub fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8_lossy(&reply);
    let (_, json) = reply.split_once("\r\n\r\n").expect("an HTTP reply");
    let value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    value["value"].clone()
}

pub struct Window {
    pub port: u16,
    pub session: String,
    /// The X display the app draws on.
    pub display: String,
}

impl Window {
    pub fn js(&self, script: &str) -> Value {
        http(
            self.port,
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            Some(&json!({ "script": script, "args": [] })),
        )
    }

    /// The address the window shows.
    pub fn url(&self) -> Value {
        http(
            self.port,
            "GET",
            &format!("/session/{}/url", self.session),
            None,
        )
    }

    /// Waits until `script` returns something truthy; returns it. A script
    /// that throws (the page is still loading) has not returned yet.
    pub fn wait(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let value = self.js(script);
            let thrown = value.get("error").is_some();
            if !(thrown || value.is_null() || value == json!(false) || value == json!("")) {
                return value;
            }
            if Instant::now() > deadline {
                let text = self.js("return document.body.innerText");
                panic!("waited 30 s for {what}; the window shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// What the app has logged so far (its stderr, kept beside the
    /// screenshots as `app-<port>.log`).
    pub fn app_log(&self) -> String {
        std::fs::read_to_string(screenshots_dir().join(format!("app-{}.log", self.port)))
            .unwrap_or_default()
    }

    /// Waits up to 30 s for the app to log a line with `needle` in it.
    pub fn wait_log(&self, what: &str, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.app_log().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "waited 30 s for the app to log {what}; it logged:\n{}",
                self.app_log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn click(&self, label: &str) {
        let script = format!(
            "const b = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === {label:?});
             if (!b || b.disabled) return false; b.click(); return true;"
        );
        self.wait(&format!("the {label:?} button"), &script);
    }

    /// Types `value` into the input with this id, as a person would (the
    /// UI's bindings hear an `input` event).
    pub fn type_into(&self, id: &str, value: &str) {
        self.js(&format!(
            "const i = document.getElementById({id:?});
             const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
             set.call(i, {value:?}); i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;"
        ));
    }

    /// Reloads the page (WebDriver "Refresh").
    pub fn refresh(&self) {
        http(
            self.port,
            "POST",
            &format!("/session/{}/refresh", self.session),
            Some(&json!({})),
        );
    }

    /// Saves what the display shows as `dir/name` (PNG): the window as a
    /// person sees it. Taken from the X display, not through WebDriver,
    /// whose snapshot never returns when WebKit composites without
    /// OpenGL (as the app makes it do on a machine without a GPU).
    pub fn screenshot(&self, dir: &Path, name: &str) {
        let saved = Command::new("gst-launch-1.0")
            .args([
                "-q",
                "ximagesrc",
                &format!("display-name={}", self.display),
                "num-buffers=1",
                "use-damage=false",
                "!",
                "videoconvert",
                "!",
                "pngenc",
                "!",
                "filesink",
            ])
            .arg(format!("location={}", dir.join(name).display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !saved.is_ok_and(|s| s.success()) {
            eprintln!("could not save the screenshot {name}");
        }
    }
}

pub fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An app under Xvfb and WebKitWebDriver, with test devices, its own
/// config, data and runtime folders, and the embedded server on loopback.
pub struct RunningApp {
    pub window: Window,
    pub display: String,
    pub home: tempfile::TempDir,
    pub kill: Kill,
    /// What the app runs with (display, folders, test devices, bus).
    pub env: Vec<(&'static str, OsString)>,
}

/// Whether Xvfb and WebKitWebDriver are here; under CI their absence fails.
pub fn tools_present() -> bool {
    if have("Xvfb") && have("WebKitWebDriver") {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "Xvfb and WebKitWebDriver are needed (packaging/linux/install-deps.sh --test)"
    );
    eprintln!("skipped: Xvfb or WebKitWebDriver is not installed");
    false
}

/// Starts Xvfb and WebKitWebDriver, which launches the app.
pub fn start_driver(binary: &str) -> RunningApp {
    start(binary, false)
}

/// [`start_driver`] with a private D-Bus session bus for the app, so that
/// it is a single instance: a second `mulaqat` hands its arguments over and
/// shows this one's window ([`RunningApp::launch_again`]).
pub fn start_driver_on_session_bus(binary: &str) -> RunningApp {
    start(binary, true)
}

fn start(binary: &str, session_bus: bool) -> RunningApp {
    let home = tempfile::tempdir().unwrap();
    let display = format!(":{}", 90 + (std::process::id() + free_port() as u32) % 100);
    let mut kill = Kill(Vec::new());
    kill.0.push(
        Command::new("Xvfb")
            .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(500));
    let port = free_port();
    let run_dir = home.path().join("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mut env: Vec<(&'static str, OsString)> = vec![
        ("DISPLAY", display.clone().into()),
        ("MULAQAT_TEST_DEVICES", "only".into()),
        ("MULAQAT_EMBEDDED_LISTEN", "127.0.0.1:0".into()),
        ("MULAQAT_CONFIG_DIR", home.path().join("config").into()),
        (
            "MULAQAT_POLICY_FILE",
            home.path().join("no-policy.toml").into(),
        ),
        ("XDG_DATA_HOME", home.path().join("data").into()),
        ("XDG_CONFIG_HOME", home.path().join("xdg-config").into()),
        ("XDG_RUNTIME_DIR", run_dir.clone().into()),
    ];
    if session_bus {
        let socket = run_dir.join("bus");
        kill.0.push(
            Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--nopidfile"])
                .arg(format!("--address=unix:path={}", socket.display()))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("dbus-daemon (the dbus package) is needed"),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "dbus-daemon did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        env.push((
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", socket.display()).into(),
        ));
    }
    kill.0.push(
        Command::new("WebKitWebDriver")
            .args(["--host=127.0.0.1", &format!("--port={port}")])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .stdout(Stdio::null())
            // The app inherits it: its log is kept beside the screenshots.
            .stderr(
                std::fs::File::create(screenshots_dir().join(format!("app-{port}.log")))
                    .map_or_else(|_| Stdio::null(), Stdio::from),
            )
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "WebKitWebDriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let session = http(
        port,
        "POST",
        "/session",
        Some(
            &json!({"capabilities": {"alwaysMatch": {"webkitgtk:browserOptions": {
                "binary": binary, "args": []
            }}}}),
        ),
    );
    let session = session["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {session}"))
        .to_owned();
    RunningApp {
        window: Window {
            port,
            session,
            display: display.clone(),
        },
        display,
        home,
        kill,
        env,
    }
}

impl RunningApp {
    /// Ends the WebDriver session (the app quits).
    pub fn quit(&self) {
        let _ = http(
            self.window.port,
            "DELETE",
            &format!("/session/{}", self.window.session),
            None,
        );
    }
}

impl RunningApp {
    /// Runs `binary` again as a person would (a second launch, or the
    /// desktop opening a `mulaqat://` link), with the app's environment;
    /// waits up to 30 s for it to hand over and exit.
    pub fn launch_again(&self, binary: &str, args: &[&str]) -> std::process::ExitStatus {
        let mut second = Command::new(binary)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(
                    screenshots_dir().join(format!("app-{}-again.log", self.window.port)),
                )
                .map_or_else(|_| Stdio::null(), Stdio::from),
            )
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = second.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = second.kill();
                let _ = second.wait();
                panic!("a second {binary} did not exit within 30 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A guest joining from a headless client (`mulaqat-cli join`), whose
/// stdout lines (`joined: NAME (ID)`, `left: ID (REASON)`, `state: ...`)
/// are kept as they come, and copied to `log`.
pub struct Guest {
    lines: Arc<Mutex<Vec<String>>>,
}

impl Guest {
    pub fn join(cli: &Path, link: &str, name: &str, log: &Path, kill: &mut Kill) -> Guest {
        let mut child = Command::new(cli)
            .args(["join", link, "--name", name, "--duration", "600s"])
            .stdout(Stdio::piped())
            .stderr(
                std::fs::File::create(log.with_extension("stderr.log"))
                    .map_or_else(|_| Stdio::null(), Stdio::from),
            )
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        kill.0.push(child);
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&lines);
        let mut copy = std::fs::File::create(log).ok();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(file) = copy.as_mut() {
                    let _ = writeln!(file, "{line}");
                }
                kept.lock().unwrap().push(line);
            }
        });
        Guest { lines }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits up to 30 s for a line `matches`; returns it.
    pub fn wait_line(&self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(line) = self.lines().into_iter().find(|l| matches(l)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "waited 30 s for the guest to print {what}; it printed:\n{}",
                self.lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
