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

# Packages to build and run.
build_pkgs=(pkg-config gcc libc6-dev ca-certificates
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice gstreamer1.0-tools)
# Extra packages for the tests.
test_pkgs=(procps)

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
