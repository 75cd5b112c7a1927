import CSwkSys
import Glibc
import OCI
import SwkSupport

/// A resumable write of one blob of known digest and size, as a pull downloads it.
///
/// The bytes go to `content/ingest/<hex>.partial`, locked with `flock` so two pulls of the same
/// blob cannot interleave (the second gets `.unavailable` and should retry later). Opening an
/// existing partial re-hashes what is there and continues at `offset`: ask the registry for
/// `Range: bytes=<offset>-`. `commit()` checks size and digest, syncs, and renames the file into
/// the blob store; a digest mismatch deletes the partial, so a bad download is never resumed.
/// Single owner (not Sendable); dropping it without commit keeps the partial for a later resume.
public final class BlobIngest {
    public let descriptor: ImageSpec.Descriptor
    /// Bytes already written (resumed ones included).
    public private(set) var offset: Int64 = 0
    private let path: String
    private let destination: String
    private var fd: Int32
    private var hasher: SHA256Hasher

    init(store: ContentStore, descriptor: ImageSpec.Descriptor) throws(SwkError) {
        let hex = try Digest.hex(descriptor.digest)
        guard descriptor.size >= 0 else { throw SwkError(.invalidArgument, "blob \(descriptor.digest) has negative size") }
        self.descriptor = descriptor
        path = "\(store.ingestDir)/\(hex).partial"
        destination = "\(store.blobsDir)/\(hex)"
        hasher = try SHA256Hasher()
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .errno("open ingest file \(path)") }
        do throws(SwkError) {
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                throw SwkError(.unavailable, "blob \(descriptor.digest) is being written by another pull")
            }
            try resume()
        } catch {
            Glibc.close(fd)
            fd = -1
            throw error
        }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Re-hashes the bytes a previous attempt left, or starts over if they cannot be right.
    private func resume() throws(SwkError) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .errno("stat \(path)") }
        if Int64(st.st_size) > descriptor.size {
            guard ftruncate(fd, 0) == 0 else { throw .errno("truncate \(path)") }
            st.st_size = 0
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < Int64(st.st_size) {
            let n = pread(fd, buffer.baseAddress, buffer.count, off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .errno("read \(path)") }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            done += Int64(n)
        }
        offset = done
        guard lseek(fd, off_t(done), SEEK_SET) >= 0 else { throw .errno("seek \(path)") }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(SwkError) {
        try checkRoom(bytes.count)
        guard FS.writeAll(fd, bytes) else { throw .errno("write \(path)") }
        hasher.update(bytes)
        offset += Int64(bytes.count)
    }

    public func write(_ bytes: [UInt8]) throws(SwkError) {
        try checkRoom(bytes.count)
        guard bytes.withUnsafeBytes({ FS.writeAll(fd, $0) }) else { throw .errno("write \(path)") }
        hasher.update(bytes)
        offset += Int64(bytes.count)
    }

    private func checkRoom(_ count: Int) throws(SwkError) {
        guard fd >= 0 else { throw SwkError(.failedPrecondition, "blob \(descriptor.digest): write after commit") }
        guard offset + Int64(count) <= descriptor.size else {
            throw SwkError(.invalidArgument, "blob \(descriptor.digest): more data than its size \(descriptor.size)")
        }
    }

    /// Discards the bytes written so far (a server that ignored `Range` sends the whole blob).
    public func restart() throws(SwkError) {
        guard fd >= 0 else { throw SwkError(.failedPrecondition, "blob \(descriptor.digest): already committed") }
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { throw .errno("truncate \(path)") }
        hasher = try SHA256Hasher()
        offset = 0
    }

    /// Verifies and publishes the blob.
    public func commit() throws(SwkError) {
        guard fd >= 0 else { throw SwkError(.failedPrecondition, "blob \(descriptor.digest): already committed") }
        guard offset == descriptor.size else {
            throw SwkError(.failedPrecondition, "blob \(descriptor.digest): \(offset) of \(descriptor.size) bytes written")
        }
        let actual = hasher.finish()
        defer {
            Glibc.close(fd)
            fd = -1
        }
        guard actual == descriptor.digest else {
            unlink(path)
            throw SwkError(.invalidArgument, "blob digest mismatch: expected \(descriptor.digest), content has \(actual)")
        }
        guard fsync(fd) == 0 else { throw .errno("sync \(path)") }
        guard rename(path, destination) == 0 else { throw .errno("rename \(path) to \(destination)") }
    }
}

/// Holds off blob garbage collection while a pull is between downloading blobs and registering
/// the image (a shared `flock`; collection needs it exclusively and skips the sweep otherwise).
public final class ContentLease: Sendable {
    private let fd: Int32

    init(path: String) throws(SwkError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .errno("open lease lock \(path)") }
        while flock(fd, LOCK_SH) != 0 {
            if errno != EINTR {
                let e = SwkError.errno("take lease lock \(path)")
                Glibc.close(fd)
                throw e
            }
        }
    }

    deinit { Glibc.close(fd) }
}

extension ImageStore {
    public func hasBlob(_ digest: String) -> Bool {
        content.contains(digest)
    }

    public func readBlob(_ digest: String) throws(SwkError) -> [UInt8] {
        try content.read(digest)
    }

    /// Starts or resumes downloading `descriptor`; take a `lease()` first and hold it until
    /// `register`. Throws `.alreadyExists` when the blob is already stored.
    public func openIngest(for descriptor: ImageSpec.Descriptor) throws(SwkError) -> BlobIngest {
        guard !content.contains(descriptor.digest) else {
            throw SwkError(.alreadyExists, "blob \(descriptor.digest) already in the content store")
        }
        return try BlobIngest(store: content, descriptor: descriptor)
    }

    public func lease() throws(SwkError) -> ContentLease {
        try ContentLease(path: leasePath)
    }

    /// Records an image whose manifest, config and layers are all in the content store (a pull's
    /// last step). `names` are normalised here; they move to this image from any other.
    public func register(names: [String], manifestDigest: String) throws(SwkError) -> ImageRecord {
        var normalized: [String] = []
        for n in names { normalized.append(try ImageReference.normalize(n)) }
        return try withLock { () throws(SwkError) -> ImageRecord in
            let manifest = try decode(ImageSpec.Manifest.self, try content.read(manifestDigest), "manifest \(manifestDigest)")
            for d in [manifest.config] + manifest.layers where !content.contains(d.digest) {
                throw SwkError(.failedPrecondition, "image \(manifestDigest): blob \(d.digest) is not in the content store")
            }
            let spec = try decode(ImageSpec.Image.self, try content.read(manifest.config.digest), "config \(manifest.config.digest)")
            guard spec.rootfs.diffIDs.count == manifest.layers.count else {
                throw SwkError(.invalidArgument, "image \(manifestDigest): \(manifest.layers.count) layers but \(spec.rootfs.diffIDs.count) diff ids")
            }
            var index = try loadIndex()
            index.add(ImageRecord(names: normalized, id: manifest.config.digest, manifestDigest: manifestDigest,
                                  config: ImageConfig(spec.config), size: manifest.layers.reduce(0) { $0 + $1.size }))
            try saveIndex(index)
            guard let record = index.images.first(where: { $0.manifestDigest == manifestDigest }) else {
                throw SwkError(.internal, "image \(manifestDigest) missing from the index after registering it")
            }
            return record
        }
    }
}
