import FoundationEssentials
import Glibc
import OCI
import SwkSupport

/// An image as the runtime sees it: its names, identity and the runnable part of its config.
public struct ImageRecord: Sendable, Equatable, Codable {
    /// Normalised references (`docker.io/library/busybox:latest`).
    public var names: [String]
    /// `sha256:<config digest>`, the image ID as docker and CRI report it.
    public var id: String
    public var manifestDigest: String
    public var config: ImageConfig
    /// Sum of the (compressed) layer sizes.
    public var size: Int64

    public init(names: [String], id: String, manifestDigest: String, config: ImageConfig, size: Int64) {
        self.names = names
        self.id = id
        self.manifestDigest = manifestDigest
        self.config = config
        self.size = size
    }
}

/// The execution defaults of an image (`config` of the OCI image configuration).
public struct ImageConfig: Sendable, Equatable, Codable {
    public var user: String
    public var env: [String]
    public var entrypoint: [String]
    public var cmd: [String]
    public var workingDir: String
    public var stopSignal: String
    public var labels: [String: String]

    public init(user: String = "", env: [String] = [], entrypoint: [String] = [], cmd: [String] = [],
                workingDir: String = "", stopSignal: String = "", labels: [String: String] = [:]) {
        self.user = user
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.workingDir = workingDir
        self.stopSignal = stopSignal
        self.labels = labels
    }

    init(_ c: ImageSpec.Config?) {
        self.init(user: c?.user ?? "", env: c?.env ?? [], entrypoint: c?.entrypoint ?? [], cmd: c?.cmd ?? [],
                  workingDir: c?.workingDir ?? "", stopSignal: c?.stopSignal ?? "", labels: c?.labels ?? [:])
    }
}

/// The node's images: a verified content store, an index of names, and unpacked snapshots.
///
/// On disk under `root` (default /var/lib/swkube):
/// - `content/blobs/sha256/<hex>`: manifests, configs and layer blobs, each verified before it
///   became visible (see `ContentStore`);
/// - `images.json`: the records, replaced atomically, so readers (the CLI while the daemon runs)
///   never lock;
/// - `snapshots/<chainID hex>/fs`: one directory per layer *chain*, holding only that layer's
///   files, with overlayfs whiteouts; overlayfs stacks them (`lowerDirs`), as containerd's
///   overlayfs snapshotter does. Per-layer directories let images that share a base share its
///   snapshots, and unpack each layer once; a flattened rootfs would copy the base per image.
///   A snapshot is unpacked into `snapshots/tmp-*` and renamed into place when complete, so a
///   crash never leaves a half-unpacked snapshot visible.
///
/// Writers (import, remove, unpack, GC) serialise on `flock` of `<root>/images.lock`, which works
/// across threads and processes alike (each operation opens its own descriptor).
public final class ImageStore: Sendable {
    public let root: String
    let content: ContentStore
    let snapshotsDir: String
    private let indexPath: String
    private let lockPath: String
    let leasePath: String

    public init(root: String) throws(SwkError) {
        try FS.makeDirectories(root, mode: 0o700)
        // A canonical root: no symlink above the snapshots can change where they are.
        guard let real = realpath(root, nil) else { throw .errno("resolve image store root \(root)") }
        self.root = String(cString: real)
        free(real)
        content = try ContentStore(root: self.root)
        snapshotsDir = "\(self.root)/snapshots"
        indexPath = "\(self.root)/images.json"
        lockPath = "\(self.root)/images.lock"
        leasePath = "\(self.root)/leases.lock"
        // 0700, repaired at every open: image files keep their setuid bits and device nodes, which
        // no host user but root may reach (CVE-2021-41103).
        try HostAccess.directory(snapshotsDir, mode: 0o700)
        try removeCrashLeftovers()
    }

    /// Ingest files and `tmp-*` snapshots left by a crash go at start-up, unless another writer
    /// (another process) is active right now; then they wait for the next garbage collection.
    private func removeCrashLeftovers() throws(SwkError) {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .errno("open image store lock \(lockPath)") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return }
        try content.cleanIngest(keepPartials: true)
        for name in try FS.list(snapshotsDir) where name.hasPrefix("tmp-") {
            try removeSnapshotTree("\(snapshotsDir)/\(name)")
        }
    }

    // MARK: reading

    public func list() throws(SwkError) -> [ImageRecord] {
        try loadIndex().images
    }

    /// Finds an image by name (`busybox`, normalised or not), by `name@sha256:…`, by manifest
    /// digest, by image ID (`sha256:…`, the bare hex, or a unique prefix of at least 4 hex digits).
    public func resolve(_ reference: String) throws(SwkError) -> ImageRecord? {
        try Self.find(reference, in: loadIndex().images).map { $0.record }
    }

    // MARK: writing

    /// Imports a `docker save` or OCI image-layout archive (optionally compressed) from a file.
    public func importArchive(path: String) throws(SwkError) -> [ImageRecord] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open image archive \(path)") }
        defer { close(fd) }
        return try importArchive(fd: fd, label: path)
    }

    /// Imports an archive read once, sequentially, from `fd` (a pipe or stdin works).
    public func importArchive(fd: Int32, label: String = "stdin") throws(SwkError) -> [ImageRecord] {
        try withLock { () throws(SwkError) -> [ImageRecord] in
            do throws(SwkError) {
                let contents = try ArchiveImport.read(fd: fd, label: label, into: content)
                let found = try ArchiveImport.images(in: contents, label: label, store: content)
                var records: [ImageRecord] = []
                for image in found {
                    let blob = try content.read(image.manifest.config.digest)
                    let spec = try decode(ImageSpec.Image.self, blob, "\(label): config \(image.manifest.config.digest)")
                    guard spec.rootfs.diffIDs.count == image.manifest.layers.count else {
                        throw SwkError(.invalidArgument, "\(label): image \(image.manifestDigest) has \(image.manifest.layers.count) layers but \(spec.rootfs.diffIDs.count) diff ids")
                    }
                    records.append(ImageRecord(names: image.names, id: image.manifest.config.digest,
                                               manifestDigest: image.manifestDigest, config: ImageConfig(spec.config),
                                               size: image.manifest.layers.reduce(0) { $0 + $1.size }))
                }
                var index = try loadIndex()
                for r in records { index.add(r) }
                try saveIndex(index)
                try collectGarbageLocked()
                return records.map { r in index.images.first { $0.manifestDigest == r.manifestDigest } ?? r }
            } catch {
                // Blobs of a failed import are referenced by nothing: drop them now.
                try? collectGarbageLocked()
                throw error.context("import \(label)")
            }
        }
    }

    /// Untags a name (`busybox`), or removes an image by ID or digest; then collects garbage.
    /// Whether a container still uses the image is the caller's check.
    public func remove(_ reference: String) throws(SwkError) {
        try withLock { () throws(SwkError) in
            var index = try loadIndex()
            guard let (record, byName) = Self.find(reference, in: index.images) else {
                throw SwkError(.notFound, "image \(reference) not found")
            }
            if let name = byName {
                index.untag(name)
            } else {
                index.images.removeAll { $0.manifestDigest == record.manifestDigest }
            }
            try saveIndex(index)
            try collectGarbageLocked()
        }
    }

    /// Removes blobs, snapshots and temp files that no image references.
    public func collectGarbage() throws(SwkError) {
        try withLock { () throws(SwkError) in try collectGarbageLocked() }
    }

    // MARK: internals

    struct Index: Codable {
        var images: [ImageRecord] = []

        /// Records `r`; its names move to it from any other image, and an image left without
        /// names disappears (containerd's rule: an image is its name).
        mutating func add(_ r: ImageRecord) {
            for name in r.names { untag(name) }
            if let i = images.firstIndex(where: { $0.manifestDigest == r.manifestDigest }) {
                images[i].names = Array(Set(images[i].names + r.names)).sorted()
            } else {
                var r = r
                r.names.sort()
                images.append(r)
            }
        }

        mutating func untag(_ name: String) {
            images = images.compactMap { record in
                guard record.names.contains(name) else { return record }
                var r = record
                r.names.removeAll { $0 == name }
                return r.names.isEmpty ? nil : r
            }
        }
    }

    /// The matching record, and the name it matched by (nil when matched by ID or digest).
    static func find(_ reference: String, in images: [ImageRecord]) -> (record: ImageRecord, name: String?)? {
        if Digest.isValid(reference) {
            return images.first { $0.id == reference || $0.manifestDigest == reference }.map { ($0, nil) }
        }
        if let parsed = try? ImageReference.parse(reference) {
            if let digest = parsed.digest {
                if let r = images.first(where: { $0.manifestDigest == digest }) { return (r, nil) }
            } else if let r = images.first(where: { $0.names.contains(parsed.normalized) }) {
                return (r, parsed.normalized)
            }
        }
        let isHex = reference.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
        guard isHex, reference.utf8.count >= 4 else { return nil }
        let hits = images.filter { $0.id.dropFirst(7).hasPrefix(reference) }
        return hits.count == 1 ? (hits[0], nil) : nil
    }

    func loadIndex() throws(SwkError) -> Index {
        guard FS.exists(indexPath) else { return Index() }
        return try decode(Index.self, try FS.readBytes(indexPath), "image index \(indexPath)")
    }

    func saveIndex(_ index: Index) throws(SwkError) {
        try FS.writeAtomic(indexPath, try encode(index), mode: 0o600)
    }

    func withLock<T>(_ body: () throws(SwkError) -> T) throws(SwkError) -> T {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .errno("open image store lock \(lockPath)") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw .errno("lock \(lockPath)") }
        }
        return try body()
    }

    /// Mark and sweep over the index; only under the lock, when no writer is mid-way. Blobs are
    /// swept only when no pull holds a `ContentLease` (its blobs are not referenced yet).
    private func collectGarbageLocked() throws(SwkError) {
        let leaseFD = open(leasePath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard leaseFD >= 0 else { throw .errno("open lease lock \(leasePath)") }
        defer { close(leaseFD) }
        let noPulls = flock(leaseFD, LOCK_EX | LOCK_NB) == 0
        var blobs: Set<String> = []
        var chains: Set<String> = []
        for record in try loadIndex().images {
            blobs.insert(record.manifestDigest)
            blobs.insert(record.id)
            // A record whose documents cannot be read stops the sweep: guessing would delete layers.
            let manifest = try decode(ImageSpec.Manifest.self, try content.read(record.manifestDigest), "manifest \(record.manifestDigest)")
            let image = try decode(ImageSpec.Image.self, try content.read(record.id), "config \(record.id)")
            for layer in manifest.layers { blobs.insert(layer.digest) }
            for chain in try Digest.chainIDs(image.rootfs.diffIDs) { chains.insert(String(chain.dropFirst(7))) }
        }
        if noPulls {
            for digest in try content.all() where !blobs.contains(digest) {
                try content.delete(digest)
            }
        }
        try content.cleanIngest(keepPartials: !noPulls)
        for name in try FS.list(snapshotsDir) where !chains.contains(name) {
            // Out of sight first, so a crash mid-delete leaves only a tmp dir to finish later.
            let doomed = name.hasPrefix("tmp-") ? name : uniqueName("tmp-gc")
            if doomed != name, Glibc.rename("\(snapshotsDir)/\(name)", "\(snapshotsDir)/\(doomed)") != 0 {
                throw .errno("move snapshot \(name) out of \(snapshotsDir)")
            }
            try removeSnapshotTree("\(snapshotsDir)/\(doomed)")
        }
    }
}
