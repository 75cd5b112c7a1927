import CSwkSys
@preconcurrency import Dispatch
import Glibc

/// Starting programs with posix_spawn: no fork of a multithreaded Swift process, no Foundation
/// `Process` (whose run loop costs ~45 ms per wait here).
public enum Spawn {
    /// How a child's standard descriptor is wired.
    public enum Stdio: Sendable {
        case inherit
        case null
        case fd(Int32)
    }

    /// Starts `argv[0]` (a path) with `argv`; the environment defaults to ours.
    public static func start(_ argv: [String], env: [String]? = nil,
                             stdin: Stdio = .null, stdout: Stdio = .inherit, stderr: Stdio = .inherit,
                             newSession: Bool = false) throws(SwkError) -> pid_t {
        precondition(!argv.isEmpty)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, how) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch how {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .fd(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            }
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The daemon may block signals on its threads; children start with a clean mask and defaults.
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession { flags |= 0x80 /* POSIX_SPAWN_SETSID */ }
        posix_spawnattr_setflags(&attr, Int16(flags))
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attr, &defaults)

        let environment = env ?? currentEnvironment()
        var pid: pid_t = 0
        let rc = withCStrings(argv) { cargv in
            withCStrings(environment) { cenv in
                posix_spawn(&pid, argv[0], &actions, &attr, cargv, cenv)
            }
        }
        guard rc == 0 else { throw .errno("spawn \(argv[0])", rc) }
        return pid
    }

    /// Waits for `pid` and returns its exit code (128+signal when killed), retrying EINTR.
    public static func wait(_ pid: pid_t) throws(SwkError) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno == EINTR { continue }
            throw .errno("wait for pid \(pid)")
        }
        return exitCode(fromWaitStatus: status)
    }

    /// `run` for async callers: the same capture, but the wait polls instead of blocking a thread,
    /// so an actor waiting on one child lets its other callers go on (independent pods' runtime
    /// calls overlap).
    public static func runAsync(_ argv: [String], env: [String]? = nil, stdin: Stdio = .null) async throws(SwkError) -> Output {
        let out = try CaptureFile(), err = try CaptureFile()
        defer { out.close(); err.close() }
        let pid = try start(argv, env: env, stdin: stdin, stdout: .fd(out.fd), stderr: .fd(err.fd))
        let status: Int32
        do {
            status = try await waitAsync(pid)
        } catch {
            // Cancelled while waiting: the child must not be left as a zombie.
            status = (try? wait(pid)) ?? -1
        }
        return Output(status: status, stdout: String(decoding: out.contents(), as: UTF8.self),
                      stderr: String(decoding: err.contents(), as: UTF8.self))
    }

    /// Waits for `pid` (a child of ours) without holding a thread: wakes when its pidfd polls
    /// readable, i.e. at its exit, not a polling period later; kernels before 5.3 (no pidfd) fall
    /// back to polling with short sleeps (1 ms, doubling to 20 ms). Throws on cancellation,
    /// leaving the child to be reaped by the caller.
    public static func waitAsync(_ pid: pid_t) async throws -> Int32 {
        let fd = swk_pidfd_open(pid)
        guard fd >= 0 else { return try await waitPolling(pid) }
        let (exited, signal) = AsyncStream<Void>.makeStream()
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .global())
        source.setEventHandler { signal.finish() }
        source.setCancelHandler { Glibc.close(fd) }
        source.resume()
        // Ends when the child exits, or at once when the task is cancelled.
        for await _ in exited {}
        source.cancel()
        try Task.checkCancellation()
        return try wait(pid)
    }

    private static func waitPolling(_ pid: pid_t) async throws -> Int32 {
        var status: Int32 = 0
        var pause: UInt64 = 1_000_000
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return exitCode(fromWaitStatus: status) }
            if r < 0 && errno != EINTR { throw SwkError.errno("wait for pid \(pid)") }
            try await Task.sleep(nanoseconds: pause)
            pause = min(pause * 2, 20_000_000)
        }
    }

    public static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        let sig = status & 0x7f
        if sig == 0 { return (status >> 8) & 0xff }
        return 128 + sig
    }

    /// The result of running a program to completion with its output captured.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `argv` to completion, capturing stdout and stderr (small outputs: both go through
    /// temp files so neither pipe can fill and block the child).
    public static func run(_ argv: [String], env: [String]? = nil, stdin: Stdio = .null) throws(SwkError) -> Output {
        let out = try CaptureFile(), err = try CaptureFile()
        defer { out.close(); err.close() }
        let pid = try start(argv, env: env, stdin: stdin, stdout: .fd(out.fd), stderr: .fd(err.fd))
        let status = try wait(pid)
        return Output(status: status, stdout: String(decoding: out.contents(), as: UTF8.self),
                      stderr: String(decoding: err.contents(), as: UTF8.self))
    }

    public static func currentEnvironment() -> [String] {
        var result: [String] = []
        var p = environ
        while let entry = p.pointee {
            result.append(String(cString: entry))
            p += 1
        }
        return result
    }
}

/// Calls `body` with a NULL-terminated C array of C strings that lives for the call.
public func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var cstrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    cstrs.append(nil)
    defer { for p in cstrs { free(p) } }
    return cstrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// A file collecting a child's output: no pipe to fill up while nobody reads it. Without a path
/// it is an unlinked temp file in /tmp.
public struct CaptureFile: Sendable {
    public let fd: Int32

    public init(_ path: String? = nil) throws(SwkError) {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let file = path ?? "/tmp/.swkube-capture-\(getpid())-\(swk_gettid())-\(ts.tv_nsec)"
        fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .errno("create capture file \(file)") }
        if path == nil { unlink(file) }
    }

    /// Everything written so far.
    public func contents() -> [UInt8] {
        lseek(fd, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return bytes
    }

    public func close() { Glibc.close(fd) }
}
