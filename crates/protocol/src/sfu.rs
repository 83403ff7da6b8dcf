//! Values carried by the SFU messages: how a client publishes to and
//! subscribes from the room's Janus VideoRoom through the server.
//!
//! The client never talks to Janus's API itself: it sends `sfu*` requests on
//! its mulaqat connection and the server relays them (with the Janus API
//! secret, which clients never see). Media flows between the client and
//! Janus directly (ICE, DTLS-SRTP).

use serde::{Deserialize, Serialize};

use crate::ids::ParticipantId;
use crate::types::VideoCodec;

/// One of a participant's publications to the SFU.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SfuPublication {
    /// Camera and microphone.
    #[default]
    Camera,
    /// A shared screen or window (a second publication while sharing).
    Screen,
}

impl SfuPublication {
    /// The name on the wire (`"camera"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SfuPublication::Camera => "camera",
            SfuPublication::Screen => "screen",
        }
    }
}

/// Which of a client's SFU peer connections a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SfuTarget {
    /// `{"publication": "camera"}`: one of your publications.
    Publication(SfuPublication),
    /// `{"subscription": 3}`: a subscription the server numbered in `sfuOffer`.
    Subscription(u64),
}

/// What a member needs to use the room's SFU: handed only to admitted
/// participants, in `modeChanged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SfuAccess {
    /// The room's pin: present it in every `sfuPublish` and `sfuSubscribe`.
    pub pin: String,
    /// Counts the times the room was set up on an SFU node (it is set up
    /// afresh after a node is lost). Requests are made against the newest.
    pub generation: u32,
    /// The video codec to publish in: one every member decodes.
    #[serde(default)]
    pub video_codec: VideoCodec,
}

/// One published stream in the room.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SfuFeed {
    /// Who publishes it.
    pub participant: ParticipantId,
    /// Which of their publications.
    pub publication: SfuPublication,
}

/// Why an SFU request was refused, as a stable code the client can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum SfuErrorCode {
    /// No SFU node is up: the room's video waits until one is back
    /// (a `modeChanged` with `sfu` follows then).
    Unavailable,
    /// The room is peer-to-peer, or its SFU room is still being set up:
    /// wait for `modeChanged` with `sfu`.
    NotReady,
    /// The SFU refused the pin: use the pin from the newest `modeChanged`.
    WrongPin,
    /// No such feed (it may have just gone): follow `sfuFeeds`.
    UnknownFeed,
    /// No such subscription or publication of yours.
    UnknownTarget,
    /// The SFU refused the request for another reason (the message says
    /// which); for example an SDP it cannot use.
    Refused,
    /// The SFU did not answer in time; retry.
    Timeout,
}

impl SfuErrorCode {
    /// The code as it appears on the wire (`"wrongPin"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SfuErrorCode::Unavailable => "unavailable",
            SfuErrorCode::NotReady => "notReady",
            SfuErrorCode::WrongPin => "wrongPin",
            SfuErrorCode::UnknownFeed => "unknownFeed",
            SfuErrorCode::UnknownTarget => "unknownTarget",
            SfuErrorCode::Refused => "refused",
            SfuErrorCode::Timeout => "timeout",
        }
    }

    /// Every code, for exhaustive tests and documentation.
    pub const ALL: [SfuErrorCode; 7] = [
        SfuErrorCode::Unavailable,
        SfuErrorCode::NotReady,
        SfuErrorCode::WrongPin,
        SfuErrorCode::UnknownFeed,
        SfuErrorCode::UnknownTarget,
        SfuErrorCode::Refused,
        SfuErrorCode::Timeout,
    ];
}

impl std::fmt::Display for SfuErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why everything SFU of a room was dropped (`sfuReset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum SfuResetReason {
    /// The SFU node hosting the room stopped answering or restarted.
    NodeLost,
    /// Your own session on the SFU ended (it timed out or was refused).
    SessionLost,
    /// Someone joined or left who changes the video codec every member can
    /// decode: the SFU room is set up again, and the next `modeChanged`
    /// names the codec to publish in.
    CodecChanged,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for code in SfuErrorCode::ALL {
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        for p in [SfuPublication::Camera, SfuPublication::Screen] {
            let json = serde_json::to_string(&p).expect("serializes");
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
    }

    #[test]
    fn targets_are_one_keyed_objects() {
        let t = SfuTarget::Subscription(3);
        assert_eq!(
            serde_json::to_string(&t).expect("serializes"),
            r#"{"subscription":3}"#
        );
        let t: SfuTarget = serde_json::from_str(r#"{"publication":"screen"}"#).expect("parses");
        assert_eq!(t, SfuTarget::Publication(SfuPublication::Screen));
    }
}
