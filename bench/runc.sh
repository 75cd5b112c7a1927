#!/bin/sh
# swkube-runc vs Debian's runc and crun, side by side in one hyperfine run (not a timed test):
#   1. `run` of /bin/true in a busybox bundle;
#   2. a create / start / wait-until-stopped / delete cycle;
# then peak RSS (GNU time if present, else /proc via busybox) and binary sizes.
# crun refuses hybrid cgroup hosts (v1 controllers + a cgroup2 mount): everything runs in a private
# mount namespace where /sys/fs/cgroup/unified/cgroup.controllers is hidden behind /dev/null, for
# all three runtimes alike. Needs root, hyperfine, runc, crun, busybox-static.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-200}
swift build -c release --product swkube-runc >/dev/null
SWK=$(pwd)/.build/release/swkube-runc
WORK=$(mktemp -d /tmp/swkbench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bundle/rootfs/bin"
cp /bin/busybox "$WORK/bundle/rootfs/bin/busybox"
ln -s busybox "$WORK/bundle/rootfs/bin/true"
ln -s busybox "$WORK/bundle/rootfs/bin/sh"
(cd "$WORK/bundle" && runc spec)
jq '.process.terminal=false | .process.args=["/bin/true"]' "$WORK/bundle/config.json" > "$WORK/c.json"
mv "$WORK/c.json" "$WORK/bundle/config.json"

cat > "$WORK/cycle.sh" <<'CYCLE'
#!/bin/sh
# create / start / wait / delete with runtime $1 and root $2.
set -e
id=c$$
"$1" --root "$2" create --bundle "$3" "$id"
"$1" --root "$2" start "$id"
until "$1" --root "$2" state "$id" | grep -q '"stopped"'; do :; done
"$1" --root "$2" delete "$id"
CYCLE
chmod +x "$WORK/cycle.sh"

B=$WORK/bundle
unshare -m sh -eu -c "
mount --make-rprivate /
mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers
hyperfine -N --warmup 10 --runs $RUNS --export-markdown $WORK/run.md \
  -n swkube-runc '$SWK --root $WORK/r-swk run --bundle $B bench' \
  -n crun '/usr/bin/crun --root $WORK/r-crun run --bundle $B bench' \
  -n runc '/usr/sbin/runc --root $WORK/r-runc run --bundle $B bench'
hyperfine -N --warmup 10 --runs $RUNS --export-markdown $WORK/cycle.md \
  -n swkube-runc '$WORK/cycle.sh $SWK $WORK/r-swk $B' \
  -n crun '$WORK/cycle.sh /usr/bin/crun $WORK/r-crun $B' \
  -n runc '$WORK/cycle.sh /usr/sbin/runc $WORK/r-runc $B'
echo
echo '## peak RSS of one run (KiB, /usr/bin/time -f %M)'
for rt in $SWK /usr/bin/crun /usr/sbin/runc; do
  if [ -x /usr/bin/time ]; then
    printf '%s: ' \$rt; /usr/bin/time -f %M \$rt --root $WORK/r-rss run --bundle $B rss 2>&1 | tail -1
  fi
done
"
echo "## run of /bin/true"; cat "$WORK/run.md"
echo "## create/start/wait/delete"; cat "$WORK/cycle.md"
echo "## binary size (bytes)"
ls -l "$SWK" /usr/bin/crun /usr/sbin/runc | awk '{print $5, $9}'
