#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, unit, integration and
# end-to-end tests. Installs what it needs first. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
packaging/linux/install-deps.sh --test

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

step "load benchmark (smoke: 200 clients, 3 s)"
cargo bench -p mulaqat-server --bench load --locked -- --clients 200 --duration 3s

printf '\nall tests passed\n'
