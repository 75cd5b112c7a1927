import Glibc
import ImageStore
@testable import KubeCtl
import Synchronization
import SwkSupport
import Testing
import TestSupport

/// `swkubectl pull` without a network: the registry's answer comes from a scripted transport.
/// (Pulls from a real registry are in the end-to-end tests.)
@Suite struct PullTests {
    /// Answers every request with 404 MANIFEST_UNKNOWN, as distribution does for an unknown tag.
    struct UnknownTag: RegistryTransport {
        func send(_ request: RegistryRequest, head: (RegistryResponse) throws(SwkError) -> Void,
                  chunk: (UnsafeRawBufferPointer) throws(SwkError) -> Void) async throws(SwkError) {
            try head(RegistryResponse(status: 404, headers: ["Content-Type": "application/json"]))
            let body = Array(#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#.utf8)
            var failure: SwkError?
            body.withUnsafeBytes { b in
                do throws(SwkError) { try chunk(b) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    func tempRoot() throws -> String {
        try makeTempDir("pull")
    }

    @Test func anUnknownTagFailsWithTheRegistrysMessage() throws {
        let root = try tempRoot()
        defer { try? FS.removeTree(root) }
        var ctx = fixedContext()
        ctx.makeRegistryTransport = { _, _ in UnknownTag() }
        let out = Swkubectl.execute(["pull", "--root-dir", root, "--registry-config", "\(root)/none.yaml", "registry.local/app:nope"], ctx)
        #expect(out.exitCode == 1 && out.stderr.contains("registries file \(root)/none.yaml does not exist"), "\(out)")
        try FS.writeAtomic("\(root)/registries.yaml", "configs: {registry.local: {insecure: true}}\n")
        let failed = Swkubectl.execute(["pull", "--root-dir", root, "--registry-config", "\(root)/registries.yaml", "registry.local/app:nope"], ctx)
        #expect(failed == Output(stderr: "error: pull registry.local/app:nope: manifest app:nope from http://registry.local: manifest unknown (HTTP 404 MANIFEST_UNKNOWN)\n", exitCode: 1))
    }

    @Test func withoutATransportPullSaysSo() throws {
        let out = Swkubectl.execute(["pull", "busybox"], fixedContext())
        #expect(out.exitCode == 1 && out.stderr.contains("no registry transport"))
    }

    @Test func progressRedrawsOnATerminalAndPrintsFinishedLayersOtherwise() {
        let written = Mutex<[String]>([])
        let emit: @Sendable (Output) -> Bool = { out in written.withLock { $0.append(out.stdout) }; return true }
        let tick = Mutex<Int64>(0)
        let clock: @Sendable () -> Int64 = { tick.withLock { $0 += 200_000_000; return $0 } }
        let a = "sha256:" + String(repeating: "a", count: 64), b = "sha256:" + String(repeating: "b", count: 64)

        let tty = PullProgress(tty: true, emit: emit, clock: clock)
        tty.update(.init(digest: a, completed: 1000, total: 2000))
        tty.update(.init(digest: b, completed: 2000, total: 2000))
        tty.finish()
        #expect(written.withLock { $0 } == [
            "\r\u{1B}[Kaaaaaaaaaaaa: downloading 1.0kB/2.0kB\n",
            "\u{1B}[1A\r\u{1B}[Kaaaaaaaaaaaa: downloading 1.0kB/2.0kB\n\r\u{1B}[Kbbbbbbbbbbbb: done 2.0kB/2.0kB\n",
            "\u{1B}[2A\r\u{1B}[Kaaaaaaaaaaaa: downloading 1.0kB/2.0kB\n\r\u{1B}[Kbbbbbbbbbbbb: done 2.0kB/2.0kB\n",
        ])

        written.withLock { $0 = [] }
        let plain = PullProgress(tty: false, emit: emit, clock: clock)
        plain.update(.init(digest: a, completed: 1000, total: 2000))
        plain.update(.init(digest: a, completed: 2000, total: 2000))
        plain.finish()
        #expect(written.withLock { $0 } == ["aaaaaaaaaaaa: done 2.0kB/2.0kB\n"])
    }
}
