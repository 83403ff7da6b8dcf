//! The window shows the app's own page and nothing else. The capabilities
//! already refuse every command to a page from another origin, and the CSP
//! keeps frames out; this guard also keeps such a page from replacing the
//! app in its window, where it could pass itself off as Mulaqat (a link in
//! a chat message, a script that changes `location`).

use tauri::plugin::TauriPlugin;
use tauri::{Runtime, Url};

/// Vite's dev server, the `devUrl` of `tauri.conf.json` (dev builds only).
const DEV_SERVER_PORT: u16 = 5173;

/// Whether `url` is the app's own page: the bundled UI (`tauri://localhost`
/// on Linux and macOS, `http(s)://tauri.localhost` on Windows) or, in a dev
/// build, the dev server.
pub(crate) fn is_app_page(url: &Url, dev: bool) -> bool {
    match (url.scheme(), url.host_str()) {
        ("tauri", Some("localhost")) | ("http" | "https", Some("tauri.localhost")) => true,
        ("http", Some("127.0.0.1" | "localhost")) => dev && url.port() == Some(DEV_SERVER_PORT),
        _ => false,
    }
}

/// Refuses every navigation away from the app's page (logged by host only:
/// the rest of a URL can carry a token).
pub(crate) fn guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = is_app_page(url, tauri::is_dev());
            if !allowed {
                tracing::warn!(
                    scheme = url.scheme(),
                    host = url.host_str().unwrap_or(""),
                    "refused to leave the app's page"
                );
            }
            allowed
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, dev: bool) -> bool {
        is_app_page(&Url::parse(url).expect("a URL"), dev)
    }

    #[test]
    fn only_the_apps_own_page_is_allowed() {
        assert!(page("tauri://localhost/", false));
        assert!(page("tauri://localhost/index.html#/call", false));
        assert!(page("http://tauri.localhost/", false));
        assert!(page("https://tauri.localhost/", false));
        for elsewhere in [
            "https://example.org/",
            "http://127.0.0.1:8717/",
            "http://tauri.localhost.example.org/",
            "file:///etc/passwd",
            "data:text/html,<p>hi</p>",
            "javascript:alert(1)",
        ] {
            assert!(!page(elsewhere, false), "{elsewhere}");
            assert!(!page(elsewhere, true), "{elsewhere} (dev)");
        }
    }

    #[test]
    fn the_dev_server_only_in_a_dev_build() {
        assert!(page("http://127.0.0.1:5173/", true));
        assert!(!page("http://127.0.0.1:5173/", false));
        assert!(!page("http://127.0.0.1:5174/", true));
    }
}
