import Glibc
import SwkSupport

/// The content-addressed blob store, `<root>/content/blobs/sha256/<hex>` (containerd's layout).
/// A blob becomes visible only by renaming a fully written temp file from `<root>/content/ingest`
/// after its SHA-256 matched, so a reader never sees a partial or tampered blob; a crash leaves at
/// most an ingest file, which garbage collection removes.
struct ContentStore: Sendable {
    let blobsDir: String
    let ingestDir: String

    init(root: String) throws(SwkError) {
        blobsDir = "\(root)/content/blobs/sha256"
        ingestDir = "\(root)/content/ingest"
        // Root's alone (containerd's 0700): blobs of private images; repaired at every open.
        try HostAccess.directory("\(root)/content", mode: 0o700)
        try FS.makeDirectories(blobsDir)
        try FS.makeDirectories(ingestDir)
    }

    func path(_ digest: String) throws(SwkError) -> String {
        "\(blobsDir)/\(try Digest.hex(digest))"
    }

    func contains(_ digest: String) -> Bool {
        guard let p = try? path(digest) else { return false }
        return FS.exists(p)
    }

    func read(_ digest: String) throws(SwkError) -> [UInt8] {
        do throws(SwkError) {
            return try FS.readBytes(try path(digest))
        } catch {
            throw error.code == .notFound ? SwkError(.notFound, "blob \(digest) not found in the content store") : error
        }
    }

    /// Stores a small in-memory blob (a manifest we synthesised) and returns its digest.
    func put(_ bytes: [UInt8]) throws(SwkError) -> String {
        let w = try BlobWriter(store: self)
        try w.write(bytes)
        return try w.commit(expected: nil).digest
    }

    /// Digests of every committed blob.
    func all() throws(SwkError) -> [String] {
        try FS.list(blobsDir).filter { Digest.isHex64($0) }.map { "sha256:\($0)" }
    }

    func delete(_ digest: String) throws(SwkError) {
        let p = try path(digest)
        if unlink(p) != 0 && errno != ENOENT { throw .errno("remove blob \(p)") }
    }

    /// Removes leftovers of interrupted writes; only while holding the store lock. Partial
    /// downloads (`<hex>.partial`) are kept for a resume when `keepPartials` is set or they are
    /// younger than a day, and never touched while a pull holds them locked.
    func cleanIngest(keepPartials: Bool) throws(SwkError) {
        for name in try FS.list(ingestDir) {
            let path = "\(ingestDir)/\(name)"
            if name.hasSuffix(".partial") {
                if keepPartials || !isStaleAndUnlocked(path) { continue }
            }
            try FS.removeTree(path)
        }
    }

    private func isStaleAndUnlocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        return time(nil) - st.st_mtim.tv_sec > 24 * 3600
    }
}

/// Writes one blob: hashes while writing to an ingest file, then verifies and renames into place.
/// Single owner; an uncommitted writer removes its temp file when released.
final class BlobWriter {
    private let store: ContentStore
    private let tmp: String
    private var fd: Int32
    private let hasher: SHA256Hasher
    private(set) var size: Int64 = 0
    /// The first bytes, kept to sniff a layer's compression.
    private(set) var head: [UInt8] = []

    init(store: ContentStore) throws(SwkError) {
        self.store = store
        self.hasher = try SHA256Hasher()
        let tmp = "\(store.ingestDir)/\(uniqueName("blob"))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .errno("create ingest file \(tmp)") }
        self.fd = fd
        self.tmp = tmp
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(tmp)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SwkError) {
        guard FS.writeAll(fd, bytes) else { throw .errno("write ingest file \(tmp)") }
        hasher.update(bytes)
        if head.count < 8 { head.append(contentsOf: bytes.prefix(8 - head.count)) }
        size += Int64(bytes.count)
    }

    func write(_ bytes: [UInt8]) throws(SwkError) {
        guard bytes.withUnsafeBytes({ FS.writeAll(fd, $0) }) else { throw .errno("write ingest file \(tmp)") }
        hasher.update(bytes)
        if head.count < 8 { head.append(contentsOf: bytes.prefix(8 - head.count)) }
        size += Int64(bytes.count)
    }

    /// Verifies the content against `expected` (when known) and makes it visible.
    func commit(expected: String?) throws(SwkError) -> (digest: String, size: Int64) {
        let digest = hasher.finish()
        // Durable before visible: after a power cut a published blob is whole or absent.
        let synced = fsync(fd) == 0 ? 0 : errno
        let closed = close(fd) == 0 ? 0 : errno
        fd = -1
        guard synced == 0, closed == 0 else {
            let e = SwkError.errno("sync ingest file \(tmp)", synced != 0 ? synced : closed)
            unlink(tmp)
            throw e
        }
        if let expected, expected != digest {
            unlink(tmp)
            throw SwkError(.invalidArgument, "blob digest mismatch: expected \(expected), content has \(digest)")
        }
        let dest = "\(store.blobsDir)/\(digest.dropFirst(7))"
        guard rename(tmp, dest) == 0 else {
            let e = SwkError.errno("rename \(tmp) to \(dest)")
            unlink(tmp)
            throw e
        }
        return (digest, size)
    }
}

/// A name no other writer (thread or process) picks: pid plus 64 random bits.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(getpid())-\(hexString(withUnsafeBytes(of: UInt64.random(in: .min ... .max)) { Array($0) }))"
}
