//! The X11 session's screen, read with `ximagesrc`: a real X server (Xvfb,
//! 1600x1000 with a white root) and a window on it where a ball moves. The
//! engine picks its screen source from the session it runs in (`DISPLAY`,
//! `XDG_SESSION_TYPE`), so the check runs in a child process of this test
//! binary, started in that session.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mulaqat_media::SELF_VIEW_TRACK;
use mulaqat_media::devices::TestDevices;
use mulaqat_media::screen::ScreenSource;

use crate::*;

/// Set in the child process that runs the check in the X11 session.
const IN_SESSION: &str = "MULAQAT_TEST_X11_SESSION";

#[test]
fn an_x11_screen_is_shared_letterboxed_live_at_the_call_rate() {
    if std::env::var_os(IN_SESSION).is_some() {
        in_the_session();
        return;
    }
    let _turn = ONE_AT_A_TIME.blocking_lock();
    let server = XServer::start();
    let _window = server.moving_window();
    let check = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "x11::an_x11_screen_is_shared_letterboxed_live_at_the_call_rate",
            "--exact",
            "--nocapture",
        ])
        .env(IN_SESSION, "1")
        .env("DISPLAY", &server.display)
        .env("XDG_SESSION_TYPE", "x11")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the check runs");
    assert!(
        check.status.success(),
        "the check in the X11 session failed:\n{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// The check itself, in the X11 session: the test camera where there is no
/// camera, the real screen.
fn in_the_session() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let (engine, _events, seen) = engine(TestDevices::WhenMissing);
        let display = std::env::var("DISPLAY").expect("DISPLAY");
        assert_eq!(engine.screen_source(), Ok(ScreenSource::X11 { display }));
        assert!(
            eventually(Duration::from_secs(10), || count(&seen, SELF_VIEW_TRACK)
                > 5)
            .await,
            "the self-view shows the camera"
        );
        assert!(!shows_the_screen(&seen, SELF_VIEW_TRACK));

        engine.start_screen_share().expect("sharing starts");
        // The window's ball moves on the shared screen.
        assert_the_screen_is_live(&seen, SELF_VIEW_TRACK, 30).await;

        engine.stop_screen_share();
        wait_for_no_screen(&seen, SELF_VIEW_TRACK).await;
        engine.stop();
    });
}

/// Xvfb on a display it picks itself, stopped when dropped.
struct XServer {
    display: String,
    server: Child,
}

impl XServer {
    fn start() -> XServer {
        let mut server = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1600x1000x24", "-wr"])
            .args(["-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (packaging/linux/install-deps.sh --test installs xvfb)");
        let mut line = String::new();
        let stdout = server.stdout.take().expect("Xvfb's stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("Xvfb says its display");
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not start");
        XServer {
            display: format!(":{number}"),
            server,
        }
    }

    /// A 400x300 window at the top left where a white ball moves on black.
    fn moving_window(&self) -> Kill {
        let mut window = Command::new("gst-launch-1.0")
            .args(["-q", "videotestsrc", "is-live=true", "pattern=ball", "!"])
            .args(["video/x-raw,width=400,height=300,framerate=30/1", "!"])
            .args(["videoconvert", "!", "ximagesink", "sync=false"])
            .env("DISPLAY", &self.display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Kill)
            .expect("gst-launch-1.0 runs (gstreamer1.0-tools)");
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            matches!(window.0.try_wait(), Ok(None)),
            "the moving window did not stay up (ximagesink: gstreamer1.0-x)"
        );
        window
    }
}

impl Drop for XServer {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// Kills the child when dropped.
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
