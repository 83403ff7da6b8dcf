//! `ui/src/lib/bindings.ts` is what `mulaqat_app::ipc::typescript_bindings` renders.
//!
//! `cargo test -p mulaqat-app --test bindings` fails while the committed file is out of
//! date; `UPDATE_BINDINGS=1 cargo test -p mulaqat-app --test bindings` writes it.

use std::path::PathBuf;

use mulaqat_app::ipc::{BINDINGS_PATH, typescript_bindings};

const REGENERATE: &str = "UPDATE_BINDINGS=1 cargo test -p mulaqat-app --test bindings";

fn bindings_file() -> PathBuf {
    // crates/app -> the workspace root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(BINDINGS_PATH)
}

#[test]
fn the_committed_typescript_bindings_are_current() {
    let path = bindings_file();
    let generated = typescript_bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some_and(|v| v == "1") {
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
            "{BINDINGS_PATH} is out of date with the Rust IPC types (first difference at line \
             {line}); regenerate it with `{REGENERATE}` and review the diff"
        );
    }
}

#[test]
fn the_bindings_never_use_bigint() {
    // Rust's u64 would render as `bigint`, but JSON numbers arrive in JS as `number`.
    let generated = typescript_bindings();
    assert!(
        !generated.contains("bigint"),
        "a u64/i64 field lacks #[ts(type = \"number\")]"
    );
}
