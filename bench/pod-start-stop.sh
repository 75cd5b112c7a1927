#!/usr/bin/env bash
# One-container busybox pod, swkube vs `podman kube play` / `podman kube down`, in one hyperfine
# invocation per measure (the sides run one after the other within it, the same load for both):
#   start:    manifest written (atomic rename into the directory) → `swkubectl get pods` says
#             Running, vs `podman kube play` returning (podman's own notion of started);
#   teardown: manifest deleted → the pod gone from `get pods`, vs `podman kube down` returning.
# The workload is the same on both sides (lib.sh: sh as PID 1 that exits on TERM; grace 10 s).
# The swkube side polls `get pods` every 10 ms (so the poller does not starve the node on 2
# cores): its figures carry up to ~10 ms + one `get pods` of polling latency.
# Needs root, podman, hyperfine, jq. RUNS (default 10) runs per side.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-10}
bench_init
node_start
pod_yaml bench-0 > "$W/yaml/pod.yaml"

K="$BIN/swkubectl --root-dir $W/root --pod-manifest-path $W/pods"
cat > "$W/swk-up.sh" <<EOF
#!/bin/bash
cp $W/yaml/pod.yaml $W/pods/.pod.yaml.tmp && mv $W/pods/.pod.yaml.tmp $W/pods/pod.yaml
until $K get pods bench-0 2>/dev/null | awk 'NR>1 && \$3=="Running"' | grep -q .; do sleep 0.01; done
EOF
cat > "$W/swk-down.sh" <<EOF
#!/bin/bash
[ -e $W/pods/pod.yaml ] || exit 0
rm -f $W/pods/pod.yaml
while [ -n "\$($K get pods -o name 2>/dev/null)" ]; do sleep 0.01; done
EOF
PM="podman --root $W/pm/root --runroot $W/pm/runroot --cgroup-manager cgroupfs"
cat > "$W/pm-up.sh" <<EOF
#!/bin/bash
export CONTAINERS_CONF=$CONTAINERS_CONF
! $PM pod exists bench-0 || exit 0
$PM kube play $W/yaml/pod.yaml >/dev/null
EOF
cat > "$W/pm-down.sh" <<EOF
#!/bin/bash
export CONTAINERS_CONF=$CONTAINERS_CONF
$PM pod exists bench-0 || exit 0
$PM kube down $W/yaml/pod.yaml >/dev/null
EOF
chmod +x "$W"/*.sh

hyperfine -N --runs "$RUNS" --export-json "$W/start.json" --export-markdown "$W/start.md" \
  --prepare "$W/swk-down.sh" -n 'swkube: manifest → Running' "$W/swk-up.sh" \
  --prepare "$W/pm-down.sh" -n 'podman kube play' "$W/pm-up.sh"
hyperfine -N --runs "$RUNS" --export-json "$W/stop.json" --export-markdown "$W/stop.md" \
  --prepare "$W/swk-up.sh" -n 'swkube: manifest deleted → gone' "$W/swk-down.sh" \
  --prepare "$W/pm-up.sh" -n 'podman kube down' "$W/pm-down.sh"
"$W/swk-down.sh"; "$W/pm-down.sh"

ratio() { jq -r '[.results[].median] | "\(.[0]*1000|floor) ms vs \(.[1]*1000|floor) ms (medians): \(.[0]/.[1]*1000|round/1000)×"' "$1"; }
echo "## start (manifest written → running)"; cat "$W/start.md"; echo "ratio: $(ratio "$W/start.json")"
echo "## teardown (manifest deleted → gone)"; cat "$W/stop.md"; echo "ratio: $(ratio "$W/stop.json")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
