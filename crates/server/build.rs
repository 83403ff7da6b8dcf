//! Embeds the browser client (`/join`) into mulaqat-server.
//!
//! Every file of the web client's build (`ui/dist-web`, made by
//! `cd ui && npm run build:web`; another directory with `MULAQAT_WEB_DIST`,
//! absolute or relative to this crate) is copied into `OUT_DIR` as it is and
//! gzip-compressed at the best level, with an ETag from its SHA-256, and
//! listed in `OUT_DIR/web_client.rs` for `src/web.rs` to `include!`.
//!
//! A missing directory is not an error: the list is empty and the server
//! answers `/join` with 503 saying how to add the client (CI may lint before
//! the UI is built).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::Digest as _;

/// The environment variable naming another web client directory.
const DIST_ENV: &str = "MULAQAT_WEB_DIST";
/// Where `npm run build:web` puts the web client, from this crate.
const DEFAULT_DIST: &str = "../../ui/dist-web";

type BuildResult<T> = Result<T, Box<dyn std::error::Error>>;

/// One file of the web client, ready to embed.
struct Embedded {
    /// Path inside the directory, with `/` separators (`assets/index-abc.js`).
    path: String,
    raw: PathBuf,
    gzip: Option<PathBuf>,
    etag: String,
}

fn main() -> BuildResult<()> {
    println!("cargo::rerun-if-env-changed={DIST_ENV}");
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let explicit = std::env::var_os(DIST_ENV).filter(|v| !v.is_empty());
    let dist = manifest_dir.join(
        explicit
            .as_deref()
            .unwrap_or(std::ffi::OsStr::new(DEFAULT_DIST)),
    );

    let files_dir = out_dir.join("web");
    if files_dir.exists() {
        std::fs::remove_dir_all(&files_dir)?;
    }
    std::fs::create_dir_all(&files_dir)?;

    let embedded = if dist.is_dir() {
        // A directory is watched whole: any file added, changed or removed.
        println!("cargo::rerun-if-changed={}", dist.display());
        embed_dir(&dist, &files_dir)?
    } else {
        watch_for_creation(&dist);
        if explicit.is_some() {
            println!(
                "cargo::warning={DIST_ENV}={} is not a directory; building without the browser client",
                dist.display()
            );
        }
        Vec::new()
    };
    if !embedded.is_empty() && !embedded.iter().any(|f| f.path == "index.html") {
        println!(
            "cargo::warning={} has no index.html; /join will answer 503",
            dist.display()
        );
    }
    std::fs::write(out_dir.join("web_client.rs"), listing(&embedded)?)?;
    Ok(())
}

/// Rebuilds once the directory appears. Cargo reruns a build script on every
/// build while a watched path is missing, so the nearest parent that exists
/// is watched instead (`ui/`); with no parent either, the path itself.
fn watch_for_creation(dist: &Path) {
    match dist.parent().filter(|p| p.is_dir()) {
        Some(parent) => println!("cargo::rerun-if-changed={}", parent.display()),
        None => println!("cargo::rerun-if-changed={}", dist.display()),
    }
}

/// Copies and compresses every file under `dist` (hidden ones skipped) into
/// `out`, in path order.
fn embed_dir(dist: &Path, out: &Path) -> BuildResult<Vec<Embedded>> {
    let mut paths = Vec::new();
    collect(dist, String::new(), &mut paths)?;
    paths.sort();
    let mut embedded = Vec::with_capacity(paths.len());
    for (i, path) in paths.into_iter().enumerate() {
        let bytes = std::fs::read(dist.join(&path))?;
        let raw = out.join(format!("{i}"));
        std::fs::write(&raw, &bytes)?;
        let compressed = gzip(&bytes)?;
        // Already compressed formats (woff2, png) can grow: keep only what helps.
        let gzip = if compressed.len() < bytes.len() {
            let file = out.join(format!("{i}.gz"));
            std::fs::write(&file, &compressed)?;
            Some(file)
        } else {
            None
        };
        embedded.push(Embedded {
            etag: etag(&bytes),
            path,
            raw,
            gzip,
        });
    }
    Ok(embedded)
}

fn collect(dir: &Path, prefix: String, paths: &mut Vec<String>) -> BuildResult<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            println!(
                "cargo::warning=skipping {}: the name is not UTF-8",
                entry.path().display()
            );
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let path = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(&entry.path(), format!("{path}/"), paths)?;
        } else if kind.is_file() || (kind.is_symlink() && entry.path().is_file()) {
            paths.push(path);
        }
    }
    Ok(())
}

fn gzip(bytes: &[u8]) -> BuildResult<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

/// A strong ETag: the first 128 bits of the content's SHA-256, quoted. Keep in
/// step with `etag` in `src/web.rs`.
fn etag(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    let mut tag = String::from("\"");
    for byte in &digest[..16] {
        let _ = write!(tag, "{byte:02x}");
    }
    tag.push('"');
    tag
}

/// The Rust expression `src/web.rs` includes: `&[(path, raw, gzip, etag)]`.
fn listing(files: &[Embedded]) -> BuildResult<String> {
    let mut out = String::from("&[\n");
    for file in files {
        let raw = file.raw.to_str().ok_or("OUT_DIR is not UTF-8")?;
        let gzip = match &file.gzip {
            Some(path) => format!(
                "Some(include_bytes!({:?}))",
                path.to_str().ok_or("OUT_DIR is not UTF-8")?
            ),
            None => "None".to_owned(),
        };
        writeln!(
            out,
            "    ({:?}, include_bytes!({raw:?}), {gzip}, {:?}),",
            file.path, file.etag
        )?;
    }
    out.push(']');
    Ok(out)
}
