@testable import ImageStore
import SwkSupport
import Testing

@Suite struct ReferenceTests {
    @Test(arguments: [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("library/busybox", "docker.io/library/busybox:latest"),
        ("docker.io/busybox", "docker.io/library/busybox:latest"),
        ("index.docker.io/library/busybox:1", "docker.io/library/busybox:1"),
        ("team/app:v2", "docker.io/team/app:v2"),
        ("localhost/x:1", "localhost/x:1"),
        ("localhost:5000/team/app", "localhost:5000/team/app:latest"),
        ("registry.example.com/a/b/c:v1.2-rc_3", "registry.example.com/a/b/c:v1.2-rc_3"),
        ("127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1"),
        ("busybox@sha256:" + String(repeating: "ab", count: 32),
         "docker.io/library/busybox@sha256:" + String(repeating: "ab", count: 32)),
        ("quay.io/x/y:t@sha256:" + String(repeating: "0", count: 64),
         "quay.io/x/y:t@sha256:" + String(repeating: "0", count: 64)),
    ])
    func normalises(_ input: String, _ expected: String) throws {
        #expect(try ImageReference.normalize(input) == expected)
    }

    @Test(arguments: ["", "Busybox", "busybox:", "busybox@sha256:abc", "a//b", "-x", "x:.tag",
                      "busybox@md5:" + String(repeating: "0", count: 32), "host:5000/"])
    func rejects(_ input: String) {
        #expect(throws: SwkError.self) { try ImageReference.normalize(input) }
    }

    @Test func splitsDomainAndPath() throws {
        let p = try ImageReference.parse("localhost:5000/team/app:v1")
        #expect(p.domain == "localhost:5000")
        #expect(p.path == "team/app")
        #expect(p.tag == "v1")
    }

    @Test func chainIDsFollowTheSpec() throws {
        let a = "sha256:" + String(repeating: "a", count: 64)
        let b = "sha256:" + String(repeating: "b", count: 64)
        let chains = try Digest.chainIDs([a, b])
        #expect(chains[0] == a)
        #expect(chains[1] == (try Digest.sha256(Array("\(a) \(b)".utf8))))
    }
}
