import CSwkSys
import ContainerLog
import Glibc
import SwkSupport

/// The detached monitor process: creates the container, then logs and reaps until its init exits.
///
/// Files it writes in the state directory (read by `Runtime.LocalRuntime`):
/// - `pids`: `<init pid> <init start time> <shim pid> <shim start time>` once the container exists;
/// - `exit`: `exit_code=N`, `finished_at=<ns>`, `oom_killed=0|1` lines, written atomically after
///   the init was reaped and its output drained;
/// - `shim.log`: the shim's own errors; `runtime.log`: the OCI runtime's `--log`.
struct Monitor {
    let options: ShimOptions
    let statusFd: Int32

    /// After the init exited, output still arriving within this many ms is logged; then we stop
    /// (a process outside the container's pid namespace may hold the pipes open forever).
    private let drainMillis: Int32 = 100

    func run() -> Int32 {
        let status = detachStdio()
        _ = swk_set_child_subreaper()
        for sig in [SIGPIPE, SIGHUP, SIGINT, SIGTERM] { signal(sig, SIG_IGN) }
        do throws(SwkError) {
            let container = try createContainer()
            Launcher.report(status, "ok")
            close(status)
            monitor(container)
            return 0
        } catch {
            let text = "create container \(options.id): \(error)"
            logError(text)
            Launcher.report(status, text)
            return 1
        }
    }

    /// Points 0-2 at /dev/null and shim.log and closes everything else inherited; returns the
    /// status pipe's new descriptor (3).
    private func detachStdio() -> Int32 {
        let log = open("\(options.stateDir)/shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        if null >= 0 { dup2(null, 0); dup2(null, 1) }
        dup2(log >= 0 ? log : null, 2)
        dup2(statusFd, 3)
        _ = swk_fcntl_setfd(3, FD_CLOEXEC)
        swk_close_from(4)
        return 3
    }

    private func logError(_ text: String) {
        var line = CRILogStream.timestamp()
        line.append(contentsOf: " \(text)\n".utf8)
        _ = line.withUnsafeBytes { FS.writeAll(2, $0) }
    }

    /// What the monitor loop needs about a created container.
    struct Created {
        var pid: pid_t
        var out: Int32
        var err: Int32
        var log: LogFile
        var signals: Int32
        var oomCounter: String?
        var oomKillsBefore: Int
    }

    private func createContainer() throws(SwkError) -> Created {
        let signals = swk_sigchld_fd()
        guard signals >= 0 else { throw .errno("signalfd") }
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard swk_pipe2(&out, O_CLOEXEC) == 0, swk_pipe2(&err, O_CLOEXEC) == 0 else { throw .errno("pipe") }
        let log = try LogFile(path: options.logPath, maxSize: options.logMaxSize, maxFiles: options.logMaxFiles)
        let pidFile = "\(options.stateDir)/init.pid"
        let argv = [options.runtime, "--root", options.runtimeRoot, "--log", "\(options.stateDir)/runtime.log",
                    "create", "--bundle", options.bundle, "--pid-file", pidFile, options.id]
        let runtime = try Spawn.start(argv, stdin: .null, stdout: .fd(out[1]), stderr: .fd(err[1]))
        close(out[1])
        close(err[1])
        for fd in [out[0], err[0]] { _ = swk_fcntl_setfl(fd, swk_fcntl_getfl(fd) | O_NONBLOCK) }
        let rc = try Spawn.wait(runtime)
        // The init is blocked until `start`, so whatever is in the pipes now came from the runtime.
        let said = (readAvailable(err[0]) + readAvailable(out[0])).split(separator: "\n").joined(separator: "; ")
        guard rc == 0 else {
            throw SwkError(.system, "\(options.runtime) create exited with status \(rc)\(said.isEmpty ? "" : ": \(said)")")
        }
        if !said.isEmpty { logError("runtime: \(said)") }
        let text = try FS.readString(pidFile).split(whereSeparator: { $0 == " " || $0 == "\n" }).first.map(String.init) ?? ""
        guard let pid = pid_t(text), let start = Proc.startTime(pid) else {
            throw SwkError(.system, "read container pid from \(pidFile): got \"\(text)\"")
        }
        let me = getpid()
        try FS.writeAtomic("\(options.stateDir)/pids", "\(pid) \(start) \(me) \(Proc.startTime(me) ?? 0)\n")
        let counter = oomCounterFile(pid)
        return Created(pid: pid, out: out[0], err: err[0], log: log, signals: signals,
                       oomCounter: counter, oomKillsBefore: counter.map(oomKills) ?? 0)
    }

    private func readAvailable(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Copies output into the log and reaps children until the init exited and its output drained,
    /// then records the exit.
    private func monitor(_ c: Created) {
        var log = c.log
        var fds = [pollfd(fd: c.signals, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: c.out, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: c.err, events: Int16(POLLIN), revents: 0)]
        var streams = [CRILogStream(stream: "stdout"), CRILogStream(stream: "stderr")]
        var buf = [UInt8](repeating: 0, count: 32 * 1024)
        var exitCode: Int32?
        var finishedAt: Int64 = 0
        while !(exitCode != nil && fds[1].fd < 0 && fds[2].fd < 0) {
            let ready = poll(&fds, nfds_t(fds.count), exitCode == nil ? -1 : drainMillis)
            if ready < 0 {
                if errno == EINTR { continue }
                logError("\(SwkError.errno("poll"))")
                break
            }
            if ready == 0 { break }
            if fds[0].revents != 0 {
                _ = swk_sigchld_drain(c.signals)
                if let code = reapChildren(initPid: c.pid) {
                    exitCode = code
                    finishedAt = Proc.realtimeNanoseconds()
                }
            }
            for i in 1...2 where fds[i].fd >= 0 && fds[i].revents != 0 {
                var record: [UInt8] = []
                let n = buf.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    streams[i - 1].feed(buf[0..<n], into: &record)
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    streams[i - 1].finish(into: &record)
                    close(fds[i].fd)
                    fds[i].fd = -1
                }
                if let error = log.write(record) { logError("\(error)") }
            }
        }
        var tail: [UInt8] = []
        for i in 0..<2 { streams[i].finish(into: &tail) }
        if let error = log.write(tail) { logError("\(error)") }
        let oom = c.oomCounter.map { oomKills($0) > c.oomKillsBefore } ?? false
        let record = "exit_code=\(exitCode ?? 255)\nfinished_at=\(finishedAt)\noom_killed=\(oom ? 1 : 0)\n"
        do throws(SwkError) {
            try FS.writeAtomic("\(options.stateDir)/exit", record)
        } catch {
            logError("record exit: \(error)")
        }
        _ = reapChildren(initPid: c.pid)
    }

    /// Reaps every exited child (orphans included: we are their subreaper); returns the init's
    /// exit code (128+signal when killed) if the init was among them.
    private func reapChildren(initPid: pid_t) -> Int32? {
        var result: Int32?
        var st: Int32 = 0
        while true {
            let pid = waitpid(-1, &st, WNOHANG)
            if pid <= 0 { return result }
            if pid == initPid { result = Spawn.exitCode(fromWaitStatus: st) }
        }
    }

    /// The cgroup file counting the container's OOM kills (v1 memory.oom_control, v2 memory.events).
    private func oomCounterFile(_ pid: pid_t) -> String? {
        guard let text = try? FS.readString("/proc/\(pid)/cgroup") else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[1].split(separator: ",").contains("memory") {
                return "/sys/fs/cgroup/memory\(parts[2])/memory.oom_control"
            }
        }
        if FS.exists("/sys/fs/cgroup/cgroup.controllers"),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) {
            return "/sys/fs/cgroup\(line.dropFirst(3))/memory.events"
        }
        return nil
    }

    private func oomKills(_ file: String) -> Int {
        guard let text = try? FS.readString(file) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst("oom_kill ".count)) ?? 0
        }
        return 0
    }
}
