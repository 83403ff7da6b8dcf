//! Only the app's own page reaches the backend. The real app under Xvfb and
//! WebKitWebDriver (as `window.rs`), and a page served here on loopback
//! standing for anything from elsewhere:
//! - the app's own page can invoke a command (so the checks below can fail);
//! - a frame pointing at that page is never even fetched (the CSP's
//!   `frame-src 'none'`), so nothing inside a frame can call anything;
//! - the window cannot be driven to that page: it stays on the app's own
//!   (`navigation.rs`); were it ever to leave, the page's calls must be
//!   refused (the capabilities name the app's page only).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod driver;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A page on 127.0.0.1 that counts how often it is fetched.
struct RemotePage {
    port: u16,
    fetched: Arc<AtomicUsize>,
}

impl RemotePage {
    fn serve() -> RemotePage {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fetched = Arc::new(AtomicUsize::new(0));
        let count = fetched.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                count.fetch_add(1, Ordering::SeqCst);
                let body = "<!doctype html><title>elsewhere</title><p>a page from elsewhere</p>";
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        RemotePage { port, fetched }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn fetched(&self) -> usize {
        self.fetched.load(Ordering::SeqCst)
    }
}

/// Asks the current page to call `get_app_info`; what came of it:
/// `ok:...`, `refused:...` or `no-ipc`.
const CALL_A_COMMAND: &str = "
    window.__probe = null;
    const ipc = window.__TAURI_INTERNALS__;
    if (!ipc || typeof ipc.invoke !== 'function') { window.__probe = 'no-ipc'; return true; }
    ipc.invoke('get_app_info').then(
        (v) => { window.__probe = 'ok:' + JSON.stringify(v); },
        (e) => { window.__probe = 'refused:' + String(e); });
    return true;";

#[test]
fn pages_from_elsewhere_cannot_invoke_the_apps_commands() {
    if !driver::tools_present() {
        return;
    }
    let app = driver::start_driver(env!("CARGO_BIN_EXE_mulaqat"));
    let window = &app.window;
    window.wait(
        "the home screen",
        "return document.body.innerText.includes('Start a meeting')",
    );
    let own_url = window.url();

    window.js(CALL_A_COMMAND);
    let own = window.wait("the app's own call", "return window.__probe");
    assert!(
        own.as_str().is_some_and(|v| v.starts_with("ok:")),
        "the app's own page invokes commands: {own}"
    );

    let page = RemotePage::serve();
    window.js(&format!(
        "window.__refused = null;
         document.addEventListener('securitypolicyviolation',
             (e) => {{ window.__refused = e.effectiveDirective || e.violatedDirective; }});
         const f = document.createElement('iframe');
         f.src = {:?}; f.id = 'elsewhere'; document.body.appendChild(f); return true;",
        page.url("/in-a-frame")
    ));
    // The page hears the CSP refuse the frame once the decision is made.
    let refused = window.wait("the CSP to refuse the frame", "return window.__refused");
    assert_eq!(refused, "frame-src", "refused by another directive");
    assert_eq!(
        page.fetched(),
        0,
        "a frame loaded a page from elsewhere into the app's window"
    );

    // What a script (or a link) in the page would do.
    window.js(&format!(
        "setTimeout(() => {{ window.location.href = {:?}; }}, 0); return true;",
        page.url("/in-the-window")
    ));
    window.wait_log("the navigation refused", "refused to leave the app's page");
    let now_url = window.url();
    window.js(CALL_A_COMMAND);
    let there = window.wait("a call after the navigation", "return window.__probe");
    let there = there.as_str().unwrap_or_default().to_owned();
    if now_url != own_url {
        assert!(
            there == "no-ipc" || there.starts_with("refused:"),
            "a page from elsewhere ({now_url}) invoked a command: {there}"
        );
    }
    assert_eq!(
        now_url, own_url,
        "the window left the app's page for one from elsewhere"
    );
    assert_eq!(page.fetched(), 0, "the page from elsewhere was fetched");
    assert!(there.starts_with("ok:"), "the app still works: {there}");
    app.quit();
}
