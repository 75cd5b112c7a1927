import CSwkSys
import Glibc
import OCI
import SwkSupport

/// OCI hooks (config.md "POSIX-platform Hooks"): each runs with the container state as JSON on its
/// stdin, in the runtime's namespaces; a non-zero exit or a timeout fails the operation.
enum Hooks {
    static func run(_ hooks: [Hook]?, state: State, name: String) throws(SwkError) {
        guard let hooks, !hooks.isEmpty else { return }
        let json = Array(StateJSON.compact(state).utf8)
        for (i, hook) in hooks.enumerated() {
            try runOne(hook, json: json, field: "hooks.\(name)[\(i)]")
        }
    }

    /// poststart and poststop: a failing hook is only a warning and the remaining ones still run
    /// (runtime-spec "Lifecycle"); returns every failure, in order.
    static func runAll(_ hooks: [Hook]?, state: State, name: String) -> [SwkError] {
        guard let hooks, !hooks.isEmpty else { return [] }
        let json = Array(StateJSON.compact(state).utf8)
        var failures: [SwkError] = []
        for (i, hook) in hooks.enumerated() {
            do { try runOne(hook, json: json, field: "hooks.\(name)[\(i)]") } catch { failures.append(error) }
        }
        return failures
    }

    private static func runOne(_ hook: Hook, json: [UInt8], field: String) throws(SwkError) {
        var pipe: [Int32] = [-1, -1]
        guard swk_pipe2(&pipe, O_CLOEXEC) == 0 else { throw .errno("pipe for \(field)") }
        let argv = hook.args.flatMap { $0.isEmpty ? nil : $0 } ?? [hook.path]
        let pid: pid_t
        do {
            pid = try Spawn.start([hook.path] + argv.dropFirst(), env: hook.env ?? [],
                                  stdin: .fd(pipe[0]), stdout: .inherit, stderr: .inherit)
        } catch {
            close(pipe[0]); close(pipe[1])
            throw error.context(field)
        }
        close(pipe[0])
        // A hook that does not read its stdin must not block us: EPIPE is ignored.
        signal(SIGPIPE, SIG_IGN)
        _ = json.withUnsafeBytes { FS.writeAll(pipe[1], $0) }
        close(pipe[1])
        let status = try waitHook(pid, timeout: hook.timeout, field: field)
        guard status == 0 else {
            throw SwkError(.failedPrecondition, "\(field) \(hook.path): exited with status \(status)")
        }
    }

    private static func waitHook(_ pid: pid_t, timeout: Int?, field: String) throws(SwkError) -> Int32 {
        guard let timeout, timeout > 0 else { return try Spawn.wait(pid) }
        var status: Int32 = 0
        for _ in 0..<(timeout * 1000) {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return Spawn.exitCode(fromWaitStatus: status) }
            if r < 0 && errno != EINTR { throw .errno("wait for \(field)") }
            var ts = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&ts, nil)
        }
        kill(pid, SIGKILL)
        _ = try? Spawn.wait(pid)
        throw SwkError(.failedPrecondition, "\(field): timed out after \(timeout)s")
    }
}
