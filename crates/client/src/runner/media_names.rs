//! The media engine's words for the protocol's values: peers named with
//! [`PeerName`], ICE servers and candidates, codecs.

use mulaqat_media::{PeerId, PeerName};
use mulaqat_protocol::{IceCandidate, IceServer, ParticipantId, SfuPublication, VideoCodec};

/// What a publication or a feed shows, in the media engine's words.
fn media_source(publication: SfuPublication) -> mulaqat_media::Source {
    match publication {
        SfuPublication::Camera => mulaqat_media::Source::Camera,
        SfuPublication::Screen => mulaqat_media::Source::Screen,
    }
}

/// The engine peer of a publication (`sfu:camera`, see [`PeerName`]).
pub(super) fn publication_peer(publication: SfuPublication) -> PeerId {
    PeerName::Publication(media_source(publication)).into()
}

pub(super) fn media_ice(servers: &[IceServer]) -> Vec<mulaqat_media::IceServer> {
    servers
        .iter()
        .map(|s| mulaqat_media::IceServer {
            urls: s.urls.clone(),
            username: s.username.clone(),
            credential: s.credential.clone(),
        })
        .collect()
}

/// The video codecs this machine decodes, as told to the server in `join`;
/// `None` when GStreamer cannot start (the media engine then says why).
pub fn decodable_codecs() -> Option<Vec<VideoCodec>> {
    let codecs = mulaqat_media::decodable_codecs().ok()?;
    let ours = codecs.into_iter().filter_map(|codec| match codec {
        mulaqat_media::VideoCodec::H264 => Some(VideoCodec::H264),
        mulaqat_media::VideoCodec::Vp8 => Some(VideoCodec::Vp8),
        _ => None,
    });
    Some(ours.collect())
}

/// The media engine's name for a codec of the protocol.
pub(super) fn media_codec(codec: VideoCodec) -> mulaqat_media::VideoCodec {
    match codec {
        VideoCodec::Vp8 => mulaqat_media::VideoCodec::Vp8,
        _ => mulaqat_media::VideoCodec::H264,
    }
}

pub(super) fn peer_id(p: &ParticipantId) -> PeerId {
    PeerName::Participant(p.as_str().to_owned()).into()
}

/// The engine peer of a subscription: a camera feed is named after its
/// participant, as a mesh peer is (so its tracks are the same), a screen
/// feed is the participant's screen (see [`PeerName`]).
pub(super) fn subscription_peer(feed: &ParticipantId, publication: SfuPublication) -> PeerId {
    let participant = feed.as_str().to_owned();
    match publication {
        SfuPublication::Camera => PeerName::Participant(participant).into(),
        SfuPublication::Screen => PeerName::ParticipantScreen(participant).into(),
    }
}

pub(super) fn engine_candidate(candidate: IceCandidate) -> mulaqat_media::IceCandidate {
    mulaqat_media::IceCandidate {
        sdp_m_line_index: candidate.sdp_m_line_index.unwrap_or(0),
        candidate: candidate.candidate,
    }
}
