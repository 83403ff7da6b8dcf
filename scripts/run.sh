#!/usr/bin/env bash
# Runs Mulaqat on this machine. Until the desktop app lands, this starts the
# control plane (mulaqat-server) on 127.0.0.1:8717 and prints a host link and
# a guest link for a room. Installs what it needs first. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/linux/install-deps.sh
cargo build --release --locked -p mulaqat-server
bin=target/release/mulaqat-server
room=${MULAQAT_ROOM:-demo}
echo "host link:  $("$bin" token --room "$room" --role host --ttl 8h 2>/dev/null)"
echo "guest link: $("$bin" token --room "$room" --role guest --ttl 8h 2>/dev/null)"
exec "$bin" "$@"
