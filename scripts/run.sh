#!/usr/bin/env bash
# Runs the Mulaqat desktop app on this machine. Installs what it needs first,
# builds the UI and the app, and starts it. With no camera it uses a test
# picture and tone; with no server configured, meetings run on the server
# built into the app. Arguments go to the app (`scripts/run.sh --join LINK`).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/linux/install-deps.sh
(cd ui && npm ci --no-audit --no-fund && npm run build)
cargo build --release --locked -p mulaqat-desktop
exec target/release/mulaqat "$@"
