import Glibc
@testable import ImageStore
import SwkSupport
import Testing
import TestSupport

/// docker-registry with `auth: token`: the registry answers 401 with a Bearer challenge naming
/// the token server; the client fetches a token there (with basic credentials) and retries.
@Suite(.enabled(if: LocalRegistry.isAvailable && FixtureServer.isAvailable && TestPKI.isAvailable,
                 "needs docker-registry, skopeo, python3 and openssl"))
struct RegistryTokenTests {
    @Test func pullWithATokenFromTheRealm() async throws {
        let dir = try makeTempDir("registry-token")
        defer { cleanup(dir) }
        let pki = try TestPKI(dir: "\(dir)/pki", name: "token")
        let signer = try pki.issue("swkube token signer", usage: .signing)
        let grants = "\(dir)/grants.log"
        let tokens = try await FixtureServer(script: "registry-token-server.py", dir: "\(dir)/tokens", arguments: [
            "--key", signer.key, "--cert", signer.cert, "--issuer", "swkube-test-issuer", "--credentials", "swkube:s3cret",
            "--log", grants,
        ])
        defer { tokens.stop() }
        // `USER SCOPE…` per token issued, in order.
        func granted() throws -> [String] {
            FS.exists(grants) ? try FS.readString(grants).split(separator: "\n").map(String.init) : []
        }
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

        let before = try granted().count
        let image = try await registry.pull(ref, into: store, user: "swkube", password: "s3cret")
        #expect(image.names == [ref])
        #expect(image.config.cmd == ["sh"])
        // One token, asked for with the challenge's scope and granted just that: pull, no push.
        #expect(try granted().dropFirst(before) == ["swkube repository:private/demo:pull"])
    }
}
