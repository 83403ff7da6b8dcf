//! Readings of this process, and the table writer.

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
            state: 'S',
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
    assert!(threads(me).is_some_and(|n| n >= 1));
}

#[test]
fn a_process_is_named_by_its_executable() {
    let me = std::process::id();
    let exe_now = std::env::current_exe().expect("this test's executable");
    assert_eq!(exe(me), Some(exe_now.clone()));
    // comm is the executable's file name cut to 15 bytes.
    let file = exe_now.file_name().unwrap().to_string_lossy().into_owned();
    let comm = name(me).expect("our own name");
    assert!(!comm.is_empty() && !comm.ends_with('\n'), "{comm:?}");
    assert!(file.starts_with(&comm), "{file} begins with {comm}");
    assert_eq!(name(u32::MAX), None);
    assert_eq!(exe(u32::MAX), None);
}

#[test]
fn a_tree_is_its_root_and_every_process_below_it() {
    let stat = |pid, ppid| ProcStat {
        pid,
        ppid,
        state: 'S',
        ticks: 0,
        start: 0,
    };
    let all = [
        stat(1, 0),
        stat(10, 1),
        stat(11, 10),
        stat(12, 10),
        stat(20, 1),
    ];
    let pids: Vec<u32> = tree_in(10, &all).iter().map(|s| s.pid).collect();
    assert_eq!(pids, [10, 11, 12]);
    assert!(tree_in(99, &all).is_empty());
}

#[test]
fn trees_hold_every_root_and_each_process_once() {
    let stat = |pid, ppid| ProcStat {
        pid,
        ppid,
        state: 'S',
        ticks: 0,
        start: 0,
    };
    let all = [
        stat(1, 0),
        stat(10, 1),
        stat(11, 10),
        stat(12, 11),
        stat(20, 1),
        stat(21, 20),
    ];
    // 11 is a root and below root 10: listed once, with the roots.
    let pids: Vec<u32> = trees_in(&[20, 11, 10], &all)
        .iter()
        .map(|s| s.pid)
        .collect();
    assert_eq!(pids, [10, 11, 20, 12, 21]);
}
