//! Plain values the engine's callers see instead of GStreamer types.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_newtype!(
    /// A remote peer, named by the caller (the call client uses the participant id).
    PeerId
);
string_newtype!(
    /// A track: `local:camera`, `local:mic`, or `<peer>:video`, `<peer>:audio`.
    TrackId
);
string_newtype!(
    /// A capture or playback device. Test devices are `test:camera`, `test:mic`, `test:speaker`.
    DeviceId
);

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MediaKind {
    /// Sound.
    Audio,
    /// Pictures.
    Video,
}

/// A video codec on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VideoCodec {
    /// H.264, constrained baseline / high: everyone decodes it.
    H264,
    /// H.265: only between Mulaqat clients that both have it.
    H265,
    /// VP8: software fallback.
    Vp8,
}

impl VideoCodec {
    /// The RTP encoding name (`H264`, `H265`, `VP8`).
    pub fn encoding_name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "H264",
            VideoCodec::H265 => "H265",
            VideoCodec::Vp8 => "VP8",
        }
    }
}

impl fmt::Display for VideoCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encoding_name())
    }
}

/// Width and height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Resolution {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// A requested sending quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Quality {
    /// 640x360.
    P360,
    /// 1280x720.
    P720,
    /// 1920x1080.
    P1080,
    /// 3840x2160 (4K UHD).
    P2160,
}

impl Quality {
    /// Every quality, lowest first.
    pub const ALL: [Quality; 4] = [Quality::P360, Quality::P720, Quality::P1080, Quality::P2160];

    /// The frame size.
    pub fn resolution(self) -> Resolution {
        let (width, height) = match self {
            Quality::P360 => (640, 360),
            Quality::P720 => (1280, 720),
            Quality::P1080 => (1920, 1080),
            Quality::P2160 => (3840, 2160),
        };
        Resolution { width, height }
    }

    /// A good starting bitrate for H.264 at 30 fps, in kbit/s.
    pub fn start_bitrate_kbps(self) -> u32 {
        match self {
            Quality::P360 => 800,
            Quality::P720 => 2_000,
            Quality::P1080 => 4_000,
            Quality::P2160 => 12_000,
        }
    }

    /// The most this quality should use, in kbit/s.
    pub fn max_bitrate_kbps(self) -> u32 {
        match self {
            Quality::P360 => 1_200,
            Quality::P720 => 3_000,
            Quality::P1080 => 6_000,
            Quality::P2160 => 20_000,
        }
    }

    /// The quality whose frame size is `width` x `height`, if any.
    pub fn from_height(height: u32) -> Option<Quality> {
        Quality::ALL
            .into_iter()
            .find(|q| q.resolution().height == height)
    }

    /// The name people use and the command lines take (`"720p"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::P360 => "360p",
            Quality::P720 => "720p",
            Quality::P1080 => "1080p",
            Quality::P2160 => "2160p",
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A quality name that is not one of [`Quality::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a quality: use 360p, 720p, 1080p or 2160p (4k)")]
pub struct UnknownQuality(pub String);

impl std::str::FromStr for Quality {
    type Err = UnknownQuality;

    /// `"720p"` (any case); `"4k"` is 2160p.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        if name == "4k" {
            return Ok(Quality::P2160);
        }
        Quality::ALL
            .into_iter()
            .find(|q| q.as_str() == name)
            .ok_or_else(|| UnknownQuality(s.to_owned()))
    }
}

/// Offer or answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SdpKind {
    /// An offer.
    Offer,
    /// An answer.
    Answer,
}

/// An SDP offer or answer as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDescription {
    /// Offer or answer.
    pub kind: SdpKind,
    /// The SDP.
    pub sdp: String,
}

/// A trickled ICE candidate. An empty `candidate` ends the candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCandidate {
    /// The media section's index.
    pub sdp_m_line_index: u32,
    /// The `candidate:` line.
    pub candidate: String,
}

/// A STUN or TURN server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    /// `stun:`, `turn:` or `turns:` URLs.
    pub urls: Vec<String>,
    /// TURN user name.
    pub username: Option<String>,
    /// TURN password.
    pub credential: Option<String>,
}

/// Which ICE candidates a peer may use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IcePolicy {
    /// Direct, STUN and TURN.
    #[default]
    All,
    /// Only TURN relays (hides the local address; works through strict firewalls).
    RelayOnly,
}

/// Where a peer connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PeerState {
    /// Created, not yet negotiated.
    New,
    /// Negotiating or checking connectivity.
    Connecting,
    /// Media can flow.
    Connected,
    /// Connectivity was lost; an ICE restart may bring it back.
    Disconnected,
    /// It failed for good.
    Failed,
    /// Closed by us.
    Closed,
}

#[cfg(test)]
mod tests;
