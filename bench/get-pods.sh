#!/usr/bin/env bash
# `swkubectl get pods` with 100 running pods vs `podman ps` with the same 100 pods' containers
# (started by `podman kube play` of the same manifests; `podman ps` lists them with their infra
# containers, as it does by default), both in one hyperfine invocation while both sets run.
# Needs root, podman, hyperfine, jq. PODS (default 100) and RUNS (default 50) can be overridden.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PODS=${PODS:-100}
RUNS=${RUNS:-50}
bench_init
node_start
for i in $(seq 1 "$PODS"); do pod_yaml "bench-$i" > "$W/yaml/bench-$i.yaml"; done
mv "$W/yaml/"bench-*.yaml "$W/pods/"
wait_running "$PODS"
pods_yaml "$PODS" > "$W/yaml/pods.yaml"
pm kube play "$W/yaml/pods.yaml" >/dev/null
echo "swkube: $(kubectl get pods | awk 'NR>1 && $3=="Running"' | wc -l) pods Running; podman: $(pm ps -q | wc -l) containers running"

PM="podman --root $W/pm/root --runroot $W/pm/runroot --cgroup-manager cgroupfs"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/get.json" --export-markdown "$W/get.md" \
  -n 'swkubectl get pods' "$BIN/swkubectl --root-dir $W/root --pod-manifest-path $W/pods get pods" \
  -n 'podman ps' "$PM ps"
cat "$W/get.md"
jq -r '[.results[].median] | "ratio: \(.[0]*1000|floor) ms vs \(.[1]*1000|floor) ms (medians): \(.[0]/.[1]*1000|round/1000)×"' "$W/get.json"
pm pod rm -af -t 0 >/dev/null 2>&1
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
