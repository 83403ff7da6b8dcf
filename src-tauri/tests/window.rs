//! The real app in a real window: `mulaqat` under Xvfb, driven through
//! WebKitWebDriver (what tauri-driver wraps on Linux). It starts with test
//! devices, starts a meeting on its embedded server, shows the guest link,
//! previews the camera (and the microphone meter moves), joins, lets a
//! guest (`mulaqat-cli`) in from the lobby, and shows both in the call.
//! Screenshots go to `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Kills what it started, however the test ends.
struct Kill(Vec<Child>);

impl Drop for Kill {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request to the driver; the JSON reply's `value`.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
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

struct Window {
    port: u16,
    session: String,
}

impl Window {
    fn js(&self, script: &str) -> Value {
        http(
            self.port,
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            Some(&json!({ "script": script, "args": [] })),
        )
    }

    /// Waits until `script` returns something truthy; returns it.
    fn wait(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let value = self.js(script);
            if !(value.is_null() || value == json!(false) || value == json!("")) {
                return value;
            }
            if Instant::now() > deadline {
                let text = self.js("return document.body.innerText");
                panic!("waited 30 s for {what}; the window shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn click(&self, label: &str) {
        let script = format!(
            "const b = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === {label:?});
             if (!b || b.disabled) return false; b.click(); return true;"
        );
        self.wait(&format!("the {label:?} button"), &script);
    }

    fn screenshot(&self, dir: &Path, name: &str) {
        let png = http(
            self.port,
            "GET",
            &format!("/session/{}/screenshot", self.session),
            None,
        );
        use base64::Engine as _;
        if let Some(data) = png.as_str()
            && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data)
        {
            let _ = std::fs::write(dir.join(name), bytes);
        }
    }
}

fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_app_hosts_a_meeting_and_admits_a_guest_from_the_lobby() {
    if !(have("Xvfb") && have("WebKitWebDriver")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "Xvfb and WebKitWebDriver are needed (packaging/linux/install-deps.sh --test)"
        );
        eprintln!("skipped: Xvfb or WebKitWebDriver is not installed");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let display = format!(":{}", 90 + std::process::id() % 100);
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
    kill.0.push(
        Command::new("WebKitWebDriver")
            .args(["--host=127.0.0.1", &format!("--port={port}")])
            .env("DISPLAY", &display)
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("MULAQAT_TEST_DEVICES", "only")
            .env("MULAQAT_EMBEDDED_LISTEN", "127.0.0.1:0")
            .env("MULAQAT_CONFIG_DIR", home.path().join("config"))
            .env("MULAQAT_POLICY_FILE", home.path().join("no-policy.toml"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_RUNTIME_DIR", &run_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
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
                "binary": env!("CARGO_BIN_EXE_mulaqat"), "args": []
            }}}}),
        ),
    );
    let session = session["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {session}"))
        .to_owned();
    let window = Window { port, session };
    let shots = screenshots_dir();

    window.wait(
        "the home screen",
        "return document.body.innerText.includes('Start a meeting')",
    );
    window.screenshot(&shots, "app-01-home.png");
    window.click("Start a meeting");
    let link = window.wait(
        "the guest link",
        "const i = [...document.querySelectorAll('input, code, output')].find(e => (e.value || e.textContent || '').startsWith('mulaqat://join?'));
         return i ? (i.value || i.textContent) : null;",
    );
    assert!(
        link.as_str()
            .unwrap()
            .contains("server=ws%3A%2F%2F127.0.0.1"),
        "the guest link points at the embedded server: {link}"
    );
    window.click("Join as host");
    window.wait(
        "the self-view drawn from the frame socket",
        "const c = [...document.querySelectorAll('canvas')].find(c => c.width > 0 && c.height > 0);
         return c ? c.width + 'x' + c.height : null;",
    );
    window.wait(
        "the microphone meter moving with the test tone",
        "const m = document.querySelector('[role=meter]');
         return m && Number(m.getAttribute('aria-valuenow')) > 0;",
    );
    window.js(
        "const i = document.getElementById('display-name');
         const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
         set.call(i, 'Dr. Ayesha'); i.dispatchEvent(new Event('input', { bubbles: true })); return true;",
    );
    window.screenshot(&shots, "app-02-prejoin.png");
    window.click("Join now");
    window.wait(
        "the call screen with a Leave button",
        "return [...document.querySelectorAll('button')].some(b => /Leave/.test(b.textContent) || /Leave/.test(b.getAttribute('aria-label') || ''))",
    );
    std::thread::sleep(Duration::from_secs(1));
    window.screenshot(&shots, "app-03-call.png");
    let text = window.js("return document.body.innerText").to_string();
    assert!(text.contains("Dr. Ayesha"), "our name is shown: {text}");

    // A family member joins with the guest link from a headless client; the
    // meeting has a lobby, so the host lets them in from the knock card.
    let cli = Path::new(env!("CARGO_BIN_EXE_mulaqat")).with_file_name("mulaqat-cli");
    if !cli.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is built by `cargo test --workspace`",
            cli.display()
        );
        return;
    }
    kill.0.push(
        Command::new(&cli)
            .args([
                "join",
                link.as_str().unwrap(),
                "--name",
                "Amina",
                "--duration",
                "60s",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    window.wait(
        "Amina's knock",
        "return document.body.innerText.includes('Amina')",
    );
    window.screenshot(&shots, "app-04-knock.png");
    window.click("Admit");
    window.wait(
        "two in the meeting",
        "return document.body.innerText.includes('2 in the meeting')",
    );
    window.wait(
        "Amina's video drawn in her tile",
        "return document.querySelector('figure.tile:not(.self)[data-has-frame=true]') !== null",
    );
    std::thread::sleep(Duration::from_secs(2));
    window.screenshot(&shots, "app-05-two-in-call.png");
    let _ = http(
        port,
        "DELETE",
        &format!("/session/{}", window.session),
        None,
    );
}
