import CArchive
import FoundationEssentials
import Glibc
@testable import ImageStore
import OCI
import SwkSupport
import Testing

let isRoot = getuid() == 0
let rootReason: Comment = "needs root (mknod, chown, trusted.* xattrs, overlay mounts)"

/// The repository root: the nearest directory above this file that holds Package.swift.
func repoRoot(_ file: String = #filePath) -> String {
    var dir = FS.dirname(of: file)
    while dir != "/" && !FS.exists("\(dir)/Package.swift") { dir = FS.dirname(of: dir) }
    return dir
}


func cleanup(_ dir: String) {
    try? FS.removeTree(dir)
}

@discardableResult
func run(_ argv: [String]) throws -> String {
    let out = try Spawn.run(argv)
    guard out.status == 0 else {
        throw SwkError(.system, "\(argv.joined(separator: " ")) exited \(out.status): \(out.stderr)")
    }
    return out.stdout
}

/// The demo image archive, built by the project's script into `dir`.
func buildDemo(in dir: String, name: String = "localhost/swkube-demo:1.0") throws -> String {
    let out = "\(dir)/demo.tar"
    try run(["/bin/bash", "\(repoRoot())/scripts/build-demo-image.sh", out, name])
    return out
}

/// One member of a tar we craft, hostile ones included (paths are written verbatim).
struct TarEntry {
    enum Kind {
        case file([UInt8])
        case directory
        case symlink(String)
        case hardlink(String)
    }

    var path: String
    var kind: Kind
    var mode: mode_t = 0o644
    var uid: Int64 = 0
    var gid: Int64 = 0
    var mtime: Int = 1_000_000
    var xattrs: [String: String] = [:]

    static func file(_ path: String, _ text: String = "data", mode: mode_t = 0o644) -> TarEntry {
        TarEntry(path: path, kind: .file(Array(text.utf8)), mode: mode)
    }

    static func dir(_ path: String) -> TarEntry {
        TarEntry(path: path, kind: .directory, mode: 0o755)
    }
}

/// Writes `entries` as a pax tar with libarchive (which, unlike GNU tar, keeps `..` and absolute names).
func writeTar(_ path: String, _ entries: [TarEntry]) throws {
    guard let a = archive_write_new() else { throw SwkError(.system, "archive_write_new") }
    defer { archive_write_free(a) }
    archive_write_set_format_pax_restricted(a)
    guard archive_write_open_filename(a, path) == ARCHIVE_OK else { throw SwkError(.system, "open \(path)") }
    for e in entries {
        guard let entry = archive_entry_new() else { throw SwkError(.system, "archive_entry_new") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, e.path)
        archive_entry_set_perm(entry, e.mode)
        archive_entry_set_uid(entry, e.uid)
        archive_entry_set_gid(entry, e.gid)
        archive_entry_set_mtime(entry, e.mtime, 0)
        for (k, v) in e.xattrs { archive_entry_xattr_add_entry(entry, k, v, v.utf8.count) }
        var data: [UInt8] = []
        switch e.kind {
        case .file(let bytes):
            archive_entry_set_filetype(entry, Glibc.S_IFREG)
            archive_entry_set_size(entry, Int64(bytes.count))
            data = bytes
        case .directory:
            archive_entry_set_filetype(entry, Glibc.S_IFDIR)
        case .symlink(let target):
            archive_entry_set_filetype(entry, Glibc.S_IFLNK)
            archive_entry_set_symlink(entry, target)
        case .hardlink(let target):
            archive_entry_set_filetype(entry, Glibc.S_IFREG)
            archive_entry_set_hardlink(entry, target)
        }
        guard archive_write_header(a, entry) == ARCHIVE_OK else {
            throw SwkError(.system, "write header \(e.path): \(String(cString: archive_error_string(a)))")
        }
        if !data.isEmpty { _ = data.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) } }
    }
    guard archive_write_close(a) == ARCHIVE_OK else { throw SwkError(.system, "close \(path)") }
}

enum Compression: String {
    case none, gzip, zstd
}

/// Builds an OCI image-layout archive with one image of the given layers; returns its path.
func makeOCIArchive(in dir: String, name: String, layers: [[TarEntry]], compression: Compression = .gzip,
                    config: ImageSpec.Config = .init(cmd: ["sh"]), corruptDiffID: Bool = false) throws -> String {
    let layout = "\(dir)/layout-\(UInt32.random(in: 0 ... .max))"
    try FS.makeDirectories("\(layout)/blobs/sha256")
    func put(_ bytes: [UInt8]) throws -> (String, Int64) {
        let digest = try Digest.sha256(bytes)
        try FS.writeAtomic("\(layout)/blobs/sha256/\(digest.dropFirst(7))", bytes)
        return (digest, Int64(bytes.count))
    }
    var diffIDs: [String] = []
    var descriptors: [ImageSpec.Descriptor] = []
    for (i, entries) in layers.enumerated() {
        let tar = "\(layout)/layer\(i).tar"
        try writeTar(tar, entries)
        let plain = try FS.readBytes(tar)
        diffIDs.append(corruptDiffID ? try Digest.sha256(plain + [0]) : try Digest.sha256(plain))
        var blob = plain
        var type = ImageSpec.MediaType.ociLayer
        switch compression {
        case .none: break
        case .gzip:
            try run(["/bin/gzip", "-n", tar])
            blob = try FS.readBytes("\(tar).gz")
            type = ImageSpec.MediaType.ociLayerGzip
        case .zstd:
            try run(["/usr/bin/zstd", "-q", "--rm", tar])
            blob = try FS.readBytes("\(tar).zst")
            type = ImageSpec.MediaType.ociLayerZstd
        }
        try? FS.removeTree("\(tar)"); try? FS.removeTree("\(tar).gz"); try? FS.removeTree("\(tar).zst")
        let (digest, size) = try put(blob)
        descriptors.append(.init(mediaType: type, digest: digest, size: size))
    }
    let image = ImageSpec.Image(architecture: ImagePlatform.host.architecture, os: "linux", config: config,
                                rootfs: .init(diffIDs: diffIDs))
    let (configDigest, configSize) = try put(try encode(image))
    let manifest = ImageSpec.Manifest(config: .init(mediaType: ImageSpec.MediaType.ociConfig, digest: configDigest, size: configSize),
                                      layers: descriptors)
    let (manifestDigest, manifestSize) = try put(try encode(manifest))
    let index = ImageSpec.Index(manifests: [.init(mediaType: ImageSpec.MediaType.ociManifest, digest: manifestDigest, size: manifestSize,
                                                  annotations: [ImageSpec.Annotation.containerdImageName: name])])
    try FS.writeAtomic("\(layout)/index.json", try encode(index))
    try FS.writeAtomic("\(layout)/oci-layout", #"{"imageLayoutVersion":"1.0.0"}"#)
    let out = "\(layout).tar"
    try run(["/bin/tar", "-C", layout, "-cf", out, "oci-layout", "index.json", "blobs"])
    try FS.removeTree(layout)
    return out
}

/// Files (not directories) under `dir`, recursively, relative to it.
func filesUnder(_ dir: String) throws -> [String] {
    var out: [String] = []
    for name in try FS.list(dir) {
        let p = "\(dir)/\(name)"
        var st = stat()
        lstat(p, &st)
        if (st.st_mode & S_IFMT) == S_IFDIR {
            out += try filesUnder(p).map { "\(name)/\($0)" }
        } else {
            out.append(name)
        }
    }
    return out.sorted()
}

func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}

/// Rewrites the OCI layout at `layout` so that its index points at a nested index of two
/// manifests: this machine's (the layout's own) and one for another platform whose blobs are
/// missing (so choosing it would fail). Returns the native manifest's descriptor.
@discardableResult
func wrapInMultiPlatformIndex(_ layout: String, foreignArchitecture: String, annotations: [String: String]? = nil) throws -> ImageSpec.Descriptor {
    let inner = try decode(ImageSpec.Index.self, try FS.readBytes("\(layout)/index.json"), "index")
    var native = inner.manifests[0]
    native.annotations = nil
    native.platform = ImagePlatform.host
    let foreign = ImageSpec.Descriptor(mediaType: ImageSpec.MediaType.ociManifest, digest: "sha256:" + String(repeating: "e", count: 64),
                                       size: 10, platform: .init(architecture: foreignArchitecture, os: "linux"))
    let nested = try encode(ImageSpec.Index(manifests: [foreign, native]))
    let digest = try Digest.sha256(nested)
    try FS.writeAtomic("\(layout)/blobs/sha256/\(digest.dropFirst(7))", nested)
    try FS.writeAtomic("\(layout)/index.json", try encode(ImageSpec.Index(manifests: [
        .init(mediaType: ImageSpec.MediaType.ociIndex, digest: digest, size: Int64(nested.count), annotations: annotations)])))
    return native
}
