#!/usr/bin/env bash
# Brings a swkube node up on this machine (README command 1), with no network needed:
# installs the Debian packages, builds and installs the binaries, builds the demo image from
# Debian's busybox-static and imports it, installs the example pods, starts swkubelet, and waits
# until the pods run. Run as root. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "node-up: run as root" >&2; exit 1; }
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "node-up: no Swift toolchain (6.0 or newer) in PATH or /opt/swift" >&2; exit 1; }

prefix=${PREFIX:-/usr/local}
pods_dir=/etc/swkube/pods
state_dir=/var/lib/swkube

bash scripts/install-packages.sh
echo "building (release)…"
swift build -c release 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
install -d "$prefix/bin" "$pods_dir" "$state_dir"
for b in swkubelet swkubectl swkube-runc swkube-shim swkube-pull; do
  install -m 0755 "$bin/$b" "$prefix/bin/$b.new" && mv -f "$prefix/bin/$b.new" "$prefix/bin/$b"
done
[ -f /etc/swkube/config.yaml ] || install -m 0644 controllers/config.yaml /etc/swkube/config.yaml

echo "building and importing the demo image…"
image_tar=$(mktemp /tmp/swkube-demo-XXXXXX.tar)
bash scripts/build-demo-image.sh "$image_tar" >/dev/null
"$prefix/bin/swkubectl" import "$image_tar"
rm -f "$image_tar"

install -m 0644 manifests/examples/*.yaml "$pods_dir/"

if [ -d /run/systemd/system ]; then
  install -m 0644 controllers/swkubelet.service /etc/systemd/system/swkubelet.service
  systemctl daemon-reload
  systemctl enable --now swkubelet
  systemctl restart swkubelet
elif command -v openrc-run >/dev/null && [ -d /run/openrc ]; then
  install -m 0755 controllers/swkubelet.openrc /etc/init.d/swkubelet
  rc-update add swkubelet default
  rc-service swkubelet restart
else
  # No init system to hand it to: run it detached, logging to /var/log/swkubelet.log.
  if [ -f /run/swkubelet.pid ] && kill -0 "$(cat /run/swkubelet.pid)" 2>/dev/null; then
    kill "$(cat /run/swkubelet.pid)"; sleep 1
  fi
  setsid "$prefix/bin/swkubelet" --config /etc/swkube/config.yaml </dev/null >>/var/log/swkubelet.log 2>&1 &
  echo $! > /run/swkubelet.pid
fi

echo "waiting for the example pods to settle…"
want=$(grep -l '^kind: Pod' manifests/examples/*.yaml | wc -l)
for _ in $(seq 1 120); do
  settled=$("$prefix/bin/swkubectl" get pods 2>/dev/null \
    | awk 'NR>1 && $3 !~ /^(Pending|ContainerCreating|PodInitializing|Init:)/' | wc -l || true)
  [ "$settled" -ge "$want" ] && break
  sleep 0.5
done
"$prefix/bin/swkubectl" get pods
