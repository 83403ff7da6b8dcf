#!/usr/bin/env bash
# Installs what building, running and testing Mulaqat needs on Debian 12 /
# Ubuntu 22.04+, and nothing that is already there. Safe to run repeatedly.
#
#   packaging/linux/install-deps.sh          # build + run
#   packaging/linux/install-deps.sh --test   # also what the test suite needs
#
# Later parts of the project add their packages to the lists below.
set -euo pipefail

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

# Packages to build and run (the second group: the Tauri shell's WebKitGTK,
# GTK, tray and SVG icons).
build_pkgs=(pkg-config gcc libc6-dev ca-certificates
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice gstreamer1.0-tools
  gstreamer1.0-pipewire
  libdbus-1-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev)
# Extra packages for the tests. dbus, gnome-keyring, libsecret-tools and
# dbus-x11: a private Secret Service for the keyring tests of mulaqat-settings.
# pipewire, wireplumber, pipewire-bin (pw-dump): a PipeWire session for the
# Wayland screen sharing test; gstreamer1.0-x (ximagesink): a moving window
# for the X11 one (crates/media/tests/screen).
# chromium: the UI's browser tests (Playwright drives it; no browser download);
# firefox-esr: the browser-guest tests' second engine (WebDriver BiDi);
# fonts-noto-core: Urdu (Naskh) glyphs in the screenshots.
# xvfb, xauth, webkit2gtk-driver: the real app under a virtual display.
# iproute2, nftables, coturn: calls across network namespaces through TURN.
# dpkg-dev, binutils, debootstrap: building the .debs (dpkg-shlibdeps, strip)
# and installing them into a clean Debian 12 root; wixl, msitools: building
# the MSI's WiX fragment; desktop-file-utils, appstream, systemd: validating
# the .desktop entry, the AppStream metadata and the server's unit.
test_pkgs=(procps dbus gnome-keyring libsecret-tools dbus-x11 chromium firefox-esr fonts-noto-core
  xvfb xauth janus
  pipewire wireplumber pipewire-bin gstreamer1.0-x
  webkit2gtk-driver iproute2 nftables coturn
  dpkg-dev binutils debootstrap wixl msitools desktop-file-utils appstream systemd)

pkgs=("${build_pkgs[@]}")
[ "$want_test" = 1 ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
      echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  else
    SUDO=
  fi
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Rust: the workspace needs 1.95 or newer (see rust-version in Cargo.toml).
if ! command -v cargo >/dev/null; then
  echo "install-deps: Rust is not installed. Install Rust 1.95 or newer with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "$rust_minor" -lt 95 ]; then
  echo "install-deps: Rust $(rustc --version) is too old; 1.95 or newer is needed (rustup update)." >&2
  exit 1
fi

# Node.js for the UI (Vite 8 needs 20.19 or newer).
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}
if ! node_ok; then
  as_root=
  [ "$(id -u)" -ne 0 ] && as_root=sudo
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends nodejs npm || true
  if ! node_ok; then
    echo "install-deps: Node.js 20.19 or newer with npm is needed for the UI (found: $(node --version 2>/dev/null || echo none)); install it from your distribution or nodejs.org, then run this again." >&2
    exit 1
  fi
fi
