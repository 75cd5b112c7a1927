import CRI
import Glibc
import SwkSupport

extension LocalRuntime {
    /// `RUNTIME exec --pid-file P ID CMD…`: the process gets the container's env, cwd and user
    /// from its config.json (as `runc exec` gives them). The actor is not blocked while the
    /// command runs: the wait polls and sleeps, so other calls go on meanwhile.
    public func execSync(_ containerId: String, _ cmd: [String], timeout: Int64) async throws -> ExecSyncResponse {
        let what = "exec \(cmd.first.map { "\"\($0)\"" } ?? "") in container \(containerId)"
        guard let record = containers[containerId] else { throw SwkError(.notFound, "\(what): no such container") }
        guard !cmd.isEmpty else { throw SwkError(.invalidArgument, "\(what): empty command") }
        let dir = layout.containerDir(containerId)
        guard record.startedAt != 0, case .alive = ShimFiles.observe(dir) else {
            throw SwkError(.failedPrecondition, "\(what): the container is not running")
        }
        let execDir = "\(dir)/exec-\(try RuntimeIDs.make().prefix(12))"
        try FS.makeDirectories(execDir, mode: 0o700)
        defer { try? FS.removeTree(execDir) }
        let out = try CaptureFile("\(execDir)/stdout"), err = try CaptureFile("\(execDir)/stderr")
        defer { out.close(); err.close() }
        let pidFile = "\(execDir)/pid"
        let pid = try Spawn.start([config.runtimePath, "--root", config.runtimeRoot, "exec", "--pid-file", pidFile, containerId] + cmd,
                                  stdin: .null, stdout: .fd(out.fd), stderr: .fd(err.fd))
        let deadline = timeout > 0 ? ContinuousClock.now + .seconds(timeout) : nil
        var pause = Duration.milliseconds(1)
        while true {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                return ExecSyncResponse(stdout: out.contents(), stderr: err.contents(),
                                        exitCode: Spawn.exitCode(fromWaitStatus: status))
            }
            if r < 0, errno != EINTR { throw SwkError.errno("\(what): wait for \(config.runtimePath) exec") }
            if let deadline, ContinuousClock.now >= deadline {
                // Kill the command inside the container, then the runtime's exec that waits for it.
                if let text = try? FS.readString(pidFile), let inner = text.split(whereSeparator: \.isWhitespace).first.flatMap({ pid_t($0) }) {
                    kill(inner, SIGKILL)
                }
                kill(pid, SIGKILL)
                _ = try? Spawn.wait(pid)
                throw SwkError(.unavailable, "\(what): timed out after \(timeout) s")
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
    }
}
