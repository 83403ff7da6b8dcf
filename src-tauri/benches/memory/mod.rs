//! An app process's memory as the bench's table and JSON show it: RSS,
//! PSS, and PSS split by what backs it (anon, file, GPU/shm: the kinds of
//! [`measure::smaps`], which reads `/proc/PID/smaps`).

use std::path::Path;

use mulaqat_lab::measure::{self, smaps};
use serde_json::{Value, json};

/// How many of a process's largest mappings (by PSS) are kept.
const TOP_MAPPINGS: usize = 8;

/// One process's memory, in KiB.
#[derive(Debug, Clone, Default)]
pub struct ProcessMemory {
    pub pid: u32,
    pub name: String,
    pub rss: f64,
    pub pss: f64,
    pub anon: f64,
    pub file: f64,
    pub gpu_shm: f64,
    pub threads: u32,
    /// The largest mappings by PSS: (what, KiB), grouped by path (anonymous
    /// ones as `[anon]`).
    pub top: Vec<(String, f64)>,
}

/// Reads one process; `None` when it is gone.
pub fn read(pid: u32, name: &str) -> Option<ProcessMemory> {
    let kib = |v: Option<u64>| v.unwrap_or(0) as f64;
    let rss = kib(measure::rss_kib(pid));
    let pss = kib(measure::pss_kib(pid));
    let threads = measure::threads(pid).unwrap_or(0) as u32;
    let split = smaps::read(pid)?;
    Some(ProcessMemory {
        pid,
        name: name.to_owned(),
        rss,
        pss,
        anon: split.anon as f64,
        file: split.file as f64,
        gpu_shm: split.gpu_shm as f64,
        threads,
        top: split
            .by_path
            .into_iter()
            .take(TOP_MAPPINGS)
            .map(|(path, k)| (path, k as f64))
            .collect(),
    })
}

/// One process's PSS in MiB (0 when it is gone).
pub fn pss_mib(pid: u32) -> f64 {
    measure::pss_kib(pid).unwrap_or(0) as f64 / MIB
}

/// Copies every process's `smaps` into `dir` as `<label>-<name>-<pid>.smaps`
/// (for a closer look after the run).
pub fn keep_smaps(dir: &Path, label: &str, processes: &[(u32, String)]) {
    let _ = std::fs::create_dir_all(dir);
    for (pid, name) in processes {
        if let Some(text) = smaps::text(*pid) {
            let _ = std::fs::write(dir.join(format!("{label}-{name}-{pid}.smaps")), text);
        }
    }
}

const MIB: f64 = 1024.0;

impl ProcessMemory {
    pub fn to_json(&self) -> Value {
        json!({
            "pid": self.pid,
            "name": self.name,
            "rssMiB": self.rss / MIB,
            "pssMiB": self.pss / MIB,
            "anonPssMiB": self.anon / MIB,
            "filePssMiB": self.file / MIB,
            "gpuShmPssMiB": self.gpu_shm / MIB,
            "threads": self.threads,
            "topPssMiB": self.top.iter().map(|(p, k)| json!([p, k / MIB])).collect::<Vec<_>>(),
        })
    }

    /// A Markdown table row: `| state | process | RSS | PSS | anon | file | GPU/shm | threads |`.
    pub fn row(&self, state: &str) -> String {
        format!(
            "| {state} | {} | {:.0} MiB | {:.0} MiB | {:.0} MiB | {:.0} MiB | {:.0} MiB | {} |",
            self.name,
            self.rss / MIB,
            self.pss / MIB,
            self.anon / MIB,
            self.file / MIB,
            self.gpu_shm / MIB,
            self.threads
        )
    }
}

/// The header of the per-process table.
pub const TABLE_HEADER: &str = "| state | process | RSS | PSS | anon PSS | file PSS | GPU/shm PSS | threads |\n| --- | --- | --- | --- | --- | --- | --- | --- |";
