use super::*;

fn fed(loss: f64, queue_ms: f64) -> Option<Feedback> {
    Some(Feedback { loss, queue_ms })
}

#[test]
fn random_loss_holds_the_rate_the_link_carried_less_the_share_lost() {
    let mut g = RandomLoss::default();
    for _ in 0..5 {
        assert_eq!(g.tick(1200, fed(0.0, 2.0)), None);
    }
    // The controller slides down under 10% loss; nothing queues.
    assert_eq!(g.tick(900, fed(0.1, 3.0)), Some(1080));
    assert_eq!(g.tick(300, fed(0.12, 1.0)), Some(1056));
    assert_eq!(g.tick(1100, fed(0.1, 2.0)), None, "above the hold");
    assert_eq!(g.tick(300, None), None, "no feedback this second");
}

#[test]
fn a_queue_is_congestion_and_nothing_is_held() {
    let mut g = RandomLoss::default();
    g.tick(1200, fed(0.0, 2.0));
    assert_eq!(g.tick(600, fed(0.08, 80.0)), None);
    // What it carried before is stale after congestion, even once the
    // queue drains.
    assert_eq!(g.tick(300, fed(0.08, 2.0)), None);
    g.tick(500, fed(0.0, 2.0));
    assert_eq!(g.tick(200, fed(0.1, 2.0)), Some(450));
}

#[test]
fn a_failing_link_is_not_held() {
    let mut g = RandomLoss::default();
    g.tick(1200, fed(0.0, 2.0));
    assert_eq!(g.tick(300, fed(0.4, 0.0)), None, "40% is not bad luck");
    assert_eq!(
        RandomLoss::default().tick(300, fed(0.1, 0.0)),
        None,
        "no rate known"
    );
}

#[test]
fn a_link_lossy_from_the_start_holds_the_starting_rate() {
    let mut g = RandomLoss::starting_at(600);
    assert_eq!(g.tick(600, fed(0.1, 1.0)), None, "not under the hold yet");
    assert_eq!(g.tick(300, fed(0.1, 1.0)), Some(540));
}
