#!/bin/sh
# What the RuntimeDefault seccomp profile costs a `run` of /bin/true: swkube-runc, crun and
# Debian's runc, each with the bundle's config.json without seccomp and with the profile
# swkubelet writes for a default container (PROFILE, a `linux.seccomp` JSON file). Not a timed
# test. SWK defaults to the release build. Same private mount namespace as bench/runc.sh (crun
# refuses hybrid cgroup hosts). Needs root, hyperfine, jq, runc, crun, busybox-static.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-40}
PROFILE=${1:?usage: bench/seccomp.sh PROFILE.json}
if [ -z "${SWK:-}" ]; then swift build -c release --product swkube-runc >/dev/null; SWK=$(pwd)/.build/release/swkube-runc; fi
WORK=$(mktemp -d /tmp/swkbench-seccomp-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for b in none rd; do
  mkdir -p "$WORK/$b/rootfs/bin"
  cp /bin/busybox "$WORK/$b/rootfs/bin/busybox"
  ln -s busybox "$WORK/$b/rootfs/bin/true"
done
(cd "$WORK/none" && runc spec)
jq '.process.terminal=false | .process.args=["/bin/true"]' "$WORK/none/config.json" > "$WORK/c.json"
mv "$WORK/c.json" "$WORK/none/config.json"
jq --slurpfile p "$PROFILE" '.linux.seccomp=$p[0]' "$WORK/none/config.json" > "$WORK/rd/config.json"
unshare -m sh -eu -c "
mount --make-rprivate /
mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers
hyperfine -N --warmup 5 --runs $RUNS --export-markdown $WORK/run.md \
  -n 'swkube-runc none' '$SWK --root $WORK/r-swk run --bundle $WORK/none bench' \
  -n 'swkube-runc RuntimeDefault' '$SWK --root $WORK/r-swk run --bundle $WORK/rd bench' \
  -n 'crun none' '/usr/bin/crun --root $WORK/r-crun run --bundle $WORK/none bench' \
  -n 'crun RuntimeDefault' '/usr/bin/crun --root $WORK/r-crun run --bundle $WORK/rd bench' \
  -n 'runc none' '/usr/sbin/runc --root $WORK/r-runc run --bundle $WORK/none bench' \
  -n 'runc RuntimeDefault' '/usr/sbin/runc --root $WORK/r-runc run --bundle $WORK/rd bench'
"
cat "$WORK/run.md"
