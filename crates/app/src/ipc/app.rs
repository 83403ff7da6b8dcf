//! The app around the call: what it can do, joining and starting meetings, the
//! network check, the frame socket and notifications (UI DTOs).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ids::{RoomId, ts};

/// The platform the app runs on (`browser`: the UI in a browser, mock or browser client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Linux.
    Linux,
    /// Windows.
    Windows,
    /// macOS.
    Macos,
    /// A browser (the UI's mock backend or the browser client, never the desktop app).
    Browser,
}

/// What the backend is and can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// Where it runs.
    pub platform: Platform,
    /// Whether a meeting can be started on the embedded server (no server configured).
    pub embedded_server: bool,
    /// Whether screen sharing is possible on this platform and session.
    pub screen_share: bool,
    /// The frame socket's wire version (docs/frames.md).
    pub frame_protocol: u32,
    /// A `mulaqat://join` link the app was started with (`--join`, a deep
    /// link), given once: the UI opens the pre-join screen for it. Links that
    /// arrive later come as the `open-link` event.
    pub open_link: Option<String>,
}

/// What to join: a link, a room code on the configured server, or a recent room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum JoinTarget {
    /// A `mulaqat://join?...` link (or its https form).
    Link {
        /// The link.
        link: String,
    },
    /// A room's id on the configured server.
    RoomCode {
        /// The room code.
        room_code: String,
    },
    /// A room joined before, by its link kept in the OS keyring.
    Recent {
        /// The server's address.
        server: String,
        /// The room.
        room: String,
    },
}

/// Where a started meeting runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MeetingServer {
    /// The server in the settings (or the machine policy).
    Configured,
    /// The server inside the app.
    Embedded,
}

/// A meeting just created, with its links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartedMeeting {
    /// The room.
    #[ts(as = "ts::RoomId")]
    pub room: RoomId,
    /// For the host: joins as host (a secret; never shown in full).
    pub host_link: String,
    /// To send to guests.
    pub guest_link: String,
    /// The guest link for a browser (`http(s)://<server>/join#t=<token>`):
    /// for guests without the app.
    pub browser_link: String,
    /// Why a guest's browser cannot use the browser link as it is; null
    /// when it can.
    pub browser_link_note: Option<BrowserLinkNote>,
    /// The room code.
    pub room_code: String,
    /// Where the meeting runs.
    #[ts(inline)]
    pub server: MeetingServer,
}

/// Why a meeting's browser link will not work in a guest's browser, for the
/// UI to explain in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum BrowserLinkNote {
    /// The meeting's server is reached over plain http on the local network
    /// (a meeting on this computer): browsers give camera and microphone
    /// only to secure pages (https, or http on their own computer), so
    /// browser guests need the hospital's server, over https. Guests with
    /// the desktop app join over the LAN as before.
    InsecureLan,
    /// This build of the app has no browser client: the link opens a page
    /// saying so (HTTP 503).
    NoBrowserClient,
}

/// One step of the network check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckStep {
    /// It worked.
    pub ok: bool,
    /// How long it took, when it succeeded.
    pub ms: Option<u32>,
    /// What went wrong, for people, when it failed (English: the UI says
    /// [`CheckProblem`] in the user's language and shows this under it).
    pub detail: Option<String>,
    /// What kind of problem it was, when the check knows.
    pub problem: Option<CheckProblem>,
}

/// What a network check step ran into, for the UI's advice in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CheckProblem {
    /// The server could not be reached (name, network, TLS).
    ServerUnreachable,
    /// The server answered but refused the link (expired, or for another room).
    LinkRefused,
    /// The server answered but stopped during the check.
    CheckInterrupted,
    /// The server answers but cannot test the relay or the speed (older, or it declined).
    CheckUnsupported,
    /// The relay refused its credentials.
    RelayRefused,
    /// No answer from the relay over UDP (TCP or TLS on 443 may still work).
    RelayNoUdp,
    /// No answer from the relay at all.
    RelayBlocked,
    /// The relay could not be tested on this computer.
    RelayUntested,
}

/// What the network check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NetworkCheck {
    /// The signalling server answered.
    pub server: CheckStep,
    /// A TURN relay could be allocated (`null` when the server has none).
    pub turn: Option<CheckStep>,
    /// Rough bandwidth up to the server, kbit/s.
    pub uplink_kbps: Option<u32>,
    /// Rough bandwidth down from the server, kbit/s.
    pub downlink_kbps: Option<u32>,
}

/// Where the UI reads video frames from (docs/frames.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FrameSocketInfo {
    /// `ws://127.0.0.1:PORT` (never log it together with the token).
    pub url: String,
    /// This launch's token.
    pub token: String,
}

/// What the user did with a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NotificationActionKind {
    /// The notification itself was clicked.
    Open,
    /// Its "admit" button.
    Admit,
    /// Its "deny" button.
    Deny,
}

/// A notification the user acted on (UI DTO: the shell shows OS notifications).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotificationAction {
    /// The tag given to `notify`.
    pub tag: String,
    /// `open`: the notification itself was clicked; otherwise one of its buttons.
    #[ts(inline)]
    pub action: NotificationActionKind,
}
