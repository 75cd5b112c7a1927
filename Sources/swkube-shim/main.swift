// swkube-shim: the per-container monitor (after conmon and containerd-shim-runc-v2, one per
// container). The launcher process detaches a monitor (setsid + double fork), which creates the
// container through the OCI runtime with pipes as its stdio, reports "created" or the runtime's
// error back to the launcher, then copies the pipes into a CRI-format log, reaps every child (it is
// a subreaper) and writes `<state-dir>/exit` when the container's init exits.
//
// Synchronous and Foundation-free so it stays small; the daemon may die at any time without it.
import CSwkSys
import Glibc
import SwkSupport

let usage = "usage: swkube-shim --runtime PATH --runtime-root DIR --id ID --bundle DIR --log-path FILE --state-dir DIR [--log-max-size BYTES] [--log-max-files N]"

let options: ShimOptions
do {
    options = try ShimOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    Launcher.report(2, "swkube-shim: \(error)\n\(usage)\n")
    exit(2)
}

// The status pipe carries "ok" or the error text from the monitor to the launcher.
var status: [Int32] = [0, 0]
guard swk_pipe2(&status, O_CLOEXEC) == 0 else {
    Launcher.report(2, "swkube-shim: \(SwkError.errno("create status pipe"))\n")
    exit(1)
}
fflush(nil)
let first = fork()
if first < 0 {
    Launcher.report(2, "swkube-shim: \(SwkError.errno("fork"))\n")
    exit(1)
}
if first > 0 {
    // Launcher: wait for the monitor's verdict, which arrives once the runtime's create returned.
    close(status[1])
    let verdict = Launcher.readAll(status[0])
    _ = try? Spawn.wait(first)
    if verdict == "ok" { exit(0) }
    Launcher.report(2, verdict.isEmpty ? "swkube-shim: monitor exited before reporting\n" : "\(verdict)\n")
    exit(1)
}

// Intermediate: a new session, then fork again so the monitor is no session leader and is
// reparented away from the launcher (and from swkubelet).
close(status[0])
setsid()
let second = fork()
if second < 0 {
    Launcher.report(status[1], "swkube-shim: \(SwkError.errno("fork monitor"))")
    _exit(1)
}
if second > 0 { _exit(0) }

exit(Monitor(options: options, statusFd: status[1]).run())
