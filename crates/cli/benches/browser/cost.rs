//! What a participant costs in CPU and memory: a participant is a process
//! and every process below it (Chromium's browser, zygotes, renderer, GPU
//! and utility processes; `mulaqat-cli` alone), as `mulaqat_lab::measure`
//! reads them from `/proc`.

use std::collections::HashMap;
use std::time::Instant;

use mulaqat_lab::measure;

/// CPU ticks of each participant's processes at one moment.
#[derive(Debug)]
pub struct Snapshot {
    at: Instant,
    /// Per root: (pid, start) to ticks.
    trees: Vec<HashMap<(u32, u64), u64>>,
}

impl Snapshot {
    pub fn take(roots: &[u32]) -> Snapshot {
        let all = measure::processes();
        Snapshot {
            at: Instant::now(),
            trees: roots
                .iter()
                .map(|root| {
                    measure::tree_in(*root, &all)
                        .iter()
                        .map(|s| ((s.pid, s.start), s.ticks))
                        .collect()
                })
                .collect(),
        }
    }

    /// Each participant's CPU between `earlier` and this snapshot, as a share
    /// of one core (%). A process that started in between counts from zero;
    /// one that ended in between is lost (none should, in a steady call).
    pub fn cpu_since(&self, earlier: &Snapshot) -> Vec<f64> {
        let seconds = self.at.duration_since(earlier.at).as_secs_f64().max(1e-3);
        let hz = measure::clock_ticks();
        self.trees
            .iter()
            .zip(&earlier.trees)
            .map(|(now, before)| {
                let ticks: u64 = now
                    .iter()
                    .map(|(key, t)| t.saturating_sub(before.get(key).copied().unwrap_or(0)))
                    .sum();
                ticks as f64 / hz / seconds * 100.0
            })
            .collect()
    }

    /// How many processes each participant had.
    pub fn processes(&self) -> Vec<usize> {
        self.trees.iter().map(HashMap::len).collect()
    }
}

/// Resident memory of a participant's processes, MiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Sum of RSS: pages shared between the processes count once per process.
    pub rss_mib: f64,
    /// Sum of PSS: each shared page divided among the processes that map
    /// it, so the instance's fair share.
    pub pss_mib: f64,
}

/// RSS and PSS of `root` and every process below it.
pub fn memory(root: u32) -> Memory {
    let mut total = Memory::default();
    for pid in measure::tree(root) {
        total.rss_mib += measure::rss_kib(pid).unwrap_or(0) as f64 / 1024.0;
        total.pss_mib += measure::pss_kib(pid).unwrap_or(0) as f64 / 1024.0;
    }
    total
}
