#!/bin/bash
# Image pull + unpack from a local registry, swkube vs containerd (`ctr pull`) vs `podman pull`,
# side by side in one hyperfine run (not a timed test). Everything lands on the same disk (under
# $BASE, default /var/tmp): the registry's storage and every client's store.
#   1. builds a ~50 MB (compressed) two-layer OCI image of incompressible and text files;
#   2. starts Debian's docker-registry on 127.0.0.1 (free port) and pushes it with skopeo;
#   3. starts a private containerd (own root, state, socket; CRI plugin off);
#   4. hyperfine, each run from a clean store: swkube by removing its root, ctr by `images rm
#      --sync` (containerd's GC then drops content and snapshots), podman by removing its root;
#   5. peak memory with GNU time (for ctr also containerd's VmHWM, reset before the pull).
# Needs root, hyperfine, docker-registry, skopeo, containerd, podman, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BASE=${BASE:-/var/tmp}
swift build -c release --product swkubectl >/dev/null
swift build -c release --product swkube-pull >/dev/null   # `swkubectl pull` execs it
SWK=$(pwd)/.build/release/swkubectl
WORK=$(mktemp -d "$BASE/swkbench-pull-XXXXXX")
REG_PID= CTRD_PID=
cleanup() {
  [ -n "$CTRD_PID" ] && kill "$CTRD_PID" 2>/dev/null && wait "$CTRD_PID" 2>/dev/null || true
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || true
  grep -o " $WORK[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The image (51 MB compressed, 121 MB unpacked): layer 1 = 25 MB of random files,
#    layer 2 = 13 MB random + 30 MB of numbers (compress ~2.6×) + 60 MB of repeated text.
mkdir -p "$WORK/l1/opt/data" "$WORK/l2/usr/share/bench" "$WORK/oci/blobs/sha256"
for i in $(seq 1 250); do head -c 100000 /dev/urandom >"$WORK/l1/opt/data/f$i.bin"; done
for i in $(seq 1 130); do head -c 100000 /dev/urandom >"$WORK/l2/usr/share/bench/r$i.bin"; done
for i in $(seq 1 300); do seq 1 17000 >"$WORK/l2/usr/share/bench/t$i.txt"; done
for i in $(seq 1 600); do { yes "swkube pull benchmark line $i" || true; } | head -c 100000 >"$WORK/l2/usr/share/bench/y$i.txt"; done
blob() { # FILE → moves it into the layout, prints its sha256 hex
  local h; h=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" "$WORK/oci/blobs/sha256/$h"; echo "$h"; }
layers= diffs=
for l in l1 l2; do
  tar -C "$WORK/$l" --sort=name --numeric-owner --owner=0 --group=0 -cf "$WORK/$l.tar" .
  diffs+="\"sha256:$(sha256sum "$WORK/$l.tar" | cut -d' ' -f1)\","
  gzip -n "$WORK/$l.tar"
  size=$(stat -c %s "$WORK/$l.tar.gz")
  layers+="{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$(blob "$WORK/$l.tar.gz")\",\"size\":$size},"
done
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "${diffs%,}" >"$WORK/config.json"
csize=$(stat -c %s "$WORK/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
  "$(blob "$WORK/config.json")" "$csize" "${layers%,}" >"$WORK/manifest.json"
msize=$(stat -c %s "$WORK/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
  "$(blob "$WORK/manifest.json")" "$msize" >"$WORK/oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$WORK/oci/oci-layout"
MB=$(du -cb "$WORK"/oci/blobs/sha256/* | tail -1 | awk '{printf "%.1f", $1/1e6}')
UNPACKED=$(du -sb "$WORK/l1" "$WORK/l2" | awk '{s+=$1} END {printf "%.1f", s/1e6}')
rm -rf "$WORK/l1" "$WORK/l2"

# 2. The registry.
mkdir -p "$WORK/registry"
for try in 1 2 3 4 5; do
  PORT=$((20000 + RANDOM % 40000))
  printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
    "$WORK/registry" "$PORT" >"$WORK/registry.yml"
  docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 & REG_PID=$!
  for _ in $(seq 100); do busybox wget -q -O /dev/null "http://127.0.0.1:$PORT/v2/" 2>/dev/null && break 2; sleep 0.1; done
  kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; REG_PID=
done
[ -n "$REG_PID" ] || { echo "pull.sh: docker-registry did not start" >&2; cat "$WORK/registry.log" >&2; exit 1; }
REF=127.0.0.1:$PORT/bench/big:1
skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/oci:1" "docker://$REF"
printf 'configs:\n  "127.0.0.1:%s":\n    insecure: true\n' "$PORT" >"$WORK/registries.yaml"

# 3. containerd with its own root, state and socket.
SOCK=$WORK/containerd/containerd.sock
mkdir -p "$WORK/containerd"
cat >"$WORK/containerd.toml" <<EOF
version = 2
root = "$WORK/containerd/root"
state = "$WORK/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
EOF
containerd --config "$WORK/containerd.toml" >"$WORK/containerd.log" 2>&1 & CTRD_PID=$!
for _ in $(seq 100); do ctr -a "$SOCK" version >/dev/null 2>&1 && break; sleep 0.1; done

PODMAN="podman --root $WORK/podman/root --runroot $WORK/podman/run --storage-driver overlay --cgroup-manager cgroupfs --events-backend file"
SWKUBE="$SWK --root-dir $WORK/swkube pull --registry-config $WORK/registries.yaml $REF"
CTR="ctr -a $SOCK -n bench images pull --plain-http $REF"
PODMAN_PULL="$PODMAN pull -q --tls-verify=false $REF"

# Each client once, output shown, so a failure says why before the timed runs.
$SWKUBE
$CTR | tail -n 3
$PODMAN_PULL
ctr -a "$SOCK" -n bench images rm --sync "$REF" >/dev/null; rm -rf "$WORK/swkube" "$WORK/podman"

# 4. Side by side, clean stores for every run.
echo "image: $REF, $MB MB compressed in 2 layers, $UNPACKED MB unpacked; $RUNS runs each; stores under $WORK"
hyperfine --runs "$RUNS" --export-markdown "$WORK/pull.md" \
  --prepare "rm -rf $WORK/swkube; sync" -n swkube "$SWKUBE" \
  --prepare "ctr -a $SOCK -n bench images rm --sync $REF >/dev/null 2>&1 || true; sync" -n "ctr pull" "$CTR" \
  --prepare "rm -rf $WORK/podman; sync" -n "podman pull" "$PODMAN_PULL"
cat "$WORK/pull.md"

# 5. Peak memory of one clean pull each (ctr: the client, and containerd's peak during it).
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {printf "%.1f", $6/1024}'; }
rm -rf "$WORK/swkube"; echo "swkube pull peak RSS: $(peak $SWKUBE) MiB"
ctr -a "$SOCK" -n bench images rm --sync "$REF" >/dev/null 2>&1 || true
echo 5 >"/proc/$CTRD_PID/clear_refs"
client=$(peak $CTR)
echo "ctr pull peak RSS: $client MiB (client), containerd VmHWM during it: $(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$CTRD_PID/status") MiB"
rm -rf "$WORK/podman"; echo "podman pull peak RSS: $(peak $PODMAN_PULL) MiB"
