import CArchive
import Glibc
import SwkSupport

/// Unpacks one layer blob into a directory, verifying the layer's diffID on the way.
///
/// Two libarchive readers are chained in one pass: the outer one only decompresses (raw format,
/// in-process filters: gzip, zstd, xz, bzip2, lz4 or none), the inner one parses tar from the outer's output
/// through a read callback. The callback hashes the uncompressed stream, so the diffID (sha256 of
/// the uncompressed tar) is checked without a second read of the blob or a temp copy.
enum LayerUnpack {
    static func unpack(blob: String, into dir: String, diffID: String) throws(SwkError) {
        guard let outer = archive_read_new() else { throw SwkError(.system, "libarchive: out of memory") }
        defer { archive_read_free(outer) }
        enableDecompressors(outer)
        archive_read_support_format_raw(outer)
        guard archive_read_open_filename(outer, blob, 1 << 20) == ARCHIVE_OK else {
            throw archiveError(outer, "open layer \(blob)")
        }
        var rawEntry: OpaquePointer?
        guard archive_read_next_header(outer, &rawEntry) == ARCHIVE_OK else {
            throw archiveError(outer, "read layer \(blob)")
        }
        let source = DecompressedSource(archive: outer, hasher: try SHA256Hasher())
        guard let inner = archive_read_new() else { throw SwkError(.system, "libarchive: out of memory") }
        defer { archive_read_free(inner) }
        archive_read_support_format_tar(inner)
        let context = Unmanaged.passUnretained(source).toOpaque()
        guard archive_read_open(inner, context, nil, decompressedRead, nil) == ARCHIVE_OK else {
            throw archiveError(inner, "open tar stream of layer \(blob)")
        }
        let writer = try TreeWriter(root: dir)
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(inner, &entry)
            if r == ARCHIVE_EOF { break }
            guard r >= ARCHIVE_WARN, let entry else {
                if let failure = source.failure { throw failure }
                throw archiveError(inner, "read layer \(blob)")
            }
            try writer.write(entry, from: inner)
        }
        try writer.finish()
        // The tar reader stops at the end-of-archive marker; the diffID covers the padding after it.
        try source.drain()
        let actual = source.hasher.finish()
        guard actual == diffID else {
            throw SwkError(.invalidArgument, "layer \(blob): uncompressed content has digest \(actual), the image config says \(diffID)")
        }
    }
}

/// Enables the decompressors libarchive runs in process. Not `filter_all`: that also enables
/// filters that fork an external program (lrzip, lzop, grzip…), from a multithreaded daemon and
/// chosen by untrusted input.
func enableDecompressors(_ a: OpaquePointer) {
    archive_read_support_filter_gzip(a)
    archive_read_support_filter_zstd(a)
    archive_read_support_filter_xz(a)
    archive_read_support_filter_bzip2(a)
    archive_read_support_filter_lz4(a)
}

/// The decompressed bytes of the outer reader, hashed as the tar reader pulls them.
private final class DecompressedSource {
    let archive: OpaquePointer
    let hasher: SHA256Hasher
    /// Stable storage: libarchive keeps the pointer handed out until the next read.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
    var failure: SwkError?

    init(archive: OpaquePointer, hasher: SHA256Hasher) {
        self.archive = archive
        self.hasher = hasher
    }

    deinit { buffer.deallocate() }

    /// Fills the buffer; returns the count, 0 at the end, -1 on error (recorded in `failure`).
    func fill() -> Int {
        let n = archive_read_data(archive, buffer.baseAddress, buffer.count)
        if n < 0 {
            failure = archiveError(archive, "decompress layer")
            return -1
        }
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        return n
    }

    func drain() throws(SwkError) {
        while true {
            let n = fill()
            if n == 0 { return }
            if n < 0, let failure { throw failure }
        }
    }
}

private func decompressedRead(_ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?,
                              _ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
    guard let context, let out else { return -1 }
    let source = Unmanaged<DecompressedSource>.fromOpaque(context).takeUnretainedValue()
    let n = source.fill()
    // On failure the unpacker reports `source.failure`, which names the real cause.
    if n < 0 { return -1 }
    out.pointee = UnsafeRawPointer(source.buffer.baseAddress)
    return n
}
