//! Where a process's memory is: its PSS per mapping from `/proc/PID/smaps`,
//! sorted into kinds. A total (RSS, PSS) says how much; this says what
//! for, which is what to look at when a figure grows (the JavaScript heap,
//! libraries, or frames in graphics buffers).
//!
//! The kinds are a rough split by what backs a mapping:
//! - **anon**: the heap and anonymous mappings (malloc arenas, the
//!   JavaScript heap, thread stacks);
//! - **file**: mapped files (libraries and their data, fonts, caches);
//! - **GPU/shm**: shared memory and graphics buffers (`/dev/dri/*`,
//!   `memfd:`, `/dev/shm`, SysV segments, deleted files).

use std::collections::HashMap;

/// What backs a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Anon,
    File,
    GpuShm,
}

/// The kind of a mapping, from its path (empty for an anonymous one).
pub fn kind_of(path: &str) -> Kind {
    // A deleted file still mapped is most often shared memory made that way
    // (created, mapped, unlinked): counted with it, not with files on disk.
    let shared = ["/dev/dri/", "/memfd:", "/dev/shm/", "/SYSV", "[drm"];
    if shared.iter().any(|p| path.starts_with(p)) || path.ends_with("(deleted)") {
        Kind::GpuShm
    } else if path.starts_with('/') {
        Kind::File
    } else {
        Kind::Anon
    }
}

/// A process's PSS split by kind, KiB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breakdown {
    pub anon: u64,
    pub file: u64,
    pub gpu_shm: u64,
    /// PSS grouped by what is mapped, largest first, none empty: a file's
    /// mappings under its path, the heap as `[heap]`, and every other
    /// anonymous mapping (stacks, arenas, vdso) together as `[anon]`, since
    /// one by one they would say nothing.
    pub by_path: Vec<(String, u64)>,
}

/// The breakdown of process `pid` now; `None` when it is gone.
pub fn read(pid: u32) -> Option<Breakdown> {
    Some(parse(&text(pid)?))
}

/// `/proc/PID/smaps` of `pid` as it is, to keep for a closer look.
pub fn text(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/smaps")).ok()
}

/// The breakdown of the text of a `smaps` file.
pub fn parse(smaps: &str) -> Breakdown {
    let mut out = Breakdown::default();
    let mut by_path: HashMap<String, u64> = HashMap::new();
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
            Kind::Anon => out.anon += pss,
            Kind::File => out.file += pss,
            Kind::GpuShm => out.gpu_shm += pss,
        }
        *by_path.entry(current_path.clone()).or_default() += pss;
    }
    out.by_path = by_path.into_iter().filter(|(_, k)| *k > 0).collect();
    // By path among equals, so that the same memory lists the same way.
    out.by_path
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
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
    // The path is padded with spaces after the inode, and may hold some.
    let path = fields.nth(4).unwrap_or("").trim();
    Some(path)
}

/// The KiB of a `Key:   N kB` field line.
fn kib(line: &str, key: &str) -> Option<u64> {
    line.strip_prefix(key)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]
Size:                132 kB
Rss:                 100 kB
Pss:                 100 kB
Pss_Anon:            100 kB
7f0000000000-7f0000100000 r-xp 00000000 08:01 1234                       /usr/lib/libwebkit 2.so
Size:               1024 kB
Pss:                 300 kB
7f0000100000-7f0000200000 r--p 00100000 08:01 1234                       /usr/lib/libwebkit 2.so
Pss:                  20 kB
7f0000200000-7f0000300000 rw-s 00000000 00:01 77                         /memfd:frames (deleted)
Pss:                 500 kB
7f0000300000-7f0000400000 rw-s 100000000 00:06 88                        /dev/dri/renderD128
Pss:                  40 kB
7f0000400000-7f0000500000 rw-p 00000000 00:00 0
Pss:                  30 kB
VmFlags: rd wr mr mw me ac sd
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Pss:                  12 kB
7f0000600000-7f0000700000 r--p 00000000 08:01 99                         /usr/share/fonts/unused.ttf
Pss:                   0 kB
";

    #[test]
    fn mappings_are_sorted_into_kinds_and_grouped_by_path() {
        assert_eq!(
            parse(SMAPS),
            Breakdown {
                anon: 142,
                file: 320,
                gpu_shm: 540,
                by_path: vec![
                    ("/memfd:frames (deleted)".into(), 500),
                    ("/usr/lib/libwebkit 2.so".into(), 320),
                    ("[heap]".into(), 100),
                    ("[anon]".into(), 42),
                    ("/dev/dri/renderD128".into(), 40),
                ],
            }
        );
    }

    #[test]
    fn a_path_says_what_backs_a_mapping() {
        assert_eq!(kind_of(""), Kind::Anon);
        assert_eq!(kind_of("[stack]"), Kind::Anon);
        assert_eq!(kind_of("/usr/lib/libc.so.6"), Kind::File);
        assert_eq!(kind_of("/dev/shm/wayland"), Kind::GpuShm);
        assert_eq!(kind_of("/SYSV00000000 (deleted)"), Kind::GpuShm);
        assert_eq!(kind_of("/tmp/cache (deleted)"), Kind::GpuShm);
        assert_eq!(mapping_path("Pss:   4 kB"), None);
        assert_eq!(mapping_path("VmFlags: rd wr"), None);
    }

    #[test]
    fn this_process_has_anonymous_memory_and_files_mapped() {
        let me = read(std::process::id()).expect("our own smaps");
        assert!(me.anon > 0 && me.file > 0, "{me:?}");
        assert!(me.by_path.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}
