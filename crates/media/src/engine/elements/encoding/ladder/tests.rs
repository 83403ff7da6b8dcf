use super::*;

fn shown(step: Step) -> String {
    step.to_string()
}

/// Follows `kbps` until the ladder stops moving; the steps it went through.
fn settle(ladder: &mut Ladder, kbps: u32) -> Vec<String> {
    std::iter::from_fn(|| ladder.follow(kbps))
        .map(shown)
        .take(20)
        .collect()
}

#[test]
fn a_falling_estimate_lowers_size_then_rate_down_to_180p_at_10_fps() {
    let mut l = Ladder::camera(Quality::P720, 30);
    assert_eq!(shown(l.step()), "1280x720@30");
    assert_eq!(settle(&mut l, 900), ["640x360@30"]);
    assert_eq!(settle(&mut l, 420), ["640x360@15"]);
    assert_eq!(settle(&mut l, 250), ["426x240@15"]);
    assert_eq!(settle(&mut l, 150), ["320x180@15"]);
    assert_eq!(settle(&mut l, 100), ["320x180@10"]);
    assert_eq!(
        settle(&mut l, 10),
        Vec::<String>::new(),
        "180p10 is the floor"
    );
}

#[test]
fn a_rising_estimate_climbs_back_one_rung_at_a_time_never_past_the_quality() {
    let mut l = Ladder::camera(Quality::P720, 30);
    settle(&mut l, 50);
    assert_eq!(shown(l.step()), "320x180@10");
    assert_eq!(
        settle(&mut l, 50_000),
        [
            "320x180@15",
            "426x240@15",
            "640x360@15",
            "640x360@30",
            "1280x720@30"
        ]
    );
}

#[test]
fn an_estimate_between_two_thresholds_keeps_the_rung() {
    // 360p at 30 fps is left under 450 and entered over 600: 500 keeps
    // whichever it is on, so a wobbling estimate does not flap.
    let mut l = Ladder::camera(Quality::P360, 30);
    assert_eq!(l.follow(500), None);
    settle(&mut l, 420);
    assert_eq!(shown(l.step()), "640x360@15");
    assert_eq!(l.follow(500), None);
    assert_eq!(l.follow(601).map(shown).as_deref(), Some("640x360@30"));
}

#[test]
fn every_rung_is_entered_above_where_it_is_left() {
    for pair in RUNGS.windows(2) {
        assert!(
            pair[1].up_above_kbps > pair[1].down_below_kbps,
            "{pair:?}: no hysteresis"
        );
        assert!(
            pair[1].up_above_kbps > pair[0].down_below_kbps,
            "{pair:?}: the way up crosses the way down"
        );
        assert!(
            pair[1].width * pair[1].height * pair[1].fps.unwrap_or(30)
                > pair[0].width * pair[0].height * pair[0].fps.unwrap_or(30),
            "{pair:?}: each rung sends more pixels a second than the one below"
        );
    }
}

#[test]
fn the_rungs_never_ask_more_frames_than_the_call_was_set_up_with() {
    let mut l = Ladder::camera(Quality::P360, 12);
    assert_eq!(shown(l.step()), "640x360@12");
    assert_eq!(settle(&mut l, 420), ["640x360@12"], "15 fps capped at 12");
    assert_eq!(
        settle(&mut l, 100),
        ["426x240@12", "320x180@12", "320x180@10"]
    );
}

#[test]
fn a_screen_stays_at_360p_or_more() {
    let mut l = Ladder::screen(Quality::P1080, 15);
    assert_eq!(settle(&mut l, 50), ["1280x720@15", "640x360@15"]);
    assert_eq!(shown(l.step()), "640x360@15");
}

#[test]
fn the_cpu_cap_holds_against_a_generous_estimate() {
    let mut l = Ladder::camera(Quality::P1080, 30);
    assert_eq!(
        l.step_down_for_cpu().map(shown).as_deref(),
        Some("1280x720@30")
    );
    assert_eq!(settle(&mut l, 50_000), Vec::<String>::new());
    settle(&mut l, 900);
    assert_eq!(settle(&mut l, 50_000), ["1280x720@30"]);
    let mut at_360 = Ladder::camera(Quality::P360, 30);
    assert_eq!(
        at_360.step_down_for_cpu(),
        None,
        "a busy machine does not take 360p's frame rate"
    );
    settle(&mut at_360, 50);
    assert_eq!(at_360.step_down_for_cpu(), None, "nor anything under it");
}
