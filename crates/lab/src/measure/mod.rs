//! What the benches and the long scenarios read about processes and the
//! machine: the one place that reads `/proc`. [`BenchArgs`] are the
//! arguments every bench takes, and [`write_table`] puts a bench's table
//! into a Markdown file between two markers. [`smaps`] splits a process's
//! memory by what backs it.

mod bench;
pub mod smaps;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

pub use bench::{BenchArgs, from_root, replace_table, write_table};

/// Clock ticks per second (`getconf CLK_TCK`; 100 when it cannot say).
pub fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// The fields of `/proc/PID/stat` the benches read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: u32,
    pub ppid: u32,
    /// `R` running, `S` sleeping, `Z` a zombie waiting for its parent, ...
    pub state: char,
    /// utime + stime, clock ticks.
    pub ticks: u64,
    /// Start time after boot, clock ticks: with the pid, names a process
    /// even when pids are reused.
    pub start: u64,
}

/// `/proc/PID/stat` of `pid`.
pub fn proc_stat(pid: u32) -> Option<ProcStat> {
    parse_stat(
        pid,
        &std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?,
    )
}

fn parse_stat(pid: u32, text: &str) -> Option<ProcStat> {
    // The command name may hold spaces and brackets: fields start after the
    // last ')', with the state (field 3 of stat) as field 0 here: ppid 1,
    // utime 11, stime 12, starttime 19.
    let rest = text.get(text.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some(ProcStat {
        pid,
        ppid: u32::try_from(field(1)?).ok()?,
        state: fields.first()?.chars().next()?,
        ticks: field(11)? + field(12)?,
        start: field(19)?,
    })
}

/// utime + stime of `pid`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    proc_stat(pid).map(|s| s.ticks)
}

/// The number on a `Key:   N kB` (or `Key:   N`) line of a `/proc` file:
/// KiB for sizes, a count otherwise.
fn number_field(path: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Whether `pid` runs (a zombie waiting for its parent does not).
pub fn is_running(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|s| s.state != 'Z' && s.state != 'X')
}

/// Every process now.
pub fn processes() -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(proc_stat)
        .collect()
}

/// `root` and every process below it in `all` (from [`processes`]),
/// `root` first.
pub fn tree_in(root: u32, all: &[ProcStat]) -> Vec<ProcStat> {
    trees_in(&[root], all)
}

/// The processes of `roots` and every process below them in `all` (from
/// [`processes`]): the roots first, in the order of `all`, then their
/// descendants, nearest first; each process once, even when one root is
/// below another (an app that runs its own executable again).
pub fn trees_in(roots: &[u32], all: &[ProcStat]) -> Vec<ProcStat> {
    let mut children: HashMap<u32, Vec<&ProcStat>> = HashMap::new();
    for s in all {
        children.entry(s.ppid).or_default().push(s);
    }
    let mut out: Vec<ProcStat> = all
        .iter()
        .filter(|s| roots.contains(&s.pid))
        .copied()
        .collect();
    let mut seen: HashSet<u32> = out.iter().map(|s| s.pid).collect();
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = children.get(&out[i].pid) {
            for kid in kids {
                if seen.insert(kid.pid) {
                    out.push(**kid);
                }
            }
        }
        i += 1;
    }
    out
}

/// The pids of `root` and every process below it now.
pub fn tree(root: u32) -> Vec<u32> {
    tree_in(root, &processes()).iter().map(|s| s.pid).collect()
}

/// The executable a process runs (`/proc/PID/exe`, with symlinks
/// resolved): what tells an app's own processes from others of the same
/// name. `None` when the process is gone or not ours to look at.
pub fn exe(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// The name of a process (`/proc/PID/comm`): its executable's file name
/// cut to 15 bytes, or what the process named itself (WebKit's
/// `WebKitWebProces`).
pub fn name(pid: u32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.strip_suffix('\n').unwrap_or(&comm).to_owned())
}

/// The command line of a process, its arguments joined by spaces (empty
/// when it cannot be read).
pub fn cmdline(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    String::from_utf8_lossy(&raw).replace('\0', " ")
}

/// `VmRSS` of a process, KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    number_field(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// The most RSS a process had (`VmHWM`), KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    number_field(&format!("/proc/{pid}/status"), "VmHWM:")
}

/// Proportional set size of a process (its shared pages divided among
/// the processes sharing them), KiB: the fair figure for several processes.
pub fn pss_kib(pid: u32) -> Option<u64> {
    number_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
}

/// Threads of a process.
pub fn threads(pid: u32) -> Option<u64> {
    number_field(&format!("/proc/{pid}/status"), "Threads:")
}

/// Open descriptors of a process.
pub fn fd_count(pid: u32) -> Option<u64> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()
        .map(|d| d.count() as u64)
}

/// "2 cores, <CPU model>, 24 GiB": the machine a figure was measured on.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = number_field("/proc/meminfo", "MemTotal:").map_or_else(String::new, |kib| {
        format!(", {:.0} GiB", kib as f64 / 1024.0 / 1024.0)
    });
    format!("{cores} cores, {cpu}{mem}")
}

#[cfg(test)]
mod tests;
