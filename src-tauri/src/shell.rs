//! The window's life: the backend managed as state, events forwarded to
//! the window, closing to the tray while a call runs, the tray menu, deep
//! links (`mulaqat://join?...`) and one instance per user.

use std::sync::Arc;

use anyhow::Context;
use mulaqat_app::args::NotifyArgs;
use mulaqat_app::{App, AppConfig, AppEvent, EventSink};
use mulaqat_media::devices::TestDevices;
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

fn test_devices() -> TestDevices {
    match std::env::var("MULAQAT_TEST_DEVICES").as_deref() {
        Ok("only") => TestDevices::Only,
        Ok("always") => TestDevices::Always,
        _ => TestDevices::WhenMissing,
    }
}

fn app_config(handle: &AppHandle) -> anyhow::Result<AppConfig> {
    let data_dir = handle
        .path()
        .app_data_dir()
        .context("no data folder for this user")?;
    Ok(AppConfig {
        settings_file: mulaqat_settings::SettingsFile::default_location()
            .context("no settings folder for this user")?,
        policy: mulaqat_settings::MachinePolicy::load(),
        test_devices: test_devices(),
        embedded_listen: std::env::var("MULAQAT_EMBEDDED_LISTEN")
            .unwrap_or_else(|_| "0.0.0.0:8717".into())
            .parse()
            .context("MULAQAT_EMBEDDED_LISTEN is not an address:port")?,
        data_dir: data_dir.join("server"),
    })
}

/// Shows and focuses the main window.
fn show(handle: &AppHandle) {
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

/// Shows an OS notification (a knock while the window is hidden).
pub(crate) fn notify<R: tauri::Runtime>(window: &tauri::Window<R>, args: &NotifyArgs) {
    if window.is_focused().unwrap_or(false) {
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
