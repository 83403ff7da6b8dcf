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

/// `webrtcbin`'s stats for one sending stream (SSRC 1234) and what the
/// peer's last report block on it said, as `get-stats` gives them.
fn sending_stream(round_trip_secs: f64) -> (gst::Structure, gst::Structure) {
    crate::init().expect("gst");
    let outbound = gst::Structure::builder("application/x-webrtc-stats")
        .field("ssrc", 1234u32)
        .field("remote-id", "rtp-remote-inbound-stream-stats_1234")
        .build();
    let remote = gst::Structure::builder("application/x-webrtc-stats")
        .field("ssrc", 1234u32)
        .field("round-trip-time", round_trip_secs)
        .field("fraction-lost", 0.0f64)
        .build();
    let all = gst::Structure::builder("application/x-webrtc-stats")
        .field("rtp-outbound-stream-stats_1234", outbound.clone())
        .field("rtp-remote-inbound-stream-stats_1234", remote)
        .build();
    (outbound, all)
}

#[test]
fn no_round_trip_is_reported_until_the_peer_echoes_a_sender_report() {
    // The peer's blocks so far carry no sender report of ours to echo;
    // webrtcbin then says 0.
    let (outbound, all) = sending_stream(0.0);
    let unechoed = Received {
        fraction_lost: 0.02,
        rtt_ms: None,
    };
    let reported = HashMap::from([(1234, unechoed)]);
    assert_eq!(peer_figures(&outbound, &all, &reported), (None, Some(0.02)));
    // Nothing from the peer yet.
    assert_eq!(peer_figures(&outbound, &all, &HashMap::new()).0, None);
    // Once it echoes one: the round trip the block gives.
    let echoed = Received {
        rtt_ms: Some(312.5),
        ..unechoed
    };
    let reported = HashMap::from([(1234, echoed)]);
    assert_eq!(
        peer_figures(&outbound, &all, &reported),
        (Some(312.5), Some(0.02))
    );
}
