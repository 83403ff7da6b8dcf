use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_video_with_no_frame_yet_asks_once_a_second() {
    let start = Instant::now();
    assert!(should_ask(0, (None, None), start));
    assert!(!should_ask(0, (None, Some(start)), start + ms(250)));
    assert!(!should_ask(0, (None, Some(start)), start + ms(750)));
    assert!(should_ask(0, (None, Some(start)), start + ms(1000)));
}

#[test]
fn a_stall_is_asked_for_within_a_second_and_a_flowing_video_never() {
    let start = Instant::now();
    let last = Some(start);
    for gap in [33, 100, 500] {
        assert!(!should_ask(90, (last, None), start + ms(gap)), "{gap} ms");
    }
    assert!(should_ask(90, (last, None), start + ms(600)));
    // Asked 700 ms ago for an earlier stall: not again yet.
    assert!(!should_ask(
        90,
        (last, Some(start + ms(100))),
        start + ms(800)
    ));
    assert!(should_ask(
        90,
        (last, Some(start + ms(100))),
        start + ms(1100)
    ));
}
