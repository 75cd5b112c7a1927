#!/usr/bin/env bash
# N one-container busybox pods dropped at once (N = 1, 10, 50, 100), swkube vs podman, interleaved:
#   swkube: N manifest files renamed into the directory at once → all N Running in `get pods`;
#   podman: `podman kube play` of the same N pods as one multi-document file (it returns once all
#           are started).
# With 100 pods running on both sides: swkubelet RSS, PSS per pod of all swkube processes
# (swkubelet + shims) vs podman's (conmons + infra/catatonit), and swkubelet CPU over 30 s idle.
# swkubelet RSS idle is read before any pod. Teardown between sizes is not timed (podman: `pod rm
# -f -t 0`). Needs root, podman, hyperfine, jq. SIZES and ROUNDS (per size) can be overridden.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SIZES=${SIZES:-"1 10 50 100"}
ROUNDS=${ROUNDS:-3}
IDLE_SECONDS=${IDLE_SECONDS:-30}
bench_init
node_start
sleep 5   # let the daemon settle (first relists, database open) before reading its idle RSS
echo "swkubelet RSS idle, no pods: $(rss_kib "$NODE_PID") KiB"

for n in $SIZES; do
  rm -rf "$W/stage"; mkdir -p "$W/stage"
  for i in $(seq 1 "$n"); do pod_yaml "bench-$i" > "$W/stage/bench-$i.yaml"; done
  pods_yaml "$n" > "$W/yaml/pods-$n.yaml"
  rounds=$ROUNDS; [ "$n" -lt 50 ] || rounds=1
  for r in $(seq 1 "$rounds"); do
    t0=$(now_ns)
    mv "$W/stage/"*.yaml "$W/pods/"
    wait_running "$n"
    t1=$(now_ns)
    pm kube play "$W/yaml/pods-$n.yaml" >/dev/null
    t2=$(now_ns)
    swk=$(( (t1 - t0) / 1000000 )); pmm=$(( (t2 - t1) / 1000000 ))
    echo "pods=$n round=$r swkube_ms=$swk podman_ms=$pmm ratio=$(awk -v a=$swk -v b=$pmm 'BEGIN{printf "%.3f", a/b}') load=$(cut -d' ' -f1 /proc/loadavg)"
    if [ "$n" = 100 ] && [ "$r" = "$rounds" ]; then
      shims=$(shim_pids); conmons=$(pm_conmon_pids); infra=$(pm_infra_pids)
      echo "swkubelet RSS with 100 pods: $(rss_kib "$NODE_PID") KiB"
      k_pss=$(pss_kib "$NODE_PID"); s_pss=$(pss_kib $shims)
      c_pss=$(pss_kib $conmons); i_pss=$(pss_kib $infra)
      echo "swkube PSS: swkubelet $k_pss KiB + $(wc -w <<<"$shims") shims $s_pss KiB = $(( (k_pss + s_pss) / 100 )) KiB per pod"
      echo "podman PSS: $(wc -w <<<"$conmons") conmons $c_pss KiB + $(wc -w <<<"$infra") infra $i_pss KiB = $(( (c_pss + i_pss) / 100 )) KiB per pod"
      c0=$(cpu_ticks "$NODE_PID"); sleep "$IDLE_SECONDS"; c1=$(cpu_ticks "$NODE_PID")
      echo "swkubelet CPU with 100 idle pods over ${IDLE_SECONDS} s: $(awk -v d=$((c1 - c0)) -v s="$IDLE_SECONDS" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f%%", 100*d/hz/s}') of a core"
    fi
    # Untimed teardown of both sides.
    mv "$W/pods/"bench-*.yaml "$W/stage/"
    pm pod rm -af -t 0 >/dev/null 2>&1   # (podman warns it has no syslog here)
    wait_gone 300
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
