import Glibc
@testable import ImageStore
import SwkSupport
import Testing

/// `Tests/Fixtures/registry-token-server.py` (python3, signing with the openssl CLI) on a port
/// the kernel picks.
final class TokenServer {
    let pid: pid_t
    let port: Int
    let log: String

    static let isAvailable = FS.exists("/usr/bin/python3") && TestPKI.isAvailable

    init(dir: String, signer: (cert: String, key: String), issuer: String, credentials: String) async throws {
        try FS.makeDirectories(dir)
        log = "\(dir)/grants.log"
        let portFile = "\(dir)/port"
        let stderr = open("\(dir)/server.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(stderr) }
        pid = try Spawn.start(["/usr/bin/python3", "\(repoRoot())/Tests/Fixtures/registry-token-server.py",
                               "--port-file", portFile, "--key", signer.key, "--cert", signer.cert,
                               "--issuer", issuer, "--credentials", credentials, "--log", log],
                              stdout: .fd(stderr), stderr: .fd(stderr))
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
        throw SwkError(.unavailable, "token server did not start; see \(dir)/server.log")
    }

    func stop() {
        Glibc.kill(pid, SIGTERM)
        _ = try? Spawn.wait(pid)
    }

    /// `USER SCOPE…` per token issued, in order.
    func grants() throws -> [String] {
        FS.exists(log) ? try FS.readString(log).split(separator: "\n").map(String.init) : []
    }
}

/// docker-registry with `auth: token`: the registry answers 401 with a Bearer challenge naming
/// the token server; the client fetches a token there (with basic credentials) and retries.
@Suite(.enabled(if: LocalRegistry.isAvailable && TokenServer.isAvailable, "needs docker-registry, skopeo, python3 and openssl"))
struct RegistryTokenTests {
    @Test func pullWithATokenFromTheRealm() async throws {
        let dir = try makeTempDir("registry-token")
        defer { cleanup(dir) }
        let pki = try TestPKI(dir: "\(dir)/pki", name: "token")
        let signer = try pki.issue("swkube token signer", usage: .signing)
        let tokens = try await TokenServer(dir: "\(dir)/tokens", signer: signer, issuer: "swkube-test-issuer",
                                           credentials: "swkube:s3cret")
        defer { tokens.stop() }
        let realm = "http://127.0.0.1:\(tokens.port)/token"
        let registry = try await LocalRegistry(
            dir: "\(dir)/registry",
            token: .init(realm: realm, service: "swkube-test-registry", issuer: "swkube-test-issuer", rootCertBundle: pki.caCert),
            credentials: ("swkube", "s3cret"))
        defer { registry.stop() }
        try registry.push(try buildDemo(in: dir), "private/demo:1")
        let store = try ImageStore(root: "\(dir)/store")
        let ref = "\(registry.host)/private/demo:1"

        // Anonymous: a token without access, which the registry refuses.
        await #expect { _ = try await registry.pull(ref, into: store) } throws: {
            guard let e = $0 as? SwkError else { return false }
            return e.code == .failedPrecondition && e.message.contains("manifest private/demo:1") && e.message.contains("HTTP 401")
        }
        // A wrong password: the token server's 401, named as such.
        await #expect { _ = try await registry.pull(ref, into: store, user: "swkube", password: "wrong") } throws: {
            guard let e = $0 as? SwkError else { return false }
            return e.code == .failedPrecondition
                && e.message.contains("token for manifest private/demo:1 from \(realm): invalid username or password (HTTP 401 UNAUTHORIZED)")
        }
        #expect(try store.list().isEmpty)

        let before = try tokens.grants().count
        let image = try await registry.pull(ref, into: store, user: "swkube", password: "s3cret")
        #expect(image.names == [ref])
        #expect(image.config.cmd == ["sh"])
        // One token, asked for with the challenge's scope and granted just that: pull, no push.
        #expect(try tokens.grants().dropFirst(before) == ["swkube repository:private/demo:pull"])
    }
}
