//! `ui/src/lib/bindings/protocol.ts` is what `typescript_declarations` renders: the
//! browser client's wire types cannot drift from the Rust ones.
//!
//! `UPDATE_BINDINGS=1 cargo test -p mulaqat-protocol --test typescript` writes it.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::PathBuf;

use mulaqat_protocol::{TYPESCRIPT_PATH, typescript_declarations};

const REGENERATE: &str = "UPDATE_BINDINGS=1 cargo test -p mulaqat-protocol --test typescript";

fn typescript_file() -> PathBuf {
    // crates/protocol -> the workspace root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(TYPESCRIPT_PATH)
}

#[test]
fn the_committed_typescript_protocol_types_are_current() {
    let path = typescript_file();
    let generated = typescript_declarations();
    if std::env::var_os("UPDATE_BINDINGS").is_some_and(|v| v == "1") {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the bindings folder");
        }
        std::fs::write(&path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); generate it with `{REGENERATE}`",
            path.display()
        )
    });
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()))
            + 1;
        panic!(
            "{TYPESCRIPT_PATH} is out of date with the Rust wire types (first difference at \
             line {line}); regenerate it with `{REGENERATE}` and review the diff"
        );
    }
}

#[test]
fn the_typescript_never_uses_bigint() {
    // JSON numbers arrive in JavaScript as `number`.
    assert!(!typescript_declarations().contains("bigint"));
}
