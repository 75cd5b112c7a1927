#!/usr/bin/env bash
# Where one pod start goes: the same one-container pod as pod-start-stop.sh, with swkubelet and
# everything it starts under `strace -f -tt` (execve, clone, exit of children only), printed as
# milliseconds since the manifest was renamed into the directory. strace slows process creation,
# so read the phases relative to each other, not as absolute figures. Then PODS (default 100)
# pods at once under `perf record -p` (see below). Needs root, strace, perf.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_init
node_start
sleep 2
pod_yaml bench-0 > "$W/yaml/pod.yaml"
strace -f -tt -qq -e trace=execve -e signal=none -o "$W/strace.txt" -p "$NODE_PID" &
TRACER=$!
sleep 1
t0=$(date +%H:%M:%S.%N | cut -c1-15)
mv "$W/yaml/pod.yaml" "$W/pods/pod.yaml"
wait_running 1
t1=$(date +%H:%M:%S.%N | cut -c1-15)
kill "$TRACER"; wait "$TRACER" 2>/dev/null || true
to_ms() { awk -F: '{printf "%d", ($1*3600 + $2*60 + $3) * 1000}' <<<"$1"; }
base=$(to_ms "$t0")
echo "manifest renamed in at 0 ms; Running seen by the poller at $(( $(to_ms "$t1") - base )) ms"
grep 'execve(' "$W/strace.txt" | grep -v ENOENT | while read -r pid ts rest; do
  prog=$(sed -E 's/^execve\("([^"]*)".*/\1/' <<<"$rest")
  args=$(sed -E 's/^execve\("[^"]*", \[([^]]*)\].*/\1/' <<<"$rest" | cut -c1-90)
  echo "$(( $(to_ms "$ts") - base )) ms  pid $pid  $(basename "$prog")  $args"
done
kubectl get pods >/dev/null
rm -f "$W/pods/pod.yaml"; wait_gone 60

# Then PODS (default 100) pods at once, without strace: swkubelet's own CPU and that of the
# children it reaped (CNI plugins, iptables, runtime calls; the shims are double-forked and not
# counted), against the wall time; and, where perf works, where swkubelet's own CPU goes.
PODS=${PODS:-100}
mkdir -p "$W/stage"
for i in $(seq 1 "$PODS"); do pod_yaml "bench-$i" > "$W/stage/bench-$i.yaml"; done
read -r u0 s0 cu0 cs0 < <(awk '{print $14, $15, $16, $17}' "/proc/$NODE_PID/stat")
perf record -q -F 199 -o "$W/perf.data" -p "$NODE_PID" >/dev/null 2>&1 &
PERF=$!
t0=$(now_ns)
mv "$W/stage/"*.yaml "$W/pods/"
wait_running "$PODS"
t1=$(now_ns)
kill -INT "$PERF"; wait "$PERF" 2>/dev/null || true
read -r u1 s1 cu1 cs1 < <(awk '{print $14, $15, $16, $17}' "/proc/$NODE_PID/stat")
hz=$(getconf CLK_TCK)
echo "$PODS pods at once: $(( (t1 - t0) / 1000000 )) ms wall; swkubelet CPU $(( (u1 - u0 + s1 - s0) * 1000 / hz )) ms (user $(( (u1 - u0) * 1000 / hz ))), reaped children CPU $(( (cu1 - cu0 + cs1 - cs0) * 1000 / hz )) ms"
if [ -s "$W/perf.data" ]; then
  # perf follows the processes swkubelet starts too (runtime `start` calls, CNI plugins).
  echo "samples of swkubelet and what it started, by command and DSO:"
  perf report -q -i "$W/perf.data" --sort comm,dso --percent-limit 2 2>/dev/null | head -15 | cut -c1-150
  echo "by symbol (top 15):"
  perf report -q -i "$W/perf.data" --sort comm,sym --percent-limit 1.5 2>/dev/null | head -15 | cut -c1-150
  echo "host mount table at the end: $(wc -l </proc/self/mountinfo) lines, $(wc -c </proc/self/mountinfo) bytes"
fi
