import Glibc
import SwkSupport

/// A python3 server from `Tests/Fixtures` (the token server, the redirector) on 127.0.0.1, on a
/// port the kernel picks and the script writes to `--port-file`.
final class FixtureServer {
    let pid: pid_t
    let port: Int

    static let isAvailable = FS.exists("/usr/bin/python3")

    init(script: String, dir: String, arguments: [String]) async throws {
        try FS.makeDirectories(dir)
        let portFile = "\(dir)/port"
        let log = open("\(dir)/server.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(log) }
        pid = try Spawn.start(["/usr/bin/python3", "\(repoRoot())/Tests/Fixtures/\(script)", "--port-file", portFile] + arguments,
                              stdout: .fd(log), stderr: .fd(log))
        for _ in 0..<200 {
            if let text = try? FS.readString(portFile), let port = Int(text) {
                self.port = port
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        Glibc.kill(pid, SIGKILL)
        _ = try? Spawn.wait(pid)
        throw SwkError(.unavailable, "\(script) did not start; see \(dir)/server.log")
    }

    func stop() {
        Glibc.kill(pid, SIGTERM)
        _ = try? Spawn.wait(pid)
    }
}
