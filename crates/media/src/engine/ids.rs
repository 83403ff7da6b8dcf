//! The engine's names for what it handles: its tracks, what each
//! connection is for, and the element names of a peer. The strings the
//! outside world sees (`TrackId`s such as `local:camera`, `<peer>:video`,
//! `<participant>/screen:video`; element names `mulaqat-...`) are written
//! and read here only.

use std::fmt;
use std::str::FromStr;

use crate::names::TrackOrigin;
use crate::types::{MediaKind, PeerId, TrackId};

/// What a connection sends: the camera (or what stands in for it: the
/// placeholder, or the screen shared in its place) with the microphone, or
/// only the screen, as a stream of its own.
pub(crate) use crate::names::Source;

/// What a connection of the engine is for, which says which way media flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A peer of the mesh: both ways, our camera and microphone out.
    Mesh,
    /// Our publication to the SFU: only out, the camera and microphone or
    /// only the screen. We offer.
    Publication(Source),
    /// One subscribed SFU feed: only in. The SFU offers, we answer.
    Subscription,
}

impl Role {
    /// What it sends, if anything.
    pub(crate) fn sends(self) -> Option<Source> {
        match self {
            Role::Mesh => Some(Source::Camera),
            Role::Publication(source) => Some(source),
            Role::Subscription => None,
        }
    }

    /// Whether it only sends (its transceivers are `sendonly`).
    pub(crate) fn send_only(self) -> bool {
        matches!(self, Role::Publication(_))
    }
}

/// A picture or sound the engine handles, named as [`TrackId`] says to the
/// outside world.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Track {
    /// The self-view: `local:camera`.
    SelfView,
    /// Every frame captured for sending (counted, not delivered): `local:capture`.
    Capture,
    /// The preview of the screen published as a stream of its own: `local:screen`.
    ScreenPreview,
    /// What a peer sends: `<peer>:video`, `<peer>:audio`. A screen
    /// subscription's peer is `<participant>/screen`, so its video is
    /// `<participant>/screen:video`.
    Remote { peer: PeerId, kind: MediaKind },
}

/// The self-view frames (small, for the UI).
pub const SELF_VIEW_TRACK: &str = "local:camera";
/// Every frame captured for sending (counted, not delivered).
pub const CAPTURE_TRACK: &str = "local:capture";
/// The preview of the screen being published, for the presenter's own tile.
pub const SCREEN_PREVIEW_TRACK: &str = "local:screen";

impl Track {
    /// The peer it comes from, for a received track.
    pub(crate) fn peer(&self) -> Option<&PeerId> {
        match self {
            Track::Remote { peer, .. } => Some(peer),
            _ => None,
        }
    }

    /// The id the outside world knows it by.
    pub(crate) fn id(&self) -> TrackId {
        TrackId(self.to_string())
    }
}

fn kind_name(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
    }
}

impl fmt::Display for Track {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Track::SelfView => f.write_str(SELF_VIEW_TRACK),
            Track::Capture => f.write_str(CAPTURE_TRACK),
            Track::ScreenPreview => f.write_str(SCREEN_PREVIEW_TRACK),
            Track::Remote { peer, kind } => write!(f, "{peer}:{}", kind_name(*kind)),
        }
    }
}

/// A track id that names no track of the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a track of the engine")]
pub(crate) struct UnknownTrack(String);

impl FromStr for Track {
    type Err = UnknownTrack;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            SELF_VIEW_TRACK => return Ok(Track::SelfView),
            CAPTURE_TRACK => return Ok(Track::Capture),
            SCREEN_PREVIEW_TRACK => return Ok(Track::ScreenPreview),
            _ => {}
        }
        let kind = match s.rsplit_once(':') {
            Some((peer, "video")) => Some((peer, MediaKind::Video)),
            Some((peer, "audio")) => Some((peer, MediaKind::Audio)),
            _ => None,
        };
        match kind {
            Some((peer, kind)) if !peer.is_empty() => Ok(Track::Remote {
                peer: PeerId(peer.to_owned()),
                kind,
            }),
            _ => Err(UnknownTrack(s.to_owned())),
        }
    }
}

impl TryFrom<&TrackId> for Track {
    type Error = UnknownTrack;

    fn try_from(id: &TrackId) -> Result<Self, Self::Error> {
        id.as_str().parse()
    }
}

impl TrackId {
    /// The track of `kind` that `peer` sends.
    pub fn remote(peer: &PeerId, kind: MediaKind) -> TrackId {
        Track::Remote {
            peer: peer.clone(),
            kind,
        }
        .id()
    }

    /// Whose picture or sound it is; `None` for an id the engine never gives.
    pub fn origin(&self) -> Option<TrackOrigin> {
        match Track::try_from(self).ok()? {
            Track::SelfView | Track::Capture => Some(TrackOrigin::Local(Source::Camera)),
            Track::ScreenPreview => Some(TrackOrigin::Local(Source::Screen)),
            Track::Remote { peer, kind } => {
                let (participant, source) = peer.origin()?;
                Some(TrackOrigin::Remote {
                    participant,
                    source,
                    kind,
                })
            }
        }
    }
}

/// What every element of `peer`'s connection (its `webrtcbin`, its sending
/// and receiving branches) is named after: `mulaqat-<peer>`, the id made
/// safe for element names.
pub(crate) fn peer_tag(peer: &PeerId) -> String {
    let safe: String = peer
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("mulaqat-{safe}")
}

#[cfg(test)]
mod tests;
