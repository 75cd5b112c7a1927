import CRI
import SwkSupport

extension LocalRuntime {
    /// ExecSync through the OCI runtime's `exec` (joins the container's namespaces and cgroup).
    public func execSync(_ containerId: String, cmd: [String], timeout: Int64) async throws -> ExecSyncResponse {
        guard !cmd.isEmpty else { throw SwkError(.invalidArgument, "exec in container \(containerId): empty command") }
        let status = try await containerStatus(containerId)
        guard status.state == .running else {
            throw SwkError(.failedPrecondition, "exec in container \(containerId): container is not running")
        }
        let argv = [config.runtimePath, "--root", config.runtimeRoot, "exec", containerId] + cmd
        let (out, timedOut) = try await Spawn.run(argv, timeout: max(1, timeout) * 1_000_000_000)
        var response = ExecSyncResponse(stdout: out.stdout, stderr: out.stderr, exitCode: out.status)
        response.timedOut = timedOut
        return response
    }
}
