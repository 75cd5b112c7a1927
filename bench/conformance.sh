#!/bin/sh
# Runs the OCI runtime-tools validation suite (opencontainers/runtime-tools `validation/*.t` and
# `runtimetest`, TAP output) against swkube-runc, Debian's runc and crun, and prints a table
# test × runtime of "passed/total". The suite is NOT in Debian (only its library is), so CI cannot
# run this: SUITE must point to a directory built by hand holding `runtimetest`,
# `rootfs-amd64.tar.gz` and `validation/<test>.t` (docs/executor.md says how it was made).
#   bench/conformance.sh [SUITE]          (default /work/conformance; needs root)
# Every runtime runs in one private mount namespace where the cgroup2 mount's cgroup.controllers
# is hidden (crun refuses hybrid cgroup hosts otherwise), as in bench/runc.sh.
set -eu
cd "$(dirname "$0")/.."
SUITE=${1:-/work/conformance}
[ -x "$SUITE/runtimetest" ] && [ -d "$SUITE/validation" ] || {
  echo "conformance: no suite in $SUITE (runtimetest, validation/*.t); see docs/executor.md" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "conformance: run as root" >&2; exit 1; }
swift build -c release --product swkube-runc >/dev/null
SWK=$(pwd)/.build/release/swkube-runc
OUT=$(mktemp -d /tmp/swkconf-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
RUNTIMES="$SWK /usr/bin/crun /usr/sbin/runc"
TESTS=${TESTS:-$(cd "$SUITE/validation" && ls *.t | sed 's/\.t$//' | tr '\n' ' ')}

unshare -m sh -eu -c "
mount --make-rprivate /
[ ! -e /sys/fs/cgroup/unified/cgroup.controllers ] || mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers
cd '$SUITE'
for rt in $RUNTIMES; do
  n=\$(basename \$rt)
  for t in $TESTS; do
    rc=0; RUNTIME=\$rt timeout 120 ./validation/\$t.t > '$OUT'/\$n.\$t.tap 2>&1 || rc=\$?
    echo \"# exit \$rc\" >> '$OUT'/\$n.\$t.tap
  done
done
"
# passed/total per TAP file ("ok"/"not ok" lines). Some tests emit no test point: prestart and
# poststop print "1..0" plus a YAML diagnostic when they fail, the *_fail tests just exit 0 when
# the runtime refused the bad config; those count as one point, passed when the test exited 0
# without a diagnostic. A test that died (util.Fatal) exits non-zero: "0/1".
score() {
  f=$1
  [ -f "$f" ] || { printf 'n/a'; return; }
  # A *_fail test passes when it exits 0 without a YAML diagnostic: process_*_fail when the
  # runtime refused the config, the hook ones (prestart/poststart/poststop_fail) when the
  # lifecycle went on as the spec says; any points are the container's.
  case $f in *_fail.tap) if grep -q '^# exit 0$' "$f" && ! grep -q '^  ---' "$f"; then printf '1/1'; else printf '0/1'; fi; return ;; esac
  ok=$(grep -c '^ok ' "$f" || true); bad=$(grep -c '^not ok ' "$f" || true)
  total=$((ok + bad))
  if [ "$total" != 0 ]; then printf '%s/%s' "$ok" "$total"; return; fi
  if grep -q '^# exit 0$' "$f" && ! grep -q '^  ---' "$f"; then printf '1/1'; else printf '0/1'; fi
}
printf '| test | swkube-runc | crun | runc |\n|---|---|---|---|\n'
for t in $TESTS; do
  printf '| %s | %s | %s | %s |\n' "$t" "$(score "$OUT/swkube-runc.$t.tap")" "$(score "$OUT/crun.$t.tap")" "$(score "$OUT/runc.$t.tap")"
done
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$OUT"/*.tap "$KEEP"/; echo "TAP files kept in $KEEP"; fi
