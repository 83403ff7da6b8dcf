//! The Tauri commands: each takes one `args` object (the UI's contract),
//! calls one method of [`mulaqat_app::App`], and returns its result or a
//! `CommandError`. No logic lives here.

use std::sync::Arc;

use mulaqat_app::DeviceId;
use mulaqat_app::args::{
    JoinCallArgs, NotifyArgs, ParticipantArgs, PlayTestSoundArgs, RaiseHandArgs, SendChatArgs,
    SetCameraEnabledArgs, SetDevicesArgs, SetMicMutedArgs, StartMeetingArgs, StartPreviewArgs,
    TrackStarted,
};
use mulaqat_app::ipc;
use mulaqat_app::{App, CommandError};
use tauri::State;

type AppState<'a> = State<'a, Arc<App>>;
type Reply<T> = Result<T, CommandError>;

fn device(id: Option<String>) -> Option<DeviceId> {
    id.map(DeviceId)
}

#[tauri::command]
pub fn get_app_info(app: AppState<'_>) -> ipc::AppInfo {
    app.app_info()
}

#[tauri::command]
pub fn get_settings(app: AppState<'_>) -> ipc::Settings {
    app.settings()
}

#[tauri::command]
pub fn update_setting(app: AppState<'_>, args: ipc::UpdateSettingArgs) -> Reply<ipc::Settings> {
    app.update_setting(args)
}

#[tauri::command]
pub fn list_devices(app: AppState<'_>) -> Vec<ipc::DeviceInfo> {
    app.list_devices()
}

#[tauri::command]
pub fn list_encoders(app: AppState<'_>) -> Vec<ipc::EncoderInfo> {
    app.list_encoders()
}

#[tauri::command]
pub fn list_recent_rooms(app: AppState<'_>) -> Vec<ipc::RecentRoom> {
    app.recent_rooms()
}

#[tauri::command]
pub async fn start_preview(app: AppState<'_>, args: StartPreviewArgs) -> Reply<TrackStarted> {
    let track = app
        .start_preview(device(args.camera_id), device(args.microphone_id))
        .await?;
    Ok(TrackStarted { track })
}

#[tauri::command]
pub async fn stop_preview(app: AppState<'_>) -> Reply<()> {
    app.stop_preview().await;
    Ok(())
}

#[tauri::command]
pub async fn set_devices(app: AppState<'_>, args: SetDevicesArgs) -> Reply<()> {
    app.set_devices(
        device(args.camera_id),
        device(args.microphone_id),
        device(args.speaker_id),
    )
    .await
}

#[tauri::command]
pub async fn join_call(app: AppState<'_>, args: JoinCallArgs) -> Reply<ipc::CallSnapshot> {
    app.join_call(args.target, args.display_name, args.quality)
        .await
}

#[tauri::command]
pub async fn start_meeting(
    app: AppState<'_>,
    args: StartMeetingArgs,
) -> Reply<ipc::StartedMeeting> {
    app.start_meeting(args.lobby).await
}

#[tauri::command]
pub async fn leave_call(app: AppState<'_>) -> Reply<()> {
    app.leave_call().await
}

#[tauri::command]
pub async fn end_meeting(app: AppState<'_>) -> Reply<()> {
    app.end_meeting().await
}

#[tauri::command]
pub async fn admit_participant(app: AppState<'_>, args: ParticipantArgs) -> Reply<()> {
    app.admit(&args.participant).await
}

#[tauri::command]
pub async fn deny_participant(app: AppState<'_>, args: ParticipantArgs) -> Reply<()> {
    app.deny(&args.participant).await
}

#[tauri::command]
pub async fn remove_participant(app: AppState<'_>, args: ParticipantArgs) -> Reply<()> {
    app.remove(&args.participant).await
}

#[tauri::command]
pub async fn set_mic_muted(app: AppState<'_>, args: SetMicMutedArgs) -> Reply<()> {
    app.set_mic_muted(args.muted).await
}

#[tauri::command]
pub async fn set_camera_enabled(app: AppState<'_>, args: SetCameraEnabledArgs) -> Reply<()> {
    app.set_camera_enabled(args.enabled).await
}

#[tauri::command]
pub async fn start_screen_share(app: AppState<'_>) -> Reply<TrackStarted> {
    app.start_screen_share()
        .await
        .map(|track| TrackStarted { track })
}

#[tauri::command]
pub async fn stop_screen_share(app: AppState<'_>) -> Reply<()> {
    app.stop_screen_share().await
}

#[tauri::command]
pub async fn send_chat(app: AppState<'_>, args: SendChatArgs) -> Reply<()> {
    app.send_chat(args.text).await
}

#[tauri::command]
pub async fn raise_hand(app: AppState<'_>, args: RaiseHandArgs) -> Reply<()> {
    app.raise_hand(args.raised).await
}

#[tauri::command]
pub async fn get_call_snapshot(app: AppState<'_>) -> Reply<ipc::CallSnapshot> {
    Ok(app.call_snapshot().await)
}

#[tauri::command]
pub async fn run_network_check(
    app: AppState<'_>,
    args: mulaqat_app::args::NetworkCheckArgs,
) -> Reply<ipc::NetworkCheck> {
    app.network_check(args.target).await
}

#[tauri::command]
pub async fn play_test_sound(app: AppState<'_>, args: PlayTestSoundArgs) -> Reply<()> {
    app.play_test_sound(device(args.speaker_id)).await
}

#[tauri::command]
pub fn get_frame_socket(app: AppState<'_>) -> ipc::FrameSocketInfo {
    app.frame_socket()
}

#[tauri::command]
pub fn notify<R: tauri::Runtime>(window: tauri::Window<R>, args: NotifyArgs) -> Reply<()> {
    crate::shell::notify(&window, &args);
    Ok(())
}

/// Every command, registered with the builder (the names match build.rs).
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static
{
    tauri::generate_handler![
        get_app_info,
        get_settings,
        update_setting,
        list_devices,
        list_encoders,
        list_recent_rooms,
        start_preview,
        stop_preview,
        set_devices,
        join_call,
        start_meeting,
        leave_call,
        end_meeting,
        admit_participant,
        deny_participant,
        remove_participant,
        set_mic_muted,
        set_camera_enabled,
        start_screen_share,
        stop_screen_share,
        send_chat,
        raise_hand,
        get_call_snapshot,
        run_network_check,
        play_test_sound,
        get_frame_socket,
        notify,
    ]
}
