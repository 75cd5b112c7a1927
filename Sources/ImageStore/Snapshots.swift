import CSwkSys
import Glibc
import OCI
import SwkSupport

extension ImageStore {
    /// The overlayfs lower directories of `image`, topmost layer first, unpacking any layer whose
    /// snapshot does not exist yet. Mount with `lowerdir=` these joined by `:`.
    public func lowerDirs(for image: ImageRecord) throws(SwkError) -> [String] {
        let (manifest, chains, diffIDs) = try layers(of: image)
        let dirs = chains.map { "\(snapshotsDir)/\($0.dropFirst(7))" }
        if dirs.allSatisfy(FS.isDirectory) { return dirs.reversed().map { "\($0)/fs" } }
        try withLock { () throws(SwkError) in
            for (i, dir) in dirs.enumerated() where !FS.isDirectory(dir) {
                try unpack(manifest.layers[i], diffID: diffIDs[i], into: dir)
            }
        }
        return dirs.reversed().map { "\($0)/fs" }
    }

    private func layers(of image: ImageRecord) throws(SwkError) -> (ImageSpec.Manifest, [String], [String]) {
        let manifest = try decode(ImageSpec.Manifest.self, try content.read(image.manifestDigest), "manifest \(image.manifestDigest)")
        let spec = try decode(ImageSpec.Image.self, try content.read(image.id), "config \(image.id)")
        guard spec.rootfs.diffIDs.count == manifest.layers.count else {
            throw SwkError(.invalidArgument, "image \(image.id): \(manifest.layers.count) layers but \(spec.rootfs.diffIDs.count) diff ids")
        }
        return (manifest, try Digest.chainIDs(spec.rootfs.diffIDs), spec.rootfs.diffIDs)
    }

    /// Unpacks one layer into `tmp-*/fs` and renames the tmp dir to `dir` when complete.
    private func unpack(_ layer: ImageSpec.Descriptor, diffID: String, into dir: String) throws(SwkError) {
        let tmp = "\(snapshotsDir)/\(uniqueName("tmp"))"
        do throws(SwkError) {
            try FS.makeDirectories("\(tmp)/fs")
            try LayerUnpack.unpack(blob: try content.path(layer.digest), into: "\(tmp)/fs", diffID: diffID)
            // One flush per layer, not an fsync per file: after a power cut a visible snapshot
            // has all its data.
            let fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw .errno("open snapshot \(tmp)") }
            let synced = swk_syncfs(fd) == 0 ? 0 : errno
            close(fd)
            guard synced == 0 else { throw .errno("sync snapshot \(tmp)", synced) }
            guard rename(tmp, dir) == 0 else { throw .errno("rename snapshot \(tmp) to \(dir)") }
        } catch {
            try? removeSnapshotTree(tmp)
            throw error.context("unpack layer \(layer.digest)")
        }
    }
}
