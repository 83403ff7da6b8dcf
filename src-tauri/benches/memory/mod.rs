//! Where an app process's memory is, from `/proc/PID/smaps_rollup` (RSS,
//! PSS) and `/proc/PID/smaps` (PSS per mapping, sorted into kinds).
//!
//! The kinds are a rough split by what backs a mapping:
//! - **anon**: the heap and anonymous mappings (malloc arenas, the
//!   JavaScript heap, thread stacks);
//! - **file**: mapped files (libraries and their data, fonts, caches);
//! - **GPU/shm**: shared memory and graphics buffers (`/dev/dri/*`,
//!   `memfd:`, `/dev/shm`, SysV segments, deleted files).

use std::collections::HashMap;
use std::path::Path;

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

/// The mapping kinds of the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Anon,
    File,
    GpuShm,
}

fn kind_of(path: &str) -> Kind {
    let shared = ["/dev/dri/", "/memfd:", "/dev/shm/", "/SYSV", "[drm"];
    if shared.iter().any(|p| path.starts_with(p)) || path.ends_with("(deleted)") {
        Kind::GpuShm
    } else if path.starts_with('/') {
        Kind::File
    } else {
        Kind::Anon
    }
}

/// A mapping's header line (`addr-addr perms offset dev inode [path]`) →
/// its path (empty for anonymous mappings), or `None` for a field line.
fn mapping_path(line: &str) -> Option<&str> {
    let mut fields = line.splitn(6, ' ');
    let range = fields.next()?;
    let (from, to) = range.split_once('-')?;
    if from.is_empty()
        || !from
            .chars()
            .chain(to.chars())
            .all(|c| c.is_ascii_hexdigit())
    {
        return None;
    }
    let path = fields.nth(4).unwrap_or("").trim();
    Some(path)
}

fn kib(line: &str, key: &str) -> Option<f64> {
    line.strip_prefix(key)?
        .split_whitespace()
        .next()?
        .parse::<f64>()
        .ok()
}

fn status_value(text: &str, key: &str) -> Option<f64> {
    text.lines().find_map(|l| kib(l, key))
}

/// Reads one process; `None` when it is gone.
pub fn read(pid: u32, name: &str) -> Option<ProcessMemory> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).ok()?;
    let mut memory = ProcessMemory {
        pid,
        name: name.to_owned(),
        rss: status_value(&status, "VmRSS:").unwrap_or(0.0),
        pss: status_value(&rollup, "Pss:").unwrap_or(0.0),
        threads: status_value(&status, "Threads:").unwrap_or(0.0) as u32,
        ..ProcessMemory::default()
    };
    let mut by_path: HashMap<String, f64> = HashMap::new();
    let mut current = Kind::Anon;
    let mut current_path = String::new();
    for line in smaps.lines() {
        if let Some(path) = mapping_path(line) {
            current = kind_of(path);
            current_path = if current == Kind::Anon && !path.starts_with("[heap") {
                "[anon]".to_owned()
            } else {
                path.to_owned()
            };
            continue;
        }
        let Some(pss) = kib(line, "Pss:") else {
            continue;
        };
        match current {
            Kind::Anon => memory.anon += pss,
            Kind::File => memory.file += pss,
            Kind::GpuShm => memory.gpu_shm += pss,
        }
        *by_path.entry(current_path.clone()).or_default() += pss;
    }
    let mut top: Vec<(String, f64)> = by_path.into_iter().filter(|(_, k)| *k > 0.0).collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(TOP_MAPPINGS);
    memory.top = top;
    Some(memory)
}

/// One process's PSS in MiB (0 when it is gone).
pub fn pss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| status_value(&s, "Pss:"))
        .unwrap_or(0.0)
        / MIB
}

/// Copies every process's `smaps` into `dir` as `<label>-<name>-<pid>.smaps`
/// (for a closer look after the run).
pub fn keep_smaps(dir: &Path, label: &str, processes: &[(u32, String)]) {
    let _ = std::fs::create_dir_all(dir);
    for (pid, name) in processes {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) {
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
