//! The window's life: the backend managed as state, events forwarded to
//! the window, closing to the tray while a call runs, the tray menu, deep
//! links (`mulaqat://join?...`) and one instance per user.

use std::sync::Arc;

use anyhow::Context;
use mulaqat_app::args::NotifyArgs;
use mulaqat_app::{App, AppConfig, AppEvent, EventSink};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, RunEvent, WindowEvent};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_notification::NotificationExt;

/// The window that hosts the UI.
const MAIN: &str = "main";
/// The event that opens the pre-join screen for a link.
const OPEN_LINK: &str = "open-link";

/// Sends backend events to the main window.
struct WindowSink(AppHandle);

impl EventSink for WindowSink {
    fn emit(&self, event: AppEvent) {
        if let Err(e) = self.0.emit_to(MAIN, event.name(), event.payload()) {
            tracing::debug!("event not delivered: {e}");
        }
    }
}

fn app_config(handle: &AppHandle) -> anyhow::Result<AppConfig> {
    let data_dir = handle
        .path()
        .app_data_dir()
        .context("no data folder for this user")?;
    Ok(AppConfig::from_environment(data_dir.join("server"))?)
}

/// Shows and focuses the main window.
fn show<R: tauri::Runtime>(handle: &AppHandle<R>) {
    if let Some(window) = handle.get_webview_window(MAIN) {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Opens the pre-join screen for `link` if it is a Mulaqat link.
fn open_link(handle: &AppHandle, link: &str) {
    if link.starts_with("mulaqat://") {
        show(handle);
        let _ = handle.emit_to(MAIN, OPEN_LINK, link);
    }
}

fn tray(handle: &AppHandle) -> tauri::Result<()> {
    let show_item = MenuItem::with_id(handle, "show", "Show Mulaqat", true, None::<&str>)?;
    let leave_item = MenuItem::with_id(handle, "leave", "Leave the call", true, None::<&str>)?;
    let quit_item = MenuItem::with_id(handle, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(handle, &[&show_item, &leave_item, &quit_item])?;
    let mut builder = TrayIconBuilder::with_id("mulaqat")
        .tooltip("Mulaqat")
        .menu(&menu)
        .on_menu_event(|handle, event| match event.id().as_ref() {
            "show" => show(handle),
            "leave" => {
                let app = handle.state::<Arc<App>>().inner().clone();
                tauri::async_runtime::spawn(async move {
                    let _ = app.leave_call().await;
                });
            }
            "quit" => handle.exit(0),
            _ => {}
        });
    if let Some(icon) = handle.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(handle)?;
    Ok(())
}

/// Shows an OS notification (a knock while the window is hidden). On the
/// free desktops its buttons (Admit, Deny) work from the notification itself:
/// the choice comes back to the UI as a `notification` event.
pub(crate) fn notify<R: tauri::Runtime>(window: &tauri::Window<R>, args: &NotifyArgs) {
    if window.is_focused().unwrap_or(false) {
        return;
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    if xdg::notify_with_actions(window.app_handle().clone(), args) {
        return;
    }
    let shown = window
        .app_handle()
        .notification()
        .builder()
        .title(&args.title)
        .body(&args.body)
        .show();
    if let Err(e) = shown {
        tracing::info!("no notification shown: {e}");
    }
}

/// Notifications with buttons through the desktop's notification service.
#[cfg(all(unix, not(target_os = "macos")))]
mod xdg {
    use mulaqat_app::args::{NotifyArgs, NotifyButton};
    use mulaqat_app::ipc::{NotificationAction, NotificationActionKind};
    use tauri::{AppHandle, Emitter};

    /// The identifier the desktop reports for a click on the notification itself.
    const DEFAULT_ACTION: &str = "default";

    fn action_id(button: NotifyButton) -> &'static str {
        match button {
            NotifyButton::Admit => "admit",
            NotifyButton::Deny => "deny",
        }
    }

    /// Shows it and waits (on its own thread) for a click; `false` when the
    /// notification service is not there (the caller falls back).
    pub(super) fn notify_with_actions<R: tauri::Runtime>(
        handle: AppHandle<R>,
        args: &NotifyArgs,
    ) -> bool {
        let mut note = notify_rust::Notification::new();
        note.appname("Mulaqat")
            .summary(&args.title)
            .body(&args.body)
            .icon("org.mulaqat.Mulaqat")
            .action(DEFAULT_ACTION, "Open");
        for button in &args.actions {
            let label = match button {
                NotifyButton::Admit => "Admit",
                NotifyButton::Deny => "Deny",
            };
            note.action(action_id(*button), label);
        }
        let shown = match note.show() {
            Ok(shown) => shown,
            Err(e) => {
                tracing::debug!("no desktop notification service: {e}");
                return false;
            }
        };
        let tag = args.tag.clone();
        let waited = std::thread::Builder::new()
            .name("mulaqat-notification".into())
            .spawn(move || {
                shown.wait_for_action(|id| {
                    let action = match id {
                        "admit" => NotificationActionKind::Admit,
                        "deny" => NotificationActionKind::Deny,
                        DEFAULT_ACTION => NotificationActionKind::Open,
                        // Closed or expired: nothing to do.
                        _ => return,
                    };
                    if action == NotificationActionKind::Open {
                        super::show(&handle);
                    }
                    let payload = NotificationAction { tag, action };
                    if let Err(e) = handle.emit_to(super::MAIN, "notification", payload) {
                        tracing::debug!("notification action not delivered: {e}");
                    }
                });
            });
        if let Err(e) = waited {
            tracing::warn!("notification buttons will not work: {e}");
        }
        true
    }
}

/// Builds and runs the app until it quits.
pub(crate) fn run(initial_link: Option<String>) -> anyhow::Result<()> {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|handle, argv, _cwd| {
            show(handle);
            for arg in argv.iter().skip(1) {
                open_link(handle, arg);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(crate::navigation::guard())
        .invoke_handler(crate::commands::handler())
        .setup(move |tauri_app| {
            let handle = tauri_app.handle().clone();
            let config = app_config(&handle)?;
            let sink = Arc::new(WindowSink(handle.clone()));
            let backend = tauri::async_runtime::block_on(App::start(config, sink))?;
            if let Some(link) = initial_link
                .as_ref()
                .filter(|l| l.starts_with("mulaqat://"))
            {
                backend.set_open_link(link.clone());
            }
            tauri_app.manage(Arc::new(backend));
            tray(&handle)?;
            let links = handle.clone();
            tauri_app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    open_link(&links, url.as_str());
                }
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let app = window.state::<Arc<App>>().inner().clone();
                if tauri::async_runtime::block_on(app.in_call()) {
                    // The call goes on; the tray brings the window back.
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .build(tauri::generate_context!())
        .context("the window could not be created")?;
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            let backend = handle.state::<Arc<App>>().inner().clone();
            tauri::async_runtime::block_on(backend.shutdown());
        }
    });
    Ok(())
}
