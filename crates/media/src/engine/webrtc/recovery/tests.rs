use super::*;

/// A controller on a link of `link_kbps`, starting at `estimate`: it
/// takes a probe's rate, climbs `climb` kbit/s a second, and falls to
/// 85% of the link when it goes past it. Runs for `seconds` on a clean
/// link; returns the estimates and the seconds at which probes came.
fn simulate(
    r: &mut Recovery,
    (link_kbps, mut estimate, climb): (u32, u32, u32),
    seconds: u32,
) -> (Vec<u32>, Vec<u32>) {
    let (mut seen, mut probes) = (Vec::new(), Vec::new());
    for second in 0..seconds {
        seen.push(estimate);
        if let Some(to) = r.tick(estimate, Some(0.0)) {
            assert!(to > estimate, "a probe goes up: {to} from {estimate}");
            probes.push(second);
            estimate = to;
        }
        estimate = if estimate > link_kbps {
            link_kbps * 85 / 100
        } else {
            estimate + climb
        };
    }
    (seen, probes)
}

#[test]
fn a_steady_or_freshly_climbing_link_is_never_probed() {
    let mut r = Recovery::default();
    let (_, probes) = simulate(&mut r, (2_000, 1_200, 0), 60);
    assert!(probes.is_empty(), "{probes:?}");
    // A call that starts low and climbs has nothing to get back to.
    let mut r = Recovery::default();
    let (_, probes) = simulate(&mut r, (2_000, 300, 40), 30);
    assert!(probes.is_empty(), "{probes:?}");
}

#[test]
fn after_a_bottleneck_the_rate_is_back_to_80_percent_within_30_seconds() {
    let mut r = Recovery::default();
    simulate(&mut r, (2_000, 1_200, 0), 10);
    simulate(&mut r, (300, 150, 0), 60);
    // The bottleneck goes; the controller alone climbs 5 kbit/s a second.
    let (seen, probes) = simulate(&mut r, (2_000, 150, 5), 40);
    let back = seen.iter().position(|e| *e >= 960);
    assert!(
        back.is_some_and(|s| s <= 30),
        "back after {back:?} s: {seen:?}"
    );
    assert!(seen.iter().all(|e| *e <= 1_200 + 40 * 5), "{seen:?}");
    assert!(probes.len() <= 6, "{probes:?}");
    // Once back, no more probes.
    let (_, probes) = simulate(&mut r, (2_000, 1_200, 0), 30);
    assert!(probes.is_empty(), "{probes:?}");
}

#[test]
fn a_narrow_link_is_probed_less_and_less_often() {
    let mut r = Recovery::default();
    simulate(&mut r, (2_000, 1_200, 0), 10);
    let (_, probes) = simulate(&mut r, (300, 200, 5), 180);
    let gaps: Vec<u32> = probes.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(probes.len() >= 3, "{probes:?}");
    assert!(
        gaps.windows(2).all(|g| g[1] >= g[0]),
        "the waits grow: {gaps:?}"
    );
    assert!(gaps.last().is_some_and(|g| *g >= 24), "{gaps:?}");
}

#[test]
fn loss_holds_probing_back() {
    let mut r = Recovery::default();
    simulate(&mut r, (2_000, 1_200, 0), 10);
    let lossy: Vec<u32> = (0..10)
        .filter_map(|s| r.tick(150 + s * 5, Some(0.05)))
        .collect();
    assert!(lossy.is_empty(), "{lossy:?}");
}

#[test]
fn video_back_after_an_audio_only_spell_is_probed_without_the_old_waits() {
    let mut r = Recovery::default();
    simulate(&mut r, (2_000, 1_200, 0), 10);
    // A minute on a narrow link: the failed probes built a long wait.
    simulate(&mut r, (300, 200, 5), 60);
    assert!(r.backoff >= 24, "{}", r.backoff);
    r.restart();
    // Video comes back at 300 kbit/s on a free link.
    let (seen, _) = simulate(&mut r, (2_000, 300, 5), 20);
    let back = seen.iter().position(|e| *e >= 960);
    assert!(
        back.is_some_and(|s| s <= 15),
        "back after {back:?} s: {seen:?}"
    );
}

#[test]
fn a_link_that_widens_after_failed_probes_is_probed_again_at_once() {
    let mut r = Recovery::default();
    simulate(&mut r, (2_000, 1_200, 0), 10);
    // A link narrower than the probes, the controller creeping up under it.
    let (narrow, _) = simulate(&mut r, (240, 170, 2), 60);
    assert!(r.backoff >= 24, "{}", r.backoff);
    // The bottleneck goes; the controller climbs about 6% a second.
    let start = narrow.last().copied().unwrap_or(170);
    let (seen, _) = simulate(&mut r, (2_000, start, 12), 30);
    let back = seen.iter().position(|e| *e >= 960);
    assert!(
        back.is_some_and(|s| s <= 20),
        "back after {back:?} s: {seen:?}"
    );
}

#[test]
fn a_rate_carried_long_ago_is_forgotten() {
    let mut r = Recovery::default();
    simulate(&mut r, (2_000, 1_200, 0), 10);
    // Ten minutes on a narrow link, the controller bobbing.
    for s in 0..600 {
        r.tick(150 + (s % 2) * 5, Some(0.0));
    }
    let (_, probes) = simulate(&mut r, (2_000, 160, 10), 10);
    assert!(probes.is_empty(), "{probes:?}");
}
