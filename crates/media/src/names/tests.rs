use super::*;
use crate::types::TrackId;

#[test]
fn every_peer_name_reads_back_as_itself() {
    let names = [
        PeerName::Participant("p-2".into()),
        PeerName::ParticipantScreen("p-2".into()),
        PeerName::Publication(Source::Camera),
        PeerName::Publication(Source::Screen),
    ];
    for name in names {
        let id = PeerId::from(&name);
        assert_eq!(id.name(), Ok(name.clone()), "{id}");
    }
    assert_eq!(
        PeerId::from(PeerName::ParticipantScreen("p-2".into())).as_str(),
        "p-2/screen"
    );
    assert_eq!(
        PeerId::from(PeerName::Publication(Source::Camera)).as_str(),
        "sfu:camera"
    );
}

#[test]
fn names_no_call_gives_are_refused() {
    for bad in ["", "/screen", "sfu:", "sfu:microphone"] {
        assert!(PeerId(bad.into()).name().is_err(), "{bad:?}");
    }
}

#[test]
fn a_peer_says_whose_media_it_carries() {
    assert_eq!(
        PeerId("p-2/screen".into()).origin(),
        Some(("p-2".into(), Source::Screen))
    );
    assert_eq!(
        PeerId("p-2".into()).origin(),
        Some(("p-2".into(), Source::Camera))
    );
    assert_eq!(PeerId("sfu:screen".into()).origin(), None);
}

#[test]
fn a_track_says_whose_picture_it_is() {
    let screen = TrackId::remote(
        &PeerName::ParticipantScreen("p-2".into()).into(),
        MediaKind::Video,
    );
    assert_eq!(screen.as_str(), "p-2/screen:video");
    assert_eq!(
        screen.origin(),
        Some(TrackOrigin::Remote {
            participant: "p-2".into(),
            source: Source::Screen,
            kind: MediaKind::Video,
        })
    );
    assert_eq!(
        TrackId("p-3:audio".into()).origin(),
        Some(TrackOrigin::Remote {
            participant: "p-3".into(),
            source: Source::Camera,
            kind: MediaKind::Audio,
        })
    );
    assert_eq!(
        TrackId(crate::SCREEN_PREVIEW_TRACK.into()).origin(),
        Some(TrackOrigin::Local(Source::Screen))
    );
    assert_eq!(
        TrackId(crate::SELF_VIEW_TRACK.into()).origin(),
        Some(TrackOrigin::Local(Source::Camera))
    );
    assert_eq!(TrackId("sfu:camera:video".into()).origin(), None);
    assert_eq!(TrackId("nonsense".into()).origin(), None);
}
