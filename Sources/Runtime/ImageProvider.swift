import SwkSupport

/// What the lifecycle layer needs from an image: its unpacked layers and its config. The daemon's
/// composition root adapts the real image store to `ImageProvider`; tests pass a directory.
public struct RuntimeImage: Sendable, Equatable {
    /// The image id (`sha256:…` of its config), reported as the container's imageRef.
    public var id: String
    /// Unpacked layer directories in overlay order, top layer first.
    public var lowerDirs: [String]
    /// The image config's `User` (`uid`, `uid:gid`, `name`, `name:group`; empty means root).
    public var user: String
    public var workingDir: String
    /// The image config's `StopSignal` (`SIGTERM`, `TERM`, `15`); empty means SIGTERM.
    public var stopSignal: String
    public var env: [String]
    public var entrypoint: [String]
    public var cmd: [String]

    public init(id: String, lowerDirs: [String], user: String = "", workingDir: String = "",
                stopSignal: String = "", env: [String] = [], entrypoint: [String] = [], cmd: [String] = []) {
        self.id = id; self.lowerDirs = lowerDirs; self.user = user; self.workingDir = workingDir
        self.stopSignal = stopSignal; self.env = env; self.entrypoint = entrypoint; self.cmd = cmd
    }
}

public protocol ImageProvider: Sendable {
    /// The unpacked image for a reference the controller put in `ContainerConfig.image`; throws
    /// `.notFound` when the image is not present.
    func runtimeImage(for reference: String) async throws -> RuntimeImage
}

