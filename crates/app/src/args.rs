//! The arguments and small results of the shell's commands, in the UI's
//! shape (each command takes one `args` object). Generated into the
//! TypeScript bindings with the other IPC types.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ipc::{JoinTarget, QualityChoice};

/// `startPreview`: the devices to preview (`null`: the saved or default one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartPreviewArgs {
    /// Camera device id.
    pub camera_id: Option<String>,
    /// Microphone device id.
    pub microphone_id: Option<String>,
}

/// `setDevices`: devices to switch to (`null` leaves that one as it is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetDevicesArgs {
    /// Camera device id.
    pub camera_id: Option<String>,
    /// Microphone device id.
    pub microphone_id: Option<String>,
    /// Speaker device id.
    pub speaker_id: Option<String>,
}

/// `joinCall`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JoinCallArgs {
    /// A link, or the code of a meeting started on this computer.
    pub target: JoinTarget,
    /// The name others see (plain text).
    pub display_name: String,
    /// The most detail to send.
    pub quality: QualityChoice,
}

/// `runNetworkCheck`: the pre-join screen's target, whose server is checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NetworkCheckArgs {
    /// The link (or room code, or recent room) about to be joined.
    pub target: JoinTarget,
}

/// `startMeeting`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartMeetingArgs {
    /// Guests wait until the host lets them in.
    pub lobby: bool,
}

/// `admitParticipant`, `denyParticipant`, `removeParticipant`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantArgs {
    /// Whom.
    pub participant: String,
}

/// `setMicMuted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetMicMutedArgs {
    /// Muted or not.
    pub muted: bool,
}

/// `setCameraEnabled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetCameraEnabledArgs {
    /// On or off.
    pub enabled: bool,
}

/// `sendChat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SendChatArgs {
    /// The message (plain text).
    pub text: String,
}

/// `raiseHand`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RaiseHandArgs {
    /// Raised or lowered.
    pub raised: bool,
}

/// `playTestSound`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlayTestSoundArgs {
    /// The speaker (`null`: the current one).
    pub speaker_id: Option<String>,
}

/// A button on a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NotifyButton {
    /// Let the person in.
    Admit,
    /// Turn them away.
    Deny,
}

/// `notify`: an OS notification (shown when the window is not focused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotifyArgs {
    /// Identifies it in the `notification` event.
    pub tag: String,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Buttons, where the platform has them.
    pub actions: Vec<NotifyButton>,
}

/// What `startPreview` and `startScreenShare` give back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TrackStarted {
    /// The track to subscribe to on the frame socket.
    pub track: String,
}
