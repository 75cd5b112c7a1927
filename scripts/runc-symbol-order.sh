#!/bin/sh
# Regenerates Sources/swkube-runc/symbol-order.txt: every function swkube-runc executes in its
# usual verbs (run, create, start, state, exec, kill, delete, list, --version), found with
# valgrind's callgrind on a release build without debug info. The linker (lld,
# --symbol-ordering-file, see Package.swift) places them together, so start-up pages in a few
# 64 KiB fault-around windows instead of most of the 6 MB text: peak RSS and page faults drop.
# Names that no longer exist are ignored by the linker; rerun after large changes.
# Needs root, valgrind, busybox-static, jq, runc (for `runc spec`).
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product swkube-runc >/dev/null
W=$(mktemp -d /tmp/swkorder-XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin" "$W/spare" "$W/ro"
objcopy --strip-debug .build/release/swkube-runc "$W/bin/swkube-runc"  # valgrind cannot read Swift's DWARF
mkdir -p "$W/b/rootfs/bin"
cp /bin/busybox "$W/b/rootfs/bin/busybox"
for a in sh true sleep; do ln -s busybox "$W/b/rootfs/bin/$a"; done
(cd "$W/b" && runc spec)
jq '.process.terminal=false | .process.args=["/bin/true"]' "$W/b/config.json" > "$W/c.json"
cp "$W/c.json" "$W/b/config.json"
mkdir -p "$W/s/rootfs" && cp -a "$W/b/rootfs/." "$W/s/rootfs/"
jq '.process.args=["/bin/sleep","100"]' "$W/c.json" > "$W/s/config.json"
# Same private mount namespace as bench/runc.sh (hides cgroup2's controllers for crun there).
unshare -m sh -eu -c "
mount --make-rprivate /
# create, run and exec first re-execute from a sealed image (docs/executor.md), which callgrind
# cannot follow: the binary runs from a read-only overlayfs with the re-exec marker set instead.
mount -t overlay -o ro,lowerdir=$W/bin:$W/spare overlay $W/ro
cg() { _SWKUBE_RUNC_SEALED=1 valgrind -q --tool=callgrind --demangle=no --callgrind-out-file=$W/cg.\$1.out $W/ro/swkube-runc --root $W/root \"\$@\" >/dev/null 2>&1 || true; }
cg --version
cg run --bundle $W/b o-run
cg create --bundle $W/s o-s
cg state o-s
cg list
cg start o-s
cg exec o-s /bin/true
cg kill o-s KILL
sleep 0.5
cg delete o-s
"
cat "$W"/cg.*.out | sed -n -E "s/^c?fn=\([0-9]+\) ([A-Za-z_\$].*)$/\1/p" | sed -E "s/'[0-9]+$//" | sort -u \
  > Sources/swkube-runc/symbol-order.txt
wc -l Sources/swkube-runc/symbol-order.txt
# SwiftPM does not track the order file as a link input: force the next build to relink.
rm -f .build/release/swkube-runc .build/debug/swkube-runc
