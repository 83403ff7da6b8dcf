//! What every bench shares: its output arguments, and paths and tables in
//! the workspace's Markdown files.

// A bench says on stdout where its results went, below its table.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

/// The arguments every bench takes, besides its own: where to write the
/// results. Flatten it into the bench's `clap` arguments
/// (`#[command(flatten)] out: BenchArgs`).
#[derive(Debug, Clone, Default, clap::Args)]
// Not the bench's description in `--help`, which the doc comment would be.
#[command(about = None, long_about = None)]
pub struct BenchArgs {
    /// Write the results as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Rewrite the table in this Markdown file.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Ignored (cargo bench passes it).
    #[arg(long, hide = true)]
    bench: bool,
}

impl BenchArgs {
    /// Writes `doc` as pretty JSON to `--json` (from the workspace root),
    /// when given, and says where.
    pub fn write_json(&self, doc: &serde_json::Value) -> std::io::Result<()> {
        let Some(path) = self.json.as_deref().map(from_root) else {
            return Ok(());
        };
        std::fs::write(&path, serde_json::to_string_pretty(doc)?)?;
        println!("wrote {}", path.display());
        Ok(())
    }

    /// Puts `table` between the `name` markers of `--markdown` (see
    /// [`write_table`]), when given, and says where.
    pub fn write_markdown(&self, name: &str, heading: &str, table: &str) -> std::io::Result<()> {
        let Some(path) = &self.markdown else {
            return Ok(());
        };
        let path = write_table(path, name, heading, table)?;
        println!("updated {}", path.display());
        Ok(())
    }
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
