//! The real app in a real window: `mulaqat` under Xvfb, driven through
//! WebKitWebDriver (what tauri-driver wraps on Linux). It starts with test
//! devices, starts a meeting on its embedded server, shows the guest link,
//! previews the camera (and the microphone meter moves), joins, lets a
//! guest (`mulaqat-cli`) in from the lobby, and shows both in the call with
//! the guest's video moving. Reloading the page reattaches to the call (it
//! lives in the backend); Leave says so, the guest sees the host go, and
//! the home screen comes back. Closing the window during a call only hides it: the
//! call goes on, and launching `mulaqat` again shows it.
//! Screenshots go to `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod driver;

use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use driver::{Guest, Kill, RunningApp, Window, screenshots_dir};
use serde_json::Value;

const APP: &str = env!("CARGO_BIN_EXE_mulaqat");

/// One app at a time: each is a whole call (two media engines) on a small
/// machine.
static ONE_APP_AT_A_TIME: Mutex<()> = Mutex::new(());

const HOST: &str = "Dr. Ayesha";
const GUEST: &str = "Amina";

const GUEST_TILE_HAS_FRAME: &str =
    "return document.querySelector('figure.tile:not(.self)[data-has-frame=true]') !== null";

/// The guest's tile read back from its canvas: the luma of a 32×18 grid of
/// points, and how many coarse colours they show. Null until the picture
/// has at least four (not blank, not one flat colour).
const GUEST_PICTURE: &str = "
    const c = document.querySelector('figure.tile:not(.self)[data-has-frame=true] canvas');
    if (!c || c.width < 32 || c.height < 18) return null;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const luma = [], colours = new Set();
    for (let y = 0; y < 18; y++) for (let x = 0; x < 32; x++) {
      const i = (Math.floor((y + 0.5) * c.height / 18) * c.width + Math.floor((x + 0.5) * c.width / 32)) * 4;
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      luma.push(Math.round(0.299 * r + 0.587 * g + 0.114 * b));
      colours.add((r >> 5) + ',' + (g >> 5) + ',' + (b >> 5));
    }
    return colours.size >= 4 ? { luma, colours: colours.size } : null;";

fn luma(picture: &Value) -> Vec<i64> {
    picture["luma"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// Waits for the guest's picture (not blank), then for it to change as the
/// test camera's bars slide: at least 5% of the points, half a second or
/// more apart, by more than coding noise.
fn assert_guest_video_moves(window: &Window, when: &str) {
    let first = window.wait(
        &format!("{GUEST}'s picture, not blank, {when}"),
        GUEST_PICTURE,
    );
    let before = luma(&first);
    let start = Instant::now();
    let mut changed = 0.0;
    while start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(500));
        let now = window.js(GUEST_PICTURE);
        if now.is_null() || now.get("error").is_some() {
            continue;
        }
        let after = luma(&now);
        let moved = before
            .iter()
            .zip(&after)
            .filter(|(a, b)| (*a - *b).abs() > 24)
            .count();
        changed = moved as f64 / before.len() as f64;
        if changed >= 0.05 {
            eprintln!(
                "{GUEST}'s picture {when}: {:.0}% of it changed in {} ms ({} colours)",
                changed * 100.0,
                start.elapsed().as_millis(),
                first["colours"]
            );
            return;
        }
    }
    panic!(
        "{GUEST}'s picture did not move {when}: {:.1}% of it changed in 30 s",
        changed * 100.0
    );
}

/// The headless guest client, built beside the app; `None` (skip) when it
/// is not built, except under CI.
/// Waits for the other window test to end, then checks the tools and the
/// guest client: `None` skips the test (outside CI only).
fn take_the_display() -> Option<(std::sync::MutexGuard<'static, ()>, std::path::PathBuf)> {
    let one = ONE_APP_AT_A_TIME
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if !driver::tools_present() {
        return None;
    }
    Some((one, guest_client()?))
}

fn guest_client() -> Option<std::path::PathBuf> {
    let cli = Path::new(APP).with_file_name("mulaqat-cli");
    if cli.exists() {
        return Some(cli);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is built by `cargo test --workspace`",
        cli.display()
    );
    eprintln!("skipped: {} is not built", cli.display());
    None
}

/// From the home screen to a call with the guest admitted from the lobby and
/// her video drawn; screenshots `app-01`..`app-05` when `shots` is given.
/// Returns the guest and the host's participant id as the guest knows it.
fn host_a_call_with_a_guest(
    app: &RunningApp,
    cli: &Path,
    kill: &mut Kill,
    shots: Option<&Path>,
) -> (Guest, String) {
    let window = &app.window;
    let screenshot = |name: &str| {
        if let Some(dir) = shots {
            window.screenshot(dir, name);
        }
    };
    window.wait(
        "the home screen",
        "return document.body.innerText.includes('Start a meeting')",
    );
    screenshot("app-01-home.png");
    window.click("Start a meeting");
    let link = window.wait(
        "the guest link",
        "const i = [...document.querySelectorAll('input, code, output')].find(e => (e.value || e.textContent || '').startsWith('mulaqat://join?'));
         return i ? (i.value || i.textContent) : null;",
    );
    let link = link.as_str().unwrap().to_owned();
    assert!(
        link.contains("server=ws%3A%2F%2F127.0.0.1"),
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
    window.type_into("display-name", HOST);
    screenshot("app-02-prejoin.png");
    window.click("Join now");
    window.wait(
        "the call screen with a Leave button",
        "return [...document.querySelectorAll('button')].some(b => /Leave/.test(b.textContent) || /Leave/.test(b.getAttribute('aria-label') || ''))",
    );
    if shots.is_some() {
        std::thread::sleep(Duration::from_secs(1));
    }
    screenshot("app-03-call.png");
    let text = window.js("return document.body.innerText").to_string();
    assert!(text.contains(HOST), "our name is shown: {text}");

    // A family member joins with the guest link from a headless client; the
    // meeting has a lobby, so the host lets them in from the knock card.
    let log = screenshots_dir().join(format!("guest-{}.log", app.window.port));
    let guest = Guest::join(cli, &link, GUEST, &log, kill);
    window.wait(
        "Amina's knock",
        "return document.body.innerText.includes('Amina')",
    );
    screenshot("app-04-knock.png");
    window.click("Admit");
    window.wait(
        "two in the meeting",
        "return document.body.innerText.includes('2 in the meeting')",
    );
    window.wait("Amina's video drawn in her tile", GUEST_TILE_HAS_FRAME);
    let joined = guest.wait_line("the host in the meeting", |l| {
        l.starts_with(&format!("joined: {HOST} ("))
    });
    let host_id = joined
        .rsplit_once('(')
        .and_then(|(_, id)| id.strip_suffix(')'))
        .unwrap_or_else(|| panic!("a participant id in {joined:?}"))
        .to_owned();
    if shots.is_some() {
        std::thread::sleep(Duration::from_secs(2));
    }
    screenshot("app-05-two-in-call.png");
    (guest, host_id)
}

#[test]
fn the_app_hosts_a_meeting_and_admits_a_guest_from_the_lobby() {
    let Some((_one, cli)) = take_the_display() else {
        return;
    };
    let app = driver::start_driver(APP);
    let window = &app.window;
    let mut kill = Kill(Vec::new());
    let shots = screenshots_dir();
    let (guest, host_id) = host_a_call_with_a_guest(&app, &cli, &mut kill, Some(&shots));

    // The guest's camera is a sliding colour-bar pattern: her tile moves.
    assert_guest_video_moves(window, "in the call");
    window.screenshot(&shots, "app-06-guest-moving.png");

    // The call lives in the backend: a reloaded page reattaches to it.
    window.refresh();
    window.wait(
        "the call screen again after the reload",
        "return document.body.innerText.includes('2 in the meeting')",
    );
    window.wait(
        "Amina's video drawn again after the reload",
        GUEST_TILE_HAS_FRAME,
    );
    assert_guest_video_moves(window, "after the reload");
    let text = window.js("return document.body.innerText").to_string();
    assert!(
        text.contains(HOST) && text.contains(GUEST),
        "both are shown after the reload: {text}"
    );
    window.screenshot(&shots, "app-07-reloaded.png");

    // Leave: the app says so and offers the way home; the guest sees the
    // host go.
    window.click("Leave");
    window.wait(
        "the screen that says we left",
        "return document.body.innerText.includes('You left the meeting')",
    );
    window.screenshot(&shots, "app-08-left.png");
    guest.wait_line("that the host left", |l| {
        l.starts_with(&format!("left: {host_id} "))
    });
    window.click("Back to home");
    window.wait(
        "the home screen after leaving",
        "return document.body.innerText.includes('Start a meeting')",
    );
    window.screenshot(&shots, "app-09-home-after-leaving.png");

    // Out of a call, closing the window quits the app (so the close request
    // the next test sends is one the app hears).
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let x = driver::x11::Display::open(&app.display);
        let main = x
            .find("Mulaqat")
            .unwrap_or_else(|| panic!("no window titled Mulaqat: {:?}", x.top_levels()));
        let pid = main
            .pid
            .expect("the window names its process (_NET_WM_PID)");
        x.request_close(main.id);
        wait_until(
            "the app to quit when its window closes out of a call",
            || !running(pid),
        );
    }
    app.quit();
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn closing_the_window_during_a_call_hides_it_and_the_call_goes_on() {
    let Some((_one, cli)) = take_the_display() else {
        return;
    };
    if !driver::have("dbus-daemon") {
        assert!(
            std::env::var_os("CI").is_none(),
            "dbus-daemon is needed (packaging/linux/install-deps.sh --test)"
        );
        eprintln!("skipped: dbus-daemon is not installed");
        return;
    }
    // On a session bus of its own, so that a second launch finds this one.
    let app = driver::start_driver_on_session_bus(APP);
    let window = &app.window;
    let mut kill = Kill(Vec::new());
    let (guest, host_id) = host_a_call_with_a_guest(&app, &cli, &mut kill, None);

    let x = driver::x11::Display::open(&app.display);
    let main = x
        .find("Mulaqat")
        .unwrap_or_else(|| panic!("no window titled Mulaqat: {:?}", x.top_levels()));
    assert!(main.viewable, "the window is shown: {main:?}");
    let pid = main
        .pid
        .expect("the window names its process (_NET_WM_PID)");

    // The × of a window manager: the window hides instead of closing.
    x.request_close(main.id);
    wait_until("the window hidden after the close request", || {
        x.find("Mulaqat").is_some_and(|w| !w.viewable)
    });
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(4) {
        assert!(running(pid), "the app is still running after the close");
        let lines = guest.lines();
        assert!(
            !lines
                .iter()
                .any(|l| l.starts_with(&format!("left: {host_id} ")) || l.starts_with("ended:")),
            "the guest still sees the host after the window closed:\n{}",
            lines.join("\n")
        );
        std::thread::sleep(Duration::from_millis(250));
    }

    // Launching the app again shows the one that is running, still in the call.
    let second = app.launch_again(APP, &[]);
    assert!(second.success(), "the second launch hands over: {second}");
    wait_until("the same window shown again by the second launch", || {
        x.top_levels().iter().any(|w| w.id == main.id && w.viewable)
    });
    let windows = x.top_levels();
    assert_eq!(
        windows.iter().filter(|w| w.title == "Mulaqat").count(),
        1,
        "one app, one window: {windows:?}"
    );
    assert!(running(pid), "the same app shows its window");
    window.wait(
        "the call screen still there",
        "return document.body.innerText.includes('2 in the meeting')",
    );
    window.wait("Amina's video still drawn", GUEST_TILE_HAS_FRAME);
    assert_guest_video_moves(window, "after the window came back");
    window.screenshot(&screenshots_dir(), "app-10-shown-again-in-call.png");
    app.quit();
}

/// Whether process `pid` is alive (not gone, not a zombie).
#[cfg(all(unix, not(target_os = "macos")))]
fn running(pid: u32) -> bool {
    mulaqat_lab::measure::is_running(pid)
}

#[cfg(all(unix, not(target_os = "macos")))]
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "waited 30 s for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
