import Glibc
import SwkSupport

/// The signals `run` and `exec` relay to the container's process, as runc does: blocked from
/// before the process is cloned (so one that arrives while it starts waits instead of killing the
/// runtime) and taken with sigwaitinfo — no handlers, nothing asynchronous. The C child empties its
/// mask before its execve, so the container's process does not inherit the block.
struct ForwardedSignals {
    static let relayed: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM]

    private var set = sigset_t()
    private var previous = sigset_t()

    static func block() -> ForwardedSignals {
        var s = ForwardedSignals()
        sigemptyset(&s.set)
        for sig in relayed + [SIGCHLD] { sigaddset(&s.set, sig) }
        sigprocmask(SIG_BLOCK, &s.set, &s.previous)
        return s
    }

    func restore() {
        var previous = previous
        sigprocmask(SIG_SETMASK, &previous, nil)
    }

    /// Relays every signal we receive to `pid` until it exits; returns its wait status.
    func relayUntilExit(_ pid: pid_t) throws(SwkError) -> Int32 {
        var set = set
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return status }
            if r < 0 && errno != EINTR { throw .errno("wait for process \(pid)") }
            var info = siginfo_t()
            let sig = sigwaitinfo(&set, &info)
            if sig > 0 && sig != SIGCHLD { kill(pid, sig) }
        }
    }
}
