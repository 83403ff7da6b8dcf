#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, unit, integration and
# end-to-end tests. Installs what it needs first. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# A clean CI build gains nothing from incremental caches, and they are the
# largest part of target/ after debug info.
if [ "${CI:-}" = "true" ]; then
    export CARGO_INCREMENTAL=0
fi
disk() { df -h --output=avail,target . | tail -1 | awk '{print "disk: " $1 " free on " $2}'; }

step "dependencies"
packaging/linux/install-deps.sh --test
disk

step "ui: install, typecheck, lint, unit tests, build"
(cd ui && npm ci --no-audit --no-fund && npm run check && npm run lint && npm test && npm run build)

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A hung test fails the run within the time CI allows, its name on screen
# (libtest prints "has been running for over 60 seconds"), rather than use
# up all of CI's time and leave no verdict. A full run takes about 25 minutes.
status=0
timeout --kill-after=1m 50m cargo test --workspace --locked 2>&1 | tee "$log" || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "cargo test did not finish within 50 minutes: see the tests 'running for over 60 seconds' above" >&2
fi
[ "$status" -eq 0 ] || exit "$status"
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')

step "ui: browser tests (Chromium, mocked backend)"
(cd ui && npm run e2e)

step "browser guests: Chromium against real mulaqat-server, mulaqat-cli and Janus"
# The web client served at /join by the binaries `cargo test` built above
# (with ui/dist-web built in), in calls with real participants: P2P both
# ways, H.264 and VP8, a reload that resumes, the failure pages, an SFU
# room in a network namespace (root), and Firefox ESR.
(cd ui && npm run live)

step "load benchmark (smoke: 200 clients, 3 s)"
cargo bench -p mulaqat-server --bench load --locked -- --clients 200 --duration 3s

step "packages: .debs into a clean Debian 12 root; WiX fragment"
# Packages the debug binaries `cargo test` built above (--no-build: building
# just these two can unify features differently and recompile shared
# dependencies); the WiX fragment, unit and desktop entry were checked by
# cargo test (xtask/tests/packaging.rs). verify-debs.sh needs root and
# deb.debian.org; about 4 minutes on CI's two cores (docs/deployment.md).
cargo run --locked -p xtask -- package deb --debug --skip-ui --no-build
packaging/linux/verify-debs.sh

disk
du -sh target 2>/dev/null | awk '{print "target/: " $1}'
printf '\ntests: %s passed, %s failed\n' "$passed" "$failed"
