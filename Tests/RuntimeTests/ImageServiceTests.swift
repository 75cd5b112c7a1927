import CRI
import Glibc
import ImageStore
@testable import Runtime
import SwkSupport
import Testing
import TestSupport

/// `LocalImageService` over a real image store in a temp directory.
struct ImageServiceTests {
    @Test func imageFsInfoReportsTheStoresBytesAndInodes() async throws {
        let root = try Harness.makeTempDir()
        defer { try? FS.removeTree(root) }
        let store = try ImageStore(root: "\(root)/images")
        let service = LocalImageService(store: store, clock: FixedClock(now: 1_700_000_000_123_456_789))

        let empty = try await service.imageFsInfo()
        #expect(empty.containerFilesystems.isEmpty)
        let before = try #require(empty.imageFilesystems.first)
        #expect(empty.imageFilesystems.count == 1)
        #expect(before.timestamp == 1_700_000_000_123_456_789)
        #expect(before.fsId.mountpoint == store.root)

        // One 1 MiB file where unpacked layers live: one more inode, at least 1 MiB more used.
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try FS.writeAtomic("\(store.root)/snapshots/layer.bin", bytes)
        let after = try #require(try await service.imageFsInfo().imageFilesystems.first)
        #expect(after.inodesUsed == before.inodesUsed.map { $0 + 1 })
        let grown = try #require(after.usedBytes) - (try #require(before.usedBytes))
        #expect(grown >= 1 << 20 && grown < 2 << 20, "grew by \(grown) bytes")
    }
}
