//! What a failed command rejects with: a code the UI switches on and a message
//! for people. Its constructors, `Display` and `Error` are in the crate's `error`
//! module, beside the app's other failures.

use mulaqat_settings::SettingsError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::protocol::ErrorCode;

/// Codes a command can fail with: every [`ErrorCode`] plus the shell's own. In
/// TypeScript `ErrorCode | "invalidLink" | ...`, spelled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CommandErrorCode {
    /// See [`ErrorCode::MalformedMessage`].
    MalformedMessage,
    /// See [`ErrorCode::UnknownType`].
    UnknownType,
    /// See [`ErrorCode::MessageTooLarge`].
    MessageTooLarge,
    /// See [`ErrorCode::UnsupportedFrame`].
    UnsupportedFrame,
    /// See [`ErrorCode::UnsupportedVersion`].
    UnsupportedVersion,
    /// See [`ErrorCode::HelloRequired`].
    HelloRequired,
    /// See [`ErrorCode::DuplicateHello`].
    DuplicateHello,
    /// See [`ErrorCode::InvalidToken`].
    InvalidToken,
    /// See [`ErrorCode::TokenExpired`].
    TokenExpired,
    /// See [`ErrorCode::WrongRoom`].
    WrongRoom,
    /// See [`ErrorCode::NotJoined`].
    NotJoined,
    /// See [`ErrorCode::AlreadyJoined`].
    AlreadyJoined,
    /// See [`ErrorCode::Forbidden`].
    Forbidden,
    /// See [`ErrorCode::UnknownParticipant`].
    UnknownParticipant,
    /// See [`ErrorCode::RoomFull`].
    RoomFull,
    /// See [`ErrorCode::InvalidDisplayName`].
    InvalidDisplayName,
    /// See [`ErrorCode::InvalidText`].
    InvalidText,
    /// See [`ErrorCode::InvalidField`]; also a setting's value that is refused.
    InvalidField,
    /// See [`ErrorCode::RateLimited`].
    RateLimited,
    /// See [`ErrorCode::ServerShuttingDown`].
    ServerShuttingDown,
    /// See [`ErrorCode::Internal`]; also anything else that failed in the backend.
    Internal,
    /// The join link cannot be read, or names a server machine policy does not allow.
    InvalidLink,
    /// Machine policy sets this setting.
    SettingLocked,
    /// The command needs a call.
    NotInCall,
    /// The device is gone or busy.
    DeviceUnavailable,
    /// The server could not be reached.
    ServerUnreachable,
    /// Screen sharing is not possible on this platform or session.
    ScreenShareUnavailable,
    /// The person closed a dialog of the desktop's (choosing the screen to
    /// share) without choosing: nothing failed, nothing to show.
    Cancelled,
    /// Browser client only: the person (or the browser's settings) refused
    /// the page the camera or microphone.
    PermissionDenied,
    /// Browser client only: this browser has no WebRTC (`RTCPeerConnection`)
    /// or no camera and microphone API: another browser is needed.
    BrowserUnsupported,
    /// Browser client only: the page was not loaded over HTTPS (nor from this
    /// computer), so the browser gives it no camera or microphone.
    InsecureContext,
    /// Browser client only: there is no camera at all (the call goes on with
    /// sound only; turning the camera on fails with this).
    NoCamera,
    /// Browser client only: there is no microphone at all.
    NoMicrophone,
}

impl From<ErrorCode> for CommandErrorCode {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::MalformedMessage => CommandErrorCode::MalformedMessage,
            ErrorCode::UnknownType => CommandErrorCode::UnknownType,
            ErrorCode::MessageTooLarge => CommandErrorCode::MessageTooLarge,
            ErrorCode::UnsupportedFrame => CommandErrorCode::UnsupportedFrame,
            ErrorCode::UnsupportedVersion => CommandErrorCode::UnsupportedVersion,
            ErrorCode::HelloRequired => CommandErrorCode::HelloRequired,
            ErrorCode::DuplicateHello => CommandErrorCode::DuplicateHello,
            ErrorCode::InvalidToken => CommandErrorCode::InvalidToken,
            ErrorCode::TokenExpired => CommandErrorCode::TokenExpired,
            ErrorCode::WrongRoom => CommandErrorCode::WrongRoom,
            ErrorCode::NotJoined => CommandErrorCode::NotJoined,
            ErrorCode::AlreadyJoined => CommandErrorCode::AlreadyJoined,
            ErrorCode::Forbidden => CommandErrorCode::Forbidden,
            ErrorCode::UnknownParticipant => CommandErrorCode::UnknownParticipant,
            ErrorCode::RoomFull => CommandErrorCode::RoomFull,
            ErrorCode::InvalidDisplayName => CommandErrorCode::InvalidDisplayName,
            ErrorCode::InvalidText => CommandErrorCode::InvalidText,
            ErrorCode::InvalidField => CommandErrorCode::InvalidField,
            ErrorCode::RateLimited => CommandErrorCode::RateLimited,
            ErrorCode::ServerShuttingDown => CommandErrorCode::ServerShuttingDown,
            ErrorCode::Internal => CommandErrorCode::Internal,
        }
    }
}

impl From<mulaqat_protocol::ErrorCode> for CommandErrorCode {
    fn from(code: mulaqat_protocol::ErrorCode) -> Self {
        ErrorCode::from(code).into()
    }
}

/// What a failed command rejects with. Switch on `code`, never on `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CommandError {
    /// What went wrong, for code.
    pub code: CommandErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

/// `settingLocked` for a key machine policy sets, `invalidField` for a refused
/// value, `internal` for reading or saving the file.
impl From<&SettingsError> for CommandError {
    fn from(err: &SettingsError) -> Self {
        // `SettingsError` is `#[non_exhaustive]`: the last arm is required.
        let code = match err {
            SettingsError::Locked { .. } => CommandErrorCode::SettingLocked,
            SettingsError::Invalid { .. } => CommandErrorCode::InvalidField,
            SettingsError::Read { .. }
            | SettingsError::Corrupt { .. }
            | SettingsError::Write { .. }
            | SettingsError::NoConfigDir => CommandErrorCode::Internal,
            _ => CommandErrorCode::Internal,
        };
        CommandError {
            code,
            message: err.to_string(),
        }
    }
}

impl From<SettingsError> for CommandError {
    fn from(err: SettingsError) -> Self {
        CommandError::from(&err)
    }
}
