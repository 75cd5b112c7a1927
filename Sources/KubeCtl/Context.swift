import Glibc
import ImageStore
import StateStore
import SwkSupport

/// What a command's output depends on besides the database, injected so golden tests are exact.
public struct Context: Sendable {
    /// Unix nanoseconds.
    public var now: Int64
    /// The node name shown by `-o wide` and `describe`.
    public var hostname: String
    /// Seconds east of UTC at a given Unix time (for `describe`'s local times).
    public var utcOffset: @Sendable (Int64) -> Int
    /// Whether a process with this pid exists (checks the daemon's heartbeat pid).
    public var isProcessAlive: @Sendable (Int32) -> Bool
    /// The current time (Unix nanoseconds) for commands that run on (`-w`, `-f`, `top`).
    public var clock: @Sendable () -> Int64
    /// Waits this many nanoseconds between polls; tests change the node here instead of sleeping.
    public var pause: @Sendable (Int64) -> Void
    /// Writes output now, for commands that follow changes; false once the reader is gone, which
    /// ends the command (kubectl stops on a closed pipe too).
    public var emit: @Sendable (Output) -> Bool
    /// The descriptors `exec` hands to the container process and `apply -f -` reads.
    public var stdinFD: Int32 = 0
    public var stdoutFD: Int32 = 1
    public var stderrFD: Int32 = 2
    /// Where the cgroup hierarchies are mounted (`top`).
    public var cgroupRoot = "/sys/fs/cgroup"
    /// The directory of the swkubectl binary (the default OCI runtime sits beside it).
    public var binDir = "/usr/local/bin"
    /// Makes the HTTP layer one `pull` talks to registries through, from the registries file
    /// (TLS per registry) and its path (for messages); `pull` shuts it down when done. Set by the
    /// executable (the library does not link the networking stack); nil makes `pull` fail.
    public var makeRegistryTransport: (@Sendable (RegistryConfig, String) throws(SwkError) -> any RegistryTransport)?

    public init(now: Int64, hostname: String, utcOffset: @escaping @Sendable (Int64) -> Int,
                isProcessAlive: @escaping @Sendable (Int32) -> Bool,
                clock: (@Sendable () -> Int64)? = nil,
                pause: @escaping @Sendable (Int64) -> Void = { _ in },
                emit: @escaping @Sendable (Output) -> Bool = { _ in false }) {
        self.now = now
        self.hostname = hostname
        self.utcOffset = utcOffset
        self.isProcessAlive = isProcessAlive
        self.clock = clock ?? { now }
        self.pause = pause
        self.emit = emit
    }

    /// The real clock, host name, local time zone, process table and standard descriptors.
    public static func system() -> Context {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : "localhost"
        var ctx = Context(
            now: Proc.realtimeNanoseconds(),
            hostname: host,
            utcOffset: { t in
                var secs = time_t(t / 1_000_000_000)
                var tm = tm()
                return localtime_r(&secs, &tm) == nil ? 0 : Int(tm.tm_gmtoff)
            },
            isProcessAlive: { pid in kill(pid, 0) == 0 || errno == EPERM },
            clock: { Proc.realtimeNanoseconds() },
            pause: { nanos in
                var left = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
                var rest = timespec()
                while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
            },
            emit: { out in
                _ = Array(out.stderr.utf8).withUnsafeBytes { FS.writeAll(2, $0) }
                if out.stdout.isEmpty {
                    // Nothing to write, but a pipe whose reader left reports POLLERR: stop then too.
                    var fds = [pollfd(fd: 1, events: 0, revents: 0)]
                    return !(poll(&fds, 1, 0) == 1 && fds[0].revents & Int16(POLLERR) != 0)
                }
                return Array(out.stdout.utf8).withUnsafeBytes { FS.writeAll(1, $0) }
            })
        var exe = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        if n > 0 {
            ctx.binDir = FS.dirname(of: String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return ctx
    }
}

/// A command's result: what to print where, and the exit status.
public struct Output: Equatable, Sendable {
    public var stdout: String = ""
    public var stderr: String = ""
    public var exitCode: Int32 = 0

    public init(stdout: String = "", stderr: String = "", exitCode: Int32 = 0) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }
}

/// Paths every command shares (`--root-dir`, `--pod-manifest-path`).
public struct Paths: Sendable, Equatable {
    public static let defaultRootDir = "/var/lib/swkube"
    public static let defaultManifestDir = "/etc/swkube/pods"

    public static let defaultPodLogDir = "/var/log/pods"
    public static let defaultRunDir = "/run/swkube"

    public var rootDir: String
    public var manifestDir: String
    /// nil: what the daemon recorded in the state database, else the default.
    public var podLogDir: String?
    public var runDir: String?
    public var runtime: String?

    public init(rootDir: String = defaultRootDir, manifestDir: String = defaultManifestDir) {
        self.rootDir = rootDir
        self.manifestDir = manifestDir
    }

    public var statePath: String { StateStore.databasePath(rootDir: rootDir) }

    /// The state database, read-only: the CLI never writes it.
    func openState() throws(SwkError) -> StateStore {
        try StateStore(path: statePath, readOnly: true)
    }

    /// The flags, then what the daemon recorded, then the defaults. The runtime's state root is
    /// the daemon's choice: `<run-dir>/runc` only when `--run-dir` is given or nothing was recorded.
    func resolved(_ store: StateStore, _ ctx: Context) throws(SwkError)
        -> (podLogDir: String, runDir: String, runtime: String, runtimeRoot: String) {
        let daemon = try store.daemonSettings() ?? DaemonSettings()
        func pick(_ flag: String?, _ recorded: String, _ fallback: String) -> String {
            if let flag { return flag }
            return recorded.isEmpty ? fallback : recorded
        }
        let dir = pick(runDir, daemon.runDir, Self.defaultRunDir)
        return (pick(podLogDir, daemon.podLogDir, Self.defaultPodLogDir), dir,
                pick(runtime, daemon.runtime, "\(ctx.binDir)/swkube-runc"),
                pick(runDir.map { "\($0)/runc" }, daemon.runtimeRoot, "\(dir)/runc"))
    }
}

/// `warning: swkubelet is not running (last seen 3m ago)` when the heartbeat is stale or its
/// process is gone; nil while the daemon is alive.
func daemonWarning(_ store: StateStore, _ ctx: Context) throws(SwkError) -> String? {
    guard let hb = try store.daemonHeartbeat() else {
        return "warning: swkubelet is not running (it never reported)\n"
    }
    let stale = ctx.now - hb.at > StateStore.heartbeatStaleAfterNanos
    if !stale && ctx.isProcessAlive(hb.pid) { return nil }
    return "warning: swkubelet is not running (last seen \(TimeText.since(hb.at, now: ctx.now)) ago)\n"
}

/// Manifest errors as `error: <file>:<line>: <msg>` lines, so a broken file shows up wherever
/// the operator looks at pods.
func manifestErrorLines(_ errors: [ManifestErrorRecord]) -> String {
    errors.map { "error: \($0.file):\($0.line): \($0.message)\n" }.joined()
}
