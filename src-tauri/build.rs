//! Generates the Tauri context and one `allow-<command>` permission per app
//! command, so that a capability grants exactly the commands a window uses.

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| {
        eprintln!("tauri build step failed: {e:#}");
        std::process::exit(1)
    });
}

/// The app commands; keep in step with `src/commands.rs` (a test checks).
const COMMANDS: &[&str] = &[
    "get_app_info",
    "get_settings",
    "update_setting",
    "list_devices",
    "list_encoders",
    "list_recent_rooms",
    "start_preview",
    "stop_preview",
    "set_devices",
    "join_call",
    "start_meeting",
    "leave_call",
    "end_meeting",
    "admit_participant",
    "deny_participant",
    "remove_participant",
    "set_mic_muted",
    "set_camera_enabled",
    "start_screen_share",
    "stop_screen_share",
    "send_chat",
    "raise_hand",
    "get_call_snapshot",
    "run_network_check",
    "play_test_sound",
    "get_frame_socket",
    "notify",
];
