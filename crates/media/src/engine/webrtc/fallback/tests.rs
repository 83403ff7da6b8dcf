use super::*;

fn run(guard: &mut AudioOnlyGuard, kbps: Option<u32>, seconds: u32) -> Vec<(u32, Fallback)> {
    (1..=seconds)
        .filter_map(|s| guard.tick(kbps).map(|f| (s, f)))
        .collect()
}

/// Ticks until the first change, at most `seconds` times.
fn until_change(
    guard: &mut AudioOnlyGuard,
    kbps: Option<u32>,
    seconds: u32,
) -> Option<(u32, Fallback)> {
    (1..=seconds).find_map(|s| guard.tick(kbps).map(|f| (s, f)))
}

#[test]
fn a_good_link_or_no_estimate_never_falls_back() {
    let mut g = AudioOnlyGuard::default();
    assert!(run(&mut g, Some(2_000), 300).is_empty());
    assert!(run(&mut g, None, 300).is_empty());
    assert!(!g.audio_only());
}

#[test]
fn a_starved_link_stops_video_after_five_seconds_and_says_why() {
    let mut g = AudioOnlyGuard::default();
    let changes = run(&mut g, Some(MIN_VIDEO_KBPS), 10);
    assert_eq!(changes.len(), 1, "{changes:?}");
    let (at, change) = &changes[0];
    assert_eq!(*at, ENTER_AFTER_SECONDS);
    let Fallback::AudioOnly(reason) = change else {
        panic!("{change:?}")
    };
    assert!(
        reason.contains(&format!("{ENTER_BELOW_KBPS} kbit/s")) && reason.contains("only audio"),
        "{reason}"
    );
    assert!(g.audio_only());
}

#[test]
fn a_short_dip_does_not_stop_video() {
    let mut g = AudioOnlyGuard::default();
    assert!(run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS - 1).is_empty());
    assert!(run(&mut g, Some(500), 1).is_empty());
    assert!(run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS - 1).is_empty());
    assert!(!g.audio_only());
}

#[test]
fn video_comes_back_at_once_when_the_estimate_recovers() {
    let mut g = AudioOnlyGuard::default();
    run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS);
    let changes = run(&mut g, Some(LEAVE_ABOVE_KBPS), 1);
    assert!(
        matches!(&changes[..], [(1, Fallback::Video(r))] if r.contains("improved")),
        "{changes:?}"
    );
    assert!(!g.audio_only());
}

#[test]
fn video_is_tried_again_with_growing_waits_while_the_link_stays_poor() {
    let mut g = AudioOnlyGuard::default();
    run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS);
    let mut waits = Vec::new();
    for _ in 0..5 {
        // Audio-only until the try...
        let (at, change) =
            until_change(&mut g, Some(MIN_VIDEO_KBPS), MAX_RETRY_SECONDS).expect("a try");
        assert_eq!(change, Fallback::Video("trying video again".into()));
        waits.push(at);
        // ...which fails again after the usual five seconds.
        let again = until_change(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS);
        assert!(
            matches!(again, Some((ENTER_AFTER_SECONDS, Fallback::AudioOnly(_)))),
            "{again:?}"
        );
    }
    assert_eq!(waits, [20, 40, 80, 160, 160]);
}

#[test]
fn after_video_holds_a_minute_the_next_fall_waits_the_shortest_time() {
    let mut g = AudioOnlyGuard::default();
    run(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS);
    // Tried after 20 s (the next wait would be 40 s), and video holds.
    until_change(&mut g, Some(MIN_VIDEO_KBPS), FIRST_RETRY_SECONDS).expect("a try");
    assert!(run(&mut g, Some(1_000), HELD_SECONDS).is_empty());
    until_change(&mut g, Some(MIN_VIDEO_KBPS), ENTER_AFTER_SECONDS).expect("audio only");
    let next = until_change(&mut g, Some(MIN_VIDEO_KBPS), MAX_RETRY_SECONDS);
    assert_eq!(next.map(|c| c.0), Some(FIRST_RETRY_SECONDS));
}
