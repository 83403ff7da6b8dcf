//! What the engine's peers and tracks are to its callers: who a connection
//! is with, and whose picture or sound a track carries. The strings
//! ([`PeerId`], [`TrackId`]) are written and read here and in
//! `engine/ids.rs` only; callers build and take them apart with these types.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::types::{MediaKind, PeerId};

/// What a stream shows: a camera (or what stands in for it), or a shared
/// screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// The camera, the placeholder, or a screen shared in the camera's place.
    Camera,
    /// A screen shared as a stream of its own.
    Screen,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Camera => "camera",
            Source::Screen => "screen",
        }
    }
}

/// Who a connection of the engine is with, as a call names it: the one
/// place its [`PeerId`] is written and read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PeerName {
    /// A participant: a mesh peer, or their camera feed through the SFU.
    /// Written as the participant's id.
    Participant(String),
    /// A participant's screen feed through the SFU: `<participant>/screen`.
    ParticipantScreen(String),
    /// One of our own publications to the SFU: `sfu:camera`, `sfu:screen`.
    Publication(Source),
}

/// What marks a screen feed's peer (`/` never appears in a participant id).
const SCREEN_SUFFIX: &str = "/screen";
/// What marks a publication's peer (`:` never appears in a participant id).
const PUBLICATION_PREFIX: &str = "sfu:";

impl fmt::Display for PeerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerName::Participant(id) => f.write_str(id),
            PeerName::ParticipantScreen(id) => write!(f, "{id}{SCREEN_SUFFIX}"),
            PeerName::Publication(source) => write!(f, "{PUBLICATION_PREFIX}{}", source.as_str()),
        }
    }
}

/// A peer id that no call would give: empty, or a publication of nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} names no peer")]
pub struct UnknownPeer(String);

impl FromStr for PeerName {
    type Err = UnknownPeer;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownPeer(s.to_owned());
        if let Some(source) = s.strip_prefix(PUBLICATION_PREFIX) {
            return match source {
                "camera" => Ok(PeerName::Publication(Source::Camera)),
                "screen" => Ok(PeerName::Publication(Source::Screen)),
                _ => Err(unknown()),
            };
        }
        match s.strip_suffix(SCREEN_SUFFIX) {
            Some("") => Err(unknown()),
            Some(owner) => Ok(PeerName::ParticipantScreen(owner.to_owned())),
            None if s.is_empty() => Err(unknown()),
            None => Ok(PeerName::Participant(s.to_owned())),
        }
    }
}

impl From<&PeerName> for PeerId {
    fn from(name: &PeerName) -> Self {
        PeerId(name.to_string())
    }
}

impl From<PeerName> for PeerId {
    fn from(name: PeerName) -> Self {
        PeerId::from(&name)
    }
}

impl PeerId {
    /// Who the connection is with.
    pub fn name(&self) -> Result<PeerName, UnknownPeer> {
        self.as_str().parse()
    }

    /// The participant whose media this connection carries, and which of
    /// it; `None` for our own publications.
    pub fn origin(&self) -> Option<(String, Source)> {
        match self.name().ok()? {
            PeerName::Participant(id) => Some((id, Source::Camera)),
            PeerName::ParticipantScreen(id) => Some((id, Source::Screen)),
            PeerName::Publication(_) => None,
        }
    }
}

/// Whose picture or sound a track carries ([`TrackId::origin`], with the
/// engine's tracks in `engine/ids.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TrackOrigin {
    /// Ours: the self-view, what is captured, or the preview of the screen
    /// we publish.
    Local(Source),
    /// A participant's camera (and microphone) or shared screen.
    Remote {
        /// The participant's id.
        participant: String,
        /// Which of their streams.
        source: Source,
        /// Picture or sound.
        kind: MediaKind,
    },
}

#[cfg(test)]
mod tests;
