//! End-to-end calls between real processes across network namespaces
//! (issues #4 and #8): the scenarios of `mulaqat-lab` that CI runs, one test
//! each. `cargo xtask lab list` and `cargo xtask lab run NAME` run them (and
//! the longer ones CI leaves out) by hand, with a JSON verdict.
//!
//! ```text
//! cargo test -p mulaqat-cli --test netns
//! ```
//! Needs root, iproute2, nftables, tc and coturn (`turnserver`). Without
//! them the tests say why and pass as skipped, unless `CI` is set: then
//! they fail. The scenarios take turns (they encode and decode real video,
//! and this machine has two cores). A failing scenario keeps its folder
//! (processes' logs, configs, stats files) and prints where it is.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::OnceLock;

use mulaqat_lab::{Bins, SCENARIOS, netns};

fn bins() -> &'static Bins {
    static BINS: OnceLock<Bins> = OnceLock::new();
    BINS.get_or_init(|| Bins::locate(env!("CARGO_BIN_EXE_mulaqat-cli")))
}

/// Runs the lab's scenario `name` and fails with its verdict when it fails.
fn scenario(name: &str) {
    let scenario = mulaqat_lab::find(name).expect("a scenario of that name");
    if !netns::available(name, scenario.tools) {
        return;
    }
    let verdict = mulaqat_lab::run(scenario, bins());
    let mut json = verdict.to_json();
    if let Some(map) = json.as_object_mut() {
        map.remove("failure");
    }
    eprintln!("{json}");
    assert!(
        verdict.passed,
        "scenario {name} failed: {}",
        verdict.failure.unwrap_or_default()
    );
}

/// The tests below, by scenario name.
const TESTED: &[&str] = &[
    "three-participants",
    "lobby-station",
    "relay-only",
    "loss-5",
    "loss-10",
    "loss-20",
    "loss-cap-jitter",
    "bandwidth-step",
    "delay-turn",
    "udp-blocked",
    "link-down-5s",
    "link-down-60s",
    "server-restart",
    "loss-5-capped",
];

#[test]
fn every_scenario_ci_runs_has_a_test_here() {
    for s in SCENARIOS.iter().filter(|s| s.in_ci) {
        assert!(
            TESTED.contains(&s.name),
            "scenario {} runs in CI but has no test in tests/netns/main.rs",
            s.name
        );
    }
    for name in TESTED {
        assert!(mulaqat_lab::find(name).is_some(), "no scenario {name}");
    }
}

#[test]
fn three_participants() {
    scenario("three-participants");
}

#[test]
fn lobby_station() {
    scenario("lobby-station");
}

#[test]
fn relay_only() {
    scenario("relay-only");
}

#[test]
fn loss_5() {
    scenario("loss-5");
}

#[test]
fn loss_10() {
    scenario("loss-10");
}

#[test]
fn loss_20() {
    scenario("loss-20");
}

#[test]
fn loss_cap_jitter() {
    scenario("loss-cap-jitter");
}

#[test]
fn bandwidth_step() {
    scenario("bandwidth-step");
}

#[test]
fn delay_turn() {
    scenario("delay-turn");
}

#[test]
fn udp_blocked() {
    scenario("udp-blocked");
}

#[test]
fn link_down_5s() {
    scenario("link-down-5s");
}

#[test]
fn link_down_60s() {
    scenario("link-down-60s");
}

#[test]
fn server_restart() {
    scenario("server-restart");
}

#[test]
fn loss_5_capped() {
    scenario("loss-5-capped");
}
