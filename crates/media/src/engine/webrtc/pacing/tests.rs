use super::*;

fn run(h: &mut Headroom, loss: f64, seconds: u32) -> Vec<(u32, u32)> {
    (0..seconds)
        .filter_map(|s| h.tick(Some(loss)).map(|p| (s, p)))
        .collect()
}

#[test]
fn a_clean_link_keeps_the_room() {
    let mut h = Headroom::default();
    assert_eq!(h.percent(), WIDE_PERCENT);
    assert!(run(&mut h, 0.0, 600).is_empty());
    assert!(run(&mut h, 0.015, 60).is_empty(), "1.5% is not enough");
    assert_eq!(h.percent(), WIDE_PERCENT);
}

#[test]
fn loss_takes_the_room_away_at_once_and_keeps_it_away() {
    let mut h = Headroom::default();
    assert_eq!(run(&mut h, 0.05, 120), vec![(0, 100)]);
    assert_eq!(h.percent(), 100);
}

#[test]
fn the_room_comes_back_after_a_clean_spell_longer_each_time() {
    let mut h = Headroom::default();
    let mut spells = Vec::new();
    for _ in 0..6 {
        assert_eq!(run(&mut h, 0.05, 3), vec![(0, 100)]);
        let back = run(&mut h, 0.0, 200);
        spells.push(back.first().map(|(s, _)| s + 1));
    }
    assert_eq!(
        spells,
        [Some(10), Some(20), Some(40), Some(80), Some(160), Some(160)]
    );
}

#[test]
fn no_report_changes_nothing() {
    let mut h = Headroom::default();
    run(&mut h, 0.05, 1);
    assert!((0..100).all(|_| h.tick(None).is_none()));
    assert_eq!(h.percent(), 100);
    // A lossy second in between starts the clean spell again.
    run(&mut h, 0.0, 9);
    run(&mut h, 0.012, 1);
    assert!(run(&mut h, 0.0, 9).is_empty());
    assert_eq!(run(&mut h, 0.0, 1), vec![(0, WIDE_PERCENT)]);
}
