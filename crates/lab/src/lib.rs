//! The network lab: real `mulaqat-server`, `mulaqat-cli` and coturn
//! processes in network namespaces linked by veth, with the link between
//! them shaped (tbf), lossy (nftables ingress), delayed (`mulaqat-netsim`)
//! or down, and the scenarios that prove a call survives it.
//!
//! ```text
//! cargo xtask lab list               # the scenarios, one a line
//! cargo xtask lab run loss-5         # runs one; the last line is its JSON verdict
//! cargo test -p mulaqat-cli --test netns   # the scenarios CI runs, one test each
//! ```
//!
//! A scenario is a function that drives a lab and returns its figures; a
//! failed expectation inside it is a panic with a message that says what
//! was expected and shows the processes' output. [`run`] turns either into
//! a [`Verdict`], and the lab's namespaces and processes are gone by then
//! (its `Drop`, which also runs while unwinding). The lab needs root; [`check`]
//! says what is missing.
//!
//! Panics are this crate's way of failing a scenario (as in a test), so
//! `unwrap` and `expect` are allowed here: every one of them is a step of a
//! scenario that cannot go on without it.

#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod coturn;
pub mod janus;
pub mod measure;
pub mod netns;
pub mod netsim;
pub mod procs;
mod scenarios;

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Map, Value, json};

pub use procs::Bins;
pub use scenarios::SCENARIOS;

/// A scenario's measured figures (name to number, text or list), in its verdict.
pub type Figures = Map<String, Value>;

/// One scenario of the lab.
#[derive(Debug)]
pub struct Scenario {
    /// Its name on the command line (`loss-5`).
    pub name: &'static str,
    /// What it shows, in one line.
    pub about: &'static str,
    /// Whether CI runs it (the soak is a separate, longer command).
    pub in_ci: bool,
    /// Programs it needs besides `ip` (`turnserver`, `nft`, `tc`).
    pub tools: &'static [&'static str],
    run: fn(&Bins) -> Figures,
}

/// The outcome of one scenario, printed as one JSON line.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The scenario's name.
    pub scenario: String,
    /// Whether every expectation held.
    pub passed: bool,
    /// Wall time, seconds.
    pub seconds: f64,
    /// What failed, with the processes' output (none when passed).
    pub failure: Option<String>,
    /// What it measured.
    pub figures: Figures,
}

impl Verdict {
    /// `{"scenario": ..., "passed": ..., "seconds": ..., ...figures, "failure": ...}`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("scenario".into(), json!(self.scenario));
        out.insert("passed".into(), json!(self.passed));
        out.insert(
            "seconds".into(),
            json!((self.seconds * 10.0).round() / 10.0),
        );
        for (k, v) in &self.figures {
            out.insert(k.clone(), v.clone());
        }
        if let Some(failure) = &self.failure {
            out.insert("failure".into(), json!(failure));
        }
        Value::Object(out)
    }
}

/// The scenario called `name`.
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// What this machine lacks to run `scenario` (root, `ip`, its tools), or
/// `None` when it can run.
pub fn check(scenario: &Scenario) -> Option<String> {
    netns::missing(scenario.tools)
}

/// Scenarios take turns: they encode and decode real video on two cores.
static TURN: Mutex<()> = Mutex::new(());

/// Runs `scenario` (waiting for any other to finish first). Call [`check`]
/// first: without root it fails at its first namespace.
pub fn run(scenario: &Scenario, bins: &Bins) -> Verdict {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| (scenario.run)(bins)));
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(figures) => Verdict {
            scenario: scenario.name.to_owned(),
            passed: true,
            seconds,
            failure: None,
            figures,
        },
        Err(payload) => {
            let failure = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "the scenario failed without a message".to_owned());
            Verdict {
                scenario: scenario.name.to_owned(),
                passed: false,
                seconds,
                failure: Some(failure),
                figures: Figures::new(),
            }
        }
    }
}

/// Figures from `(name, value)` pairs.
pub(crate) fn figures<const N: usize>(pairs: [(&str, Value); N]) -> Figures {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
