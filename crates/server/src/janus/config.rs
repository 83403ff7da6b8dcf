//! The `[sfu]` table of the server's config file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Default largest room kept peer-to-peer when an SFU is configured.
pub const DEFAULT_P2P_MAX_PARTICIPANTS: u32 = 4;
/// Default most participants of a room that may use the SFU.
pub const DEFAULT_SFU_MAX_PARTICIPANTS: u32 = 20;
/// Default most bits per second a publisher may send (Janus sends REMB).
pub const DEFAULT_BITRATE: u32 = 1_500_000;
/// Janus drops sessions idle for 60 s; keep them alive well within that.
pub const DEFAULT_KEEPALIVE_SECS: u64 = 20;
/// Default time for Janus to answer a request before the node counts as down.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 5000;
/// Default longest wait between attempts to reach a node that is down.
pub const DEFAULT_RETRY_MAX_MS: u64 = 30_000;

/// SFU rooms on Janus VideoRoom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SfuConfig {
    /// Janus nodes; none means every room stays peer-to-peer.
    pub nodes: Vec<JanusNodeConfig>,
    /// A room with more participants than this moves to the SFU.
    pub p2p_max_participants: u32,
    /// Most participants of a room (unless the room sets its own) when an
    /// SFU is configured.
    pub max_participants: u32,
    /// Most bits per second each publisher may send.
    pub bitrate: u32,
    /// Seconds between keepalives of each Janus session.
    pub keepalive_secs: u64,
    /// Milliseconds Janus has to answer before the node counts as down.
    pub request_timeout_ms: u64,
    /// Longest wait, in milliseconds, between attempts to reach a down node.
    pub retry_max_ms: u64,
}

impl Default for SfuConfig {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            p2p_max_participants: DEFAULT_P2P_MAX_PARTICIPANTS,
            max_participants: DEFAULT_SFU_MAX_PARTICIPANTS,
            bitrate: DEFAULT_BITRATE,
            keepalive_secs: DEFAULT_KEEPALIVE_SECS,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            retry_max_ms: DEFAULT_RETRY_MAX_MS,
        }
    }
}

/// One Janus node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JanusNodeConfig {
    /// A short name for logs (default: the URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The WebSocket API, `ws://host:8188`.
    pub url: String,
    /// The file holding the node's `api_secret` (janus.jcfg, `general`).
    pub api_secret_file: PathBuf,
    /// The file holding the VideoRoom `admin_key`, when the node sets one
    /// (then only holders of the key may create rooms, and `list` shows
    /// private rooms to them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_key_file: Option<PathBuf>,
}

impl JanusNodeConfig {
    /// The name used in logs.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.url)
    }
}

impl SfuConfig {
    /// Whether any node is configured.
    pub fn enabled(&self) -> bool {
        !self.nodes.is_empty()
    }

    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.p2p_max_participants == 0 {
            return Some("sfu.p2p_max_participants must be greater than 0".into());
        }
        if self.enabled() && self.max_participants <= self.p2p_max_participants {
            return Some(
                "sfu.max_participants must be greater than sfu.p2p_max_participants".into(),
            );
        }
        if self.keepalive_secs == 0 || self.keepalive_secs >= 60 {
            return Some(
                "sfu.keepalive_secs must be between 1 and 59 (Janus drops sessions idle for 60 s)"
                    .into(),
            );
        }
        if self.request_timeout_ms == 0 || self.retry_max_ms == 0 {
            return Some(
                "sfu.request_timeout_ms and sfu.retry_max_ms must be greater than 0".into(),
            );
        }
        self.nodes
            .iter()
            .find(|n| !(n.url.starts_with("ws://") || n.url.starts_with("wss://")))
            .map(|n| format!("sfu.nodes: {} is not a ws:// URL", n.url))
    }
}
