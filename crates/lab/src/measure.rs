//! What the benches and the long scenarios read about processes and the
//! machine (from `/proc`), and how a bench puts its table into a Markdown
//! file between two markers.

use std::path::{Path, PathBuf};

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
        ticks: field(11)? + field(12)?,
        start: field(19)?,
    })
}

/// utime + stime of `pid`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    proc_stat(pid).map(|s| s.ticks)
}

/// A `Key:   N kB` line of a `/proc` file, in KiB.
fn kib_field(path: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `VmRSS` of a process, KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    kib_field(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// Proportional set size of a process (its shared pages divided among
/// the processes sharing them), KiB: the fair figure for several processes.
pub fn pss_kib(pid: u32) -> Option<u64> {
    kib_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
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
    let mem = kib_field("/proc/meminfo", "MemTotal:").map_or_else(String::new, |kib| {
        format!(", {:.0} GiB", kib as f64 / 1024.0 / 1024.0)
    });
    format!("{cores} cores, {cpu}{mem}")
}

/// `path` from the workspace root, where people type commands (`cargo
/// bench` runs in the crate's folder).
pub fn from_root(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    }
}

/// Puts `table` between `<!-- NAME:start -->` and `<!-- NAME:end -->` in
/// `doc`, or appends a `heading` section holding it when the markers are
/// missing.
pub fn replace_table(doc: &str, name: &str, heading: &str, table: &str) -> String {
    let (start, end) = (
        format!("<!-- {name}:start -->"),
        format!("<!-- {name}:end -->"),
    );
    match (doc.find(&start), doc.find(&end)) {
        (Some(a), Some(b)) if a < b => format!("{}{start}\n{table}{}", &doc[..a], &doc[b..]),
        _ => format!("{doc}\n## {heading}\n\n{start}\n{table}{end}\n"),
    }
}

/// [`replace_table`] in the file at `path` (from the workspace root).
pub fn write_table(
    path: &Path,
    name: &str,
    heading: &str,
    table: &str,
) -> std::io::Result<PathBuf> {
    let path = from_root(path);
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, replace_table(&doc, name, heading, table))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_after_a_command_name_with_spaces_and_brackets() {
        let text = "4242 (Web (Content) 1) S 17 4242 4242 0 -1 4194560 100 0 0 0 \
                    250 50 0 0 20 0 30 0 123456 1000 100";
        assert_eq!(
            parse_stat(4242, text),
            Some(ProcStat {
                pid: 4242,
                ppid: 17,
                ticks: 300,
                start: 123456,
            })
        );
        assert_eq!(parse_stat(1, "1 (init"), None);
    }

    #[test]
    fn a_table_goes_between_its_markers_and_nowhere_else() {
        let doc = "# B\n\n<!-- mesh:start -->\nold\n<!-- mesh:end -->\nafter\n";
        assert_eq!(
            replace_table(doc, "mesh", "Mesh", "new\n"),
            "# B\n\n<!-- mesh:start -->\nnew\n<!-- mesh:end -->\nafter\n"
        );
        let appended = replace_table("# B\n", "sfu", "SFU rooms", "t\n");
        assert_eq!(
            appended,
            "# B\n\n## SFU rooms\n\n<!-- sfu:start -->\nt\n<!-- sfu:end -->\n"
        );
    }

    #[test]
    fn this_process_can_be_measured() {
        let me = std::process::id();
        assert!(cpu_ticks(me).is_some());
        assert!(rss_kib(me).is_some_and(|k| k > 0));
        assert!(fd_count(me).is_some_and(|n| n > 0));
        assert!(machine().contains("cores"));
    }
}
