import CRI
import ImageStore
import SwkSupport

/// Brings an image from its registry into the image store (the daemon's runs in a helper
/// process, so the registry transport's libraries never load into swkubelet).
public protocol ImagePuller: Sendable {
    func pull(_ reference: String) async throws
}

/// CRI's ImageService over the local image store. A pull goes through `puller`; without one, a
/// pull of an absent image is refused with a message pointing at `swkubectl import`.
public struct LocalImageService: ImageService {
    let store: ImageStore
    let puller: (any ImagePuller)?
    /// For ImageFsInfo's timestamp.
    let clock: any NodeClock

    public init(store: ImageStore, puller: (any ImagePuller)? = nil, clock: any NodeClock = SystemClock()) {
        self.store = store
        self.puller = puller
        self.clock = clock
    }

    public func listImages() async throws -> [CRI.Image] {
        try store.list().map(Self.criImage)
    }

    public func imageStatus(_ image: ImageSpec) async throws -> CRI.Image? {
        try store.resolve(image.image).map(Self.criImage)
    }

    /// Pulls from the registry (the controller decides per imagePullPolicy whether to call this).
    /// Errors carry the registry's own message, e.g. `manifest unknown`.
    public func pullImage(_ image: ImageSpec, _ sandboxConfig: PodSandboxConfig?) async throws -> String {
        let name = (try? ImageReference.normalize(image.image)) ?? image.image
        guard let puller else {
            if let present = try store.resolve(image.image) { return present.id }
            throw SwkError(.unavailable, "no registry client to pull \(name); import it with `swkubectl import FILE`")
        }
        try await puller.pull(name)
        guard let pulled = try store.resolve(name) else {
            throw SwkError(.internal, "pull \(name) succeeded but the image is not in the store")
        }
        return pulled.id
    }

    public func removeImage(_ image: ImageSpec) async throws {
        try store.remove(image.image)
    }

    /// The image store's blobs and snapshots (each hardlinked inode once), as of now; the
    /// mountpoint is the store's root, as containerd reports its snapshotter's directory.
    public func imageFsInfo() async throws -> ImageFsInfoResponse {
        let usage = try store.usage()
        return ImageFsInfoResponse(imageFilesystems: [
            FilesystemUsage(timestamp: clock.now(), fsId: FilesystemIdentifier(mountpoint: usage.mountpoint),
                            usedBytes: UInt64(max(0, usage.usedBytes)), inodesUsed: UInt64(max(0, usage.inodesUsed))),
        ])
    }

    static func criImage(_ record: ImageRecord) -> CRI.Image {
        var image = CRI.Image(id: record.id)
        image.repoTags = record.names
        image.repoDigests = record.names.map { name in
            let repo = name.split(separator: ":").dropLast().joined(separator: ":")
            return "\(repo.isEmpty ? name : repo)@\(record.manifestDigest)"
        }
        image.size = UInt64(max(0, record.size))
        (image.uid, image.username) = imageUser(record.config.user)
        return image
    }

    /// CRI reports the user part of a config's `User`: a uid when numeric (none means root), else
    /// the name, which only the container's /etc/passwd can resolve.
    static func imageUser(_ user: String) -> (uid: Int64?, username: String) {
        let name = String(user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if name.isEmpty { return (0, "") }
        if let uid = Int64(name) { return (uid, "") }
        return (nil, name)
    }
}

/// Gives the runtime what it needs of an image to build a container: its layers as overlay
/// lower directories (unpacked on first use) and the runnable part of its config.
public struct ImageStoreProvider: ImageProvider {
    let store: ImageStore

    public init(store: ImageStore) {
        self.store = store
    }

    public func runtimeImage(for reference: String) async throws -> RuntimeImage {
        guard let record = try store.resolve(reference) else {
            throw SwkError(.notFound, "image \"\(reference)\" is not present")
        }
        let config = record.config
        return RuntimeImage(id: record.id, lowerDirs: try store.lowerDirs(for: record), user: config.user,
                            workingDir: config.workingDir, stopSignal: config.stopSignal, env: config.env,
                            entrypoint: config.entrypoint, cmd: config.cmd)
    }
}
