#!/usr/bin/env bash
# Installs the two Debian packages (`cargo xtask package deb`) into a clean
# Debian 12 root made with debootstrap and checks them there:
#
#   - apt installs both with their dependencies from Debian's mirror;
#   - `mulaqat --version`, `mulaqat --self-test` (headless, must pass),
#     `mulaqat-server --help`;
#   - the policy file is honoured (the self-test reports a locked server)
#     and survives reinstalling the package (a conffile);
#   - the server runs as its own user from /etc/mulaqat/server.toml and
#     answers /healthz; its secret is private to that user;
#   - remove keeps the configuration; purge leaves no file behind that was
#     not there before the packages were installed.
#
#   packaging/linux/verify-debs.sh [PACKAGE-DIR]    # default target/packages
#
# Needs root, debootstrap and network access to deb.debian.org (or
# DEBIAN_MIRROR). Without root or debootstrap it skips (exit 0) unless
# CI=true, where that is a failure. The debootstrapped base is cached in
# target/debroot/base (delete it to start over; under CI=true it is not
# kept); every run installs into a fresh copy, target/debroot/root, which is
# deleted when the run passes.
set -euo pipefail
cd "$(dirname "$0")/../.."

pkg_dir=${1:-target/packages}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${MULAQAT_DEBROOT:-$PWD/target/debroot}

skip() {
  if [ "${CI:-}" = "true" ]; then
    echo "verify-debs: FAIL: $*" >&2
    exit 1
  fi
  echo "verify-debs: SKIPPED: $* (set CI=true to make this a failure)" >&2
  exit 0
}
fail() { echo "verify-debs: FAIL: $*" >&2; exit 1; }
say() { printf '\n-- %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, mount)"
for tool in debootstrap chroot mount python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (packaging/linux/install-deps.sh --test)"
done
desktop_deb=$(ls "$pkg_dir"/mulaqat_*.deb 2>/dev/null | tail -1 || true)
server_deb=$(ls "$pkg_dir"/mulaqat-server_*.deb 2>/dev/null | tail -1 || true)
[ -n "$desktop_deb" ] && [ -n "$server_deb" ] ||
  fail "no packages in $pkg_dir: run cargo xtask package deb first"

started=$(date +%s)
phase_started=$started
# Seconds since the previous call, for the timings at the end.
timings=()
lap() {
  local now
  now=$(date +%s)
  timings+=("$1: $((now - phase_started)) s")
  phase_started=$now
}
base=$work/base
root=$work/root
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[i]}" 2>/dev/null || true
  done
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; fi
  if [ "${passed:-0}" = 1 ]; then
    rm -rf --one-file-system "$root"
    if [ "${CI:-}" = "true" ]; then rm -rf --one-file-system "$base"; fi
  elif [ -d "$root" ]; then
    echo "verify-debs: the root is kept for a look: $root" >&2
  fi
}
trap cleanup EXIT

if [ ! -f "$base/.complete" ]; then
  say "debootstrap: a minimal Debian 12 root (cached in $base)"
  rm -rf "$base"
  mkdir -p "$work"
  debootstrap --variant=minbase bookworm "$base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log: $work/debootstrap.log)"; }
  touch "$base/.complete"
fi
# Mounts left by a run that was killed: never delete through them.
awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
  umount -l "$m" || true
done
rm -rf --one-file-system "$root"
cp -a "$base" "$root"
rm -f "$root/.complete"
# A throw-away root: no fsync for every unpacked file (much faster).
echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/unsafe-io"
lap "debootstrap (or the cached base) and a copy"

mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounted+=("$root/sys")
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounted+=("$root/dev")
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs"
cp "$desktop_deb" "$server_deb" "$root/tmp/debs/"
desktop_file=/tmp/debs/$(basename "$desktop_deb")
server_file=/tmp/debs/$(basename "$server_deb")

in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# What the root holds (outside places that change by themselves), to
# compare before installing and after purging.
snapshot() {
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp \
      -o -path ./root -o -path ./run -o -path ./var/log -o -path ./var/cache \
      -o -path ./var/lib/apt -o -path ./var/lib/dpkg \) -prune -o -print) | LC_ALL=C sort
}

say "apt: the packages' dependencies first"
in_root apt-get update -qq >"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log" >&2; fail "apt-get update failed (log: $work/apt.log)"; }
# What both packages depend on, plus the H.264 Recommends a default install
# gets (x264 to encode, libav to decode), so the self-test's call uses H.264
# as calls with browsers do; the other Recommends (VA-API drivers, the sound
# server's plugin, a keyring) are large and not needed without a desktop.
# Installed before the packages, so that the root before installing them
# can be compared with the root after purging them.
depends="$(dpkg-deb -f "$desktop_deb" Depends), $(dpkg-deb -f "$server_deb" Depends)"
depends="$depends, gstreamer1.0-plugins-ugly, gstreamer1.0-libav"
in_root apt-get satisfy -y -qq --no-install-recommends "$depends" >>"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log" >&2; fail "apt-get satisfy failed (log: $work/apt.log)"; }
in_root apt-get clean
snapshot >"$work/before-install.txt"
lap "apt: dependencies ($(in_root dpkg-query -W -f='.' | wc -c) packages in the root)"

say "apt: install both packages"
in_root apt-get install -y -qq --no-install-recommends "$desktop_file" "$server_file" >>"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log" >&2; fail "apt-get install failed (log: $work/apt.log)"; }
in_root dpkg -l mulaqat mulaqat-server | tail -2
lap "apt: both packages"

say "files and conffiles"
for f in /usr/bin/mulaqat /usr/share/applications/org.mulaqat.Mulaqat.desktop \
  /usr/share/metainfo/org.mulaqat.Mulaqat.metainfo.xml /usr/share/icons/hicolor/256x256/apps/mulaqat.png \
  /usr/share/icons/hicolor/scalable/apps/mulaqat.svg /etc/mulaqat/policy.toml \
  /usr/bin/mulaqat-server /lib/systemd/system/mulaqat-server.service /etc/mulaqat/server.toml \
  /usr/share/doc/mulaqat-server/examples/coturn/turnserver.conf; do
  [ -e "$root$f" ] || fail "$f is not installed"
done
grep -q '^MimeType=x-scheme-handler/mulaqat;$' "$root/usr/share/applications/org.mulaqat.Mulaqat.desktop" ||
  fail "the .desktop entry does not handle mulaqat:// links"
in_root dpkg-query -W -f='${Conffiles}\n' mulaqat | grep -q '/etc/mulaqat/policy.toml' ||
  fail "policy.toml is not a conffile"
in_root dpkg-query -W -f='${Conffiles}\n' mulaqat-server | grep -q '/etc/mulaqat/server.toml' ||
  fail "server.toml is not a conffile"
in_root getent passwd mulaqat-server | grep -q ':/usr/sbin/nologin$' ||
  fail "the mulaqat-server system user is missing"
[ "$(in_root stat -c '%U %a' /var/lib/mulaqat-server)" = "mulaqat-server 700" ] ||
  fail "/var/lib/mulaqat-server is not private to mulaqat-server"

say "mulaqat --version"
version=$(in_root mulaqat --version)
echo "$version"
[[ "$version" =~ ^mulaqat\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "unexpected --version output: $version"

say "mulaqat --self-test (no display, no session bus)"
in_root mulaqat --self-test || fail "the self-test failed"
lap "mulaqat --version and --self-test"

say "policy: a locked server in /etc/mulaqat/policy.toml"
cat >"$root/etc/mulaqat/policy.toml" <<'EOF'
# set by verify-debs.sh
server_url = "https://meet.hospital.example"
lock_server = true
quality = "720p"
EOF
# Reinstalling (as an upgrade does) must keep the changed conffile.
in_root dpkg -i --force-confdef --force-confold "$desktop_file" >/dev/null
grep -q 'set by verify-debs.sh' "$root/etc/mulaqat/policy.toml" ||
  fail "reinstalling the package overwrote /etc/mulaqat/policy.toml"
in_root mulaqat --self-test --json --report /tmp/selftest.json >/dev/null ||
  fail "the self-test failed with a policy in place"
python3 - "$root/tmp/selftest.json" <<'EOF' || fail "the self-test does not show the policy's locked server"
import json, sys
report = json.load(open(sys.argv[1]))
policy = next(c for c in report["checks"] if c["id"] == "policy")
data = policy["data"]
assert policy["status"] == "pass", policy
assert data["policy"]["server_url"] == "https://meet.hospital.example", data
assert "serverUrl" in data["locked"] and "quality" in data["locked"], data
print("policy check:", policy["summary"])
EOF

say "mulaqat-server --help"
in_root mulaqat-server --help >/dev/null || fail "mulaqat-server --help failed"

say "mulaqat-server runs as its user from /etc/mulaqat/server.toml"
# As the unit runs it (ExecStart, User=), on a free port: there is no
# systemd in the root.
as_server() {
  chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/mulaqat-server LANG=C.UTF-8 \
    setpriv --reuid=mulaqat-server --regid=mulaqat-server --init-groups "$@"
}
server_out=$work/server.out
rm -f "$server_out"
as_server mulaqat-server serve --config /etc/mulaqat/server.toml --listen 127.0.0.1:0 \
  >"$server_out" 2>"$work/server.err" &
server_pid=$!
addr=
for _ in $(seq 100); do
  addr=$(sed -n 's|^listening on ws://||p' "$server_out" 2>/dev/null | head -1)
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$work/server.err" >&2; fail "the server did not start"; }
echo "listening on $addr"
port=${addr##*:}
health=$(in_root bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3; cat <&3" | tail -1)
[ "$health" = "ok" ] || fail "/healthz answered '$health'"
[ "$(in_root stat -c '%U %a' /var/lib/mulaqat-server/secret)" = "mulaqat-server 600" ] ||
  fail "the token secret is not private to mulaqat-server"
# The join-link command of docs/deployment.md, with the service's secret.
link=$(as_server mulaqat-server token -c /etc/mulaqat/server.toml --room ward-7 --role host --ttl 8h) ||
  fail "mulaqat-server token failed"
[[ "$link" == mulaqat://join* ]] || fail "mulaqat-server token printed '$link'"
kill "$server_pid"
wait "$server_pid" || true
server_pid=
lap "policy, server and token"

say "remove keeps the configuration"
in_root apt-get remove -y -qq mulaqat mulaqat-server >/dev/null
[ ! -e "$root/usr/bin/mulaqat" ] && [ ! -e "$root/usr/bin/mulaqat-server" ] || fail "remove left the binaries"
[ -f "$root/etc/mulaqat/policy.toml" ] && [ -f "$root/etc/mulaqat/server.toml" ] ||
  fail "remove deleted the configuration"
[ -f "$root/var/lib/mulaqat-server/secret" ] || fail "remove deleted the server's data (its secret)"

say "purge leaves nothing behind"
in_root apt-get purge -y -qq mulaqat mulaqat-server >/dev/null
known=$(in_root dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' mulaqat mulaqat-server 2>/dev/null |
  awk '$2 != "pn"' || true)
[ -z "$known" ] || fail "after purge dpkg still has: $known"
snapshot >"$work/after-purge.txt"
# The system user stays (see postrm); making it left shadow's backup files.
changed=$(diff "$work/before-install.txt" "$work/after-purge.txt" |
  grep -Ev '^> \./etc/(passwd|group|shadow|gshadow)-$' | grep '^[<>]' || true)
[ -z "$changed" ] || fail "purge did not give back the root as it was before installing (< gone, > left):
$changed"
for f in /etc/mulaqat /var/lib/mulaqat-server /usr/bin/mulaqat /usr/bin/mulaqat-server; do
  [ ! -e "$root$f" ] || fail "purge left $f"
done
lap "remove and purge"

passed=1
echo
printf '  %s\n' "${timings[@]}"
echo "verify-debs: PASS ($(($(date +%s) - started)) s)"
