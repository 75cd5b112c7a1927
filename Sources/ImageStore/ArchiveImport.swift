import CArchive
import FoundationEssentials
import Glibc
import OCI
import SwkSupport

/// What one streaming pass over an image archive left behind: every regular file went straight
/// into the content store (hashed as it was copied, so the archive is never stored twice), and the
/// few small index documents were kept in memory.
struct ArchiveContents {
    struct File {
        var digest: String
        var size: Int64
        /// First bytes, to tell gzip or zstd layers from plain tar.
        var head: [UInt8]
    }

    var files: [String: File] = [:]
    /// Symlinks and hardlinks between archive members (`docker save` links repeated layers).
    var links: [String: String] = [:]
    var documents: [String: [UInt8]] = [:]

    static let documentNames: Set<String> = ["manifest.json", "index.json", "oci-layout", "repositories"]

    func file(_ path: String) -> File? {
        var p = Self.clean(path)
        for _ in 0..<8 {
            if let f = files[p] { return f }
            guard let next = links[p] else { return nil }
            p = next
        }
        return nil
    }

    /// Archive member names compared without `./` and duplicate slashes; `..` resolved lexically.
    static func clean(_ path: String) -> String {
        var out: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { _ = out.popLast() } else { out.append(part) }
        }
        return out.joined(separator: "/")
    }
}

/// An image found in an archive, before it is recorded in the index.
struct ArchivedImage {
    var names: [String]
    var manifestDigest: String
    var manifest: ImageSpec.Manifest
}

enum ArchiveImport {
    /// Copies every member of the archive on `fd` into the content store. Members named
    /// `blobs/sha256/<hex>` (OCI layout) or `<hex>.json` (docker save configs) must match that
    /// digest; a mismatch fails the import.
    static func read(fd: Int32, label: String, into store: ContentStore) throws(SwkError) -> ArchiveContents {
        guard let a = archive_read_new() else { throw SwkError(.system, "libarchive: out of memory") }
        defer { archive_read_free(a) }
        enableDecompressors(a)
        archive_read_support_format_tar(a)
        guard archive_read_open_fd(a, fd, 1 << 20) == ARCHIVE_OK else { throw archiveError(a, "open archive \(label)") }
        var contents = ArchiveContents()
        var entry: OpaquePointer?
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { break }
            guard r >= ARCHIVE_WARN, let entry, let rawName = archive_entry_pathname(entry) else {
                throw archiveError(a, "read archive \(label)")
            }
            let name = ArchiveContents.clean(String(cString: rawName))
            if let link = archive_entry_hardlink(entry) {
                contents.links[name] = ArchiveContents.clean(String(cString: link))
                continue
            }
            let type = archive_entry_filetype(entry)
            if type == S_IFLNK, let target = archive_entry_symlink(entry) {
                let dir = name.contains("/") ? FS.dirname(of: name) + "/" : ""
                let t = String(cString: target)
                contents.links[name] = ArchiveContents.clean(t.hasPrefix("/") ? t : dir + t)
                continue
            }
            guard type == S_IFREG else { continue }
            if ArchiveContents.documentNames.contains(name) {
                contents.documents[name] = try readAll(a, buffer, "\(label): \(name)")
                continue
            }
            let writer = try BlobWriter(store: store)
            while true {
                let n = archive_read_data(a, buffer.baseAddress, buffer.count)
                if n == 0 { break }
                guard n > 0 else { throw archiveError(a, "read \(name) from archive \(label)") }
                try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
            do throws(SwkError) {
                let (digest, size) = try writer.commit(expected: expectedDigest(name))
                contents.files[name] = .init(digest: digest, size: size, head: writer.head)
            } catch {
                throw error.context("archive \(label): member \(name)")
            }
        }
        return contents
    }

    private static func expectedDigest(_ name: String) -> String? {
        if name.hasPrefix("blobs/sha256/") { return "sha256:" + name.dropFirst("blobs/sha256/".count) }
        if name.hasSuffix(".json"), !name.contains("/"), Digest.isHex64(name.dropLast(5)) {
            return "sha256:" + name.dropLast(5)
        }
        return nil
    }

    private static func readAll(_ a: OpaquePointer, _ buffer: UnsafeMutableRawBufferPointer, _ what: String) throws(SwkError) -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let n = archive_read_data(a, buffer.baseAddress, buffer.count)
            if n == 0 { return out }
            guard n > 0 else { throw archiveError(a, "read \(what)") }
            guard out.count + n <= 16 << 20 else { throw SwkError(.invalidArgument, "\(what) is larger than 16 MiB") }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The images the archive declares: `manifest.json` (docker save, preferred because docker's
    /// own OCI-layout variant names images only there) or `index.json` (OCI image layout).
    static func images(in contents: ArchiveContents, label: String, store: ContentStore) throws(SwkError) -> [ArchivedImage] {
        if let data = contents.documents["manifest.json"] {
            let entries = try decode([ImageSpec.DockerSaveEntry].self, data, "\(label): manifest.json")
            return try entries.map { (e) throws(SwkError) in try dockerImage(e, contents, label, store) }
        }
        guard let data = contents.documents["index.json"] else {
            throw SwkError(.invalidArgument, "archive \(label) has neither manifest.json (docker save) nor index.json (OCI layout)")
        }
        let index = try decode(ImageSpec.Index.self, data, "\(label): index.json")
        var out: [ArchivedImage] = []
        for d in index.manifests {
            let manifestDescriptor = try ImagePlatform.select(d, store: store, label: label)
            let manifest = try decode(ImageSpec.Manifest.self, try store.read(manifestDescriptor.digest), "\(label): manifest \(manifestDescriptor.digest)")
            try checkPresent(manifest, store, label)
            out.append(ArchivedImage(names: try names(d.annotations), manifestDigest: manifestDescriptor.digest, manifest: manifest))
        }
        return out
    }

    private static func names(_ annotations: [String: String]?) throws(SwkError) -> [String] {
        if let full = annotations?[ImageSpec.Annotation.containerdImageName] {
            return [try ImageReference.normalize(full)]
        }
        // A bare tag ("1.0") names no repository; only full references become names.
        if let ref = annotations?[ImageSpec.Annotation.refName], ref.contains("/") || ref.contains(":"),
           let name = try? ImageReference.normalize(ref) {
            return [name]
        }
        return []
    }

    private static func checkPresent(_ m: ImageSpec.Manifest, _ store: ContentStore, _ label: String) throws(SwkError) {
        for d in [m.config] + m.layers where !store.contains(d.digest) {
            throw SwkError(.invalidArgument, "archive \(label) lacks blob \(d.digest) (\(d.mediaType))")
        }
    }

    /// docker save stores uncompressed layers and no manifest: we write the OCI manifest it implies.
    private static func dockerImage(_ e: ImageSpec.DockerSaveEntry, _ contents: ArchiveContents, _ label: String,
                                    _ store: ContentStore) throws(SwkError) -> ArchivedImage {
        guard let config = contents.file(e.config) else {
            throw SwkError(.invalidArgument, "archive \(label): manifest.json names config \(e.config), which is not in the archive")
        }
        let image = try decode(ImageSpec.Image.self, try store.read(config.digest), "\(label): config \(e.config)")
        guard image.rootfs.diffIDs.count == e.layers.count else {
            throw SwkError(.invalidArgument, "archive \(label): config \(e.config) lists \(image.rootfs.diffIDs.count) layers, manifest.json \(e.layers.count)")
        }
        var layers: [ImageSpec.Descriptor] = []
        for (path, diffID) in zip(e.layers, image.rootfs.diffIDs) {
            guard let layer = contents.file(path) else {
                throw SwkError(.invalidArgument, "archive \(label): layer \(path) is not in the archive")
            }
            let type = layerMediaType(layer.head)
            if type == ImageSpec.MediaType.ociLayer && layer.digest != diffID {
                throw SwkError(.invalidArgument, "archive \(label): layer \(path) has digest \(layer.digest), the config says \(diffID)")
            }
            layers.append(.init(mediaType: type, digest: layer.digest, size: layer.size))
        }
        let manifest = ImageSpec.Manifest(config: .init(mediaType: ImageSpec.MediaType.ociConfig, digest: config.digest, size: config.size),
                                          layers: layers)
        let digest = try store.put(try encode(manifest))
        var names: [String] = []
        for tag in e.repoTags ?? [] { names.append(try ImageReference.normalize(tag)) }
        return ArchivedImage(names: names, manifestDigest: digest, manifest: manifest)
    }

    static func layerMediaType(_ head: [UInt8]) -> String {
        if head.starts(with: [0x1f, 0x8b]) { return ImageSpec.MediaType.ociLayerGzip }
        if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return ImageSpec.MediaType.ociLayerZstd }
        return ImageSpec.MediaType.ociLayer
    }
}

func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ what: String) throws(SwkError) -> T {
    do {
        return try JSONDecoder().decode(type, from: Data(bytes))
    } catch {
        throw SwkError(.invalidArgument, "decode \(what)", cause: error)
    }
}

func encode<T: Encodable>(_ value: T) throws(SwkError) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
        return Array(try encoder.encode(value))
    } catch {
        throw SwkError(.internal, "encode \(T.self)", cause: error)
    }
}
