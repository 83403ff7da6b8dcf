use super::*;

fn remote(peer: &str, kind: MediaKind) -> Track {
    Track::Remote {
        peer: PeerId(peer.to_owned()),
        kind,
    }
}

#[test]
fn every_track_reads_back_as_it_is_written() {
    let tracks = [
        Track::SelfView,
        Track::Capture,
        Track::ScreenPreview,
        remote("p-2", MediaKind::Video),
        remote("p-2", MediaKind::Audio),
        remote("p-2/screen", MediaKind::Video),
        remote("sfu:camera", MediaKind::Audio),
        remote("local", MediaKind::Video),
    ];
    for track in tracks {
        let text = track.to_string();
        assert_eq!(text.parse::<Track>(), Ok(track.clone()), "{text}");
        assert_eq!(Track::try_from(&track.id()), Ok(track));
    }
}

#[test]
fn track_ids_stay_what_the_outside_world_reads() {
    assert_eq!(Track::SelfView.to_string(), crate::SELF_VIEW_TRACK);
    assert_eq!(Track::Capture.to_string(), crate::CAPTURE_TRACK);
    assert_eq!(
        Track::ScreenPreview.to_string(),
        crate::SCREEN_PREVIEW_TRACK
    );
    assert_eq!(remote("p-2", MediaKind::Video).to_string(), "p-2:video");
    assert_eq!(remote("b", MediaKind::Audio).to_string(), "b:audio");
    assert_eq!(
        remote("p-2/screen", MediaKind::Video).to_string(),
        "p-2/screen:video"
    );
}

#[test]
fn ids_that_name_no_track_are_refused() {
    for text in [
        "",
        "local",
        "p-2",
        "p-2:",
        ":video",
        "p-2:screen",
        "local:mic",
    ] {
        assert!(text.parse::<Track>().is_err(), "{text}");
    }
}

#[test]
fn a_peer_tag_is_safe_for_element_names() {
    assert_eq!(peer_tag(&PeerId("b".into())), "mulaqat-b");
    assert_eq!(peer_tag(&PeerId("p-2/screen".into())), "mulaqat-p-2_screen");
    assert_eq!(peer_tag(&PeerId("sfu:camera".into())), "mulaqat-sfu_camera");
}

#[test]
fn roles_say_what_a_connection_sends() {
    assert_eq!(Role::Mesh.sends(), Some(Source::Camera));
    assert_eq!(
        Role::Publication(Source::Screen).sends(),
        Some(Source::Screen)
    );
    assert_eq!(Role::Subscription.sends(), None);
    assert!(Role::Publication(Source::Camera).send_only());
    assert!(!Role::Mesh.send_only() && !Role::Subscription.send_only());
}
