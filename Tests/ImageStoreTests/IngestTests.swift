import Glibc
@testable import ImageStore
import OCI
import SwkSupport
import Testing
import TestSupport

/// The content-store side of a pull: resumable, verified blob writes; leases; registering.
@Suite struct IngestTests {
    func descriptor(_ bytes: [UInt8]) throws -> ImageSpec.Descriptor {
        .init(mediaType: "application/octet-stream", digest: try Digest.sha256(bytes), size: Int64(bytes.count))
    }

    @Test func anInterruptedDownloadResumesWhereItStopped() throws {
        let dir = try makeTempDir("resume")
        defer { cleanup(dir) }
        let store = try ImageStore(root: dir)
        let blob = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let d = try descriptor(blob)
        var first: BlobIngest? = try store.openIngest(for: d)
        try first?.write(Array(blob[0..<100_000]))
        withExtendedLifetime(first) {
            // A second writer of the same blob is refused while the first holds it.
            _ = #expect { _ = try store.openIngest(for: d) } throws: { ($0 as? SwkError)?.code == .unavailable }
        }
        first = nil // the download is interrupted
        #expect(!store.hasBlob(d.digest))
        let second = try store.openIngest(for: d)
        #expect(second.offset == 100_000)
        try second.write(Array(blob[100_000...]))
        try second.commit()
        #expect(try store.readBlob(d.digest) == blob)
        #expect(try FS.list("\(dir)/content/ingest").isEmpty)
        #expect { _ = try store.openIngest(for: d) } throws: { ($0 as? SwkError)?.code == .alreadyExists }
    }

    @Test func wrongContentIsNeverPublishedNorResumed() throws {
        let dir = try makeTempDir("wrong")
        defer { cleanup(dir) }
        let store = try ImageStore(root: dir)
        let d = try descriptor(Array("the real blob".utf8))
        let w = try store.openIngest(for: d)
        try w.write(Array("the fake blob".utf8))
        #expect { try w.commit() } throws: { ($0 as? SwkError)?.message.contains("digest mismatch") ?? false }
        #expect(!store.hasBlob(d.digest))
        #expect(try FS.list("\(dir)/content/ingest").isEmpty)
        let again = try store.openIngest(for: d)
        #expect(again.offset == 0)
        #expect { try again.write(Array("the real blob, and more".utf8)) } throws: { _ in true }
        #expect { try again.commit() } throws: { ($0 as? SwkError)?.code == .failedPrecondition }
    }

    @Test func aLeaseKeepsUnregisteredBlobsFromTheCollector() throws {
        let dir = try makeTempDir("lease")
        defer { cleanup(dir) }
        let store = try ImageStore(root: dir)
        let d = try descriptor(Array("downloaded, not yet registered".utf8))
        var lease: ContentLease? = try store.lease()
        let w = try store.openIngest(for: d)
        try w.write(Array("downloaded, not yet registered".utf8))
        try w.commit()
        try withExtendedLifetime(lease) {
            try store.collectGarbage()
            #expect(store.hasBlob(d.digest))
        }
        lease = nil
        try store.collectGarbage()
        #expect(!store.hasBlob(d.digest))
    }

    /// What a pull does, fed from the demo layout instead of a registry.
    @Test func registeringAPulledImage() throws {
        let dir = try makeTempDir("register")
        defer { cleanup(dir) }
        let archive = try buildDemo(in: dir)
        try FS.makeDirectories("\(dir)/layout")
        try run(["/bin/tar", "-C", "\(dir)/layout", "-xf", archive])
        let index = try decode(ImageSpec.Index.self, try FS.readBytes("\(dir)/layout/index.json"), "index")
        let manifestDescriptor = index.manifests[0]
        let store = try ImageStore(root: "\(dir)/store")
        let lease = try store.lease()
        defer { withExtendedLifetime(lease) {} }
        #expect(throws: SwkError.self) { try store.register(names: ["x"], manifestDigest: manifestDescriptor.digest) }
        let manifestBytes = try FS.readBytes("\(dir)/layout/blobs/sha256/\(manifestDescriptor.digest.dropFirst(7))")
        let manifest = try decode(ImageSpec.Manifest.self, manifestBytes, "manifest")
        for d in [manifestDescriptor, manifest.config] + manifest.layers {
            let w = try store.openIngest(for: d)
            try w.write(try FS.readBytes("\(dir)/layout/blobs/sha256/\(d.digest.dropFirst(7))"))
            try w.commit()
        }
        let record = try store.register(names: ["localhost/pulled:1"], manifestDigest: manifestDescriptor.digest)
        #expect(record.names == ["localhost/pulled:1"])
        #expect(record.config.cmd == ["sh"])
        #expect(try store.resolve("localhost/pulled:1") == record)
        if isRoot { #expect(try filesUnder(try store.lowerDirs(for: record)[0]).contains("bin/sh")) }
    }
}
