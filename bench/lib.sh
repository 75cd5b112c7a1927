# Shared by the node benchmarks (sourced, not run): a private swkube node and a private podman,
# each with its own temp directories, torn down by `bench_cleanup` (set as the EXIT trap).
#   bench_init                 temp dir, release build, demo image, podman config
#   node_start / node_stop     swkubelet with its own manifest/state/run/log/CNI directories
#   kubectl ARGS…              swkubectl against that node
#   pm ARGS…                   podman with its own --root/--runroot and containers.conf
#   pod_yaml NAME              the one-container busybox pod both sides run
#   wait_running N / wait_gone swkube side: poll `get pods` (bounded)
#   pss_kib PIDS… / rss_kib PID / cpu_ticks PID
# podman: Debian's 4.3 with runc (crun refuses this hybrid-cgroup host), netavark, cgroupfs, and
# default_ulimits at or below the hard limits (root lacks CAP_SYS_RESOURCE here).
set -euo pipefail
BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"

# The workload, identical on both sides: busybox sh as PID 1 that exits at once on TERM (a bare
# `sleep` as PID 1 ignores TERM, and teardown would just measure the grace period).
WORKLOAD_CMD='["sh", "-c", "trap '"'"'exit 0'"'"' TERM; sleep 3600 & wait"]'
GRACE=10

bench_init() {
  [ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
  for t in podman hyperfine jq catatonit; do command -v $t >/dev/null || { echo "bench: $t missing (bash scripts/install-packages.sh scripts/test-packages.txt scripts/bench-packages.txt)" >&2; exit 1; }; done
  W=$(mktemp -d /tmp/swkbench-XXXXXX)
  trap bench_cleanup EXIT
  (cd "$BENCH_REPO" && swift build -c release 2>&1 | tail -n 1 >&2)
  BIN=$(cd "$BENCH_REPO" && swift build -c release --show-bin-path)
  bash "$BENCH_REPO/scripts/build-demo-image.sh" "$W/demo.tar" >/dev/null
  mkdir -p "$W/pods" "$W/root" "$W/run" "$W/logs" "$W/cni/net.d" "$W/pm" "$W/yaml"
  # A bridge and /24 of our own, never the host node's network.
  local tag third routes
  tag=$(basename "$W" | tail -c 7 | tr -dc 'a-z0-9' | tr 'A-Z' 'a-z')
  BRIDGE="swkb$tag"
  routes=$(ip -4 route show table all)
  third=$((RANDOM % 250 + 1))
  while grep -q "10.236.$third\." <<<"$routes"; do third=$((third % 250 + 1)); done
  # swkube's own network file (the one it writes into an empty directory) on that bridge and
  # subnet: outbound NAT is the node's one masquerade rule for the subnet, added when swkubelet
  # starts (podman's netavark masquerades its network too).
  POD_SUBNET="10.236.$third.0/24"
  NETWORK="swkb-$tag"
  cat > "$W/cni/net.d/10-swkube.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "$NETWORK", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}], "ranges": [[{"subnet": "10.236.$third.0/24"}]],
            "dataDir": "$W/cni/networks"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
  echo "sync-frequency: 10s" > "$W/config.yaml"
  kubectl import "$W/demo.tar" >/dev/null
  cat > "$W/pm/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
  export CONTAINERS_CONF="$W/pm/containers.conf"
  # `kube play` creates this network in the host-wide /etc/containers/networks: remove it at the
  # end unless it was there before. (Host-wide, so run one of these benchmarks at a time.)
  PM_NET_OURS=1
  ! pm network exists podman-default-kube-network || PM_NET_OURS=0
  pm load -i "$W/demo.tar" >/dev/null 2>&1
  echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
}

kubectl() { "$BIN/swkubectl" --root-dir "$W/root" --pod-manifest-path "$W/pods" "$@"; }
pm() { podman --root "$W/pm/root" --runroot "$W/pm/runroot" --cgroup-manager cgroupfs "$@"; }

node_start() {
  setsid "$BIN/swkubelet" --config "$W/config.yaml" --pod-manifest-path "$W/pods" --root-dir "$W/root" \
    --run-dir "$W/run" --pod-log-dir "$W/logs" --cni-conf-dir "$W/cni/net.d" </dev/null >>"$W/swkubelet.log" 2>&1 &
  NODE_PID=$!
  # Ready once it has written its heartbeat row: `get pods` stops saying the daemon is down.
  for _ in $(seq 1 200); do
    kubectl get pods 2>&1 | grep -qi 'not running' || break
    sleep 0.05
  done
}

node_stop() {
  [ -n "${NODE_PID:-}" ] || return 0
  rm -f "$W/pods/"*.yaml
  wait_gone 120 || true
  kill "$NODE_PID" 2>/dev/null || true
  wait "$NODE_PID" 2>/dev/null || true
  NODE_PID=
}

# Shim processes of this node (their runtime root is under our run dir).
shim_pids() { pgrep -f "swkube-shim .*--runtime-root $W/run" || true; }
# podman's processes for our root: conmons, and the infra (catatonit) of each pod.
pm_conmon_pids() { pgrep -f "conmon .*$W/pm/root" || true; }
pm_infra_pids() {
  local ids
  ids=$(pm ps --filter status=running --format '{{.ID}} {{.IsInfra}}' | awk '$2=="true"{print $1}')
  [ -z "$ids" ] || pm inspect --format '{{.State.Pid}}' $ids
}

bench_cleanup() {
  set +e
  node_stop
  # Anything a failed run left behind: shims, containers, mounts, the bridge.
  for p in $(shim_pids); do kill -9 "$p" 2>/dev/null; done
  pm pod rm -af -t 0 >/dev/null 2>&1
  pm rm -af -t 0 >/dev/null 2>&1
  [ "${PM_NET_OURS:-0}" = 0 ] || pm network rm -f podman-default-kube-network >/dev/null 2>&1
  for m in $(awk -v p="$W/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  ip link del "$BRIDGE" 2>/dev/null
  [ -z "${POD_SUBNET:-}" ] || iptables -t nat -D POSTROUTING -s "$POD_SUBNET" ! -d "$POD_SUBNET" \
    -m comment --comment "swkube pod network $NETWORK" -j MASQUERADE 2>/dev/null
  rm -rf "$W"
}

# The one-container pod (NAME), as a YAML document.
pod_yaml() {
  cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  terminationGracePeriodSeconds: $GRACE
  containers:
    - name: main
      image: localhost/swkube-demo:1.0
      command: $WORKLOAD_CMD
EOF
}

# Pods named bench-1 … bench-N in one multi-document file.
pods_yaml() {
  local i
  for i in $(seq 1 "$1"); do [ "$i" = 1 ] || echo '---'; pod_yaml "bench-$i"; done
}

# Polls until N pods show Running (bounded: 300 s).
wait_running() {
  local deadline=$((SECONDS + 300))
  until [ "$(kubectl get pods 2>/dev/null | awk 'NR>1 && $3=="Running"' | wc -l)" -ge "$1" ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench: pods not Running in time" >&2; return 1; }
    sleep 0.01
  done
}

# Polls until `get pods` lists nothing (bounded by $1 seconds).
wait_gone() {
  local deadline=$((SECONDS + ${1:-300}))
  while [ -n "$(kubectl get pods -o name 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench: pods not gone in time" >&2; return 1; }
    sleep 0.01
  done
}

# Sum of Pss (KiB) over PIDS, from smaps_rollup.
pss_kib() {
  local p sum=0 v
  for p in "$@"; do
    v=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
# utime + stime in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
