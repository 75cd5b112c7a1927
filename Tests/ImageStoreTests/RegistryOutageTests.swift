import Glibc
@testable import ImageStore
import SwkSupport
import Synchronization
import Testing
import TestSupport

/// A registry that dies (SIGKILL) while a large blob streams: the pull fails naming the registry
/// and the blob, the store lists nothing and GC leaves no orphan; once the registry is back on
/// the same storage, the next pull resumes the partial blob with `Range` and completes.
@Suite(.enabled(if: LocalRegistry.isAvailable, "needs docker-registry and skopeo"))
struct RegistryOutageTests {
    static let bigSize = 48 << 20

    /// Incompressible bytes, so the layer blob is as large as its file.
    static func randomBytes(_ count: Int) throws -> [UInt8] {
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwkError.errno("open /dev/urandom") }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, count - done) }
            guard n > 0 else { throw SwkError.errno("read /dev/urandom") }
            done += n
        }
        return out
    }

    @Test func aRegistryKilledMidBlob() async throws {
        let dir = try makeTempDir("registry-dies")
        defer { cleanup(dir) }
        let archive = try makeOCIArchive(in: dir, name: "x/big:1", layers: [
            [.file("etc/small", "small layer")],
            [TarEntry(path: "data/big.bin", kind: .file(try Self.randomBytes(Self.bigSize)))],
        ], compression: .none)
        let expected = try ImageStore(root: "\(dir)/reference").importArchive(path: archive)[0]
        let registry = try await LocalRegistry(dir: "\(dir)/registry")
        defer { registry.stop() }
        try registry.push(archive, "team/big:1")
        let store = try ImageStore(root: "\(dir)/store")
        let ref = "\(registry.host)/team/big:1"
        let ingest = "\(dir)/store/content/ingest"

        // Killed from the download's own progress report: the partial file holds bytes by then,
        // and most of the blob has not left the registry.
        let killed = Mutex<String?>(nil)
        let pid = registry.pid
        await #expect {
            _ = try await registry.pull(ref, into: store, progress: { p in
                guard p.total > Int64(Self.bigSize / 2), p.completed > 0 else { return }
                killed.withLock { digest in
                    guard digest == nil, (lstatOf("\(ingest)/\(p.digest.dropFirst(7)).partial")?.st_size ?? 0) > 0 else { return }
                    kill(pid, SIGKILL)
                    digest = p.digest
                }
            })
        } throws: { error in
            guard let e = error as? SwkError, let blob = killed.withLock({ $0 }) else { return false }
            return e.code == .unavailable && e.message.contains("http://\(registry.host)") && e.message.contains("blobs/\(blob)")
        }
        registry.kill()
        let blob = try #require(killed.withLock { $0 })
        #expect(try store.list().isEmpty)

        try store.collectGarbage()
        #expect(try FS.list("\(dir)/store/content/blobs/sha256").isEmpty)
        #expect(try FS.list("\(dir)/store/snapshots").isEmpty)
        let partial = "\(ingest)/\(blob.dropFirst(7)).partial"
        let kept = try #require(lstatOf(partial)).st_size
        #expect(kept > 0 && kept < Self.bigSize, "the partial blob is kept for a resume")

        try await registry.restart()
        let firstOffset = Mutex<Int64?>(nil)
        let image = try await registry.pull(ref, into: store, progress: { p in
            guard p.digest == blob else { return }
            firstOffset.withLock { if $0 == nil { $0 = p.completed } }
        })
        #expect(try #require(firstOffset.withLock { $0 }) > Int64(kept), "resumed with Range from \(kept) bytes")
        #expect(image.id == expected.id)
        #expect(image.names == [ref])
        #expect(!FS.exists(partial))
        if isRoot {
            let dirs = try store.lowerDirs(for: image)
            #expect(lstatOf("\(dirs[0])/data/big.bin")?.st_size == Self.bigSize)
        }
    }
}
