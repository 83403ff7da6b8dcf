use super::*;

/// A second of `n` packets, every `lose_every`-th lost, the others taking
/// `delay` ms on the clocks.
fn second(w: &mut Window, n: u32, lose_every: u32, delay: f64) -> Option<Feedback> {
    for i in 0..n {
        w.add((lose_every == 0 || (i + 1) % lose_every != 0).then_some(delay));
    }
    w.close()
}

#[test]
fn nothing_reported_is_no_second() {
    assert_eq!(Window::default().close(), None);
}

#[test]
fn loss_is_the_share_reported_lost_and_a_steady_delay_is_no_queue() {
    let mut w = Window::default();
    // The clocks' offset is large and unknown: only changes count.
    let first = second(&mut w, 100, 10, 5_000.0).expect("a second");
    assert!((first.loss - 0.1).abs() < 1e-9);
    assert_eq!(first.queue_ms, 0.0);
    let next = second(&mut w, 100, 0, 5_001.0).expect("a second");
    assert_eq!(next.loss, 0.0);
    assert!((next.queue_ms - 1.0).abs() < 1e-9);
}

#[test]
fn a_growing_delay_is_a_queue() {
    let mut w = Window::default();
    second(&mut w, 50, 0, 200.0);
    let queued = second(&mut w, 50, 20, 290.0).expect("a second");
    assert!((queued.queue_ms - 90.0).abs() < 1e-9);
}

#[test]
fn the_shortest_delay_is_forgotten_after_its_window() {
    let mut w = Window::default();
    second(&mut w, 10, 0, 100.0);
    for _ in 0..SHORTEST_FOR {
        second(&mut w, 10, 0, 180.0);
    }
    let now = second(&mut w, 10, 0, 180.0).expect("a second");
    assert_eq!(now.queue_ms, 0.0, "a new path's delay is its own shortest");
}

#[test]
fn a_second_with_everything_lost_has_no_queue() {
    let mut w = Window::default();
    second(&mut w, 10, 0, 100.0);
    let lost = second(&mut w, 10, 1, 100.0).expect("a second");
    assert_eq!(lost.loss, 1.0);
    assert_eq!(lost.queue_ms, 0.0);
}

#[test]
fn jitter_is_no_queue_and_a_standing_queue_is() {
    let mut w = Window::default();
    // 40 ± 30 ms, spread over the second: some packets come quickly.
    let mut jittered = None;
    for _ in 0..5 {
        for i in 0..60_u32 {
            w.add(Some(1_000.0 + 10.0 + f64::from(i % 61)));
        }
        jittered = w.close();
    }
    let jittered = jittered.expect("a second");
    assert!(jittered.queue_ms < 10.0, "{jittered:?}");
    // The same spread on top of a 60 ms queue that never drains.
    for i in 0..60_u32 {
        w.add(Some(1_000.0 + 70.0 + f64::from(i % 61)));
    }
    let queued = w.close().expect("a second");
    assert!(queued.queue_ms >= 60.0, "{queued:?}");
}
