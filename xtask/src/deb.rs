//! `cargo xtask package deb`: the Debian packages `mulaqat` (desktop app)
//! and `mulaqat-server`, laid out here and built with `dpkg-deb`.
//!
//! Why not the Tauri bundler: it needs the tauri-cli (several minutes to
//! build on CI's two cores, for every clean run), cannot build the server
//! package at all, and gives less control over conffiles and maintainer
//! scripts. Everything the bundler would put in the desktop package is
//! here: the binary, a `.desktop` entry with the `mulaqat://` handler,
//! AppStream metadata, icons, and `Depends` computed by `dpkg-shlibdeps`
//! plus the GStreamer plugin packages it cannot see (docs/deployment.md).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{files_under, install, output, run, workspace_root, write};

/// What `package deb` was asked to do.
#[derive(Debug)]
pub struct Options {
    /// Package the debug build instead of the release build.
    pub debug: bool,
    /// Build ui/dist first.
    pub build_ui: bool,
    /// Run `cargo build` first.
    pub build: bool,
    /// Where the .deb files go (default `<workspace>/target/packages`).
    pub out: Option<PathBuf>,
}

const MAINTAINER: &str = "Mulaqat developers <mulaqat@example.invalid>";
const HOMEPAGE: &str = "https://example.invalid/mulaqat";

/// Runtime packages the desktop app loads plugins from (dlopen: invisible
/// to dpkg-shlibdeps). Debian 12 ships GStreamer 1.22.0.
const DESKTOP_DEPENDS: &[&str] = &[
    "libgstreamer1.0-0 (>= 1.22)",
    "gstreamer1.0-plugins-base (>= 1.22)",
    "gstreamer1.0-plugins-good (>= 1.22)",
    "gstreamer1.0-plugins-bad (>= 1.22)",
    "gstreamer1.0-nice",
    // The tray icon (loaded at run time by Tauri's tray support).
    "libayatana-appindicator3-1",
];

/// Better with these: H.264 encode (x264) and decode (libav), hardware
/// video on Intel/AMD (VA-API), the desktop's sound server, screen sharing
/// from a Wayland session (the desktop portal, read through PipeWire), and
/// a Secret Service to remember passwords.
const DESKTOP_RECOMMENDS: &[&str] = &[
    "gstreamer1.0-plugins-ugly",
    "gstreamer1.0-libav",
    "gstreamer1.0-vaapi",
    "gstreamer1.0-pulseaudio | gstreamer1.0-pipewire",
    "gstreamer1.0-pipewire",
    "xdg-desktop-portal",
    "gnome-keyring | kwalletmanager",
];

const DESKTOP_DESCRIPTION: &str = "\
video visits and consultations for hospitals
 Mulaqat is a desktop video-conferencing client for healthcare: remote
 consultations with a waiting room, multi-site meetings, and family visits
 to patients, with hardware video encoding where the machine has it.
 .
 Machine policy (the hospital's server, locked settings) is read from
 /etc/mulaqat/policy.toml. Run `mulaqat --self-test` after installing.";

const SERVER_DESCRIPTION: &str = "\
control plane for Mulaqat video visits
 mulaqat-server runs rooms, the waiting room (lobby), signed join links,
 chat and WebRTC signalling for Mulaqat clients. It runs as a systemd
 service under its own system user, configured in /etc/mulaqat/server.toml.
 .
 Example configurations for coturn (TURN) and Janus (SFU) are in
 /usr/share/doc/mulaqat-server/examples.";

/// Builds both packages.
pub fn package(options: &Options) -> Result<()> {
    let root = workspace_root();
    let meta = Metadata::read(&root)?;
    if options.build_ui {
        let ui = root.join("ui");
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&ui))?;
        run(Command::new("npm").args(["run", "build"]).current_dir(&ui))?;
    }
    if options.build {
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo
            .args([
                "build",
                "--locked",
                "-p",
                "mulaqat-desktop",
                "-p",
                "mulaqat-server",
            ])
            .current_dir(&root);
        if !options.debug {
            cargo.arg("--release");
        }
        run(&mut cargo)?;
    }
    let profile = if options.debug { "debug" } else { "release" };
    let bin_dir = meta.target_dir.join(profile);
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| root.join("target").join("packages"));
    let staging = out.join("staging");
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("rm -r {}", staging.display()))?;
    }
    fs::create_dir_all(&out).with_context(|| format!("mkdir {}", out.display()))?;
    let arch = output(Command::new("dpkg").arg("--print-architecture"))?
        .trim()
        .to_owned();

    let desktop = staging.join("mulaqat");
    stage_desktop(&root, &bin_dir, &desktop)?;
    let server = staging.join("mulaqat-server");
    stage_server(&root, &bin_dir, &server)?;

    let mut built = Vec::new();
    for (dir, name, binary, depends, recommends, suggests, description) in [
        (
            &desktop,
            "mulaqat",
            "usr/bin/mulaqat",
            DESKTOP_DEPENDS,
            DESKTOP_RECOMMENDS,
            &[][..],
            DESKTOP_DESCRIPTION,
        ),
        (
            &server,
            "mulaqat-server",
            "usr/bin/mulaqat-server",
            &["adduser"][..],
            &[][..],
            &["coturn", "janus"][..],
            SERVER_DESCRIPTION,
        ),
    ] {
        let shlibs = shlib_depends(dir, name, &dir.join(binary))?;
        let all_depends = merge_depends(&shlibs, depends);
        let control = Control {
            package: name,
            version: &meta.version,
            arch: &arch,
            depends: &all_depends,
            recommends,
            suggests,
            section: "net",
            description,
        };
        finish(dir, &control)?;
        let deb = out.join(format!("{name}_{}_{arch}.deb", meta.version));
        // xz (Debian's default) for release packages. The debug build's
        // binary is about 55 MB: xz takes minutes on a busy two-core CI
        // machine, fast gzip a few seconds, and size does not matter there.
        let compression: &[&str] = if options.debug {
            &["-Zgzip", "-z1"]
        } else {
            &["-Zxz"]
        };
        run(Command::new("dpkg-deb")
            .arg("--root-owner-group")
            .args(compression)
            .arg("--build")
            .arg(dir)
            .arg(&deb))?;
        built.push(deb);
    }
    fs::remove_dir_all(&staging).with_context(|| format!("rm -r {}", staging.display()))?;
    for deb in &built {
        eprintln!("xtask: built {}", deb.display());
    }
    Ok(())
}

/// What cargo knows about the workspace.
struct Metadata {
    version: String,
    target_dir: PathBuf,
}

impl Metadata {
    fn read(root: &Path) -> Result<Self> {
        let text = output(
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["metadata", "--format-version", "1", "--no-deps"])
                .current_dir(root),
        )?;
        let json: serde_json::Value = serde_json::from_str(&text).context("cargo metadata")?;
        let target_dir = json["target_directory"]
            .as_str()
            .context("cargo metadata: no target_directory")?;
        let version = json["packages"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "mulaqat-desktop"))
            .and_then(|p| p["version"].as_str())
            .context("cargo metadata: no mulaqat-desktop package")?;
        Ok(Self {
            version: version.to_owned(),
            target_dir: PathBuf::from(target_dir),
        })
    }
}

/// Copies a binary without its debug information.
fn install_binary(from: &Path, to: &Path) -> Result<()> {
    if !from.is_file() {
        bail!(
            "{} is missing: build it first (or drop --no-build)",
            from.display()
        );
    }
    install(from, to, 0o755)?;
    run(Command::new("strip").arg("--strip-unneeded").arg(to))
}

fn stage_desktop(root: &Path, bin_dir: &Path, dir: &Path) -> Result<()> {
    let linux = root.join("packaging/linux/desktop");
    install_binary(&bin_dir.join("mulaqat"), &dir.join("usr/bin/mulaqat"))?;
    install(
        &linux.join("org.mulaqat.Mulaqat.desktop"),
        &dir.join("usr/share/applications/org.mulaqat.Mulaqat.desktop"),
        0o644,
    )?;
    install(
        &linux.join("org.mulaqat.Mulaqat.metainfo.xml"),
        &dir.join("usr/share/metainfo/org.mulaqat.Mulaqat.metainfo.xml"),
        0o644,
    )?;
    // The PNGs in src-tauri/icons are rendered from assets/icon.svg (the
    // same files the Tauri window and tray use); the SVG is the master.
    for size in [32, 128, 256, 512] {
        install(
            &root.join(format!("src-tauri/icons/{size}x{size}.png")),
            &dir.join(format!(
                "usr/share/icons/hicolor/{size}x{size}/apps/mulaqat.png"
            )),
            0o644,
        )?;
    }
    install(
        &root.join("assets/icon.svg"),
        &dir.join("usr/share/icons/hicolor/scalable/apps/mulaqat.svg"),
        0o644,
    )?;
    install(
        &linux.join("policy.toml"),
        &dir.join("etc/mulaqat/policy.toml"),
        0o644,
    )?;
    copyright(dir, "mulaqat")?;
    write(
        &dir.join("DEBIAN/conffiles"),
        "/etc/mulaqat/policy.toml\n",
        0o644,
    )
}

fn stage_server(root: &Path, bin_dir: &Path, dir: &Path) -> Result<()> {
    let linux = root.join("packaging/linux/server");
    install_binary(
        &bin_dir.join("mulaqat-server"),
        &dir.join("usr/bin/mulaqat-server"),
    )?;
    install(
        &linux.join("mulaqat-server.service"),
        &dir.join("lib/systemd/system/mulaqat-server.service"),
        0o644,
    )?;
    install(
        &linux.join("server.toml"),
        &dir.join("etc/mulaqat/server.toml"),
        0o644,
    )?;
    for script in ["postinst", "prerm", "postrm"] {
        install(&linux.join(script), &dir.join("DEBIAN").join(script), 0o755)?;
    }
    let examples = dir.join("usr/share/doc/mulaqat-server/examples");
    install(
        &root.join("packaging/coturn/turnserver.conf"),
        &examples.join("coturn/turnserver.conf"),
        0o644,
    )?;
    // Janus templates are written apart (packaging/janus/); ship whatever
    // is there at build time.
    let janus = root.join("packaging/janus");
    if janus.is_dir() {
        for file in files_under(&janus)? {
            install(
                &janus.join(&file),
                &examples.join("janus").join(&file),
                0o644,
            )?;
        }
    } else {
        eprintln!(
            "xtask: packaging/janus/ does not exist: no Janus examples in the server package"
        );
    }
    copyright(dir, "mulaqat-server")?;
    write(
        &dir.join("DEBIAN/conffiles"),
        "/etc/mulaqat/server.toml\n",
        0o644,
    )
}

fn copyright(dir: &Path, package: &str) -> Result<()> {
    let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
                Upstream-Name: Mulaqat\n\
                Source: https://example.invalid/mulaqat\n\n\
                Files: *\n\
                Copyright: Mulaqat developers\n\
                License: MPL-2.0\n \
                On Debian systems, the full text of the Mozilla Public License 2.0\n \
                can be found in the file `/usr/share/common-licenses/MPL-2.0'.\n";
    write(
        &dir.join(format!("usr/share/doc/{package}/copyright")),
        text,
        0o644,
    )
}

/// `Depends`: the libraries `dpkg-shlibdeps` found, then the packages
/// named here; where both name a package, the entry here wins (it asks
/// for a newer version than the symbols the binary links need).
fn merge_depends(shlibs: &[String], extra: &[&str]) -> Vec<String> {
    fn package(relation: &str) -> &str {
        relation
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or(relation)
    }
    let named: Vec<&str> = extra.iter().map(|d| package(d)).collect();
    shlibs
        .iter()
        .filter(|d| d.contains('|') || !named.contains(&package(d)))
        .cloned()
        .chain(extra.iter().map(|d| (*d).to_owned()))
        .collect()
}

/// The shared-library dependencies of `binary`, from `dpkg-shlibdeps`.
fn shlib_depends(dir: &Path, package: &str, binary: &Path) -> Result<Vec<String>> {
    // dpkg-shlibdeps wants a source tree: give it a minimal one.
    let work = dir
        .parent()
        .context("staging folder has no parent")?
        .join(format!("{package}.shlibs"));
    write(
        &work.join("debian/control"),
        &format!("Source: {package}\n\nPackage: {package}\nArchitecture: any\n"),
        0o644,
    )?;
    let out = output(
        Command::new("dpkg-shlibdeps")
            .args(["-O", "--warnings=0"])
            .arg(format!("-e{}", binary.display()))
            .current_dir(&work),
    )
    .context("dpkg-shlibdeps (package dpkg-dev) failed")?;
    fs::remove_dir_all(&work).ok();
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .context("dpkg-shlibdeps printed no shlibs:Depends")?;
    Ok(line
        .split(',')
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect())
}

struct Control<'a> {
    package: &'a str,
    version: &'a str,
    arch: &'a str,
    depends: &'a [String],
    recommends: &'a [&'a str],
    suggests: &'a [&'a str],
    section: &'a str,
    description: &'a str,
}

/// Writes `DEBIAN/control` and `DEBIAN/md5sums`.
fn finish(dir: &Path, control: &Control<'_>) -> Result<()> {
    let files: Vec<PathBuf> = files_under(dir)?
        .into_iter()
        .filter(|f| !f.starts_with("DEBIAN"))
        .collect();
    let mut bytes = 0u64;
    let mut md5sums = String::new();
    for file in &files {
        bytes += fs::metadata(dir.join(file))?.len();
        let sum = output(Command::new("md5sum").arg(dir.join(file)))?;
        let hash = sum.split_whitespace().next().unwrap_or_default();
        let _ = writeln!(md5sums, "{hash}  {}", file.display());
    }
    write(&dir.join("DEBIAN/md5sums"), &md5sums, 0o644)?;
    let mut text = String::new();
    let _ = writeln!(text, "Package: {}", control.package);
    let _ = writeln!(text, "Version: {}", control.version);
    let _ = writeln!(text, "Architecture: {}", control.arch);
    let _ = writeln!(text, "Maintainer: {MAINTAINER}");
    let _ = writeln!(text, "Installed-Size: {}", bytes.div_ceil(1024));
    let _ = writeln!(text, "Depends: {}", control.depends.join(", "));
    if !control.recommends.is_empty() {
        let _ = writeln!(text, "Recommends: {}", control.recommends.join(", "));
    }
    if !control.suggests.is_empty() {
        let _ = writeln!(text, "Suggests: {}", control.suggests.join(", "));
    }
    let _ = writeln!(text, "Section: {}", control.section);
    let _ = writeln!(text, "Priority: optional");
    let _ = writeln!(text, "Homepage: {HOMEPAGE}");
    let _ = writeln!(text, "Description: {}", control.description);
    write(&dir.join("DEBIAN/control"), &text, 0o644)
}

#[cfg(test)]
mod tests {
    use super::merge_depends;

    #[test]
    fn a_package_named_in_both_lists_appears_once_with_the_stricter_version() {
        let shlibs = [
            "libc6 (>= 2.34)".to_owned(),
            "libgstreamer1.0-0 (>= 1.20.0)".to_owned(),
        ];
        let merged = merge_depends(
            &shlibs,
            &["libgstreamer1.0-0 (>= 1.22)", "gstreamer1.0-nice"],
        );
        assert_eq!(
            merged,
            [
                "libc6 (>= 2.34)",
                "libgstreamer1.0-0 (>= 1.22)",
                "gstreamer1.0-nice"
            ]
        );
    }
}
