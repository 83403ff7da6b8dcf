use super::*;

#[test]
fn retransmission_streams_do_not_hide_the_media_stream() {
    let peer = PeerId("p-2".into());
    let streams = vec![
        (peer.clone(), MediaKind::Video, 5_000u64),
        (peer.clone(), MediaKind::Video, 56),
        (peer.clone(), MediaKind::Audio, 900),
        (PeerId("p-3".into()), MediaKind::Video, 4_000),
    ];
    let kept = main_streams(streams, |s| (s.0.clone(), s.1), |s| s.2);
    assert_eq!(kept.len(), 3);
    assert!(kept.contains(&(peer.clone(), MediaKind::Video, 5_000)));
    let rtx_first = vec![
        (peer.clone(), MediaKind::Video, 56u64),
        (peer.clone(), MediaKind::Video, 5_000),
    ];
    let kept = main_streams(rtx_first, |s| (s.0.clone(), s.1), |s| s.2);
    assert_eq!(kept, [(peer, MediaKind::Video, 5_000)]);
}
